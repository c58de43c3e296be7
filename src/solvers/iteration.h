/* What every solver does around its updates (internal to src/solvers/):
 * time the parts of an iteration, gather the operators' statistics, fill
 * the report, call the callback and apply the stopping rule of solver.h.
 *
 *   tes_iteration it;
 *   tes_iteration_init(&it, alg, pb, opt, res, ops, nops);
 *   ... r_0 ...; tes_iteration_start(&it, data_norm, r_0);
 *   for (k = 1; ; ++k) {
 *       tes_iteration_begin(&it);
 *       ... projections; vector work between update_begin/update_end;
 *           inner products through tes_iteration_*_dot ...
 *       TES_CALL(tes_iteration_end(&it, k, r_k, gradient, x, &stop));
 *       if (stop) break;
 *   }
 *   tes_iteration_finish(&it);
 */
#ifndef TES_SOLVERS_ITERATION_H
#define TES_SOLVERS_ITERATION_H

#include <float.h>
#include <stddef.h>

#include "core/array.h"
#include "core/status.h"
#include "solvers/operator.h"
#include "solvers/problem.h"
#include "solvers/solver.h"

/* The guard of every division and reciprocal: values at or below it count
 * as zero (a ray that meets no voxel, a voxel that no ray meets). The
 * smallest normal float32, so that only true zeros and denormals are
 * guarded. */
#define TES_SOLVER_GUARD FLT_MIN

typedef struct tes_iteration {
    tes_solver_algorithm algorithm;
    tes_problem *pb;
    const tes_solver_options *opt;
    tes_solver_result *res;
    tes_operator *const *ops; /* operators whose statistics make the report */
    size_t nops;
    double rho_prev;       /* relative residual of the previous iterate */
    double solve_started;  /* s */
    double started;        /* start of the current iteration, s */
    double update_started; /* start of the current vector work, s */
    double update_seconds; /* vector work of the current iteration, s */
    double dot_seconds;    /* global inner products of the current iteration, s */
} tes_iteration;

void tes_iteration_init(tes_iteration *it, tes_solver_algorithm alg, tes_problem *pb,
                        const tes_solver_options *opt, tes_solver_result *res,
                        tes_operator *const *ops, size_t nops);

/* Record ||y|| and r_0 (NaN: not computed). */
void tes_iteration_start(tes_iteration *it, double data_norm, double initial_residual);

/* Start timing an iteration; resets the operators' statistics. */
void tes_iteration_begin(tes_iteration *it);

void tes_iteration_update_begin(tes_iteration *it);
void tes_iteration_update_end(tes_iteration *it);

/* Timed global inner products and norms. */
tes_status tes_iteration_data_dot(tes_iteration *it, tes_operator *op, const tes_array *a,
                                  const tes_array *b, double *out);
tes_status tes_iteration_volume_dot(tes_iteration *it, tes_operator *op, const tes_array *a,
                                    const tes_array *b, double *out);
tes_status tes_iteration_data_norm(tes_iteration *it, tes_operator *op, const tes_array *a,
                                   double *out);

/* Close iteration k with residual r_k and gradient (NaN where not
 * computed): report, callback, stopping rule. *stop becomes 1 when the
 * solve should end after this iteration (res->stop says why). */
tes_status tes_iteration_end(tes_iteration *it, int k, double residual, double gradient,
                             const tes_array *x, int *stop);

/* Checkpoints (opt->state, opt->restore of solver.h). */

/* Bind the solver's own vectors to opt->state (no-op without one). */
void tes_iteration_state_bind(tes_iteration *it, size_t n, const char *const *names,
                              const int *is_data, tes_array *const *vectors);

/* With opt->restore: fill the bound state from the checkpoint and start the
 * report from it (||y|| = data_norm), in place of tes_iteration_start.
 * *done receives the iterations already done (0 without restore). */
tes_status tes_iteration_restore(tes_iteration *it, double data_norm, int *done);

/* 1 when a resumed solve has nothing left to do (k >= the maximum). */
int tes_iteration_finished(const tes_iteration *it, int done);

/* Record the solve's total time. */
void tes_iteration_finish(tes_iteration *it);

/* Helpers shared by the solvers. */

/* Fill x as opt->init says (default_value for TES_SOLVER_INIT_DEFAULT). */
tes_status tes_solver_init_volume(const tes_solver_options *opt, float default_value, tes_array *x);

/* a must have like's element count and location; what names it. */
tes_status tes_solver_expect_like(const tes_array *a, const tes_array *like, const char *what);

/* rho = r / ||y|| (r when ||y|| = 0). */
double tes_solver_relative(double residual, double data_norm);

#endif
