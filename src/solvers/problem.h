/* The distributed problem a solver works on: the rank grid, the geometries,
 * the communicators of the two stitches and of the whole job, and the
 * all-views operator A. Subset operators (OSEM) are made from it, sharing
 * its communicators.
 *
 * The problem borrows grid, vol and proj: they must outlive it. */
#ifndef TES_SOLVERS_PROBLEM_H
#define TES_SOLVERS_PROBLEM_H

#include <stddef.h>

#include "core/comm.h"
#include "core/status.h"
#include "decomposition/grid.h"
#include "kernels/geometry.h"
#include "solvers/operator.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tes_problem {
    const tes_grid *grid;
    const tes_vol_geom *vol;
    const tes_proj_geom *proj;
    tes_operator_options op_options; /* of the all-views operator (nsubsets 0) */
    tes_comm *slab_comm;             /* the backprojection stitch */
    tes_comm *view_comm;             /* the forward stitch, volume inner products */
    tes_comm *world_comm;            /* every rank: job-wide sums of the reports */
    tes_operator *op;                /* A over all views */
} tes_problem;

/* Collective over grid->world: create the communicators and the operator.
 * opt may be NULL (cpu backend, chosen chunks); its subset fields are
 * ignored. */
tes_status tes_problem_create(tes_problem **out, const tes_grid *grid, const tes_vol_geom *vol,
                              const tes_proj_geom *proj, const tes_operator_options *opt);
void tes_problem_destroy(tes_problem **pb);

/* Collective: the operator of subset `subset` of nsubsets (views v with
 * v % nsubsets == subset, spread over every view group). */
tes_status tes_problem_subset_create(const tes_problem *pb, size_t subset, size_t nsubsets,
                                     tes_operator **out);

/* Global number of voxels of the volume. */
size_t tes_problem_voxels(const tes_problem *pb);

#ifdef __cplusplus
}
#endif

#endif
