/* Private to kernels/cuda: the machinery parallel3d.cu and cone3d.cu share.
 *
 * Both directions gather, so no two threads ever write the same value and no
 * atomics are needed:
 *
 * - adjoint: one thread per voxel column (i, j) and kSlicesPerThread slices,
 *   looping over every view (view parameters staged through shared memory a
 *   block's worth at a time) and gathering each voxel's footprint taps from
 *   the sinogram (adjoint_view).
 * - forward: one thread per ray (view, row, col) summing entry * voxel over
 *   the voxels whose footprint can cover its pixel. Those lie in a strip of
 *   the (x, y) plane between two boundary lines (parallel beams: the lines of
 *   detector columns c -+ half_u; cone beams: the rays from the source through
 *   them). The ray walks its major in-plane axis, and on each plane the strip
 *   is an interval of the minor axis (strip_sum); the geometry's ray type adds
 *   the slices and evaluates the entries.
 *
 * Entries come from kernels/footprint.h (a voxel column's in-plane footprint,
 * then each voxel's row and weight), the model the CPU kernels use, so both
 * backends compute the same matrix up to float rounding. The candidate sets
 * are supersets: a voxel whose footprint misses the pixel gets a zero hat
 * weight and adds nothing; a missed voxel would be a bug. Interval ends are
 * widened by kEnumMargin index units, far more than the float rounding of
 * the ends and of the footprint's own coordinates.
 *
 * Indices within a slice (j nx + i) and within a projection (r ncols + c)
 * are 32-bit (check_sizes), which keeps the inner loops' address arithmetic
 * short; offsets of slices and views are 64-bit, so volumes and sinograms
 * beyond 2^31 values work.
 *
 * Functions are __host__ __device__ so that their logic can be checked on a
 * host without a GPU; __ldg and the unroll pragmas apply on the device only. */
#ifndef TES_KERNELS_CUDA_PROJECTOR_CUH
#define TES_KERNELS_CUDA_PROJECTOR_CUH

#include <cuda_runtime.h>
#include <stdint.h>

#include "core/check.h"
#include "kernels/footprint.h"
#include "kernels/projector_impl.h"

#define TES_CUDA_HD __host__ __device__ inline

#ifdef __CUDA_ARCH__
#define TES_CUDA_UNROLL _Pragma("unroll")
#else
#define TES_CUDA_UNROLL
#endif

namespace tes_cuda {

/* Threads per block: one warp wide (so a warp is one detector row, or one
 * voxel row), kBlockRows warps. 256 threads leave Hopper's scheduler up to 8
 * resident blocks per SM. */
constexpr int kWarp = 32;
constexpr int kBlockRows = 8;
constexpr int kBlockThreads = kWarp * kBlockRows;

/* Adjoint: slices per thread. The column coordinate (parallel3d) or the
 * whole in-plane part of the footprint (cone3d) is computed once per view for
 * all of them. */
constexpr int kSlicesPerThread = 8;

/* Forward, parallel3d: slice weights of a ray kept in registers when it
 * touches at most this many slices (voxels no thinner than about half a
 * detector row); thinner voxels take a loop that recomputes them. */
constexpr int kRaySlices = 4;

/* Forward along x (views more than 45 degrees from the y axis): lanes hold
 * kPlanePhases consecutive x planes of kRaysPerRound rays, so that a warp's
 * loads hit runs of consecutive x (few cache lines) instead of 32 voxel rows
 * y apart (32 lines). */
constexpr int kPlanePhases = 8;
constexpr int kRaysPerRound = kWarp / kPlanePhases;
constexpr unsigned kFullMask = 0xffffffffu;

/* Largest gridDim.y / gridDim.z; larger problems loop over block indices. */
constexpr int64_t kMaxGridYZ = 65535;

/* Largest slice (nx ny) and projection (nrows ncols): 32-bit indices. */
constexpr int64_t kMaxPlane = INT32_MAX;

/* Widening of enumerated intervals, in voxel index units. */
constexpr float kEnumMargin = 1.0f / 16.0f;

/* A strip edge steeper than this (minor per major voxel) is not used: every
 * voxel of each plane becomes a candidate instead. The chosen major axis
 * keeps slopes near or below 1; only absurd geometries get here. */
constexpr double kMaxSlope = 8.0;

template <class T> TES_CUDA_HD T load(const T *p) {
#ifdef __CUDA_ARCH__
    return __ldg(p);
#else
    return *p;
#endif
}

/* a / b for the per-ray set-up: on the device a float reciprocal refined by
 * two Newton steps (relative error about 1e-15 for b in the normal float
 * range, which covers every quantity here), which keeps the double
 * division's out-of-line slow path, and the register spills its call
 * brings, out of the kernels. */
TES_CUDA_HD double quotient(double a, double b) {
#ifdef __CUDA_ARCH__
    double r = (double)__fdividef(1.0f, (float)b);
    r = fma(r, fma(-b, r, 1.0), r);
    r = fma(r, fma(-b, r, 1.0), r);
    const double q = a * r;
    return fma(r, fma(-b, q, a), q);
#else
    return a / b;
#endif
}

TES_CUDA_HD int64_t min64(int64_t a, int64_t b) {
    return a < b ? a : b;
}

TES_CUDA_HD int64_t ceil_div(int64_t a, int64_t b) {
    return (a + b - 1) / b;
}

/* ---- forward: candidate voxels ------------------------------------------- */

/* The part of a ray's strip on each major-axis plane p: the minor-axis index
 * interval between e0(p) = a0 + b0 p and e1(p) = a1 + b1 p. */
typedef struct strip {
    float a0, b0, a1, b1;
    int whole; /* the edges are not usable: take every voxel of each plane */
} strip;

/* Minor index a + b p where the line through (px, py) with direction (ux, uy)
 * (mm) crosses major plane p; false when the line is too steep for that. */
TES_CUDA_HD bool strip_edge(const tes_kernel_geom *g, bool x_major, double px, double py, double ux,
                            double uy, float *a, float *b) {
    const double p_major = x_major ? px : py, p_minor = x_major ? py : px;
    const double u_major = x_major ? ux : uy, u_minor = x_major ? uy : ux;
    const double w0 = x_major ? g->x0 : g->y0, dw = x_major ? g->dx : g->dy;
    const double m0 = x_major ? g->y0 : g->x0, dm = x_major ? g->dy : g->dx;
    if (!(fabs(u_minor) <= kMaxSlope * fabs(u_major)))
        return false;
    const double slope = quotient(u_minor, u_major);
    *a = (float)quotient(p_minor - m0 + (w0 - p_major) * slope, dm);
    *b = (float)quotient(dw * slope, dm);
    return true;
}

/* The strip between two boundary lines (point p, direction u, mm). Between
 * them on a plane lies exactly the interval between their crossings, provided
 * both directions cross the planes the same way; otherwise every voxel is a
 * candidate. */
TES_CUDA_HD strip make_strip(const tes_kernel_geom *g, bool x_major, const double p0[2],
                             const double u0[2], const double p1[2], const double u1[2]) {
    strip s = {0.0f, 0.0f, 0.0f, 0.0f, 0};
    const double major0 = x_major ? u0[0] : u0[1], major1 = x_major ? u1[0] : u1[1];
    s.whole = !(major0 * major1 > 0.0) ||
              !strip_edge(g, x_major, p0[0], p0[1], u0[0], u0[1], &s.a0, &s.b0) ||
              !strip_edge(g, x_major, p1[0], p1[1], u1[0], u1[1], &s.a1, &s.b1);
    return s;
}

/* Sum of visit(i, j) over the strip's voxel columns on major planes
 * p_begin, p_begin + p_step, ... (x planes i when kXMajor, else y planes j). */
template <bool kXMajor, class Visit>
TES_CUDA_HD float strip_sum(const tes_kernel_geom *g, const strip &s, int p_begin, int p_step,
                            const Visit &visit) {
    const int n_major = (int)(kXMajor ? g->nx : g->ny), n_minor = (int)(kXMajor ? g->ny : g->nx);
    const float last = (float)(n_minor - 1);
    float acc = 0.0f;
    for (int p = p_begin; p < n_major; p += p_step) {
        float lo = 0.0f, hi = last;
        if (!s.whole) {
            const float e0 = fmaf(s.b0, (float)p, s.a0), e1 = fmaf(s.b1, (float)p, s.a1);
            /* Clamped into [-1, n] before the conversions (fminf/fmaxf also
             * drop a NaN, which leaves a harmless superset). */
            lo = fminf(fmaxf(ceilf(fminf(e0, e1) - kEnumMargin), 0.0f), last + 1.0f);
            hi = fmaxf(fminf(floorf(fmaxf(e0, e1) + kEnumMargin), last), -1.0f);
        }
        const int q_end = (int)hi;
        for (int q = (int)lo; q <= q_end; ++q)
            acc += kXMajor ? visit(p, q) : visit(q, p);
    }
    return acc;
}

/* Slices [first, first + count) whose centres may lie in the open z interval
 * (z_lo, z_hi) (mm), clipped to the slab; count may be 0. */
TES_CUDA_HD void slice_range(const tes_kernel_geom *g, double z_lo, double z_hi, int *first,
                             int *count) {
    const double last = (double)(g->nz - 1);
    double lo = ceil(quotient(z_lo - g->z0, g->dz) - kEnumMargin);
    double hi = floor(quotient(z_hi - g->z0, g->dz) + kEnumMargin);
    lo = fmin(fmax(lo, 0.0), last + 1.0);
    hi = fmax(fmin(hi, last), -1.0);
    *first = (int)lo;
    *count = hi >= lo ? (int)(hi - lo) + 1 : 0;
}

/* ---- adjoint: sinogram gathers -------------------------------------------- */

/* The two pixels of a footprint no wider than one pixel each side
 * (half <= 1): floor(p) and floor(p) + 1. A tap outside [0, n) gets weight 0
 * and a clamped (valid) index, so loads need no branches. */
typedef struct taps2 {
    int q0, q1;
    float w0, w1;
    int any; /* 0: the footprint misses [0, n) */
} taps2;

TES_CUDA_HD taps2 taps2_of(float p, float inv_half, int n) {
    taps2 t = {0, 0, 0.0f, 0.0f, 0};
    const float f = floorf(p);
    if (!(f >= -1.0f && f <= (float)(n - 1))) /* also refuses NaN */
        return t;
    const int q = (int)f;
    t.any = 1;
    t.w0 = q >= 0 ? tes_hat((p - f) * inv_half) : 0.0f;
    t.w1 = q + 1 < n ? tes_hat((p - (f + 1.0f)) * inv_half) : 0.0f;
    t.q0 = q >= 0 ? q : 0;
    t.q1 = q + 1 < n ? q + 1 : n - 1;
    return t;
}

/* Footprints wider than one pixel each side but at most this wide take
 * three taps: the open interval (p - half, p + half) holds at most three
 * pixels. */
constexpr float kThreeTapHalf = 1.5f;

/* The three pixels floor(p - half) + 1 + (0, 1, 2) of a footprint of
 * half-width in (1, kThreeTapHalf]; out-of-range taps as in taps2. */
typedef struct taps3 {
    int q[3];
    float w[3];
    int any; /* 0: the footprint misses [0, n) */
} taps3;

TES_CUDA_HD taps3 taps3_of(float p, float half, float inv_half, int n) {
    taps3 t = {{0, 0, 0}, {0.0f, 0.0f, 0.0f}, 0};
    const float f = floorf(p - half) + 1.0f;
    if (!(f >= -2.0f && f <= (float)(n - 1))) /* also refuses NaN */
        return t;
    t.any = 1;
    TES_CUDA_UNROLL
    for (int k = 0; k < 3; ++k) {
        const float c = f + (float)k;
        const bool in = c >= 0.0f && c <= (float)(n - 1);
        t.w[k] = in ? tes_hat((p - c) * inv_half) : 0.0f;
        t.q[k] = in ? (int)c : (c < 0.0f ? 0 : n - 1);
    }
    return t;
}

/* Pixels [first, last] of [0, n) that may lie within half of p (a superset of
 * the open interval; the hat weighs the ends 0). Empty when first > last. */
typedef struct tap_span {
    int first, last;
} tap_span;

TES_CUDA_HD tap_span tap_span_of(float p, float half, int n) {
    tap_span s = {0, -1};
    const float lo = ceilf(p - half), hi = floorf(p + half);
    if (!(hi >= 0.0f && lo <= (float)(n - 1))) /* also refuses NaN */
        return s;
    s.first = lo > 0.0f ? (int)lo : 0;
    s.last = hi < (float)(n - 1) ? (int)hi : n - 1;
    return s;
}

/* Sum over the 2 x 2 taps of hat_v hat_u sino_v[r, c]. Taps inside the
 * projection (the common case) are two neighbouring pixels of two
 * neighbouring rows: one address and fixed offsets from it, which saves
 * most of the address arithmetic of four independent taps. */
TES_CUDA_HD float gather2(const float *sino_v, int ncols, const taps2 &tu, const taps2 &tv) {
    float a, b, c, d;
    if (tu.q1 == tu.q0 + 1 && tv.q1 == tv.q0 + 1) {
        const float *p = sino_v + (tv.q0 * ncols + tu.q0);
        a = load(p);
        b = load(p + 1);
        c = load(p + ncols);
        d = load(p + ncols + 1);
    } else {
        const int r0 = tv.q0 * ncols, r1 = tv.q1 * ncols;
        a = load(sino_v + (r0 + tu.q0));
        b = load(sino_v + (r0 + tu.q1));
        c = load(sino_v + (r1 + tu.q0));
        d = load(sino_v + (r1 + tu.q1));
    }
    return fmaf(tv.w0, fmaf(tu.w0, a, tu.w1 * b), tv.w1 * fmaf(tu.w0, c, tu.w1 * d));
}

/* Sum over three columns of two rows of hat_v hat_u sino_v[r, c]. */
TES_CUDA_HD float gather3x2(const float *sino_v, int ncols, const taps3 &tu, const taps2 &tv) {
    const float *r0 = sino_v + tv.q0 * ncols, *r1 = sino_v + tv.q1 * ncols;
    const float a = fmaf(tu.w[0], load(r0 + tu.q[0]),
                         fmaf(tu.w[1], load(r0 + tu.q[1]), tu.w[2] * load(r0 + tu.q[2])));
    const float b = fmaf(tu.w[0], load(r1 + tu.q[0]),
                         fmaf(tu.w[1], load(r1 + tu.q[1]), tu.w[2] * load(r1 + tu.q[2])));
    return fmaf(tv.w0, a, tv.w1 * b);
}

/* The same over any footprint. */
TES_CUDA_HD float gather_span(const float *sino_v, int ncols, float col, float inv_hu, tap_span su,
                              float row, float inv_hv, tap_span sv) {
    float sum = 0.0f;
    for (int r = sv.first; r <= sv.last; ++r) {
        const float *line = sino_v + r * ncols;
        float s = 0.0f;
        for (int c = su.first; c <= su.last; ++c)
            s = fmaf(tes_hat((col - (float)c) * inv_hu), load(line + c), s);
        sum = fmaf(tes_hat((row - (float)r) * inv_hv), s, sum);
    }
    return sum;
}

/* How adjoint_view reaches the sinogram: taps decided per voxel and view
 * (row half-width 1: 2 x 2 taps for column half-width 1, 3 x 2 up to
 * kThreeTapHalf), or every footprint through the general span. */
enum gather_kind { GATHER_PER_VOXEL = 0, GATHER_SPAN = 1 };

/* acc[s] += (A^T restricted to one view) sino_v at the voxels (x, y, z[s]),
 * s < nk, of one voxel column. The in-plane part of the footprint
 * (footprint.h's column footprint) does not depend on z: it is computed once
 * for all the column's slices, and so are the column taps. */
template <int kGather>
TES_CUDA_HD void adjoint_view(const tes_kernel_geom *g, tes_view_params v, const float *sino_v,
                              float x, float y, const float (&z)[kSlicesPerThread], int nk,
                              float (&acc)[kSlicesPerThread]) {
    const int ncols = (int)g->ncols, nrows = (int)g->nrows;
    const tes_column_footprint cf = tes_column_footprint_of(g, v, x, y);
    const bool two_rows = kGather == GATHER_PER_VOXEL && cf.half_v == 1.0f;
    const float inv_hu = 1.0f / cf.half_u, inv_hv = 1.0f / cf.half_v;
    if (two_rows && cf.half_u == 1.0f) {
        const taps2 tu = taps2_of(cf.col, inv_hu, ncols);
        if (!tu.any)
            return;
        TES_CUDA_UNROLL
        for (int s = 0; s < kSlicesPerThread; ++s) {
            if (s >= nk)
                break;
            const tes_footprint f = tes_footprint_at(g, v, &cf, z[s]);
            const taps2 tv = taps2_of(f.row, inv_hv, nrows);
            if (tv.any)
                acc[s] = fmaf(f.weight, gather2(sino_v, ncols, tu, tv), acc[s]);
        }
        return;
    }
    if (two_rows && cf.half_u <= kThreeTapHalf) {
        const taps3 tu = taps3_of(cf.col, cf.half_u, inv_hu, ncols);
        if (!tu.any)
            return;
        TES_CUDA_UNROLL
        for (int s = 0; s < kSlicesPerThread; ++s) {
            if (s >= nk)
                break;
            const tes_footprint f = tes_footprint_at(g, v, &cf, z[s]);
            const taps2 tv = taps2_of(f.row, inv_hv, nrows);
            if (tv.any)
                acc[s] = fmaf(f.weight, gather3x2(sino_v, ncols, tu, tv), acc[s]);
        }
        return;
    }
    const tap_span su = tap_span_of(cf.col, cf.half_u, ncols);
    if (su.first > su.last)
        return;
    TES_CUDA_UNROLL
    for (int s = 0; s < kSlicesPerThread; ++s) {
        if (s >= nk)
            break;
        const tes_footprint f = tes_footprint_at(g, v, &cf, z[s]);
        const tap_span sv = tap_span_of(f.row, f.half_v, nrows);
        if (sv.first <= sv.last)
            acc[s] = fmaf(f.weight,
                          gather_span(sino_v, ncols, f.col, inv_hu, su, f.row, inv_hv, sv), acc[s]);
    }
}

/* ---- kernels -------------------------------------------------------------- */

/* g with its geometry kind a compile-time constant, so that the inlined
 * footprints lose the other geometry's branch. */
template <int kCone> __device__ inline tes_kernel_geom with_kind(tes_kernel_geom g) {
    g.cone = kCone;
    return g;
}

/* Block (kWarp, kBlockRows) covers 32 x 8 voxel columns and kSlicesPerThread
 * slices; grid (x tiles, y tiles, slice groups). Each block loops over all
 * views; views are read through shared memory, one float4 per view, a
 * block's worth per tile (every thread reads the same view: a broadcast). */
template <int kCone, int kGather>
__global__ void __launch_bounds__(kBlockThreads)
    adjoint_kernel(const tes_kernel_geom g_in, const tes_view_params *__restrict__ views,
                   const float *__restrict__ sino, float *__restrict__ vol) {
    __shared__ float4 tile[kBlockThreads];
    const tes_kernel_geom g = with_kind<kCone>(g_in);
    const int tid = (int)(threadIdx.y * kWarp + threadIdx.x);
    const int i = (int)(blockIdx.x * kWarp + threadIdx.x);
    const int64_t view_size = g.nrows * g.ncols, slice_size = g.nx * g.ny;
    for (int64_t jb = blockIdx.y; jb * kBlockRows < g.ny; jb += gridDim.y) {
        const int j = (int)(jb * kBlockRows + threadIdx.y);
        for (int64_t kb = blockIdx.z; kb * kSlicesPerThread < g.nz; kb += gridDim.z) {
            const int64_t k0 = kb * kSlicesPerThread;
            const int nk = (int)min64(kSlicesPerThread, g.nz - k0);
            const bool active = i < g.nx && j < g.ny;
            const float x = tes_voxel_x(&g, i), y = tes_voxel_y(&g, j);
            float z[kSlicesPerThread], acc[kSlicesPerThread];
            TES_CUDA_UNROLL
            for (int s = 0; s < kSlicesPerThread; ++s) {
                z[s] = tes_voxel_z(&g, k0 + s);
                acc[s] = 0.0f;
            }
            for (int64_t t0 = 0; t0 < g.nviews; t0 += kBlockThreads) {
                const int n = (int)min64(kBlockThreads, g.nviews - t0);
                __syncthreads(); /* the previous tile is consumed */
                if (tid < n) {
                    const tes_view_params w = views[t0 + tid];
                    tile[tid] = make_float4(w.cos_a, w.sin_a, w.col0, w.row0);
                }
                __syncthreads();
                if (!active)
                    continue;
                for (int t = 0; t < n; ++t) {
                    const float4 q = tile[t];
                    const tes_view_params v = {q.x, q.y, q.z, q.w};
                    adjoint_view<kGather>(&g, v, sino + (t0 + t) * view_size, x, y, z, nk, acc);
                }
            }
            if (!active)
                continue;
            float *out = vol + k0 * slice_size + (int64_t)j * g.nx + i;
            TES_CUDA_UNROLL
            for (int s = 0; s < kSlicesPerThread; ++s)
                if (s < nk)
                    out[s * slice_size] = acc[s];
        }
    }
}

/* Block (kWarp, kBlockRows): 32 columns of 8 detector rows; grid (column
 * tiles, views, row tiles), views next to the fastest index so that the
 * blocks resident together share a few slices in L2. Model supplies
 *   int Model::kCone: the geometry (tes_kernel_geom.cone);
 *   bool Model::x_major(g, bound, view, first column of the warp): whether
 *       the warp's rays walk x planes (warp-uniform);
 *   Model::ray(g, bound, view, row, col, x_major) with a member
 *       template <bool kXMajor> float sum(vol, p_begin, p_step): the ray's
 *       sum over major planes p_begin, p_begin + p_step, ...;
 *   float Model::finish(g, view, sum): the value stored. */
template <class Model>
__global__ void __launch_bounds__(kBlockThreads)
    forward_kernel(const tes_kernel_geom g_in, const float bound,
                   const tes_view_params *__restrict__ views, const float *__restrict__ vol,
                   float *__restrict__ sino) {
    const tes_kernel_geom g = with_kind<Model::kCone>(g_in);
    const int lane = (int)threadIdx.x;
    const int c_first = (int)(blockIdx.x * kWarp), c = c_first + lane;
    for (int64_t rb = blockIdx.z; rb * kBlockRows < g.nrows; rb += gridDim.z) {
        const int r = (int)(rb * kBlockRows + threadIdx.y);
        if (r >= g.nrows)
            continue; /* the whole warp */
        for (int64_t view = blockIdx.y; view < g.nviews; view += gridDim.y) {
            const tes_view_params v = views[view];
            float sum = 0.0f;
            if (!Model::x_major(&g, bound, v, c_first)) {
                /* y planes: at each plane a warp's loads hit consecutive x. */
                if (c < g.ncols)
                    sum = Model::ray(&g, bound, v, r, c, false).template sum<false>(vol, 0, 1);
            } else {
                /* x planes: lane = ray group * kPlanePhases + phase; the
                 * phases of a ray are then added across its lanes, and lane
                 * 4 round + group takes the ray of that round and group. */
                const int phase = lane % kPlanePhases, group = lane / kPlanePhases;
                for (int round = 0; round < kWarp / kRaysPerRound; ++round) {
                    const int c_round = c_first + round * kRaysPerRound + group;
                    float s = 0.0f;
                    if (c_round < g.ncols)
                        s = Model::ray(&g, bound, v, r, c_round, true)
                                .template sum<true>(vol, phase, kPlanePhases);
                    for (int o = kPlanePhases / 2; o > 0; o /= 2)
                        s += __shfl_xor_sync(kFullMask, s, o);
                    const float t =
                        __shfl_sync(kFullMask, s, (lane % kRaysPerRound) * kPlanePhases);
                    if (lane / kRaysPerRound == round)
                        sum = t;
                }
            }
            if (c < g.ncols)
                sino[(view * g.nrows + r) * g.ncols + c] = Model::finish(&g, v, sum);
        }
    }
}

/* ---- launches ------------------------------------------------------------- */

/* The kernels' index ranges; sizes beyond them get an error, not wrong values. */
inline tes_status check_sizes(const tes_kernel_geom *g) {
    TES_CHECK(g->nx * g->ny <= kMaxPlane, TES_ERR_ARG,
              "CUDA kernels: volume slices of %lld x %lld voxels exceed %lld voxels",
              (long long)g->ny, (long long)g->nx, (long long)kMaxPlane);
    TES_CHECK(g->nrows * g->ncols <= kMaxPlane, TES_ERR_ARG,
              "CUDA kernels: projections of %lld x %lld pixels exceed %lld pixels",
              (long long)g->nrows, (long long)g->ncols, (long long)kMaxPlane);
    return TES_OK;
}

/* vol = A^T sino; waits for the kernel so that errors surface here. */
template <int kCone, int kGather>
tes_status adjoint(const tes_kernel_geom *g, const tes_view_params *views, const float *sino,
                   float *vol) {
    TES_CHECK(views && sino && vol, TES_ERR_ARG, "CUDA adjoint: a NULL array");
    TES_CALL(check_sizes(g));
    if (g->nx <= 0 || g->ny <= 0 || g->nz <= 0)
        return TES_OK;
    if (g->nviews <= 0 || g->nrows <= 0 || g->ncols <= 0) {
        TES_CUDA_CALL(cudaMemset(vol, 0, (size_t)(g->nx * g->ny * g->nz) * sizeof *vol));
        TES_CUDA_CALL(cudaDeviceSynchronize());
        return TES_OK;
    }
    const dim3 block(kWarp, kBlockRows);
    const dim3 grid((unsigned)ceil_div(g->nx, kWarp),
                    (unsigned)min64(ceil_div(g->ny, kBlockRows), kMaxGridYZ),
                    (unsigned)min64(ceil_div(g->nz, kSlicesPerThread), kMaxGridYZ));
    adjoint_kernel<kCone, kGather><<<grid, block>>>(*g, views, sino, vol);
    TES_CUDA_CALL(cudaGetLastError());
    TES_CUDA_CALL(cudaDeviceSynchronize());
    return TES_OK;
}

/* sino = A vol; waits for the kernel so that errors surface here. */
template <class Model>
tes_status forward(const tes_kernel_geom *g, float bound, const tes_view_params *views,
                   const float *vol, float *sino) {
    TES_CHECK(views && vol && sino, TES_ERR_ARG, "CUDA forward: a NULL array");
    TES_CALL(check_sizes(g));
    if (g->nviews <= 0 || g->nrows <= 0 || g->ncols <= 0)
        return TES_OK;
    const dim3 block(kWarp, kBlockRows);
    const dim3 grid((unsigned)ceil_div(g->ncols, kWarp), (unsigned)min64(g->nviews, kMaxGridYZ),
                    (unsigned)min64(ceil_div(g->nrows, kBlockRows), kMaxGridYZ));
    forward_kernel<Model><<<grid, block>>>(*g, bound, views, vol, sino);
    TES_CUDA_CALL(cudaGetLastError());
    TES_CUDA_CALL(cudaDeviceSynchronize());
    return TES_OK;
}

} // namespace tes_cuda

#endif
