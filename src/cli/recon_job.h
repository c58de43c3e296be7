/* tessera recon JOB.ini: a job file's reconstruction (jobs/job.h), from its
 * input file (or simulated acquisition) to its outputs and checkpoints. */
#ifndef TES_CLI_RECON_JOB_H
#define TES_CLI_RECON_JOB_H

#include <mpi.h>

#include "cli/options.h"
#include "core/status.h"

/* Collective: run the job args->positional[0] with the overrides of args
 * (--metrics, --force, --checkpoint, --checkpoint-every, --grid,
 * --mem-per-rank, --threads, --backend; any other option is refused). */
tes_status tes_cli_recon_job(const tes_cli_args *args, MPI_Comm comm);

#endif
