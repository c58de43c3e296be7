/* What both forms of tessera recon (simulated data from options, a job
 * file) share while the solver runs: progress on rank 0 (a bar on a
 * terminal, one line per iteration otherwise), the metrics file (JSON
 * lines), the residual history for the convergence plot, and the
 * checkpoints (cli/recon_checkpoint.h). Internal to src/cli. */
#ifndef TES_CLI_RECON_RUN_H
#define TES_CLI_RECON_RUN_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/recon_checkpoint.h"
#include "core/status.h"
#include "decomposition/grid.h"
#include "io/outfile.h"
#include "solvers/solver.h"

typedef struct tes_recon_progress {
    MPI_Comm comm;
    int rank0;
    int bar; /* 1: rank 0's stderr is a terminal: one updated progress bar */
    const tes_grid *grid;
    tes_outfile metrics;
    int metrics_open;
    int count;                               /* iterations run by this process */
    double seconds, reduce_seconds, updates; /* sums over them */
    double *residuals;                       /* rank 0: r_k at k - 1 (NaN: not run here) */
    size_t nresiduals, capacity;
    tes_recon_checkpoint *checkpoint; /* NULL: none */
} tes_recon_progress;

/* Collective: open the metrics file on rank 0 (NULL: none). */
tes_status tes_recon_progress_begin(tes_recon_progress *p, MPI_Comm comm, const tes_grid *grid,
                                    const char *metrics, int overwrite,
                                    tes_recon_checkpoint *checkpoint);

/* Point opt's callback (and restore, when resuming) at p. */
void tes_recon_progress_attach(tes_recon_progress *p, tes_solver_options *opt);

/* Commit (st == TES_OK) or remove the metrics file (also after a run
 * stopped on a signal: the resumed run writes the iterations after its
 * checkpoint); returns st or the commit's failure. Frees nothing else. */
tes_status tes_recon_progress_end(tes_recon_progress *p, tes_status st);

void tes_recon_progress_free(tes_recon_progress *p);

/* The summary line of an iterative solve. */
void tes_recon_print_summary(const char *algorithm, const tes_recon_progress *p,
                             const tes_solver_result *res);

/* FNV-1a, 64 bits, continuing from h (start with TES_RECON_FNV_OFFSET). */
#define TES_RECON_FNV_OFFSET 14695981039346656037ULL
uint64_t tes_recon_fnv1a(uint64_t h, const char *text);

#endif
