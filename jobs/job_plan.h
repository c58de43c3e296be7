/* A job's grid on N ranks, planned without the ranks: the choice and the
 * refusal of tes_grid_create (decomposition/grid.h), made from the
 * partition and memory-plan functions alone, so that `tessera plan` can
 * print what a run on N ranks would do from one process. Also the job's
 * settings in the terms of the solver and grid modules. */
#ifndef TES_JOBS_JOB_PLAN_H
#define TES_JOBS_JOB_PLAN_H

#include <stddef.h>

#include "core/status.h"
#include "decomposition/grid.h"
#include "jobs/job.h"
#include "kernels/geometry.h"
#include "solvers/fbp.h"
#include "solvers/solver.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The grid chosen for nranks ranks. */
typedef struct tes_job_plan {
    int nranks, p_slab, p_view;
    int forward_stitch;      /* 1: slabs share detector rows (cone beam) */
    int largest_rank;        /* the rank that needs the most memory */
    tes_memory_plan largest; /* its plan */
} tes_job_plan;

/* One rank's part of the plan, as tes_grid holds it. */
typedef struct tes_job_plan_rank {
    int slab, group;
    size_t z_begin, z_end, view_begin, view_end, row_begin, row_end;
    tes_memory_plan memory;
} tes_job_plan_rank;

/* The iterative solver and its options for an iterative job (sirt, osem,
 * mlem, cgls); TES_ERR_ARG for fbp, fdk. initial = fbp gives
 * TES_SOLVER_INIT_GIVEN: the caller computes the FBP (tes_job_fbp_options)
 * into x first. */
tes_status tes_job_solver_options(const tes_job *job, tes_solver_algorithm *alg,
                                  tes_solver_options *opt);

/* The filter and scan of fbp, fdk and initial = fbp. */
tes_fbp_options tes_job_fbp_options(const tes_job *job);

/* The grid request: [decomposition] grid and mem_per_rank, and the arrays
 * the algorithm keeps (tes_solver_vectors; one volume and one data array
 * for fbp, fdk). */
tes_status tes_job_grid_request(const tes_job *job, tes_grid_request *req);

/* Plan req on nranks ranks as tes_grid_create would (same grid, refused
 * with TES_ERR_PLAN and the same numbers where it would refuse). */
tes_status tes_job_plan_grid(const tes_vol_geom *vol, const tes_proj_geom *proj,
                             const tes_grid_request *req, int nranks, tes_job_plan *plan);

/* Rank rank's slab, views, rows and memory under plan. */
void tes_job_plan_rank_of(const tes_job_plan *plan, const tes_vol_geom *vol,
                          const tes_proj_geom *proj, const tes_grid_request *req, int rank,
                          tes_job_plan_rank *out);

#ifdef __cplusplus
}
#endif

#endif
