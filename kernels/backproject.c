/* The FBP backprojector's front: checks, the part's parameters in float,
 * and the backend's kernel. */
#include "kernels/backproject.h"

#include <math.h>
#include <stdlib.h>

#include "core/device.h"
#include "kernels/backproject_impl.h"

static tes_bp_geom bp_geom(const tes_vol_geom *vol, const tes_proj_geom *proj,
                           const tes_proj_part *part) {
    tes_bp_geom g = {0};
    g.cone = proj->kind == TES_GEOM_CONE3D;
    g.nx = (int64_t)vol->nx;
    g.ny = (int64_t)vol->ny;
    g.nz = (int64_t)(part->z_end - part->z_begin);
    g.nviews = (int64_t)part->nviews;
    g.nrows = (int64_t)(part->row_end - part->row_begin);
    g.ncols = (int64_t)proj->ncols;
    g.x0 = (float)(vol->cx - 0.5 * (double)(vol->nx - 1) * vol->dx);
    g.y0 = (float)(vol->cy - 0.5 * (double)(vol->ny - 1) * vol->dy);
    g.z0 = (float)(vol->cz + ((double)part->z_begin - 0.5 * (double)(vol->nz - 1)) * vol->dz);
    g.dx = (float)vol->dx;
    g.dy = (float)vol->dy;
    g.dz = (float)vol->dz;
    g.inv_pixel_u = (float)(1.0 / proj->pixel_u);
    g.inv_pixel_v = (float)(1.0 / proj->pixel_v);
    g.sod = (float)proj->sod;
    g.sdd = (float)(proj->sod + proj->odd);
    return g;
}

/* The same view parameters as the projectors (kernels/projector.c). */
static void fill_views(tes_view_params *out, const tes_proj_geom *proj, const tes_proj_part *part) {
    for (size_t i = 0; i < part->nviews; ++i) {
        size_t v = part->views ? part->views[i] : i;
        out[i].cos_a = (float)cos(proj->angles[v]);
        out[i].sin_a = (float)sin(proj->angles[v]);
        out[i].col0 = (float)(proj->center_col + proj->shift_u[v]);
        out[i].row0 = (float)(proj->center_row + proj->shift_v[v] - (double)part->row_begin);
    }
}

#ifdef TES_HAVE_CUDA
static tes_status run_cuda(const tes_bp_geom *g, const tes_view_params *views, const float *sino,
                           float *vol) {
    size_t bytes = (size_t)g->nviews * sizeof *views;
    tes_view_params *device_views = NULL;
    TES_CALL(tes_device_alloc((void **)&device_views, bytes));
    tes_status st = tes_device_memcpy(device_views, 1, views, 0, bytes);
    if (st == TES_OK)
        st = tes_cuda_backproject_fbp(g, device_views, sino, vol);
    tes_device_free(device_views);
    TES_CALL(st);
    return TES_OK;
}
#endif

tes_status tes_backproject_fbp(const tes_vol_geom *vol, const tes_proj_geom *proj,
                               const tes_proj_part *part, tes_backend backend,
                               const tes_array *sino, tes_array *out) {
    TES_CALL(tes_proj_geom_validate(proj, vol));
    tes_proj_part whole = tes_proj_part_whole(vol, proj);
    if (!part)
        part = &whole;
    TES_CALL(tes_proj_part_check(vol, proj, part, "FBP backprojection"));
    TES_CHECK(tes_backend_usable(backend), TES_ERR_BACKEND,
              "backend %s is not usable here (built without it, or no device)",
              tes_backend_name(backend));
    tes_location loc = tes_backend_location(backend);
    size_t sshape[3] = {part->nviews, part->row_end - part->row_begin, proj->ncols};
    size_t vshape[3] = {part->z_end - part->z_begin, vol->ny, vol->nx};
    TES_CALL(tes_array_expect(sino, "filtered sinogram", TES_FLOAT32, loc, 3, sshape));
    TES_CALL(tes_array_expect(out, "backprojected slab", TES_FLOAT32, loc, 3, vshape));

    tes_bp_geom g = bp_geom(vol, proj, part);
    tes_view_params *views = malloc(part->nviews * sizeof *views);
    TES_CHECK(views, TES_ERR_ALLOC, "cannot allocate %zu view parameters", part->nviews);
    fill_views(views, proj, part);
    tes_status st = TES_OK;
    if (backend == TES_BACKEND_CPU) {
        st = tes_cpu_backproject_fbp(&g, views, sino->data, out->data);
    } else {
#ifdef TES_HAVE_CUDA
        st = run_cuda(&g, views, sino->data, out->data);
#else
        st = tes_error_set(TES_ERR_BACKEND, __FILE__, __LINE__, __func__,
                           "this tessera was built without CUDA");
#endif
    }
    free(views);
    TES_CALL(st);
    return TES_OK;
}
