/* Private to kernels/: what the FBP backprojector's backends need about one
 * part, in float, and the voxel-to-detector map both backends follow (the
 * kernels evaluate it in pieces, hoisting what does not change along their
 * loops, but compute the same quantities). */
#ifndef TES_KERNELS_BACKPROJECT_IMPL_H
#define TES_KERNELS_BACKPROJECT_IMPL_H

#include <stdint.h>

#include "core/status.h"
#include "kernels/footprint.h"

typedef struct tes_bp_geom {
    int cone;                     /* 0 parallel3d, 1 cone3d */
    int64_t nx, ny, nz;           /* the slab */
    int64_t nviews, nrows, ncols; /* local views, rows held, columns */
    float x0, y0, z0;             /* centre of local voxel (0, 0, 0), mm */
    float dx, dy, dz;             /* voxel size, mm */
    float inv_pixel_u, inv_pixel_v;
    float sod, sdd; /* cone: source-origin, source-detector distance, mm */
} tes_bp_geom;

/* A voxel centre seen from one view: detector column and row (row relative
 * to the first row held) and the weight W of kernels/backproject.h. */
typedef struct tes_bp_point {
    float col, row, weight;
} tes_bp_point;

/* v: cos and sin of the angle, col0/row0 the detector position of the axis
 * (parallel3d) or of the central ray (cone3d), shifts included, row0
 * relative to the first row held (as kernels/projector.c fills them). */
TES_HD tes_bp_point tes_bp_project(const tes_bp_geom *g, tes_view_params v, float x, float y,
                                   float z) {
    tes_bp_point p;
    const float t = x * v.cos_a + y * v.sin_a; /* along e_u, mm */
    if (!g->cone) {
        p.col = v.col0 + t * g->inv_pixel_u;
        p.row = v.row0 + z * g->inv_pixel_v;
        p.weight = 1.0f;
        return p;
    }
    const float d = y * v.cos_a - x * v.sin_a; /* along e_d, mm */
    const float inv_depth = 1.0f / (g->sod + d);
    const float m = g->sdd * inv_depth; /* magnification */
    const float s = g->sod * inv_depth;
    p.col = v.col0 + m * t * g->inv_pixel_u;
    p.row = v.row0 + m * z * g->inv_pixel_v;
    p.weight = s * s;
    return p;
}

#ifdef __cplusplus
extern "C" {
#endif

/* Host kernel: views, sino and vol are host memory of the part's shapes. */
tes_status tes_cpu_backproject_fbp(const tes_bp_geom *g, const tes_view_params *views,
                                   const float *sino, float *vol);

/* Device kernel: views, sino and vol are device pointers; returns after the
 * kernel finished. */
tes_status tes_cuda_backproject_fbp(const tes_bp_geom *g, const tes_view_params *views,
                                    const float *sino, float *vol);

#ifdef __cplusplus
}
#endif

#endif
