/* SIRT: x <- x + lambda C A^T R (y - A x), with the row weights R = 1/(A 1)
 * and the column weights C = 1/(A^T 1), both guarded (a detector pixel that
 * no voxel reaches, or a voxel that no ray meets, gets weight 0, not Inf).
 * The box constraint clamps x after every update.
 *
 * The residual r = y - A x of the new iterate is computed at the end of each
 * iteration and drives the next update, so an iteration costs one forward
 * and one backprojection, and the reported r_k belongs to the x returned. */
#include <math.h>

#include "core/agree.h"
#include "core/vec.h"
#include "solvers/iteration.h"
#include "solvers/solver.h"

typedef struct sirt_work {
    tes_array *row_weights; /* R, data */
    tes_array *residual;    /* r, data */
    tes_array *col_weights; /* C, volume */
    tes_array *update;      /* C A^T R r, volume */
} sirt_work;

static void sirt_work_free(sirt_work *w) {
    tes_array_destroy(&w->row_weights);
    tes_array_destroy(&w->residual);
    tes_array_destroy(&w->col_weights);
    tes_array_destroy(&w->update);
}

static tes_status sirt_work_alloc(tes_operator *op, sirt_work *w) {
    TES_CALL(tes_operator_new_data(op, &w->row_weights));
    TES_CALL(tes_operator_new_data(op, &w->residual));
    TES_CALL(tes_operator_new_volume(op, &w->col_weights));
    TES_CALL(tes_operator_new_volume(op, &w->update));
    return TES_OK;
}

/* R = 1/(A 1) and C = 1/(A^T 1), guarded; the other two vectors serve as
 * the ones. */
static tes_status sirt_weights(tes_operator *op, sirt_work *w) {
    TES_CALL(tes_vec_fill(w->update, 1.0f));
    TES_CALL(tes_operator_forward(op, w->update, w->row_weights));
    TES_CALL(tes_vec_recip_guarded(w->row_weights, TES_SOLVER_GUARD));
    TES_CALL(tes_vec_fill(w->residual, 1.0f));
    TES_CALL(tes_operator_adjoint(op, w->residual, w->col_weights));
    TES_CALL(tes_vec_recip_guarded(w->col_weights, TES_SOLVER_GUARD));
    return TES_OK;
}

/* r = y - A x. */
static tes_status sirt_residual(tes_iteration *it, tes_operator *op, const tes_array *y,
                                const tes_array *x, tes_array *r) {
    TES_CALL(tes_operator_forward(op, x, r));
    tes_iteration_update_begin(it);
    TES_CALL(tes_vec_sub(r, y, r));
    tes_iteration_update_end(it);
    return TES_OK;
}

static tes_status sirt_check(tes_problem *pb, const tes_array *y, const tes_array *x,
                             const sirt_work *w) {
    tes_status st = tes_solver_expect_like(y, w->residual, "the data y");
    if (st == TES_OK)
        st = tes_solver_expect_like(x, w->update, "the volume x");
    TES_CALL(tes_status_agree(tes_comm_mpi(pb->world_comm), st));
    return TES_OK;
}

static tes_status sirt_iterate(tes_iteration *it, tes_operator *op, const tes_array *y,
                               tes_array *x, const sirt_work *w, int done) {
    const tes_solver_options *opt = it->opt;
    int box = isfinite(opt->min) || isfinite(opt->max);
    double norm = 0.0;
    for (int k = done + 1;; ++k) {
        tes_iteration_begin(it);
        tes_iteration_update_begin(it);
        TES_CALL(tes_vec_mul(w->residual, w->row_weights));
        tes_iteration_update_end(it);

        TES_CALL(tes_operator_adjoint(op, w->residual, w->update));

        tes_iteration_update_begin(it);
        TES_CALL(tes_vec_mul(w->update, w->col_weights));
        TES_CALL(tes_vec_axpy(x, opt->relaxation, w->update));
        if (box)
            TES_CALL(tes_vec_clamp(x, opt->min, opt->max));
        tes_iteration_update_end(it);

        TES_CALL(sirt_residual(it, op, y, x, w->residual));
        TES_CALL(tes_iteration_data_norm(it, op, w->residual, &norm));
        int stop = 0;
        TES_CALL(tes_iteration_end(it, k, norm, NAN, x, &stop));
        if (stop)
            return TES_OK;
    }
}

tes_status tes_sirt_solve(tes_problem *pb, const tes_array *y, tes_array *x,
                          const tes_solver_options *opt, tes_solver_result *res) {
    TES_CHECK(pb && y && x && opt, TES_ERR_ARG, "SIRT: NULL problem, data, volume or options");
    TES_CALL(tes_solver_options_validate(TES_SOLVER_SIRT, opt));
    tes_solver_result ignored;
    if (!res)
        res = &ignored;
    tes_operator *op = pb->op;
    tes_iteration it;
    tes_iteration_init(&it, TES_SOLVER_SIRT, pb, opt, res, &op, 1);

    sirt_work w = {0};
    tes_status st = TES_OK;
    TES_CALL_GOTO(st, sirt_work_alloc(op, &w), done);
    TES_CALL_GOTO(st, sirt_check(pb, y, x, &w), done);
    if (!opt->restore) {
        TES_CALL_GOTO(st, tes_solver_init_volume(opt, 0.0f, x), done);
        if (isfinite(opt->min) || isfinite(opt->max))
            TES_CALL_GOTO(st, tes_vec_clamp(x, opt->min, opt->max), done);
    }
    TES_CALL_GOTO(st, sirt_weights(op, &w), done);

    /* SIRT's state is x alone: r = y - A x is recomputed exactly. */
    tes_iteration_state_bind(&it, 0, NULL, NULL, NULL);
    double data_norm = 0.0, r0 = 0.0;
    int resumed = 0;
    TES_CALL_GOTO(st, tes_iteration_data_norm(&it, op, y, &data_norm), done);
    TES_CALL_GOTO(st, sirt_residual(&it, op, y, x, w.residual), done);
    TES_CALL_GOTO(st, tes_iteration_restore(&it, data_norm, &resumed), done);
    if (!opt->restore) {
        TES_CALL_GOTO(st, tes_iteration_data_norm(&it, op, w.residual, &r0), done);
        tes_iteration_start(&it, data_norm, r0);
    }
    if (!tes_iteration_finished(&it, resumed))
        TES_CALL_GOTO(st, sirt_iterate(&it, op, y, x, &w, resumed), done);
done:
    tes_iteration_finish(&it);
    sirt_work_free(&w);
    return st;
}
