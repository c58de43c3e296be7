/* The distributed system matrix A over the rank grid: local projectors plus
 * the stitches. Solvers are written against this interface alone.
 *
 * A volume vector on rank (s, g) is slab s (replicated over the view groups);
 * a data vector is the rank's views x the rows its slab reaches x columns
 * (rows shared between slabs hold equal values on every rank that holds
 * them). A view filter restricts the operator to one OSEM subset. */
#ifndef TES_SOLVERS_OPERATOR_H
#define TES_SOLVERS_OPERATOR_H

#include <stddef.h>

#include "core/array.h"
#include "core/backend.h"
#include "core/comm.h"
#include "core/status.h"
#include "decomposition/grid.h"
#include "kernels/geometry.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tes_operator tes_operator;

/* Time and traffic of an operator since its last reset. */
typedef struct tes_operator_stats {
    double forward_seconds, adjoint_seconds; /* local kernels */
    double reduce_seconds;                   /* caller blocked in stitches */
    double reduce_total_seconds;             /* stitches start to end (hidden or not) */
    double bytes_reduced;                    /* payload bytes this rank reduced */
    double updates;                          /* voxel x view updates computed here */
} tes_operator_stats;

typedef struct tes_operator_options {
    tes_backend backend;
    size_t chunk_slices; /* adjoint stitch chunk (slices); 0: chosen */
    size_t subset;       /* this operator covers the views v with v % nsubsets == subset */
    size_t nsubsets;     /* 0 or 1: all views */
} tes_operator_options;

/* Build the operator on the grid (collective). The comms are shared between
 * operators of one grid: pass the same slab/view/world comms to all; the
 * grid and the comms must outlive the operator. A rank without local views
 * (or whose slab reaches no detector rows) gets empty data vectors and still
 * takes part in every stitch, so every operator call stays collective. */
tes_status tes_operator_create(tes_operator **out, const tes_grid *grid, const tes_vol_geom *vol,
                               const tes_proj_geom *proj, const tes_operator_options *opt,
                               tes_comm *slab_comm, tes_comm *view_comm, tes_comm *world_comm);
void tes_operator_destroy(tes_operator **op);

/* Allocate zeroed local vectors in the backend's memory. A data vector
 * covers the operator's local views (for a subset operator, the subset's
 * views in increasing order). */
tes_status tes_operator_new_volume(const tes_operator *op, tes_array **out);
tes_status tes_operator_new_data(const tes_operator *op, tes_array **out);

/* The operator's local views as global indices (n of them, increasing). */
void tes_operator_views(const tes_operator *op, size_t *n, const size_t **views);

/* Copy the subset operator sub's views out of a data vector of the
 * all-views operator full (same grid), e.g. the measured data of a subset. */
tes_status tes_operator_extract_views(const tes_operator *sub, const tes_operator *full,
                                      const tes_array *y_full, tes_array *y_sub);

/* y = A x (with the forward stitch where slabs share rows). */
tes_status tes_operator_forward(tes_operator *op, const tes_array *x, tes_array *y);
/* x = A^T y (the backprojection stitch over the ranks sharing the slab). */
tes_status tes_operator_adjoint(tes_operator *op, const tes_array *y, tes_array *x);

/* Global inner products (every rank gets the same value). */
tes_status tes_operator_volume_dot(tes_operator *op, const tes_array *a, const tes_array *b,
                                   double *out);
tes_status tes_operator_data_dot(tes_operator *op, const tes_array *a, const tes_array *b,
                                 double *out);

tes_operator_stats tes_operator_get_stats(const tes_operator *op);
void tes_operator_reset_stats(tes_operator *op);

#ifdef __cplusplus
}
#endif

#endif
