/* The rank grid P = P_slab x P_view: who owns which volume slab, which views
 * and which detector rows, the sub-communicators of the two stitches, and
 * the memory plan that chose the grid.
 *
 * Rank r sits at (slab s, group g) with r = s * P_view + g. Slabs are
 * contiguous ranges of z slices, view groups contiguous ranges of views
 * (OSEM subsets interleave views, so every subset spreads over all groups).
 *
 *   slab_comm: the P_view ranks that share slab s (different view groups).
 *              The backprojection stitch sums partial slabs over it.
 *   view_comm: the P_slab ranks that share view group g (different slabs).
 *              The forward stitch (cone beam) sums partial projections over
 *              it; volume inner products sum over it too.
 */
#ifndef TES_DECOMPOSITION_GRID_H
#define TES_DECOMPOSITION_GRID_H

#include <mpi.h>
#include <stddef.h>

#include "core/status.h"
#include "kernels/geometry.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tes_grid_request {
    int p_slab, p_view;   /* both 0: chosen from memory; else P_slab * P_view must equal P */
    size_t mem_per_rank;  /* bytes a rank may use for its arrays; 0: no limit. Ranks
                           * given different limits all plan with the smallest */
    int volume_vectors;   /* volume-sized (slab) arrays the solver keeps, >= 1 */
    int data_vectors;     /* data-sized (views x rows x cols) arrays the solver keeps, >= 1 */
} tes_grid_request;

/* Bytes a rank needs, and what for. */
typedef struct tes_memory_plan {
    size_t volume_bytes;    /* volume_vectors x slab */
    size_t data_bytes;      /* data_vectors x local views x rows held x cols */
    size_t reduce_bytes;    /* stitch buffers (decomposition/memory.h) */
    size_t total_bytes;
    size_t limit_bytes;     /* the smallest mem_per_rank of the ranks (0: none) */
} tes_memory_plan;

typedef struct tes_grid {
    int nranks, rank;
    int p_slab, p_view;
    int slab, group;                       /* this rank's coordinates */
    size_t z_begin, z_end;                 /* its slab: slices [z_begin, z_end) */
    size_t view_begin, view_end;           /* its view group (may be empty) */
    size_t row_begin, row_end;             /* detector rows its slab's rays reach */
    size_t own_row_begin, own_row_end;     /* rows its slab counts in data sums */
    int forward_stitch;                    /* 1: slabs share detector rows (cone beam) */
    tes_memory_plan plan;                  /* this rank's */
    MPI_Comm world, slab_comm, view_comm;
} tes_grid;

/* Build the grid over comm (collective; every rank passes the same
 * geometries). The automatic grid (p_slab = p_view = 0) has the smallest
 * P_slab that divides P, is at most nz and whose largest rank fits
 * mem_per_rank; the other ranks form view groups (more groups than views
 * leaves ranks without views). Refuses (TES_ERR_PLAN) a grid that cannot
 * hold the problem (more slabs than slices, P_slab x P_view != P) or whose
 * plan exceeds mem_per_rank, with the numbers and what would fit in the
 * message. */
tes_status tes_grid_create(tes_grid **out, MPI_Comm comm, const tes_vol_geom *vol,
                           const tes_proj_geom *proj, const tes_grid_request *req);
void tes_grid_destroy(tes_grid **g); /* before MPI_Finalize: frees the communicators */

/* Number of local views (0 for an empty group). */
size_t tes_grid_nviews(const tes_grid *g);

/* Print the plan (grid, slabs, views, rows, memory per rank) on rank 0, to
 * stdout. Collective: rank 0 gathers every rank's part. */
void tes_grid_print(const tes_grid *g);

#ifdef __cplusplus
}
#endif

#endif
