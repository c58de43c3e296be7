/* cone3d on the GPU: the forward projector and its matched adjoint
 * (the kernel skeletons and the gathers are in projector.cuh).
 *
 * The source sits at S = -sod e_d; the ray through detector position u (mm
 * along e_u) runs along D(u) = sdd e_d + u e_u. A voxel p lands at column c'
 * exactly when it lies on the half line S + s D((c' - col0) pixel_u), s > 0,
 * so the voxels whose footprint can cover column c lie in the wedge between
 * the rays of columns c -+ half_u_max, half_u_max bounding every voxel's
 * half-width (tes_footprint_bounds: the largest magnification times the
 * voxel's diagonal times the largest secant of the fan angle). On a plane
 * the wedge is the interval between the crossings of those two rays (the
 * crossing moves monotonically with u). A voxel's row interval depends on
 * its magnification: for depth L = sod + p.e_d the voxel covers row r only
 * if z lies in ((r - row0 -+ half_v) pixel_v L / sdd).
 *
 * Magnified voxels can be wider than a pixel, so the adjoint decides per
 * voxel and view between the 2 x 2 taps, the 3 x 2 taps and the general
 * span. */
#include <math.h>

#include <cuda_runtime.h>

#include "core/check.h"
#include "kernels/cuda/projector.cuh"

namespace tes_cuda {
namespace {

/* One ray (view, row r, column c). */
struct cone_ray {
    const tes_kernel_geom *g;
    tes_view_params v;
    strip st;
    float c, r;
    float rr;       /* r - row0: the row relative to the central ray */
    float kz_scale; /* pixel_v / (sdd dz): slice index per (row offset x depth) */
    float kz_off;   /* z0 / dz */

    /* hat_u times the column's sum of W hat_v voxel over its candidate
     * slices. The in-plane part of the footprint is computed once for the
     * column (footprint.h's column footprint); per slice only the row and
     * the weight's obliquity change (tes_footprint_row, _weight). */
    TES_CUDA_HD float column(const float *vol, int i, int j) const {
        const float x = tes_voxel_x(g, i), y = tes_voxel_y(g, j);
        const tes_column_footprint cf = tes_column_footprint_of(g, v, x, y);
        const float wu = tes_hat((cf.col - c) * (1.0f / cf.half_u));
        if (wu == 0.0f || !(cf.weight > 0.0f))
            return 0.0f;
        /* Candidate slices: |row0 + m z / pixel_v - r| < half_v with m =
         * sdd / depth, depth as footprint.h computes it. */
        const float depth = g->sod + (y * v.cos_a - x * v.sin_a);
        const float k_lo = (rr - cf.half_v) * kz_scale * depth - kz_off;
        const float k_hi = (rr + cf.half_v) * kz_scale * depth - kz_off;
        const float last = (float)(g->nz - 1);
        const int k_first = (int)fminf(fmaxf(ceilf(k_lo - kEnumMargin), 0.0f), last + 1.0f);
        const int k_last = (int)fmaxf(fminf(floorf(k_hi + kEnumMargin), last), -1.0f);
        const float inv_hv = 1.0f / cf.half_v;
        const int64_t nxy = g->nx * g->ny;
        const float *p = vol + k_first * nxy + (j * (int)g->nx + i);
        float s = 0.0f;
        /* No branch on hat_v: the slice range is this voxel's own, so
         * nearly every candidate counts. */
        for (int k = k_first; k <= k_last; ++k, p += nxy) {
            const float z = tes_voxel_z(g, k);
            const float wv = tes_hat((tes_footprint_row(g, v, &cf, z) - r) * inv_hv);
            s = fmaf(wv * tes_footprint_weight(g, &cf, z), load(p), s);
        }
        return wu * s;
    }

    template <bool kXMajor> TES_CUDA_HD float sum(const float *vol, int p_begin, int p_step) const {
        const auto visit = [&](int i, int j) { return column(vol, i, j); };
        return strip_sum<kXMajor>(g, st, p_begin, p_step, visit);
    }
};

/* D(u) = sdd e_d + u e_u, e_u = (cos, sin), e_d = (-sin, cos). */
TES_CUDA_HD void ray_direction(const tes_kernel_geom *g, tes_view_params v, double u, double d[2]) {
    d[0] = -(double)g->sdd * v.sin_a + u * v.cos_a;
    d[1] = (double)g->sdd * v.cos_a + u * v.sin_a;
}

struct cone_model {
    static constexpr int kCone = 1;

    /* The warp's middle ray decides for all its 32 rays, a few pixels apart. */
    TES_CUDA_HD static bool x_major(const tes_kernel_geom *g, float, tes_view_params v,
                                    int c_first) {
        double d[2];
        ray_direction(g, v, ((double)c_first + 0.5 * (kWarp - 1) - v.col0) * g->pixel_u, d);
        return fabs(d[0]) > fabs(d[1]);
    }

    TES_CUDA_HD static cone_ray ray(const tes_kernel_geom *g, float half_u_max, tes_view_params v,
                                    int r, int c, bool x_major) {
        cone_ray ray;
        ray.g = g;
        ray.v = v;
        ray.c = (float)c;
        ray.r = (float)r;
        ray.rr = (float)r - v.row0;
        ray.kz_scale = (float)quotient(g->pixel_v, (double)g->sdd * g->dz);
        ray.kz_off = (float)quotient(g->z0, g->dz);
        const double source[2] = {(double)g->sod * v.sin_a, -(double)g->sod * v.cos_a};
        double d0[2], d1[2];
        ray_direction(g, v, ((double)c - half_u_max - v.col0) * g->pixel_u, d0);
        ray_direction(g, v, ((double)c + half_u_max - v.col0) * g->pixel_u, d1);
        ray.st = make_strip(g, x_major, source, d0, source, d1);
        return ray;
    }

    TES_CUDA_HD static float finish(const tes_kernel_geom *, tes_view_params, float sum) {
        return sum;
    }
};

/* Largest footprint column half-width of any voxel of the slab on any view
 * (footprint.h), slightly enlarged against float rounding. */
tes_status half_u_bound(const tes_kernel_geom *g, float *out) {
    const tes_footprint_bound b = tes_footprint_bounds(g);
    TES_CHECK(b.half_u > 0.0, TES_ERR_ARG,
              "cone3d: voxels reach the source's distance from the rotation axis (%.3f mm)",
              (double)g->sod);
    *out = (float)b.half_u;
    return TES_OK;
}

} // namespace
} // namespace tes_cuda

extern "C" tes_status tes_cuda_cone3d_forward(const tes_kernel_geom *g,
                                              const tes_view_params *views, const float *vol,
                                              float *sino) {
    TES_CHECK(g && g->cone, TES_ERR_INTERNAL, "cone3d kernel called with another geometry");
    float half_u_max = 0.0f;
    TES_CALL(tes_cuda::half_u_bound(g, &half_u_max));
    TES_CALL(tes_cuda::forward<tes_cuda::cone_model>(g, half_u_max, views, vol, sino));
    return TES_OK;
}

extern "C" tes_status tes_cuda_cone3d_adjoint(const tes_kernel_geom *g,
                                              const tes_view_params *views, const float *sino,
                                              float *vol) {
    TES_CHECK(g && g->cone, TES_ERR_INTERNAL, "cone3d kernel called with another geometry");
    TES_CALL((tes_cuda::adjoint<1, tes_cuda::GATHER_PER_VOXEL>(g, views, sino, vol)));
    return TES_OK;
}
