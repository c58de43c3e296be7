/* t200: on any rank count, every grid shape that fits it (1x4, 2x2, 4x1, 3x1,
 * 1x3, ... and automatic) partitions the slices, the views and the detector
 * rows; the sub-communicators hold the right ranks; the forward stitch is
 * off for parallel beam with aligned rows and on for cone beam with several
 * slabs; ranks of an empty view group still take part in the stitch. */
#include <mpi.h>

#include "testing.h"

#include "core/comm.h"
#include "core/log.h"
#include "decomposition/grid.h"
#include "decomposition/memory.h"

enum { F_SLAB, F_GROUP, F_Z0, F_Z1, F_V0, F_V1, F_R0, F_R1, F_O0, F_O1, F_COUNT };
enum { MAX_RANKS = 64, MAX_ROWS = 1024 };

static const int shapes[][2] = {{1, 1}, {1, 2}, {2, 1}, {1, 4}, {2, 2}, {4, 1}, {3, 1}, {1, 3}};

/* Every rank's coordinates and ranges, gathered. */
static void gather(const tes_grid *g, long long all[][F_COUNT]) {
    long long mine[F_COUNT] = {g->slab,
                               g->group,
                               (long long)g->z_begin,
                               (long long)g->z_end,
                               (long long)g->view_begin,
                               (long long)g->view_end,
                               (long long)g->row_begin,
                               (long long)g->row_end,
                               (long long)g->own_row_begin,
                               (long long)g->own_row_end};
    MPI_Allgather(mine, F_COUNT, MPI_LONG_LONG, all, F_COUNT, MPI_LONG_LONG, MPI_COMM_WORLD);
}

/* Pieces [b_i, e_i) of parts i = 0..n-1 cover [0, total) in order, balanced. */
static void check_partition(const char *what, const char *label, const long long *b,
                            const long long *e, int n, long long total) {
    long long lo = total, hi = 0;
    for (int i = 0; i < n; ++i) {
        EXPECT(b[i] == (i ? e[i - 1] : 0), "%s: %s %d begins at %lld", label, what, i, b[i]);
        lo = e[i] - b[i] < lo ? e[i] - b[i] : lo;
        hi = e[i] - b[i] > hi ? e[i] - b[i] : hi;
    }
    EXPECT(e[n - 1] == total, "%s: %ss end at %lld, not %lld", label, what, e[n - 1], total);
    EXPECT(hi - lo <= 1, "%s: %s sizes range from %lld to %lld", label, what, lo, hi);
}

/* comm holds the world ranks first, first + stride, ... (n of them), and
 * this rank sits at index. */
static void check_members(MPI_Comm comm, const char *what, const char *label, int n, int first,
                          int stride, int index) {
    int size = 0, rank = 0, world = 0, members[MAX_RANKS];
    MPI_Comm_size(comm, &size);
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_rank(MPI_COMM_WORLD, &world);
    EXPECT(size == n, "%s: %s has %d ranks, expected %d", label, what, size, n);
    EXPECT(rank == index, "%s: rank %d is %d in %s, expected %d", label, world, rank, what, index);
    if (size != n)
        return;
    MPI_Allgather(&world, 1, MPI_INT, members, 1, MPI_INT, comm);
    for (int i = 0; i < n; ++i)
        EXPECT(members[i] == first + i * stride, "%s: %s member %d is world rank %d, expected %d",
               label, what, i, members[i], first + i * stride);
}

static void check_slabs(const tes_grid *g, long long all[][F_COUNT], const tes_vol_geom *vol,
                        const char *label) {
    long long b[MAX_RANKS], e[MAX_RANKS];
    for (int r = 0; r < g->nranks; ++r) {
        int s = (int)all[r][F_SLAB];
        EXPECT(all[r][F_Z0] == all[s * g->p_view][F_Z0] && all[r][F_Z1] == all[s * g->p_view][F_Z1],
               "%s: ranks of slab %d disagree on its slices", label, s);
    }
    for (int s = 0; s < g->p_slab; ++s) {
        b[s] = all[s * g->p_view][F_Z0];
        e[s] = all[s * g->p_view][F_Z1];
    }
    check_partition("slab", label, b, e, g->p_slab, (long long)vol->nz);
}

static void check_views(const tes_grid *g, long long all[][F_COUNT], const tes_proj_geom *proj,
                        const char *label) {
    long long b[MAX_RANKS], e[MAX_RANKS];
    for (int r = 0; r < g->nranks; ++r) {
        int v = (int)all[r][F_GROUP];
        EXPECT(all[r][F_V0] == all[v][F_V0] && all[r][F_V1] == all[v][F_V1],
               "%s: ranks of view group %d disagree on its views", label, v);
    }
    for (int v = 0; v < g->p_view; ++v) {
        b[v] = all[v][F_V0];
        e[v] = all[v][F_V1];
    }
    check_partition("view group", label, b, e, g->p_view, (long long)proj->nviews);
    EXPECT(tes_grid_nviews(g) == g->view_end - g->view_begin, "%s: tes_grid_nviews", label);
}

/* Rows are what the geometry says each slab reaches; own rows cover every
 * row some slab reaches exactly once. */
static void check_rows(const tes_grid *g, long long all[][F_COUNT], const tes_vol_geom *vol,
                       const tes_proj_geom *proj, const char *label) {
    int reached[MAX_ROWS] = {0}, owned[MAX_ROWS] = {0};
    for (int s = 0; s < g->p_slab; ++s) {
        const long long *f = all[s * g->p_view];
        size_t rb, re;
        tes_proj_geom_rows_for_slab(proj, vol, (size_t)f[F_Z0], (size_t)f[F_Z1], &rb, &re);
        EXPECT(f[F_R0] == (long long)rb && f[F_R1] == (long long)re,
               "%s: slab %d holds rows [%lld, %lld), the geometry says [%zu, %zu)", label, s,
               f[F_R0], f[F_R1], rb, re);
        EXPECT(f[F_O0] >= f[F_R0] && f[F_O1] <= f[F_R1] && f[F_O0] <= f[F_O1],
               "%s: slab %d owns rows [%lld, %lld) outside its rows [%lld, %lld)", label, s,
               f[F_O0], f[F_O1], f[F_R0], f[F_R1]);
        for (long long r = f[F_R0]; r < f[F_R1]; ++r)
            reached[r] = 1;
        for (long long r = f[F_O0]; r < f[F_O1]; ++r)
            owned[r] += 1;
    }
    for (size_t r = 0; r < proj->nrows; ++r)
        EXPECT(owned[r] == reached[r], "%s: row %zu is owned %d times, reached: %d", label, r,
               owned[r], reached[r]);
}

static void check_plan(const tes_grid *g, const tes_vol_geom *vol, const tes_proj_geom *proj,
                       const tes_grid_request *req, const char *label) {
    size_t volume = (size_t)req->volume_vectors * (g->z_end - g->z_begin) * vol->ny * vol->nx * 4;
    size_t data = (size_t)req->data_vectors * tes_grid_nviews(g) * (g->row_end - g->row_begin) *
                  proj->ncols * 4;
    size_t stitch = (size_t)((g->p_view > 1) + g->forward_stitch) * TES_PLAN_STITCH_RESERVE_BYTES;
    EXPECT(g->plan.volume_bytes == volume && g->plan.data_bytes == data &&
               g->plan.reduce_bytes == stitch && g->plan.total_bytes == volume + data + stitch,
           "%s: plan %zu + %zu + %zu = %zu bytes, expected %zu + %zu + %zu", label,
           g->plan.volume_bytes, g->plan.data_bytes, g->plan.reduce_bytes, g->plan.total_bytes,
           volume, data, stitch);
}

static void check_grid(const tes_grid *g, const tes_vol_geom *vol, const tes_proj_geom *proj,
                       const tes_grid_request *req, const char *label) {
    int world_size = 0, world_rank = 0, cmp = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    EXPECT(g->nranks == world_size && g->rank == world_rank, "%s: rank %d of %d", label, g->rank,
           g->nranks);
    EXPECT(g->p_slab * g->p_view == g->nranks, "%s: grid %d x %d on %d ranks", label, g->p_slab,
           g->p_view, g->nranks);
    EXPECT(g->rank == g->slab * g->p_view + g->group, "%s: rank %d at (%d, %d)", label, g->rank,
           g->slab, g->group);
    long long all[MAX_RANKS][F_COUNT];
    gather(g, all);
    check_slabs(g, all, vol, label);
    check_views(g, all, proj, label);
    check_rows(g, all, vol, proj, label);
    check_plan(g, vol, proj, req, label);
    MPI_Comm_compare(g->world, MPI_COMM_WORLD, &cmp);
    EXPECT(cmp == MPI_CONGRUENT, "%s: world is not a duplicate of the communicator", label);
    check_members(g->slab_comm, "slab_comm", label, g->p_view, g->slab * g->p_view, 1, g->group);
    check_members(g->view_comm, "view_comm", label, g->p_slab, g->group, g->p_view, g->slab);
}

/* Build, check and destroy one grid; returns its forward_stitch (-1 on failure). */
static int run_grid(const tes_vol_geom *vol, const tes_proj_geom *proj, int p_slab, int p_view,
                    const char *geom_name, int print) {
    char label[96];
    snprintf(label, sizeof label, "%s grid %d x %d", geom_name, p_slab, p_view);
    tes_grid_request req = {p_slab, p_view, 0, 2, 3};
    tes_grid *g = NULL;
    if (!EXPECT_OK(tes_grid_create(&g, MPI_COMM_WORLD, vol, proj, &req)))
        return -1;
    if (p_slab == 0)
        EXPECT(g->p_slab == 1 && g->p_view == g->nranks,
               "%s: without a memory limit the automatic grid is 1 x P, got %d x %d", label,
               g->p_slab, g->p_view);
    check_grid(g, vol, proj, &req, label);
    if (print)
        tes_grid_print(g);
    int stitch = g->forward_stitch;
    tes_grid_destroy(&g);
    EXPECT(g == NULL, "%s: destroy leaves the pointer", label);
    return stitch;
}

/* Every shape of this rank count, and the automatic grid. */
static void run_shapes(const tes_vol_geom *vol, const tes_proj_geom *proj, const char *name,
                       int expect_stitch_with_slabs) {
    int nranks = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; ++i) {
        int ps = shapes[i][0], pv = shapes[i][1];
        if (ps * pv != nranks)
            continue;
        int stitch = run_grid(vol, proj, ps, pv, name, i == 0 || ps * pv == 4);
        int expected = ps > 1 ? expect_stitch_with_slabs : 0;
        EXPECT(stitch == expected, "%s grid %d x %d: forward_stitch %d, expected %d", name, ps, pv,
               stitch, expected);
    }
    run_grid(vol, proj, 0, 0, name, 0);
}

/* More view groups than views: the ranks without views still join the
 * backprojection stitch over their slab. */
static void run_empty_groups(const tes_vol_geom *vol, tes_proj_geom *proj) {
    int nranks = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    tes_grid_request req = {1, nranks, 0, 1, 1};
    tes_grid *g = NULL;
    if (!EXPECT_OK(tes_grid_create(&g, MPI_COMM_WORLD, vol, proj, &req)))
        return;
    check_grid(g, vol, proj, &req, "empty view groups");
    if (g->group >= (int)proj->nviews)
        EXPECT(tes_grid_nviews(g) == 0 && g->plan.data_bytes == 0,
               "rank %d in group %d of %zu views owns %zu views", g->rank, g->group, proj->nviews,
               tes_grid_nviews(g));
    tes_comm *comm = NULL;
    tes_array *a = NULL;
    size_t n = 5;
    if (EXPECT_OK(tes_comm_create(&comm, g->slab_comm, TES_BACKEND_CPU)) &&
        EXPECT_OK(tes_array_create(&a, TES_FLOAT64, TES_HOST, 1, &n))) {
        double *v = a->data;
        for (size_t i = 0; i < n; ++i)
            v[i] = (double)tes_grid_nviews(g);
        EXPECT_OK(tes_comm_allreduce(comm, a));
        for (size_t i = 0; i < n; ++i)
            EXPECT(v[i] == (double)proj->nviews, "stitch over empty groups: %g views, expected %zu",
                   v[i], proj->nviews);
    }
    tes_array_destroy(&a);
    tes_comm_destroy(&comm);
    tes_grid_destroy(&g);
}

int main(int argc, char **argv) {
    int provided = 0, rank = 0, nranks = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    tes_log_set_rank(rank);
    if (nranks > MAX_RANKS) {
        fprintf(stderr, "t200 runs on at most %d ranks\n", MAX_RANKS);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }

    /* Parallel beam, detector rows aligned with the slices (7 views: the
     * groups are uneven). */
    tes_vol_geom vol = tes_vol_geom_cube(8, 1.0);
    tes_proj_geom *par = NULL, *cone = NULL, *few = NULL;
    EXPECT_OK(tes_proj_geom_create(&par, TES_GEOM_PARALLEL3D, 7, 8, 12));
    run_shapes(&vol, par, "parallel", 0);

    /* Cone beam: rays cross slabs. */
    EXPECT_OK(tes_proj_geom_create(&cone, TES_GEOM_CONE3D, 7, 16, 16));
    cone->sod = 40.0;
    cone->odd = 40.0;
    run_shapes(&vol, cone, "cone", 1);

    /* Two views for up to four view groups. */
    EXPECT_OK(tes_proj_geom_create(&few, TES_GEOM_PARALLEL3D, 2, 8, 12));
    run_empty_groups(&vol, few);

    tes_proj_geom_destroy(&par);
    tes_proj_geom_destroy(&cone);
    tes_proj_geom_destroy(&few);
    int failures = 0;
    MPI_Allreduce(&tes_test_failures, &failures, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    tes_test_failures = failures;
    MPI_Finalize();
    return rank == 0 ? tes_test_finish("t200-grid") : (failures ? 1 : 0);
}
