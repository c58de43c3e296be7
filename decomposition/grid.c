#include "decomposition/grid.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/check.h"
#include "core/log.h"
#include "decomposition/memory.h"
#include "decomposition/partition.h"

/* A row of the plan table is printed for at most this many ranks. */
enum { TES_GRID_PRINT_MAX_RANKS = 64, TES_GRID_TEXT_BYTES = 32 };

/* Every rank plans with the smallest limit any rank was given, so that all
 * ranks choose the same grid (limits may come from each node's free memory). */
static tes_status agree_on_limit(MPI_Comm comm, size_t mem_per_rank, size_t *limit) {
    unsigned long long mine = mem_per_rank ? mem_per_rank : ~0ULL, least = 0;
    TES_MPI_CALL(MPI_Allreduce(&mine, &least, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, comm));
    *limit = least == ~0ULL ? 0 : (size_t)least;
    return TES_OK;
}

static void grid_place(tes_grid *g, const tes_plan_input *in) {
    const tes_vol_geom *vol = in->vol;
    const tes_proj_geom *proj = in->proj;
    g->slab = g->rank / g->p_view;
    g->group = g->rank % g->p_view;
    tes_partition_range(vol->nz, g->p_slab, g->slab, &g->z_begin, &g->z_end);
    tes_partition_range(proj->nviews, g->p_view, g->group, &g->view_begin, &g->view_end);
    tes_slab_rows(proj, vol, g->p_slab, g->slab, &g->row_begin, &g->row_end);
    tes_slab_own_rows(proj, vol, g->p_slab, g->slab, &g->own_row_begin, &g->own_row_end);
    g->forward_stitch = tes_slabs_overlap(proj, vol, g->p_slab);
    int stitches = (g->p_view > 1) + g->forward_stitch;
    g->plan = tes_memory_plan_rank(in, g->z_end - g->z_begin, g->view_end - g->view_begin,
                                   g->row_end - g->row_begin, stitches);
}

static tes_status grid_comms(tes_grid *g, MPI_Comm comm) {
    TES_MPI_CALL(MPI_Comm_dup(comm, &g->world));
    TES_MPI_CALL(MPI_Comm_split(g->world, g->slab, g->group, &g->slab_comm));
    TES_MPI_CALL(MPI_Comm_split(g->world, g->group, g->slab, &g->view_comm));
    return TES_OK;
}

tes_status tes_grid_create(tes_grid **out, MPI_Comm comm, const tes_vol_geom *vol,
                           const tes_proj_geom *proj, const tes_grid_request *req) {
    TES_CHECK(out && vol && proj && req, TES_ERR_ARG, "tes_grid_create: NULL argument");
    *out = NULL;
    TES_CALL(tes_proj_geom_validate(proj, vol));
    int nranks = 0, rank = 0;
    TES_MPI_CALL(MPI_Comm_size(comm, &nranks));
    TES_MPI_CALL(MPI_Comm_rank(comm, &rank));
    tes_plan_input in = {vol, proj, req->volume_vectors, req->data_vectors, 0};
    TES_CALL(agree_on_limit(comm, req->mem_per_rank, &in.limit));
    int p_slab = 0, p_view = 0;
    TES_CALL(tes_memory_plan_grid(&in, req, nranks, &p_slab, &p_view));

    tes_grid *g = calloc(1, sizeof *g);
    TES_CHECK(g, TES_ERR_ALLOC, "cannot allocate the rank grid");
    g->nranks = nranks;
    g->rank = rank;
    g->p_slab = p_slab;
    g->p_view = p_view;
    g->world = g->slab_comm = g->view_comm = MPI_COMM_NULL;
    grid_place(g, &in);
    tes_status st = grid_comms(g, comm);
    if (st != TES_OK) {
        tes_grid_destroy(&g);
        TES_CALL(st);
    }
    *out = g;
    return TES_OK;
}

void tes_grid_destroy(tes_grid **g) {
    if (!g || !*g)
        return;
    MPI_Comm *comms[] = {&(*g)->view_comm, &(*g)->slab_comm, &(*g)->world};
    for (size_t i = 0; i < sizeof comms / sizeof comms[0]; ++i)
        if (*comms[i] != MPI_COMM_NULL)
            MPI_Comm_free(comms[i]);
    free(*g);
    *g = NULL;
}

size_t tes_grid_nviews(const tes_grid *g) {
    return g->view_end - g->view_begin;
}

/* What rank 0 gathers from each rank for the plan table. */
enum {
    F_SLAB,
    F_GROUP,
    F_Z0,
    F_Z1,
    F_V0,
    F_V1,
    F_R0,
    F_R1,
    F_O0,
    F_O1,
    F_VOLUME,
    F_DATA,
    F_STITCH,
    F_TOTAL,
    F_COUNT
};

static const char *range_text(char *buf, size_t len, unsigned long long b, unsigned long long e) {
    snprintf(buf, len, "[%llu, %llu)", b, e);
    return buf;
}

static void print_table(const tes_grid *g, const unsigned long long *all) {
    char z[TES_GRID_TEXT_BYTES], v[TES_GRID_TEXT_BYTES], r[TES_GRID_TEXT_BYTES],
        o[TES_GRID_TEXT_BYTES], m[TES_GRID_TEXT_BYTES];
    printf("  %5s %5s %16s %6s %16s %16s %16s %12s\n", "rank", "slab", "slices", "group", "views",
           "rows", "own rows", "memory");
    int shown = g->nranks < TES_GRID_PRINT_MAX_RANKS ? g->nranks : TES_GRID_PRINT_MAX_RANKS;
    for (int i = 0; i < shown; ++i) {
        const unsigned long long *f = all + (size_t)i * F_COUNT;
        printf("  %5d %5llu %16s %6llu %16s %16s %16s %12s\n", i, f[F_SLAB],
               range_text(z, sizeof z, f[F_Z0], f[F_Z1]), f[F_GROUP],
               range_text(v, sizeof v, f[F_V0], f[F_V1]), range_text(r, sizeof r, f[F_R0], f[F_R1]),
               range_text(o, sizeof o, f[F_O0], f[F_O1]),
               tes_bytes_text(m, sizeof m, (double)f[F_TOTAL]));
    }
    if (shown < g->nranks)
        printf("  ... %d more ranks\n", g->nranks - shown);
}

static void print_summary(const tes_grid *g, const unsigned long long *all) {
    int largest = 0;
    for (int i = 1; i < g->nranks; ++i)
        if (all[(size_t)i * F_COUNT + F_TOTAL] > all[(size_t)largest * F_COUNT + F_TOTAL])
            largest = i;
    const unsigned long long *f = all + (size_t)largest * F_COUNT;
    char t[TES_GRID_TEXT_BYTES], vo[TES_GRID_TEXT_BYTES], da[TES_GRID_TEXT_BYTES],
        st[TES_GRID_TEXT_BYTES], li[TES_GRID_TEXT_BYTES];
    printf("grid: %d ranks = %d x %d (P_slab slabs x P_view view groups)\n", g->nranks, g->p_slab,
           g->p_view);
    if (g->p_view > 1)
        printf("  backprojection stitch: over the %d ranks of each slab\n", g->p_view);
    else
        printf("  backprojection stitch: none (one view group)\n");
    if (g->forward_stitch)
        printf("  forward stitch: over the %d ranks of each view group (slabs share detector "
               "rows)\n",
               g->p_slab);
    else
        printf("  forward stitch: none (the slabs' detector rows are disjoint)\n");
    printf("  memory per rank: largest %s on rank %d (volume %s, data %s, stitch %s), limit %s\n",
           tes_bytes_text(t, sizeof t, (double)f[F_TOTAL]), largest,
           tes_bytes_text(vo, sizeof vo, (double)f[F_VOLUME]),
           tes_bytes_text(da, sizeof da, (double)f[F_DATA]),
           tes_bytes_text(st, sizeof st, (double)f[F_STITCH]),
           g->plan.limit_bytes ? tes_bytes_text(li, sizeof li, (double)g->plan.limit_bytes)
                               : "none");
}

void tes_grid_print(const tes_grid *g) {
    unsigned long long mine[F_COUNT] = {[F_SLAB] = (unsigned long long)g->slab,
                                        [F_GROUP] = (unsigned long long)g->group,
                                        [F_Z0] = g->z_begin,
                                        [F_Z1] = g->z_end,
                                        [F_V0] = g->view_begin,
                                        [F_V1] = g->view_end,
                                        [F_R0] = g->row_begin,
                                        [F_R1] = g->row_end,
                                        [F_O0] = g->own_row_begin,
                                        [F_O1] = g->own_row_end,
                                        [F_VOLUME] = g->plan.volume_bytes,
                                        [F_DATA] = g->plan.data_bytes,
                                        [F_STITCH] = g->plan.reduce_bytes,
                                        [F_TOTAL] = g->plan.total_bytes};
    unsigned long long *all = NULL;
    int have_table = 1;
    if (g->rank == 0) {
        all = malloc((size_t)g->nranks * F_COUNT * sizeof *all);
        have_table = all != NULL;
        if (!have_table)
            tes_log(TES_LOG_WARN, "grid: cannot allocate the plan table of %d ranks", g->nranks);
    }
    /* Rank 0 says whether it can take the table, so that all ranks agree on
     * the gather. A print has no status to return: MPI failures only lose it. */
    if (MPI_Bcast(&have_table, 1, MPI_INT, 0, g->world) != MPI_SUCCESS || !have_table) {
        free(all);
        return;
    }
    int rc = MPI_Gather(mine, F_COUNT, MPI_UNSIGNED_LONG_LONG, all, F_COUNT, MPI_UNSIGNED_LONG_LONG,
                        0, g->world);
    if (g->rank == 0 && rc == MPI_SUCCESS) {
        print_summary(g, all);
        print_table(g, all);
        fflush(stdout);
    }
    free(all);
}
