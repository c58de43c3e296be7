/* The FBP backprojector on the CPU (kernels/backproject.h).
 *
 * parallel3d: a slice's row on a view does not depend on (x, y), so each
 * (slice, view) pair first interpolates the two detector rows it falls
 * between into one padded line; the voxels then read that line by linear
 * interpolation at columns that advance by a constant step along x.
 *
 * cone3d: the in-plane part of a voxel's projection (column, magnification,
 * FDK weight; one division) does not depend on z. Work items are a voxel
 * row (fixed y) times a block of slices: per view the in-plane part is
 * computed once for the row and reused by every slice of the block, which
 * then reads its view bilinearly.
 *
 * Clamped coordinates keep the inner loops free of bounds branches: lines
 * and views carry zero pads (one pixel before, two after), columns are
 * clamped to [-1, ncols] and rows to [-1, nrows], where every tap lies in
 * the pads or weighs 0. Views are copied into the pads in batches of
 * bounded size. Loops that gather have a hand-written AVX2 version next to
 * the portable one (kernels/cpu/simd.h), doing the same float operations in
 * the same order. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/backproject_impl.h"
#include "kernels/cpu/scratch.h"
#include "kernels/cpu/simd.h"
#include "kernels/cpu/taps.h"

/* Zero pixels before and after a padded line or view row (and rows before
 * and after a padded view): clamped coordinates read at most this far. */
enum { PAD_BEFORE = 1, PAD_AFTER = 2, PAD = PAD_BEFORE + PAD_AFTER };

/* parallel3d: voxel rows (y) per work item of one slice. */
enum { ROWS_PER_ITEM = 8 };

/* cone3d: slices per work item, which share the in-plane computation. */
enum { SLICES_PER_ITEM = 8 };

/* Bytes of padded lines or views held at once (at least one view's). */
#define TES_BP_BATCH_BYTES ((size_t)64 << 20)

static int64_t min64(int64_t a, int64_t b) {
    return a < b ? a : b;
}

static int64_t ceil_div64(int64_t a, int64_t b) {
    return (a + b - 1) / b;
}

static float clampf(float x, float lo, float hi) {
    x = x > lo ? x : lo;
    return x < hi ? x : hi;
}

static int64_t views_per_batch(int64_t floats_per_view, int64_t nviews) {
    int64_t n = (int64_t)(TES_BP_BATCH_BYTES / sizeof(float)) / floats_per_view;
    return n < 1 ? 1 : min64(n, nviews);
}

static tes_status check_sizes(const tes_bp_geom *g) {
    TES_CHECK(g->ncols + PAD <= INT32_MAX / (g->nrows + PAD), TES_ERR_ARG,
              "FBP backprojection: padded views of %lld x %lld pixels exceed 32-bit indices",
              (long long)g->nrows, (long long)g->ncols);
    return TES_OK;
}

/* ---- parallel3d --------------------------------------------------------- */

/* line[PAD_BEFORE + c] = the view's detector at row `row` (linear between
 * rows; rows not held read 0), column c. Returns 0 when the row misses
 * every held row (the line is then not used). */
static int build_line(const float *sino_v, int64_t nrows, int64_t ncols, float row, float *line) {
    if (!(row > -1.0f && row < (float)nrows))
        return 0;
    int64_t r = tes_cpu_floor64(row);
    float f = row - (float)r;
    float w0 = r >= 0 ? 1.0f - f : 0.0f, w1 = r + 1 < nrows ? f : 0.0f;
    const float *a = sino_v + (r >= 0 ? r : 0) * ncols;
    const float *b = sino_v + (r + 1 < nrows ? r + 1 : nrows - 1) * ncols;
    line[0] = 0.0f;
    for (int64_t c = 0; c < ncols; ++c)
        line[PAD_BEFORE + c] = w0 * a[c] + w1 * b[c];
    line[PAD_BEFORE + ncols] = line[PAD_BEFORE + ncols + 1] = 0.0f;
    return 1;
}

/* out[i] += line at column first + i step, for i in [begin, n). */
TES_CPU_HOT static void add_line_from(int64_t begin, int64_t n, float first, float step, float hi,
                                      const float *restrict line, float *restrict out) {
    const float *tap = line + PAD_BEFORE;
    for (int64_t i = begin; i < n; ++i) {
        float col = clampf(first + (float)i * step, -1.0f, hi);
        int32_t c = tes_cpu_floor32(col);
        float f = col - (float)c, a = tap[c], b = tap[c + 1];
        out[i] += a + f * (b - a);
    }
}

#ifdef TES_CPU_AVX2
enum { AVX2_FLOATS = 8 };

/* Lane indices 0..7 as floats. */
TES_CPU_AVX2 static inline __m256 iota_avx2(void) {
    return _mm256_setr_ps(0.0f, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f);
}

/* add_line_from(0, ...) eight voxels at a time; returns how many it did. */
TES_CPU_AVX2 static int64_t add_line_avx2(int64_t n, float first, float step, float hi,
                                          const float *restrict line, float *restrict out) {
    const float *tap = line + PAD_BEFORE;
    const __m256 vfirst = _mm256_set1_ps(first), vstep = _mm256_set1_ps(step);
    const __m256 lo = _mm256_set1_ps(-1.0f), vhi = _mm256_set1_ps(hi);
    int64_t i = 0;
    for (; i + AVX2_FLOATS <= n; i += AVX2_FLOATS) {
        __m256 fi = _mm256_add_ps(_mm256_set1_ps((float)i), iota_avx2());
        __m256 col = _mm256_add_ps(vfirst, _mm256_mul_ps(fi, vstep));
        col = _mm256_min_ps(_mm256_max_ps(col, lo), vhi);
        __m256 fl = _mm256_floor_ps(col);
        __m256i c = _mm256_cvtps_epi32(fl);
        __m256 f = _mm256_sub_ps(col, fl);
        __m256 a = _mm256_i32gather_ps(tap, c, sizeof(float));
        __m256 b = _mm256_i32gather_ps(tap + 1, c, sizeof(float));
        __m256 v = _mm256_add_ps(a, _mm256_mul_ps(f, _mm256_sub_ps(b, a)));
        _mm256_storeu_ps(out + i, _mm256_add_ps(_mm256_loadu_ps(out + i), v));
    }
    return i;
}
#endif

static void add_line(int64_t n, float first, float step, float hi, const float *line, float *out) {
    int64_t done = 0;
#ifdef TES_CPU_AVX2
    if (tes_cpu_has_avx2())
        done = add_line_avx2(n, first, step, hi, line, out);
#endif
    add_line_from(done, n, first, step, hi, line, out);
}

/* The voxel rows [j0, j1) of slice k get views [v0, v0 + nb), whose lines
 * for this slice are in lines (stride line_len; used[b] says which exist). */
static void parallel_rows(const tes_bp_geom *g, const tes_view_params *views, int64_t v0,
                          int64_t nb, const float *lines, int64_t line_len, const char *used,
                          int64_t j0, int64_t j1, float *slice) {
    const float hi = (float)g->ncols;
    for (int64_t j = j0; j < j1; ++j) {
        const float y = g->y0 + (float)j * g->dy;
        for (int64_t b = 0; b < nb; ++b) {
            if (!used[b])
                continue;
            const tes_view_params v = views[v0 + b];
            const float first = v.col0 + (g->x0 * v.cos_a + y * v.sin_a) * g->inv_pixel_u;
            const float step = g->dx * v.cos_a * g->inv_pixel_u;
            add_line(g->nx, first, step, hi, lines + b * line_len, slice + j * g->nx);
        }
    }
}

static tes_status backproject_parallel(const tes_bp_geom *g, const tes_view_params *views,
                                       const float *sino, float *vol) {
    const int64_t line_len = ceil_div64(g->ncols + PAD, TES_CPU_LINE_FLOATS) * TES_CPU_LINE_FLOATS;
    const int64_t batch = views_per_batch(line_len, g->nviews);
    const int64_t view_size = g->nrows * g->ncols, slice_size = g->nx * g->ny;
    const int64_t items = ceil_div64(g->ny, ROWS_PER_ITEM);
    float *lines = aligned_alloc(TES_CPU_LINE_FLOATS * sizeof(float),
                                 (size_t)(batch * line_len) * sizeof *lines);
    char *used = malloc((size_t)batch);
    if (!lines || !used) {
        free(lines);
        free(used);
        TES_FAIL(TES_ERR_ALLOC, "cannot allocate %lld padded detector lines of %lld columns",
                 (long long)batch, (long long)g->ncols);
    }
    memset(vol, 0, (size_t)(g->nz * slice_size) * sizeof *vol);
#pragma omp parallel
    for (int64_t k = 0; k < g->nz; ++k) {
        const float z = g->z0 + (float)k * g->dz;
        for (int64_t v0 = 0; v0 < g->nviews; v0 += batch) {
            const int64_t nb = min64(batch, g->nviews - v0);
#pragma omp for schedule(static)
            for (int64_t b = 0; b < nb; ++b) {
                const tes_view_params v = views[v0 + b];
                used[b] = (char)build_line(sino + (v0 + b) * view_size, g->nrows, g->ncols,
                                           v.row0 + z * g->inv_pixel_v, lines + b * line_len);
            }
#pragma omp for schedule(static)
            for (int64_t it = 0; it < items; ++it)
                parallel_rows(g, views, v0, nb, lines, line_len, used, it * ROWS_PER_ITEM,
                              min64((it + 1) * ROWS_PER_ITEM, g->ny), vol + k * slice_size);
        }
    }
    free(used);
    free(lines);
    return TES_OK;
}

/* ---- cone3d ------------------------------------------------------------- */

/* A view copied into its pads: rows of pitch floats, local row r at padded
 * row r + PAD_BEFORE, column c at c + PAD_BEFORE. */
static void pad_view(const float *sino_v, int64_t nrows, int64_t ncols, int64_t pitch,
                     float *padded) {
    memset(padded, 0, (size_t)(PAD_BEFORE * pitch) * sizeof *padded);
    for (int64_t r = 0; r < nrows; ++r) {
        float *row = padded + (r + PAD_BEFORE) * pitch;
        row[0] = 0.0f;
        memcpy(row + PAD_BEFORE, sino_v + r * ncols, (size_t)ncols * sizeof *row);
        memset(row + PAD_BEFORE + ncols, 0, (size_t)(pitch - PAD_BEFORE - ncols) * sizeof *row);
    }
    memset(padded + (nrows + PAD_BEFORE) * pitch, 0, (size_t)(PAD_AFTER * pitch) * sizeof *padded);
}

/* The in-plane part of the voxels (i, j) of one row on view v: clamped
 * column, magnification over the row pitch (row = row0 + mz z) and the FDK
 * weight. */
TES_CPU_HOT static void in_plane(const tes_bp_geom *g, tes_view_params v, float y,
                                 float *restrict col, float *restrict mz, float *restrict w) {
    const float hi = (float)g->ncols;
    const float yc = y * v.cos_a, ys = y * v.sin_a;
    for (int64_t i = 0; i < g->nx; ++i) {
        const float x = g->x0 + (float)i * g->dx;
        const float t = x * v.cos_a + ys, d = yc - x * v.sin_a;
        const float inv_depth = 1.0f / (g->sod + d);
        const float m = g->sdd * inv_depth, s = g->sod * inv_depth;
        col[i] = clampf(v.col0 + m * t * g->inv_pixel_u, -1.0f, hi);
        mz[i] = m * g->inv_pixel_v;
        w[i] = s * s;
    }
}

/* Bilinear reads of a padded view for one voxel row of one slice. */
typedef struct cone_row {
    const float *col, *mz, *w; /* in_plane's arrays */
    float row0, z, hi;         /* view row of the axis, slice z (mm), nrows */
    const float *tap;          /* padded view at local (row 0, column 0) */
    int32_t pitch;
} cone_row;

TES_CPU_HOT static void add_bilinear_from(int64_t begin, int64_t n, const cone_row *q,
                                          float *restrict out) {
    const float *restrict col = q->col, *restrict mz = q->mz, *restrict w = q->w;
    const int32_t pitch = q->pitch;
    for (int64_t i = begin; i < n; ++i) {
        float row = clampf(q->row0 + mz[i] * q->z, -1.0f, q->hi);
        int32_t r = tes_cpu_floor32(row), c = tes_cpu_floor32(col[i]);
        float fv = row - (float)r, fu = col[i] - (float)c;
        const float *p = q->tap + r * pitch + c;
        float top = p[0] + fu * (p[1] - p[0]);
        float bottom = p[pitch] + fu * (p[pitch + 1] - p[pitch]);
        out[i] += w[i] * (top + fv * (bottom - top));
    }
}

#ifdef TES_CPU_AVX2
/* add_bilinear_from(0, ...) eight voxels at a time; returns how many it did. */
TES_CPU_AVX2 static int64_t add_bilinear_avx2(int64_t n, const cone_row *q, float *restrict out) {
    const __m256 row0 = _mm256_set1_ps(q->row0), z = _mm256_set1_ps(q->z);
    const __m256 lo = _mm256_set1_ps(-1.0f), hi = _mm256_set1_ps(q->hi);
    const __m256i pitch = _mm256_set1_epi32(q->pitch);
    const float *tap = q->tap, *tap_right = q->tap + 1;
    const float *tap_down = q->tap + q->pitch, *tap_diag = q->tap + q->pitch + 1;
    int64_t i = 0;
    for (; i + AVX2_FLOATS <= n; i += AVX2_FLOATS) {
        __m256 row = _mm256_add_ps(row0, _mm256_mul_ps(_mm256_loadu_ps(q->mz + i), z));
        row = _mm256_min_ps(_mm256_max_ps(row, lo), hi);
        __m256 col = _mm256_loadu_ps(q->col + i);
        __m256 rf = _mm256_floor_ps(row), cf = _mm256_floor_ps(col);
        __m256 fv = _mm256_sub_ps(row, rf), fu = _mm256_sub_ps(col, cf);
        __m256i idx = _mm256_add_epi32(_mm256_mullo_epi32(_mm256_cvtps_epi32(rf), pitch),
                                       _mm256_cvtps_epi32(cf));
        __m256 a = _mm256_i32gather_ps(tap, idx, sizeof(float));
        __m256 b = _mm256_i32gather_ps(tap_right, idx, sizeof(float));
        __m256 c = _mm256_i32gather_ps(tap_down, idx, sizeof(float));
        __m256 d = _mm256_i32gather_ps(tap_diag, idx, sizeof(float));
        __m256 top = _mm256_add_ps(a, _mm256_mul_ps(fu, _mm256_sub_ps(b, a)));
        __m256 bottom = _mm256_add_ps(c, _mm256_mul_ps(fu, _mm256_sub_ps(d, c)));
        __m256 v = _mm256_add_ps(top, _mm256_mul_ps(fv, _mm256_sub_ps(bottom, top)));
        v = _mm256_mul_ps(_mm256_loadu_ps(q->w + i), v);
        _mm256_storeu_ps(out + i, _mm256_add_ps(_mm256_loadu_ps(out + i), v));
    }
    return i;
}
#endif

static void add_bilinear(int64_t n, const cone_row *q, float *out) {
    int64_t done = 0;
#ifdef TES_CPU_AVX2
    if (tes_cpu_has_avx2())
        done = add_bilinear_avx2(n, q, out);
#endif
    add_bilinear_from(done, n, q, out);
}

/* Voxel row j of slices [k0, k1) gets views [v0, v0 + nb), padded in
 * padded (view_len floats each). scratch: 3 nx floats. */
static void cone_item(const tes_bp_geom *g, const tes_view_params *views, int64_t v0, int64_t nb,
                      const float *padded, int64_t view_len, int32_t pitch, int64_t j, int64_t k0,
                      int64_t k1, float *scratch, float *vol) {
    float *col = scratch, *mz = col + g->nx, *w = mz + g->nx;
    const float y = g->y0 + (float)j * g->dy;
    for (int64_t b = 0; b < nb; ++b) {
        const tes_view_params v = views[v0 + b];
        in_plane(g, v, y, col, mz, w);
        cone_row q = {col,
                      mz,
                      w,
                      v.row0,
                      0.0f,
                      (float)g->nrows,
                      padded + b * view_len + PAD_BEFORE * pitch + PAD_BEFORE,
                      pitch};
        for (int64_t k = k0; k < k1; ++k) {
            q.z = g->z0 + (float)k * g->dz;
            add_bilinear(g->nx, &q, vol + (k * g->ny + j) * g->nx);
        }
    }
}

static tes_status backproject_cone(const tes_bp_geom *g, const tes_view_params *views,
                                   const float *sino, float *vol) {
    const int32_t pitch = (int32_t)(g->ncols + PAD);
    const int64_t view_len = (g->nrows + PAD) * pitch, view_size = g->nrows * g->ncols;
    const int64_t batch = views_per_batch(view_len, g->nviews);
    const int64_t kblocks = ceil_div64(g->nz, SLICES_PER_ITEM), items = g->ny * kblocks;
    float *padded = malloc((size_t)(batch * view_len) * sizeof *padded);
    TES_CHECK(padded, TES_ERR_ALLOC, "cannot allocate %lld padded views of %lld x %lld pixels",
              (long long)batch, (long long)g->nrows, (long long)g->ncols);
    tes_cpu_scratch s;
    tes_status st = tes_cpu_scratch_create(&s, (size_t)(3 * g->nx));
    if (st != TES_OK) {
        free(padded);
        TES_CALL(st);
    }
    memset(vol, 0, (size_t)(g->nz * g->ny * g->nx) * sizeof *vol);
#pragma omp parallel
    {
        float *scratch = tes_cpu_scratch_mine(&s);
        for (int64_t v0 = 0; v0 < g->nviews; v0 += batch) {
            const int64_t nb = min64(batch, g->nviews - v0);
#pragma omp for schedule(static)
            for (int64_t b = 0; b < nb; ++b)
                pad_view(sino + (v0 + b) * view_size, g->nrows, g->ncols, pitch,
                         padded + b * view_len);
#pragma omp for schedule(static)
            for (int64_t it = 0; it < items; ++it) {
                const int64_t kb = it / g->ny, j = it % g->ny;
                const int64_t k0 = kb * SLICES_PER_ITEM, k1 = min64(k0 + SLICES_PER_ITEM, g->nz);
                cone_item(g, views, v0, nb, padded, view_len, pitch, j, k0, k1, scratch, vol);
            }
        }
    }
    tes_cpu_scratch_destroy(&s);
    free(padded);
    return TES_OK;
}

tes_status tes_cpu_backproject_fbp(const tes_bp_geom *g, const tes_view_params *views,
                                   const float *sino, float *vol) {
    TES_CHECK(g && views && sino && vol, TES_ERR_ARG, "FBP backprojection: a NULL argument");
    TES_CALL(check_sizes(g));
    if (g->cone)
        TES_CALL(backproject_cone(g, views, sino, vol));
    else
        TES_CALL(backproject_parallel(g, views, sino, vol));
    return TES_OK;
}
