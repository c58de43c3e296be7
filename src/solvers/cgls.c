/* CGLS: conjugate gradients on the normal equations A^T A x = A^T y,
 * without forming A^T A (Hestenes-Stiefel; Bjorck, Numerical Methods for
 * Least Squares Problems, 7.4.1):
 *
 *   r = y - A x;  s = A^T r;  p = s;  gamma = ||s||^2
 *   loop:  q = A p;  alpha = gamma / ||q||^2
 *          x += alpha p;  r -= alpha q
 *          s = A^T r;  gamma' = ||s||^2
 *          p = s + (gamma' / gamma) p;  gamma = gamma'
 *
 * r is updated, not recomputed, so an iteration costs one forward and one
 * backprojection; ||r|| is then the residual of x up to rounding. The
 * report's gradient is ||A^T r|| = ||s||. When gamma or ||q||^2 reaches
 * zero the least-squares solution is reached (stop "exact"). */
#include <math.h>

#include "core/agree.h"
#include "core/vec.h"
#include "solvers/iteration.h"
#include "solvers/solver.h"

typedef struct cgls_work {
    tes_array *r, *q; /* data */
    tes_array *s, *p; /* volume */
} cgls_work;

static void cgls_work_free(cgls_work *w) {
    tes_array_destroy(&w->r);
    tes_array_destroy(&w->q);
    tes_array_destroy(&w->s);
    tes_array_destroy(&w->p);
}

static tes_status cgls_work_alloc(tes_operator *op, cgls_work *w) {
    TES_CALL(tes_operator_new_data(op, &w->r));
    TES_CALL(tes_operator_new_data(op, &w->q));
    TES_CALL(tes_operator_new_volume(op, &w->s));
    TES_CALL(tes_operator_new_volume(op, &w->p));
    return TES_OK;
}

static tes_status cgls_check(tes_problem *pb, const tes_array *y, const tes_array *x,
                             const cgls_work *w) {
    tes_status st = tes_solver_expect_like(y, w->r, "the data y");
    if (st == TES_OK)
        st = tes_solver_expect_like(x, w->s, "the volume x");
    TES_CALL(tes_status_agree(tes_comm_mpi(pb->world_comm), st));
    return TES_OK;
}

/* r = y - A x, s = A^T r, p = s; returns ||r|| and gamma = ||s||^2. */
static tes_status cgls_start(tes_iteration *it, tes_operator *op, const tes_array *y,
                             const tes_array *x, cgls_work *w, double *r_norm, double *gamma) {
    TES_CALL(tes_operator_forward(op, x, w->r));
    TES_CALL(tes_vec_sub(w->r, y, w->r));
    TES_CALL(tes_iteration_data_norm(it, op, w->r, r_norm));
    TES_CALL(tes_operator_adjoint(op, w->r, w->s));
    TES_CALL(tes_array_copy(w->p, w->s));
    TES_CALL(tes_iteration_volume_dot(it, op, w->s, w->s, gamma));
    return TES_OK;
}

static tes_status cgls_iterate(tes_iteration *it, tes_operator *op, tes_array *x, cgls_work *w,
                               double gamma, int done) {
    double r_norm = 0.0;
    for (int k = done + 1;; ++k) {
        tes_iteration_begin(it);
        int exact = !(gamma > 0.0);
        double qq = 0.0;
        if (!exact) {
            TES_CALL(tes_operator_forward(op, w->p, w->q));
            TES_CALL(tes_iteration_data_dot(it, op, w->q, w->q, &qq));
            exact = !(qq > 0.0);
        }
        double gamma_next = 0.0;
        if (!exact) {
            float alpha = (float)(gamma / qq);
            tes_iteration_update_begin(it);
            TES_CALL(tes_vec_axpy(x, alpha, w->p));
            TES_CALL(tes_vec_axpy(w->r, -alpha, w->q));
            tes_iteration_update_end(it);
            TES_CALL(tes_operator_adjoint(op, w->r, w->s));
            TES_CALL(tes_iteration_volume_dot(it, op, w->s, w->s, &gamma_next));
            tes_iteration_update_begin(it);
            TES_CALL(tes_vec_xpby(w->p, w->s, (float)(gamma_next / gamma)));
            tes_iteration_update_end(it);
            gamma = gamma_next;
        }
        TES_CALL(tes_iteration_data_norm(it, op, w->r, &r_norm));
        if (it->opt->state)
            it->opt->state->gamma = gamma;
        int stop = 0;
        TES_CALL(tes_iteration_end(it, k, r_norm, sqrt(gamma), x, &stop));
        if (exact) {
            it->res->stop = TES_SOLVER_STOP_EXACT;
            return TES_OK;
        }
        if (stop)
            return TES_OK;
    }
}

tes_status tes_cgls_solve(tes_problem *pb, const tes_array *y, tes_array *x,
                          const tes_solver_options *opt, tes_solver_result *res) {
    TES_CHECK(pb && y && x && opt, TES_ERR_ARG, "CGLS: NULL problem, data, volume or options");
    TES_CALL(tes_solver_options_validate(TES_SOLVER_CGLS, opt));
    tes_solver_result ignored;
    if (!res)
        res = &ignored;
    tes_operator *op = pb->op;
    tes_iteration it;
    tes_iteration_init(&it, TES_SOLVER_CGLS, pb, opt, res, &op, 1);

    cgls_work w = {0};
    tes_status st = TES_OK;
    TES_CALL_GOTO(st, cgls_work_alloc(op, &w), done);
    TES_CALL_GOTO(st, cgls_check(pb, y, x, &w), done);
    if (!opt->restore)
        TES_CALL_GOTO(st, tes_solver_init_volume(opt, 0.0f, x), done);

    /* r is updated, not recomputed, and p carries the past directions: both
     * belong to the state, with gamma. */
    static const char *const names[] = {"r", "p"};
    static const int is_data[] = {1, 0};
    tes_array *vectors[] = {w.r, w.p};
    tes_iteration_state_bind(&it, 2, names, is_data, vectors);
    double data_norm = 0.0, r0 = 0.0, gamma = 0.0;
    int resumed = 0;
    TES_CALL_GOTO(st, tes_iteration_data_norm(&it, op, y, &data_norm), done);
    if (opt->restore) {
        TES_CALL_GOTO(st, tes_iteration_restore(&it, data_norm, &resumed), done);
        gamma = opt->state->gamma;
    } else {
        TES_CALL_GOTO(st, cgls_start(&it, op, y, x, &w, &r0, &gamma), done);
        tes_iteration_start(&it, data_norm, r0);
    }
    if (!tes_iteration_finished(&it, resumed))
        TES_CALL_GOTO(st, cgls_iterate(&it, op, x, &w, gamma, resumed), done);
done:
    tes_iteration_finish(&it);
    cgls_work_free(&w);
    return st;
}
