/* tessera bench io: time the collective reader of Data Exchange scans and
 * the collective volume writer on a generated file (the bench command's
 * dispatcher in bench.c calls in here). */
#ifndef TES_CLI_BENCH_IO_H
#define TES_CLI_BENCH_IO_H

#include <mpi.h>

#include "cli/options.h"
#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --dir, --gib, --keep (and, from bench, --repeats) */
extern const tes_cli_option tes_cli_bench_io_options[];

/* Collective over comm: generate the files, time reading and writing,
 * print one JSON line per operation on rank 0, delete the files unless
 * --keep. */
tes_status tes_cli_bench_io(const tes_cli_args *args, MPI_Comm comm);

#ifdef __cplusplus
}
#endif

#endif
