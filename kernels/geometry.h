/* Volume and projection geometries.
 *
 * Conventions (see DESIGN.md): lengths in mm, angles in radians. The volume
 * is an array (z, y, x); voxel (k, j, i) has its centre at
 *   z = cz + (k - (nz-1)/2) dz,  y = cy + (j - (ny-1)/2) dy,  x = cx + (i - (nx-1)/2) dx.
 * The rotation axis is z. For view angle a the detector's column axis is
 * e_u = (cos a, sin a, 0) and rays travel along e_d = (-sin a, cos a, 0);
 * detector rows run along +z. Projection data are (view, row, col).
 *
 * parallel3d: a point p lands on column center_col + (p.e_u)/pixel_u + shift_u[view]
 *             and row center_row + p.z/pixel_v + shift_v[view].
 * cone3d:     the source sits at -sod e_d, the flat detector at +odd e_d;
 *             with depth L = sod + p.e_d and magnification M = (sod+odd)/L,
 *             p lands on column center_col + M (p.e_u)/pixel_u + shift_u[view]
 *             and row center_row + M p.z/pixel_v + shift_v[view].
 *             center_col/center_row is where the central ray (source through
 *             the axis, perpendicular to the detector) meets the detector, so
 *             detector offsets are center shifts. One detector row is a fan beam.
 *
 * Per-view shifts are in detector pixels: the projection of view i appears
 * shift_u[i] columns and shift_v[i] rows further than the nominal geometry
 * puts it (what alignment estimates and corrects). */
#ifndef TES_KERNELS_GEOMETRY_H
#define TES_KERNELS_GEOMETRY_H

#include <stddef.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tes_vol_geom {
    size_t nz, ny, nx;
    double dz, dy, dx; /* voxel size, mm */
    double cz, cy, cx; /* position of the volume's centre, mm */
} tes_vol_geom;

typedef enum tes_geom_kind { TES_GEOM_PARALLEL3D = 0, TES_GEOM_CONE3D = 1 } tes_geom_kind;

typedef struct tes_proj_geom {
    tes_geom_kind kind;
    size_t nviews, nrows, ncols;
    double pixel_u, pixel_v;       /* detector pixel width (along a row) and height, mm */
    double center_col, center_row; /* detector pixel of the axis / central ray, 0-based */
    double sod, odd;               /* cone3d: source-origin, origin-detector distance, mm */
    double *angles;                /* nviews view angles, radians */
    double *shift_u, *shift_v;     /* nviews per-view shifts, detector pixels */
} tes_proj_geom;

/* A cubic volume of n^3 voxels of size voxel mm centred at the origin. */
tes_vol_geom tes_vol_geom_cube(size_t n, double voxel);

/* Check sizes and voxel sizes; the message names the field. */
tes_status tes_vol_geom_validate(const tes_vol_geom *vol);

/* Allocate a projection geometry with defaults: 1 mm pixels, the axis in the
 * detector's middle ((n-1)/2), angles equally spaced over pi (parallel3d) or
 * 2 pi (cone3d) starting at 0, zero shifts; cone distances must be set. */
tes_status tes_proj_geom_create(tes_proj_geom **out, tes_geom_kind kind, size_t nviews,
                                size_t nrows, size_t ncols);
void tes_proj_geom_destroy(tes_proj_geom **g);
tes_status tes_proj_geom_clone(tes_proj_geom **out, const tes_proj_geom *g);

/* Set nviews angles equally spaced over [first, first + range), radians. */
void tes_proj_geom_set_uniform_angles(tes_proj_geom *g, double first, double range);

/* Check the geometry on its own and against a volume: sizes, pixel sizes,
 * finite angles and shifts, cone distances, and (cone) that the whole
 * volume lies in front of the source on every view. */
tes_status tes_proj_geom_validate(const tes_proj_geom *g, const tes_vol_geom *vol);

const char *tes_geom_kind_name(tes_geom_kind kind);
tes_status tes_geom_kind_parse(const char *text, const char *option, tes_geom_kind *out);

typedef struct tes_ray {
    double origin[3]; /* (x, y, z) mm: the source (cone) or a point on the ray (parallel) */
    double dir[3];    /* unit direction (x, y, z) */
} tes_ray;

/* Detector rows [*row_begin, *row_end) that slices [z_begin, z_end) reach on
 * some view, footprints and vertical shifts included (*row_begin ==
 * *row_end when none). A rank holding a slab needs exactly these rows. */
void tes_proj_geom_rows_for_slab(const tes_proj_geom *g, const tes_vol_geom *vol,
                                 size_t z_begin, size_t z_end, size_t *row_begin,
                                 size_t *row_end);

/* The ray through the centre of detector pixel (row, col) of a view, using
 * the same geometry as the projectors (shifts included). row and col may be
 * fractional (sub-pixel rays). */
tes_ray tes_proj_geom_ray(const tes_proj_geom *g, size_t view, double row, double col);

#ifdef __cplusplus
}
#endif

#endif
