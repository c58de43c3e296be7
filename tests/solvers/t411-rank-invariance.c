/* t411: a reconstruction on a rank grid equals the 1-rank reconstruction
 * (computed in-process on MPI_COMM_SELF) to float32 rounding of the
 * stitches: max |x_P - x_1| / max |x_1| <= 1e-5.
 * argv: geometry (parallel|cone), solver (sirt|osem|mlem|cgls), grid PSxPV,
 * [backend]. */
#include "solver_testing.h"

enum { N = 16, VIEWS = 16, ITERATIONS = 5 };
#define TOLERANCE 1e-5

int main(int argc, char **argv) {
    tes_test_mpi_init(&argc, &argv);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int p_slab = 0, p_view = 0;
    if (argc < 4 || !tes_test_parse_grid(argv[3], &p_slab, &p_view)) {
        if (rank == 0)
            fprintf(stderr, "usage: %s parallel|cone sirt|osem|mlem|cgls PSxPV [backend]\n",
                    argv[0]);
        MPI_Finalize();
        return 2;
    }
    tes_backend backend = tes_test_backend(argc, argv, 4);
    tes_vol_geom vol;
    tes_proj_geom *proj = NULL;
    tes_solver_algorithm alg;
    tes_solver_options opt;
    if (tes_test_geometry(argv[1], N, VIEWS, 0, &vol, &proj) &&
        tes_test_options(argv[2], ITERATIONS, &alg, &opt)) {
        float *reference = NULL;
        if (rank == 0)
            reference = tes_test_solve(MPI_COMM_SELF, &vol, proj, 1, 1, backend, alg, &opt, NULL);
        tes_solver_result res;
        float *x =
            tes_test_solve(MPI_COMM_WORLD, &vol, proj, p_slab, p_view, backend, alg, &opt, &res);
        if (rank == 0 && reference && x) {
            double rel = tes_test_max_relative(x, reference, vol.nz * vol.ny * vol.nx);
            printf("%s %s grid %dx%d on %d ranks: %d iterations, residual %.6g, max relative "
                   "difference to 1 rank %.3g\n",
                   argv[1], argv[2], p_slab, p_view, size, res.iterations, res.residual, rel);
            EXPECT(rel <= TOLERANCE, "relative difference %.3g exceeds %.1g", rel, TOLERANCE);
            EXPECT(res.iterations == ITERATIONS, "%d iterations run", res.iterations);
        }
        free(reference);
        free(x);
    }
    tes_proj_geom_destroy(&proj);
    int rc = tes_test_mpi_finish("t411-rank-invariance");
    MPI_Finalize();
    return rc;
}
