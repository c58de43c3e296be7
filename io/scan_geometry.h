/* The acquisition geometry a scan file states in attributes: the distances
 * of a cone or fan beam and the detector pixel, as numbers (mm) on one
 * object of the file (htc2022_ta_fan.h5 puts them on the group /geometry;
 * tessera's own projection files on their dataset).
 *
 * Attribute names read (the first found of each row wins):
 *
 *   source to rotation axis      source_origin_mm, sod_mm
 *   source to detector           source_detector_mm, sdd_mm   (odd = sdd - sod)
 *   rotation axis to detector    origin_detector_mm, odd_mm
 *   detector pixel, both axes    detector_pixel_mm, pixel_mm
 *   detector pixel along u, v    pixel_u_mm, pixel_v_mm      (over the above)
 *
 * A source-detector distance and an axis-detector distance that both
 * appear must agree. Values must be finite: distances and pixels > 0, the
 * axis-detector distance >= 0. Errors (TES_ERR_INPUT) name the file, the
 * object, the attribute and what was expected. */
#ifndef TES_IO_SCAN_GEOMETRY_H
#define TES_IO_SCAN_GEOMETRY_H

#include <stdio.h>

#include "io/scan.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tes_scan_geometry {
    char path[TES_SCAN_PATH_BYTES]; /* the object read */
    int present;                    /* 0: the file has no such object */
    /* 0 where the file says nothing; the attribute each value came from
     * (NULL where none). odd_from names the source-detector attribute when
     * odd was derived from it. */
    double sod, odd, pixel_v, pixel_u;
    const char *sod_from, *odd_from, *pixel_v_from, *pixel_u_from;
} tes_scan_geometry;

/* Read the attributes of path in s's file. required: a missing object is
 * an error; otherwise out->present = 0. Collective over the scan's
 * communicator. */
tes_status tes_scan_geometry_read(tes_scan *s, const char *path, int required,
                                  tes_scan_geometry *out);

/* 1 when g states anything (a distance or a pixel). */
int tes_scan_geometry_any(const tes_scan_geometry *g);

/* One line for tessera info: what g states, e.g. "geometry /geometry:
 * source-axis 410.66 mm, axis-detector 143.08 mm (magnification 1.3484),
 * pixel 0.2 mm ([geometry] attributes = /geometry)". */
void tes_scan_geometry_summary(const tes_scan_geometry *g, FILE *out);

#ifdef __cplusplus
}
#endif

#endif
