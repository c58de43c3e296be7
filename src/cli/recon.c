/* tessera recon: reconstruct a simulated acquisition of the 3D Shepp-Logan
 * phantom (closed-form line integrals, optional photon noise) with SIRT,
 * OSEM/MLEM or CGLS on the rank grid, then write the volume (each slab by
 * one rank, collectively), the per-iteration metrics (JSON lines, rank 0)
 * and report the error to the phantom. */
#include "cli/recon.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include <unistd.h>

#include "cli/fbp_cli.h"
#include "cli/geometry_options.h"
#include "cli/recon_job.h"
#include "cli/recon_run.h"
#include "core/agree.h"
#include "core/log.h"
#include "core/timer.h"
#include "decomposition/device.h"
#include "io/geometry_attrs.h"
#include "io/h5array.h"
#include "io/outfile.h"
#include "solvers/problem.h"
#include "solvers/simulate.h"
#include "solvers/solver.h"

#define TES_RECON_DEFAULT_ALGORITHM "sirt"
#define TES_RECON_DEFAULT_SUBSETS   8
#define TES_RECON_DEFAULT_SEED      1
#define TES_SIRT_RELAXATION_LIMIT   2.0
#define TES_BYTES_PER_MIB           1048576.0
#define TES_PERCENT                 100.0
#define TES_SECONDS_PER_MINUTE      60.0
#define TES_GIGA                    1e9
enum {
    TES_RECON_DEFAULT_ITERATIONS = 50,
    TES_RECON_DEFAULT_CHECKPOINT_EVERY = 10,
    TES_RECON_MAX_ITERATIONS = 1000000,
    TES_RECON_MAX_ATTRS = TES_GEOMETRY_MAX_ATTRS + 4,
    TES_RECON_TEXT_BYTES = 64,
    TES_METRICS_DIGITS = 9, /* significant digits of the metrics' numbers */
};

static const tes_cli_option simulation_options[] = {
    {"--noise", NULL, "PHOTONS",
     "Poisson noise: photons per detector pixel in the open beam, I0 (1e4: a low-dose scan, "
     "1e6: a clean one). The phantom's values are read as attenuation per cm; a pixel with "
     "line integral p counts N ~ Poisson(I0 exp(-p/10)) and is reconstructed from "
     "10 ln(I0/max(N, 1)). Default 0: noise-free"},
    {"--seed", NULL, "N",
     "seed of the noise (default 1). A pixel's noise depends on the seed, its view, row and "
     "column only: every grid sees the same data"},
    {NULL, NULL, NULL, NULL},
};

static const tes_cli_option algorithm_options[] = {
    {"--algorithm", NULL, "sirt|osem|mlem|cgls|fbp|fdk",
     "the solver (default sirt); fbp (parallel3d) and fdk (cone3d): filtered backprojection"},
    {"--iterations", NULL, "N",
     "maximum number of iterations (default 50); for OSEM one iteration is one pass over all "
     "subsets"},
    {"--tolerance", NULL, "T",
     "stop once the relative residual rho = ||y - Ax|| / ||y|| falls below T, or changes by "
     "less than T rho in one iteration (default 0: run every iteration)"},
    {"--relaxation", NULL, "L", "sirt: relaxation lambda, 0 < L < 2 (default 1)"},
    {"--subsets", NULL, "S",
     "osem: number of ordered subsets, interleaved views (default 8, at most the views)"},
    {"--min", NULL, "V", "sirt: clamp every voxel to >= V after each update (0: non-negativity)"},
    {"--max", NULL, "V", "sirt: clamp every voxel to <= V after each update"},
    {NULL, NULL, NULL, NULL},
};

const tes_cli_option tes_cli_grid_options[] = {
    {"--grid", NULL, "PSxPV",
     "rank grid: PS volume slabs x PV view groups with PS * PV = ranks (default: the fewest "
     "slabs whose arrays fit --mem-per-rank, the other ranks into view groups)"},
    {"--mem-per-rank", NULL, "MIB",
     "memory a rank may use for its arrays, MiB (default: no limit)"},
    {NULL, NULL, NULL, NULL},
};

static const tes_cli_option metrics_options[] = {
    {"--metrics", NULL, "FILE",
     "write one JSON object per iteration (JSON lines, by rank 0): iteration, residual, "
     "relative_residual, seconds split into forward/adjoint/reduce/update, gups, "
     "bytes_reduced; refused if FILE exists unless --force"},
    {NULL, NULL, NULL, NULL},
};

static const tes_cli_option checkpoint_options[] = {
    {"--checkpoint", NULL, "FILE",
     "checkpoint file (HDF5): written every --checkpoint-every iterations and, on SIGUSR1 or "
     "SIGTERM, at the end of the current iteration (then the exit status is 3); a run whose "
     "FILE exists resumes from it (refused when it belongs to other options or another "
     "grid). Removed when the run finishes. A job file sets it in [checkpoint] file"},
    {"--checkpoint-every", NULL, "N",
     "iterations between checkpoints (default 10; 0: only on a signal)"},
    {NULL, NULL, NULL, NULL},
};

static const tes_cli_section recon_sections[] = {
    {"Volume", tes_cli_volume_options},
    {"Projection geometry", tes_cli_projection_options},
    {"Simulated data", simulation_options},
    {"Algorithm", algorithm_options},
    {"Filter (fbp, fdk)", tes_cli_filter_options},
    {"Scan (fdk)", tes_cli_fbp_scan_options},
    {"Decomposition", tes_cli_grid_options},
    {"Output", tes_cli_output_options},
    {"Metrics", metrics_options},
    {"Checkpoint", checkpoint_options},
    {"Run", tes_cli_run_options},
    {"Help", tes_cli_help_options},
    {NULL, NULL},
};

/* ---- options ----------------------------------------------------------------- */

tes_status tes_cli_grid_request(const tes_cli_args *args, int nranks, size_t nz,
                                tes_grid_request *req) {
    const char *grid = tes_cli_get(args, "--grid");
    if (grid) {
        int ps = 0, pv = 0, used = 0;
        int ok =
            sscanf(grid, "%dx%d%n", &ps, &pv, &used) == 2 && grid[used] == '\0' && ps > 0 && pv > 0;
        TES_CHECK(ok, TES_ERR_ARG,
                  "--grid: expected PSxPV, slabs x view groups as positive integers (e.g. "
                  "2x2), got '%s'",
                  grid);
        TES_CHECK((long long)ps * pv == nranks, TES_ERR_ARG,
                  "--grid %s: %lld ranks, but the job runs on %d (mpiexec -n)", grid,
                  (long long)ps * pv, nranks);
        TES_CHECK((size_t)ps <= nz, TES_ERR_ARG,
                  "--grid %s: %d slabs for a volume of %zu slices (put ranks into view groups "
                  "instead)",
                  grid, ps, nz);
        req->p_slab = ps;
        req->p_view = pv;
    }
    if (tes_cli_has(args, "--mem-per-rank")) {
        double mib = 0.0;
        TES_CALL(tes_cli_length(args, "--mem-per-rank", 1.0, &mib));
        req->mem_per_rank = (size_t)(mib * TES_BYTES_PER_MIB);
    }
    return TES_OK;
}

/* Options that belong to one algorithm only are refused for the others. */
static tes_status check_algorithm_options(const tes_cli_args *args, tes_solver_algorithm alg) {
    const char *name = tes_solver_algorithm_name(alg);
    TES_CHECK(alg == TES_SOLVER_SIRT || !tes_cli_has(args, "--relaxation"), TES_ERR_ARG,
              "--relaxation: applies to --algorithm sirt only, not %s", name);
    TES_CHECK(alg == TES_SOLVER_OSEM || !tes_cli_has(args, "--subsets"), TES_ERR_ARG,
              "--subsets: applies to --algorithm osem only, not %s%s", name,
              alg == TES_SOLVER_MLEM ? " (MLEM is OSEM with one subset)" : "");
    TES_CHECK(alg == TES_SOLVER_SIRT || !tes_cli_has(args, "--min"), TES_ERR_ARG,
              "--min: the box constraint applies to --algorithm sirt only, not %s", name);
    TES_CHECK(alg == TES_SOLVER_SIRT || !tes_cli_has(args, "--max"), TES_ERR_ARG,
              "--max: the box constraint applies to --algorithm sirt only, not %s", name);
    return TES_OK;
}

static tes_status read_algorithm(const tes_cli_args *args, size_t nviews, tes_solver_algorithm *alg,
                                 tes_solver_options *opt) {
    const char *name = tes_cli_get(args, "--algorithm");
    TES_CALL(
        tes_solver_algorithm_parse(name ? name : TES_RECON_DEFAULT_ALGORITHM, "--algorithm", alg));
    TES_CALL(check_algorithm_options(args, *alg));
    tes_solver_options_default(opt);
    size_t iterations = 0, subsets = 1;
    TES_CALL(tes_cli_count_range(args, "--iterations", TES_RECON_DEFAULT_ITERATIONS, 1,
                                 TES_RECON_MAX_ITERATIONS, &iterations));
    opt->iterations = (int)iterations;
    TES_CALL(tes_cli_real(args, "--tolerance", 0.0, &opt->tolerance));
    TES_CHECK(opt->tolerance >= 0.0, TES_ERR_ARG,
              "--tolerance: expected a number >= 0 (0: off), got %g", opt->tolerance);

    double relaxation = 1.0, lo = -INFINITY, hi = INFINITY;
    TES_CALL(tes_cli_real(args, "--relaxation", 1.0, &relaxation));
    TES_CHECK(relaxation > 0.0 && relaxation < TES_SIRT_RELAXATION_LIMIT, TES_ERR_ARG,
              "--relaxation: expected 0 < L < %g (where SIRT converges), got %g",
              TES_SIRT_RELAXATION_LIMIT, relaxation);
    opt->relaxation = (float)relaxation;
    if (*alg == TES_SOLVER_OSEM) {
        size_t fallback = nviews < TES_RECON_DEFAULT_SUBSETS ? nviews : TES_RECON_DEFAULT_SUBSETS;
        TES_CALL(tes_cli_count_range(args, "--subsets", fallback, 1, nviews, &subsets));
    }
    opt->subsets = subsets;
    TES_CALL(tes_cli_real(args, "--min", -INFINITY, &lo));
    TES_CALL(tes_cli_real(args, "--max", INFINITY, &hi));
    TES_CHECK(lo <= hi, TES_ERR_ARG, "--min %g is above --max %g: the box is empty", lo, hi);
    opt->min = (float)lo;
    opt->max = (float)hi;
    TES_CALL(tes_solver_options_validate(*alg, opt));
    return TES_OK;
}

static tes_status read_noise(const tes_cli_args *args, tes_noise *noise) {
    size_t seed = 0;
    TES_CALL(tes_cli_real(args, "--noise", 0.0, &noise->photons));
    TES_CHECK(noise->photons >= 0.0, TES_ERR_ARG,
              "--noise: expected photons per pixel >= 0 (0: noise-free), got %g", noise->photons);
    TES_CHECK(!tes_cli_has(args, "--seed") || noise->photons > 0.0, TES_ERR_ARG,
              "--seed: applies to noisy data only (give --noise PHOTONS)");
    TES_CALL(tes_cli_count_range(args, "--seed", TES_RECON_DEFAULT_SEED, 0, SIZE_MAX, &seed));
    noise->seed = (uint64_t)seed;
    return TES_OK;
}

/* ---- the job ----------------------------------------------------------------- */

typedef struct recon_job {
    tes_vol_geom vol;
    tes_proj_geom *proj;
    tes_backend backend;
    tes_solver_algorithm alg;
    tes_solver_options opt;
    int fbp; /* --algorithm fbp|fdk: fbp_opt instead of alg and opt */
    tes_fbp_options fbp_opt;
    tes_noise noise;
    tes_grid_request req;
    tes_h5_name out;
    tes_h5_write_options wopt;
    const char *metrics;
    const char *checkpoint;
    int checkpoint_every;
    uint64_t hash; /* of the options that change the volume */
} recon_job;

/* Options that do not change the reconstruction: left out of the hash that
 * ties a checkpoint to its run (as tes_job_hash leaves out [output],
 * [decomposition], iterations and tolerance). */
static const char *const unhashed_options[] = {
    "--output",       "--force",   "--metrics", "--checkpoint", "--checkpoint-every", "--grid",
    "--mem-per-rank", "--threads", "--backend", "--iterations", "--tolerance",        NULL,
};

static uint64_t options_hash(const tes_cli_args *args) {
    uint64_t h = TES_RECON_FNV_OFFSET;
    for (int i = 0; i < args->count; ++i) {
        int skip = 0;
        for (const char *const *u = unhashed_options; *u; ++u)
            skip |= !strcmp(args->option[i]->name, *u);
        if (skip)
            continue;
        h = tes_recon_fnv1a(h, args->option[i]->name);
        h = tes_recon_fnv1a(h, "=");
        h = tes_recon_fnv1a(h, args->value[i]);
        h = tes_recon_fnv1a(h, ";");
    }
    return h;
}

/* Every option is read and the outputs checked before any work. */
static tes_status read_job(const tes_cli_args *args, MPI_Comm comm, recon_job *job) {
    TES_CALL(tes_cli_volume_geom(args, NULL, NULL, &job->vol));
    TES_CALL(tes_cli_setup_run(args, &job->backend));
    TES_CALL(tes_cli_proj_geom(args, &job->vol, NULL, &job->proj));
    TES_CALL(tes_cli_recon_fbp_options(args, job->proj->kind, &job->fbp, &job->fbp_opt));
    if (!job->fbp)
        TES_CALL(read_algorithm(args, job->proj->nviews, &job->alg, &job->opt));
    TES_CALL(read_noise(args, &job->noise));
    job->req.volume_vectors = 1;
    job->req.data_vectors = 1;
    tes_solver_vectors(job->alg, &job->opt, &job->req.volume_vectors, &job->req.data_vectors);
    int rank = 0, nranks = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &nranks);
    TES_CALL(tes_cli_grid_request(args, nranks, job->vol.nz, &job->req));
    TES_CALL(tes_cli_output(args, comm, TES_H5_VOLUME_DATASET, &job->out, &job->wopt));
    job->metrics = tes_cli_get(args, "--metrics");
    job->checkpoint = tes_cli_get(args, "--checkpoint");
    size_t every = 0;
    TES_CALL(tes_cli_count_range(args, "--checkpoint-every", TES_RECON_DEFAULT_CHECKPOINT_EVERY, 0,
                                 TES_RECON_MAX_ITERATIONS, &every));
    job->checkpoint_every = (int)every;
    TES_CHECK(!job->fbp || !job->checkpoint, TES_ERR_ARG,
              "--checkpoint: applies to the iterative algorithms, not %s",
              tes_fbp_algorithm_name(job->proj->kind));
    TES_CHECK(job->checkpoint || !tes_cli_has(args, "--checkpoint-every"), TES_ERR_ARG,
              "--checkpoint-every: give --checkpoint FILE too");
    job->hash = options_hash(args);
    tes_status st = TES_OK;
    if (job->metrics && rank == 0) {
        st = tes_outfile_check(job->metrics, job->wopt.overwrite, "--force");
        if (st == TES_OK && !strcmp(job->metrics, job->out.file))
            st = tes_error_set(TES_ERR_ARG, __FILE__, __LINE__, __func__,
                               "--metrics: '%s' is the volume's output file too", job->metrics);
    }
    TES_CALL(tes_status_agree(comm, st));
    return TES_OK;
}

/* ---- progress and metrics ------------------------------------------------------- */

enum { TES_PROGRESS_BAR_WIDTH = 30 };

uint64_t tes_recon_fnv1a(uint64_t h, const char *text) {
    const uint64_t prime = 1099511628211ULL;
    for (const unsigned char *c = (const unsigned char *)text; *c; ++c)
        h = (h ^ *c) * prime;
    return h;
}

static void format_eta(double seconds, char *buf, size_t len) {
    if (seconds < TES_SECONDS_PER_MINUTE)
        snprintf(buf, len, "%.0f s", seconds);
    else
        snprintf(buf, len, "%.0f min %02.0f s", floor(seconds / TES_SECONDS_PER_MINUTE),
                 fmod(seconds, TES_SECONDS_PER_MINUTE));
}

/* A line per iteration (logs, Slurm output), or one bar redrawn in place on
 * a terminal. */
static void print_progress(const tes_recon_progress *p, const tes_solver_report *rep) {
    char eta[TES_RECON_TEXT_BYTES];
    double per_iteration = p->count > 0 ? p->seconds / p->count : 0.0;
    format_eta(per_iteration * (rep->iterations - rep->iteration), eta, sizeof eta);
    double share = rep->seconds > 0.0 ? TES_PERCENT * rep->reduce_seconds / rep->seconds : 0.0;
    const char *name = tes_solver_algorithm_name(rep->algorithm);
    if (!p->bar) {
        tes_log(TES_LOG_INFO,
                "%s %*d/%d  residual %.5e (relative %.3e)  %.3f s  %.3f GUPS  reduction %.0f%%  "
                "ETA %s",
                name, (int)snprintf(NULL, 0, "%d", rep->iterations), rep->iteration,
                rep->iterations, rep->residual, rep->relative_residual, rep->seconds, rep->gups,
                share, eta);
        return;
    }
    char bar[TES_PROGRESS_BAR_WIDTH + 1];
    int filled = (int)((long long)TES_PROGRESS_BAR_WIDTH * rep->iteration / rep->iterations);
    for (int i = 0; i < TES_PROGRESS_BAR_WIDTH; ++i)
        bar[i] = i < filled ? '#' : '.';
    bar[TES_PROGRESS_BAR_WIDTH] = '\0';
    fprintf(stderr, "\r%s [%s] %d/%d  residual %.3e  %.3f s/it  %.2f GUPS  ETA %s   ", name, bar,
            rep->iteration, rep->iterations, rep->residual, per_iteration, rep->gups, eta);
    if (rep->iteration >= rep->iterations)
        fputc('\n', stderr);
    fflush(stderr);
}

/* A JSON number, or null where the value is NaN/Inf (not computed). */
static json_t *json_number(double v) {
    return isfinite(v) ? json_real(v) : json_null();
}

static tes_status write_metrics(tes_recon_progress *p, const tes_solver_report *rep) {
    json_t *o = json_object();
    TES_CHECK(o, TES_ERR_ALLOC, "cannot build a metrics object");
    const struct {
        const char *key;
        double value;
    } reals[] = {
        {"residual", rep->residual},
        {"relative_residual", rep->relative_residual},
        {"gradient_norm", rep->gradient_norm},
        {"seconds", rep->seconds},
        {"forward_seconds", rep->forward_seconds},
        {"adjoint_seconds", rep->adjoint_seconds},
        {"reduce_seconds", rep->reduce_seconds},
        {"reduce_total_seconds", rep->reduce_total_seconds},
        {"update_seconds", rep->update_seconds},
        {"updates", rep->updates},
        {"gups", rep->gups},
        {"bytes_reduced", rep->bytes_reduced},
        {"bytes_reduced_total", rep->bytes_reduced_total},
    };
    int bad =
        json_object_set_new(o, "algorithm", json_string(tes_solver_algorithm_name(rep->algorithm)));
    bad |= json_object_set_new(o, "iteration", json_integer(rep->iteration));
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; ++i)
        bad |= json_object_set_new(o, reals[i].key, json_number(reals[i].value));
    bad |= json_object_set_new(o, "ranks", json_integer(p->grid->nranks));
    bad |= json_object_set_new(o, "grid", json_pack("[i,i]", p->grid->p_slab, p->grid->p_view));
    char *line = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(TES_METRICS_DIGITS));
    json_decref(o);
    TES_CHECK(line, TES_ERR_ALLOC, "cannot format the metrics of iteration %d", rep->iteration);
    int written = fprintf(p->metrics.fp, "%s\n", line) >= 0 && fflush(p->metrics.fp) == 0;
    free(line);
    TES_CHECK(written, TES_ERR_IO, "--metrics: cannot write to '%s'", p->metrics.path);
    return TES_OK;
}

/* r_k into the history (rank 0), for the convergence plot. */
static tes_status record_residual(tes_recon_progress *p, const tes_solver_report *rep) {
    size_t k = (size_t)rep->iteration;
    if (k > p->capacity) {
        size_t cap = k > 2 * p->capacity ? k : 2 * p->capacity;
        double *r = realloc(p->residuals, cap * sizeof *r);
        TES_CHECK(r, TES_ERR_ALLOC, "cannot keep %zu residuals", cap);
        p->residuals = r;
        p->capacity = cap;
    }
    for (size_t i = p->nresiduals; i + 1 < k; ++i)
        p->residuals[i] = NAN;
    p->residuals[k - 1] = rep->residual;
    if (k > p->nresiduals)
        p->nresiduals = k;
    return TES_OK;
}

/* The solver's callback: progress and metrics on rank 0 (a failure there
 * ends the solve on every rank), then the checkpoint. */
static tes_status on_iteration(const tes_solver_report *rep, const tes_array *x, int *stop,
                               void *user) {
    tes_recon_progress *p = user;
    p->count += 1;
    p->seconds += rep->seconds;
    p->reduce_seconds += rep->reduce_seconds;
    p->updates += rep->updates;
    tes_status st = TES_OK;
    if (p->rank0) {
        print_progress(p, rep);
        st = record_residual(p, rep);
        if (st == TES_OK && p->metrics_open)
            st = write_metrics(p, rep);
    }
    TES_CALL(tes_status_agree(p->comm, st));
    if (p->checkpoint)
        TES_CALL(tes_recon_checkpoint_step(p->checkpoint, x, rep->iteration, stop));
    return TES_OK;
}

static tes_status on_restore(tes_solver_state *state, void *user) {
    tes_recon_progress *p = user;
    TES_CALL(tes_recon_checkpoint_restore(p->checkpoint, state));
    return TES_OK;
}

tes_status tes_recon_progress_begin(tes_recon_progress *p, MPI_Comm comm, const tes_grid *grid,
                                    const char *metrics, int overwrite,
                                    tes_recon_checkpoint *checkpoint) {
    p->comm = comm;
    p->rank0 = tes_log_rank() == 0;
    p->bar = p->rank0 && isatty(STDERR_FILENO);
    p->grid = grid;
    p->checkpoint = checkpoint && checkpoint->path ? checkpoint : NULL;
    tes_status st = TES_OK;
    if (p->rank0 && metrics && metrics[0]) {
        st = tes_outfile_begin(&p->metrics, metrics, overwrite, "--force");
        p->metrics_open = st == TES_OK;
    }
    TES_CALL(tes_status_agree(p->comm, st));
    return TES_OK;
}

void tes_recon_progress_attach(tes_recon_progress *p, tes_solver_options *opt) {
    opt->callback = on_iteration;
    opt->user = p;
    if (p->checkpoint && p->checkpoint->resumed)
        opt->restore = on_restore;
}

tes_status tes_recon_progress_end(tes_recon_progress *p, tes_status st) {
    if (!p->metrics_open)
        return st;
    p->metrics_open = 0;
    /* An interrupted run leaves no metrics file, so that the resumed run,
     * which writes the iterations after the checkpoint, is not refused. */
    if (st != TES_OK || (p->checkpoint && p->checkpoint->interrupted)) {
        tes_outfile_abort(&p->metrics);
        return st;
    }
    TES_CALL(tes_outfile_commit(&p->metrics));
    return TES_OK;
}

void tes_recon_progress_free(tes_recon_progress *p) {
    free(p->residuals);
    p->residuals = NULL;
    p->nresiduals = p->capacity = 0;
}

void tes_recon_print_summary(const char *algorithm, const tes_recon_progress *p,
                             const tes_solver_result *res) {
    int k = p->count > 0 ? p->count : 1;
    double share = p->seconds > 0.0 ? TES_PERCENT * p->reduce_seconds / p->seconds : 0.0;
    tes_log(TES_LOG_INFO,
            "recon: %s, %d iteration(s) (stopped: %s) in %.2f s: %.3f s per iteration, %.3f "
            "GUPS, reduction %.0f%%; residual %.5e (relative %.3e)",
            algorithm, res->iterations, tes_solver_stop_name(res->stop), res->seconds,
            p->seconds / k, p->seconds > 0.0 ? p->updates / p->seconds / TES_GIGA : 0.0, share,
            res->residual, res->relative_residual);
}

/* ---- the reconstruction ------------------------------------------------------------ */

typedef struct recon_state {
    tes_grid *grid;
    tes_problem *pb;
    tes_array *y, *x, *truth;
} recon_state;

static void recon_state_free(recon_state *s) {
    tes_array_destroy(&s->truth);
    tes_array_destroy(&s->x);
    tes_array_destroy(&s->y);
    tes_problem_destroy(&s->pb);
    tes_grid_destroy(&s->grid);
}

/* Grid (printed), problem and the simulated data. */
static tes_status recon_setup(MPI_Comm comm, const recon_job *job, recon_state *s) {
    if (job->backend == TES_BACKEND_CUDA) {
        int device = -1;
        TES_CALL(tes_device_bind(comm, &device));
    }
    TES_CALL(tes_grid_create(&s->grid, comm, &job->vol, job->proj, &job->req));
    tes_grid_print(s->grid);
    tes_operator_options oo = {job->backend, 0, 0, 0};
    TES_CALL(tes_problem_create(&s->pb, s->grid, &job->vol, job->proj, &oo));
    tes_status st = tes_operator_new_data(s->pb->op, &s->y);
    if (st == TES_OK)
        st = tes_operator_new_volume(s->pb->op, &s->x);
    double t0 = tes_time_now();
    if (st == TES_OK)
        st = tes_simulate_data(s->pb, &job->noise, s->y);
    TES_CALL(tes_status_agree(comm, st));
    if (job->noise.photons > 0.0)
        tes_log(TES_LOG_INFO,
                "simulated data: closed-form Shepp-Logan projections, Poisson noise of %g "
                "photons per pixel (seed %llu), %.2f s",
                job->noise.photons, (unsigned long long)job->noise.seed, tes_time_now() - t0);
    else
        tes_log(TES_LOG_INFO,
                "simulated data: closed-form Shepp-Logan projections, noise-free, "
                "%.2f s",
                tes_time_now() - t0);
    return TES_OK;
}

/* ||x - phantom|| / ||phantom||. */
static tes_status phantom_error(MPI_Comm comm, recon_state *s, double *error) {
    tes_status st = tes_operator_new_volume(s->pb->op, &s->truth);
    if (st == TES_OK)
        st = tes_simulate_phantom(s->pb, s->truth);
    TES_CALL(tes_status_agree(comm, st));
    TES_CALL(tes_simulate_relative_error(s->pb, s->x, s->truth, error));
    return TES_OK;
}

/* The first rank of each slab writes it; the others join with no rows. */
static tes_status write_volume(MPI_Comm comm, recon_job *job, const recon_state *s,
                               const tes_solver_result *res, double error) {
    const tes_grid *g = s->grid;
    tes_array *local = NULL;
    tes_geometry_attrs geo = {0};
    tes_status st = TES_OK;
    if (g->group == 0) {
        st = tes_array_clone(&local, s->x, TES_HOST);
    } else {
        size_t empty[3] = {0, job->vol.ny, job->vol.nx};
        st = tes_array_create(&local, TES_FLOAT32, TES_HOST, 3, empty);
    }
    if (st == TES_OK)
        st = tes_geometry_attrs_build(&geo, &job->vol, NULL);
    TES_CALL_GOTO(st, tes_status_agree(comm, st), done);

    tes_h5_attr attrs[TES_RECON_MAX_ATTRS];
    size_t n = 0;
    for (size_t i = 0; i < geo.nattrs && n < TES_GEOMETRY_MAX_ATTRS; ++i)
        attrs[n++] = geo.attrs[i];
    attrs[n++] = (tes_h5_attr){"algorithm",
                               job->fbp ? tes_fbp_algorithm_name(job->proj->kind)
                                        : tes_solver_algorithm_name(job->alg),
                               0.0};
    attrs[n++] = (tes_h5_attr){"iterations", NULL, (double)res->iterations};
    attrs[n++] = (tes_h5_attr){"noise_photons", NULL, job->noise.photons};
    attrs[n++] = (tes_h5_attr){"relative_error_to_phantom", NULL, error};
    job->wopt.attrs = attrs;
    job->wopt.nattrs = n;
    size_t offset = g->group == 0 ? g->z_begin : 0;
    TES_CALL_GOTO(st, tes_h5_write(comm, &job->out, job->vol.nz, offset, local, &job->wopt, NULL),
                  done);
done:
    job->wopt.attrs = NULL;
    job->wopt.nattrs = 0;
    tes_geometry_attrs_free(&geo);
    tes_array_destroy(&local);
    return st;
}

static void print_summary(const recon_job *job, const tes_recon_progress *p,
                          const tes_solver_result *res, double error) {
    if (!job->fbp) /* FBP logged its own summary */
        tes_recon_print_summary(tes_solver_algorithm_name(job->alg), p, res);
    tes_log(TES_LOG_INFO, "relative error to the phantom ||x - phantom|| / ||phantom||: %.5f",
            error);
    tes_log(TES_LOG_INFO, "volume: %s:%s (%zu, %zu, %zu) float32", job->out.file, job->out.dataset,
            job->vol.nz, job->vol.ny, job->vol.nx);
    if (job->metrics)
        tes_log(TES_LOG_INFO, "metrics: %s (one JSON object per iteration)", job->metrics);
}

static tes_status recon(MPI_Comm comm, recon_job *job) {
    recon_state s = {0};
    tes_recon_progress p = {0};
    tes_recon_checkpoint ck = {0};
    tes_solver_result res = {0};
    double error = NAN;
    tes_status st = TES_OK;
    TES_CALL_GOTO(st, recon_setup(comm, job, &s), done);
    if (!job->fbp)
        TES_CALL_GOTO(
            st,
            tes_recon_checkpoint_setup(&ck, comm, job->checkpoint, job->checkpoint_every, job->hash,
                                       s.grid, tes_solver_algorithm_name(job->alg), s.x, &job->opt),
            done);
    TES_CALL_GOTO(
        st, tes_recon_progress_begin(&p, comm, s.grid, job->metrics, job->wopt.overwrite, &ck),
        done);
    tes_recon_progress_attach(&p, &job->opt);
    if (!job->fbp)
        tes_log(TES_LOG_INFO,
                "%s: up to %d iterations on %d rank(s), backend %s, %d thread(s) per "
                "rank",
                tes_solver_algorithm_name(job->alg), job->opt.iterations, s.grid->nranks,
                tes_backend_name(job->backend), tes_backend_threads());
    if (job->fbp)
        TES_CALL_GOTO(st, tes_cli_recon_fbp(s.pb, s.y, s.x, &job->fbp_opt, &res), done);
    else
        TES_CALL_GOTO(st, tes_solver_solve(job->alg, s.pb, s.y, s.x, &job->opt, &res), done);
    if (!ck.interrupted) {
        TES_CALL_GOTO(st, phantom_error(comm, &s, &error), done);
        TES_CALL_GOTO(st, write_volume(comm, job, &s, &res, error), done);
    }
done:
    st = tes_recon_progress_end(&p, st);
    st = tes_status_agree(comm, st);
    if (st == TES_OK && !ck.interrupted) {
        print_summary(job, &p, &res, error);
        tes_recon_checkpoint_finish(&ck, 0);
    }
    tes_recon_progress_free(&p);
    recon_state_free(&s);
    return st;
}

static tes_status run_recon(const tes_cli_args *args, MPI_Comm comm) {
    if (args->npositional > 0)
        return tes_cli_recon_job(args, comm);
    recon_job job = {0};
    tes_status st = read_job(args, comm, &job);
    if (st == TES_OK)
        st = recon(comm, &job);
    tes_proj_geom_destroy(&job.proj);
    TES_CALL(st);
    return TES_OK;
}

const tes_cli_command tes_cli_recon_command = {
    "recon",
    "reconstruct a job file's scan, or a simulated Shepp-Logan acquisition (SIRT, OSEM/MLEM, "
    "CGLS, FBP/FDK)",
    "tessera recon JOB.ini [--metrics FILE] [--checkpoint FILE] [--force] [--threads N] "
    "[--backend B]\n"
    "       tessera recon --volume N --views V [geometry options] [--noise PHOTONS] "
    "[--algorithm sirt|osem|mlem|cgls] [--iterations N] [--grid PSxPV] -o FILE[:/DATASET] "
    "[--metrics FILE] [--checkpoint FILE] [--force]",
    "With a job file (jobs/README.md): reads the scan of [input] (Data Exchange or NeXus; each "
    "rank reads only its own views and detector rows), preprocesses it (flat/dark, -log, crop, "
    "view step), reconstructs it on the rank grid and writes the volume (HDF5, with the "
    "geometry, the algorithm and the resolved job as attributes), optionally a TIFF stack, "
    "previews of the central slices and a convergence plot ([output]), and checkpoints "
    "([checkpoint]). The options given after the job override its [output] metrics and "
    "overwrite (--force) and its [checkpoint] file. Without a job file: simulates an "
    "acquisition of the 3D Shepp-Logan phantom (its closed-form line integrals, optionally with "
    "photon noise), reconstructs it and reports the relative error to the phantom. The plan is "
    "printed first; rank 0 reports every iteration (residual, time, GUPS, reduction share, "
    "ETA; a progress bar when stderr is a terminal). Every output is checked before any work "
    "and written under a temporary name. Exit status: 0 done; 2 bad input or usage (nothing "
    "was written); 3 checkpointed on SIGUSR1/SIGTERM (rerun the same command to resume); 1 "
    "any other failure.",
    recon_sections,
    1,
    run_recon,
};
