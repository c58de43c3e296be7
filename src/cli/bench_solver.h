/* tessera bench sirt: time SIRT iterations on the rank grid (the bench
 * command's dispatcher in bench.c calls in here). */
#ifndef TES_CLI_BENCH_SOLVER_H
#define TES_CLI_BENCH_SOLVER_H

#include <mpi.h>

#include "cli/options.h"
#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --weak (and, from cli/recon.h, --grid and --mem-per-rank) */
extern const tes_cli_option tes_cli_bench_sirt_options[];

/* Collective over comm: run the cases of --sizes and print one JSON line
 * per case on rank 0. */
tes_status tes_cli_bench_sirt(const tes_cli_args *args, MPI_Comm comm);

#ifdef __cplusplus
}
#endif

#endif
