/* The tessera subcommands and what they share: the option sections every
 * command offers (output, run, help) and the steps every command takes
 * (backend and threads, the output checked before any work). */
#ifndef TES_CLI_COMMAND_H
#define TES_CLI_COMMAND_H

#include <mpi.h>

#include "cli/options.h"
#include "core/backend.h"
#include "core/status.h"
#include "io/h5array.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tes_cli_command {
    const char *name;
    const char *summary; /* one line for 'tessera --help' */
    const char *usage;   /* the synopsis */
    const char *details; /* a paragraph after the synopsis, or NULL */
    const tes_cli_section *sections;
    int max_positional;
    /* Collective over comm: every rank runs the command. */
    tes_status (*run)(const tes_cli_args *args, MPI_Comm comm);
} tes_cli_command;

extern const tes_cli_command tes_cli_phantom_command;
extern const tes_cli_command tes_cli_project_command;
extern const tes_cli_command tes_cli_backproject_command;
extern const tes_cli_command tes_cli_bench_command;

/* -o/--output, --force */
extern const tes_cli_option tes_cli_output_options[];
/* --backend, --threads */
extern const tes_cli_option tes_cli_run_options[];
/* --threads alone, for commands without projectors */
extern const tes_cli_option tes_cli_threads_options[];
/* --help */
extern const tes_cli_option tes_cli_help_options[];

/* Apply --threads. */
tes_status tes_cli_setup_threads(const tes_cli_args *args);

/* Apply --threads and parse --backend (default auto). */
tes_status tes_cli_setup_run(const tes_cli_args *args, tes_backend *backend);

/* Parse -o (required; default_dataset when it names no dataset) and
 * --force into name and opt, then check (collectively) that the output
 * can be written, before any work starts. */
tes_status tes_cli_output(const tes_cli_args *args, MPI_Comm comm, const char *default_dataset,
                          tes_h5_name *name, tes_h5_write_options *opt);

#ifdef __cplusplus
}
#endif

#endif
