/* Checkpoints of an iterative reconstruction: one HDF5 file holding every
 * rank's x and the solver's own vectors (solvers/solver.h, tes_solver_state)
 * with what identifies the run: the job's hash (or the options' hash of a
 * run without a job file), the grid (ranks, P_slab x P_view), the algorithm
 * and the iteration.
 *
 * Layout: one 1-D float32 dataset per vector ("/x", "/r", "/p") holding the
 * ranks' local arrays one after the other in rank order (rank r at the sum
 * of the lower ranks' element counts), and attributes of the root group.
 * A checkpoint resumes only on the same grid, so the layouts match exactly
 * and the restored state is bitwise the saved one.
 *
 * Collective over the grid's communicator (parallel HDF5). Written under a
 * temporary name (FILE.partial) and renamed when complete: a run killed
 * while writing leaves the previous checkpoint intact. */
#ifndef TES_IO_CHECKPOINT_H
#define TES_IO_CHECKPOINT_H

#include <mpi.h>
#include <stdint.h>

#include "core/array.h"
#include "core/status.h"
#include "solvers/solver.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { TES_CHECKPOINT_NAME_BYTES = 32 };

/* What a checkpoint belongs to. */
typedef struct tes_checkpoint_meta {
    uint64_t hash;                             /* tes_job_hash, or the options' hash */
    int nranks, p_slab, p_view;                /* the grid */
    char algorithm[TES_CHECKPOINT_NAME_BYTES]; /* "sirt", "cgls", ... */
    int iteration;                             /* iterations done */
} tes_checkpoint_meta;

/* Collective: *exists = 1 when path exists (checked by rank 0). */
tes_status tes_checkpoint_exists(MPI_Comm comm, const char *path, int *exists);

/* Collective: write x and state's vectors and scalars with meta. */
tes_status tes_checkpoint_write(MPI_Comm comm, const char *path, const tes_checkpoint_meta *meta,
                                const tes_solver_state *state, const tes_array *x);

/* Collective: read the meta of path. */
tes_status tes_checkpoint_read_meta(MPI_Comm comm, const char *path, tes_checkpoint_meta *meta);

/* Refuse (TES_ERR_INPUT, a message naming path and what differs) a
 * checkpoint of another job, grid or algorithm than expected's. */
tes_status tes_checkpoint_match(const char *path, const tes_checkpoint_meta *found,
                                const tes_checkpoint_meta *expected);

/* Collective: read x (when not NULL) and, with state, its scalars and the
 * vectors state has bound (their names and layouts set by the solver). */
tes_status tes_checkpoint_read(MPI_Comm comm, const char *path, tes_array *x,
                               tes_solver_state *state);

#ifdef __cplusplus
}
#endif

#endif
