/* cone3d on the CPU: the forward projector and its matched adjoint.
 *
 * The voxels of one column (x, y) share the in-plane part of their footprint
 * on a view (kernels/footprint.h's tes_column_footprint: detector column,
 * half-widths, magnification, the weight but for its obliquity); along z only
 * the row and the obliquity change. So the kernels work column by column, a
 * block of slices at a time:
 *  - the column's u taps (columns c0, c0 + 1, ..., weights hat_u) once;
 *  - every voxel's v taps (rows r_k, r_k + 1, ..., weights W_k hat_v), the
 *    rows and weights of the whole block first (a loop that vectorizes);
 * and apply the entry A = (W hat_v) hat_u in its two factors: the forward
 * spreads the block's voxels over a strip of detector rows (strip[r] = sum_k
 * x_k W_k hat_v(k, r)) and then adds hat_u(c) strip[r] into the view; the
 * adjoint first combines the view's columns (g[r] = sum_c hat_u(c) sino[r, c])
 * and then gathers each voxel's rows from g. That costs about n_v + n_u
 * operations per voxel instead of n_v n_u, and both directions use the very
 * same two factors, so they are exact transposes.
 *
 * Rows are clamped into a padded strip, as parallel3d clamps columns into a
 * padded line: at the clamp bounds every tap on the detector weighs 0, so the
 * inner loops carry no bounds branches; only the strip's detector rows reach
 * the sinogram. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels/cpu/scratch.h"
#include "kernels/cpu/simd.h"
#include "kernels/cpu/taps.h"
#include "kernels/projector_impl.h"

/* Slices per block: enough that a column's per-view set-up (its in-plane
 * footprint and u taps) is shared by many voxels, few enough that the
 * block's slices of a voxel row stay in cache across views. */
enum { BLOCK_SLICES = 128 };

/* Row taps per voxel handled as one vector (SLOT floats, zero beyond the
 * voxel's taps): voxels no more than about two pixels high. Taller ones take
 * a scalar loop. */
enum { SLOT = 4 };

/* Column taps handled as one 8-float vector per detector row where the taps
 * lie inside the detector. */
enum { SPREAD = 8 };

#ifdef TES_CPU_AVX2
enum { AVX2_FLOATS = 8 };
#endif

/* Forward: rows of the band (see band_of), in blocks' worth of rows (a
 * block's rows times the largest row step per slice); larger bands write
 * into the view directly. */
enum { BAND_BLOCKS = 2 };

/* Largest tap count per voxel: beyond it voxels are absurdly larger than
 * pixels (and the scratch would be huge). */
#define MAX_TAPS (1 << 16)

/* ---- taps --------------------------------------------------------------- */

/* Tap counts, the strip's layout and the forward's band (see band_of), from
 * bounds valid for every voxel of the slab on every view. */
typedef struct tap_layout {
    int32_t max_u, max_v; /* taps per voxel along u and along v, at most */
    float half_u, half_v; /* half-widths, at most */
    int32_t pad;          /* strip index of detector row 0 */
    int64_t len;          /* strip length: nrows + 2 pad */
    int32_t band_pad;     /* band columns before the first one reached */
    int64_t band_stride;  /* floats per band row */
    int64_t band_rows;    /* band rows */
} tap_layout;

static tes_status tap_layout_of(const tes_kernel_geom *g, tap_layout *t) {
    const tes_footprint_bound b = tes_footprint_bounds(g);
    TES_CHECK(b.half_u > 0.0, TES_ERR_ARG,
              "cone3d: a voxel reaches the source's distance from the axis (%g mm)",
              (double)g->sod);
    const double taps_u = ceil(2.0 * b.half_u) + 1.0, taps_v = ceil(2.0 * b.half_v) + 1.0;
    TES_CHECK(taps_u <= MAX_TAPS && taps_v <= MAX_TAPS, TES_ERR_ARG,
              "cone3d: a voxel's footprint spans up to %g x %g pixels; the CPU kernels handle at "
              "most %d (voxels far larger than the detector pixels)",
              taps_u, taps_v, MAX_TAPS);
    t->max_u = (int32_t)taps_u > SPREAD ? (int32_t)taps_u : SPREAD;
    t->max_v = (int32_t)taps_v > SLOT ? (int32_t)taps_v : SLOT;
    t->half_u = (float)b.half_u;
    t->half_v = (float)b.half_v;
    t->pad = t->max_v + SLOT;
    t->len = g->nrows + 2 * (int64_t)t->pad;
    t->band_pad = t->max_u + SPREAD;
    /* A whole number of cache lines, an odd one: rows 4 KiB apart alias in
     * the CPU's store-to-load checks, and with an odd line count only rows
     * 64 apart do. */
    int64_t lines = (g->ncols + 2 * t->band_pad + TES_CPU_LINE_FLOATS - 1) / TES_CPU_LINE_FLOATS;
    t->band_stride = (lines | 1) * TES_CPU_LINE_FLOATS;
    const int64_t rows = BAND_BLOCKS * BLOCK_SLICES * (int64_t)ceil(b.half_v) + 2 * t->max_v + 8;
    t->band_rows = rows < g->nrows ? rows : g->nrows;
    return TES_OK;
}

/* The taps of a footprint of half-width half centred at coordinate p
 * (pixels): taps first, first + 1, ..., first + n - 1, clamped so that they
 * stay within [-pad, n_pixels + pad) while every tap in [0, n_pixels) weighs
 * what it would unclamped (0 at the clamp bounds). Half-width 1 takes
 * floor(p) and floor(p) + 1; others ceil(2 half) taps from floor(p - half) + 1
 * (a tap left out weighs at most a rounding error, the same one in both
 * directions). */
typedef struct taps_1d {
    float lo, hi; /* clamp of p */
    float shift;  /* first = floor(p - shift) + step */
    int32_t step, n;
    float inv_half;
} taps_1d;

static inline taps_1d taps_1d_of(float half, int64_t n_pixels) {
    taps_1d t;
    const int one = half == 1.0f;
    t.lo = -half - 1.0f;
    t.hi = (float)n_pixels + half;
    t.shift = one ? 0.0f : half;
    t.step = one ? 0 : 1;
    t.n = one ? 2 : (int32_t)ceilf(2.0f * half);
    t.inv_half = 1.0f / half;
    return t;
}

static inline float clamp_to(float p, const taps_1d *t) {
    p = p > t->lo ? p : t->lo;
    return p < t->hi ? p : t->hi;
}

static inline int32_t first_of(float p, const taps_1d *t) {
    return tes_cpu_floor32(p - t->shift) + t->step;
}

/* hat((p - (first + q)) / half) for q = 0..3, the scalar expression lane by
 * lane, and 0 for q >= n. */
static inline tes_cpu_float4 hat4(float p, int32_t first, float inv_half, int32_t n) {
    typedef int32_t int4 __attribute__((vector_size(4 * sizeof(int32_t))));
    const tes_cpu_float4 q = {0.0f, 1.0f, 2.0f, 3.0f}, zero = {0.0f, 0.0f, 0.0f, 0.0f};
    const int4 lane = {0, 1, 2, 3};
    const tes_cpu_float4 r = (float)first + q; /* exact: small integers */
    tes_cpu_float4 t = (p - r) * inv_half;
    t = (tes_cpu_float4)((int4)t & 0x7fffffff); /* |t| */
    tes_cpu_float4 a = 1.0f - t;
    return (tes_cpu_float4)((int4)a & (a > zero) & (lane < n)); /* a > 0 ? a : 0 */
}

/* The u taps of one column on one view: weights w[q] of columns c0 + q, and
 * the range [q0, q1) of them on the detector (empty: the column misses it). */
typedef struct col_taps {
    int32_t c0, q0, q1, n;
} col_taps;

static col_taps col_taps_of(const tes_kernel_geom *g, const tes_column_footprint *cf, float *w) {
    const taps_1d t = taps_1d_of(cf->half_u, g->ncols);
    const float col = clamp_to(cf->col, &t);
    col_taps c;
    c.c0 = first_of(col, &t);
    c.n = t.n;
    c.q0 = c.c0 < 0 ? -c.c0 : 0;
    c.q1 = g->ncols - c.c0 < c.n ? (int32_t)(g->ncols - c.c0) : c.n;
    for (int32_t q = 0; q < c.n; ++q)
        w[q] = tes_hat((col - (float)(c.c0 + q)) * t.inv_half);
    for (int32_t q = c.n; q < SPREAD; ++q)
        w[q] = 0.0f;
    return c;
}

/* The v taps of a block's voxels of one column: voxel k's taps are the strip
 * entries first[k] + q (first includes the pad), weighs W_k hat_v. */
typedef struct row_taps {
    taps_1d t;
    int32_t *first;
    float *row, *weight; /* clamped row and W of each voxel */
} row_taps;

/* Rows, first taps and weights of the n voxels at heights z (vectorizes). */
TES_CPU_HOT static void row_taps_fill(const tes_kernel_geom *g, tes_view_params v,
                                      const tes_column_footprint *cf, const float *restrict z,
                                      int64_t n, int32_t pad, const taps_1d *t,
                                      int32_t *restrict first, float *restrict row,
                                      float *restrict weight) {
    const tes_column_footprint c = *cf;
    const taps_1d tt = *t;
    for (int64_t k = 0; k < n; ++k) {
        const float r = clamp_to(tes_footprint_row(g, v, &c, z[k]), &tt);
        row[k] = r;
        first[k] = first_of(r, &tt) + pad;
        weight[k] = tes_footprint_weight(g, &c, z[k]);
    }
}

/* A voxel's row factors W hat_v of its n <= SLOT taps, 0 beyond: row, first
 * tap (strip index, pad included) and W as row_taps_fill left them. */
static inline tes_cpu_float4 row_slot(float row, int32_t first, float weight, int32_t pad,
                                      float inv_half, int32_t n) {
    return weight * hat4(row, first - pad, inv_half, n);
}

/* The same for tap q of any count (the same floats as row_slot's lanes). */
static inline float row_factor(float row, int32_t first, float weight, int32_t pad, float inv_half,
                               int32_t q) {
    return weight * tes_hat((row - (float)(first - pad + q)) * inv_half);
}

/* ---- scratch ------------------------------------------------------------ */

/* One thread's scratch. */
typedef struct cone_scratch {
    float *z;       /* heights of the block's slices (BLOCK_SLICES) */
    float *wu;      /* a column's u weights (max_u) */
    int32_t *first; /* row taps (BLOCK_SLICES each) */
    float *row, *weight;
    float *strip;        /* forward: row sums; adjoint: combined columns (len + SLOT) */
    float *hist;         /* forward: two slot histograms (2 SLOT len) */
    float *block;        /* the block's voxels of one voxel row, (x, z) order (nx BLOCK_SLICES) */
    float *band;         /* forward: see band_of (band_rows band_stride) */
    unsigned char *live; /* forward: columns with a nonzero voxel in the block (nx) */
} cone_scratch;

static size_t cone_scratch_floats(const tes_kernel_geom *g, const tap_layout *t) {
    return (size_t)(4 * BLOCK_SLICES + t->max_u + (1 + 2 * SLOT) * t->len + SLOT +
                    BLOCK_SLICES * g->nx + t->band_rows * t->band_stride + g->nx);
}

static cone_scratch cone_scratch_in(float *base, const tes_kernel_geom *g, const tap_layout *t) {
    cone_scratch s;
    s.z = base;
    s.row = s.z + BLOCK_SLICES;
    s.weight = s.row + BLOCK_SLICES;
    s.first = (int32_t *)(s.weight + BLOCK_SLICES);
    s.wu = s.weight + 2 * BLOCK_SLICES;
    s.strip = s.wu + t->max_u;
    s.hist = s.strip + t->len + SLOT;
    s.block = s.hist + 2 * SLOT * t->len;
    s.band = s.block + BLOCK_SLICES * g->nx;
    s.live = (unsigned char *)(s.band + t->band_rows * t->band_stride);
    memset(s.strip, 0, (size_t)(t->len + SLOT) * sizeof *s.strip);
    return s;
}

/* block[i BLOCK_SLICES + k] = vol[k0 + k, j, i]: a column's voxels next to
 * each other. */
static void block_in(const tes_kernel_geom *g, const float *vol, int64_t j, int64_t k0, int64_t nk,
                     float *restrict block) {
    const int64_t nxy = g->nx * g->ny;
    for (int64_t k = 0; k < nk; ++k) {
        const float *restrict x = vol + (k0 + k) * nxy + j * g->nx;
        for (int64_t i = 0; i < g->nx; ++i)
            block[i * BLOCK_SLICES + k] = x[i];
    }
}

/* The inverse: vol[k0 + k, j, i] = block[i BLOCK_SLICES + k]. */
static void block_out(const tes_kernel_geom *g, const float *restrict block, int64_t j, int64_t k0,
                      int64_t nk, float *vol) {
    const int64_t nxy = g->nx * g->ny;
    for (int64_t k = 0; k < nk; ++k) {
        float *restrict x = vol + (k0 + k) * nxy + j * g->nx;
        for (int64_t i = 0; i < g->nx; ++i)
            x[i] = block[i * BLOCK_SLICES + k];
    }
}

static void block_heights(const tes_kernel_geom *g, int64_t k0, int64_t nk, float *z) {
    for (int64_t k = 0; k < nk; ++k)
        z[k] = tes_voxel_z(g, k0 + k);
}

/* The row taps of the block's voxels of column cf; their strip entries span
 * [*begin, *end). */
static row_taps column_rows(const tes_kernel_geom *g, tes_view_params v,
                            const tes_column_footprint *cf, int64_t nk, const tap_layout *lay,
                            const cone_scratch *s, int32_t *begin, int32_t *end) {
    row_taps rt = {taps_1d_of(cf->half_v, g->nrows), s->first, s->row, s->weight};
    row_taps_fill(g, v, cf, s->z, nk, lay->pad, &rt.t, rt.first, rt.row, rt.weight);
    *begin = rt.first[0]; /* rows grow with z: m > 0 */
    *end = rt.first[nk - 1] + rt.t.n;
    return rt;
}

/* ---- forward ------------------------------------------------------------ */

/* out += in, n values. */
TES_CPU_HOT static void add_floats(int64_t n, const float *restrict in, float *restrict out) {
    for (int64_t i = 0; i < n; ++i)
        out[i] += in[i];
}

/* hist[s .. s + 3] += a, one vector read-modify-write. */
static inline void add_slot(float *hist, int32_t s, tes_cpu_float4 a) {
    tes_cpu_float4 h;
    memcpy(&h, hist + s, sizeof h);
    h += a;
    memcpy(hist + s, &h, sizeof h);
}

/* hist[SLOT first_k ..] += x_k W_k hat_v(q), q < SLOT, for voxels [k0, nk):
 * one slot each, even voxels into h0, odd ones into h1, so that neighbours,
 * which share rows, do not update the same memory back to back. */
static inline void add_row_slots_from(int64_t k0, int64_t nk, const row_taps *rt, int32_t pad,
                                      const float *restrict x, float *restrict h0,
                                      float *restrict h1) {
    const int32_t *restrict first = rt->first, n = rt->t.n;
    const float *restrict row = rt->row, *restrict weight = rt->weight;
    const float inv_half = rt->t.inv_half;
    for (int64_t k = k0; k < nk; ++k)
        add_slot(k % 2 ? h1 : h0, SLOT * first[k],
                 x[k] * row_slot(row[k], first[k], weight[k], pad, inv_half, n));
}

#ifdef TES_CPU_AVX2
/* add_row_slots_from(0, ...) eight voxels at a time: their four taps'
 * values as four vectors (the same operations as row_slot's lanes),
 * transposed into eight slots added in order. Returns how many voxels it
 * did (a multiple of eight). */
TES_CPU_AVX2 static int64_t add_row_slots_avx2(int64_t nk, const row_taps *rt, int32_t pad,
                                               const float *restrict x, float *restrict h0,
                                               float *restrict h1) {
    const __m256 inv_half = _mm256_set1_ps(rt->t.inv_half), one = _mm256_set1_ps(1.0f);
    const __m256 sign = _mm256_set1_ps(-0.0f), zero = _mm256_setzero_ps();
    const __m256i vpad = _mm256_set1_epi32(pad);
    const int32_t n = rt->t.n;
    int64_t k = 0;
    for (; k + AVX2_FLOATS <= nk; k += AVX2_FLOATS) {
        const __m256 row = _mm256_loadu_ps(rt->row + k), weight = _mm256_loadu_ps(rt->weight + k);
        const __m256 value = _mm256_loadu_ps(x + k);
        const __m256i first = _mm256_loadu_si256((const __m256i *)(rt->first + k));
        const __m256 tap0 = _mm256_cvtepi32_ps(_mm256_sub_epi32(first, vpad));
        __m256 a[SLOT] = {zero, zero, zero, zero};
        for (int q = 0; q < n; ++q) {
            const __m256 r = _mm256_add_ps(tap0, _mm256_set1_ps((float)q));
            const __m256 t = _mm256_mul_ps(_mm256_sub_ps(row, r), inv_half);
            const __m256 hat = _mm256_max_ps(_mm256_sub_ps(one, _mm256_andnot_ps(sign, t)), zero);
            a[q] = _mm256_mul_ps(value, _mm256_mul_ps(weight, hat));
        }
        /* (a0, a1, a2, a3) of voxels (0, 4), (1, 5), (2, 6), (3, 7) */
        const __m256 t0 = _mm256_unpacklo_ps(a[0], a[1]), t1 = _mm256_unpackhi_ps(a[0], a[1]);
        const __m256 t2 = _mm256_unpacklo_ps(a[2], a[3]), t3 = _mm256_unpackhi_ps(a[2], a[3]);
        const __m256 s[4] = {_mm256_shuffle_ps(t0, t2, 0x44), _mm256_shuffle_ps(t0, t2, 0xee),
                             _mm256_shuffle_ps(t1, t3, 0x44), _mm256_shuffle_ps(t1, t3, 0xee)};
        int32_t f[AVX2_FLOATS];
        _mm256_storeu_si256((__m256i *)f, first);
        for (int v = 0; v < AVX2_FLOATS; ++v) {
            float *h = (v % 2 ? h1 : h0) + SLOT * f[v];
            const __m128 slot =
                v < 4 ? _mm256_castps256_ps128(s[v]) : _mm256_extractf128_ps(s[v - 4], 1);
            _mm_storeu_ps(h, _mm_add_ps(_mm_loadu_ps(h), slot));
        }
    }
    return k;
}
#endif

static void add_row_slots(int64_t nk, const row_taps *rt, int32_t pad, const float *x, float *h0,
                          float *h1) {
    int64_t done = 0;
#ifdef TES_CPU_AVX2
    if (tes_cpu_has_avx2())
        done = add_row_slots_avx2(nk, rt, pad, x, h0, h1);
#endif
    add_row_slots_from(done, nk, rt, pad, x, h0, h1);
}

/* strip[first_k + q] += x_k W_k hat_v(q) over the block's voxels. Voxels of
 * up to SLOT taps add one slot each into two slot histograms (see
 * add_row_slots_from), merged into the strip over [begin, end). */
TES_CPU_HOT static void spread_rows(const row_taps *rt, int64_t nk, const float *restrict x,
                                    const tap_layout *lay, int32_t begin, int32_t end,
                                    float *restrict hist, float *restrict strip) {
    const int32_t *restrict first = rt->first, pad = lay->pad, n = rt->t.n;
    const float *restrict row = rt->row, *restrict weight = rt->weight;
    const float inv_half = rt->t.inv_half;
    if (n > SLOT) {
        memset(strip + begin, 0, (size_t)(end - begin) * sizeof *strip);
        for (int64_t k = 0; k < nk; ++k)
            for (int32_t q = 0; q < n; ++q)
                strip[first[k] + q] +=
                    x[k] * row_factor(row[k], first[k], weight[k], pad, inv_half, q);
        return;
    }
    /* Slots [begin - SLOT + 1, end): the merge below reads SLOT - 1 empty
     * slots before the first (begin >= SLOT - 1: the pad). */
    float *h0 = hist, *h1 = hist + SLOT * lay->len;
    const size_t slots = (size_t)(end - begin + SLOT - 1);
    memset(h0 + SLOT * (begin - SLOT + 1), 0, SLOT * slots * sizeof *hist);
    memset(h1 + SLOT * (begin - SLOT + 1), 0, SLOT * slots * sizeof *hist);
    add_row_slots(nk, rt, pad, x, h0, h1);
    /* Entry r gathers tap q of slot r - q. */
    for (int32_t r = begin; r < end; ++r) {
        float a = h0[SLOT * r], b = h1[SLOT * r];
        for (int32_t q = 1; q < SLOT; ++q) {
            a += h0[SLOT * (r - q) + q];
            b += h1[SLOT * (r - q) + q];
        }
        strip[r] = a + b;
    }
}

/* Where the forward adds a column's values: rows of stride floats, detector
 * pixel (r, c) at out[(r - r0) stride + c - c0]; vector says whether taps
 * beyond the detector may be written (into pads). */
typedef struct target {
    float *out;
    int64_t stride, r0, c0;
    int vector;
} target;

/* out[r, c0 + q] += hat_u(q) strip[r] over the strip's detector rows. */
TES_CPU_HOT static void spread_cols(int64_t nrows, int64_t ncols, col_taps c,
                                    const float *restrict wu, int32_t pad, int32_t begin,
                                    int32_t end, const float *restrict strip, target t) {
    const int64_t r0 = begin - pad > 0 ? begin - pad : 0;
    const int64_t r1 = end - pad < nrows ? end - pad : nrows;
    float *restrict out = t.out + (r0 - t.r0) * t.stride + (c.c0 - t.c0);
    if (c.n <= SPREAD && (t.vector || (c.q0 == 0 && c.c0 + SPREAD <= ncols))) {
        tes_cpu_float8 w;
        memcpy(&w, wu, sizeof w); /* zero beyond n */
        for (int64_t r = r0; r < r1; ++r, out += t.stride) {
            tes_cpu_float8 o;
            memcpy(&o, out, sizeof o);
            o += w * strip[r + pad];
            memcpy(out, &o, sizeof o);
        }
        return;
    }
    for (int64_t r = r0; r < r1; ++r, out += t.stride) {
        const float s = strip[r + pad];
        for (int32_t q = c.q0; q < c.q1; ++q)
            out[q] += wu[q] * s;
    }
}

/* live[i] = whether column i has a nonzero voxel in the block. */
static void live_columns(const tes_kernel_geom *g, int64_t nk, const float *block,
                         unsigned char *live) {
    for (int64_t i = 0; i < g->nx; ++i) {
        unsigned char any = 0;
        for (int64_t k = 0; k < nk; ++k)
            any |= block[i * BLOCK_SLICES + k] != 0.0f;
        live[i] = any;
    }
}

/* The detector pixels that the block's voxels of row j reach on view v:
 * rows [r0, r1), columns [c0, c1). A voxel's row and column are monotone
 * along the row's x, so the extremes lie at its ends and the block's first
 * and last slices; widened by the largest half-widths and a margin against
 * rounding. 0 when the band would exceed the scratch's (or a voxel is at or
 * behind the source): the forward then adds into the view directly. */
typedef struct band {
    int64_t r0, r1, c0, c1;
} band;

enum { BAND_MARGIN = 2 }; /* pixels */

static int band_of(const tes_kernel_geom *g, tes_view_params v, int64_t j, int64_t nk,
                   const float *z, const tap_layout *lay, band *b) {
    const double y = tes_voxel_y(g, j), xs[2] = {tes_voxel_x(g, 0), tes_voxel_x(g, g->nx - 1)};
    double rows[2] = {INFINITY, -INFINITY}, cols[2] = {INFINITY, -INFINITY};
    for (int e = 0; e < 2; ++e) {
        const double depth = g->sod + y * v.cos_a - xs[e] * v.sin_a;
        if (!(depth > 0.0))
            return 0;
        const double m = g->sdd / depth, t = xs[e] * v.cos_a + y * v.sin_a;
        const double col = v.col0 + m * t * g->inv_pixel_u;
        cols[0] = fmin(cols[0], col);
        cols[1] = fmax(cols[1], col);
        for (int f = 0; f < 2; ++f) {
            const double row = v.row0 + m * z[f ? nk - 1 : 0] * g->inv_pixel_v;
            rows[0] = fmin(rows[0], row);
            rows[1] = fmax(rows[1], row);
        }
    }
    const double wu = lay->half_u + BAND_MARGIN, wv = lay->half_v + BAND_MARGIN;
    b->r0 = (int64_t)fmax(0.0, floor(rows[0] - wv));
    b->r1 = (int64_t)fmin((double)g->nrows, ceil(rows[1] + wv) + 1.0);
    b->c0 = (int64_t)fmax(0.0, floor(cols[0] - wu));
    b->c1 = (int64_t)fmin((double)g->ncols, ceil(cols[1] + wu) + 1.0);
    return b->r1 - b->r0 <= lay->band_rows && b->c1 - b->c0 + 2 * lay->band_pad <= lay->band_stride;
}

/* sino_v += A restricted to view v and the block's voxels of row j. The
 * columns' values go into a band of the view in scratch, whose rows are not
 * 4 KiB apart (see tap_layout_of), then into the view. */
static void forward_row(const tes_kernel_geom *g, tes_view_params v, int64_t j, int64_t nk,
                        const tap_layout *lay, const cone_scratch *s, float *sino_v) {
    band b = {0, 0, 0, 0};
    target t = {sino_v, g->ncols, 0, 0, 0};
    const int banded = band_of(g, v, j, nk, s->z, lay, &b);
    const int64_t width = b.c1 - b.c0 + 2 * lay->band_pad;
    if (banded) {
        t = (target){s->band, lay->band_stride, b.r0, b.c0 - lay->band_pad, 1};
        for (int64_t r = 0; r < b.r1 - b.r0; ++r)
            memset(s->band + r * lay->band_stride, 0, (size_t)width * sizeof *s->band);
    }
    const float y = tes_voxel_y(g, j);
    for (int64_t i = 0; i < g->nx; ++i) {
        if (!s->live[i])
            continue;
        const tes_column_footprint cf = tes_column_footprint_of(g, v, tes_voxel_x(g, i), y);
        if (!(cf.weight > 0.0f))
            continue; /* at or behind the source */
        const col_taps c = col_taps_of(g, &cf, s->wu);
        if (c.q0 >= c.q1)
            continue; /* misses the detector */
        int32_t begin, end;
        const row_taps rt = column_rows(g, v, &cf, nk, lay, s, &begin, &end);
        spread_rows(&rt, nk, s->block + i * BLOCK_SLICES, lay, begin, end, s->hist, s->strip);
        spread_cols(g->nrows, g->ncols, c, s->wu, lay->pad, begin, end, s->strip, t);
    }
    if (banded)
        for (int64_t r = b.r0; r < b.r1; ++r)
            add_floats(b.c1 - b.c0, s->band + (r - b.r0) * lay->band_stride + lay->band_pad,
                       sino_v + r * g->ncols + b.c0);
}

/* Each thread owns whole views (the same static schedule in every loop), so
 * no two threads write the same sinogram values; it walks the volume a
 * block of slices of a voxel row at a time, which stays in cache while all
 * its views read it. */
tes_status tes_cpu_cone3d_forward(const tes_kernel_geom *g, const tes_view_params *views,
                                  const float *vol, float *sino) {
    tap_layout lay;
    TES_CALL(tap_layout_of(g, &lay));
    tes_cpu_scratch sc;
    TES_CALL(tes_cpu_scratch_create(&sc, cone_scratch_floats(g, &lay)));
    const int64_t view_size = g->nrows * g->ncols;
#pragma omp parallel
    {
        const cone_scratch s = cone_scratch_in(tes_cpu_scratch_mine(&sc), g, &lay);
#pragma omp for schedule(static) nowait
        for (int64_t v = 0; v < g->nviews; ++v)
            memset(sino + v * view_size, 0, (size_t)view_size * sizeof *sino);
        for (int64_t k0 = 0; k0 < g->nz; k0 += BLOCK_SLICES) {
            const int64_t nk = g->nz - k0 < BLOCK_SLICES ? g->nz - k0 : BLOCK_SLICES;
            block_heights(g, k0, nk, s.z);
            for (int64_t j = 0; j < g->ny; ++j) {
                block_in(g, vol, j, k0, nk, s.block);
                live_columns(g, nk, s.block, s.live);
#pragma omp for schedule(static) nowait
                for (int64_t v = 0; v < g->nviews; ++v)
                    forward_row(g, views[v], j, nk, &lay, &s, sino + v * view_size);
            }
        }
    }
    tes_cpu_scratch_destroy(&sc);
    return TES_OK;
}

/* ---- adjoint ------------------------------------------------------------ */

/* strip[r + pad] = sum_{q < n} w[q] in[r ncols + q] for rows [r0, r1); n a
 * constant where inlined. */
static inline void combine_fixed(int64_t r0, int64_t r1, int64_t ncols, int32_t n,
                                 const float *restrict w, const float *restrict in, int32_t pad,
                                 float *restrict strip) {
    for (int64_t r = r0; r < r1; ++r) {
        const float *p = in + r * ncols;
        float sum = w[0] * p[0];
        for (int32_t q = 1; q < n; ++q)
            sum += w[q] * p[q];
        strip[r + pad] = sum;
    }
}

/* g[r] = sum_q hat_u(q) sino_v[r, c0 + q] over the strip's detector rows
 * (entries beyond them stay 0). */
TES_CPU_HOT static void combine_cols(int64_t nrows, int64_t ncols, col_taps c,
                                     const float *restrict wu, int32_t pad, int32_t begin,
                                     int32_t end, const float *restrict sino_v,
                                     float *restrict strip) {
    const int64_t r0 = begin - pad > 0 ? begin - pad : 0;
    const int64_t r1 = end - pad < nrows ? end - pad : nrows;
    memset(strip + begin, 0, (size_t)(end - begin + SLOT) * sizeof *strip);
    const float *in = sino_v + c.c0 + c.q0, *w = wu + c.q0;
    switch (c.q1 - c.q0) {
    case 1:
        combine_fixed(r0, r1, ncols, 1, w, in, pad, strip);
        return;
    case 2:
        combine_fixed(r0, r1, ncols, 2, w, in, pad, strip);
        return;
    case 3:
        combine_fixed(r0, r1, ncols, 3, w, in, pad, strip);
        return;
    case 4:
        combine_fixed(r0, r1, ncols, 4, w, in, pad, strip);
        return;
    case 5:
        combine_fixed(r0, r1, ncols, 5, w, in, pad, strip);
        return;
    default:
        combine_fixed(r0, r1, ncols, c.q1 - c.q0, w, in, pad, strip);
    }
}

/* out[k] += sum_q W_k hat_v(q) strip[first_k + q] for voxels [k0, nk), the
 * sum in order q = 0, 1, ... */
static inline void gather_rows_from(int64_t k0, int64_t nk, const row_taps *rt, int32_t pad,
                                    const float *restrict strip, float *restrict out) {
    const int32_t *restrict first = rt->first, n = rt->t.n;
    const float *restrict row = rt->row, *restrict weight = rt->weight;
    const float inv_half = rt->t.inv_half;
    for (int64_t k = k0; k < nk; ++k) {
        float sum = row_factor(row[k], first[k], weight[k], pad, inv_half, 0) * strip[first[k]];
        for (int32_t q = 1; q < n; ++q)
            sum += row_factor(row[k], first[k], weight[k], pad, inv_half, q) * strip[first[k] + q];
        out[k] += sum;
    }
}

#ifdef TES_CPU_AVX2
/* gather_rows_from(0, ...) eight voxels at a time, the same operations in
 * the same order; returns how many voxels it did (a multiple of eight). */
TES_CPU_AVX2 static int64_t gather_rows_avx2(int64_t nk, const row_taps *rt, int32_t pad,
                                             const float *restrict strip, float *restrict out) {
    const __m256 inv_half = _mm256_set1_ps(rt->t.inv_half), one = _mm256_set1_ps(1.0f);
    const __m256 sign = _mm256_set1_ps(-0.0f), zero = _mm256_setzero_ps();
    const __m256i vpad = _mm256_set1_epi32(pad);
    const int32_t n = rt->t.n;
    int64_t k = 0;
    for (; k + AVX2_FLOATS <= nk; k += AVX2_FLOATS) {
        const __m256 row = _mm256_loadu_ps(rt->row + k), weight = _mm256_loadu_ps(rt->weight + k);
        const __m256i first = _mm256_loadu_si256((const __m256i *)(rt->first + k));
        const __m256i tap0 = _mm256_sub_epi32(first, vpad);
        __m256 sum = zero;
        for (int32_t q = 0; q < n; ++q) {
            const __m256i qv = _mm256_set1_epi32(q);
            const __m256 r = _mm256_cvtepi32_ps(_mm256_add_epi32(tap0, qv));
            const __m256 t = _mm256_mul_ps(_mm256_sub_ps(row, r), inv_half);
            const __m256 hat = _mm256_max_ps(_mm256_sub_ps(one, _mm256_andnot_ps(sign, t)), zero);
            const __m256 g = _mm256_i32gather_ps(strip, _mm256_add_epi32(first, qv), 4);
            const __m256 term = _mm256_mul_ps(_mm256_mul_ps(weight, hat), g);
            sum = q == 0 ? term : _mm256_add_ps(sum, term);
        }
        _mm256_storeu_ps(out + k, _mm256_add_ps(_mm256_loadu_ps(out + k), sum));
    }
    return k;
}
#endif

/* out[k] += sum_q W_k hat_v(q) strip[first_k + q] over the block. */
static void gather_rows(const row_taps *rt, int64_t nk, int32_t pad, const float *strip,
                        float *out) {
    int64_t done = 0;
#ifdef TES_CPU_AVX2
    if (tes_cpu_has_avx2())
        done = gather_rows_avx2(nk, rt, pad, strip, out);
#endif
    gather_rows_from(done, nk, rt, pad, strip, out);
}

/* The block's voxels of row j += A^T restricted to view v. */
static void adjoint_row(const tes_kernel_geom *g, tes_view_params v, const float *sino_v, int64_t j,
                        int64_t nk, const tap_layout *lay, const cone_scratch *s) {
    const float y = tes_voxel_y(g, j);
    for (int64_t i = 0; i < g->nx; ++i) {
        const tes_column_footprint cf = tes_column_footprint_of(g, v, tes_voxel_x(g, i), y);
        if (!(cf.weight > 0.0f))
            continue;
        const col_taps c = col_taps_of(g, &cf, s->wu);
        if (c.q0 >= c.q1)
            continue;
        int32_t begin, end;
        const row_taps rt = column_rows(g, v, &cf, nk, lay, s, &begin, &end);
        combine_cols(g->nrows, g->ncols, c, s->wu, lay->pad, begin, end, sino_v, s->strip);
        gather_rows(&rt, nk, lay->pad, s->strip, s->block + i * BLOCK_SLICES);
    }
}

/* Each work item owns a block of slices of one voxel row and gathers over
 * all views into it: no two threads write the same voxel, no atomics. */
tes_status tes_cpu_cone3d_adjoint(const tes_kernel_geom *g, const tes_view_params *views,
                                  const float *sino, float *vol) {
    tap_layout lay;
    TES_CALL(tap_layout_of(g, &lay));
    tes_cpu_scratch sc;
    TES_CALL(tes_cpu_scratch_create(&sc, cone_scratch_floats(g, &lay)));
    const int64_t view_size = g->nrows * g->ncols;
    const int64_t blocks = (g->nz + BLOCK_SLICES - 1) / BLOCK_SLICES, items = blocks * g->ny;
#pragma omp parallel
    {
        const cone_scratch s = cone_scratch_in(tes_cpu_scratch_mine(&sc), g, &lay);
#pragma omp for schedule(dynamic, 1)
        for (int64_t item = 0; item < items; ++item) {
            const int64_t k0 = item / g->ny * BLOCK_SLICES, j = item % g->ny;
            const int64_t nk = g->nz - k0 < BLOCK_SLICES ? g->nz - k0 : BLOCK_SLICES;
            memset(s.block, 0, (size_t)(BLOCK_SLICES * g->nx) * sizeof *s.block);
            block_heights(g, k0, nk, s.z);
            for (int64_t v = 0; v < g->nviews; ++v)
                adjoint_row(g, views[v], sino + v * view_size, j, nk, &lay, &s);
            block_out(g, s.block, j, k0, nk, vol);
        }
    }
    tes_cpu_scratch_destroy(&sc);
    return TES_OK;
}
