/* Element-wise and reduction operations on float32 arrays, on the host
 * (OpenMP) or the device (CUDA) according to where the arrays live. Arrays
 * in one call must share location and element count. Reductions accumulate
 * in double and are local to this rank (the caller sums over ranks). */
#ifndef TES_CORE_VEC_H
#define TES_CORE_VEC_H

#include <stddef.h>

#include "core/array.h"
#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

tes_status tes_vec_fill(tes_array *a, float value);
/* y += alpha x */
tes_status tes_vec_axpy(tes_array *y, float alpha, const tes_array *x);
/* y = x + beta y */
tes_status tes_vec_xpby(tes_array *y, const tes_array *x, float beta);
tes_status tes_vec_scale(tes_array *a, float alpha);
/* y *= x, element-wise */
tes_status tes_vec_mul(tes_array *y, const tes_array *x);
/* y = a - b */
tes_status tes_vec_sub(tes_array *y, const tes_array *a, const tes_array *b);
/* a = a > eps ? 1 / a : 0 (the guarded reciprocal of SIRT's weights) */
tes_status tes_vec_recip_guarded(tes_array *a, float eps);
/* y = b > eps ? a / b : 0 */
tes_status tes_vec_div_guarded(tes_array *y, const tes_array *a, const tes_array *b, float eps);
/* a = min(max(a, lo), hi) */
tes_status tes_vec_clamp(tes_array *a, float lo, float hi);

/* Sum of a[i] b[i] over the whole array. */
tes_status tes_vec_dot(const tes_array *a, const tes_array *b, double *out);
/* The same over rows [row_begin, row_end) of 3-D arrays (views, rows, cols):
 * data-space sums that count each detector row on one rank only. */
tes_status tes_vec_dot_rows(const tes_array *a, const tes_array *b, size_t row_begin,
                            size_t row_end, double *out);

/* Copy nblocks blocks of block elements within one location: block k goes
 * from element src_offset + k src_pitch of src to dst_offset + k dst_pitch
 * of dst (e.g. the rows a rank holds into a buffer over more rows). */
tes_status tes_vec_copy_blocks(tes_array *dst, size_t dst_offset, size_t dst_pitch,
                               const tes_array *src, size_t src_offset, size_t src_pitch,
                               size_t block, size_t nblocks);

/* Block until the work queued in loc's memory is done: on the device, the
 * kernels and copies of the compute (default) stream, not the reductions
 * that a tes_comm runs on its own stream; on the host, nothing to wait for.
 * For timings that must cover kernels, not their launches. */
tes_status tes_vec_synchronize(tes_location loc);

#ifdef __cplusplus
}
#endif

#endif
