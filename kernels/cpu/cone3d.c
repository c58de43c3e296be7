/* cone3d on the CPU: the forward projector and its matched adjoint.
 *
 * Every voxel-view pair goes through tes_voxel_footprint (kernels/footprint.h),
 * the model the CUDA kernels use too. A voxel's footprint covers the pixels
 * (r, c) with |row - r| < half_v and |col - c| < half_u; the entry there is
 * (W hat_v(r)) hat_u(c), computed by the same helpers in both directions so
 * that forward and adjoint are exact transposes. */
#include <stdint.h>
#include <string.h>

#include "kernels/cpu/taps.h"
#include "kernels/projector_impl.h"

/* A voxel's column taps are weighed this many at a time, once for all the
 * rows its footprint covers. */
enum { COL_CHUNK = 32 };

/* The pixels a voxel's footprint covers and its inverse half-widths. */
typedef struct voxel_taps {
    tes_cpu_span rows, cols;
    float inv_half_u, inv_half_v;
} voxel_taps;

static inline voxel_taps voxel_taps_of(const tes_kernel_geom *g, tes_footprint f) {
    voxel_taps t = {tes_cpu_span_of(f.row, f.half_v, g->nrows),
                    tes_cpu_span_of(f.col, f.half_u, g->ncols), 1.0f / f.half_u, 1.0f / f.half_v};
    return t;
}

/* hat_u of columns [c0, c1), c1 - c0 <= COL_CHUNK. */
static inline void col_weights(tes_footprint f, float inv_half_u, int64_t c0, int64_t c1,
                               float *w) {
    for (int64_t c = c0; c < c1; ++c)
        w[c - c0] = tes_cpu_col_weight(f, inv_half_u, c);
}

/* sino_v += value times the voxel's column of A. */
static void scatter_voxel(const tes_kernel_geom *g, tes_footprint f, float value, float *sino_v) {
    voxel_taps t = voxel_taps_of(g, f);
    float wc[COL_CHUNK];
    for (int64_t c0 = t.cols.first; c0 < t.cols.end; c0 += COL_CHUNK) {
        int64_t c1 = c0 + COL_CHUNK < t.cols.end ? c0 + COL_CHUNK : t.cols.end;
        col_weights(f, t.inv_half_u, c0, c1, wc);
        for (int64_t r = t.rows.first; r < t.rows.end; ++r) {
            float wr = tes_cpu_row_weight(f, t.inv_half_v, r);
            float *out = sino_v + r * g->ncols;
            for (int64_t c = c0; c < c1; ++c)
                out[c] += value * (wr * wc[c - c0]);
        }
    }
}

/* The voxel's row of A applied to sino_v. */
static float gather_voxel(const tes_kernel_geom *g, tes_footprint f, const float *sino_v) {
    voxel_taps t = voxel_taps_of(g, f);
    float wc[COL_CHUNK], sum = 0.0f;
    for (int64_t c0 = t.cols.first; c0 < t.cols.end; c0 += COL_CHUNK) {
        int64_t c1 = c0 + COL_CHUNK < t.cols.end ? c0 + COL_CHUNK : t.cols.end;
        col_weights(f, t.inv_half_u, c0, c1, wc);
        for (int64_t r = t.rows.first; r < t.rows.end; ++r) {
            float wr = tes_cpu_row_weight(f, t.inv_half_v, r);
            const float *in = sino_v + r * g->ncols;
            for (int64_t c = c0; c < c1; ++c)
                sum += (wr * wc[c - c0]) * in[c];
        }
    }
    return sum;
}

/* sino_v += A_(view, slice k) slice. Zero voxels add nothing and are skipped;
 * so are voxels with weight 0 (at or behind the source). */
static void forward_view_slice(const tes_kernel_geom *g, tes_view_params v, int64_t k,
                               const float *slice, float *sino_v) {
    const float z = tes_voxel_z(g, k);
    for (int64_t j = 0; j < g->ny; ++j) {
        const float y = tes_voxel_y(g, j);
        const float *value = slice + j * g->nx;
        for (int64_t i = 0; i < g->nx; ++i) {
            if (value[i] == 0.0f)
                continue;
            tes_footprint f = tes_voxel_footprint(g, v, tes_voxel_x(g, i), y, z);
            if (f.weight > 0.0f)
                scatter_voxel(g, f, value[i], sino_v);
        }
    }
}

/* Slices outer, views inner: a slice stays in cache while every view reads
 * it. Each thread owns whole views (the same static schedule in every loop),
 * so no two threads write the same sinogram values. */
tes_status tes_cpu_cone3d_forward(const tes_kernel_geom *g, const tes_view_params *views,
                                  const float *vol, float *sino) {
    const int64_t slice_size = g->nx * g->ny, view_size = g->nrows * g->ncols;
#pragma omp parallel
    {
#pragma omp for schedule(static) nowait
        for (int64_t v = 0; v < g->nviews; ++v)
            memset(sino + v * view_size, 0, (size_t)view_size * sizeof *sino);
        for (int64_t k = 0; k < g->nz; ++k) {
#pragma omp for schedule(static) nowait
            for (int64_t v = 0; v < g->nviews; ++v)
                forward_view_slice(g, views[v], k, vol + k * slice_size, sino + v * view_size);
        }
    }
    return TES_OK;
}

/* One x row of voxels (slice k, row j): out = A^T sino restricted to it.
 * Views outer: for one view the row's footprints sweep a narrow band of the
 * detector, which stays in cache. */
static void adjoint_row(const tes_kernel_geom *g, const tes_view_params *views, const float *sino,
                        int64_t k, int64_t j, float *out) {
    const float z = tes_voxel_z(g, k), y = tes_voxel_y(g, j);
    const int64_t view_size = g->nrows * g->ncols;
    memset(out, 0, (size_t)g->nx * sizeof *out);
    for (int64_t v = 0; v < g->nviews; ++v) {
        const float *sino_v = sino + v * view_size;
        for (int64_t i = 0; i < g->nx; ++i) {
            tes_footprint f = tes_voxel_footprint(g, views[v], tes_voxel_x(g, i), y, z);
            if (f.weight > 0.0f)
                out[i] += gather_voxel(g, f, sino_v);
        }
    }
}

/* Each work item owns one voxel row and gathers over all views into it: no
 * two threads write the same voxel, no atomics. */
tes_status tes_cpu_cone3d_adjoint(const tes_kernel_geom *g, const tes_view_params *views,
                                  const float *sino, float *vol) {
#pragma omp parallel for collapse(2) schedule(dynamic, 1)
    for (int64_t k = 0; k < g->nz; ++k)
        for (int64_t j = 0; j < g->ny; ++j)
            adjoint_row(g, views, sino, k, j, vol + (k * g->ny + j) * g->nx);
    return TES_OK;
}
