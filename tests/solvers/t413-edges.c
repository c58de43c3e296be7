/* t413: edge cases of the distributed solvers, each against the 1-rank
 * solve (MPI_COMM_SELF) and free of NaN/Inf: cone beam with several slabs
 * equals one slab; more ranks than slices; a rank that owns no views; a
 * single view; zero rows of A (a detector wider than the volume: R guarded);
 * truncated projections (a narrower detector); zero columns (a detector
 * shorter than the volume: C and the OSEM sensitivity guarded, unseen voxels
 * keep their start); OSEM with an additive term b. Written for 4 ranks,
 * runs on any number. argv: [backend]. */
#include "solver_testing.h"

#include "core/vec.h"

enum { N = 16, VIEWS = 12, ITERATIONS = 4, MAX_SUBSETS = 4 };
#define TOLERANCE 1e-5

static const char *const all_solvers[] = {"sirt", "osem", "mlem", "cgls"};
enum { NSOLVERS = sizeof all_solvers / sizeof all_solvers[0] };

static int world_rank(void) {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}

static int world_size(void) {
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}

static void options_for(const char *solver, const tes_proj_geom *proj, tes_solver_algorithm *alg,
                        tes_solver_options *opt) {
    tes_test_options(solver, ITERATIONS, alg, opt);
    if (*alg == TES_SOLVER_OSEM)
        opt->subsets = proj->nviews < MAX_SUBSETS ? proj->nviews : MAX_SUBSETS;
}

/* Solve on grid a and grid b of the world (b_slab 0: the 1-rank solve on
 * MPI_COMM_SELF) and compare on rank 0. Returns the volume of grid a on
 * rank 0 for further checks (caller frees). */
static float *compare(const char *what, const char *solver, const tes_vol_geom *vol,
                      const tes_proj_geom *proj, int a_slab, int a_view, int b_slab, int b_view,
                      tes_backend backend) {
    tes_solver_algorithm alg;
    tes_solver_options opt;
    options_for(solver, proj, &alg, &opt);
    float *ref = NULL;
    if (b_slab == 0 && world_rank() == 0)
        ref = tes_test_solve(MPI_COMM_SELF, vol, proj, 1, 1, backend, alg, &opt, NULL);
    else if (b_slab > 0)
        ref = tes_test_solve(MPI_COMM_WORLD, vol, proj, b_slab, b_view, backend, alg, &opt, NULL);
    float *x = tes_test_solve(MPI_COMM_WORLD, vol, proj, a_slab, a_view, backend, alg, &opt, NULL);
    if (world_rank() == 0 && x && ref) {
        size_t n = vol->nz * vol->ny * vol->nx;
        double rel = tes_test_max_relative(x, ref, n);
        size_t bad = tes_test_count_nonfinite(x, n);
        printf("%-28s %-4s grid %dx%d vs %dx%d: max relative difference %.3g, %zu NaN/Inf\n", what,
               solver, a_slab, a_view, b_slab ? b_slab : 1, b_slab ? b_view : 1, rel, bad);
        EXPECT(rel <= TOLERANCE, "%s %s: relative difference %.3g", what, solver, rel);
        EXPECT(bad == 0, "%s %s: %zu NaN/Inf voxels", what, solver, bad);
    }
    free(ref);
    return x;
}

static void cone_slabs(tes_backend backend) {
    tes_vol_geom vol;
    tes_proj_geom *proj = NULL;
    int p = world_size();
    if (tes_test_geometry("cone", N, VIEWS, 0, &vol, &proj))
        for (int s = 0; s < NSOLVERS; ++s)
            free(
                compare("cone: P slabs = 1 slab", all_solvers[s], &vol, proj, p, 1, 1, p, backend));
    tes_proj_geom_destroy(&proj);
}

/* Fewer slices than ranks: the automatic grid must put ranks into views. */
static void thin_volume(tes_backend backend) {
    const size_t slices = 3;
    const char *const kinds[] = {"parallel", "cone"};
    for (int g = 0; g < 2; ++g) {
        tes_vol_geom vol;
        tes_proj_geom *proj = NULL;
        if (!tes_test_geometry(kinds[g], N, VIEWS, 0, &vol, &proj))
            continue;
        vol.nz = slices;
        tes_grid *grid = NULL;
        tes_grid_request req = {0, 0, 0, 1, 1};
        if (EXPECT_OK(tes_grid_create(&grid, MPI_COMM_WORLD, &vol, proj, &req))) {
            EXPECT(grid->p_slab <= (int)slices, "automatic grid %dx%d for %zu slices", grid->p_slab,
                   grid->p_view, slices);
            int ps = grid->p_slab, pv = grid->p_view;
            for (int s = 0; s < NSOLVERS; ++s)
                free(
                    compare(g ? "cone: more ranks than slices" : "parallel: more ranks than slices",
                            all_solvers[s], &vol, proj, ps, pv, 0, 0, backend));
        }
        tes_grid_destroy(&grid);
        tes_proj_geom_destroy(&proj);
    }
}

/* Fewer views than ranks: some view groups are empty. */
static void few_views(tes_backend backend, size_t nviews, const char *what) {
    tes_vol_geom vol;
    tes_proj_geom *proj = NULL;
    int p = world_size();
    if (tes_test_geometry("parallel", N, nviews, 0, &vol, &proj))
        for (int s = 0; s < NSOLVERS; ++s)
            free(compare(what, all_solvers[s], &vol, proj, 1, p, 0, 0, backend));
    tes_proj_geom_destroy(&proj);
}

/* A detector three times wider than the volume: most rows of A are zero. */
static void wide_detector(tes_backend backend) {
    tes_vol_geom vol;
    tes_proj_geom *proj = NULL;
    const size_t wide = 3 * N;
    int p = world_size();
    int slabs = p % 2 ? 1 : 2;
    if (tes_test_geometry("parallel", N, VIEWS, wide, &vol, &proj))
        for (int s = 0; s < NSOLVERS; ++s)
            free(compare("zero rows (wide detector)", all_solvers[s], &vol, proj, slabs, p / slabs,
                         0, 0, backend));
    tes_proj_geom_destroy(&proj);
}

/* A detector half as wide as the volume: truncated projections. */
static void narrow_detector(tes_backend backend) {
    tes_vol_geom vol;
    tes_proj_geom *proj = NULL;
    int p = world_size();
    if (tes_test_geometry("parallel", N, VIEWS, N / 2, &vol, &proj))
        for (int s = 0; s < NSOLVERS; ++s)
            free(compare("truncated (narrow detector)", all_solvers[s], &vol, proj, 1, p, 0, 0,
                         backend));
    tes_proj_geom_destroy(&proj);
}

/* A detector with half the volume's rows: the outer slices are met by no
 * ray (zero columns of A; with P slabs the outer slabs reach no detector
 * row at all). C and the OSEM sensitivity are guarded; unseen voxels keep
 * their start. */
static void short_detector(tes_backend backend) {
    tes_vol_geom vol;
    tes_proj_geom *proj = NULL;
    int p = world_size();
    if (!tes_test_geometry("parallel", N, VIEWS, 0, &vol, &proj))
        return;
    tes_proj_geom *short_proj = NULL;
    if (EXPECT_OK(
            tes_proj_geom_create(&short_proj, TES_GEOM_PARALLEL3D, VIEWS, N / 2, proj->ncols))) {
        for (int s = 0; s < NSOLVERS; ++s) {
            float *x = compare("zero columns (short detector)", all_solvers[s], &vol, short_proj, p,
                               1, 0, 0, backend);
            if (x) {
                /* the centre of the first slice, z = -7.5 mm: no detector row reaches it */
                size_t centre = (N / 2) * N + N / 2;
                int em = !strcmp(all_solvers[s], "osem") || !strcmp(all_solvers[s], "mlem");
                float start = em ? 1.f : 0.f;
                EXPECT(x[centre] == start, "%s: unseen voxel is %g, expected its start %g",
                       all_solvers[s], (double)x[centre], (double)start);
            }
            free(x);
        }
    }
    tes_proj_geom_destroy(&short_proj);
    tes_proj_geom_destroy(&proj);
}

/* OSEM with an additive term b on y + b (a constant background): the same
 * on every grid; r_0 = ||y + b - A x_0 - b|| equals the r_0 of y without b. */
static float *solve_with_background(MPI_Comm comm, const tes_vol_geom *vol,
                                    const tes_proj_geom *proj, int p_slab, int p_view,
                                    tes_backend backend, int with_b, double *r0) {
    const float background = 0.5f;
    tes_test_problem t = {0};
    tes_array *b = NULL;
    float *x = NULL;
    tes_solver_algorithm alg;
    tes_solver_options opt;
    options_for("osem", proj, &alg, &opt);
    tes_solver_result res;
    if (tes_test_problem_create(&t, comm, vol, proj, p_slab, p_view, backend) &&
        EXPECT_OK(tes_operator_new_data(t.pb->op, &b)) && EXPECT_OK(tes_vec_fill(b, background)) &&
        EXPECT_OK(tes_vec_axpy(t.y, with_b ? 1.0f : 0.0f, b))) {
        opt.additive = with_b ? b : NULL;
        if (EXPECT_OK(tes_solver_solve(alg, t.pb, t.y, t.x, &opt, &res))) {
            *r0 = res.initial_residual;
            x = tes_test_gather(&t, t.x);
        }
    }
    tes_array_destroy(&b);
    tes_test_problem_destroy(&t);
    return x;
}

static void additive_term(tes_backend backend) {
    tes_vol_geom vol;
    tes_proj_geom *proj = NULL;
    int p = world_size(), slabs = p % 2 ? 1 : 2;
    if (!tes_test_geometry("cone", N, VIEWS, 0, &vol, &proj))
        return;
    double r0_ref = 0.0, r0 = 0.0, r0_plain = 0.0;
    float *ref = NULL;
    if (world_rank() == 0)
        ref = solve_with_background(MPI_COMM_SELF, &vol, proj, 1, 1, backend, 1, &r0_ref);
    float *x = solve_with_background(MPI_COMM_WORLD, &vol, proj, slabs, p / slabs, backend, 1, &r0);
    float *plain =
        solve_with_background(MPI_COMM_WORLD, &vol, proj, slabs, p / slabs, backend, 0, &r0_plain);
    if (world_rank() == 0 && ref && x) {
        size_t n = vol.nz * vol.ny * vol.nx;
        double rel = tes_test_max_relative(x, ref, n);
        printf("%-28s osem grid %dx%d vs 1x1: max relative difference %.3g, %zu NaN/Inf; r_0 "
               "%.6g with b, %.6g without\n",
               "additive term b", slabs, p / slabs, rel, tes_test_count_nonfinite(x, n), r0,
               r0_plain);
        EXPECT(rel <= TOLERANCE, "additive term: relative difference %.3g", rel);
        EXPECT(tes_test_count_nonfinite(x, n) == 0, "additive term: NaN/Inf voxels");
        EXPECT(fabs(r0 - r0_plain) <= TOLERANCE * r0_plain,
               "r_0 with b %.9g differs from r_0 of the data without b %.9g", r0, r0_plain);
    }
    free(plain);
    free(x);
    free(ref);
    tes_proj_geom_destroy(&proj);
}

int main(int argc, char **argv) {
    tes_test_mpi_init(&argc, &argv);
    tes_backend backend = tes_test_backend(argc, argv, 1);
    cone_slabs(backend);
    thin_volume(backend);
    few_views(backend, 3, "a rank without views");
    few_views(backend, 1, "one view");
    wide_detector(backend);
    narrow_detector(backend);
    short_detector(backend);
    additive_term(backend);
    int rc = tes_test_mpi_finish("t413-edges");
    MPI_Finalize();
    return rc;
}
