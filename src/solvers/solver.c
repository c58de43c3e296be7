#include "solvers/solver.h"

#include <math.h>
#include <string.h>

/* Defaults of tes_solver_options_default. */
enum { TES_SOLVER_DEFAULT_ITERATIONS = 100 };
#define TES_SOLVER_DEFAULT_RELAXATION 1.0f
/* SIRT converges for 0 < lambda < 2. */
#define TES_SIRT_MAX_RELAXATION 2.0f

static const char *const algorithm_names[TES_SOLVER_COUNT] = {"sirt", "osem", "mlem", "cgls"};

void tes_solver_options_default(tes_solver_options *opt) {
    *opt = (tes_solver_options){0};
    opt->iterations = TES_SOLVER_DEFAULT_ITERATIONS;
    opt->init = TES_SOLVER_INIT_DEFAULT;
    opt->relaxation = TES_SOLVER_DEFAULT_RELAXATION;
    opt->min = -INFINITY;
    opt->max = INFINITY;
    opt->subsets = 1;
    opt->residual = 1;
}

const char *tes_solver_algorithm_name(tes_solver_algorithm alg) {
    return (unsigned)alg < TES_SOLVER_COUNT ? algorithm_names[alg] : "unknown";
}

tes_status tes_solver_algorithm_parse(const char *text, const char *option,
                                      tes_solver_algorithm *out) {
    TES_CHECK(text, TES_ERR_ARG, "%s: no algorithm given (sirt, osem, mlem or cgls)", option);
    for (int a = 0; a < TES_SOLVER_COUNT; ++a) {
        if (!strcmp(text, algorithm_names[a])) {
            *out = (tes_solver_algorithm)a;
            return TES_OK;
        }
    }
    TES_FAIL(TES_ERR_ARG, "%s: unknown algorithm '%s' (accepted: sirt, osem, mlem, cgls)", option,
             text);
}

const char *tes_solver_stop_name(tes_solver_stop stop) {
    switch (stop) {
    case TES_SOLVER_STOP_ITERATIONS:
        return "iterations";
    case TES_SOLVER_STOP_CONVERGED:
        return "converged";
    case TES_SOLVER_STOP_STAGNATED:
        return "stagnated";
    case TES_SOLVER_STOP_CALLBACK:
        return "callback";
    case TES_SOLVER_STOP_EXACT:
        return "exact";
    }
    return "unknown";
}

static int has_box(const tes_solver_options *opt) {
    return isfinite(opt->min) || isfinite(opt->max);
}

static int is_em(tes_solver_algorithm alg) {
    return alg == TES_SOLVER_OSEM || alg == TES_SOLVER_MLEM;
}

tes_status tes_solver_options_validate(tes_solver_algorithm alg, const tes_solver_options *opt) {
    TES_CHECK((unsigned)alg < TES_SOLVER_COUNT, TES_ERR_ARG, "unknown algorithm %d", (int)alg);
    TES_CHECK(opt, TES_ERR_ARG, "solver options are NULL");
    TES_CHECK(opt->iterations >= 1, TES_ERR_ARG, "iterations = %d: at least 1 is needed",
              opt->iterations);
    TES_CHECK(isfinite(opt->tolerance) && opt->tolerance >= 0.0, TES_ERR_ARG,
              "tolerance = %g: must be >= 0 (0: off)", opt->tolerance);
    TES_CHECK(opt->init == TES_SOLVER_INIT_DEFAULT || opt->init == TES_SOLVER_INIT_CONSTANT ||
                  opt->init == TES_SOLVER_INIT_GIVEN,
              TES_ERR_ARG, "unknown initial volume kind %d", (int)opt->init);
    if (opt->init == TES_SOLVER_INIT_CONSTANT)
        TES_CHECK(isfinite(opt->init_value), TES_ERR_ARG, "initial value %g is not finite",
                  (double)opt->init_value);
    TES_CHECK(!isnan(opt->min) && !isnan(opt->max) && opt->min <= opt->max, TES_ERR_ARG,
              "box constraint [min, max] = [%g, %g] is empty or NaN", (double)opt->min,
              (double)opt->max);
    TES_CHECK(!opt->additive || is_em(alg), TES_ERR_ARG,
              "an additive term b applies to OSEM and MLEM only, not %s",
              tes_solver_algorithm_name(alg));
    TES_CHECK(opt->subsets == 1 || alg == TES_SOLVER_OSEM, TES_ERR_ARG,
              "subsets = %zu: subsets apply to OSEM only (%s uses all views at once)", opt->subsets,
              tes_solver_algorithm_name(alg));
    TES_CHECK(opt->subsets >= 1, TES_ERR_ARG, "subsets = 0: at least 1 is needed");
    if (alg == TES_SOLVER_SIRT)
        TES_CHECK(opt->relaxation > 0.0f && opt->relaxation < TES_SIRT_MAX_RELAXATION, TES_ERR_ARG,
                  "relaxation = %g: SIRT converges for 0 < relaxation < %g",
                  (double)opt->relaxation, (double)TES_SIRT_MAX_RELAXATION);
    else
        TES_CHECK(!has_box(opt), TES_ERR_ARG,
                  "the box constraint (min/max) applies to SIRT only; %s %s",
                  tes_solver_algorithm_name(alg),
                  is_em(alg) ? "keeps x positive by itself" : "would lose its conjugacy");
    if (is_em(alg)) {
        TES_CHECK(opt->init != TES_SOLVER_INIT_CONSTANT || opt->init_value > 0.0f, TES_ERR_ARG,
                  "initial value %g: %s needs a positive start (multiplicative updates keep a "
                  "voxel at 0 or below where it is)",
                  (double)opt->init_value, tes_solver_algorithm_name(alg));
        TES_CHECK(opt->residual || opt->tolerance == 0.0, TES_ERR_ARG,
                  "a tolerance needs the residual, which is switched off");
    }
    return TES_OK;
}

void tes_solver_vectors(tes_solver_algorithm alg, const tes_solver_options *opt,
                        int *volume_vectors, int *data_vectors) {
    size_t subsets = opt && alg == TES_SOLVER_OSEM ? opt->subsets : 1;
    int additive = opt && opt->additive ? 1 : 0;
    switch (alg) {
    case TES_SOLVER_SIRT:
        /* x, C, A^T R r | y, R, r */
        *volume_vectors = 3;
        *data_vectors = 3;
        break;
    case TES_SOLVER_CGLS:
        /* x, s, p | y, r, q */
        *volume_vectors = 3;
        *data_vectors = 3;
        break;
    case TES_SOLVER_OSEM:
    case TES_SOLVER_MLEM:
    default:
        /* x, one sensitivity per subset, backprojection, mask | y, the subsets' y_s
         * and A_s x (one data vector each in all), A x, y - A x, b and b_s */
        *volume_vectors = 3 + (int)subsets;
        *data_vectors = 3 + (subsets > 1 ? 2 : 0) + (additive ? 1 + (subsets > 1) : 0);
        break;
    }
}

tes_status tes_solver_solve(tes_solver_algorithm alg, tes_problem *pb, const tes_array *y,
                            tes_array *x, const tes_solver_options *opt, tes_solver_result *res) {
    tes_solver_result ignored;
    if (!res)
        res = &ignored;
    switch (alg) {
    case TES_SOLVER_SIRT:
        TES_CALL(tes_sirt_solve(pb, y, x, opt, res));
        break;
    case TES_SOLVER_MLEM:
        /* MLEM is OSEM with one subset; the check refuses any other count. */
        TES_CALL(tes_solver_options_validate(alg, opt));
        TES_CALL(tes_osem_solve(pb, y, x, opt, res));
        break;
    case TES_SOLVER_OSEM:
        TES_CALL(tes_osem_solve(pb, y, x, opt, res));
        break;
    case TES_SOLVER_CGLS:
        TES_CALL(tes_cgls_solve(pb, y, x, opt, res));
        break;
    default:
        TES_FAIL(TES_ERR_ARG, "unknown algorithm %d", (int)alg);
    }
    return TES_OK;
}
