#include "cli/recon_checkpoint.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/agree.h"
#include "core/log.h"
#include "core/timer.h"

#define TES_CHECKPOINT_AFTER_ENV "TES_CHECKPOINT_AFTER"

static volatile sig_atomic_t signal_caught = 0;
static int run_interrupted = 0;

static void on_signal(int sig) {
    signal_caught = sig;
}

static tes_status install_handlers(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    TES_CHECK(sigaction(SIGUSR1, &sa, NULL) == 0 && sigaction(SIGTERM, &sa, NULL) == 0,
              TES_ERR_INTERNAL, "cannot install the SIGUSR1/SIGTERM handlers");
    return TES_OK;
}

int tes_recon_checkpoint_interrupted(void) {
    return run_interrupted;
}

tes_status tes_recon_checkpoint_setup(tes_recon_checkpoint *ck, MPI_Comm comm, const char *path,
                                      int every, uint64_t hash, const tes_grid *grid,
                                      const char *algorithm, tes_array *x,
                                      tes_solver_options *opt) {
    *ck = (tes_recon_checkpoint){0};
    ck->comm = comm;
    if (!path || !path[0])
        return TES_OK;
    TES_CHECK(every >= 0, TES_ERR_ARG, "checkpoint every %d: expected >= 0", every);
    ck->path = path;
    ck->every = every;
    const char *after = getenv(TES_CHECKPOINT_AFTER_ENV);
    ck->after = after ? atoi(after) : 0;
    ck->meta = (tes_checkpoint_meta){hash, grid->nranks, grid->p_slab, grid->p_view, "", 0};
    snprintf(ck->meta.algorithm, sizeof ck->meta.algorithm, "%s", algorithm);
    opt->state = &ck->state;
    TES_CALL(install_handlers());

    int exists = 0;
    TES_CALL(tes_checkpoint_exists(comm, path, &exists));
    if (!exists)
        return TES_OK;
    tes_checkpoint_meta found;
    TES_CALL(tes_checkpoint_read_meta(comm, path, &found));
    TES_CALL(tes_checkpoint_match(path, &found, &ck->meta));
    TES_CALL(tes_checkpoint_read(comm, path, x, NULL));
    ck->resumed = 1;
    tes_log(TES_LOG_INFO, "resuming from checkpoint %s after iteration %d", path, found.iteration);
    return TES_OK;
}

tes_status tes_recon_checkpoint_restore(const tes_recon_checkpoint *ck, tes_solver_state *state) {
    TES_CALL(tes_checkpoint_read(ck->comm, ck->path, NULL, state));
    return TES_OK;
}

static tes_status write_now(tes_recon_checkpoint *ck, const tes_array *x, int k) {
    double t0 = tes_time_now();
    ck->meta.iteration = k;
    TES_CALL(tes_checkpoint_write(ck->comm, ck->path, &ck->meta, &ck->state, x));
    tes_log(TES_LOG_INFO, "checkpoint %s written after iteration %d (%.2f s)", ck->path, k,
            tes_time_now() - t0);
    return TES_OK;
}

tes_status tes_recon_checkpoint_step(tes_recon_checkpoint *ck, const tes_array *x, int k,
                                     int *stop) {
    if (!ck->path)
        return TES_OK;
    int rank = 0;
    MPI_Comm_rank(ck->comm, &rank);
    if (rank == 0 && ck->after > 0 && k == ck->after)
        raise(SIGUSR1);
    int local = signal_caught, sig = 0;
    TES_CHECK(MPI_Allreduce(&local, &sig, 1, MPI_INT, MPI_MAX, ck->comm) == MPI_SUCCESS,
              TES_ERR_MPI, "checkpoint: agreeing on a signal after iteration %d", k);
    if (sig || (ck->every > 0 && k % ck->every == 0))
        TES_CALL(write_now(ck, x, k));
    if (sig) {
        tes_log(TES_LOG_INFO, "caught %s: stopped after iteration %d; rerun to resume",
                sig == SIGTERM ? "SIGTERM" : "SIGUSR1", k);
        *stop = 1;
        ck->interrupted = 1;
        run_interrupted = 1;
    }
    return TES_OK;
}

void tes_recon_checkpoint_finish(tes_recon_checkpoint *ck, int keep) {
    if (!ck->path)
        return;
    int rank = 0;
    MPI_Comm_rank(ck->comm, &rank);
    if (!ck->interrupted && !keep && rank == 0)
        unlink(ck->path);
}
