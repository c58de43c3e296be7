/* parallel3d on the CPU: the forward projector and its matched adjoint.
 *
 * For parallel beams the model of kernels/footprint.h is separable: a voxel's
 * column, and with it its column taps and their weights hat_u, depend on
 * (x, y) and the view only; its row, and the row weights W hat_v, on z and
 * the view only (the column half-width changes with the view's angle, the
 * row half-width and W do not change at all). For one view and one slice, A
 * is therefore a column scatter (slice -> line of columns, weights hat_u)
 * followed by a row spread (line -> the few rows the slice touches, weights
 * W hat_v); the adjoint is its transpose.
 *
 * Both kernels work on groups of G consecutive slices at once, relaid out as
 * [y][x][G] (z innermost, lanes past the slab's last slice zero), with lines
 * of [column][G]: a voxel column's taps and weights are computed once per
 * view for all G slices, and each tap is one contiguous G-wide multiply-add,
 * with no gathers or scatters of single floats. The forward scatters each
 * voxel column into the line (line[c + s] += hat_u(s) vox), then spreads each
 * slice's share of the line over its rows. The adjoint combines each slice's
 * rows into the line, then gathers each voxel column's taps from it, adding
 * the views in order into a [y][x][G] block written back at the end.
 *
 * G is one AVX-512 vector where the slab has enough slices; thin slabs (a few
 * slices per rank, single-slice problems) use narrower groups so that few
 * lanes idle. A single slice's forward puts a voxel's taps in the lanes
 * instead (scatter_slots), and its adjoint runs its vectors along x, each
 * lane a voxel gathering its taps (gather_slice_row). Every output value is
 * summed in an order fixed by the slab's shape, whatever the thread count and
 * the instruction set, so neither changes the results.
 *
 * Every voxel's column is footprint.h's col0 + (x cos + y sin) / pixel_u, with
 * the products x cos and y sin tabulated per view, so this backend and CUDA
 * agree to rounding. Columns are clamped into a padded line: voxels that miss
 * the detector land in the pads (discarded by the forward, zero for the
 * adjoint), so the inner loops carry no bounds branches.
 *
 * A voxel touches two columns where the pixel is at least its projected width
 * (half-width exactly 1: near 0 and 90 degrees), three where the half-width is
 * at most 1.5 (pixels about as large as voxels, oblique views), and more where
 * voxels project larger than pixels. Two and three taps are listed per voxel
 * row in a vectorized pass before the lane loops (a single slice's adjoint
 * lists them in its gather loop); wide footprints compute their weights in
 * the lane loop. */
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

/* Largest half-width (columns) of the three-tap loops: the open interval
 * (col - 1.5, col + 1.5) holds at most three columns. */
#define THREE_TAP_MAX_HALF 1.5f

/* Slices per group: one AVX-512 vector of floats, a quarter of one for slabs
 * thinner than that, one for single-slice slabs (see group_width). */
enum { WIDE_GROUP = 16, NARROW_GROUP = 4, SINGLE_SLICE = 1 };

/* Adjoint work items are blocks of y rows of one slice group, split until
 * each thread has about this many items: enough to balance, few enough that
 * each item amortizes building its views' lines. */
enum { ADJOINT_ITEMS_PER_THREAD = 4 };

/* An adjoint item's [y][x][G] block stays within this many bytes, so that it
 * stays in a core's L2 cache while every view adds to it. */
#define ADJOINT_BLOCK_BYTES ((size_t)512 << 10)

/* The forward relays up to this many bytes of slice groups at a time, shared
 * by the team: the larger, the fewer times the team waits for each other. */
#define GROUP_CHUNK_BYTES ((size_t)16 << 20)

/* A hot loop (simd.h) with everything it calls inlined into it: the loops
 * written once for any group width are compiled into each width's version,
 * for each instruction set, with the width a constant. (Left to itself, GCC
 * keeps them out of line, compiled for baseline x86-64 only.) */
#define TES_CPU_HOT_FLAT TES_CPU_HOT __attribute__((flatten))

/* Which loops serve a view's column footprint. */
typedef enum tap_kind {
    TWO_TAPS,   /* half == 1: columns floor(col) and floor(col) + 1 */
    THREE_TAPS, /* half <= THREE_TAP_MAX_HALF: floor(col - half) + 1 and the next two */
    WIDE_TAPS   /* any half: ntaps columns from floor(col - half) + 1 */
} tap_kind;

/* How one view's voxels map into a padded line of detector columns: line
 * index = column + pad, the same pad for every view (so that one line serves
 * them all). A voxel's column is clamped to [lo, hi]; at those bounds all its
 * taps stay inside the line and every tap on the detector weighs 0, so
 * clamping changes nothing on the detector. */
typedef struct col_line {
    float half, inv_half; /* footprint half-width in columns, its inverse */
    tap_kind taps;
    int32_t ntaps; /* taps per voxel: 2, 3 or ceil(2 half) + 1 */
    int32_t pad;   /* line index of column 0 */
    int64_t len;   /* ncols + 2 pad */
    float lo, hi;  /* clamp of a voxel's column */
} col_line;

/* Per-view constants of the inner loops. */
typedef struct col_map {
    float col0, inv_pixel;
} col_map;

/* Taps listed per voxel by list_taps: at most three. */
enum { MAX_LISTED_TAPS = 3 };

/* One voxel row's taps on one view: the line index of each voxel's first tap
 * and the weight hat_u of each of its taps (w[s][i] for tap s of voxel i). */
typedef struct row_taps {
    int32_t *first;
    float *w[MAX_LISTED_TAPS];
} row_taps;

/* What the row loops need of one view: its line, the voxels' shares of
 * x cos + y sin (x_i cos a for every column i, y_j sin a for the rows at
 * hand), and room for one row's taps. */
typedef struct view_cols {
    col_line L;
    col_map m;
    const float *xc, *ys;
    row_taps taps;
} view_cols;

static tap_kind tap_kind_of(float half) {
    return half == 1.0f ? TWO_TAPS : half <= THREE_TAP_MAX_HALF ? THREE_TAPS : WIDE_TAPS;
}

/* Taps per voxel for a half-width of half columns (grows with half). */
static int32_t taps_of(float half) {
    const tap_kind k = tap_kind_of(half);
    return k == TWO_TAPS ? 2 : k == THREE_TAPS ? 3 : (int32_t)ceilf(2.0f * half) + 1;
}

static col_line col_line_of(const tes_kernel_geom *g, tes_view_params v, int32_t pad) {
    const float half = tes_voxel_footprint(g, v, 0.0f, 0.0f, 0.0f).half_u;
    col_line L;
    L.half = half;
    L.inv_half = 1.0f / half;
    L.taps = tap_kind_of(half);
    L.ntaps = taps_of(half);
    L.pad = pad;
    L.len = g->ncols + 2 * (int64_t)pad;
    L.lo = -half - 1.0f;
    L.hi = (float)g->ncols + half;
    return L;
}

/* The line's pad, from the widest footprint of any view: one more than the
 * bounds need, for float rounding. Column indices, footprints included, must
 * fit the int32 inner loops. */
static tes_status line_pad(const tes_kernel_geom *g, const tes_view_params *views, int32_t *pad) {
    TES_CHECK(g->ncols <= TES_CPU_MAX_COLS, TES_ERR_ARG,
              "parallel3d: the detector has %lld columns; the CPU kernels handle at most %d",
              (long long)g->ncols, TES_CPU_MAX_COLS);
    float widest = 1.0f;
    for (int64_t v = 0; v < g->nviews; ++v)
        widest = tes_maxf(widest, tes_voxel_footprint(g, views[v], 0.0f, 0.0f, 0.0f).half_u);
    TES_CHECK(widest <= TES_CPU_MAX_COLS, TES_ERR_ARG,
              "parallel3d: a voxel's footprint spans %g columns; the CPU kernels handle at most "
              "%d (voxels far larger than the detector pixels)",
              2.0 * widest, TES_CPU_MAX_COLS);
    *pad = taps_of(widest) + 2;
    return TES_OK;
}

static int64_t line_len(const tes_kernel_geom *g, int32_t pad) {
    return g->ncols + 2 * (int64_t)pad;
}

static inline float clamp_col(float col, const col_line *L) {
    col = col > L->lo ? col : L->lo;
    return col < L->hi ? col : L->hi;
}

/* The first of a voxel's taps on the wide and three-tap paths. */
static inline int32_t first_tap(float col, const col_line *L) {
    return tes_cpu_floor32(col - L->half) + 1;
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

/* Slices per group for a slab of nz slices. */
static int group_width(int64_t nz) {
    return nz > NARROW_GROUP ? WIDE_GROUP : nz > SINGLE_SLICE ? NARROW_GROUP : SINGLE_SLICE;
}

/* n floats rounded up to whole cache lines, so that blocks carved one after
 * another from a scratch block stay aligned. */
static int64_t whole_lines(int64_t n) {
    return (n + TES_CPU_LINE_FLOATS - 1) / TES_CPU_LINE_FLOATS * TES_CPU_LINE_FLOATS;
}

/* The next n floats of *p. */
static float *carve(float **p, int64_t n) {
    float *block = *p;
    *p += whole_lines(n);
    return block;
}

static int64_t row_taps_floats(const tes_kernel_geom *g) {
    return (1 + MAX_LISTED_TAPS) * whole_lines(g->nx);
}

static row_taps row_taps_in(float **p, const tes_kernel_geom *g) {
    row_taps t;
    t.first = (int32_t *)carve(p, g->nx); /* int32 and float have the same size */
    for (int s = 0; s < MAX_LISTED_TAPS; ++s)
        t.w[s] = carve(p, g->nx);
    return t;
}

/* G-lane operations, G a constant where inlined. GCC vectorizes these loops
 * only when told (omp simd) that out and x do not overlap, which it cannot
 * see once they are inlined; each lane is one slice's scalar operation. */

/* out[0 .. G) += w x[0 .. G). */
static inline void add_lanes(int G, float w, const float *restrict x, float *restrict out) {
#pragma omp simd
    for (int l = 0; l < G; ++l)
        out[l] += w * x[l];
}

/* out[0 .. G) = w x[0 .. G). */
static inline void scale_lanes(int G, float w, const float *restrict x, float *restrict out) {
#pragma omp simd
    for (int l = 0; l < G; ++l)
        out[l] = w * x[l];
}

/* out[0 .. G) += x[0 .. G). */
static inline void sum_lanes(int G, const float *restrict x, float *restrict out) {
#pragma omp simd
    for (int l = 0; l < G; ++l)
        out[l] += x[l];
}

/* ---- column taps ---------------------------------------------------------- */

/* Half-width 1: each voxel's first tap (floor(col)) and the weights of its two
 * taps, hat(f) and hat(f - 1) (the division by the half-width 1 is exact, so
 * it is left out). Vectorizes. */
static inline void list_two_taps(int64_t n, const float *restrict t_in, float t_out, col_map m,
                                 const col_line *L, int32_t *restrict first, float *restrict w0,
                                 float *restrict w1) {
    const int32_t pad = L->pad;
    for (int64_t i = 0; i < n; ++i) {
        float col = clamp_col(m.col0 + (t_in[i] + t_out) * m.inv_pixel, L);
        int32_t c = tes_cpu_floor32(col);
        float f = col - (float)c;
        first[i] = c + pad;
        w0[i] = tes_hat(f);
        w1[i] = tes_hat(f - 1.0f);
    }
}

/* Half-width up to 1.5: each voxel's first of three taps and their weights.
 * Vectorizes. */
static inline void list_three_taps(int64_t n, const float *restrict t_in, float t_out, col_map m,
                                   const col_line *L, int32_t *restrict first, float *restrict w0,
                                   float *restrict w1, float *restrict w2) {
    const int32_t pad = L->pad;
    const float inv_half = L->inv_half;
    for (int64_t i = 0; i < n; ++i) {
        float col = clamp_col(m.col0 + (t_in[i] + t_out) * m.inv_pixel, L);
        int32_t c = first_tap(col, L);
        first[i] = c + pad;
        w0[i] = tes_hat((col - (float)c) * inv_half);
        w1[i] = tes_hat((col - (float)(c + 1)) * inv_half);
        w2[i] = tes_hat((col - (float)(c + 2)) * inv_half);
    }
}

/* The taps of voxel row j (two- and three-tap views), into vc->taps. */
static inline void list_taps(const view_cols *vc, int64_t nx, int64_t j) {
    const row_taps t = vc->taps;
    if (vc->L.taps == TWO_TAPS)
        list_two_taps(nx, vc->xc, vc->ys[j], vc->m, &vc->L, t.first, t.w[0], t.w[1]);
    else
        list_three_taps(nx, vc->xc, vc->ys[j], vc->m, &vc->L, t.first, t.w[0], t.w[1], t.w[2]);
}

/* ---- forward -------------------------------------------------------------- */

/* Lines the forward scatters into, voxel i into line i % SCATTER_LINES:
 * neighbouring voxels often share columns, and an update of the same memory
 * as the voxel before would wait for that voxel's store to reach its load.
 * Four lines were no faster for thin groups and slower for wide ones (four
 * 16-lane lines outgrow the L1 cache). */
enum { SCATTER_LINES = 2 };

/* SCATTER_LINES lines of [len][G] floats (of slots: see scatter_slots), stride
 * floats apart. */
typedef struct scatter_lines {
    float *base;
    int64_t stride;
} scatter_lines;

/* Scatter voxel row vox ([x][G]) into the lines with the listed taps (ntaps
 * of them). G and ntaps are constants where inlined. */
static inline void scatter_listed(int G, int ntaps, int64_t n, row_taps t,
                                  const float *restrict vox, scatter_lines lines) {
    for (int64_t i = 0; i < n; ++i) {
        float *p = lines.base + i % SCATTER_LINES * lines.stride + (int64_t)t.first[i] * G;
        for (int s = 0; s < ntaps; ++s)
            add_lanes(G, t.w[s][i], vox + i * G, p + s * G);
    }
}

/* The same for footprints wider than 1.5 columns (voxels larger than
 * pixels), weights computed in place. */
static inline void scatter_wide(int G, int64_t n, const view_cols *vc, int64_t j,
                                const float *restrict vox, scatter_lines lines) {
    const col_line *L = &vc->L;
    for (int64_t i = 0; i < n; ++i) {
        float col = clamp_col(vc->m.col0 + (vc->xc[i] + vc->ys[j]) * vc->m.inv_pixel, L);
        int32_t first = first_tap(col, L);
        float *p = lines.base + i % SCATTER_LINES * lines.stride + (int64_t)(first + L->pad) * G;
        for (int32_t s = 0; s < L->ntaps; ++s)
            add_lanes(G, tes_hat((col - (float)(first + s)) * L->inv_half), vox + i * G, p + s * G);
    }
}

/* A single slice would leave all but one lane of a [column][G] line idle, so
 * its two- and three-tap scatter uses the lanes for a voxel's taps instead:
 * slot c of a [column][TAP_SLOT] line collects in lane s tap s of the voxels
 * whose first tap is c (column c + s), one aligned four-float add per voxel;
 * merge_slots sums each column's lanes. */
enum { TAP_SLOT = 4 };

static int slotted(int G, const col_line *L) {
    return G == SINGLE_SLICE && L->taps != WIDE_TAPS;
}

/* Voxel i's taps' values, w(s) vox, added to its slot in one four-float add. */
static inline void add_slot(int ntaps, row_taps t, int64_t i, float vox, float *slot) {
    const tes_cpu_float4 w = {t.w[0][i] * vox, t.w[1][i] * vox, ntaps > 2 ? t.w[2][i] * vox : 0.0f,
                              0.0f};
    tes_cpu_float4 h;
    memcpy(&h, slot, sizeof h);
    h += w;
    memcpy(slot, &h, sizeof h);
}

/* scatter_listed for a single slice (G = 1), into slots, voxels by pairs
 * (one into each line). */
static inline void scatter_slots(int ntaps, int64_t n, row_taps t, const float *restrict vox,
                                 scatter_lines slots) {
    float *even = slots.base, *odd = slots.base + slots.stride;
    int64_t i = 0;
    for (; i + 1 < n; i += 2) {
        add_slot(ntaps, t, i, vox[i], even + (int64_t)t.first[i] * TAP_SLOT);
        add_slot(ntaps, t, i + 1, vox[i + 1], odd + (int64_t)t.first[i + 1] * TAP_SLOT);
    }
    if (i < n)
        add_slot(ntaps, t, i, vox[i], even + (int64_t)t.first[i] * TAP_SLOT);
}

/* Scatter a (ny, nx, G) group into the lines (slots where slotted). */
static inline void scatter_group_of(int G, const view_cols *vc, int64_t nx, int64_t ny,
                                    const float *grp, scatter_lines lines) {
    for (int64_t j = 0; j < ny; ++j) {
        const float *vox = grp + j * nx * G;
        if (vc->L.taps == WIDE_TAPS) {
            scatter_wide(G, nx, vc, j, vox, lines);
            continue;
        }
        list_taps(vc, nx, j);
        const int ntaps = vc->L.taps == TWO_TAPS ? 2 : 3;
        if (slotted(G, &vc->L))
            scatter_slots(ntaps, nx, vc->taps, vox, lines);
        else if (ntaps == 2)
            scatter_listed(G, 2, nx, vc->taps, vox, lines);
        else
            scatter_listed(G, 3, nx, vc->taps, vox, lines);
    }
}

TES_CPU_HOT_FLAT static void scatter_wide_group(const view_cols *vc, int64_t nx, int64_t ny,
                                                const float *grp, scatter_lines lines) {
    scatter_group_of(WIDE_GROUP, vc, nx, ny, grp, lines);
}

TES_CPU_HOT_FLAT static void scatter_narrow_group(const view_cols *vc, int64_t nx, int64_t ny,
                                                  const float *grp, scatter_lines lines) {
    scatter_group_of(NARROW_GROUP, vc, nx, ny, grp, lines);
}

TES_CPU_HOT_FLAT static void scatter_single_slice(const view_cols *vc, int64_t nx, int64_t ny,
                                                  const float *grp, scatter_lines lines) {
    scatter_group_of(SINGLE_SLICE, vc, nx, ny, grp, lines);
}

/* Scatter a (ny, nx, G) group into the lines, G one of the group widths. */
static void scatter_group(int G, const view_cols *vc, int64_t nx, int64_t ny, const float *grp,
                          scatter_lines lines) {
    if (G == WIDE_GROUP)
        scatter_wide_group(vc, nx, ny, grp, lines);
    else if (G == NARROW_GROUP)
        scatter_narrow_group(vc, nx, ny, grp, lines);
    else
        scatter_single_slice(vc, nx, ny, grp, lines);
}

/* merge_lines for slots: line_t[c] = the sum of lane s of slot pad + c - s
 * over the listed taps s and the lines. */
static void merge_slots(int64_t ncols, int32_t pad, scatter_lines slots, float *restrict line_t) {
    for (int64_t c = 0; c < ncols; ++c) {
        const float *slot = slots.base + (pad + c) * TAP_SLOT;
        float sum = 0.0f;
        for (int b = 0; b < SCATTER_LINES; ++b)
            for (int s = 0; s < MAX_LISTED_TAPS; ++s)
                sum += slot[b * slots.stride - s * TAP_SLOT + s];
        line_t[c] = sum;
    }
}

/* line_t[l][c] = the sum of the lines' [pad + c][l] (in line order), slices
 * l < nl. */
static void merge_lines(int G, int nl, int64_t ncols, int32_t pad, scatter_lines lines,
                        float *restrict line_t) {
    const float *cols = lines.base + (int64_t)pad * G;
    for (int l = 0; l < nl; ++l)
        for (int64_t c = 0; c < ncols; ++c) {
            float sum = cols[c * G + l];
            for (int b = 1; b < SCATTER_LINES; ++b)
                sum += cols[b * lines.stride + c * G + l];
            line_t[l * ncols + c] = sum;
        }
}

/* The local rows slice k touches on view v, and its footprint there. */
typedef struct slice_rows {
    tes_footprint f;
    float inv_half_v;
    tes_cpu_span rows;
} slice_rows;

static slice_rows slice_rows_of(const tes_kernel_geom *g, tes_view_params v, int64_t k) {
    slice_rows s;
    s.f = tes_voxel_footprint(g, v, 0.0f, 0.0f, tes_voxel_z(g, k));
    s.inv_half_v = 1.0f / s.f.half_v;
    s.rows = tes_cpu_span_of(s.f.row, s.f.half_v, g->nrows);
    return s;
}

/* Whether any of slices [k0, k0 + nl) touches a local row on view v. */
static int group_touches_rows(const tes_kernel_geom *g, tes_view_params v, int64_t k0, int nl) {
    for (int l = 0; l < nl; ++l) {
        tes_cpu_span rows = slice_rows_of(g, v, k0 + l).rows;
        if (rows.first < rows.end)
            return 1;
    }
    return 0;
}

/* Floats per column of the forward's lines: G, or a slot of taps. */
static int lanes_of(int G) {
    return G > TAP_SLOT ? G : TAP_SLOT;
}

/* One thread's scratch for the forward. */
typedef struct forward_scratch {
    scatter_lines lines; /* the group's scatter over the padded columns */
    float *line_t;       /* the lines' sum, slice-major: [G][ncols] */
    float *xc, *ys;      /* x_i cos a (nx), y_j sin a (ny) */
    row_taps taps;       /* one voxel row's */
} forward_scratch;

static size_t forward_scratch_floats(const tes_kernel_geom *g, int G, int32_t pad) {
    return (size_t)(SCATTER_LINES * whole_lines(line_len(g, pad) * lanes_of(G)) +
                    whole_lines(G * g->ncols) + whole_lines(g->nx) + whole_lines(g->ny) +
                    row_taps_floats(g));
}

static forward_scratch forward_scratch_in(float *p, const tes_kernel_geom *g, int G, int32_t pad) {
    forward_scratch fs;
    fs.lines.stride = whole_lines(line_len(g, pad) * lanes_of(G));
    fs.lines.base = carve(&p, SCATTER_LINES * fs.lines.stride);
    fs.line_t = carve(&p, G * g->ncols);
    fs.xc = carve(&p, g->nx);
    fs.ys = carve(&p, g->ny);
    fs.taps = row_taps_in(&p, g);
    return fs;
}

/* sino_v += A_(view, slices [k0, k0 + nl)) of grp, the slices' (ny, nx, G) group. */
static void forward_view_group(const tes_kernel_geom *g, tes_view_params v, int G, int64_t k0,
                               int nl, const float *grp, int32_t pad, const forward_scratch *fs,
                               float *sino_v) {
    if (!group_touches_rows(g, v, k0, nl))
        return;
    view_cols vc = {col_line_of(g, v, pad), {v.col0, g->inv_pixel_u}, fs->xc, fs->ys, fs->taps};
    tabulate(g, v, 0, g->ny, fs->xc, fs->ys);
    memset(fs->lines.base, 0, (size_t)(SCATTER_LINES * fs->lines.stride) * sizeof(float));
    scatter_group(G, &vc, g->nx, g->ny, grp, fs->lines);
    if (slotted(G, &vc.L))
        merge_slots(g->ncols, pad, fs->lines, fs->line_t);
    else
        merge_lines(G, nl, g->ncols, pad, fs->lines, fs->line_t);
    for (int l = 0; l < nl; ++l) {
        const slice_rows s = slice_rows_of(g, v, k0 + l);
        for (int64_t r = s.rows.first; r < s.rows.end; ++r)
            add_scaled(g->ncols, tes_cpu_row_weight(s.f, s.inv_half_v, r),
                       fs->line_t + l * g->ncols, sino_v + r * g->ncols);
    }
}

/* Slices in group gi of G-slice groups: G but for the slab's last group. */
static int group_slices(const tes_kernel_geom *g, int G, int64_t gi) {
    int64_t left = g->nz - gi * G;
    return left < G ? (int)left : G;
}

/* grp[j][i][l] = vol[k0 + l][j][i] for voxel row j; lanes l >= nl zero. */
static void group_row(const tes_kernel_geom *g, int G, int nl, const float *restrict vol_k0,
                      int64_t j, float *restrict grp) {
    const int64_t slice_size = g->nx * g->ny;
    float *out = grp + j * g->nx * G;
    for (int64_t i = 0; i < g->nx; ++i)
        for (int l = 0; l < G; ++l)
            out[i * G + l] = l < nl ? vol_k0[l * slice_size + j * g->nx + i] : 0.0f;
}

/* Groups [gi0, gi1) of vol relaid out into chunk; a work-shared loop of the
 * team (ends in a barrier). */
static void group_slices_into(const tes_kernel_geom *g, int G, const float *vol, int64_t gi0,
                              int64_t gi1, float *chunk) {
    const int64_t slice_size = g->nx * g->ny;
#pragma omp for schedule(static) collapse(2)
    for (int64_t gi = gi0; gi < gi1; ++gi)
        for (int64_t j = 0; j < g->ny; ++j)
            group_row(g, G, group_slices(g, G, gi), vol + gi * G * slice_size, j,
                      chunk + (gi - gi0) * slice_size * G);
}

/* Groups per relaid chunk: at least one. */
static int64_t chunk_groups(const tes_kernel_geom *g, int G, int64_t ngroups) {
    const size_t group_bytes = (size_t)(g->nx * g->ny * G) * sizeof(float);
    int64_t n = (int64_t)(GROUP_CHUNK_BYTES / group_bytes);
    n = n < ngroups ? n : ngroups;
    return n > 1 ? n : 1;
}

/* Slice groups outer, views inner. Each thread owns whole views (the same
 * static schedule in every loop), so no two threads write the same sinogram
 * values; the team meets only around each chunk of relaid groups, which all
 * threads share. */
tes_status tes_cpu_parallel3d_forward(const tes_kernel_geom *g, const tes_view_params *views,
                                      const float *vol, float *sino) {
    int32_t pad;
    TES_CALL(line_pad(g, views, &pad));
    const int G = group_width(g->nz);
    const int64_t ngroups = (g->nz + G - 1) / G, step = chunk_groups(g, G, ngroups);
    const int64_t group_size = g->nx * g->ny * G, view_size = g->nrows * g->ncols;
    float *chunk = malloc((size_t)(step * group_size) * sizeof *chunk);
    TES_CHECK(chunk, TES_ERR_ALLOC, "cannot allocate %lld groups of %lld voxels", (long long)step,
              (long long)group_size);
    tes_cpu_scratch s;
    tes_status st = tes_cpu_scratch_create(&s, forward_scratch_floats(g, G, pad));
    if (st != TES_OK) {
        free(chunk);
        TES_CALL(st);
    }
#pragma omp parallel
    {
        const forward_scratch fs = forward_scratch_in(tes_cpu_scratch_mine(&s), g, G, pad);
#pragma omp for schedule(static) nowait
        for (int64_t v = 0; v < g->nviews; ++v)
            memset(sino + v * view_size, 0, (size_t)view_size * sizeof *sino);
        for (int64_t gi0 = 0; gi0 < ngroups; gi0 += step) {
            int64_t gi1 = gi0 + step < ngroups ? gi0 + step : ngroups;
            group_slices_into(g, G, vol, gi0, gi1, chunk);
            for (int64_t gi = gi0; gi < gi1; ++gi) {
                const float *grp = chunk + (gi - gi0) * group_size;
#pragma omp for schedule(static) nowait
                for (int64_t v = 0; v < g->nviews; ++v)
                    forward_view_group(g, views[v], G, gi * G, group_slices(g, G, gi), grp, pad,
                                       &fs, sino + v * view_size);
            }
#pragma omp barrier /* every view has read the chunk before it is overwritten */
        }
    }
    tes_cpu_scratch_destroy(&s);
    free(chunk);
    return TES_OK;
}

/* ---- adjoint -------------------------------------------------------------- */

/* out[i][0 .. G) += sum over the listed taps s of w_s(i) line[first_i + s][0 .. G),
 * voxel row out ([x][G]). */
static inline void gather_listed(int G, int ntaps, int64_t n, row_taps t,
                                 const float *restrict line, float *restrict out) {
    for (int64_t i = 0; i < n; ++i) {
        const float *p = line + (int64_t)t.first[i] * G;
        float sum[WIDE_GROUP];
        scale_lanes(G, t.w[0][i], p, sum);
        for (int s = 1; s < ntaps; ++s)
            add_lanes(G, t.w[s][i], p + s * G, sum);
        sum_lanes(G, sum, out + i * G);
    }
}

/* The same for footprints wider than 1.5 columns, weights computed in place. */
static inline void gather_wide(int G, int64_t n, const view_cols *vc, int64_t j,
                               const float *restrict line, float *restrict out) {
    const col_line *L = &vc->L;
    for (int64_t i = 0; i < n; ++i) {
        float col = clamp_col(vc->m.col0 + (vc->xc[i] + vc->ys[j]) * vc->m.inv_pixel, L);
        int32_t first = first_tap(col, L);
        const float *p = line + (int64_t)(first + L->pad) * G;
        float sum[WIDE_GROUP];
        scale_lanes(G, tes_hat((col - (float)first) * L->inv_half), p, sum);
        for (int32_t s = 1; s < L->ntaps; ++s)
            add_lanes(G, tes_hat((col - (float)(first + s)) * L->inv_half), p + s * G, sum);
        sum_lanes(G, sum, out + i * G);
    }
}

/* gather_listed for a single slice (G = 1) from voxel i0 on, listing the
 * taps in the same loop: the same operations in the same order. */
static inline void gather_slice_row_from(int ntaps, int64_t i0, int64_t n, const view_cols *vc,
                                         int64_t j, const float *restrict line,
                                         float *restrict out) {
    const float *restrict xc = vc->xc;
    const float t_out = vc->ys[j], col0 = vc->m.col0, inv_pixel = vc->m.inv_pixel;
    const float lo = vc->L.lo, hi = vc->L.hi, half = vc->L.half, inv_half = vc->L.inv_half;
    const float *restrict cols = line + vc->L.pad;
#pragma omp simd
    for (int64_t i = i0; i < n; ++i) {
        float col = col0 + (xc[i] + t_out) * inv_pixel;
        col = col > lo ? col : lo; /* clamp_col */
        col = col < hi ? col : hi;
        float sum;
        if (ntaps == 2) {
            int32_t c = tes_cpu_floor32(col);
            float f = col - (float)c;
            sum = tes_hat(f) * cols[c];
            sum += tes_hat(f - 1.0f) * cols[c + 1];
        } else {
            int32_t c = tes_cpu_floor32(col - half) + 1; /* first_tap */
            sum = tes_hat((col - (float)c) * inv_half) * cols[c];
            sum += tes_hat((col - (float)(c + 1)) * inv_half) * cols[c + 1];
            sum += tes_hat((col - (float)(c + 2)) * inv_half) * cols[c + 2];
        }
        out[i] += sum;
    }
}

#ifdef TES_CPU_AVX2
enum { AVX2_FLOATS = 8 };

TES_CPU_AVX2 static inline __m256 hat_avx2(__m256 t) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 a = _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_andnot_ps(sign, t));
    return _mm256_max_ps(a, _mm256_setzero_ps());
}

/* floor(x) per lane for |x| < 2^31 (tes_cpu_floor32). */
TES_CPU_AVX2 static inline __m256i floor_avx2(__m256 x) {
    __m256i i = _mm256_cvttps_epi32(x);
    __m256 below = _mm256_cmp_ps(x, _mm256_cvtepi32_ps(i), _CMP_LT_OQ);
    return _mm256_add_epi32(i, _mm256_castps_si256(below)); /* -1 where truncation rounded up */
}

/* cols[c + s] weighted hat(d inv_half), eight voxels. */
TES_CPU_AVX2 static inline __m256 tap_avx2(__m256 d, __m256 inv_half, const float *cols, __m256i c,
                                           int s) {
    return _mm256_mul_ps(hat_avx2(_mm256_mul_ps(d, inv_half)),
                         _mm256_i32gather_ps(cols + s, c, sizeof(float)));
}

/* col - (float)(c + s), eight voxels. */
TES_CPU_AVX2 static inline __m256 offset_avx2(__m256 col, __m256i c, int s) {
    return _mm256_sub_ps(col, _mm256_cvtepi32_ps(_mm256_add_epi32(c, _mm256_set1_epi32(s))));
}

/* gather_slice_row_from(ntaps, 0, ...) eight voxels at a time, the same
 * operations in the same order (GCC's generic tuning will not emit the
 * gathers); returns how many voxels it did (a multiple of eight). Two taps
 * have the half-width 1, so multiplying by inv_half is exact there. */
TES_CPU_AVX2 static int64_t gather_slice_row_avx2(int ntaps, int64_t n, const view_cols *vc,
                                                  int64_t j, const float *line, float *out) {
    const __m256 t_out = _mm256_set1_ps(vc->ys[j]), col0 = _mm256_set1_ps(vc->m.col0);
    const __m256 inv_pixel = _mm256_set1_ps(vc->m.inv_pixel), one = _mm256_set1_ps(1.0f);
    const __m256 lo = _mm256_set1_ps(vc->L.lo), hi = _mm256_set1_ps(vc->L.hi);
    const __m256 half = _mm256_set1_ps(vc->L.half), inv_half = _mm256_set1_ps(vc->L.inv_half);
    const float *cols = line + vc->L.pad;
    int64_t i = 0;
    for (; i + AVX2_FLOATS <= n; i += AVX2_FLOATS) {
        __m256 t = _mm256_add_ps(_mm256_loadu_ps(vc->xc + i), t_out);
        __m256 col = _mm256_add_ps(col0, _mm256_mul_ps(t, inv_pixel));
        col = _mm256_min_ps(_mm256_max_ps(col, lo), hi);
        __m256 sum;
        if (ntaps == 2) {
            __m256i c = floor_avx2(col);
            __m256 f = offset_avx2(col, c, 0);
            sum = tap_avx2(f, inv_half, cols, c, 0);
            sum = _mm256_add_ps(sum, tap_avx2(_mm256_sub_ps(f, one), inv_half, cols, c, 1));
        } else {
            __m256i c =
                _mm256_add_epi32(floor_avx2(_mm256_sub_ps(col, half)), _mm256_set1_epi32(1));
            sum = tap_avx2(offset_avx2(col, c, 0), inv_half, cols, c, 0);
            sum = _mm256_add_ps(sum, tap_avx2(offset_avx2(col, c, 1), inv_half, cols, c, 1));
            sum = _mm256_add_ps(sum, tap_avx2(offset_avx2(col, c, 2), inv_half, cols, c, 2));
        }
        _mm256_storeu_ps(out + i, _mm256_add_ps(_mm256_loadu_ps(out + i), sum));
    }
    return i;
}
#endif

/* gather_listed for a single slice, listing the taps as it goes. */
static inline void gather_slice_row(int ntaps, int64_t n, const view_cols *vc, int64_t j,
                                    const float *line, float *out) {
    int64_t done = 0;
#ifdef TES_CPU_AVX2
    if (tes_cpu_has_avx2())
        done = gather_slice_row_avx2(ntaps, n, vc, j, line, out);
#endif
    gather_slice_row_from(ntaps, done, n, vc, j, line, out);
}

/* Gather rows [0, nrows) of a block ([y][x][G], y rows as in vc->ys) from the
 * line ([len][G]). */
static inline void gather_block_of(int G, const view_cols *vc, int64_t nx, int64_t nrows,
                                   const float *line, float *block) {
    for (int64_t j = 0; j < nrows; ++j) {
        float *out = block + j * nx * G;
        if (vc->L.taps == WIDE_TAPS) {
            gather_wide(G, nx, vc, j, line, out);
            continue;
        }
        if (G == SINGLE_SLICE) {
            if (vc->L.taps == TWO_TAPS)
                gather_slice_row(2, nx, vc, j, line, out);
            else
                gather_slice_row(3, nx, vc, j, line, out);
            continue;
        }
        list_taps(vc, nx, j);
        if (vc->L.taps == TWO_TAPS)
            gather_listed(G, 2, nx, vc->taps, line, out);
        else
            gather_listed(G, 3, nx, vc->taps, line, out);
    }
}

TES_CPU_HOT_FLAT static void gather_wide_block(const view_cols *vc, int64_t nx, int64_t nrows,
                                               const float *line, float *block) {
    gather_block_of(WIDE_GROUP, vc, nx, nrows, line, block);
}

TES_CPU_HOT_FLAT static void gather_narrow_block(const view_cols *vc, int64_t nx, int64_t nrows,
                                                 const float *line, float *block) {
    gather_block_of(NARROW_GROUP, vc, nx, nrows, line, block);
}

TES_CPU_HOT_FLAT static void gather_single_slice(const view_cols *vc, int64_t nx, int64_t nrows,
                                                 const float *line, float *block) {
    gather_block_of(SINGLE_SLICE, vc, nx, nrows, line, block);
}

/* Gather a block's rows from the line, G one of the group widths. */
static void gather_block(int G, const view_cols *vc, int64_t nx, int64_t nrows, const float *line,
                         float *block) {
    if (G == WIDE_GROUP)
        gather_wide_block(vc, nx, nrows, line, block);
    else if (G == NARROW_GROUP)
        gather_narrow_block(vc, nx, nrows, line, block);
    else
        gather_single_slice(vc, nx, nrows, line, block);
}

/* line_t[l] = sum over the rows r slice k0 + l touches of W hat_v(r) sino_v[r]
 * (ncols values), slices l < nl. Returns 0 when no slice touches a local row
 * (nothing to gather). */
static int combine_rows(const tes_kernel_geom *g, tes_view_params v, int64_t k0, int nl,
                        const float *sino_v, float *line_t) {
    if (!group_touches_rows(g, v, k0, nl))
        return 0;
    memset(line_t, 0, (size_t)(nl * g->ncols) * sizeof *line_t);
    for (int l = 0; l < nl; ++l) {
        const slice_rows s = slice_rows_of(g, v, k0 + l);
        for (int64_t r = s.rows.first; r < s.rows.end; ++r)
            add_scaled(g->ncols, tes_cpu_row_weight(s.f, s.inv_half_v, r), sino_v + r * g->ncols,
                       line_t + l * g->ncols);
    }
    return 1;
}

/* line[pad + c][l] = line_t[l][c], slices l < nl (the other lanes and the
 * pads are left as they are: zero). */
static void interleave_line(int G, int nl, int64_t ncols, int32_t pad, const float *restrict line_t,
                            float *restrict line) {
    float *cols = line + (int64_t)pad * G;
    for (int64_t c = 0; c < ncols; ++c)
        for (int l = 0; l < nl; ++l)
            cols[c * G + l] = line_t[l * ncols + c];
}

/* vol[k0 + l][j0 + j][i] = block[j][i][l], slices l < nl, rows j < nrows. */
static void ungroup_block(const tes_kernel_geom *g, int G, int nl, const float *restrict block,
                          int64_t nrows, float *restrict vol_k0_j0) {
    const int64_t slice_size = g->nx * g->ny;
    for (int l = 0; l < nl; ++l)
        for (int64_t j = 0; j < nrows; ++j)
            for (int64_t i = 0; i < g->nx; ++i)
                vol_k0_j0[l * slice_size + j * g->nx + i] = block[(j * g->nx + i) * G + l];
}

/* The adjoint's work items: blocks of rows_per_block y rows of G-slice groups. */
typedef struct adjoint_plan {
    int G;
    int64_t ngroups, rows_per_block, blocks; /* blocks per group */
} adjoint_plan;

/* Row blocks of ADJOINT_BLOCK_BYTES at most, fewer rows where the slab has
 * too few groups to keep every thread busy (a thin slab). */
static adjoint_plan adjoint_plan_of(const tes_kernel_geom *g, int threads) {
    adjoint_plan a;
    a.G = group_width(g->nz);
    a.ngroups = (g->nz + a.G - 1) / a.G;
    const int64_t want = (int64_t)threads * ADJOINT_ITEMS_PER_THREAD;
    const int64_t blocks = a.ngroups ? (want + a.ngroups - 1) / a.ngroups : 1;
    const int64_t row_bytes = g->nx * a.G * (int64_t)sizeof(float);
    const int64_t fit = (int64_t)ADJOINT_BLOCK_BYTES / row_bytes;
    int64_t rows = (g->ny + blocks - 1) / blocks;
    rows = rows < fit ? rows : fit;
    a.rows_per_block = rows > 1 ? rows : 1;
    a.blocks = (g->ny + a.rows_per_block - 1) / a.rows_per_block;
    return a;
}

static size_t adjoint_scratch_floats(const tes_kernel_geom *g, const adjoint_plan *a, int32_t pad) {
    return (size_t)(whole_lines(a->rows_per_block * g->nx * a->G) +
                    whole_lines(line_len(g, pad) * a->G) + whole_lines(a->G * g->ncols) +
                    whole_lines(g->nx) + whole_lines(a->rows_per_block) + row_taps_floats(g));
}

/* vol rows [j0, j1) of slices [k0, k0 + nl) = A^T sino restricted to them. */
static void adjoint_block(const tes_kernel_geom *g, const tes_view_params *views, const float *sino,
                          int G, int64_t k0, int nl, int64_t j0, int64_t j1, int32_t pad,
                          float *scratch, float *vol) {
    const int64_t nrows = j1 - j0, len = line_len(g, pad);
    float *block = carve(&scratch, nrows * g->nx * G), *line = carve(&scratch, len * G);
    float *line_t = carve(&scratch, G * g->ncols), *xc = carve(&scratch, g->nx);
    float *ys = carve(&scratch, nrows);
    const row_taps taps = row_taps_in(&scratch, g);
    memset(block, 0, (size_t)(nrows * g->nx * G) * sizeof *block);
    memset(line, 0, (size_t)(len * G) * sizeof *line); /* pads and lanes past nl stay zero */
    const int64_t view_size = g->nrows * g->ncols;
    for (int64_t v = 0; v < g->nviews; ++v) {
        if (!combine_rows(g, views[v], k0, nl, sino + v * view_size, line_t))
            continue;
        interleave_line(G, nl, g->ncols, pad, line_t, line);
        const view_cols vc = {
            col_line_of(g, views[v], pad), {views[v].col0, g->inv_pixel_u}, xc, ys, taps};
        tabulate(g, views[v], j0, j1, xc, ys);
        gather_block(G, &vc, g->nx, nrows, line, block);
    }
    ungroup_block(g, G, nl, block, nrows, vol + k0 * g->nx * g->ny + j0 * g->nx);
}

/* Each work item owns a block of voxel rows of one slice group and gathers
 * over all views into it: no two threads write the same voxel, no atomics. */
tes_status tes_cpu_parallel3d_adjoint(const tes_kernel_geom *g, const tes_view_params *views,
                                      const float *sino, float *vol) {
    int32_t pad;
    TES_CALL(line_pad(g, views, &pad));
    const adjoint_plan a = adjoint_plan_of(g, omp_get_max_threads());
    tes_cpu_scratch s;
    TES_CALL(tes_cpu_scratch_create(&s, adjoint_scratch_floats(g, &a, pad)));
    const int64_t items = a.ngroups * a.blocks;
#pragma omp parallel
    {
        float *scratch = tes_cpu_scratch_mine(&s);
#pragma omp for schedule(dynamic, 1)
        for (int64_t item = 0; item < items; ++item) {
            int64_t gi = item / a.blocks, j0 = item % a.blocks * a.rows_per_block;
            int64_t j1 = j0 + a.rows_per_block < g->ny ? j0 + a.rows_per_block : g->ny;
            adjoint_block(g, views, sino, a.G, gi * a.G, group_slices(g, a.G, gi), j0, j1, pad,
                          scratch, vol);
        }
    }
    tes_cpu_scratch_destroy(&s);
    return TES_OK;
}
