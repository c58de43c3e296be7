/* t414: the solver options: invalid values refused with the field named;
 * the initial volume (constant, given; OSEM keeps voxels that start at 0
 * at 0 and refuses a start with voxels < 0, NaN, or none > 0); a callback stops the solve; the tolerance stops it
 * (converged or stagnated) and r_0 / rho follow solver.h. argv: [backend].
 * One rank. */
#include "solver_testing.h"

#include "core/vec.h"

enum { N = 16, VIEWS = 12 };

static void expect_invalid(tes_solver_algorithm alg, const tes_solver_options *opt,
                           const char *text) {
    EXPECT_ERROR(tes_solver_options_validate(alg, opt), TES_ERR_ARG, text);
}

static void test_validation(void) {
    tes_solver_options o;
    tes_solver_options_default(&o);
    EXPECT_OK(tes_solver_options_validate(TES_SOLVER_SIRT, &o));
    o.iterations = 0;
    expect_invalid(TES_SOLVER_SIRT, &o, "iterations");
    tes_solver_options_default(&o);
    o.tolerance = -1.0;
    expect_invalid(TES_SOLVER_CGLS, &o, "tolerance");
    tes_solver_options_default(&o);
    o.relaxation = 2.0f;
    expect_invalid(TES_SOLVER_SIRT, &o, "relaxation");
    tes_solver_options_default(&o);
    o.min = 0.0f;
    expect_invalid(TES_SOLVER_CGLS, &o, "box constraint");
    expect_invalid(TES_SOLVER_OSEM, &o, "box constraint");
    o.min = 1.0f;
    o.max = 0.0f;
    expect_invalid(TES_SOLVER_SIRT, &o, "[min, max]");
    tes_solver_options_default(&o);
    o.subsets = 4;
    expect_invalid(TES_SOLVER_MLEM, &o, "subsets");
    expect_invalid(TES_SOLVER_SIRT, &o, "subsets");
    tes_solver_options_default(&o);
    o.init = TES_SOLVER_INIT_CONSTANT;
    o.init_value = 0.0f;
    expect_invalid(TES_SOLVER_MLEM, &o, "positive start");
    tes_solver_options_default(&o);
    o.residual = 0;
    o.tolerance = 1e-3;
    expect_invalid(TES_SOLVER_OSEM, &o, "residual");
    tes_solver_algorithm alg;
    EXPECT_ERROR(tes_solver_algorithm_parse("art", "--algorithm", &alg), TES_ERR_ARG,
                 "--algorithm: unknown algorithm 'art'");
}

typedef struct stop_after {
    int at, calls;
} stop_after;

static tes_status stop_at(const tes_solver_report *rep, const tes_array *x, int *stop, void *user) {
    stop_after *s = user;
    ++s->calls;
    *stop = rep->iteration >= s->at;
    return TES_OK;
}

static void test_solves(tes_backend backend) {
    tes_vol_geom vol;
    tes_proj_geom *proj = NULL;
    tes_test_problem t = {0};
    if (!tes_test_geometry("parallel", N, VIEWS, 0, &vol, &proj) ||
        !tes_test_problem_create(&t, MPI_COMM_SELF, &vol, proj, 1, 1, backend))
        goto done;
    tes_solver_options o;
    tes_solver_result res;

    /* A callback ends the solve. */
    stop_after s = {2, 0};
    tes_solver_options_default(&o);
    o.callback = stop_at;
    o.user = &s;
    if (EXPECT_OK(tes_sirt_solve(t.pb, t.y, t.x, &o, &res)))
        EXPECT(res.iterations == 2 && s.calls == 2 && res.stop == TES_SOLVER_STOP_CALLBACK,
               "callback stop: %d iterations, %d calls, stop %s", res.iterations, s.calls,
               tes_solver_stop_name(res.stop));

    /* A constant start: r_0 = ||y - A c||; zero start: r_0 = ||y|| = data_norm. */
    tes_solver_options_default(&o);
    o.iterations = 1;
    if (EXPECT_OK(tes_cgls_solve(t.pb, t.y, t.x, &o, &res)))
        EXPECT(fabs(res.initial_residual - res.data_norm) <= 1e-6 * res.data_norm,
               "zero start: r_0 %g, ||y|| %g", res.initial_residual, res.data_norm);
    o.init = TES_SOLVER_INIT_CONSTANT;
    o.init_value = 0.25f;
    if (EXPECT_OK(tes_cgls_solve(t.pb, t.y, t.x, &o, &res)))
        EXPECT(res.initial_residual != res.data_norm, "constant start ignored");

    /* A given start is kept: SIRT from the result of 3 iterations, 2 more,
     * equals 5 iterations at once. */
    tes_array *five = NULL;
    tes_solver_options_default(&o);
    o.iterations = 5;
    EXPECT_OK(tes_sirt_solve(t.pb, t.y, t.x, &o, &res));
    EXPECT_OK(tes_array_clone(&five, t.x, TES_HOST));
    o.iterations = 3;
    EXPECT_OK(tes_sirt_solve(t.pb, t.y, t.x, &o, &res));
    o.iterations = 2;
    o.init = TES_SOLVER_INIT_GIVEN;
    EXPECT_OK(tes_sirt_solve(t.pb, t.y, t.x, &o, &res));
    float *split = tes_test_gather(&t, t.x);
    if (split && five)
        EXPECT(tes_test_max_relative(split, five->data, N * N * N) <= 1e-6,
               "3 + 2 SIRT iterations differ from 5: %g",
               tes_test_max_relative(split, five->data, N * N * N));
    free(split);
    tes_array_destroy(&five);

    /* OSEM takes a given start with voxels at 0 (they stay 0) and refuses
     * one with a voxel < 0 or NaN, or with none > 0. */
    tes_solver_options_default(&o);
    o.init = TES_SOLVER_INIT_GIVEN;
    o.iterations = 2;
    EXPECT_OK(tes_vec_fill(t.x, 1.0f));
    float *host = t.x->location == TES_HOST ? t.x->data : NULL;
    if (host) {
        host[0] = 0.0f;
        const size_t centre = ((size_t)N / 2 * N + N / 2) * N + N / 2;
        if (EXPECT_OK(tes_osem_solve(t.pb, t.y, t.x, &o, &res)))
            EXPECT(host[0] == 0.0f && host[centre] > 0.0f && host[centre] != 1.0f,
                   "OSEM: the voxel at 0 moved (%g), or the centre did not (%g)",
                   (double)host[0], (double)host[centre]);
        host[1] = -1.0f;
        EXPECT_ERROR(tes_osem_solve(t.pb, t.y, t.x, &o, &res), TES_ERR_ARG,
                     "has voxels < 0 (their root sum of squares is 1)");
        host[1] = NAN;
        EXPECT_ERROR(tes_osem_solve(t.pb, t.y, t.x, &o, &res), TES_ERR_ARG, "NaN or Inf");
        EXPECT_OK(tes_vec_fill(t.x, 0.0f));
        EXPECT_ERROR(tes_osem_solve(t.pb, t.y, t.x, &o, &res), TES_ERR_ARG, "no voxel > 0");
    }

    /* The tolerance: stagnation ends a long noise-free SIRT run early. */
    tes_solver_options_default(&o);
    o.iterations = 10000;
    o.tolerance = 1e-3;
    if (EXPECT_OK(tes_sirt_solve(t.pb, t.y, t.x, &o, &res)))
        EXPECT(res.iterations < o.iterations &&
                   (res.stop == TES_SOLVER_STOP_STAGNATED || res.stop == TES_SOLVER_STOP_CONVERGED),
               "tolerance: %d iterations, stop %s", res.iterations, tes_solver_stop_name(res.stop));
    printf("tolerance 1e-3: SIRT stopped (%s) after %d iterations at rho %.4g\n",
           tes_solver_stop_name(res.stop), res.iterations, res.relative_residual);
    o.tolerance = 0.5;
    if (EXPECT_OK(tes_sirt_solve(t.pb, t.y, t.x, &o, &res)))
        EXPECT(res.stop == TES_SOLVER_STOP_CONVERGED && res.relative_residual < 0.5,
               "tolerance 0.5: stop %s at rho %g", tes_solver_stop_name(res.stop),
               res.relative_residual);
done:
    tes_test_problem_destroy(&t);
    tes_proj_geom_destroy(&proj);
}

int main(int argc, char **argv) {
    tes_test_mpi_init(&argc, &argv);
    test_validation();
    test_solves(tes_test_backend(argc, argv, 1));
    int rc = tes_test_mpi_finish("t414-options");
    MPI_Finalize();
    return rc;
}
