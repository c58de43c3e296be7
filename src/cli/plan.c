/* tessera plan: read a job, find the data's shape (the file's layout, or
 * the simulated acquisition), plan the grid for --ranks ranks with the
 * partition and memory-plan functions (as tes_grid_create would choose it)
 * and print it with the nodes needed and a time per iteration estimated
 * from a small calibration projection on this machine. Everything runs on
 * rank 0; the ranks of the plan are never started. */
#include "cli/plan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/agree.h"
#include "core/device.h"
#include "core/timer.h"
#include "core/vec.h"
#include "decomposition/memory.h"
#include "io/scan.h"
#include "jobs/job.h"
#include "jobs/job_plan.h"
#include "kernels/projector.h"

#define TES_PLAN_BYTES_PER_MIB  1048576.0
#define TES_PLAN_GIGA           1e9
#define TES_PLAN_CONE_SOD_PER_N 2.0 /* calibration cone: source at 2 n voxels */
#define TES_PLAN_CONE_ODD_PER_N 1.0
#define TES_PLAN_MAX_MIB        1e12
enum {
    TES_PLAN_MAX_RANKS = 1 << 20,
    TES_PLAN_MAX_GPUS_PER_NODE = 1024,
    TES_PLAN_DEFAULT_GPUS_PER_NODE = 4,
    TES_PLAN_CALIBRATION_N = 64,     /* calibration volume: N^3 voxels ... */
    TES_PLAN_CALIBRATION_VIEWS = 32, /* ... and this many views of N x N pixels */
    TES_PLAN_CALIBRATION_REPEATS = 3,
    TES_PLAN_PRINT_MAX_RANKS = 64,
    TES_PLAN_TEXT_BYTES = 32,
    TES_PLAN_MESSAGE_BYTES = 2048,
};

static const tes_cli_option plan_options[] = {
    {"--ranks", "-n", "N", "plan for N MPI ranks, one per GPU (default 1)"},
    {"--gpus-per-node", NULL, "G", "GPUs (ranks) per node, for the number of nodes (default 4)"},
    {"--mem-per-rank", NULL, "MIB",
     "memory a rank may use for its arrays, MiB; replaces [decomposition] mem_per_rank"},
    {NULL, NULL, NULL, NULL},
};

static const tes_cli_section plan_sections[] = {
    {"Plan", plan_options},
    {"Help", tes_cli_help_options},
    {NULL, NULL},
};

/* The problem of a job: geometries, the request, and where the data come from. */
typedef struct plan_problem {
    tes_job job;
    tes_vol_geom vol;
    tes_proj_geom *proj;
    tes_grid_request req;
    char input[TES_SCAN_PATH_BYTES + TES_PLAN_TEXT_BYTES];
} plan_problem;

typedef struct plan_args {
    const char *job_file;
    int ranks, gpus_per_node;
} plan_args;

static tes_status read_args(const tes_cli_args *args, plan_args *pa, tes_job *job) {
    TES_CHECK(args->npositional == 1, TES_ERR_ARG,
              "plan: expected one job file (tessera plan JOB)");
    pa->job_file = args->positional[0];
    size_t ranks = 1, gpus = 0;
    TES_CALL(tes_cli_count_range(args, "--ranks", 1, 1, TES_PLAN_MAX_RANKS, &ranks));
    TES_CALL(tes_cli_count_range(args, "--gpus-per-node", TES_PLAN_DEFAULT_GPUS_PER_NODE, 1,
                                 TES_PLAN_MAX_GPUS_PER_NODE, &gpus));
    pa->ranks = (int)ranks;
    pa->gpus_per_node = (int)gpus;
    TES_CALL(tes_job_parse(pa->job_file, job));
    if (tes_cli_has(args, "--mem-per-rank")) {
        TES_CALL(tes_cli_length(args, "--mem-per-rank", 1.0, &job->decomposition.mem_per_rank));
        TES_CHECK(job->decomposition.mem_per_rank <= TES_PLAN_MAX_MIB, TES_ERR_ARG,
                  "--mem-per-rank: %g MiB is past any machine", job->decomposition.mem_per_rank);
    }
    return TES_OK;
}

/* A file input: its shape and angles (opened on this process alone). */
static tes_status file_geometry(plan_problem *pp) {
    tes_job *job = &pp->job;
    tes_scan_options opt = tes_job_scan_options(job);
    tes_scan *s = NULL;
    TES_CALL(tes_scan_open(&s, job->input.file, &opt, MPI_COMM_SELF));
    tes_status st = tes_job_geometry_from_scan(job, s);
    if (st == TES_OK)
        st = tes_job_resolve(job, s->projections, s->rows, s->cols);
    int uniform = job->geometry.angles == TES_JOB_ANGLES_UNIFORM;
    if (st == TES_OK && job->geometry.angles == TES_JOB_ANGLES_FILE && s->angles_generated)
        st = tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                           "%s: [geometry] angles = file, but '%s' holds no angles", job->source,
                           job->input.file);
    if (st == TES_OK)
        st = tes_job_vol_geom(job, &pp->vol);
    if (st == TES_OK)
        st = tes_job_proj_geom(job, &pp->vol, s->nviews, s->nrows, s->ncols,
                               uniform ? NULL : s->angles, &pp->proj);
    snprintf(pp->input, sizeof pp->input, "%s (%s)", job->input.file,
             tes_scan_format_name(s->format));
    tes_scan_close(&s);
    TES_CALL(st);
    return TES_OK;
}

static tes_status make_problem(plan_problem *pp) {
    tes_job *job = &pp->job;
    if (job->input.format == TES_JOB_FORMAT_SIMULATED) {
        TES_CALL(tes_job_vol_geom(job, &pp->vol));
        TES_CALL(tes_job_proj_geom(job, &pp->vol, job->input.views, job->input.detector[0],
                                   job->input.detector[1], NULL, &pp->proj));
        snprintf(pp->input, sizeof pp->input, "simulated (Shepp-Logan)");
    } else {
        TES_CALL(file_geometry(pp));
    }
    TES_CALL(tes_job_grid_request(job, &pp->req));
    return TES_OK;
}

/* ---- calibration -------------------------------------------------------------------- */

/* Measured rates of the job's backend on this machine, GUPS. */
typedef struct plan_rates {
    int measured;
    tes_backend backend;
    double forward_gups, adjoint_gups;
} plan_rates;

static double median_seconds(double *t, int n) {
    for (int i = 1; i < n; ++i)
        for (int j = i; j > 0 && t[j] < t[j - 1]; --j) {
            double x = t[j];
            t[j] = t[j - 1];
            t[j - 1] = x;
        }
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

static tes_status time_projector(const tes_projector *p, tes_backend backend, tes_array *vol,
                                 tes_array *sino, int adjoint, double *gups) {
    double t[TES_PLAN_CALIBRATION_REPEATS];
    for (int i = 0; i <= TES_PLAN_CALIBRATION_REPEATS; ++i) { /* the first run warms up */
        double t0 = tes_time_now();
        TES_CALL(adjoint ? tes_projector_adjoint(p, sino, vol)
                         : tes_projector_forward(p, vol, sino));
        if (backend == TES_BACKEND_CUDA)
            TES_CALL(tes_device_synchronize());
        if (i > 0)
            t[i - 1] = tes_time_now() - t0;
    }
    double n = TES_PLAN_CALIBRATION_N;
    *gups = n * n * n * TES_PLAN_CALIBRATION_VIEWS /
            median_seconds(t, TES_PLAN_CALIBRATION_REPEATS) / TES_PLAN_GIGA;
    return TES_OK;
}

static tes_status calibrate_on(tes_geom_kind kind, tes_backend backend, plan_rates *r) {
    const size_t n = TES_PLAN_CALIBRATION_N;
    tes_vol_geom vol = tes_vol_geom_cube(n, 1.0);
    tes_proj_geom *proj = NULL;
    tes_projector *p = NULL;
    tes_array *x = NULL, *y = NULL;
    TES_CALL(tes_proj_geom_create(&proj, kind, TES_PLAN_CALIBRATION_VIEWS, n, n));
    if (kind == TES_GEOM_CONE3D) {
        proj->sod = TES_PLAN_CONE_SOD_PER_N * (double)n;
        proj->odd = TES_PLAN_CONE_ODD_PER_N * (double)n;
        proj->pixel_u = proj->pixel_v = (proj->sod + proj->odd) / proj->sod;
    }
    size_t vshape[3], sshape[3];
    tes_status st = tes_projector_create(&p, &vol, proj, NULL, backend);
    if (st == TES_OK) {
        tes_projector_vol_shape(p, vshape);
        tes_projector_sino_shape(p, sshape);
        st = tes_array_create(&x, TES_FLOAT32, tes_backend_location(backend), 3, vshape);
    }
    if (st == TES_OK)
        st = tes_array_create(&y, TES_FLOAT32, tes_backend_location(backend), 3, sshape);
    if (st == TES_OK)
        st = tes_vec_fill(x, 1.0f);
    if (st == TES_OK)
        st = time_projector(p, backend, x, y, 0, &r->forward_gups);
    if (st == TES_OK)
        st = time_projector(p, backend, x, y, 1, &r->adjoint_gups);
    tes_array_destroy(&y);
    tes_array_destroy(&x);
    tes_projector_destroy(&p);
    tes_proj_geom_destroy(&proj);
    TES_CALL(st);
    r->measured = 1;
    r->backend = backend;
    return TES_OK;
}

/* The job's backend if it runs here; a cuda job planned on a machine
 * without a usable device gets no estimate. */
static tes_status calibrate(const tes_job *job, plan_rates *r) {
    memset(r, 0, sizeof *r);
    tes_job_backend b = job->decomposition.backend;
    tes_backend backend = b == TES_JOB_BACKEND_CPU ? TES_BACKEND_CPU : TES_BACKEND_CUDA;
    if (backend == TES_BACKEND_CUDA && !tes_backend_usable(TES_BACKEND_CUDA)) {
        if (b == TES_JOB_BACKEND_CUDA)
            return TES_OK;
        backend = TES_BACKEND_CPU;
    }
#ifdef _OPENMP
    if (job->decomposition.threads > 0)
        omp_set_num_threads(job->decomposition.threads);
#endif
    TES_CALL(calibrate_on(job->geometry.kind, backend, r));
    return TES_OK;
}

/* ---- printing ----------------------------------------------------------------------- */

static void print_job(const plan_problem *pp, const char *file) {
    const tes_job *job = &pp->job;
    const tes_proj_geom *g = pp->proj;
    const tes_vol_geom *v = &pp->vol;
    printf("job: %s (hash %016llx)\n", file, (unsigned long long)tes_job_hash(job));
    printf("  input: %s: %zu views x %zu rows x %zu columns read, %s\n", pp->input, g->nviews,
           g->nrows, g->ncols, tes_geom_kind_name(g->kind));
    printf("  volume: %zu x %zu x %zu voxels (z, y, x) of %g x %g x %g mm\n", v->nz, v->ny, v->nx,
           v->dz, v->dy, v->dx);
    if (tes_job_iterative(job))
        printf("  algorithm: %s, at most %d iterations\n",
               tes_job_algorithm_name(job->algorithm.name), job->algorithm.iterations);
    else
        printf("  algorithm: %s (one pass)\n", tes_job_algorithm_name(job->algorithm.name));
}

static void print_grid(const plan_problem *pp, const tes_job_plan *plan) {
    char t[TES_PLAN_TEXT_BYTES], vo[TES_PLAN_TEXT_BYTES], da[TES_PLAN_TEXT_BYTES],
        st[TES_PLAN_TEXT_BYTES], li[TES_PLAN_TEXT_BYTES];
    const tes_memory_plan *m = &plan->largest;
    printf("grid: %d ranks = %d x %d (P_slab slabs x P_view view groups)\n", plan->nranks,
           plan->p_slab, plan->p_view);
    printf("  backprojection stitch: %s\n",
           plan->p_view > 1 ? "over the ranks of each slab" : "none (one view group)");
    printf("  forward stitch: %s\n", plan->forward_stitch
                                         ? "over the ranks of each view group (slabs share rows)"
                                         : "none (the slabs' detector rows are disjoint)");
    printf("  memory per rank: largest %s on rank %d (volume %s, data %s, stitch %s), limit %s\n",
           tes_bytes_text(t, sizeof t, (double)m->total_bytes), plan->largest_rank,
           tes_bytes_text(vo, sizeof vo, (double)m->volume_bytes),
           tes_bytes_text(da, sizeof da, (double)m->data_bytes),
           tes_bytes_text(st, sizeof st, (double)m->reduce_bytes),
           pp->req.mem_per_rank ? tes_bytes_text(li, sizeof li, (double)pp->req.mem_per_rank)
                                : "none");
    printf("  %5s %5s %16s %6s %16s %16s %12s\n", "rank", "slab", "slices", "group", "views",
           "rows", "memory");
    int shown = plan->nranks < TES_PLAN_PRINT_MAX_RANKS ? plan->nranks : TES_PLAN_PRINT_MAX_RANKS;
    for (int r = 0; r < shown; ++r) {
        tes_job_plan_rank p;
        tes_job_plan_rank_of(plan, &pp->vol, pp->proj, &pp->req, r, &p);
        char z[TES_PLAN_TEXT_BYTES], v[TES_PLAN_TEXT_BYTES], w[TES_PLAN_TEXT_BYTES];
        snprintf(z, sizeof z, "[%zu, %zu)", p.z_begin, p.z_end);
        snprintf(v, sizeof v, "[%zu, %zu)", p.view_begin, p.view_end);
        snprintf(w, sizeof w, "[%zu, %zu)", p.row_begin, p.row_end);
        printf("  %5d %5d %16s %6d %16s %16s %12s\n", r, p.slab, z, p.group, v, w,
               tes_bytes_text(t, sizeof t, (double)p.memory.total_bytes));
    }
    if (shown < plan->nranks)
        printf("  ... %d more ranks\n", plan->nranks - shown);
}

/* Projector passes per iteration over all the views: forward, adjoint. */
static void passes(const tes_job *job, double *forward, double *adjoint) {
    *forward = tes_job_iterative(job) ? 1.0 : 0.0;
    *adjoint = 1.0;
    if (job->algorithm.name == TES_JOB_OSEM && job->algorithm.subsets > 1)
        *forward += 1.0; /* the residual's extra forward projection (solvers/osem.c) */
}

static void print_estimate(const plan_problem *pp, const tes_job_plan *plan, const plan_rates *r) {
    if (!r->measured) {
        printf("time per iteration: no estimate (backend cuda is not usable here to "
               "calibrate; run tessera plan on a GPU node)\n");
        return;
    }
    tes_job_plan_rank largest;
    tes_job_plan_rank_of(plan, &pp->vol, pp->proj, &pp->req, plan->largest_rank, &largest);
    double updates = (double)(largest.z_end - largest.z_begin) * (double)pp->vol.ny *
                     (double)pp->vol.nx * (double)(largest.view_end - largest.view_begin);
    double f = 0, a = 0;
    passes(&pp->job, &f, &a);
    double seconds = updates * (f / r->forward_gups + a / r->adjoint_gups) / TES_PLAN_GIGA;
    printf("time per %s: about %.3g s (an estimate: %.3g voxel x view updates on the busiest "
           "rank, %g forward + %g adjoint passes at %.3g / %.3g GUPS measured on %s with a "
           "%d^3 x %d-view calibration here; communication and IO not included)\n",
           tes_job_iterative(&pp->job) ? "iteration" : "reconstruction", seconds, updates, f, a,
           r->forward_gups, r->adjoint_gups, tes_backend_name(r->backend), TES_PLAN_CALIBRATION_N,
           TES_PLAN_CALIBRATION_VIEWS);
}

/* ---- the command ------------------------------------------------------------------- */

/* A grid that does not fit is bad input to the plan: exit status 2. */
static tes_status plan_grid(const plan_problem *pp, int ranks, tes_job_plan *plan) {
    tes_status st = tes_job_plan_grid(&pp->vol, pp->proj, &pp->req, ranks, plan);
    if (st == TES_ERR_PLAN) {
        char why[TES_PLAN_MESSAGE_BYTES];
        snprintf(why, sizeof why, "%s", tes_error_message());
        TES_FAIL(TES_ERR_ARG, "plan refused for %d ranks: %s", ranks, why);
    }
    TES_CALL(st);
    return TES_OK;
}

static tes_status plan_on_rank0(const tes_cli_args *args) {
    plan_args pa = {NULL, 1, 1};
    plan_problem *pp = calloc(1, sizeof *pp);
    TES_CHECK(pp, TES_ERR_ALLOC, "plan: out of memory");
    tes_job_plan plan = {0};
    plan_rates rates;
    tes_status st = read_args(args, &pa, &pp->job);
    if (st == TES_OK)
        st = make_problem(pp);
    if (st == TES_OK)
        st = plan_grid(pp, pa.ranks, &plan);
    if (st == TES_OK)
        st = calibrate(&pp->job, &rates);
    if (st == TES_OK) {
        int nodes = (pa.ranks + pa.gpus_per_node - 1) / pa.gpus_per_node;
        print_job(pp, pa.job_file);
        print_grid(pp, &plan);
        printf("nodes: %d of %d GPUs (one rank per GPU)\n", nodes, pa.gpus_per_node);
        print_estimate(pp, &plan, &rates);
        fflush(stdout);
    }
    tes_proj_geom_destroy(&pp->proj);
    free(pp);
    TES_CALL(st);
    return TES_OK;
}

static tes_status run_plan(const tes_cli_args *args, MPI_Comm comm) {
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    tes_status st = rank == 0 ? plan_on_rank0(args) : TES_OK;
    TES_CALL(tes_status_agree(comm, st));
    return TES_OK;
}

const tes_cli_command tes_cli_plan_command = {
    "plan",
    "print the grid, memory and time per iteration a job would have on N ranks",
    "tessera plan JOB [--ranks N] [--gpus-per-node G] [--mem-per-rank MIB]",
    "Reads the job file JOB (jobs/README.md) and the input's layout, and prints the rank grid "
    "tessera recon would choose on N ranks: volume slabs, view groups, detector rows and memory "
    "per rank, the nodes needed with G GPUs each, and a time per iteration estimated from a "
    "small calibration projection with the job's backend on this machine. No ranks are "
    "started. A plan that does not fit the memory per rank is refused with the numbers (exit "
    "status 2).",
    plan_sections,
    1,
    run_plan,
};
