/* Private to kernels/cpu: which detector pixels a voxel's footprint touches.
 *
 * A footprint centred at detector coordinate p with half-width h (pixels,
 * kernels/footprint.h) gives pixel q the weight hat((p - q) / h), which is
 * nonzero exactly on the open interval |p - q| < h. */
#ifndef TES_KERNELS_CPU_TAPS_H
#define TES_KERNELS_CPU_TAPS_H

#include <stdint.h>

#include "kernels/footprint.h"

/* floor(x) for |x| < 2^31 (callers clamp x). floorf is a library call on
 * baseline x86-64 (no SSE4.1); truncation plus a correction vectorizes. */
static inline int32_t tes_cpu_floor32(float x) {
    int32_t i = (int32_t)x;
    return i - (x < (float)i);
}

/* floor(x) for |x| < 2^63. */
static inline int64_t tes_cpu_floor64(float x) {
    int64_t i = (int64_t)x;
    return i - (x < (float)i);
}

/* Pixels [first, end) of [0, n) with |p - q| < h; empty when first >= end. */
typedef struct tes_cpu_span {
    int64_t first, end;
} tes_cpu_span;

static inline tes_cpu_span tes_cpu_span_of(float p, float h, int64_t n) {
    tes_cpu_span s = {0, 0};
    float lo = p - h, hi = p + h;
    if (!(hi > 0.0f && lo < (float)n)) /* also refuses NaN */
        return s;
    /* Clamping keeps the conversions defined and does not change the
     * clipped result: lo < n and hi > 0 already hold. */
    lo = lo > -1.0f ? lo : -1.0f;
    hi = hi < (float)n + 1.0f ? hi : (float)n + 1.0f;
    int64_t first = tes_cpu_floor64(lo) + 1, end = -tes_cpu_floor64(-hi);
    s.first = first > 0 ? first : 0;
    s.end = end < n ? end : n;
    return s;
}

/* The row factor W hat_v of the model's entry A = W hat_u hat_v
 * (footprint.h), shared by forward and adjoint so that both use the very same
 * float weights. The division by the half-width is a multiplication by its
 * inverse (one rounding apart from footprint.h's quotient, and exact for the
 * common half-width 1). */
static inline float tes_cpu_row_weight(tes_footprint f, float inv_half_v, int64_t r) {
    return f.weight * tes_hat((f.row - (float)r) * inv_half_v);
}

#endif
