#include "kernels/projector.h"

#include <math.h>
#include <stdlib.h>

#include "core/device.h"
#include "kernels/projector_impl.h"

tes_proj_part tes_proj_part_whole(const tes_vol_geom *vol, const tes_proj_geom *proj) {
    tes_proj_part part = {0, vol->nz, 0, proj->nrows, proj->nviews, NULL};
    return part;
}

tes_status tes_proj_part_check(const tes_vol_geom *vol, const tes_proj_geom *proj,
                               const tes_proj_part *part, const char *who) {
    TES_CHECK(part, TES_ERR_ARG, "%s: no part given", who);
    if (vol)
        TES_CHECK(part->z_begin < part->z_end && part->z_end <= vol->nz, TES_ERR_ARG,
                  "%s: slab [%zu, %zu) is empty or outside the volume's %zu slices", who,
                  part->z_begin, part->z_end, vol->nz);
    TES_CHECK(part->row_begin < part->row_end && part->row_end <= proj->nrows, TES_ERR_ARG,
              "%s: detector rows [%zu, %zu) are empty or outside the detector's %zu rows", who,
              part->row_begin, part->row_end, proj->nrows);
    TES_CHECK(part->nviews > 0, TES_ERR_ARG, "%s: at least one view is needed", who);
    if (!part->views) {
        TES_CHECK(part->nviews <= proj->nviews, TES_ERR_ARG,
                  "%s: %zu views requested, the geometry has %zu", who, part->nviews,
                  proj->nviews);
        return TES_OK;
    }
    for (size_t i = 0; i < part->nviews; ++i)
        TES_CHECK(part->views[i] < proj->nviews, TES_ERR_ARG,
                  "%s: local view %zu is global view %zu, the geometry has %zu", who, i,
                  part->views[i], proj->nviews);
    return TES_OK;
}

static tes_kernel_geom kernel_geom(const tes_vol_geom *vol, const tes_proj_geom *proj,
                                   const tes_proj_part *part) {
    tes_kernel_geom g = {0};
    g.cone = proj->kind == TES_GEOM_CONE3D;
    g.nx = (int64_t)vol->nx;
    g.ny = (int64_t)vol->ny;
    g.nz = (int64_t)(part->z_end - part->z_begin);
    g.nviews = (int64_t)part->nviews;
    g.nrows = (int64_t)(part->row_end - part->row_begin);
    g.ncols = (int64_t)proj->ncols;
    g.row_first = (int64_t)part->row_begin;
    g.dx = (float)vol->dx;
    g.dy = (float)vol->dy;
    g.dz = (float)vol->dz;
    g.x0 = (float)(vol->cx - 0.5 * (double)(vol->nx - 1) * vol->dx);
    g.y0 = (float)(vol->cy - 0.5 * (double)(vol->ny - 1) * vol->dy);
    g.z0 = (float)(vol->cz + ((double)part->z_begin - 0.5 * (double)(vol->nz - 1)) * vol->dz);
    g.pixel_u = (float)proj->pixel_u;
    g.pixel_v = (float)proj->pixel_v;
    g.inv_pixel_u = (float)(1.0 / proj->pixel_u);
    g.inv_pixel_v = (float)(1.0 / proj->pixel_v);
    g.sod = (float)proj->sod;
    g.sdd = (float)(proj->sod + proj->odd);
    g.inv_sdd2 = g.cone ? (float)(1.0 / ((proj->sod + proj->odd) * (proj->sod + proj->odd))) : 0;
    g.voxel_volume = (float)(vol->dx * vol->dy * vol->dz);
    return g;
}

/* Local row coordinates: row0 is relative to the first row held. */
static void fill_views(tes_view_params *out, const tes_proj_geom *proj,
                       const tes_proj_part *part) {
    for (size_t i = 0; i < part->nviews; ++i) {
        size_t v = part->views ? part->views[i] : i;
        out[i].cos_a = (float)cos(proj->angles[v]);
        out[i].sin_a = (float)sin(proj->angles[v]);
        out[i].col0 = (float)(proj->center_col + proj->shift_u[v]);
        out[i].row0 = (float)(proj->center_row + proj->shift_v[v] - (double)part->row_begin);
    }
}

tes_status tes_projector_create(tes_projector **out, const tes_vol_geom *vol,
                                const tes_proj_geom *proj, const tes_proj_part *part,
                                tes_backend backend) {
    TES_CHECK(out, TES_ERR_ARG, "output pointer is NULL");
    TES_CALL(tes_proj_geom_validate(proj, vol));
    tes_proj_part whole = tes_proj_part_whole(vol, proj);
    if (!part)
        part = &whole;
    TES_CALL(tes_proj_part_check(vol, proj, part, "projector"));
    TES_CHECK(tes_backend_usable(backend), TES_ERR_BACKEND,
              "backend %s is not usable here (built without it, or no device)",
              tes_backend_name(backend));

    tes_projector *p = calloc(1, sizeof *p);
    TES_CHECK(p, TES_ERR_ALLOC, "cannot allocate a projector");
    p->backend = backend;
    p->kind = proj->kind;
    p->kg = kernel_geom(vol, proj, part);
    p->vol_shape[0] = part->z_end - part->z_begin;
    p->vol_shape[1] = vol->ny;
    p->vol_shape[2] = vol->nx;
    p->sino_shape[0] = part->nviews;
    p->sino_shape[1] = part->row_end - part->row_begin;
    p->sino_shape[2] = proj->ncols;
    p->views = malloc(part->nviews * sizeof *p->views);
    tes_status st = TES_OK;
    TES_CHECK_GOTO(st, p->views, TES_ERR_ALLOC, fail, "cannot allocate %zu view parameters",
                   part->nviews);
    fill_views(p->views, proj, part);
    if (backend == TES_BACKEND_CUDA) {
        size_t bytes = part->nviews * sizeof *p->views;
        TES_CALL_GOTO(st, tes_device_alloc((void **)&p->views_device, bytes), fail);
        TES_CALL_GOTO(st, tes_device_memcpy(p->views_device, 1, p->views, 0, bytes), fail);
    }
    *out = p;
    return TES_OK;
fail:
    tes_projector_destroy(&p);
    return st;
}

void tes_projector_destroy(tes_projector **p) {
    if (!p || !*p)
        return;
    free((*p)->views);
    tes_device_free((*p)->views_device);
    free(*p);
    *p = NULL;
}

void tes_projector_vol_shape(const tes_projector *p, size_t shape[3]) {
    for (int i = 0; i < 3; ++i)
        shape[i] = p->vol_shape[i];
}

void tes_projector_sino_shape(const tes_projector *p, size_t shape[3]) {
    for (int i = 0; i < 3; ++i)
        shape[i] = p->sino_shape[i];
}

tes_backend tes_projector_backend(const tes_projector *p) {
    return p->backend;
}

static tes_status check_arrays(const tes_projector *p, const tes_array *vol,
                               const tes_array *sino) {
    tes_location loc = tes_backend_location(p->backend);
    TES_CALL(tes_array_expect(vol, "volume", TES_FLOAT32, loc, 3, p->vol_shape));
    TES_CALL(tes_array_expect(sino, "sinogram", TES_FLOAT32, loc, 3, p->sino_shape));
    return TES_OK;
}

tes_status tes_projector_forward(const tes_projector *p, const tes_array *vol, tes_array *sino) {
    TES_CHECK(p, TES_ERR_ARG, "no projector given");
    TES_CALL(check_arrays(p, vol, sino));
    const float *x = vol->data;
    float *y = sino->data;
    if (p->backend == TES_BACKEND_CPU) {
        if (p->kind == TES_GEOM_PARALLEL3D)
            TES_CALL(tes_cpu_parallel3d_forward(&p->kg, p->views, x, y));
        else
            TES_CALL(tes_cpu_cone3d_forward(&p->kg, p->views, x, y));
        return TES_OK;
    }
#ifdef TES_HAVE_CUDA
    if (p->kind == TES_GEOM_PARALLEL3D)
        TES_CALL(tes_cuda_parallel3d_forward(&p->kg, p->views_device, x, y));
    else
        TES_CALL(tes_cuda_cone3d_forward(&p->kg, p->views_device, x, y));
    return TES_OK;
#else
    TES_FAIL(TES_ERR_BACKEND, "this tessera was built without CUDA");
#endif
}

tes_status tes_projector_adjoint(const tes_projector *p, const tes_array *sino, tes_array *vol) {
    TES_CHECK(p, TES_ERR_ARG, "no projector given");
    TES_CALL(check_arrays(p, vol, sino));
    const float *y = sino->data;
    float *x = vol->data;
    if (p->backend == TES_BACKEND_CPU) {
        if (p->kind == TES_GEOM_PARALLEL3D)
            TES_CALL(tes_cpu_parallel3d_adjoint(&p->kg, p->views, y, x));
        else
            TES_CALL(tes_cpu_cone3d_adjoint(&p->kg, p->views, y, x));
        return TES_OK;
    }
#ifdef TES_HAVE_CUDA
    if (p->kind == TES_GEOM_PARALLEL3D)
        TES_CALL(tes_cuda_parallel3d_adjoint(&p->kg, p->views_device, y, x));
    else
        TES_CALL(tes_cuda_cone3d_adjoint(&p->kg, p->views_device, y, x));
    return TES_OK;
#else
    TES_FAIL(TES_ERR_BACKEND, "this tessera was built without CUDA");
#endif
}
