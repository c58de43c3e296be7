/* tessera recon's checkpoints: resume from an existing checkpoint (refused
 * when it belongs to another job or grid), write one every N iterations,
 * and on SIGUSR1 or SIGTERM write one at the end of the current iteration
 * and stop, so that the command exits 3 (slurm/tessera-step.sh requeues the
 * job, which then resumes). The signal handler only sets a flag; the ranks
 * agree on it with an allreduce at the end of every iteration, so all of
 * them stop after the same one.
 *
 * Test hook: TES_CHECKPOINT_AFTER=K raises SIGUSR1 on rank 0 at the end of
 * iteration K. */
#ifndef TES_CLI_RECON_CHECKPOINT_H
#define TES_CLI_RECON_CHECKPOINT_H

#include <mpi.h>

#include "core/array.h"
#include "core/status.h"
#include "decomposition/grid.h"
#include "io/checkpoint.h"
#include "solvers/solver.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Exit status of a run that checkpointed on a signal. */
enum { TES_EXIT_CHECKPOINTED = 3 };

typedef struct tes_recon_checkpoint {
    const char *path; /* NULL: no checkpoints */
    int every;        /* iterations between checkpoints; 0: only on a signal */
    int after;        /* TES_CHECKPOINT_AFTER (0: none) */
    MPI_Comm comm;
    tes_checkpoint_meta meta; /* this run's */
    tes_solver_state state;
    int resumed;     /* 1: x and state come from the checkpoint */
    int interrupted; /* 1: stopped on a signal after writing the checkpoint */
} tes_recon_checkpoint;

/* Collective. With path (NULL or "": nothing to do): install the signal
 * handlers and point opt->state at ck->state; when path exists, check it
 * against this run (hash, grid, algorithm), read x from it and set
 * ck->resumed (the caller then sets opt->restore to a hook that calls
 * tes_recon_checkpoint_restore). every >= 0. */
tes_status tes_recon_checkpoint_setup(tes_recon_checkpoint *ck, MPI_Comm comm, const char *path,
                                      int every, uint64_t hash, const tes_grid *grid,
                                      const char *algorithm, tes_array *x, tes_solver_options *opt);

/* Collective, at the end of iteration k (from the solver's callback): write
 * the checkpoint when due or on a signal; *stop = 1 after a signal. */
tes_status tes_recon_checkpoint_step(tes_recon_checkpoint *ck, const tes_array *x, int k,
                                     int *stop);

/* Fill the solver's bound state from the checkpoint. */
tes_status tes_recon_checkpoint_restore(const tes_recon_checkpoint *ck, tes_solver_state *state);

/* After a finished run: remove the checkpoint unless keep. */
void tes_recon_checkpoint_finish(tes_recon_checkpoint *ck, int keep);

/* 1 once a run stopped on a signal with its checkpoint written (the
 * command then exits TES_EXIT_CHECKPOINTED). */
int tes_recon_checkpoint_interrupted(void);

#ifdef __cplusplus
}
#endif

#endif
