/* Forward projector A and its matched adjoint A^T, one interface for every
 * geometry and backend.
 *
 * A projector acts on one rank's part of the problem: a slab of the volume
 * (slices [z_begin, z_end)), a set of views, and the detector rows it holds
 * ([row_begin, row_end)). Forward projections of the slabs sum to the
 * forward projection of the whole volume, and the adjoint restricted to a
 * slab equals that slab of the whole adjoint. Rays are computed on the fly. */
#ifndef TES_KERNELS_PROJECTOR_H
#define TES_KERNELS_PROJECTOR_H

#include <stddef.h>

#include "core/array.h"
#include "core/backend.h"
#include "core/status.h"
#include "kernels/geometry.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tes_proj_part {
    size_t z_begin, z_end;     /* volume slices of the slab */
    size_t row_begin, row_end; /* detector rows held */
    size_t nviews;             /* number of local views */
    const size_t *views;       /* their global indices; NULL: views 0 .. nviews-1 */
} tes_proj_part;

typedef struct tes_projector tes_projector;

/* The whole problem: every slice, row and view. */
tes_proj_part tes_proj_part_whole(const tes_vol_geom *vol, const tes_proj_geom *proj);

/* Check part against the geometries: a slab inside vol's slices (vol NULL:
 * no slab to check), detector rows inside proj's, at least one view, each
 * inside proj's. Errors (TES_ERR_ARG) start with who. */
tes_status tes_proj_part_check(const tes_vol_geom *vol, const tes_proj_geom *proj,
                               const tes_proj_part *part, const char *who);

/* Create a projector for part (NULL: the whole problem) on a backend. The
 * geometries are validated and copied; part's view list is copied. */
tes_status tes_projector_create(tes_projector **out, const tes_vol_geom *vol,
                                const tes_proj_geom *proj, const tes_proj_part *part,
                                tes_backend backend);
void tes_projector_destroy(tes_projector **p);

/* sino = A vol. vol: float32 (z_end - z_begin, ny, nx); sino: float32
 * (nviews, row_end - row_begin, ncols); both in the backend's memory. */
tes_status tes_projector_forward(const tes_projector *p, const tes_array *vol, tes_array *sino);

/* vol = A^T sino, same shapes. */
tes_status tes_projector_adjoint(const tes_projector *p, const tes_array *sino, tes_array *vol);

/* Shapes of the local volume and sinogram. */
void tes_projector_vol_shape(const tes_projector *p, size_t shape[3]);
void tes_projector_sino_shape(const tes_projector *p, size_t shape[3]);
tes_backend tes_projector_backend(const tes_projector *p);

#ifdef __cplusplus
}
#endif

#endif
