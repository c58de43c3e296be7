/* The attributes tessera writes beside a volume or a projection dataset:
 * the whole geometry as JSON text (attribute "geometry"; lengths in mm,
 * angles in degrees, detector positions in pixels) plus the main numbers
 * as numeric attributes, so that h5dump, h5py or Fiji users see them
 * without parsing JSON. Projections also get units = "line integrals", and
 * their sod_mm, odd_mm, pixel_u_mm and pixel_v_mm are what a job's
 * [geometry] attributes reads back (io/scan_geometry.h). */
#ifndef TES_IO_GEOMETRY_ATTRS_H
#define TES_IO_GEOMETRY_ATTRS_H

#include "core/status.h"
#include "io/h5array.h"
#include "kernels/geometry.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { TES_GEOMETRY_MAX_ATTRS = 16 };

typedef struct tes_geometry_attrs {
    char *json; /* owned; attrs[0].text points at it */
    tes_h5_attr attrs[TES_GEOMETRY_MAX_ATTRS];
    size_t nattrs;
} tes_geometry_attrs;

/* Attributes for a dataset of vol (proj == NULL: a volume) or of proj's
 * projections of vol. */
tes_status tes_geometry_attrs_build(tes_geometry_attrs *out, const tes_vol_geom *vol,
                                    const tes_proj_geom *proj);
void tes_geometry_attrs_free(tes_geometry_attrs *a);

#ifdef __cplusplus
}
#endif

#endif
