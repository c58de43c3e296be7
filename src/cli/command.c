#include "cli/command.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli/options.h"
#include "core/backend.h"
#include "core/log.h"

/* The largest --threads accepted: far above any node, below int overflow. */
#define TES_CLI_MAX_THREADS 4096

const tes_cli_option tes_cli_output_options[] = {
    {"--output", "-o", "FILE[:/DATASET]",
     "HDF5 file to write, and the dataset in it (default dataset /volume for phantom and "
     "backproject, /projections for project). The file is written under a temporary name and "
     "renamed when complete"},
    {"--force", NULL, NULL, "replace the output file if it exists (default: refuse)"},
    {NULL, NULL, NULL, NULL},
};

#define TES_CLI_THREADS_OPTION                                                                     \
    {                                                                                              \
        "--threads", NULL, "N",                                                                    \
            "OpenMP threads per rank (default: OMP_NUM_THREADS, else every CPU the rank may run "  \
            "on)"                                                                                  \
    }

const tes_cli_option tes_cli_run_options[] = {
    {"--backend", NULL, "cpu|cuda|auto",
     "where the projectors run (default auto: cuda when a usable GPU is found, else cpu)"},
    TES_CLI_THREADS_OPTION,
    {NULL, NULL, NULL, NULL},
};

const tes_cli_option tes_cli_threads_options[] = {
    TES_CLI_THREADS_OPTION,
    {NULL, NULL, NULL, NULL},
};

const tes_cli_option tes_cli_help_options[] = {
    {"--help", "-h", NULL, "print this help and exit"},
    {NULL, NULL, NULL, NULL},
};

tes_status tes_cli_setup_threads(const tes_cli_args *args) {
    size_t threads = 0;
    if (tes_cli_has(args, "--threads")) {
        TES_CALL(tes_cli_count_range(args, "--threads", 1, 1, TES_CLI_MAX_THREADS, &threads));
#ifdef _OPENMP
        omp_set_num_threads((int)threads);
#endif
    }
    /* Threads beyond the CPUs a rank is bound to take turns on them. */
    const int want = tes_backend_threads(), cpus = tes_backend_cpus();
    if (want > cpus)
        tes_log(TES_LOG_WARN,
                "%d OpenMP threads per rank, but the rank may run on %d CPU(s) only (the MPI "
                "launcher bound it there), so the threads share them: start with mpiexec "
                "--bind-to none or --map-by slot:PE=%d, or ask for --threads %d",
                want, cpus, want, cpus);
    return TES_OK;
}

tes_status tes_cli_setup_run(const tes_cli_args *args, tes_backend *backend) {
    TES_CALL(tes_cli_setup_threads(args));
    const char *name = tes_cli_get(args, "--backend");
    TES_CALL(tes_backend_parse(name ? name : "auto", "--backend", backend));
    return TES_OK;
}

tes_status tes_cli_output(const tes_cli_args *args, MPI_Comm comm, const char *default_dataset,
                          tes_h5_name *name, tes_h5_write_options *opt) {
    const char *text = tes_cli_get(args, "--output");
    TES_CHECK(text, TES_ERR_ARG, "-o/--output: required (the HDF5 file to write, FILE[:/DATASET])");
    TES_CALL(tes_h5_name_parse(text, default_dataset, "--output", name));
    tes_h5_write_options o = {tes_cli_has(args, "--force"), "--force", NULL, 0, NULL, 0};
    *opt = o;
    TES_CALL(tes_h5_check_output(comm, name->file, opt));
    return TES_OK;
}
