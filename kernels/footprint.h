/* The projection model shared by every backend: where a voxel lands on the
 * detector and with what weight. CPU (.c) and CUDA (.cu) code include this
 * one header, so both compute the same float arithmetic.
 *
 * Model. The system matrix entry for detector pixel (row r, column c) and
 * voxel p is
 *     A = W(p) * hat((col(p) - c) / half_u(p)) * hat((row(p) - r) / half_v(p)),
 * hat(t) = max(0, 1 - |t|), where col/row are the voxel centre's detector
 * coordinates (geometry.h) and half_u, half_v the footprint half-widths in
 * pixels: the larger of one pixel and the voxel's projected size, so that
 * neither direction leaves gaps (no aliasing when voxels project larger than
 * pixels). W normalises the sum over a ray to the line integral:
 *     parallel3d  W = dx dy dz / (s_u s_v)
 *     cone3d      W = dx dy dz M^2 sqrt(1 + (u^2 + v^2)/sdd^2) / (s_u s_v)
 * with s_u, s_v the footprint widths in mm on the detector, M the voxel's
 * magnification and (u, v) its detector position in mm. The forward
 * projector A and the backprojector A^T use the same entries, so the pair is
 * matched: <A x, y> = <x, A^T y> to float rounding. */
#ifndef TES_KERNELS_FOOTPRINT_H
#define TES_KERNELS_FOOTPRINT_H

#include <math.h>
#include <stdint.h>

#ifdef __CUDACC__
#define TES_HD __host__ __device__ static inline
#else
#define TES_HD static inline
#endif

/* What a kernel needs about one rank's part of the problem, in float. */
typedef struct tes_kernel_geom {
    int cone;                    /* 0 parallel3d, 1 cone3d */
    int64_t nx, ny, nz;          /* local volume (the slab): nz slices */
    int64_t nviews, nrows, ncols;/* local sinogram: views, rows held, columns */
    int64_t row_first;           /* detector row of local row 0 */
    float dx, dy, dz;            /* voxel size, mm */
    float x0, y0, z0;            /* centre of local voxel (0, 0, 0), mm */
    float pixel_u, pixel_v;      /* detector pixel size, mm */
    float inv_pixel_u, inv_pixel_v;
    float sod, sdd;              /* cone: source-origin, source-detector distance, mm */
    float inv_sdd2;              /* 1 / sdd^2 */
    float voxel_volume;          /* dx dy dz, mm^3 */
    float max_dxy;               /* max(dx, dy), mm */
} tes_kernel_geom;

/* One local view. col0/row0 already include the view's shifts. */
typedef struct tes_view_params {
    float cos_a, sin_a;
    float col0, row0;
} tes_view_params;

/* Where a voxel lands, its footprint half-widths (pixels) and weight. */
typedef struct tes_footprint {
    float col, row;
    float half_u, half_v;
    float weight;
} tes_footprint;

TES_HD float tes_hat(float t) {
    float a = 1.0f - fabsf(t);
    return a > 0.0f ? a : 0.0f;
}

/* Footprint of the voxel centred at (x, y, z) mm on view v. weight is 0 for
 * a voxel at or behind the source (never the case in a validated geometry). */
TES_HD tes_footprint tes_voxel_footprint(const tes_kernel_geom *g, tes_view_params v, float x,
                                         float y, float z) {
    tes_footprint f;
    float t = x * v.cos_a + y * v.sin_a; /* along e_u */
    if (!g->cone) {
        float su = fmaxf(g->pixel_u, g->max_dxy), sv = fmaxf(g->pixel_v, g->dz);
        f.col = v.col0 + t * g->inv_pixel_u;
        f.row = v.row0 + z * g->inv_pixel_v;
        f.half_u = su * g->inv_pixel_u;
        f.half_v = sv * g->inv_pixel_v;
        f.weight = g->voxel_volume / (su * sv);
        return f;
    }
    float d = y * v.cos_a - x * v.sin_a; /* along e_d */
    float depth = g->sod + d;
    float m = depth > 0.0f ? g->sdd / depth : 0.0f;
    float u = m * t, w = m * z;
    float su = fmaxf(g->pixel_u, m * g->max_dxy), sv = fmaxf(g->pixel_v, m * g->dz);
    f.col = v.col0 + u * g->inv_pixel_u;
    f.row = v.row0 + w * g->inv_pixel_v;
    f.half_u = su * g->inv_pixel_u;
    f.half_v = sv * g->inv_pixel_v;
    f.weight = g->voxel_volume * m * m * sqrtf(1.0f + (u * u + w * w) * g->inv_sdd2) / (su * sv);
    return f;
}

/* Voxel centre coordinates (mm) of local indices. */
TES_HD float tes_voxel_x(const tes_kernel_geom *g, int64_t i) {
    return g->x0 + (float)i * g->dx;
}
TES_HD float tes_voxel_y(const tes_kernel_geom *g, int64_t j) {
    return g->y0 + (float)j * g->dy;
}
TES_HD float tes_voxel_z(const tes_kernel_geom *g, int64_t k) {
    return g->z0 + (float)k * g->dz;
}

#endif
