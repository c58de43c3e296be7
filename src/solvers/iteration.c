#include "solvers/iteration.h"

#include <math.h>

#include "core/timer.h"
#include "core/vec.h"

/* Updates per second in the unit of the report: giga-updates. */
#define TES_GIGA 1e9

void tes_iteration_init(tes_iteration *it, tes_solver_algorithm alg, tes_problem *pb,
                        const tes_solver_options *opt, tes_solver_result *res,
                        tes_operator *const *ops, size_t nops) {
    *it = (tes_iteration){0};
    it->algorithm = alg;
    it->pb = pb;
    it->opt = opt;
    it->res = res;
    it->ops = ops;
    it->nops = nops;
    it->solve_started = tes_time_now();
    it->rho_prev = NAN;
    *res = (tes_solver_result){0};
    res->stop = TES_SOLVER_STOP_ITERATIONS;
    res->initial_residual = NAN;
    res->residual = NAN;
    res->relative_residual = NAN;
}

double tes_solver_relative(double residual, double data_norm) {
    return data_norm > 0.0 ? residual / data_norm : residual;
}

void tes_iteration_start(tes_iteration *it, double data_norm, double initial_residual) {
    it->res->data_norm = data_norm;
    it->res->initial_residual = initial_residual;
    it->res->residual = initial_residual;
    it->res->relative_residual = tes_solver_relative(initial_residual, data_norm);
    it->rho_prev = it->res->relative_residual;
}

void tes_iteration_begin(tes_iteration *it) {
    for (size_t i = 0; i < it->nops; ++i)
        tes_operator_reset_stats(it->ops[i]);
    it->update_seconds = 0.0;
    it->dot_seconds = 0.0;
    it->started = tes_time_now();
}

void tes_iteration_update_begin(tes_iteration *it) {
    it->update_started = tes_time_now();
}

void tes_iteration_update_end(tes_iteration *it) {
    it->update_seconds += tes_time_now() - it->update_started;
}

tes_status tes_iteration_data_dot(tes_iteration *it, tes_operator *op, const tes_array *a,
                                  const tes_array *b, double *out) {
    double t = tes_time_now();
    TES_CALL(tes_operator_data_dot(op, a, b, out));
    it->dot_seconds += tes_time_now() - t;
    return TES_OK;
}

tes_status tes_iteration_volume_dot(tes_iteration *it, tes_operator *op, const tes_array *a,
                                    const tes_array *b, double *out) {
    double t = tes_time_now();
    TES_CALL(tes_operator_volume_dot(op, a, b, out));
    it->dot_seconds += tes_time_now() - t;
    return TES_OK;
}

tes_status tes_iteration_data_norm(tes_iteration *it, tes_operator *op, const tes_array *a,
                                   double *out) {
    double sq = 0.0;
    TES_CALL(tes_iteration_data_dot(it, op, a, a, &sq));
    *out = sqrt(fmax(sq, 0.0));
    return TES_OK;
}

/* The report of the iteration just finished; the job-wide sums cost one
 * small allreduce. */
static tes_status fill_report(tes_iteration *it, int k, double residual, double gradient,
                              tes_solver_report *rep) {
    *rep = (tes_solver_report){0};
    rep->algorithm = it->algorithm;
    rep->iteration = k;
    rep->iterations = it->opt->iterations;
    rep->residual = residual;
    rep->relative_residual = tes_solver_relative(residual, it->res->data_norm);
    rep->gradient_norm = gradient;
    rep->seconds = tes_time_now() - it->started;
    for (size_t i = 0; i < it->nops; ++i) {
        tes_operator_stats s = tes_operator_get_stats(it->ops[i]);
        rep->forward_seconds += s.forward_seconds;
        rep->adjoint_seconds += s.adjoint_seconds;
        rep->reduce_seconds += s.reduce_seconds;
        rep->reduce_total_seconds += s.reduce_total_seconds;
        rep->bytes_reduced += s.bytes_reduced;
        rep->updates += s.updates;
    }
    rep->reduce_seconds += it->dot_seconds;
    rep->reduce_total_seconds += it->dot_seconds;
    rep->update_seconds = it->update_seconds;

    double sums[2] = {rep->updates, rep->bytes_reduced};
    TES_CALL(tes_comm_allreduce_doubles(it->pb->world_comm, sums, 2));
    rep->updates = sums[0];
    rep->bytes_reduced_total = sums[1];
    rep->gups = rep->seconds > 0.0 ? rep->updates / rep->seconds / TES_GIGA : 0.0;
    return TES_OK;
}

/* The stopping rule of solver.h. */
static tes_solver_stop tolerance_stop(double tol, double rho_prev, double rho) {
    if (!(tol > 0.0) || !isfinite(rho))
        return TES_SOLVER_STOP_ITERATIONS;
    if (rho < tol)
        return TES_SOLVER_STOP_CONVERGED;
    if (isfinite(rho_prev) && fabs(rho_prev - rho) < tol * rho_prev)
        return TES_SOLVER_STOP_STAGNATED;
    return TES_SOLVER_STOP_ITERATIONS;
}

tes_status tes_iteration_end(tes_iteration *it, int k, double residual, double gradient,
                             const tes_array *x, int *stop) {
    tes_solver_report rep;
    TES_CALL(fill_report(it, k, residual, gradient, &rep));
    tes_solver_result *res = it->res;
    res->iterations = k;
    res->residual = residual;
    res->relative_residual = rep.relative_residual;

    tes_solver_state *state = it->opt->state;
    if (state) {
        state->iteration = k;
        state->initial_residual = res->initial_residual;
        state->residual = residual;
        state->rho = rep.relative_residual;
    }
    *stop = 0;
    if (it->opt->callback) {
        TES_CALL(it->opt->callback(&rep, x, stop, it->opt->user));
        if (*stop) {
            res->stop = TES_SOLVER_STOP_CALLBACK;
            return TES_OK;
        }
    }
    tes_solver_stop why = tolerance_stop(it->opt->tolerance, it->rho_prev, rep.relative_residual);
    it->rho_prev = rep.relative_residual;
    if (why != TES_SOLVER_STOP_ITERATIONS || k >= it->opt->iterations) {
        res->stop = why;
        *stop = 1;
    }
    return TES_OK;
}

void tes_iteration_state_bind(tes_iteration *it, size_t n, const char *const *names,
                              const int *is_data, tes_array *const *vectors) {
    tes_solver_state *state = it->opt->state;
    if (!state)
        return;
    state->nvectors = n < TES_SOLVER_STATE_MAX_VECTORS ? n : TES_SOLVER_STATE_MAX_VECTORS;
    for (size_t i = 0; i < state->nvectors; ++i) {
        state->names[i] = names[i];
        state->is_data[i] = is_data[i];
        state->vectors[i] = vectors[i];
    }
}

tes_status tes_iteration_restore(tes_iteration *it, double data_norm, int *done) {
    *done = 0;
    if (!it->opt->restore)
        return TES_OK;
    tes_solver_state *state = it->opt->state;
    TES_CHECK(state, TES_ERR_ARG, "%s: resuming needs a solver state (options.state)",
              tes_solver_algorithm_name(it->algorithm));
    TES_CALL(it->opt->restore(state, it->opt->user));
    TES_CHECK(state->iteration >= 0, TES_ERR_INPUT, "%s: a checkpoint at iteration %d",
              tes_solver_algorithm_name(it->algorithm), state->iteration);
    tes_iteration_start(it, data_norm, state->initial_residual);
    it->rho_prev = state->rho;
    it->res->iterations = state->iteration;
    it->res->residual = state->residual;
    it->res->relative_residual = state->rho;
    *done = state->iteration;
    return TES_OK;
}

int tes_iteration_finished(const tes_iteration *it, int done) {
    return done > 0 && done >= it->opt->iterations;
}

void tes_iteration_finish(tes_iteration *it) {
    it->res->seconds = tes_time_now() - it->solve_started;
}

tes_status tes_solver_init_volume(const tes_solver_options *opt, float default_value,
                                  tes_array *x) {
    switch (opt->init) {
    case TES_SOLVER_INIT_DEFAULT:
        TES_CALL(tes_vec_fill(x, default_value));
        break;
    case TES_SOLVER_INIT_CONSTANT:
        TES_CALL(tes_vec_fill(x, opt->init_value));
        break;
    case TES_SOLVER_INIT_GIVEN:
        break;
    }
    return TES_OK;
}

tes_status tes_solver_expect_like(const tes_array *a, const tes_array *like, const char *what) {
    TES_CHECK(a, TES_ERR_ARG, "%s is NULL", what);
    TES_CHECK(a->dtype == TES_FLOAT32, TES_ERR_SHAPE, "%s is %s, float32 expected", what,
              tes_dtype_name(a->dtype));
    TES_CHECK(a->location == like->location, TES_ERR_SHAPE,
              "%s is in %s memory, the operator works in %s memory", what,
              tes_location_name(a->location), tes_location_name(like->location));
    TES_CHECK(tes_array_count(a) == tes_array_count(like), TES_ERR_SHAPE,
              "%s has %zu elements on this rank, the operator's local vector has %zu", what,
              tes_array_count(a), tes_array_count(like));
    return TES_OK;
}
