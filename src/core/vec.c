#include "core/vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/vec_impl.h"

/* Elements per partial sum of a host dot product. The partial sums depend on
 * the array sizes only, so the result is the same for every thread count
 * and schedule. */
enum { TES_VEC_DOT_BLOCK = 1 << 14 };

/* Below this many elements a host loop runs on one thread. */
enum { TES_VEC_PARALLEL_MIN = 1 << 15 };

static tes_status check_float(const char *op, const char *name, const tes_array *a) {
    TES_CHECK(a, TES_ERR_ARG, "%s: no array %s given", op, name);
    TES_CHECK(a->dtype == TES_FLOAT32, TES_ERR_SHAPE, "%s: %s is %s, expected float32", op, name,
              tes_dtype_name(a->dtype));
    TES_CHECK(a->location == TES_HOST || a->location == TES_DEVICE, TES_ERR_ARG,
              "%s: %s has unknown location %d", op, name, (int)a->location);
    return TES_OK;
}

/* b must be a float32 array in the same memory as a, with as many elements. */
static tes_status check_like(const char *op, const char *a_name, const tes_array *a,
                             const char *b_name, const tes_array *b) {
    TES_CALL(check_float(op, b_name, b));
    TES_CHECK(a->location == b->location, TES_ERR_SHAPE, "%s: %s is in %s memory, %s in %s memory",
              op, a_name, tes_location_name(a->location), b_name, tes_location_name(b->location));
    TES_CHECK(a->location == TES_HOST || a->device == b->device, TES_ERR_SHAPE,
              "%s: %s is on device %d, %s on device %d", op, a_name, a->device, b_name, b->device);
    TES_CHECK(tes_array_count(a) == tes_array_count(b), TES_ERR_SHAPE,
              "%s: %s has %zu elements, %s has %zu", op, a_name, tes_array_count(a), b_name,
              tes_array_count(b));
    return TES_OK;
}

/* One loop per operation (formatted by hand: clang-format joins the pragma
 * and the loop). */
/* clang-format off */
#define TES_HOST_MAP_CASE(OP)                                                                      \
    case OP:                                                                                       \
        _Pragma("omp parallel for simd schedule(static) if (n >= TES_VEC_PARALLEL_MIN)")          \
        for (int64_t i = 0; i < n; ++i)                                                            \
            y[i] = tes_vec_apply(OP, y[i], a[i], b[i], p, q);                                      \
        break
/* clang-format on */

/* Each operation gets its own loop with a constant op, so it vectorizes. */
static void host_map(tes_vec_op op, float *y, const float *a, const float *b, int64_t n, float p,
                     float q) {
    switch (op) {
        TES_HOST_MAP_CASE(TES_VEC_FILL);
        TES_HOST_MAP_CASE(TES_VEC_SCALE);
        TES_HOST_MAP_CASE(TES_VEC_RECIP_GUARDED);
        TES_HOST_MAP_CASE(TES_VEC_CLAMP);
        TES_HOST_MAP_CASE(TES_VEC_AXPY);
        TES_HOST_MAP_CASE(TES_VEC_XPBY);
        TES_HOST_MAP_CASE(TES_VEC_MUL);
        TES_HOST_MAP_CASE(TES_VEC_SUB);
        TES_HOST_MAP_CASE(TES_VEC_DIV_GUARDED);
    default:
        break;
    }
}

/* Check the operands of op (a and b may be NULL where op does not use them)
 * and run it where y lives. Unused operands are passed as y, so every
 * pointer a loop reads is valid. */
static tes_status vec_map(const char *name, tes_vec_op op, tes_array *y, const char *y_name,
                          const tes_array *a, const char *a_name, const tes_array *b,
                          const char *b_name, float p, float q) {
    TES_CALL(check_float(name, y_name, y));
    if (a)
        TES_CALL(check_like(name, y_name, y, a_name, a));
    if (b)
        TES_CALL(check_like(name, y_name, y, b_name, b));
    size_t n = tes_array_count(y);
    if (n == 0)
        return TES_OK;
    const float *ad = a ? a->data : y->data, *bd = b ? b->data : y->data;
    if (y->location == TES_HOST) {
        host_map(op, y->data, ad, bd, (int64_t)n, p, q);
        return TES_OK;
    }
#ifdef TES_HAVE_CUDA
    TES_CALL(tes_cuda_vec_map(op, y->data, ad, bd, n, p, q));
    return TES_OK;
#else
    TES_FAIL(TES_ERR_BACKEND, "%s: %s is in device memory, but this tessera was built without CUDA",
             name, y_name);
#endif
}

tes_status tes_vec_fill(tes_array *a, float value) {
    TES_CALL(vec_map(__func__, TES_VEC_FILL, a, "a", NULL, NULL, NULL, NULL, value, 0.0f));
    return TES_OK;
}

tes_status tes_vec_axpy(tes_array *y, float alpha, const tes_array *x) {
    TES_CALL(vec_map(__func__, TES_VEC_AXPY, y, "y", x, "x", NULL, NULL, alpha, 0.0f));
    return TES_OK;
}

tes_status tes_vec_xpby(tes_array *y, const tes_array *x, float beta) {
    TES_CALL(vec_map(__func__, TES_VEC_XPBY, y, "y", x, "x", NULL, NULL, beta, 0.0f));
    return TES_OK;
}

tes_status tes_vec_scale(tes_array *a, float alpha) {
    TES_CALL(vec_map(__func__, TES_VEC_SCALE, a, "a", NULL, NULL, NULL, NULL, alpha, 0.0f));
    return TES_OK;
}

tes_status tes_vec_mul(tes_array *y, const tes_array *x) {
    TES_CALL(vec_map(__func__, TES_VEC_MUL, y, "y", x, "x", NULL, NULL, 0.0f, 0.0f));
    return TES_OK;
}

tes_status tes_vec_sub(tes_array *y, const tes_array *a, const tes_array *b) {
    TES_CALL(vec_map(__func__, TES_VEC_SUB, y, "y", a, "a", b, "b", 0.0f, 0.0f));
    return TES_OK;
}

tes_status tes_vec_recip_guarded(tes_array *a, float eps) {
    TES_CALL(vec_map(__func__, TES_VEC_RECIP_GUARDED, a, "a", NULL, NULL, NULL, NULL, eps, 0.0f));
    return TES_OK;
}

tes_status tes_vec_div_guarded(tes_array *y, const tes_array *a, const tes_array *b, float eps) {
    TES_CALL(vec_map(__func__, TES_VEC_DIV_GUARDED, y, "y", a, "a", b, "b", eps, 0.0f));
    return TES_OK;
}

tes_status tes_vec_clamp(tes_array *a, float lo, float hi) {
    TES_CHECK(lo <= hi, TES_ERR_ARG, "%s: lower bound %g exceeds upper bound %g", __func__,
              (double)lo, (double)hi);
    TES_CALL(vec_map(__func__, TES_VEC_CLAMP, a, "a", NULL, NULL, NULL, NULL, lo, hi));
    return TES_OK;
}

/* The host dot product over segments (see tes_cuda_vec_dot): one partial sum
 * per block of TES_VEC_DOT_BLOCK elements of a segment, the partials added
 * in order. */
static tes_status host_dot(const float *a, const float *b, size_t nseg, size_t seg_len,
                           size_t pitch, double *out) {
    size_t per_seg = (seg_len + TES_VEC_DOT_BLOCK - 1) / TES_VEC_DOT_BLOCK;
    int64_t nparts = (int64_t)(nseg * per_seg);
    *out = 0.0;
    if (nparts == 0)
        return TES_OK;
    double *part = malloc((size_t)nparts * sizeof *part);
    TES_CHECK(part, TES_ERR_ALLOC, "cannot allocate %lld partial sums of a dot product",
              (long long)nparts);
#pragma omp parallel for schedule(static) if (nparts > 1)
    for (int64_t k = 0; k < nparts; ++k) {
        size_t seg = (size_t)k / per_seg, begin = ((size_t)k % per_seg) * TES_VEC_DOT_BLOCK;
        size_t end = begin + TES_VEC_DOT_BLOCK < seg_len ? begin + TES_VEC_DOT_BLOCK : seg_len;
        const float *pa = a + seg * pitch, *pb = b + seg * pitch;
        double sum = 0.0;
#pragma omp simd reduction(+ : sum)
        for (size_t i = begin; i < end; ++i)
            sum += (double)pa[i] * (double)pb[i];
        part[k] = sum;
    }
    double total = 0.0;
    for (int64_t k = 0; k < nparts; ++k)
        total += part[k];
    free(part);
    *out = total;
    return TES_OK;
}

/* Segments start at element offset + s pitch of a and b. */
static tes_status vec_dot(const char *name, const tes_array *a, const tes_array *b, size_t offset,
                          size_t nseg, size_t seg_len, size_t pitch, double *out) {
    TES_CHECK(out, TES_ERR_ARG, "%s: output pointer is NULL", name);
    *out = 0.0;
    if (nseg == 0 || seg_len == 0)
        return TES_OK;
    const float *ad = (const float *)a->data + offset, *bd = (const float *)b->data + offset;
    if (a->location == TES_HOST) {
        TES_CALL(host_dot(ad, bd, nseg, seg_len, pitch, out));
        return TES_OK;
    }
#ifdef TES_HAVE_CUDA
    TES_CALL(tes_cuda_vec_dot(ad, bd, nseg, seg_len, pitch, out));
    return TES_OK;
#else
    TES_FAIL(TES_ERR_BACKEND, "%s: a is in device memory, but this tessera was built without CUDA",
             name);
#endif
}

tes_status tes_vec_dot(const tes_array *a, const tes_array *b, double *out) {
    TES_CALL(check_float(__func__, "a", a));
    TES_CALL(check_like(__func__, "a", a, "b", b));
    size_t n = tes_array_count(a);
    TES_CALL(vec_dot(__func__, a, b, 0, 1, n, n, out));
    return TES_OK;
}

tes_status tes_vec_dot_rows(const tes_array *a, const tes_array *b, size_t row_begin,
                            size_t row_end, double *out) {
    TES_CALL(check_float(__func__, "a", a));
    TES_CALL(check_like(__func__, "a", a, "b", b));
    TES_CHECK(a->ndim == 3 && b->ndim == 3, TES_ERR_SHAPE,
              "%s: a and b must be 3-D (views, rows, cols), they have %d and %d dimensions",
              __func__, a->ndim, b->ndim);
    char a_text[96], b_text[96];
    TES_CHECK(!memcmp(a->shape, b->shape, 3 * sizeof a->shape[0]), TES_ERR_SHAPE,
              "%s: a has shape %s, b has shape %s", __func__,
              tes_shape_text(a_text, sizeof a_text, 3, a->shape),
              tes_shape_text(b_text, sizeof b_text, 3, b->shape));
    size_t nrows = a->shape[1], ncols = a->shape[2];
    TES_CHECK(row_begin <= row_end && row_end <= nrows, TES_ERR_ARG,
              "%s: rows [%zu, %zu) are not within the arrays' %zu rows", __func__, row_begin,
              row_end, nrows);
    TES_CALL(vec_dot(__func__, a, b, row_begin * ncols, a->shape[0], (row_end - row_begin) * ncols,
                     nrows * ncols, out));
    return TES_OK;
}

/* The last element a block reaches must lie inside the array. */
static tes_status check_blocks(const char *name, const tes_array *a, size_t offset, size_t pitch,
                               size_t block, size_t nblocks) {
    size_t n = tes_array_count(a);
    TES_CHECK(nblocks <= 1 || pitch >= block, TES_ERR_ARG,
              "tes_vec_copy_blocks: blocks of %zu elements overlap at a pitch of %zu in %s", block,
              pitch, name);
    size_t end = offset + (nblocks - 1) * pitch + block;
    TES_CHECK(end <= n, TES_ERR_ARG,
              "tes_vec_copy_blocks: %zu blocks of %zu elements from %zu, %zu apart, reach element "
              "%zu of %s, which has %zu",
              nblocks, block, offset, pitch, end, name, n);
    return TES_OK;
}

tes_status tes_vec_copy_blocks(tes_array *dst, size_t dst_offset, size_t dst_pitch,
                               const tes_array *src, size_t src_offset, size_t src_pitch,
                               size_t block, size_t nblocks) {
    TES_CALL(check_float(__func__, "dst", dst));
    TES_CALL(check_float(__func__, "src", src));
    TES_CHECK(dst->location == src->location, TES_ERR_SHAPE,
              "%s: dst is in %s memory, src in %s memory", __func__,
              tes_location_name(dst->location), tes_location_name(src->location));
    if (block == 0 || nblocks == 0)
        return TES_OK;
    TES_CALL(check_blocks("dst", dst, dst_offset, dst_pitch, block, nblocks));
    TES_CALL(check_blocks("src", src, src_offset, src_pitch, block, nblocks));
    float *d = (float *)dst->data + dst_offset;
    const float *s = (const float *)src->data + src_offset;
    if (dst->location == TES_HOST) {
#pragma omp parallel for schedule(static) if (nblocks * block >= TES_VEC_PARALLEL_MIN)
        for (int64_t k = 0; k < (int64_t)nblocks; ++k)
            memcpy(d + (size_t)k * dst_pitch, s + (size_t)k * src_pitch, block * sizeof *d);
        return TES_OK;
    }
#ifdef TES_HAVE_CUDA
    TES_CALL(tes_cuda_vec_copy_blocks(d, dst_pitch, s, src_pitch, block, nblocks));
    return TES_OK;
#else
    TES_FAIL(TES_ERR_BACKEND,
             "%s: dst is in device memory, but this tessera was built without CUDA", __func__);
#endif
}

tes_status tes_vec_synchronize(tes_location loc) {
    if (loc == TES_HOST)
        return TES_OK;
#ifdef TES_HAVE_CUDA
    TES_CALL(tes_cuda_vec_synchronize());
    return TES_OK;
#else
    TES_FAIL(TES_ERR_BACKEND, "%s: device memory, but this tessera was built without CUDA",
             __func__);
#endif
}
