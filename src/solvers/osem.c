/* OSEM (ordered subsets expectation maximisation; Hudson and Larkin 1994)
 * and MLEM, its one-subset case. Subset s holds the views v with
 * v % S == s, so each subset is spread over every view group. One
 * iteration is one pass over the subsets s = 0 .. S-1:
 *
 *     x <- x / (A_s^T 1) * A_s^T (y_s / (A_s x + b_s))
 *
 * Guards: a data pixel whose model A_s x + b_s is zero contributes 0 (not
 * Inf); a negative ratio (negative data) is taken as 0, so x stays >= 0; a
 * voxel that no ray of the subset meets (A_s^T 1 = 0) keeps its value. x
 * must start >= 0 and finite, with some voxel > 0; a voxel at 0 stays 0
 * (default start: 1 everywhere).
 *
 * Residual (opt->residual). r_k = ||y - A x_k - b|| needs the forward
 * projection of x_k over all views, which the subset updates never form. It
 * is computed after each pass with one full forward; its first subset's
 * views are reused as A_0 x of the next pass, so the extra cost is (S-1)/S
 * of a forward per iteration, and nothing for MLEM (whose A x is needed
 * anyway). With residuals off the report says NaN and no tolerance may be
 * set. */
#include <math.h>
#include <stdlib.h>

#include "core/agree.h"
#include "core/log.h"
#include "core/vec.h"
#include "solvers/iteration.h"
#include "solvers/solver.h"

typedef struct osem_subset {
    tes_operator *op;         /* A_s (pb->op for MLEM, not owned then) */
    const tes_array *y;       /* y_s (y itself for MLEM) */
    const tes_array *b;       /* b_s, NULL: none */
    tes_array *model;         /* A_s x + b_s, then the ratio */
    tes_array *sensitivity;   /* A_s^T 1 */
    tes_array *y_own, *b_own; /* y_s, b_s when extracted (OSEM) */
} osem_subset;

typedef struct osem_work {
    size_t nsubsets;
    osem_subset *subsets;
    tes_operator **ops; /* the subsets' operators, then A: their statistics */
    size_t nops;
    tes_array *backprojection, *mask; /* volume */
    tes_array *ax;                    /* A x over all views (the first subset's model for MLEM) */
    tes_array *residual;              /* y - A x - b */
    int ax_current;                   /* 1: ax holds A x of the current x */
} osem_work;

static void osem_work_free(osem_work *w) {
    for (size_t s = 0; w->subsets && s < w->nsubsets; ++s) {
        osem_subset *sub = &w->subsets[s];
        if (w->nsubsets > 1) {
            tes_operator_destroy(&sub->op);
            tes_array_destroy(&sub->model);
        }
        tes_array_destroy(&sub->sensitivity);
        tes_array_destroy(&sub->y_own);
        tes_array_destroy(&sub->b_own);
    }
    free(w->subsets);
    free(w->ops);
    tes_array_destroy(&w->backprojection);
    tes_array_destroy(&w->mask);
    tes_array_destroy(&w->ax);
    tes_array_destroy(&w->residual);
    *w = (osem_work){0};
}

/* y_s and b_s of a subset operator: copies of its views. */
static tes_status osem_subset_data(tes_problem *pb, osem_subset *sub, const tes_array *y,
                                   const tes_array *b) {
    TES_CALL(tes_operator_new_data(sub->op, &sub->y_own));
    TES_CALL(tes_operator_extract_views(sub->op, pb->op, y, sub->y_own));
    sub->y = sub->y_own;
    if (b) {
        TES_CALL(tes_operator_new_data(sub->op, &sub->b_own));
        TES_CALL(tes_operator_extract_views(sub->op, pb->op, b, sub->b_own));
        sub->b = sub->b_own;
    }
    return TES_OK;
}

/* Operators, data and model vectors of the subsets; A x and the residual. */
static tes_status osem_work_alloc(tes_problem *pb, size_t nsubsets, const tes_array *y,
                                  const tes_array *b, osem_work *w) {
    w->nsubsets = nsubsets;
    w->subsets = calloc(nsubsets, sizeof *w->subsets);
    w->ops = calloc(nsubsets + 1, sizeof *w->ops);
    TES_CHECK(w->subsets && w->ops, TES_ERR_ALLOC, "cannot allocate %zu OSEM subsets", nsubsets);
    TES_CALL(tes_operator_new_data(pb->op, &w->ax));
    TES_CALL(tes_operator_new_data(pb->op, &w->residual));
    TES_CALL(tes_operator_new_volume(pb->op, &w->backprojection));
    TES_CALL(tes_operator_new_volume(pb->op, &w->mask));
    for (size_t s = 0; s < nsubsets; ++s) {
        osem_subset *sub = &w->subsets[s];
        if (nsubsets == 1) {
            sub->op = pb->op;
            sub->y = y;
            sub->b = b;
            sub->model = w->ax;
        } else {
            TES_CALL(tes_problem_subset_create(pb, s, nsubsets, &sub->op));
            TES_CALL(tes_operator_new_data(sub->op, &sub->model));
        }
        TES_CALL(tes_operator_new_volume(sub->op, &sub->sensitivity));
        w->ops[w->nops++] = sub->op;
    }
    if (nsubsets > 1)
        w->ops[w->nops++] = pb->op;
    return TES_OK;
}

/* Collective checks of the inputs, agreed over the ranks. */
static tes_status osem_check(tes_problem *pb, const tes_solver_options *opt, const tes_array *y,
                             const tes_array *x, const osem_work *w) {
    tes_status st = tes_solver_expect_like(y, w->ax, "the data y");
    if (st == TES_OK && opt->additive)
        st = tes_solver_expect_like(opt->additive, w->ax, "the additive term b");
    if (st == TES_OK)
        st = tes_solver_expect_like(x, w->mask, "the volume x");
    TES_CALL(tes_status_agree(tes_comm_mpi(pb->world_comm), st));
    return TES_OK;
}

/* A start must be >= 0 everywhere, finite, and > 0 somewhere. Voxels at 0
 * stay at 0 under the multiplicative updates: they are allowed (an earlier
 * OSEM run's volume, or a checkpoint, has them where the activity died out),
 * and counted in the log. mask is scratch. */
static tes_status osem_check_positive(tes_problem *pb, const tes_array *x, tes_array *mask,
                                      tes_solver_algorithm alg) {
    const char *name = tes_solver_algorithm_name(alg);
    /* max(x, 0) - x: non-zero where x < 0; NaN where x is. */
    TES_CALL(tes_array_copy(mask, x));
    TES_CALL(tes_vec_clamp(mask, 0.0f, INFINITY));
    TES_CALL(tes_vec_sub(mask, mask, x));
    double negative = 0.0;
    TES_CALL(tes_operator_volume_dot(pb->op, mask, mask, &negative));
    TES_CHECK(isfinite(negative), TES_ERR_ARG, "the initial volume holds NaN or Inf values");
    TES_CHECK(negative == 0.0, TES_ERR_ARG,
              "the initial volume has voxels < 0 (their root sum of squares is %g): %s needs a "
              "start >= 0",
              sqrt(negative), name);
    /* x / x: 1 where x > 0. */
    TES_CALL(tes_vec_div_guarded(mask, x, x, 0.0f));
    double positive = 0.0;
    TES_CALL(tes_operator_volume_dot(pb->op, mask, mask, &positive));
    TES_CHECK(isfinite(positive), TES_ERR_ARG, "the initial volume holds Inf values");
    size_t voxels = tes_problem_voxels(pb);
    size_t zeros = voxels - (size_t)llround(positive);
    TES_CHECK(zeros < voxels, TES_ERR_ARG,
              "the initial volume has no voxel > 0: %s needs a positive start (multiplicative "
              "updates keep a voxel at 0 where it is)",
              name);
    if (zeros)
        tes_log(TES_LOG_INFO, "%s: %zu of %zu voxels start at 0 and stay there", name, zeros,
                voxels);
    return TES_OK;
}

/* The subsets' data and sensitivities A_s^T 1 (the mask vector serves as
 * the ones; the model vector as data ones). */
static tes_status osem_prepare(tes_problem *pb, const tes_array *y, const tes_array *b,
                               osem_work *w) {
    for (size_t s = 0; s < w->nsubsets; ++s) {
        osem_subset *sub = &w->subsets[s];
        if (w->nsubsets > 1)
            TES_CALL(osem_subset_data(pb, sub, y, b));
        TES_CALL(tes_vec_fill(sub->model, 1.0f));
        TES_CALL(tes_operator_adjoint(sub->op, sub->model, sub->sensitivity));
    }
    return TES_OK;
}

/* ax = A x; residual = y - ax - b; returns its norm. */
static tes_status osem_residual(tes_iteration *it, tes_problem *pb, const tes_array *y,
                                const tes_array *b, const tes_array *x, osem_work *w,
                                double *norm) {
    TES_CALL(tes_operator_forward(pb->op, x, w->ax));
    w->ax_current = 1;
    tes_iteration_update_begin(it);
    TES_CALL(tes_vec_sub(w->residual, y, w->ax));
    if (b)
        TES_CALL(tes_vec_axpy(w->residual, -1.0f, b));
    tes_iteration_update_end(it);
    TES_CALL(tes_iteration_data_norm(it, pb->op, w->residual, norm));
    return TES_OK;
}

/* sub->model = A_s x + b_s, from a fresh A x where there is one. */
static tes_status osem_model(tes_iteration *it, tes_problem *pb, osem_subset *sub, size_t s,
                             const tes_array *x, osem_work *w) {
    if (s == 0 && w->ax_current) {
        if (sub->model != w->ax)
            TES_CALL(tes_operator_extract_views(sub->op, pb->op, w->ax, sub->model));
    } else {
        TES_CALL(tes_operator_forward(sub->op, x, sub->model));
    }
    w->ax_current = 0;
    if (sub->b) {
        tes_iteration_update_begin(it);
        TES_CALL(tes_vec_axpy(sub->model, 1.0f, sub->b));
        tes_iteration_update_end(it);
    }
    return TES_OK;
}

/* x <- x * bp / sens where the subset sees the voxel, x elsewhere:
 * x*f + x - x*m with m = 1 where sens > 0 (exactly: sens / sens), else 0. */
static tes_status osem_multiply(tes_array *x, tes_array *bp, tes_array *mask,
                                const tes_array *sens) {
    TES_CALL(tes_vec_div_guarded(mask, sens, sens, TES_SOLVER_GUARD));
    TES_CALL(tes_vec_div_guarded(bp, bp, sens, TES_SOLVER_GUARD));
    TES_CALL(tes_vec_mul(mask, x));
    TES_CALL(tes_vec_mul(bp, x));
    TES_CALL(tes_vec_axpy(x, -1.0f, mask));
    TES_CALL(tes_vec_axpy(x, 1.0f, bp));
    return TES_OK;
}

static tes_status osem_subset_update(tes_iteration *it, tes_problem *pb, size_t s, tes_array *x,
                                     osem_work *w) {
    osem_subset *sub = &w->subsets[s];
    TES_CALL(osem_model(it, pb, sub, s, x, w));
    tes_iteration_update_begin(it);
    TES_CALL(tes_vec_div_guarded(sub->model, sub->y, sub->model, TES_SOLVER_GUARD));
    TES_CALL(tes_vec_clamp(sub->model, 0.0f, INFINITY));
    tes_iteration_update_end(it);
    TES_CALL(tes_operator_adjoint(sub->op, sub->model, w->backprojection));
    tes_iteration_update_begin(it);
    TES_CALL(osem_multiply(x, w->backprojection, w->mask, sub->sensitivity));
    tes_iteration_update_end(it);
    return TES_OK;
}

static tes_status osem_iterate(tes_iteration *it, tes_problem *pb, const tes_array *y, tes_array *x,
                               osem_work *w, int done) {
    const tes_solver_options *opt = it->opt;
    for (int k = done + 1;; ++k) {
        tes_iteration_begin(it);
        for (size_t s = 0; s < w->nsubsets; ++s)
            TES_CALL(osem_subset_update(it, pb, s, x, w));
        double norm = NAN;
        if (opt->residual)
            TES_CALL(osem_residual(it, pb, y, opt->additive, x, w, &norm));
        int stop = 0;
        TES_CALL(tes_iteration_end(it, k, norm, NAN, x, &stop));
        if (stop)
            return TES_OK;
    }
}

tes_status tes_osem_solve(tes_problem *pb, const tes_array *y, tes_array *x,
                          const tes_solver_options *opt, tes_solver_result *res) {
    TES_CHECK(pb && y && x && opt, TES_ERR_ARG, "OSEM: NULL problem, data, volume or options");
    TES_CALL(tes_solver_options_validate(TES_SOLVER_OSEM, opt));
    TES_CHECK(opt->subsets <= pb->proj->nviews, TES_ERR_ARG,
              "subsets = %zu: more subsets than the %zu views", opt->subsets, pb->proj->nviews);
    tes_solver_algorithm alg = opt->subsets == 1 ? TES_SOLVER_MLEM : TES_SOLVER_OSEM;
    tes_solver_result ignored;
    if (!res)
        res = &ignored;

    osem_work w = {0};
    tes_iteration it;
    tes_iteration_init(&it, alg, pb, opt, res, NULL, 0);
    tes_status st = TES_OK;
    TES_CALL_GOTO(st, osem_work_alloc(pb, opt->subsets, y, opt->additive, &w), done);
    it.ops = w.ops;
    it.nops = w.nops;
    TES_CALL_GOTO(st, osem_check(pb, opt, y, x, &w), done);
    if (!opt->restore)
        TES_CALL_GOTO(st, tes_solver_init_volume(opt, 1.0f, x), done);
    TES_CALL_GOTO(st, osem_check_positive(pb, x, w.mask, alg), done);
    TES_CALL_GOTO(st, osem_prepare(pb, y, opt->additive, &w), done);

    /* OSEM's state is x alone. */
    tes_iteration_state_bind(&it, 0, NULL, NULL, NULL);
    double data_norm = 0.0, r0 = NAN;
    int resumed = 0;
    TES_CALL_GOTO(st, tes_iteration_data_norm(&it, pb->op, y, &data_norm), done);
    if (opt->restore) {
        TES_CALL_GOTO(st, tes_iteration_restore(&it, data_norm, &resumed), done);
    } else {
        if (opt->residual)
            TES_CALL_GOTO(st, osem_residual(&it, pb, y, opt->additive, x, &w, &r0), done);
        tes_iteration_start(&it, data_norm, r0);
    }
    if (!tes_iteration_finished(&it, resumed))
        TES_CALL_GOTO(st, osem_iterate(&it, pb, y, x, &w, resumed), done);
done:
    tes_iteration_finish(&it);
    osem_work_free(&w);
    return st;
}
