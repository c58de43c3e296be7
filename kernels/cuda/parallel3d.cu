/* parallel3d on the GPU: the forward projector and its matched adjoint
 * (the kernel skeletons and the gathers are in projector.cuh).
 *
 * For parallel beams the footprint's half-widths and weight W are the same
 * for every voxel of a view (half_u changes with the view's angle), a
 * voxel's column depends on (x, y) only and its row on z only. So a ray's
 * slices and their row weights are fixed for the whole ray (kept in
 * registers), and the candidate strip has parallel edges: the lines of
 * detector columns c -+ half_u of the ray's view. */
#include <cuda_runtime.h>

#include "core/check.h"
#include "kernels/cuda/projector.cuh"

namespace tes_cuda {
namespace {

/* One ray (view, row r, column c). */
struct parallel_ray {
    const tes_kernel_geom *g;
    tes_view_params v;
    strip st;
    float c, inv_hu;
    float r, inv_hv; /* for rays through more than kRaySlices slices */
    int k_first, nk;
    float wv[kRaySlices]; /* hat_v of slices k_first + q */

    /* hat_u times the ray's slice sum at voxel column (i, j); slice[q]
     * points at slice k_first + q (q < kRaySlices), so that each load's
     * address is one 32-bit offset from a base kept in registers. */
    TES_CUDA_HD float column(const float *const (&slice)[kRaySlices], int i, int j) const {
        const float col = tes_column_footprint_of(g, v, tes_voxel_x(g, i), tes_voxel_y(g, j)).col;
        const float wu = tes_hat((col - c) * inv_hu);
        if (wu == 0.0f)
            return 0.0f;
        const int off = j * (int)g->nx + i;
        float s = 0.0f;
        if (nk <= kRaySlices) {
            TES_CUDA_UNROLL
            for (int q = 0; q < kRaySlices; ++q)
                if (q < nk)
                    s = fmaf(wv[q], load(slice[q] + off), s);
            return wu * s;
        }
        const float *p = slice[0] + off;
        for (int q = 0; q < nk; ++q, p += g->nx * g->ny) {
            const float row =
                tes_voxel_footprint(g, v, 0.0f, 0.0f, tes_voxel_z(g, k_first + q)).row;
            s = fmaf(tes_hat((row - r) * inv_hv), load(p), s);
        }
        return wu * s;
    }

    template <bool kXMajor> TES_CUDA_HD float sum(const float *vol, int p_begin, int p_step) const {
        if (nk <= 0)
            return 0.0f;
        const int64_t nxy = g->nx * g->ny;
        const float *slice[kRaySlices];
        TES_CUDA_UNROLL
        for (int q = 0; q < kRaySlices; ++q)
            slice[q] = vol + (k_first + (q < nk ? q : 0)) * nxy;
        const auto visit = [&](int i, int j) { return column(slice, i, j); };
        return strip_sum<kXMajor>(g, st, p_begin, p_step, visit);
    }
};

struct parallel_model {
    static constexpr int kCone = 0;

    /* Rays run along e_d = (-sin a, cos a). */
    TES_CUDA_HD static bool x_major(const tes_kernel_geom *, float, tes_view_params v, int) {
        return fabsf(v.sin_a) > fabsf(v.cos_a);
    }

    TES_CUDA_HD static parallel_ray ray(const tes_kernel_geom *g, float, tes_view_params v, int r,
                                        int c, bool x_major) {
        parallel_ray ray;
        const tes_footprint f = tes_voxel_footprint(g, v, 0.0f, 0.0f, 0.0f);
        ray.g = g;
        ray.v = v;
        ray.c = (float)c;
        ray.r = (float)r;
        ray.inv_hu = 1.0f / f.half_u;
        ray.inv_hv = 1.0f / f.half_v;
        /* Edges: the lines t e_u + s e_d with t = (c -+ half_u - col0) pixel_u. */
        const double cs = v.cos_a, sn = v.sin_a, dir[2] = {-sn, cs};
        const double t0 = ((double)c - f.half_u - v.col0) * g->pixel_u;
        const double t1 = ((double)c + f.half_u - v.col0) * g->pixel_u;
        const double p0[2] = {t0 * cs, t0 * sn}, p1[2] = {t1 * cs, t1 * sn};
        ray.st = make_strip(g, x_major, p0, dir, p1, dir);
        /* Slices: |row0 + z / pixel_v - r| < half_v. */
        const double z_lo = ((double)r - f.half_v - v.row0) * g->pixel_v;
        const double z_hi = ((double)r + f.half_v - v.row0) * g->pixel_v;
        slice_range(g, z_lo, z_hi, &ray.k_first, &ray.nk);
        TES_CUDA_UNROLL
        for (int q = 0; q < kRaySlices; ++q) {
            const float row =
                tes_voxel_footprint(g, v, 0.0f, 0.0f, tes_voxel_z(g, ray.k_first + q)).row;
            ray.wv[q] = q < ray.nk ? tes_hat((row - ray.r) * ray.inv_hv) : 0.0f;
        }
        return ray;
    }

    /* W is common to every entry: applied once per ray. */
    TES_CUDA_HD static float finish(const tes_kernel_geom *g, tes_view_params v, float sum) {
        return tes_voxel_footprint(g, v, 0.0f, 0.0f, 0.0f).weight * sum;
    }
};

/* Rows taller than one pixel (half_v > 1, the same on every view) take the
 * general span everywhere; else each view's column half-width decides. */
bool rows_two_taps(const tes_kernel_geom *g) {
    const tes_view_params any = {1.0f, 0.0f, 0.0f, 0.0f};
    return tes_column_footprint_of(g, any, 0.0f, 0.0f).half_v == 1.0f;
}

} // namespace
} // namespace tes_cuda

extern "C" tes_status tes_cuda_parallel3d_forward(const tes_kernel_geom *g,
                                                  const tes_view_params *views, const float *vol,
                                                  float *sino) {
    TES_CHECK(g && !g->cone, TES_ERR_INTERNAL, "parallel3d kernel called with another geometry");
    TES_CALL(tes_cuda::forward<tes_cuda::parallel_model>(g, 0.0f, views, vol, sino));
    return TES_OK;
}

extern "C" tes_status tes_cuda_parallel3d_adjoint(const tes_kernel_geom *g,
                                                  const tes_view_params *views, const float *sino,
                                                  float *vol) {
    TES_CHECK(g && !g->cone, TES_ERR_INTERNAL, "parallel3d kernel called with another geometry");
    if (tes_cuda::rows_two_taps(g))
        TES_CALL((tes_cuda::adjoint<0, tes_cuda::GATHER_PER_VOXEL>(g, views, sino, vol)));
    else
        TES_CALL((tes_cuda::adjoint<0, tes_cuda::GATHER_SPAN>(g, views, sino, vol)));
    return TES_OK;
}
