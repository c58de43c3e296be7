/* tessera bench fbp: time filtered backprojection on the rank grid and
 * print one JSON object per case on stdout (rank 0); progress goes to
 * stderr.
 *
 * Cases:
 *   fbp  parallel beam: SLICES slices of COLS x COLS voxels of 1 mm from
 *        VIEWS views over 180 deg of SLICES rows x COLS pixels of 1 mm
 *        (default 2048:1500:4, a synchrotron slice);
 *   fdk  cone beam: an N^3 volume of 1 mm voxels from VIEWS views over 360
 *        deg of N x N pixels, the source 2N mm before the axis and the
 *        detector N mm behind it, 1.5 mm pixels, so the volume fills the
 *        detector (default 512:512).
 * The data are a constant (the values do not change the timing). Each run
 * is the whole distributed reconstruction (filter, backprojection, stitch);
 * its time is the slowest rank's. Defaults: one run without warm-up on the
 * CPU, three after one warm-up on the GPU (--repeats, --warmup). */
#include "cli/bench_fbp.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/bench_common.h"
#include "cli/command.h"
#include "cli/recon.h"
#include "core/agree.h"
#include "core/device.h"
#include "core/log.h"
#include "core/vec.h"
#include "decomposition/device.h"
#include "solvers/fbp.h"

#define TES_BENCH_FBP_DEFAULT_FBP   "2048:1500:4"
#define TES_BENCH_FBP_DEFAULT_FDK   "512:512"
#define TES_BENCH_FBP_DEFAULT_CASES "fbp,fdk"
#define TES_GIGA                    1e9
enum {
    TES_BENCH_FBP_CPU_REPEATS = 1,
    TES_BENCH_FBP_CPU_WARMUP = 0,
    TES_BENCH_FBP_GPU_REPEATS = 3,
    TES_BENCH_FBP_GPU_WARMUP = 1,
    TES_BENCH_FBP_MAX_RUNS = 1000,
    TES_BENCH_FBP_TEXT_BYTES = 256,
    TES_BENCH_FBP_ITEM_BYTES = 32,
};

const tes_cli_option tes_cli_bench_fbp_options[] = {
    {"--fbp", NULL, "COLS:VIEWS:SLICES",
     "bench fbp: parallel-beam FBP of SLICES slices of COLS x COLS voxels from VIEWS views "
     "of COLS pixels (default " TES_BENCH_FBP_DEFAULT_FBP ")"},
    {"--fdk", NULL, "N:VIEWS",
     "bench fbp: FDK of an N^3 volume from VIEWS cone-beam views of N x N pixels "
     "(default " TES_BENCH_FBP_DEFAULT_FDK ")"},
    {"--cases", NULL, "LIST",
     "bench fbp: the cases to time, comma-separated: fbp, fdk (default both)"},
    {NULL, NULL, NULL, NULL},
};

typedef struct fbp_case {
    int cone;
    size_t n, views, slices; /* fbp: cols, views, slices; fdk: n, views (slices = n) */
} fbp_case;

typedef struct fbp_plan {
    fbp_case cases[2];
    int ncases;
    size_t repeats, warmup;
    tes_backend backend;
    tes_grid_request req;
    int nranks, cores;
    char device[TES_BENCH_FBP_TEXT_BYTES];
} fbp_plan;

/* "A:B" or "A:B:C" of positive integers into out[0 .. count). */
static tes_status parse_counts(const char *option, const char *text, int count, size_t *out) {
    const char *p = text;
    for (int i = 0; i < count; ++i) {
        size_t len = strcspn(p, ":");
        char item[TES_BENCH_FBP_ITEM_BYTES];
        int last = i + 1 == count;
        TES_CHECK(len > 0 && len < sizeof item && (last ? p[len] == '\0' : p[len] == ':'),
                  TES_ERR_ARG, "%s: expected %d positive integers separated by ':', got '%s'",
                  option, count, text);
        memcpy(item, p, len);
        item[len] = '\0';
        TES_CALL(tes_cli_parse_count(option, item, &out[i]));
        p += len + 1;
    }
    return TES_OK;
}

static tes_status parse_cases(const tes_cli_args *args, fbp_plan *plan) {
    const char *list = tes_cli_get(args, "--cases");
    const char *fbp = tes_cli_get(args, "--fbp"), *fdk = tes_cli_get(args, "--fdk");
    list = list ? list : TES_BENCH_FBP_DEFAULT_CASES;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        int cone = len == strlen("fdk") && !strncmp(p, "fdk", len);
        TES_CHECK(cone || (len == strlen("fbp") && !strncmp(p, "fbp", len)), TES_ERR_ARG,
                  "--cases: expected a comma-separated list of fbp, fdk, got '%s'", list);
        TES_CHECK(plan->ncases < 2, TES_ERR_ARG, "--cases: '%s' names a case twice", list);
        fbp_case *c = &plan->cases[plan->ncases++];
        c->cone = cone;
        if (cone) {
            size_t v[2];
            TES_CALL(parse_counts("--fdk", fdk ? fdk : TES_BENCH_FBP_DEFAULT_FDK, 2, v));
            c->n = c->slices = v[0];
            c->views = v[1];
        } else {
            size_t v[3];
            TES_CALL(parse_counts("--fbp", fbp ? fbp : TES_BENCH_FBP_DEFAULT_FBP, 3, v));
            c->n = v[0];
            c->views = v[1];
            c->slices = v[2];
        }
        p += len + (p[len] == ',');
    }
    return TES_OK;
}

static void describe_machine(fbp_plan *plan) {
    plan->cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (plan->backend == TES_BACKEND_CUDA &&
        tes_device_describe(plan->device, sizeof plan->device) == TES_OK)
        return;
    snprintf(plan->device, sizeof plan->device, "cpu: %d core(s), %d thread(s) per rank",
             plan->cores, tes_backend_threads());
}

static tes_status read_plan(const tes_cli_args *args, MPI_Comm comm, fbp_plan *plan) {
    TES_CALL(parse_cases(args, plan));
    TES_CALL(tes_cli_setup_run(args, &plan->backend));
    int gpu = plan->backend == TES_BACKEND_CUDA;
    TES_CALL(tes_cli_count_range(args, "--repeats",
                                 gpu ? TES_BENCH_FBP_GPU_REPEATS : TES_BENCH_FBP_CPU_REPEATS, 1,
                                 TES_BENCH_FBP_MAX_RUNS, &plan->repeats));
    TES_CALL(tes_cli_count_range(args, "--warmup",
                                 gpu ? TES_BENCH_FBP_GPU_WARMUP : TES_BENCH_FBP_CPU_WARMUP, 0,
                                 TES_BENCH_FBP_MAX_RUNS, &plan->warmup));
    MPI_Comm_size(comm, &plan->nranks);
    plan->req.volume_vectors = 1;
    plan->req.data_vectors = 2; /* the data and the filter's copy */
    size_t fewest = SIZE_MAX;
    for (int i = 0; i < plan->ncases; ++i)
        fewest = plan->cases[i].slices < fewest ? plan->cases[i].slices : fewest;
    TES_CALL(tes_cli_grid_request(args, plan->nranks, fewest, &plan->req));
    if (gpu) {
        int device = -1;
        TES_CALL(tes_device_bind(comm, &device));
    }
    describe_machine(plan);
    return TES_OK;
}

/* The runs' times: whole, filter, backprojection (slowest rank each). */
typedef struct fbp_times {
    double *seconds, *filter, *backproject;
} fbp_times;

static tes_status time_runs(const fbp_plan *plan, tes_problem *pb, const tes_array *y, tes_array *x,
                            fbp_times *t) {
    MPI_Comm world = tes_comm_mpi(pb->world_comm);
    for (size_t r = 0; r < plan->warmup + plan->repeats; ++r) {
        tes_fbp_stats s;
        MPI_Barrier(world);
        TES_CALL(tes_fbp(pb, y, x, NULL, &s));
        double v[3] = {s.seconds, s.filter_seconds, s.backproject_seconds};
        MPI_Allreduce(MPI_IN_PLACE, v, 3, MPI_DOUBLE, MPI_MAX, world);
        if (r < plan->warmup)
            continue;
        t->seconds[r - plan->warmup] = v[0];
        t->filter[r - plan->warmup] = v[1];
        t->backproject[r - plan->warmup] = v[2];
        tes_log(TES_LOG_INFO, "bench fbp: run %zu of %zu: %.3f s", r - plan->warmup + 1,
                plan->repeats, v[0]);
    }
    return TES_OK;
}

static tes_status print_case(const fbp_plan *plan, const fbp_case *c, const tes_grid *grid,
                             fbp_times *t) {
    size_t r = plan->repeats;
    double median = tes_bench_median(t->seconds, r), min = t->seconds[0];
    double filter = tes_bench_median(t->filter, r);
    double backproject = tes_bench_median(t->backproject, r);
    double updates = (double)c->n * (double)c->n * (double)c->slices * (double)c->views;
    size_t rows = c->cone ? c->n : c->slices;
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:i, s:[i,i], s:[I,I,I], s:I, s:[I,I], s:i, s:I, s:I, s:f, s:f, s:f, "
        "s:f, s:f, s:f, s:s}",
        "bench", "fbp", "algorithm",
        tes_fbp_algorithm_name(c->cone ? TES_GEOM_CONE3D : TES_GEOM_PARALLEL3D), "backend",
        tes_backend_name(plan->backend), "ranks", plan->nranks, "grid", grid->p_slab, grid->p_view,
        "volume", (json_int_t)c->slices, (json_int_t)c->n, (json_int_t)c->n, "views",
        (json_int_t)c->views, "detector", (json_int_t)rows, (json_int_t)c->n, "threads",
        tes_backend_threads(), "repeats", (json_int_t)r, "warmup", (json_int_t)plan->warmup,
        "seconds_median", median, "seconds_min", min, "seconds_per_slice",
        median / (double)c->slices, "filter_seconds", filter, "backproject_seconds", backproject,
        "gups", updates / median / TES_GIGA, "device", plan->device);
    TES_CALL(tes_bench_print_line(o, 0, grid->rank == 0));
    tes_log(TES_LOG_INFO,
            "bench fbp: %s %zu x %zu x %zu from %zu views: %.3f s, %.4f s per slice, %.3f GUPS",
            tes_fbp_algorithm_name(c->cone ? TES_GEOM_CONE3D : TES_GEOM_PARALLEL3D), c->slices,
            c->n, c->n, c->views, median, median / (double)c->slices, updates / median / TES_GIGA);
    return TES_OK;
}

static tes_status run_case(const fbp_plan *plan, MPI_Comm comm, const fbp_case *c) {
    double *buf = malloc(3 * plan->repeats * sizeof *buf);
    TES_CHECK(buf, TES_ERR_ALLOC, "cannot allocate %zu timings", plan->repeats);
    fbp_times t = {buf, buf + plan->repeats, buf + 2 * plan->repeats};
    tes_bench_problem b;
    tes_geom_kind kind = c->cone ? TES_GEOM_CONE3D : TES_GEOM_PARALLEL3D;
    tes_status st = tes_bench_problem_create(&b, comm, kind, c->n, c->slices, c->views, &plan->req,
                                             plan->backend);
    if (st != TES_OK) {
        free(buf);
        return st;
    }
    st = tes_vec_fill(b.y, 1.0f);
    TES_CALL_GOTO(st, tes_status_agree(comm, st), done);
    TES_CALL_GOTO(st, time_runs(plan, b.pb, b.y, b.x, &t), done);
    TES_CALL_GOTO(st, print_case(plan, c, b.grid, &t), done);
done:
    tes_bench_problem_destroy(&b);
    free(buf);
    return st;
}

tes_status tes_cli_bench_fbp(const tes_cli_args *args, MPI_Comm comm) {
    fbp_plan plan;
    memset(&plan, 0, sizeof plan);
    TES_CALL(read_plan(args, comm, &plan));
    tes_log(TES_LOG_INFO, "bench fbp on %d rank(s), %s, backend %s", plan.nranks, plan.device,
            tes_backend_name(plan.backend));
    for (int i = 0; i < plan.ncases; ++i)
        TES_CALL(run_case(&plan, comm, &plan.cases[i]));
    return TES_OK;
}
