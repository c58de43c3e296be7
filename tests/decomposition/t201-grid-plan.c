/* t201: the memory plan chooses the grid: the automatic grid is the
 * smallest P_slab whose largest rank fits mem_per_rank (more ranks than
 * slices go into view groups); grids that do not fit, or cannot hold the
 * volume, are refused with the numbers; every rank plans with the smallest
 * limit any rank was given. */
#include <mpi.h>

#include "testing.h"

#include "core/log.h"
#include "decomposition/grid.h"
#include "decomposition/memory.h"

enum { MAX_SLABS = 64 };
#define KIB ((size_t)1024)

/* The most any rank of grid p_slab x p_view needs (no limit). */
static size_t largest_need(const tes_vol_geom *vol, const tes_proj_geom *proj, int p_slab,
                           int p_view, int vv, int dv) {
    tes_grid_request req = {p_slab, p_view, 0, vv, dv};
    tes_grid *g = NULL;
    if (!EXPECT_OK(tes_grid_create(&g, MPI_COMM_WORLD, vol, proj, &req)))
        return 0;
    unsigned long long mine = g->plan.total_bytes, most = 0;
    MPI_Allreduce(&mine, &most, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
    tes_grid_destroy(&g);
    return (size_t)most;
}

/* With each divisor's own need as the limit, the automatic grid is the
 * smallest divisor that fits it. */
static void check_automatic(const tes_vol_geom *vol, const tes_proj_geom *proj, const char *name) {
    int nranks = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    const int vv = 2, dv = 1;
    size_t need[MAX_SLABS + 1] = {0};
    for (int d = 1; d <= nranks && (size_t)d <= vol->nz; ++d)
        if (nranks % d == 0)
            need[d] = largest_need(vol, proj, d, nranks / d, vv, dv);
    for (int d = 1; d <= nranks && (size_t)d <= vol->nz; ++d) {
        if (nranks % d)
            continue;
        int expected = 0;
        for (int e = 1; e <= nranks && !expected; ++e)
            if (need[e] && need[e] <= need[d])
                expected = e;
        tes_grid_request req = {0, 0, need[d], vv, dv};
        tes_grid *g = NULL;
        if (!EXPECT_OK(tes_grid_create(&g, MPI_COMM_WORLD, vol, proj, &req)))
            continue;
        EXPECT(g->p_slab == expected && g->p_view == nranks / expected,
               "%s: limit %zu bytes chose %d x %d, expected %d x %d", name, need[d], g->p_slab,
               g->p_view, expected, nranks / expected);
        EXPECT((size_t)g->p_slab <= vol->nz, "%s: %d slabs for %zu slices", name, g->p_slab,
               vol->nz);
        EXPECT(g->plan.limit_bytes == need[d] && g->plan.total_bytes <= need[d],
               "%s: plan of %zu bytes under a limit of %zu", name, g->plan.total_bytes,
               g->plan.limit_bytes);
        if (d == 1)
            tes_grid_print(g);
        tes_grid_destroy(&g);
    }
}

static void expect_refusal(const tes_vol_geom *vol, const tes_proj_geom *proj, tes_grid_request req,
                           tes_status code, const char *text) {
    tes_grid *g = NULL;
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    tes_status st = tes_grid_create(&g, MPI_COMM_WORLD, vol, proj, &req);
    if (rank == 0)
        printf("refused: %s\n", tes_error_message());
    EXPECT_ERROR(st, code, text);
    EXPECT(g == NULL, "a refused grid was returned");
    tes_grid_destroy(&g);
}

/* Requests that cannot describe a grid of this job. */
static void check_bad_requests(const tes_proj_geom *proj) {
    int nranks = 0;
    char text[128];
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    tes_vol_geom vol = tes_vol_geom_cube(8, 1.0);
    snprintf(text, sizeof text, "grid %d x 1 (P_slab x P_view) has %d ranks, the job runs on %d",
             nranks + 1, nranks + 1, nranks);
    expect_refusal(&vol, proj, (tes_grid_request){nranks + 1, 1, 0, 1, 1}, TES_ERR_PLAN, text);
    expect_refusal(&vol, proj, (tes_grid_request){nranks, 0, 0, 1, 1}, TES_ERR_PLAN,
                   "give both or neither");
    expect_refusal(&vol, proj, (tes_grid_request){-1, 0, 0, 1, 1}, TES_ERR_ARG,
                   "must not be negative");
    expect_refusal(&vol, proj, (tes_grid_request){0, 0, 0, 0, 1}, TES_ERR_ARG,
                   "volume_vectors (0) and data_vectors (1) must be at least 1");

    /* More slabs than slices. */
    if (nranks >= 2) {
        tes_vol_geom thin = vol;
        thin.nz = (size_t)nranks - 1;
        snprintf(text, sizeof text, "%d slabs for a volume of %zu slices", nranks, thin.nz);
        expect_refusal(&thin, proj, (tes_grid_request){nranks, 1, 0, 1, 1}, TES_ERR_PLAN, text);
    }
}

/* 8 slices of 256 KiB each (float32 256 x 256), 4 views of 8 x 8 pixels. */
static void check_over_limit(const tes_proj_geom *proj) {
    int nranks = 0;
    char text[160];
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    tes_vol_geom vol = tes_vol_geom_cube(8, 1.0);
    vol.ny = vol.nx = 256;

    /* One slice per rank is the only thing that fits 300 KiB: 8 ranks. */
    snprintf(text, sizeof text, "no grid of %d ranks fits mem_per_rank = 300.00 KiB", nranks);
    expect_refusal(&vol, proj, (tes_grid_request){0, 0, 300 * KIB, 1, 1}, TES_ERR_PLAN, text);
    expect_refusal(&vol, proj, (tes_grid_request){0, 0, 300 * KIB, 1, 1}, TES_ERR_PLAN,
                   "300.00 KiB per rank fits from 8 ranks (grid 8 x 1)");
    snprintf(text, sizeof text,
             "grid 1 x %d (P_slab x P_view) does not fit mem_per_rank = "
             "300.00 KiB: it needs",
             nranks);
    expect_refusal(&vol, proj, (tes_grid_request){1, nranks, 300 * KIB, 1, 1}, TES_ERR_PLAN, text);
    snprintf(text, sizeof text, "%d ranks need at least", nranks);
    expect_refusal(&vol, proj, (tes_grid_request){1, nranks, 300 * KIB, 1, 1}, TES_ERR_PLAN, text);

    /* Not even one slice fits. */
    expect_refusal(&vol, proj, (tes_grid_request){0, 0, 100 * KIB, 1, 1}, TES_ERR_PLAN,
                   "no rank count fits 100.00 KiB per rank (one slice of the volume alone "
                   "needs 256.00 KiB)");
    /* One slice fits, but not with its data: 64 data vectors of 4 views x 1
     * row x 8 columns add 8 KiB (more view groups would add the stitch). */
    expect_refusal(&vol, proj, (tes_grid_request){0, 0, 257 * KIB, 1, 64}, TES_ERR_PLAN,
                   "no rank count fits 257.00 KiB per rank (the least any grid needs is 264.00 "
                   "KiB per rank)");

    /* The requested grid does not fit, another grid of these ranks does. */
    if (nranks >= 2) {
        size_t slabs_only = largest_need(&vol, proj, nranks, 1, 1, 1);
        snprintf(text, sizeof text, "grid %d x 1 fits these %d ranks", nranks, nranks);
        expect_refusal(&vol, proj, (tes_grid_request){1, nranks, slabs_only, 1, 1}, TES_ERR_PLAN,
                       text);
    }
}

/* Limits that differ between ranks: all ranks plan with the smallest. */
static void check_limit_agreement(const tes_proj_geom *proj) {
    int nranks = 0, rank = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    tes_vol_geom vol = tes_vol_geom_cube(8, 1.0);
    vol.ny = vol.nx = 256;
    int slabs = nranks <= 8 ? nranks : 1;
    size_t limit = largest_need(&vol, proj, slabs, nranks / slabs, 1, 1);
    tes_grid_request req = {0, 0, rank == 0 ? limit : 0, 1, 1};
    tes_grid *g = NULL;
    if (!EXPECT_OK(tes_grid_create(&g, MPI_COMM_WORLD, &vol, proj, &req)))
        return;
    EXPECT(g->plan.limit_bytes == limit, "rank %d plans with %zu bytes, rank 0 was given %zu", rank,
           g->plan.limit_bytes, limit);
    EXPECT(g->plan.total_bytes <= limit, "rank %d needs %zu > %zu bytes", rank, g->plan.total_bytes,
           limit);
    tes_grid_destroy(&g);
}

int main(int argc, char **argv) {
    int provided = 0, rank = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    tes_log_set_rank(rank);

    tes_proj_geom *par = NULL, *cone = NULL;
    EXPECT_OK(tes_proj_geom_create(&par, TES_GEOM_PARALLEL3D, 4, 8, 8));
    EXPECT_OK(tes_proj_geom_create(&cone, TES_GEOM_CONE3D, 4, 16, 16));
    cone->sod = cone->odd = 2000.0;

    /* Planes of 256 KiB, so that slab size matters next to the stitch. */
    tes_vol_geom vol = tes_vol_geom_cube(8, 1.0), thin = vol;
    vol.ny = vol.nx = thin.ny = thin.nx = 256;
    thin.nz = 2; /* fewer slices than ranks */
    check_automatic(&vol, par, "parallel, 8 slices");
    check_automatic(&thin, par, "parallel, 2 slices");
    check_automatic(&vol, cone, "cone, 8 slices");
    check_bad_requests(par);
    check_over_limit(par);
    check_limit_agreement(par);

    tes_proj_geom_destroy(&par);
    tes_proj_geom_destroy(&cone);
    int failures = 0;
    MPI_Allreduce(&tes_test_failures, &failures, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    tes_test_failures = failures;
    MPI_Finalize();
    return rank == 0 ? tes_test_finish("t201-grid-plan") : (failures ? 1 : 0);
}
