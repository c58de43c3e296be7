/* The iterative solvers (SIRT, OSEM/MLEM, CGLS): their common options, the
 * per-iteration report and the stopping rule.
 *
 * Every solver is collective over the problem's ranks and works on local
 * vectors of the problem's operator: x is this rank's slab (replicated over
 * the view groups, as the operator keeps it), y the rank's part of the
 * measured data (tes_operator_new_data layout). Norms and inner products
 * are global.
 *
 * Residual. After iteration k the report gives r_k = ||y - A x_k|| (the
 * 2-norm over the whole detector and all views, b included for OSEM:
 * ||y - A x_k - b||) for the x_k the solver returns after k iterations, and
 * rho_k = r_k / ||y|| (rho_k = r_k when ||y|| = 0). r_0 belongs to the
 * initial volume.
 *
 * Tolerance tol > 0 stops after iteration k when
 *     rho_k < tol                                  (converged), or
 *     |rho_{k-1} - rho_k| < tol * rho_{k-1}        (stagnated: the relative
 *                                                   residual changed by less
 *                                                   than tol, relatively),
 * whichever comes first; tol = 0 runs every iteration. */
#ifndef TES_SOLVERS_SOLVER_H
#define TES_SOLVERS_SOLVER_H

#include <stddef.h>

#include "core/array.h"
#include "core/status.h"
#include "solvers/problem.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tes_solver_algorithm {
    TES_SOLVER_SIRT = 0,
    TES_SOLVER_OSEM,
    TES_SOLVER_MLEM, /* OSEM with one subset */
    TES_SOLVER_CGLS,
    TES_SOLVER_COUNT
} tes_solver_algorithm;

/* How x starts. */
typedef enum tes_solver_init {
    TES_SOLVER_INIT_DEFAULT = 0, /* zeros (SIRT, CGLS), the constant 1 (OSEM, MLEM) */
    TES_SOLVER_INIT_CONSTANT,    /* every voxel init_value */
    TES_SOLVER_INIT_GIVEN        /* x as passed in */
} tes_solver_init;

/* Why a solver stopped. */
typedef enum tes_solver_stop {
    TES_SOLVER_STOP_ITERATIONS = 0, /* ran the maximum number of iterations */
    TES_SOLVER_STOP_CONVERGED,      /* rho_k < tolerance */
    TES_SOLVER_STOP_STAGNATED,      /* rho changed by less than tolerance */
    TES_SOLVER_STOP_CALLBACK,       /* the callback asked to stop */
    TES_SOLVER_STOP_EXACT           /* CGLS: A^T r = 0 (or A p = 0): nothing left to do */
} tes_solver_stop;

/* One iteration, as every rank saw it. Seconds are this rank's; updates and
 * bytes_total are summed over the ranks. */
typedef struct tes_solver_report {
    tes_solver_algorithm algorithm;
    int iteration;               /* 1-based: the report follows the k-th update */
    int iterations;              /* the maximum (for an ETA) */
    double residual;             /* r_k = ||y - A x_k||; NaN when not computed (OSEM option) */
    double relative_residual;    /* rho_k */
    double gradient_norm;        /* CGLS: ||A^T r_k||; NaN for the others */
    double seconds;              /* wall time of the iteration */
    double forward_seconds;      /* local forward kernels */
    double adjoint_seconds;      /* local backprojection kernels */
    double reduce_seconds;       /* blocked in stitches and global inner products */
    double reduce_total_seconds; /* stitches start to end, hidden behind compute or not */
    double update_seconds;       /* element-wise vector operations */
    double updates;              /* voxel x view updates of the projectors, all ranks */
    double gups;                 /* updates / seconds / 1e9 */
    double bytes_reduced;        /* payload bytes this rank reduced */
    double bytes_reduced_total;  /* the same summed over the ranks */
} tes_solver_report;

/* Called on every rank after every iteration with the report and the new
 * x. Setting *stop = 1 ends the solve after this iteration; the callback
 * must decide the same on every rank. A failing status ends the solve with
 * that status. */
typedef tes_status (*tes_solver_callback)(const tes_solver_report *report, const tes_array *x,
                                          int *stop, void *user);

/* A solver's state after iteration k, for checkpoints (io/checkpoint.h):
 * with x_k, everything the next iterations depend on, so that a solve
 * resumed from it ends bitwise equal to one that ran straight through (same
 * ranks, same threads). SIRT keeps nothing beyond x (its residual and
 * weights are recomputed exactly); OSEM/MLEM nothing beyond x; CGLS its
 * residual r (data), search direction p (volume) and gamma = ||A^T r||^2. */
enum { TES_SOLVER_STATE_MAX_VECTORS = 2 };

typedef struct tes_solver_state {
    int iteration;           /* k: iterations done */
    double initial_residual; /* r_0 */
    double residual;         /* r_k */
    double rho;              /* rho_k: the stagnation rule compares rho_{k+1} with it */
    double gamma;            /* CGLS: ||A^T r_k||^2; 0 for the others */
    size_t nvectors;
    const char *names[TES_SOLVER_STATE_MAX_VECTORS];
    int is_data[TES_SOLVER_STATE_MAX_VECTORS];        /* 1: data layout, 0: volume layout */
    tes_array *vectors[TES_SOLVER_STATE_MAX_VECTORS]; /* the solver's own arrays, borrowed */
} tes_solver_state;

/* Fills a state the solver has bound (names, layouts and vectors set, the
 * vectors allocated) from a checkpoint: iteration, residuals, gamma and the
 * vectors' contents. */
typedef tes_status (*tes_solver_restore)(tes_solver_state *state, void *user);

typedef struct tes_solver_options {
    int iterations;   /* maximum number of iterations, >= 1 */
    double tolerance; /* the stopping rule above; 0: off */
    tes_solver_init init;
    float init_value;             /* TES_SOLVER_INIT_CONSTANT */
    float relaxation;             /* SIRT: lambda in (0, 2) */
    float min, max;               /* SIRT: box constraint after each update; -inf / +inf: none */
    size_t subsets;               /* OSEM: number of subsets (1 <= subsets <= views) */
    const tes_array *additive;    /* OSEM/MLEM: b in y ~ A x + b (data layout); NULL: 0 */
    int residual;                 /* OSEM/MLEM: 1 computes r_k (one more forward per iteration
                                     when subsets > 1, see osem.c); 0 reports NaN */
    tes_solver_callback callback; /* NULL: none */
    void *user;
    /* Checkpoints. state (NULL: none) is kept current before every callback,
     * so the callback can save it. restore (NULL: a fresh start; needs state)
     * resumes: x holds x_k as saved (init is ignored), restore(state, user)
     * is called once the solver's vectors exist, and the solve continues
     * with iteration k + 1. */
    tes_solver_state *state;
    tes_solver_restore restore;
} tes_solver_options;

/* What a solve did. */
typedef struct tes_solver_result {
    int iterations; /* iterations run */
    tes_solver_stop stop;
    double data_norm;         /* ||y|| */
    double initial_residual;  /* r_0 (NaN for OSEM without residuals) */
    double residual;          /* r_k of the returned x */
    double relative_residual; /* rho_k */
    double seconds;           /* whole solve, setup included */
} tes_solver_result;

/* 100 iterations, no tolerance, default start, lambda 1, no box, 1 subset,
 * no additive term, residuals on, no callback. */
void tes_solver_options_default(tes_solver_options *opt);

/* Check opt for alg; messages name the field. */
tes_status tes_solver_options_validate(tes_solver_algorithm alg, const tes_solver_options *opt);

/* "sirt", "osem", "mlem", "cgls". */
const char *tes_solver_algorithm_name(tes_solver_algorithm alg);
tes_status tes_solver_algorithm_parse(const char *text, const char *option,
                                      tes_solver_algorithm *out);
const char *tes_solver_stop_name(tes_solver_stop stop);

/* Volume- and data-sized arrays a solver keeps besides x and y (for the
 * memory plan of tes_grid_request); x and y included: +1 each. */
void tes_solver_vectors(tes_solver_algorithm alg, const tes_solver_options *opt,
                        int *volume_vectors, int *data_vectors);

/* Solve with alg (MLEM forces one subset). res may be NULL. */
tes_status tes_solver_solve(tes_solver_algorithm alg, tes_problem *pb, const tes_array *y,
                            tes_array *x, const tes_solver_options *opt, tes_solver_result *res);

/* x <- x + lambda C A^T R (y - A x), R = 1/(A 1), C = 1/(A^T 1). */
tes_status tes_sirt_solve(tes_problem *pb, const tes_array *y, tes_array *x,
                          const tes_solver_options *opt, tes_solver_result *res);

/* x <- x / (A_s^T 1) A_s^T (y_s / (A_s x + b_s)) over the subsets s. */
tes_status tes_osem_solve(tes_problem *pb, const tes_array *y, tes_array *x,
                          const tes_solver_options *opt, tes_solver_result *res);

/* Conjugate gradients on the normal equations A^T A x = A^T y. */
tes_status tes_cgls_solve(tes_problem *pb, const tes_array *y, tes_array *x,
                          const tes_solver_options *opt, tes_solver_result *res);

#ifdef __cplusplus
}
#endif

#endif
