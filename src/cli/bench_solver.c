/* tessera bench sirt: time SIRT iterations on the rank grid and print one
 * JSON object per case on stdout (rank 0); progress goes to stderr.
 *
 * A case is an N^3 volume of 1 mm voxels (N^2 x N*P with --weak: N slices
 * more per rank), V views and a detector of NZ x N pixels. The data are the
 * forward projection of the voxelized phantom (the values do not change
 * the timing). The first --warmup iterations are not timed; of the
 * --repeats timed ones each figure is the median over the iterations, as
 * rank 0 measured it. */
#include "cli/bench_solver.h"

#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
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
#include "decomposition/device.h"
#include "solvers/problem.h"
#include "solvers/simulate.h"
#include "solvers/solver.h"

#define TES_BENCH_SIRT_DEFAULT_SIZES    "256:256"
#define TES_BENCH_SIRT_DEFAULT_GEOMETRY "parallel3d"
#define TES_PERCENT                     100.0
enum {
    TES_BENCH_SIRT_DEFAULT_REPEATS = 5,
    TES_BENCH_SIRT_DEFAULT_WARMUP = 1,
    TES_BENCH_SIRT_MAX_ITERATIONS = 1000,
    TES_BENCH_SIRT_TEXT_BYTES = 256,
};

const tes_cli_option tes_cli_bench_sirt_options[] = {
    {"--weak", NULL, NULL,
     "bench sirt: weak scaling, the volume grows with the ranks P: N x N x N*P voxels (z, y, "
     "x), a detector of N*P rows"},
    {NULL, NULL, NULL, NULL},
};

typedef struct sirt_plan {
    tes_bench_case cases[TES_BENCH_MAX_CASES];
    int ncases;
    tes_geom_kind kinds[TES_BENCH_MAX_CASES];
    int nkinds;
    size_t repeats, warmup;
    int weak;
    tes_backend backend;
    tes_grid_request req;
    int nranks, ranks_per_node, cores;
    char device[TES_BENCH_SIRT_TEXT_BYTES];
} sirt_plan;

/* Ranks on this node and cores, to flag oversubscription. */
static tes_status describe_machine(MPI_Comm comm, sirt_plan *plan) {
    int local_rank = 0, local_size = 0;
    TES_CALL(tes_node_local_rank(comm, &local_rank, &local_size));
    plan->ranks_per_node = local_size > 0 ? local_size : plan->nranks;
    plan->cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (plan->backend == TES_BACKEND_CUDA &&
        tes_device_describe(plan->device, sizeof plan->device) == TES_OK)
        return TES_OK;
    snprintf(plan->device, sizeof plan->device, "cpu: %d core(s), %d thread(s) per rank",
             plan->cores, tes_backend_threads());
    return TES_OK;
}

static tes_status read_plan(const tes_cli_args *args, MPI_Comm comm, sirt_plan *plan) {
    const char *sizes = tes_cli_get(args, "--sizes"), *kinds = tes_cli_get(args, "--geometry");
    TES_CALL(tes_bench_parse_sizes(sizes ? sizes : TES_BENCH_SIRT_DEFAULT_SIZES, plan->cases,
                                   &plan->ncases));
    TES_CALL(tes_bench_parse_geometries(kinds ? kinds : TES_BENCH_SIRT_DEFAULT_GEOMETRY,
                                        plan->kinds, &plan->nkinds));
    TES_CALL(tes_cli_count_range(args, "--repeats", TES_BENCH_SIRT_DEFAULT_REPEATS, 1,
                                 TES_BENCH_SIRT_MAX_ITERATIONS, &plan->repeats));
    TES_CALL(tes_cli_count_range(args, "--warmup", TES_BENCH_SIRT_DEFAULT_WARMUP, 0,
                                 TES_BENCH_SIRT_MAX_ITERATIONS, &plan->warmup));
    plan->weak = tes_cli_has(args, "--weak");
    TES_CALL(tes_cli_setup_run(args, &plan->backend));
    tes_solver_vectors(TES_SOLVER_SIRT, NULL, &plan->req.volume_vectors, &plan->req.data_vectors);
    MPI_Comm_size(comm, &plan->nranks);
    TES_CALL(tes_cli_grid_request(args, plan->nranks, SIZE_MAX, &plan->req));
    if (plan->backend == TES_BACKEND_CUDA) {
        int device = -1;
        TES_CALL(tes_device_bind(comm, &device));
    }
    TES_CALL(describe_machine(comm, plan));
    return TES_OK;
}

/* The reports of the timed iterations. */
typedef struct sirt_timings {
    size_t warmup, n;
    tes_solver_report *reports;
} sirt_timings;

static tes_status collect(const tes_solver_report *rep, const tes_array *x, int *stop, void *user) {
    sirt_timings *t = user;
    if ((size_t)rep->iteration > t->warmup)
        t->reports[t->n++] = *rep;
    return TES_OK;
}

/* Median of one field of the reports (offset of a double in the struct);
 * values (room for t->n) is left holding the field sorted. */
static double median_of(const sirt_timings *t, size_t offset, double *values) {
    for (size_t i = 0; i < t->n; ++i)
        values[i] = *(const double *)((const char *)&t->reports[i] + offset);
    return tes_bench_median(values, t->n);
}

#define TES_MEDIAN(t, field, values) median_of((t), offsetof(tes_solver_report, field), (values))

static tes_status print_case(const sirt_plan *plan, const tes_grid *grid, tes_geom_kind kind,
                             const tes_vol_geom *vol, const tes_proj_geom *proj,
                             const sirt_timings *t) {
    double *values = malloc(t->n * sizeof *values);
    TES_CHECK(values, TES_ERR_ALLOC, "cannot allocate %zu timings", t->n);
    double seconds = TES_MEDIAN(t, seconds, values), fastest = values[0];
    double reduce = 0.0, reduce_total = 0.0;
    for (size_t i = 0; i < t->n; ++i) {
        reduce += t->reports[i].reduce_seconds;
        reduce_total += t->reports[i].reduce_total_seconds;
    }
    /* Blocked time can exceed the reductions' span by timer granularity. */
    double hidden = reduce_total > 0.0 ? fmax(0.0, 1.0 - reduce / reduce_total) : 0.0;
    int threads = tes_backend_threads();
    int oversubscribed =
        plan->backend == TES_BACKEND_CPU &&
        (plan->ranks_per_node * threads > plan->cores || threads > tes_backend_cpus());
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:i, s:[i,i], s:[I,I,I], s:I, s:[I,I], s:i, s:i, s:b, s:I, s:I, s:f, "
        "s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:s}",
        "bench", "sirt", "geometry", tes_geom_kind_name(kind), "backend",
        tes_backend_name(plan->backend), "ranks", grid->nranks, "grid", grid->p_slab, grid->p_view,
        "volume", (json_int_t)vol->nz, (json_int_t)vol->ny, (json_int_t)vol->nx, "views",
        (json_int_t)proj->nviews, "detector", (json_int_t)proj->nrows, (json_int_t)proj->ncols,
        "threads", threads, "cores", plan->cores, "oversubscribed", oversubscribed, "iterations",
        (json_int_t)t->n, "warmup", (json_int_t)plan->warmup, "seconds_per_iteration", seconds,
        "seconds_min", fastest, "forward_seconds", TES_MEDIAN(t, forward_seconds, values),
        "adjoint_seconds", TES_MEDIAN(t, adjoint_seconds, values), "reduce_seconds",
        TES_MEDIAN(t, reduce_seconds, values), "reduce_total_seconds",
        TES_MEDIAN(t, reduce_total_seconds, values), "update_seconds",
        TES_MEDIAN(t, update_seconds, values), "bytes_reduced",
        TES_MEDIAN(t, bytes_reduced, values), "bytes_reduced_total",
        TES_MEDIAN(t, bytes_reduced_total, values), "reduce_hidden_share", hidden, "gups",
        TES_MEDIAN(t, gups, values), "device", plan->device);
    free(values);
    TES_CALL(tes_bench_print_line(o, JSON_REAL_PRECISION(6), 1));
    tes_log(TES_LOG_INFO,
            "bench sirt: %s (%zu, %zu, %zu), %zu views, grid %dx%d: median %.4f s per "
            "iteration, reduction %.0f%% hidden",
            tes_geom_kind_name(kind), vol->nz, vol->ny, vol->nx, proj->nviews, grid->p_slab,
            grid->p_view, seconds, TES_PERCENT * hidden);
    return TES_OK;
}

/* One case: grid, problem, data, timed SIRT. */
static tes_status run_case(MPI_Comm comm, const sirt_plan *plan, tes_geom_kind kind,
                           const tes_bench_case *c) {
    sirt_timings t = {plan->warmup, 0, calloc(plan->repeats, sizeof(tes_solver_report))};
    TES_CHECK(t.reports, TES_ERR_ALLOC, "cannot allocate %zu reports", plan->repeats);
    tes_bench_problem b;
    size_t nz = plan->weak ? c->n * (size_t)plan->nranks : c->n;
    tes_status st =
        tes_bench_problem_create(&b, comm, kind, c->n, nz, c->views, &plan->req, plan->backend);
    if (st != TES_OK) {
        free(t.reports);
        return st;
    }
    st = tes_simulate_phantom(b.pb, b.x);
    TES_CALL_GOTO(st, tes_status_agree(comm, st), done);
    TES_CALL_GOTO(st, tes_operator_forward(b.pb->op, b.x, b.y), done);

    tes_solver_options opt;
    tes_solver_options_default(&opt);
    opt.iterations = (int)(plan->warmup + plan->repeats);
    opt.callback = collect;
    opt.user = &t;
    TES_CALL_GOTO(st, tes_sirt_solve(b.pb, b.y, b.x, &opt, NULL), done);
    if (tes_log_rank() == 0)
        st = print_case(plan, b.grid, kind, &b.vol, b.proj, &t);
    TES_CALL_GOTO(st, tes_status_agree(comm, st), done);
done:
    free(t.reports);
    tes_bench_problem_destroy(&b);
    return st;
}

tes_status tes_cli_bench_sirt(const tes_cli_args *args, MPI_Comm comm) {
    sirt_plan plan;
    memset(&plan, 0, sizeof plan);
    TES_CALL(read_plan(args, comm, &plan));
    tes_log(TES_LOG_INFO, "bench sirt on %d rank(s) (%d per node, %d cores), %s", plan.nranks,
            plan.ranks_per_node, plan.cores, plan.device);
    for (int k = 0; k < plan.nkinds; ++k)
        for (int i = 0; i < plan.ncases; ++i)
            TES_CALL(run_case(comm, &plan, plan.kinds[k], &plan.cases[i]));
    return TES_OK;
}
