/* Private to src/core/vec*: the element-wise operations, defined once for
 * the host loops (vec.c) and the CUDA kernels (vec_cuda.cu) so that both
 * compute the same float arithmetic, and the device entry points. */
#ifndef TES_CORE_VEC_IMPL_H
#define TES_CORE_VEC_IMPL_H

#include <stddef.h>

#include "core/status.h"

#ifdef __CUDACC__
#define TES_VEC_HD __host__ __device__ static inline
#else
#define TES_VEC_HD static inline
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* y[i] = f(y[i], a[i], b[i]; p, q). Operands an operation does not use may be
 * NULL; the comment gives each operation's f. */
typedef enum tes_vec_op {
    TES_VEC_FILL = 0,      /* y = p */
    TES_VEC_SCALE,         /* y = p y */
    TES_VEC_RECIP_GUARDED, /* y = y > p ? 1 / y : 0 */
    TES_VEC_CLAMP,         /* y = min(max(y, p), q) */
    TES_VEC_AXPY,          /* y = y + p a */
    TES_VEC_XPBY,          /* y = a + p y */
    TES_VEC_MUL,           /* y = y a */
    TES_VEC_SUB,           /* y = a - b */
    TES_VEC_DIV_GUARDED,   /* y = b > p ? a / b : 0 */
    TES_VEC_OP_COUNT
} tes_vec_op;

/* One element of op; called with a constant op, so the switch folds away. */
TES_VEC_HD float tes_vec_apply(tes_vec_op op, float y, float a, float b, float p, float q) {
    switch (op) {
    case TES_VEC_FILL:
        return p;
    case TES_VEC_SCALE:
        return p * y;
    case TES_VEC_RECIP_GUARDED:
        return y > p ? 1.0f / y : 0.0f;
    case TES_VEC_CLAMP:
        return y < p ? p : (y > q ? q : y);
    case TES_VEC_AXPY:
        return y + p * a;
    case TES_VEC_XPBY:
        return a + p * y;
    case TES_VEC_MUL:
        return y * a;
    case TES_VEC_SUB:
        return a - b;
    case TES_VEC_DIV_GUARDED:
        return b > p ? a / b : 0.0f;
    default:
        return y;
    }
}

/* Device entry points; every pointer is device memory, n elements. */
tes_status tes_cuda_vec_map(tes_vec_op op, float *y, const float *a, const float *b, size_t n,
                            float p, float q);

/* Sum of a[i] b[i] over nseg segments of seg_len elements, segment s
 * starting at element s * pitch of a and b. Deterministic: the result
 * depends on the sizes only, never on scheduling. */
tes_status tes_cuda_vec_dot(const float *a, const float *b, size_t nseg, size_t seg_len,
                            size_t pitch, double *out);

/* nblocks blocks of block elements, src pitch and dst pitch apart. */
tes_status tes_cuda_vec_copy_blocks(float *dst, size_t dst_pitch, const float *src,
                                    size_t src_pitch, size_t block, size_t nblocks);

/* Wait for the default stream only. */
tes_status tes_cuda_vec_synchronize(void);

#ifdef __cplusplus
}
#endif

#endif
