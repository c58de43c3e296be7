/* tessera bench projector: time the forward and adjoint projectors on one
 * rank and print one JSON object per (geometry, operation, size) on
 * stdout; progress goes to stderr. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "cli/bench_common.h"
#include "cli/bench_fbp.h"
#include "cli/bench_io.h"
#include "cli/bench_solver.h"
#include "cli/command.h"
#include "cli/recon.h"
#include "core/device.h"
#include "core/log.h"
#include "core/timer.h"
#include "kernels/projector.h"
#include "phantom/shepp_logan.h"

#define TES_BENCH_DEFAULT_SIZES      "256:256,512:512"
#define TES_BENCH_DEFAULT_GEOMETRIES "parallel3d,cone3d"
#define TES_BENCH_DEFAULT_REPEATS    5
#define TES_BENCH_DEFAULT_WARMUP     1
#define TES_BENCH_MAX_REPEATS        1000
#define TES_GIGA                     1e9
enum {
    TES_BENCH_DEVICE_BYTES = 256,
    TES_BENCH_CPUINFO_LINE_BYTES = 512,
};

static const tes_cli_option bench_options[] = {
    {"--sizes", NULL, "N:V[,N:V...]",
     "cases: an N^3 volume of 1 mm voxels, V views, an N x N detector; cone3d puts the "
     "source 2N mm before the axis and the detector N mm behind it, with 1.5 mm pixels, so "
     "the volume fills the detector (default " TES_BENCH_DEFAULT_SIZES ")"},
    {"--geometry", NULL, "LIST",
     "geometries to time, comma-separated: parallel3d, cone3d "
     "(default " TES_BENCH_DEFAULT_GEOMETRIES ")"},
    {"--repeats", NULL, "R", "timed runs of each operation (default 5)"},
    {"--warmup", NULL, "W", "untimed runs before them (default 1; 0 allowed)"},
    {NULL, NULL, NULL, NULL},
};

static const tes_cli_section bench_sections[] = {
    {"Benchmark", bench_options},
    {"bench sirt", tes_cli_bench_sirt_options},
    {"bench sirt: decomposition", tes_cli_grid_options},
    {"bench fbp", tes_cli_bench_fbp_options},
    {"bench io", tes_cli_bench_io_options},
    {"Run", tes_cli_run_options},
    {"Help", tes_cli_help_options},
    {NULL, NULL},
};

typedef struct bench_plan {
    tes_bench_case cases[TES_BENCH_MAX_CASES];
    int ncases;
    tes_geom_kind kinds[TES_BENCH_MAX_CASES];
    int nkinds;
    size_t repeats, warmup;
    tes_backend backend;
    char device[TES_BENCH_DEVICE_BYTES];
} bench_plan;

/* "cpu: <model> (N threads)" or the GPU's description. */
static void describe_device(tes_backend backend, char *buf, size_t len) {
    if (backend == TES_BACKEND_CUDA && tes_device_describe(buf, len) == TES_OK)
        return;
    char model[TES_BENCH_CPUINFO_LINE_BYTES] = "unknown model";
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[TES_BENCH_CPUINFO_LINE_BYTES];
    while (f && fgets(line, sizeof line, f)) {
        const char *colon = strchr(line, ':');
        if (!strncmp(line, "model name", strlen("model name")) && colon) {
            snprintf(model, sizeof model, "%s", colon + 2);
            model[strcspn(model, "\n")] = '\0';
            break;
        }
    }
    if (f)
        fclose(f);
    snprintf(buf, len, "cpu: %s (%d threads)", model, tes_backend_threads());
}

static tes_status read_plan(const tes_cli_args *args, MPI_Comm comm, bench_plan *plan) {
    int nranks = 1;
    TES_CHECK(args->npositional == 1 && !strcmp(args->positional[0], "projector"), TES_ERR_ARG,
              "bench: expected the benchmark's name, 'projector', 'sirt', 'fbp' or 'io' "
              "(got '%s')",
              args->npositional ? args->positional[0] : "nothing");
    MPI_Comm_size(comm, &nranks);
    TES_CHECK(nranks == 1, TES_ERR_ARG,
              "bench projector times one rank; run it without mpiexec (got %d ranks)", nranks);
    const char *sizes = tes_cli_get(args, "--sizes"), *kinds = tes_cli_get(args, "--geometry");
    TES_CALL(
        tes_bench_parse_sizes(sizes ? sizes : TES_BENCH_DEFAULT_SIZES, plan->cases, &plan->ncases));
    TES_CALL(tes_bench_parse_geometries(kinds ? kinds : TES_BENCH_DEFAULT_GEOMETRIES, plan->kinds,
                                        &plan->nkinds));
    TES_CALL(tes_cli_count_range(args, "--repeats", TES_BENCH_DEFAULT_REPEATS, 1,
                                 TES_BENCH_MAX_REPEATS, &plan->repeats));
    TES_CALL(tes_cli_count_range(args, "--warmup", TES_BENCH_DEFAULT_WARMUP, 0,
                                 TES_BENCH_MAX_REPEATS, &plan->warmup));
    TES_CALL(tes_cli_setup_run(args, &plan->backend));
    describe_device(plan->backend, plan->device, sizeof plan->device);
    return TES_OK;
}

/* Run op warmup + repeats times; times[] receives the timed runs. */
static tes_status time_op(const bench_plan *plan, const tes_projector *p, int adjoint,
                          tes_array *vol, tes_array *sino, double *times) {
    for (size_t i = 0; i < plan->warmup + plan->repeats; ++i) {
        double t0 = tes_time_now();
        if (adjoint)
            TES_CALL(tes_projector_adjoint(p, sino, vol));
        else
            TES_CALL(tes_projector_forward(p, vol, sino));
        if (plan->backend == TES_BACKEND_CUDA)
            TES_CALL(tes_device_synchronize());
        if (i >= plan->warmup)
            times[i - plan->warmup] = tes_time_now() - t0;
    }
    return TES_OK;
}

/* Sorts times (times[0] is then the fastest run). */
static tes_status print_result(const bench_plan *plan, tes_geom_kind kind, const tes_bench_case *c,
                               int adjoint, double *times) {
    size_t r = plan->repeats;
    double median = tes_bench_median(times, r);
    double updates = (double)c->n * (double)c->n * (double)c->n * (double)c->views;
    double gups = updates / median / TES_GIGA;
    json_int_t n = (json_int_t)c->n;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:[I,I,I], s:I, s:[I,I], s:i, s:I, s:I, s:f, "
                          "s:f, s:f, s:s}",
                          "bench", "projector", "geometry", tes_geom_kind_name(kind), "backend",
                          tes_backend_name(plan->backend), "op", adjoint ? "adjoint" : "forward",
                          "volume", n, n, n, "views", (json_int_t)c->views, "detector", n, n,
                          "threads", tes_backend_threads(), "repeats", (json_int_t)r, "warmup",
                          (json_int_t)plan->warmup, "seconds_median", median, "seconds_min",
                          times[0], "gups", gups, "device", plan->device);
    TES_CALL(tes_bench_print_line(o, 0, 1));
    tes_log(TES_LOG_INFO, "bench projector: %s %s %zu^3, %zu views: median %.4f s, %.3f GUPS",
            tes_geom_kind_name(kind), adjoint ? "adjoint" : "forward", c->n, c->views, median,
            gups);
    return TES_OK;
}

/* Both operations of one (geometry, size) case. */
static tes_status bench_case_run(const bench_plan *plan, tes_geom_kind kind,
                                 const tes_bench_case *c) {
    tes_vol_geom vol;
    tes_proj_geom *proj = NULL;
    tes_projector *p = NULL;
    tes_array *host_vol = NULL, *volume = NULL, *sino = NULL;
    double *times = malloc(plan->repeats * sizeof *times);
    tes_status st = TES_OK;
    TES_CHECK(times, TES_ERR_ALLOC, "cannot allocate %zu timings", plan->repeats);
    TES_CALL_GOTO(st, tes_bench_geometry(kind, c->n, c->n, c->views, &vol, &proj), done);
    TES_CALL_GOTO(st, tes_projector_create(&p, &vol, proj, NULL, plan->backend), done);
    size_t vshape[3], sshape[3];
    tes_projector_vol_shape(p, vshape);
    tes_projector_sino_shape(p, sshape);
    tes_location loc = tes_backend_location(plan->backend);
    /* The phantom, so that the timed data look like a real object. */
    TES_CALL_GOTO(st, tes_array_create(&host_vol, TES_FLOAT32, TES_HOST, 3, vshape), done);
    TES_CALL_GOTO(st, tes_phantom_voxelize(&vol, 0, vol.nz, 1, host_vol), done);
    TES_CALL_GOTO(st, tes_array_clone(&volume, host_vol, loc), done);
    TES_CALL_GOTO(st, tes_array_create(&sino, TES_FLOAT32, loc, 3, sshape), done);
    for (int adjoint = 0; adjoint < 2; ++adjoint) {
        TES_CALL_GOTO(st, time_op(plan, p, adjoint, volume, sino, times), done);
        TES_CALL_GOTO(st, print_result(plan, kind, c, adjoint, times), done);
    }
done:
    tes_array_destroy(&sino);
    tes_array_destroy(&volume);
    tes_array_destroy(&host_vol);
    tes_projector_destroy(&p);
    tes_proj_geom_destroy(&proj);
    free(times);
    return st;
}

static tes_status run_bench(const tes_cli_args *args, MPI_Comm comm) {
    if (args->npositional == 1 && !strcmp(args->positional[0], "sirt"))
        return tes_cli_bench_sirt(args, comm);
    if (args->npositional == 1 && !strcmp(args->positional[0], "fbp"))
        return tes_cli_bench_fbp(args, comm);
    if (args->npositional == 1 && !strcmp(args->positional[0], "io"))
        return tes_cli_bench_io(args, comm);
    bench_plan plan;
    memset(&plan, 0, sizeof plan);
    TES_CALL(read_plan(args, comm, &plan));
    tes_log(TES_LOG_INFO, "bench projector on %s, backend %s", plan.device,
            tes_backend_name(plan.backend));
    for (int k = 0; k < plan.nkinds; ++k)
        for (int i = 0; i < plan.ncases; ++i)
            TES_CALL(bench_case_run(&plan, plan.kinds[k], &plan.cases[i]));
    return TES_OK;
}

const tes_cli_command tes_cli_bench_command = {
    "bench",
    "time the projectors (bench projector) or SIRT iterations on the rank grid (bench sirt)",
    "tessera bench projector [--sizes N:V,...] [--geometry parallel3d,cone3d] [--backend B] "
    "[--repeats R] [--warmup W]\n"
    "       mpiexec -n P tessera bench sirt [--sizes N:V,...] [--grid PSxPV] [--weak] "
    "[--backend B] [--repeats R] [--warmup W]\n"
    "       mpiexec -n P tessera bench io [--gib G] [--dir DIR] [--repeats R] [--keep]",
    "Times the forward and adjoint projectors of each geometry and size on one rank, on the "
    "Shepp-Logan phantom, and prints one JSON object per line on stdout: bench, geometry, "
    "backend, op (forward | adjoint), volume [nz, ny, nx], views, detector [rows, cols], "
    "threads, repeats, warmup, seconds_median, seconds_min, gups (voxels x views / median / "
    "1e9) and device. Progress goes to stderr.\n\n"
    "bench sirt times SIRT iterations on the rank grid (default --sizes 256:256, --geometry "
    "parallel3d) and prints per case: ranks, grid, volume, views, detector, threads, cores, "
    "oversubscribed, seconds_per_iteration (median) and seconds_min, the medians of "
    "forward_seconds, adjoint_seconds, reduce_seconds (blocked), reduce_total_seconds, "
    "update_seconds, bytes_reduced (rank 0) and bytes_reduced_total (all ranks) per iteration, "
    "reduce_hidden_share (the share of reduction time hidden behind compute), gups, device.",
    bench_sections,
    1,
    run_bench,
};
