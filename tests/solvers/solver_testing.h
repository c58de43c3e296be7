/* Helpers of the solver tests: small parallel- and cone-beam problems on a
 * rank grid, simulated noise-free data, the solve, and the gather of the
 * distributed volume onto rank 0 for comparisons. */
#ifndef TES_TESTS_SOLVER_TESTING_H
#define TES_TESTS_SOLVER_TESTING_H

#include "testing.h"

#include <math.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "decomposition/grid.h"
#include "solvers/problem.h"
#include "solvers/simulate.h"
#include "solvers/solver.h"

/* MPI with the thread level the overlapping host reductions need; sets the
 * log's rank. */
static inline void tes_test_mpi_init(int *argc, char ***argv) {
    int provided = 0, rank = 0;
    MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    tes_log_set_rank(rank);
}

/* One problem: geometry, grid, operator, its data and a volume. */
typedef struct tes_test_problem {
    tes_vol_geom vol;
    tes_proj_geom *proj;
    tes_grid *grid;
    tes_problem *pb;
    tes_array *y, *x;
} tes_test_problem;

/* The geometry of a test ("parallel[3d]" or "cone[3d]"): a cube of n voxels
 * of 1 mm; parallel beam with a
 * detector of n rows and cols columns (0: just wide enough for the cube's
 * diagonal), or cone beam with sod = 3n, odd = n and a detector that sees
 * the whole cube (cols 0) or cols columns. */
static inline int tes_test_geometry(const char *kind, size_t n, size_t nviews, size_t cols,
                                    tes_vol_geom *vol, tes_proj_geom **proj) {
    *vol = tes_vol_geom_cube(n, 1.0);
    if (!strncmp(kind, "cone", strlen("cone"))) {
        const double sod = 3.0 * (double)n, odd = (double)n;
        /* the cube's corner (radius n/sqrt(2) in the plane) magnified from the nearest depth */
        double radius = 0.5 * sqrt(2.0) * (double)n;
        double mag = (sod + odd) / (sod - radius);
        size_t need_cols = (size_t)ceil(2.0 * radius * mag) + 2;
        size_t need_rows = (size_t)ceil((double)n * mag) + 2;
        if (!EXPECT_OK(tes_proj_geom_create(proj, TES_GEOM_CONE3D, nviews, need_rows,
                                            cols ? cols : need_cols)))
            return 0;
        (*proj)->sod = sod;
        (*proj)->odd = odd;
        return 1;
    }
    size_t need_cols = (size_t)ceil(sqrt(2.0) * (double)n) + 2;
    return EXPECT_OK(
        tes_proj_geom_create(proj, TES_GEOM_PARALLEL3D, nviews, n, cols ? cols : need_cols));
}

/* Parse "PSxPV". */
static inline int tes_test_parse_grid(const char *text, int *p_slab, int *p_view) {
    return sscanf(text, "%dx%d", p_slab, p_view) == 2 && *p_slab > 0 && *p_view > 0;
}

/* Build grid, problem, data (noise-free phantom projections) and a zero
 * volume over comm. vol and proj are copied into t (proj by clone). */
static inline int tes_test_problem_create(tes_test_problem *t, MPI_Comm comm,
                                          const tes_vol_geom *vol, const tes_proj_geom *proj,
                                          int p_slab, int p_view, tes_backend backend) {
    memset(t, 0, sizeof *t);
    t->vol = *vol;
    if (!EXPECT_OK(tes_proj_geom_clone(&t->proj, proj)))
        return 0;
    tes_grid_request req = {p_slab, p_view, 0, 1, 1};
    if (!EXPECT_OK(tes_grid_create(&t->grid, comm, &t->vol, t->proj, &req)))
        return 0;
    tes_operator_options oo = {backend, 0, 0, 0};
    if (!EXPECT_OK(tes_problem_create(&t->pb, t->grid, &t->vol, t->proj, &oo)))
        return 0;
    if (!EXPECT_OK(tes_operator_new_data(t->pb->op, &t->y)) ||
        !EXPECT_OK(tes_operator_new_volume(t->pb->op, &t->x)))
        return 0;
    return EXPECT_OK(tes_simulate_data(t->pb, NULL, t->y));
}

static inline void tes_test_problem_destroy(tes_test_problem *t) {
    tes_array_destroy(&t->x);
    tes_array_destroy(&t->y);
    tes_problem_destroy(&t->pb);
    tes_grid_destroy(&t->grid);
    tes_proj_geom_destroy(&t->proj);
}

/* The options of the rank-invariance and edge tests for a solver name. */
static inline int tes_test_options(const char *solver, int iterations, tes_solver_algorithm *alg,
                                   tes_solver_options *opt) {
    tes_solver_options_default(opt);
    opt->iterations = iterations;
    if (!EXPECT_OK(tes_solver_algorithm_parse(solver, "solver", alg)))
        return 0;
    if (*alg == TES_SOLVER_OSEM)
        opt->subsets = 4;
    return 1;
}

/* Gather x (slab-distributed, replicated over view groups) into a new host
 * array of the whole volume on the grid's rank 0 (NULL elsewhere). */
static inline float *tes_test_gather(const tes_test_problem *t, const tes_array *x) {
    const tes_grid *g = t->grid;
    size_t plane = t->vol.ny * t->vol.nx, total = t->vol.nz * plane;
    tes_array *host = NULL;
    if (!EXPECT_OK(tes_array_clone(&host, x, TES_HOST)))
        return NULL;
    int count = g->group == 0 ? (int)((g->z_end - g->z_begin) * plane) : 0;
    int displ = (int)(g->z_begin * plane);
    int *counts = NULL, *displs = NULL;
    float *whole = NULL;
    if (g->rank == 0) {
        counts = calloc((size_t)g->nranks, sizeof *counts);
        displs = calloc((size_t)g->nranks, sizeof *displs);
        whole = calloc(total, sizeof *whole);
    }
    MPI_Gather(&count, 1, MPI_INT, counts, 1, MPI_INT, 0, g->world);
    MPI_Gather(&displ, 1, MPI_INT, displs, 1, MPI_INT, 0, g->world);
    MPI_Gatherv(host->data, count, MPI_FLOAT, whole, counts, displs, MPI_FLOAT, 0, g->world);
    free(counts);
    free(displs);
    tes_array_destroy(&host);
    return whole;
}

/* max |a - b| / max |b| over n values. */
static inline double tes_test_max_relative(const float *a, const float *b, size_t n) {
    double diff = 0.0, scale = 0.0;
    for (size_t i = 0; i < n; ++i) {
        diff = fmax(diff, fabs((double)a[i] - (double)b[i]));
        scale = fmax(scale, fabs((double)b[i]));
    }
    return scale > 0.0 ? diff / scale : diff;
}

/* Number of NaN or Inf values. */
static inline size_t tes_test_count_nonfinite(const float *a, size_t n) {
    size_t bad = 0;
    for (size_t i = 0; i < n; ++i)
        bad += !isfinite(a[i]);
    return bad;
}

/* Solve on comm with grid p_slab x p_view and return the whole volume on
 * rank 0 of comm (NULL elsewhere or on failure). res may be NULL. */
static inline float *tes_test_solve(MPI_Comm comm, const tes_vol_geom *vol,
                                    const tes_proj_geom *proj, int p_slab, int p_view,
                                    tes_backend backend, tes_solver_algorithm alg,
                                    const tes_solver_options *opt, tes_solver_result *res) {
    tes_test_problem t = {0};
    float *whole = NULL;
    if (tes_test_problem_create(&t, comm, vol, proj, p_slab, p_view, backend) &&
        EXPECT_OK(tes_solver_solve(alg, t.pb, t.y, t.x, opt, res)))
        whole = tes_test_gather(&t, t.x);
    tes_test_problem_destroy(&t);
    return whole;
}

/* Sum the failures over MPI_COMM_WORLD; rank 0 prints the verdict. Returns
 * the exit code for main (call before MPI_Finalize). */
static inline int tes_test_mpi_finish(const char *name) {
    int rank = 0, failures = tes_test_failures;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    tes_test_failures = failures;
    if (rank == 0)
        return tes_test_finish(name);
    return failures ? 1 : 0;
}

#endif
