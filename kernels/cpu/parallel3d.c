/* parallel3d on the CPU: the forward projector and its matched adjoint.
 *
 * For parallel beams the model of kernels/footprint.h is separable: a voxel's
 * column depends on (x, y) and the view, its row on z and the view, and the
 * footprint half-widths and weight W are the same for every voxel. For one
 * view and one slice, A is therefore a column scatter (slice -> line of
 * columns, weights hat_u) followed by a row spread (line -> the few rows the
 * slice touches, weights W hat_v). The adjoint is its transpose: combine those
 * rows into a line, then gather each voxel's taps from it.
 *
 * Every voxel's column is footprint.h's col0 + (x cos + y sin) / pixel_u, with
 * the products x cos and y sin tabulated per view, so this backend and CUDA
 * agree to rounding. Columns are clamped into a padded line: voxels that miss
 * the detector land in the pads (discarded by the forward, zero for the
 * adjoint), so the inner loops carry no bounds branches. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels/cpu/scratch.h"
#include "kernels/cpu/simd.h"
#include "kernels/cpu/taps.h"
#include "kernels/projector_impl.h"

/* Column indices are int32 in the inner loops so that those vectorize; float
 * detector coordinates cannot tell columns apart beyond 2^24 anyway. */
#define TES_CPU_MAX_COLS (1 << 24)

/* Footprints up to this much wider than one column still take the two-tap
 * path. A pixel-sized footprint comes out of footprint.h as pixel_u times
 * the rounded 1 / pixel_u, which can be 1 + 1 ulp; a third tap would then
 * weigh at most 1e-7, a rounding error (dropped alike by the adjoint). */
#define TWO_TAP_SLACK 1e-6f

/* Slices per adjoint work item are split into row blocks until each thread
 * has about this many items: enough to balance, few enough that each item
 * amortizes building its views' lines. */
enum { ADJOINT_ITEMS_PER_THREAD = 4 };

/* Slices are transposed in blocks of this many columns (one cache line of
 * floats), so both the reads and the writes stay within few cache lines. */
enum { TRANSPOSE_BLOCK = TES_CPU_LINE_FLOATS };

/* The forward transposes up to this many bytes of slices at a time, shared
 * by the team: the larger, the fewer times the team waits for each other. */
#define TRANSPOSE_CHUNK_BYTES ((size_t)16 << 20)

/* How voxels map into a padded line of detector columns: line index =
 * column + pad. A voxel's column is clamped to [lo, hi]; at those bounds all
 * its taps stay inside the line and every tap on the detector weighs 0, so
 * clamping changes nothing on the detector. */
typedef struct col_line {
    float half, inv_half; /* footprint half-width in columns, its inverse */
    int two_taps;         /* half <= 1 (+ slack): taps floor(col) and floor(col) + 1 */
    int32_t ntaps;        /* taps per voxel in general: ceil(2 half) + 1 */
    int32_t pad;          /* line index of column 0 */
    int64_t len;          /* ncols + 2 pad */
    float lo, hi;         /* clamp of a voxel's column */
} col_line;

/* Per-view constants of the inner loops. */
typedef struct col_map {
    float col0, inv_pixel;
} col_map;

/* The column half-width is the same for every voxel and view (parallel3d).
 * Column indices, footprints included, must fit the int32 inner loops. */
static tes_status col_line_create(const tes_kernel_geom *g, tes_view_params any_view, col_line *L) {
    tes_footprint f = tes_voxel_footprint(g, any_view, 0.0f, 0.0f, 0.0f);
    TES_CHECK(g->ncols <= TES_CPU_MAX_COLS, TES_ERR_ARG,
              "parallel3d: the detector has %lld columns; the CPU kernels handle at most %d",
              (long long)g->ncols, TES_CPU_MAX_COLS);
    TES_CHECK(f.half_u <= TES_CPU_MAX_COLS, TES_ERR_ARG,
              "parallel3d: a voxel's footprint spans %g columns; the CPU kernels handle at most "
              "%d (voxels far larger than the detector pixels)",
              2.0 * f.half_u, TES_CPU_MAX_COLS);
    L->half = f.half_u;
    L->inv_half = 1.0f / f.half_u;
    L->two_taps = f.half_u <= 1.0f + TWO_TAP_SLACK;
    L->ntaps = L->two_taps ? 2 : (int32_t)ceilf(2.0f * f.half_u) + 1;
    L->pad = L->ntaps + 2; /* one more than the bounds need, for float rounding */
    L->len = g->ncols + 2 * (int64_t)L->pad;
    L->lo = -f.half_u - 1.0f;
    L->hi = (float)g->ncols + f.half_u;
    return TES_OK;
}

static inline float clamp_col(float col, const col_line *L) {
    col = col > L->lo ? col : L->lo;
    return col < L->hi ? col : L->hi;
}

/* x_i cos a for every column i and y_j sin a for rows [j0, j1) of the volume. */
static void tabulate(const tes_kernel_geom *g, tes_view_params v, int64_t j0, int64_t j1,
                     float *restrict xc, float *restrict ys) {
    for (int64_t i = 0; i < g->nx; ++i)
        xc[i] = tes_voxel_x(g, i) * v.cos_a;
    for (int64_t j = j0; j < j1; ++j)
        ys[j - j0] = tes_voxel_y(g, j) * v.sin_a;
}

/* out += w in, n values. */
TES_CPU_HOT static void add_scaled(int64_t n, float w, const float *restrict in,
                                   float *restrict out) {
    for (int64_t i = 0; i < n; ++i)
        out[i] += w * in[i];
}

/* ---- forward ------------------------------------------------------------ */

/* Scatter buffers of one voxel line: first taps and the values both taps
 * receive, interleaved. */
typedef struct tap_buffers {
    int32_t *tap;
    float *w; /* (first tap's, second tap's) per voxel */
} tap_buffers;

/* One thread's scratch for the forward. */
typedef struct forward_scratch {
    float *line;    /* the slice's scatter over the padded columns (len) */
    float *hist;    /* two pair histograms (2 x 2 len), see add_pairs */
    float *xc, *ys; /* x_i cos a (nx), y_j sin a (ny) */
    tap_buffers b;  /* one voxel line (up to max(nx, ny) voxels) */
} forward_scratch;

static int64_t longest_line(const tes_kernel_geom *g) {
    return g->nx > g->ny ? g->nx : g->ny;
}

static size_t forward_scratch_floats(const tes_kernel_geom *g, const col_line *L) {
    return (size_t)(5 * L->len + g->nx + g->ny + 3 * longest_line(g));
}

static forward_scratch forward_scratch_in(float *base, const tes_kernel_geom *g,
                                          const col_line *L) {
    forward_scratch fs;
    fs.line = base;
    fs.hist = fs.line + L->len;
    fs.xc = fs.hist + 4 * L->len;
    fs.ys = fs.xc + g->nx;
    fs.b.tap = (int32_t *)(fs.ys + g->ny);
    fs.b.w = fs.ys + g->ny + longest_line(g);
    return fs;
}

/* Pass 1 of scatter_two_taps: each voxel's first tap (a pair index) and the
 * values its two taps receive. Inlined twice, so that the common half-width
 * of exactly 1 drops the multiplications by inv_half (x * 1 == x: the same
 * floats either way). Vectorizes. */
static inline void two_tap_values(int64_t n, const float *restrict value,
                                  const float *restrict t_in, float t_out, col_map m,
                                  const col_line *L, float inv_half, int32_t *restrict tap,
                                  float *restrict w) {
    const int32_t pad = L->pad;
    for (int64_t i = 0; i < n; ++i) {
        float col = clamp_col(m.col0 + (t_in[i] + t_out) * m.inv_pixel, L);
        int32_t c = tes_cpu_floor32(col);
        float f = col - (float)c;
        tap[i] = 2 * (c + pad);
        w[2 * i] = value[i] * tes_hat(f * inv_half);
        w[2 * i + 1] = value[i] * tes_hat((f - 1.0f) * inv_half);
    }
}

/* Pass 2 of scatter_two_taps: add voxel i's two values, as one (c, c + 1)
 * pair, into hist[tap[i] .. tap[i] + 1]: even voxels into hist0, odd ones
 * into hist1, so that neighbouring voxels, which often share a first tap,
 * never update the same memory back to back (each would wait for the
 * other's store). */
static inline void add_pairs(int64_t n, const int32_t *restrict tap, const float *restrict w,
                             float *restrict hist0, float *restrict hist1) {
    int64_t i = 0;
    for (; i + 1 < n; i += 2) {
        float *p = hist0 + tap[i], *q = hist1 + tap[i + 1];
        p[0] += w[2 * i];
        p[1] += w[2 * i + 1];
        q[0] += w[2 * i + 2];
        q[1] += w[2 * i + 3];
    }
    if (i < n) {
        hist0[tap[i]] += w[2 * i];
        hist0[tap[i] + 1] += w[2 * i + 1];
    }
}

/* Two taps per voxel, in two passes: values (vectorized), then pairs. */
TES_CPU_HOT static void scatter_two_taps(int64_t n, const float *value, const float *t_in,
                                         float t_out, col_map m, const col_line *L, tap_buffers b,
                                         float *hist0, float *hist1) {
    if (L->inv_half == 1.0f)
        two_tap_values(n, value, t_in, t_out, m, L, 1.0f, b.tap, b.w);
    else
        two_tap_values(n, value, t_in, t_out, m, L, L->inv_half, b.tap, b.w);
    add_pairs(n, b.tap, b.w, hist0, hist1);
}

/* line[c] = what column c received in the two pair histograms. */
TES_CPU_HOT static void merge_pairs(int64_t len, const float *restrict hist0,
                                    const float *restrict hist1, float *restrict line) {
    line[0] = hist0[0] + hist1[0];
    for (int64_t c = 1; c < len; ++c)
        line[c] = (hist0[2 * c] + hist0[2 * c - 1]) + (hist1[2 * c] + hist1[2 * c - 1]);
}

/* Footprints wider than two columns (voxels larger than pixels). */
TES_CPU_HOT static void scatter_wide(int64_t n, const float *restrict value,
                                     const float *restrict t_in, float t_out, col_map m,
                                     const col_line *L, float *restrict line) {
    for (int64_t i = 0; i < n; ++i) {
        float col = clamp_col(m.col0 + (t_in[i] + t_out) * m.inv_pixel, L);
        int32_t first = tes_cpu_floor32(col - L->half) + 1;
        for (int32_t q = first; q < first + L->ntaps; ++q)
            line[q + L->pad] += value[i] * tes_hat((col - (float)q) * L->inv_half);
    }
}

/* Scatter an (nout, nin) slice into the line; t_out and t_in hold each outer
 * and inner index's share of x cos + y sin. */
static void scatter_slice(const float *slice, int64_t nout, int64_t nin, const float *t_out,
                          const float *t_in, col_map m, const col_line *L, tap_buffers b,
                          float *hist, float *line) {
    if (!L->two_taps) {
        for (int64_t o = 0; o < nout; ++o)
            scatter_wide(nin, slice + o * nin, t_in, t_out[o], m, L, line);
        return;
    }
    float *hist0 = hist, *hist1 = hist + 2 * L->len;
    memset(hist, 0, 4 * (size_t)L->len * sizeof *hist);
    for (int64_t o = 0; o < nout; ++o)
        scatter_two_taps(nin, slice + o * nin, t_in, t_out[o], m, L, b, hist0, hist1);
    merge_pairs(L->len, hist0, hist1, line);
}

/* The inner loop runs along the axis that moves the column the most. */
static int x_is_inner(const tes_kernel_geom *g, tes_view_params v) {
    return fabsf(v.cos_a) * g->dx >= fabsf(v.sin_a) * g->dy;
}

/* sino_v += A_(view, slice k) slice: one view, one slice. slice_t is the
 * slice transposed to (x, y), for views whose inner loop runs along y. */
static void forward_view_slice(const tes_kernel_geom *g, tes_view_params v, int64_t k,
                               const float *slice, const float *slice_t, const col_line *L,
                               const forward_scratch *fs, float *sino_v) {
    tes_footprint f = tes_voxel_footprint(g, v, 0.0f, 0.0f, tes_voxel_z(g, k));
    tes_cpu_span rows = tes_cpu_span_of(f.row, f.half_v, g->nrows);
    if (rows.first >= rows.end)
        return;
    col_map m = {v.col0, g->inv_pixel_u};
    tabulate(g, v, 0, g->ny, fs->xc, fs->ys);
    memset(fs->line, 0, (size_t)L->len * sizeof *fs->line);
    if (x_is_inner(g, v))
        scatter_slice(slice, g->ny, g->nx, fs->ys, fs->xc, m, L, fs->b, fs->hist, fs->line);
    else
        scatter_slice(slice_t, g->nx, g->ny, fs->xc, fs->ys, m, L, fs->b, fs->hist, fs->line);
    const float inv_half_v = 1.0f / f.half_v;
    for (int64_t r = rows.first; r < rows.end; ++r)
        add_scaled(g->ncols, tes_cpu_row_weight(f, inv_half_v, r), fs->line + L->pad,
                   sino_v + r * g->ncols);
}

/* slice_t = the (ny, nx) slice transposed, columns [i0, i0 + TRANSPOSE_BLOCK). */
static void transpose_block(const float *restrict slice, int64_t ny, int64_t nx, int64_t i0,
                            float *restrict slice_t) {
    int64_t i1 = i0 + TRANSPOSE_BLOCK < nx ? i0 + TRANSPOSE_BLOCK : nx;
    for (int64_t j = 0; j < ny; ++j)
        for (int64_t i = i0; i < i1; ++i)
            slice_t[i * ny + j] = slice[j * nx + i];
}

/* Slices [k0, k1) of vol transposed into chunk; a work-shared loop of the team. */
static void transpose_slices(const tes_kernel_geom *g, const float *vol, int64_t k0, int64_t k1,
                             float *chunk) {
    const int64_t slice_size = g->nx * g->ny;
    const int64_t blocks = (g->nx + TRANSPOSE_BLOCK - 1) / TRANSPOSE_BLOCK;
#pragma omp for schedule(static) collapse(2)
    for (int64_t k = k0; k < k1; ++k)
        for (int64_t b = 0; b < blocks; ++b)
            transpose_block(vol + k * slice_size, g->ny, g->nx, b * TRANSPOSE_BLOCK,
                            chunk + (k - k0) * slice_size);
}

/* Slices per transposed chunk: 0 when no view needs the transpose. */
static int64_t transpose_chunk_slices(const tes_kernel_geom *g, const tes_view_params *views) {
    int64_t v = 0;
    while (v < g->nviews && x_is_inner(g, views[v]))
        ++v;
    if (v == g->nviews)
        return 0;
    size_t slice_bytes = (size_t)(g->nx * g->ny) * sizeof(float);
    int64_t slices = (int64_t)(TRANSPOSE_CHUNK_BYTES / slice_bytes);
    slices = slices > 1 ? slices : 1;
    return slices < g->nz ? slices : g->nz;
}

/* Slices outer, views inner: a slice stays in cache while every view reads
 * it. Each thread owns whole views (the same static schedule in every loop),
 * so no two threads write the same sinogram values; the team meets only
 * around each chunk of transposed slices, which all threads share. */
tes_status tes_cpu_parallel3d_forward(const tes_kernel_geom *g, const tes_view_params *views,
                                      const float *vol, float *sino) {
    col_line L;
    TES_CALL(col_line_create(g, views[0], &L));
    const int64_t slice_size = g->nx * g->ny, view_size = g->nrows * g->ncols;
    const int64_t chunk_slices = transpose_chunk_slices(g, views);
    const int64_t step = chunk_slices ? chunk_slices : g->nz;
    float *chunk = NULL;
    if (chunk_slices) {
        chunk = malloc((size_t)(chunk_slices * slice_size) * sizeof *chunk);
        TES_CHECK(chunk, TES_ERR_ALLOC, "cannot allocate %lld transposed slices of %lld voxels",
                  (long long)chunk_slices, (long long)slice_size);
    }
    tes_cpu_scratch s;
    tes_status st = tes_cpu_scratch_create(&s, forward_scratch_floats(g, &L));
    if (st != TES_OK) {
        free(chunk);
        TES_CALL(st);
    }
#pragma omp parallel
    {
        const forward_scratch fs = forward_scratch_in(tes_cpu_scratch_mine(&s), g, &L);
#pragma omp for schedule(static) nowait
        for (int64_t v = 0; v < g->nviews; ++v)
            memset(sino + v * view_size, 0, (size_t)view_size * sizeof *sino);
        for (int64_t k0 = 0; k0 < g->nz; k0 += step) {
            int64_t k1 = k0 + step < g->nz ? k0 + step : g->nz;
            if (chunk)
                transpose_slices(g, vol, k0, k1, chunk); /* ends in a barrier */
            for (int64_t k = k0; k < k1; ++k) {
                const float *slice_t = chunk ? chunk + (k - k0) * slice_size : NULL;
#pragma omp for schedule(static) nowait
                for (int64_t v = 0; v < g->nviews; ++v)
                    forward_view_slice(g, views[v], k, vol + k * slice_size, slice_t, &L, &fs,
                                       sino + v * view_size);
            }
            if (chunk) {
#pragma omp barrier /* every view has read the chunk before it is overwritten */
            }
        }
    }
    tes_cpu_scratch_destroy(&s);
    free(chunk);
    return TES_OK;
}

/* ---- adjoint ------------------------------------------------------------ */

/* out[i] += sum of voxel i's two taps for i in [first, n); line holds the
 * view's combined rows. */
static void gather_two_taps_from(int64_t first, int64_t n, const float *restrict t_in, float t_out,
                                 col_map m, const col_line *L, const float *restrict line,
                                 float *restrict out) {
    const float inv_half = L->inv_half;
    const int32_t pad = L->pad;
    for (int64_t i = first; i < n; ++i) {
        float col = clamp_col(m.col0 + (t_in[i] + t_out) * m.inv_pixel, L);
        int32_t c = tes_cpu_floor32(col);
        float f = col - (float)c;
        out[i] += tes_hat(f * inv_half) * line[c + pad] +
                  tes_hat((f - 1.0f) * inv_half) * line[c + pad + 1];
    }
}

#ifdef TES_CPU_AVX2
enum { AVX2_FLOATS = 8 };

TES_CPU_AVX2 static inline __m256 hat_avx2(__m256 t) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 a = _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_andnot_ps(sign, t));
    return _mm256_max_ps(a, _mm256_setzero_ps());
}

/* gather_two_taps_from(0, ...) eight voxels at a time, the same operations in
 * the same order; returns how many voxels it did (a multiple of eight). */
TES_CPU_AVX2 static int64_t gather_two_taps_avx2(int64_t n, const float *restrict t_in, float t_out,
                                                 col_map m, const col_line *L,
                                                 const float *restrict line, float *restrict out) {
    const __m256 to = _mm256_set1_ps(t_out), col0 = _mm256_set1_ps(m.col0);
    const __m256 inv_pixel = _mm256_set1_ps(m.inv_pixel), inv_half = _mm256_set1_ps(L->inv_half);
    const __m256 lo = _mm256_set1_ps(L->lo), hi = _mm256_set1_ps(L->hi);
    const __m256 one = _mm256_set1_ps(1.0f);
    const float *tap0 = line + L->pad, *tap1 = tap0 + 1;
    int64_t i = 0;
    for (; i + AVX2_FLOATS <= n; i += AVX2_FLOATS) {
        __m256 t = _mm256_add_ps(_mm256_loadu_ps(t_in + i), to);
        __m256 col = _mm256_add_ps(col0, _mm256_mul_ps(t, inv_pixel));
        col = _mm256_min_ps(_mm256_max_ps(col, lo), hi);
        __m256i c = _mm256_cvttps_epi32(col);
        __m256 below = _mm256_cmp_ps(col, _mm256_cvtepi32_ps(c), _CMP_LT_OQ);
        c = _mm256_add_epi32(
            c, _mm256_castps_si256(below)); /* floor: -1 where truncation rounded up */
        __m256 f = _mm256_sub_ps(col, _mm256_cvtepi32_ps(c));
        __m256 w0 = hat_avx2(_mm256_mul_ps(f, inv_half));
        __m256 w1 = hat_avx2(_mm256_mul_ps(_mm256_sub_ps(f, one), inv_half));
        __m256 sum = _mm256_add_ps(_mm256_mul_ps(w0, _mm256_i32gather_ps(tap0, c, 4)),
                                   _mm256_mul_ps(w1, _mm256_i32gather_ps(tap1, c, 4)));
        _mm256_storeu_ps(out + i, _mm256_add_ps(_mm256_loadu_ps(out + i), sum));
    }
    return i;
}
#endif

static void gather_two_taps(int64_t n, const float *restrict t_in, float t_out, col_map m,
                            const col_line *L, const float *restrict line, float *restrict out) {
    int64_t done = 0;
#ifdef TES_CPU_AVX2
    if (tes_cpu_has_avx2())
        done = gather_two_taps_avx2(n, t_in, t_out, m, L, line, out);
#endif
    gather_two_taps_from(done, n, t_in, t_out, m, L, line, out);
}

TES_CPU_HOT static void gather_wide(int64_t n, const float *restrict t_in, float t_out, col_map m,
                                    const col_line *L, const float *restrict line,
                                    float *restrict out) {
    for (int64_t i = 0; i < n; ++i) {
        float col = clamp_col(m.col0 + (t_in[i] + t_out) * m.inv_pixel, L);
        int32_t first = tes_cpu_floor32(col - L->half) + 1;
        float sum = 0.0f;
        for (int32_t q = first; q < first + L->ntaps; ++q)
            sum += tes_hat((col - (float)q) * L->inv_half) * line[q + L->pad];
        out[i] += sum;
    }
}

/* line[pad + c] = sum over the rows r the slice touches of W hat_v(r) sino_v[r, c].
 * Returns 0 when the slice touches no local row (nothing to gather). */
static int combine_rows(const tes_kernel_geom *g, tes_footprint f, const float *sino_v,
                        const col_line *L, float *line) {
    tes_cpu_span rows = tes_cpu_span_of(f.row, f.half_v, g->nrows);
    if (rows.first >= rows.end)
        return 0;
    float *cols = line + L->pad;
    memset(cols, 0, (size_t)g->ncols * sizeof *cols);
    const float inv_half_v = 1.0f / f.half_v;
    for (int64_t r = rows.first; r < rows.end; ++r)
        add_scaled(g->ncols, tes_cpu_row_weight(f, inv_half_v, r), sino_v + r * g->ncols, cols);
    return 1;
}

/* vol rows [j0, j1) of slice k = A^T sino restricted to them. */
static void adjoint_block(const tes_kernel_geom *g, const tes_view_params *views, const float *sino,
                          int64_t k, int64_t j0, int64_t j1, const col_line *L, float *scratch,
                          float *vol_rows) {
    float *line = scratch, *xc = line + L->len, *ys = xc + g->nx;
    memset(vol_rows, 0, (size_t)((j1 - j0) * g->nx) * sizeof *vol_rows);
    memset(line, 0, (size_t)L->len * sizeof *line); /* the pads stay zero */
    const float z = tes_voxel_z(g, k);
    const int64_t view_size = g->nrows * g->ncols;
    for (int64_t v = 0; v < g->nviews; ++v) {
        tes_footprint f = tes_voxel_footprint(g, views[v], 0.0f, 0.0f, z);
        if (!combine_rows(g, f, sino + v * view_size, L, line))
            continue;
        col_map m = {views[v].col0, g->inv_pixel_u};
        tabulate(g, views[v], j0, j1, xc, ys);
        for (int64_t j = j0; j < j1; ++j) {
            float *out = vol_rows + (j - j0) * g->nx;
            if (L->two_taps)
                gather_two_taps(g->nx, xc, ys[j - j0], m, L, line, out);
            else
                gather_wide(g->nx, xc, ys[j - j0], m, L, line, out);
        }
    }
}

/* Row blocks per slice: whole slices when there are enough of them to keep
 * every thread busy, else finer blocks of y rows (a thin slab). */
static int64_t adjoint_blocks_per_slice(const tes_kernel_geom *g, int threads) {
    int64_t want = (int64_t)threads * ADJOINT_ITEMS_PER_THREAD;
    int64_t blocks = (want + g->nz - 1) / g->nz;
    return blocks < g->ny ? blocks : g->ny;
}

/* Each work item owns a block of voxel rows and gathers over all views into
 * it: no two threads write the same voxel, no atomics. */
tes_status tes_cpu_parallel3d_adjoint(const tes_kernel_geom *g, const tes_view_params *views,
                                      const float *sino, float *vol) {
    col_line L;
    TES_CALL(col_line_create(g, views[0], &L));
    tes_cpu_scratch s;
    TES_CALL(tes_cpu_scratch_create(&s, (size_t)(L.len + g->nx + g->ny)));
    const int64_t blocks = adjoint_blocks_per_slice(g, s.threads);
    const int64_t rows_per_block = (g->ny + blocks - 1) / blocks;
    const int64_t items = g->nz * blocks, slice_size = g->nx * g->ny;
#pragma omp parallel
    {
        float *scratch = tes_cpu_scratch_mine(&s);
#pragma omp for schedule(dynamic, 1)
        for (int64_t item = 0; item < items; ++item) {
            int64_t k = item / blocks, j0 = item % blocks * rows_per_block;
            int64_t j1 = j0 + rows_per_block < g->ny ? j0 + rows_per_block : g->ny;
            if (j0 < j1)
                adjoint_block(g, views, sino, k, j0, j1, &L, scratch,
                              vol + k * slice_size + j0 * g->nx);
        }
    }
    tes_cpu_scratch_destroy(&s);
    return TES_OK;
}
