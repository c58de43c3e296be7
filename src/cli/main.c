/* The tessera command: subcommand dispatch, help, version, and the one
 * place where a failure becomes a message and an exit code.
 *
 * Exit codes: 0 done; 2 bad input or usage (TES_ERR_ARG, TES_ERR_INPUT,
 * TES_ERR_SHAPE); 3 tessera recon checkpointed on a signal; 1 any other
 * failure. An error is printed once, by rank
 * 0, after every rank agreed on it: its first message at error level, the
 * whole trace at debug level (TES_LOG_LEVEL=debug). */
#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/center.h"
#include "cli/command.h"
#include "cli/info.h"
#include "cli/options.h"
#include "cli/plan.h"
#include "cli/recon.h"
#include "cli/recon_checkpoint.h"
#include "cli/scaling_report.h"
#include "core/agree.h"
#include "core/device.h"
#include "core/log.h"

enum { TES_EXIT_OK = 0, TES_EXIT_FAILURE = 1, TES_EXIT_USAGE = 2 };

static const tes_cli_command *const commands[] = {
    &tes_cli_phantom_command, &tes_cli_project_command, &tes_cli_backproject_command,
    &tes_cli_recon_command,   &tes_cli_plan_command,    &tes_cli_center_command,
    &tes_cli_info_command,    &tes_cli_bench_command,   &tes_cli_scaling_report_command,
};
enum { TES_NCOMMANDS = sizeof commands / sizeof commands[0] };

static int is_rank0(void) {
    return tes_log_rank() == 0;
}

static void print_usage(FILE *out) {
    fprintf(out, "Usage: tessera COMMAND [options]\n"
                 "       tessera help COMMAND | tessera COMMAND --help\n"
                 "       tessera --version\n\n"
                 "MPI-distributed multi-GPU tomographic reconstruction. Run under mpiexec to use "
                 "several ranks.\n\nCommands:\n");
    for (int i = 0; i < TES_NCOMMANDS; ++i)
        fprintf(out, "  %-14s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "\n");
    tes_cli_print_wrapped(out,
                          "Lengths are in mm, angles in degrees, detector positions in "
                          "pixels. A dataset is named FILE[:/path/in/file]; each command "
                          "has a default path.",
                          0);
    fprintf(out, "Environment: TES_LOG_LEVEL=error|warn|info|debug (default info).\n");
}

static void print_command_help(const tes_cli_command *cmd) {
    printf("Usage: ");
    tes_cli_print_wrapped(stdout, cmd->usage, (int)strlen("Usage: "));
    printf("\n%s\n", cmd->summary);
    if (cmd->details) {
        printf("\n");
        tes_cli_print_wrapped(stdout, cmd->details, 0);
    }
    tes_cli_print_options(stdout, cmd->sections);
}

static void print_version(void) {
    char mpi_version[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(mpi_version, &len);
    mpi_version[strcspn(mpi_version, "\n,")] = '\0';
    printf("tessera %s\n  cuda backend: %s\n  hdf5: %d.%d.%d (parallel)\n  mpi: %s\n", TES_VERSION,
           tes_device_built() ? "built" : "not built", H5_VERS_MAJOR, H5_VERS_MINOR,
           H5_VERS_RELEASE, mpi_version);
}

static tes_status find_command(const char *name, const tes_cli_command **out) {
    const char *names[TES_NCOMMANDS];
    for (int i = 0; i < TES_NCOMMANDS; ++i) {
        names[i] = commands[i]->name;
        if (!strcmp(name, commands[i]->name)) {
            *out = commands[i];
            return TES_OK;
        }
    }
    TES_FAIL(TES_ERR_ARG, "unknown command '%s' (did you mean '%s'? see 'tessera --help')", name,
             tes_cli_closest(name, names, TES_NCOMMANDS));
}

static int wants_help(int argc, char **argv) {
    for (int i = 0; i < argc; ++i)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

/* Run what argv asks for; *cmd is the command found, for the usage hint. */
static tes_status dispatch(int argc, char **argv, MPI_Comm comm, const tes_cli_command **cmd) {
    *cmd = NULL;
    if (argc < 2) {
        if (is_rank0())
            print_usage(stderr);
        TES_FAIL(TES_ERR_ARG, "no command given");
    }
    const char *first = argv[1];
    if (!strcmp(first, "--help") || !strcmp(first, "-h") || (!strcmp(first, "help") && argc == 2)) {
        if (is_rank0())
            print_usage(stdout);
        return TES_OK;
    }
    if (!strcmp(first, "--version")) {
        if (is_rank0())
            print_version();
        return TES_OK;
    }
    if (!strcmp(first, "help")) {
        TES_CHECK(argc == 3, TES_ERR_ARG,
                  "help: expected one command name, e.g. 'tessera help "
                  "project'");
        TES_CALL(find_command(argv[2], cmd));
        if (is_rank0())
            print_command_help(*cmd);
        return TES_OK;
    }
    TES_CHECK(first[0] != '-', TES_ERR_ARG,
              "expected a command before the options, got '%s' (see 'tessera --help')", first);
    TES_CALL(find_command(first, cmd));
    if (wants_help(argc - 2, argv + 2)) {
        if (is_rank0())
            print_command_help(*cmd);
        return TES_OK;
    }
    tes_cli_args args;
    TES_CALL(tes_cli_parse(&args, (*cmd)->name, (*cmd)->sections, (*cmd)->max_positional, argc - 2,
                           argv + 2));
    TES_CALL((*cmd)->run(&args, comm));
    return TES_OK;
}

static int exit_code(tes_status st) {
    if (st == TES_OK)
        return tes_recon_checkpoint_interrupted() ? TES_EXIT_CHECKPOINTED : TES_EXIT_OK;
    if (st == TES_ERR_ARG || st == TES_ERR_INPUT || st == TES_ERR_SHAPE)
        return TES_EXIT_USAGE;
    return TES_EXIT_FAILURE;
}

int main(int argc, char **argv) {
    int provided = 0, rank = 0;
    /* MULTIPLE: the stitches' host reductions run on a communication thread
     * (core/comm.h) so that they overlap the next chunk's compute. */
    /* Open MPI's ompio probes file locking by creating "<file>.locktest.0"
     * beside every file it opens, inputs included; tessera never uses
     * shared file pointers, so keep it from touching the input folders. */
    setenv("OMPI_MCA_sharedfp", "^lockedfile", 0);
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "error: tessera: MPI_Init_thread failed\n");
        return TES_EXIT_FAILURE;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    tes_log_set_rank(rank);
    if (provided < MPI_THREAD_FUNNELED)
        tes_log(TES_LOG_WARN, "the MPI library offers no MPI_THREAD_FUNNELED support");

    const tes_cli_command *cmd = NULL;
    tes_status st = dispatch(argc, argv, MPI_COMM_WORLD, &cmd);
    st = tes_status_agree(MPI_COMM_WORLD, st);
    if (st != TES_OK) {
        tes_log(TES_LOG_ERROR, "%s", tes_error_message());
        tes_log(TES_LOG_DEBUG, "%s", tes_error_trace_text());
        if (st == TES_ERR_ARG && cmd)
            tes_log(TES_LOG_INFO, "see 'tessera %s --help'", cmd->name);
    }
    MPI_Finalize();
    return exit_code(st);
}
