/* Filtered backprojection: FBP for parallel beams, FDK (Feldkamp, Davis
 * and Kress 1984) for circular cone beams (a fan beam is its one-row case).
 * The geometry's kind picks the algorithm.
 *
 *   parallel3d  x(p) = sum_v  w_v       (h * y_v)(col_v(p), row_v(p))
 *   cone3d      x(p) = sum_v  w_v U_v(p) (h * (c P y_v))(col_v(p), row_v(p))
 *
 * h is the ramp filter of solvers/filter.h along detector rows, scaled to
 * the effective pixel width (pixel_u, or pixel_u sod / sdd for cone beams:
 * the detector seen at the rotation axis); c FDK's cosine weight, P
 * Parker's short-scan weight (solvers/filter_weights.h), U = (sod /
 * (sod + p.e_d))^2 the distance weight, applied by the backprojector of
 * kernels/backproject.h, which also honours the centre of rotation and the
 * per-view shifts.
 *
 * Angular weights. w_v is the angle a view stands for: half the distance
 * between its two neighbours, so non-uniform angle sets are integrated
 * correctly. Parallel beams repeat every pi, so the neighbours are taken
 * modulo pi (a scan over 2 pi gives each of two opposite views half the
 * interval). A cone-beam full scan is taken modulo 2 pi and halved (every
 * line is measured twice). A cone-beam short scan (a gap in the angles
 * larger than a few angular steps: less than a full turn) uses the arc
 * actually covered, pi + 2 delta, and Parker's weights; an arc shorter than
 * pi plus the fan angle is reconstructed with a warning.
 *
 * Distribution: each rank filters its own views (rows are independent) and
 * backprojects them into its slab; the partial slabs are summed over the
 * ranks that share the slab (the backprojection stitch). The result has the
 * operator's volume layout, so it can start SIRT, OSEM or CGLS
 * (TES_SOLVER_INIT_GIVEN). */
#ifndef TES_SOLVERS_FBP_H
#define TES_SOLVERS_FBP_H

#include <stddef.h>

#include "core/array.h"
#include "core/backend.h"
#include "core/status.h"
#include "kernels/geometry.h"
#include "kernels/projector.h"
#include "solvers/filter.h"
#include "solvers/problem.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Cone beams: how the angles cover the circle. */
typedef enum tes_fbp_scan {
    TES_FBP_SCAN_AUTO = 0, /* from the angles */
    TES_FBP_SCAN_FULL,     /* a full turn: no Parker weights */
    TES_FBP_SCAN_SHORT     /* less than a turn: Parker weights over the covered arc */
} tes_fbp_scan;

typedef struct tes_fbp_options {
    tes_filter_options filter;
    tes_fbp_scan scan;
} tes_fbp_options;

/* ram-lak, cutoff 1, scan from the angles. */
tes_fbp_options tes_fbp_options_default(void);
tes_status tes_fbp_options_validate(const tes_fbp_options *opt);

/* How a scan's angles cover the circle (solvers/fbp_scan.c). */
typedef struct tes_fbp_coverage {
    int short_scan; /* 1: cone beam with less than a full turn */
    double first;   /* short scan: angle where the covered arc starts, radians */
    double range;   /* the arc covered, radians (2 pi for a full turn, pi parallel) */
    double delta;   /* short scan: (range - pi) / 2, radians */
    double fan;     /* cone beam: the detector's half fan angle, radians */
} tes_fbp_coverage;

/* For each of n angles (radians), half the distance between its two
 * neighbours when the angles are sorted on a circle of circumference
 * period; one angle stands for the whole period. */
tes_status tes_fbp_angular_weights(const double *angles, size_t n, double period, double *weights);

/* The coverage of proj's angles; scan forces full or short (cone beams). */
tes_status tes_fbp_coverage_of(const tes_proj_geom *proj, tes_fbp_scan scan, tes_fbp_coverage *out);

/* Log a short scan's arc on rank 0; warn when it is shorter than pi plus
 * the fan angle (some rays are then measured once or never). */
void tes_fbp_coverage_log(const tes_proj_geom *proj, const tes_fbp_coverage *cov);

/* The filter stage's parameters for part's views: geom (pre-weights; its
 * cone and parker flags say which apply) and one tes_filter_view per view
 * (scale = angular weight / effective pixel width, central ray, Parker
 * angle). Rows are relative to part->row_begin. */
tes_status tes_fbp_filter_setup(const tes_proj_geom *proj, const tes_proj_part *part,
                                const tes_fbp_coverage *cov, tes_filter_geom *geom,
                                tes_filter_view *views);

/* Filter sino, float32 (part views, part rows, ncols) in the backend's
 * memory, in place: afterwards tes_backproject_fbp of it is the part's
 * share of the reconstruction. */
tes_status tes_fbp_filter(const tes_proj_geom *proj, const tes_proj_part *part,
                          const tes_fbp_options *opt, tes_backend backend, tes_array *sino);

/* Time spent by one reconstruction (this rank's). */
typedef struct tes_fbp_stats {
    double filter_seconds;      /* weights and ramp filter */
    double backproject_seconds; /* the backprojector */
    double reduce_seconds;      /* the stitch over the slab's ranks */
    double seconds;             /* all of it */
} tes_fbp_stats;

/* The reconstruction from part's views alone, no communication: x (the
 * part's slab, float32 (z_end - z_begin, ny, nx)) from sino (part views,
 * part rows, ncols), both in the backend's memory; sino is not changed.
 * stats may be NULL. */
tes_status tes_fbp_part(const tes_vol_geom *vol, const tes_proj_geom *proj,
                        const tes_proj_part *part, const tes_fbp_options *opt, tes_backend backend,
                        const tes_array *sino, tes_array *x, tes_fbp_stats *stats);

/* Collective over the problem's ranks: x (a volume vector of pb->op) = the
 * FBP (parallel3d) or FDK (cone3d) reconstruction from y (a data vector of
 * pb->op). opt may be NULL (defaults); stats may be NULL. */
tes_status tes_fbp(tes_problem *pb, const tes_array *y, tes_array *x, const tes_fbp_options *opt,
                   tes_fbp_stats *stats);

/* "fbp" for parallel3d, "fdk" for cone3d. */
const char *tes_fbp_algorithm_name(tes_geom_kind kind);

#ifdef __cplusplus
}
#endif

#endif
