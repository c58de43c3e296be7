/* The backprojector of the analytic reconstructions (FBP, FDK).
 *
 * Voxel-driven: each voxel centre p is projected onto every view with the
 * conventions of kernels/geometry.h (centre of rotation, per-view shifts,
 * cone magnification) and the (filtered) detector is read there by bilinear
 * interpolation:
 *
 *     out(p) = sum over views v of W_v(p) sino_v(col_v(p), row_v(p)),
 *     W = 1 (parallel3d),  W = (sod / (sod + p.e_d))^2 (cone3d: FDK's
 *     distance weight, with e_d the view's ray direction).
 *
 * This is not the matched adjoint A^T of kernels/projector.h (which spreads
 * voxel footprints); it is the unmatched, faster operator that filtered
 * backprojection calls for. Pixels outside the detector, or outside the rows
 * a part holds, read as 0; between the last pixel centre and the detector's
 * edge the value falls linearly to 0.
 *
 * Like the projectors it acts on one rank's part (kernels/projector.h): a
 * slab of slices, a list of views and the detector rows held. */
#ifndef TES_KERNELS_BACKPROJECT_H
#define TES_KERNELS_BACKPROJECT_H

#include "core/array.h"
#include "core/backend.h"
#include "core/status.h"
#include "kernels/geometry.h"
#include "kernels/projector.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out = the backprojection of sino over part (NULL: the whole problem).
 * sino: float32 (part views, row_end - row_begin, ncols); out: float32
 * (z_end - z_begin, ny, nx), overwritten; both in the backend's memory.
 * The geometries are validated. Synchronous on both backends. */
tes_status tes_backproject_fbp(const tes_vol_geom *vol, const tes_proj_geom *proj,
                               const tes_proj_part *part, tes_backend backend,
                               const tes_array *sino, tes_array *out);

#ifdef __cplusplus
}
#endif

#endif
