/* The 3D Shepp-Logan phantom: ten ellipsoids with the high-contrast values
 * of Toft's modified phantom, the test object of tomography since 1974.
 *
 * The ellipsoids live in the normalized cube [-1, 1]^3, which is mapped onto
 * the volume's extent: a normalized point (X, Y, Z) sits at
 *   x = cx + X nx dx / 2,  y = cy + Y ny dy / 2,  z = cz + Z nz dz / 2  (mm),
 * so the phantom fills every volume and an anisotropic volume stretches it.
 * Values add where ellipsoids overlap; the brain region is 1 - 0.8 = 0.2.
 *
 * Because the phantom is a sum of ellipsoids, its line integrals are known in
 * closed form: that is what forward projections are checked against, and how
 * tessera simulates acquisitions. */
#ifndef TES_PHANTOM_SHEPP_LOGAN_H
#define TES_PHANTOM_SHEPP_LOGAN_H

#include <stddef.h>

#include "core/array.h"
#include "core/status.h"
#include "kernels/geometry.h"
#include "kernels/projector.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest supersampling factor of tes_phantom_voxelize (sub-points per axis). */
#define TES_PHANTOM_MAX_SUPERSAMPLE 8
/* Largest sub-pixel factor of tes_phantom_project (rays per pixel axis). */
#define TES_PHANTOM_MAX_SUBPIXELS 8

/* Voxelize slices [z_begin, z_end) of the phantom into out, a host float32
 * array (z_end - z_begin, ny, nx). Each voxel is the mean over
 * supersample^3 points spread evenly over it (1: the voxel centre), in
 * [1, TES_PHANTOM_MAX_SUPERSAMPLE]. A slab equals those slices of the whole
 * volume exactly, so ranks voxelize their own slabs. */
tes_status tes_phantom_voxelize(const tes_vol_geom *vol, size_t z_begin, size_t z_end,
                                int supersample, tes_array *out);

/* The exact line integral of the phantom along the infinite line of ray
 * (mm times value): the sum over ellipsoids of value times chord length.
 * vol must be valid (tes_vol_geom_validate); ray->dir need not be unit
 * length, only nonzero. */
double tes_phantom_line_integral(const tes_vol_geom *vol, const tes_ray *ray);

/* The closed-form projections of the phantom for part (NULL: the whole
 * problem) into sino, a host float32 array (nviews, row_end - row_begin,
 * ncols) of part's views and detector rows. Each pixel is the mean of
 * subpixels x subpixels line integrals through points spread evenly over the
 * pixel (1: its centre), in [1, TES_PHANTOM_MAX_SUBPIXELS]. Rays come from
 * tes_proj_geom_ray, shifts included. part's slab is ignored: this is the
 * projection of the whole phantom, which the forward projections of all
 * slabs sum to. */
tes_status tes_phantom_project(const tes_vol_geom *vol, const tes_proj_geom *proj,
                               const tes_proj_part *part, int subpixels, tes_array *sino);

#ifdef __cplusplus
}
#endif

#endif
