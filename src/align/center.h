/* The centre of rotation of a parallel-beam scan, found automatically.
 *
 * First estimate (align/center_coarse.c):
 *  - opposing views: a view at theta + pi is the mirror image of the view
 *    at theta about the rotation axis; the cross-correlation of one with
 *    the other's mirror image peaks at twice the axis's offset from the
 *    detector's middle (sub-pixel by a parabola through the peak). The
 *    median over up to TES_CENTER_MAX_PAIRS pairs is taken.
 *  - sinogram symmetry, when no view has an opposite: each view's centre of
 *    mass follows c + a cos theta + b sin theta, whose offset c (least
 *    squares) is the axis.
 * Refinement (align/center.c): trial FBP reconstructions of the given rows
 * over a range of centres, scored by their sharpness: the gradient energy
 * sum |grad x|^2 inside the reconstruction's disk, times the voxel count
 * over (sum |x|)^2 (independent of the values' scale). A wrong centre
 * smears every feature into half-circles (scans over pi) or doubled copies
 * (over 2 pi), which lowers it. A coarse sweep every pixel (on columns
 * binned to at most TES_CENTER_COARSE_COLUMNS) around the first estimate,
 * then a fine sweep at full resolution; the maximum is located by a
 * least-squares parabola through the fine scores near it.
 *
 * Centres are in detector pixels from the left edge, 0-based (TomoPy's and
 * tomocupy's convention, as kernels/geometry.h). Sinograms are host float32
 * (views, rows, cols) line integrals; the geometry describes exactly those
 * rows (its center_col is ignored, its angles, pixel sizes and per-view
 * shifts are used). */
#ifndef TES_ALIGN_CENTER_H
#define TES_ALIGN_CENTER_H

#include <stddef.h>

#include "core/array.h"
#include "core/backend.h"
#include "core/status.h"
#include "kernels/geometry.h"
#include "solvers/filter.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opposing pairs correlated at most; columns of the coarse sweep at most. */
enum { TES_CENTER_MAX_PAIRS = 32, TES_CENTER_COARSE_COLUMNS = 512 };

typedef enum tes_center_method {
    TES_CENTER_OPPOSING = 0, /* mirrored opposing views */
    TES_CENTER_SYMMETRY      /* centre-of-mass sinusoid */
} tes_center_method;

typedef struct tes_center_options {
    double search; /* coarse sweep: every pixel within +- search of the first estimate */
    double step;   /* fine sweep step, pixels */
    int refine;    /* 0: the first estimate only */
    tes_filter_options filter;
    tes_backend backend;
} tes_center_options;

/* Search +- 10 px, fine step 0.25 px, refine, ram-lak, cpu. */
tes_center_options tes_center_options_default(void);

typedef struct tes_center_result {
    double center;            /* the estimate, pixels */
    double coarse;            /* the first estimate, pixels */
    tes_center_method method; /* how the first estimate was found */
    size_t pairs;             /* opposing pairs used */
    double coarse_quality;    /* opposing: mean normalised correlation at the peaks;
                                 symmetry: R^2 of the sinusoid fit */
    double confidence;        /* refinement: (best - median) / best of the coarse sweep's
                                 sharpness, 0 .. 1 (0 without refinement) */
    int at_edge;              /* 1: the sweep's best centre stayed at its end */
} tes_center_result;

/* "opposing views" or "sinogram symmetry". */
const char *tes_center_method_name(tes_center_method method);

/* The first estimate alone (fills center = coarse, method, pairs,
 * coarse_quality). */
tes_status tes_center_coarse(const tes_proj_geom *proj, const tes_array *sino,
                             tes_center_result *res);

/* First estimate and refinement; logs the result on rank 0. */
tes_status tes_center_estimate(const tes_proj_geom *proj, const tes_array *sino,
                               const tes_center_options *opt, tes_center_result *res);

/* Trial reconstructions of a sinogram's rows at any centre: the rows are
 * filtered once (optionally after binning columns by bin), every trial only
 * backprojects. */
typedef struct tes_center_trials tes_center_trials;

tes_status tes_center_trials_create(tes_center_trials **out, const tes_proj_geom *proj,
                                    const tes_array *sino, size_t bin,
                                    const tes_filter_options *filter, tes_backend backend);
void tes_center_trials_destroy(tes_center_trials **t);

/* Side of the trial slices (the binned column count). */
size_t tes_center_trials_size(const tes_center_trials *t);

/* Reconstruct at center (full-resolution pixels): slices (rows, n, n) into
 * out (host float32 of that shape, may be NULL), and their sharpness
 * (may be NULL). */
tes_status tes_center_trials_run(tes_center_trials *t, double center, tes_array *out,
                                 double *score);

#ifdef __cplusplus
}
#endif

#endif
