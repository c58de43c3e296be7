/* t502: distributed FBP/FDK on a rank grid equals the 1-rank reconstruction
 * (computed in-process on MPI_COMM_SELF) to float32 rounding of the stitch:
 * max |x_P - x_1| / max |x_1| <= 1e-5; and the reconstruction, given to
 * SIRT, CGLS and OSEM (raised to at least OSEM_FLOOR first: OSEM needs a
 * positive start, its updates are multiplicative) as their initial volume, starts them at a
 * residual far below that of the zero volume. argv: geometry (parallel|cone), grid PSxPV,
 * [backend]. */
#include "solvers/solver_testing.h"

#include "core/vec.h"
#include "solvers/fbp.h"

enum { N = 24, VIEWS = 60, OSEM_SUBSETS = 4 };
#define TOLERANCE  1e-5
#define OSEM_FLOOR 1e-3f /* the phantom's values are 0.1 .. 1 */
/* The FBP start's relative residual ||y - A x_fbp|| / ||y|| must stay
 * below this; the zero volume starts at 1. Measured at N = 24: 0.090
 * parallel, 0.134 cone (OSEM, raised to OSEM_FLOOR: 0.098, 0.138). The
 * bound leaves room for changes of the projector's model, which is not the
 * model FBP inverts. */
#define WARM_START_RESIDUAL 0.3

/* FBP on comm with grid p_slab x p_view; the whole volume on rank 0 of
 * comm. With warm set, also start SIRT and CGLS from it. */
static float *fbp_on(MPI_Comm comm, const tes_vol_geom *vol, const tes_proj_geom *proj, int p_slab,
                     int p_view, tes_backend backend, int warm) {
    tes_test_problem t = {0};
    float *whole = NULL;
    int done = tes_test_problem_create(&t, comm, vol, proj, p_slab, p_view, backend) &&
               EXPECT_OK(tes_fbp(t.pb, t.y, t.x, NULL, NULL));
    if (done)
        whole = tes_test_gather(&t, t.x);
    const tes_solver_algorithm warm_starts[] = {TES_SOLVER_SIRT, TES_SOLVER_CGLS, TES_SOLVER_OSEM};
    for (size_t k = 0; warm && done && k < sizeof warm_starts / sizeof warm_starts[0]; ++k) {
        tes_solver_algorithm alg = warm_starts[k];
        tes_solver_options opt;
        tes_solver_options_default(&opt);
        opt.iterations = 1;
        opt.init = TES_SOLVER_INIT_GIVEN;
        opt.subsets = alg == TES_SOLVER_OSEM ? OSEM_SUBSETS : 1;
        tes_solver_result res;
        tes_array *x = NULL;
        if (EXPECT_OK(tes_array_clone(&x, t.x, tes_backend_location(backend))) &&
            (alg != TES_SOLVER_OSEM || EXPECT_OK(tes_vec_clamp(x, OSEM_FLOOR, INFINITY))) &&
            EXPECT_OK(tes_solver_solve(alg, t.pb, t.y, x, &opt, &res))) {
            double rho0 = res.initial_residual / res.data_norm;
            if (t.grid->rank == 0)
                printf("%s started from FBP: relative residual %.4f, after 1 iteration %.4f\n",
                       tes_solver_algorithm_name(alg), rho0, res.relative_residual);
            EXPECT(rho0 < WARM_START_RESIDUAL, "%s: FBP start's relative residual %.4f",
                   tes_solver_algorithm_name(alg), rho0);
        }
        tes_array_destroy(&x);
    }
    tes_test_problem_destroy(&t);
    return whole;
}

int main(int argc, char **argv) {
    tes_test_mpi_init(&argc, &argv);
    int rank = 0, size = 1, p_slab = 0, p_view = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc < 3 || !tes_test_parse_grid(argv[2], &p_slab, &p_view)) {
        if (rank == 0)
            fprintf(stderr, "usage: %s parallel|cone PSxPV [backend]\n", argv[0]);
        MPI_Finalize();
        return 2;
    }
    tes_backend backend = tes_test_backend(argc, argv, 3);
    tes_vol_geom vol;
    tes_proj_geom *proj = NULL;
    if (tes_test_geometry(argv[1], N, VIEWS, 0, &vol, &proj)) {
        /* An off-centre axis and per-view shifts: the stitch must not care. */
        proj->center_col += 0.75;
        for (size_t v = 0; v < proj->nviews; ++v)
            proj->shift_u[v] = 0.25 * sin((double)v);
        float *reference = NULL;
        if (rank == 0)
            reference = fbp_on(MPI_COMM_SELF, &vol, proj, 1, 1, backend, 0);
        float *x = fbp_on(MPI_COMM_WORLD, &vol, proj, p_slab, p_view, backend, 1);
        if (rank == 0 && reference && x) {
            double rel = tes_test_max_relative(x, reference, vol.nz * vol.ny * vol.nx);
            printf("%s %s grid %dx%d on %d ranks: max relative difference to 1 rank %.3g\n",
                   tes_fbp_algorithm_name(proj->kind), argv[1], p_slab, p_view, size, rel);
            EXPECT(rel <= TOLERANCE, "relative difference %.3g exceeds %.1g", rel, TOLERANCE);
        }
        free(reference);
        free(x);
    }
    tes_proj_geom_destroy(&proj);
    int rc = tes_test_mpi_finish("t502-fbp-ranks");
    MPI_Finalize();
    return rc;
}
