/* tessera bench fbp: time FBP (parallel beam) and FDK (cone beam) on the
 * rank grid (the bench command's dispatcher in bench.c calls in here). */
#ifndef TES_CLI_BENCH_FBP_H
#define TES_CLI_BENCH_FBP_H

#include <mpi.h>

#include "cli/options.h"
#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --fbp, --fdk, --cases (and, from bench, --repeats, --warmup, --grid) */
extern const tes_cli_option tes_cli_bench_fbp_options[];

/* Collective over comm: time the cases and print one JSON line per case
 * on rank 0. */
tes_status tes_cli_bench_fbp(const tes_cli_args *args, MPI_Comm comm);

#ifdef __cplusplus
}
#endif

#endif
