/* tessera recon JOB.ini. The stages hand each other plain structs:
 *
 *   job file -> tes_job (overrides applied) -> scan layout -> resolved job,
 *   geometries, outputs checked -> grid, problem -> this rank's views x rows
 *   (preprocessed) -> centre (auto) -> solve (checkpoints) -> outputs. */
#include "cli/recon_job.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "align/center.h"
#include "cli/fbp_cli.h"
#include "cli/recon.h"
#include "cli/recon_outputs.h"
#include "cli/recon_run.h"
#include "core/agree.h"
#include "core/log.h"
#include "core/timer.h"
#include "decomposition/device.h"
#include "io/geometry_attrs.h"
#include "io/preprocess.h"
#include "io/scan.h"
#include "jobs/job.h"
#include "jobs/job_plan.h"
#include "solvers/fbp.h"
#include "solvers/problem.h"
#include "solvers/simulate.h"
#include "solvers/solver.h"

enum {
    TES_RECON_JOB_MAX_ATTRS = TES_GEOMETRY_MAX_ATTRS + 8,
    TES_RECON_DATE_BYTES = 32,
    TES_RECON_TITLE_BYTES = TES_SCAN_PATH_BYTES + 64, /* algorithm, input file */
    TES_RECON_CENTER_ROWS = 1, /* detector rows the automatic centre looks at */
};

/* The options that may follow a job file. */
static const char *const job_overrides[] = {
    "--metrics",    "--force",
    "--checkpoint", "--checkpoint-every",
    "--grid",       "--mem-per-rank",
    "--threads",    "--backend",
    "--help",       NULL,
};

typedef struct job_run {
    tes_job job;
    uint64_t hash; /* before the overrides: they never change the volume */
    tes_backend backend;
    tes_scan *scan; /* NULL for a simulated input */
    tes_vol_geom vol;
    tes_proj_geom *proj;
    tes_recon_outputs outs;
    tes_h5_name initial; /* [algorithm] initial = file: the volume, checked before any work */
    tes_grid_request req;
    tes_grid *grid;
    tes_problem *pb;
    tes_array *y, *x;
    tes_solver_algorithm alg;
    tes_solver_options opt;
    tes_solver_result res;
    int iterative;
} job_run;

static void job_run_free(job_run *r) {
    tes_array_destroy(&r->x);
    tes_array_destroy(&r->y);
    tes_problem_destroy(&r->pb);
    tes_grid_destroy(&r->grid);
    tes_proj_geom_destroy(&r->proj);
    tes_scan_close(&r->scan);
}

static tes_status copy_text(char *dst, size_t len, const char *src, const char *what) {
    TES_CHECK(strlen(src) < len, TES_ERR_ARG, "%s: path too long: %s", what, src);
    memcpy(dst, src, strlen(src) + 1);
    return TES_OK;
}

static tes_status check_overrides(const tes_cli_args *args) {
    TES_CHECK(args->npositional == 1, TES_ERR_ARG,
              "expected one job file, got %d arguments that are not options", args->npositional);
    for (int i = 0; i < args->count; ++i) {
        int allowed = 0;
        for (const char *const *o = job_overrides; *o; ++o)
            allowed |= !strcmp(args->option[i]->name, *o);
        TES_CHECK(allowed, TES_ERR_ARG,
                  "%s: not with a job file (%s); set it in the job. After a job file only "
                  "--metrics, --force, --checkpoint, --checkpoint-every, --grid, --mem-per-rank, "
                  "--threads and --backend may be given",
                  args->option[i]->name, args->positional[0]);
    }
    return TES_OK;
}

/* Parse the job and apply the command line's overrides. */
static tes_status read_job(const tes_cli_args *args, job_run *r) {
    TES_CALL(check_overrides(args));
    tes_job *job = &r->job;
    TES_CALL(tes_job_parse(args->positional[0], job));
    r->hash = tes_job_hash(job);
    if (tes_cli_has(args, "--force"))
        job->output.overwrite = 1;
    if (tes_cli_has(args, "--metrics"))
        TES_CALL(copy_text(job->output.metrics, sizeof job->output.metrics,
                           tes_cli_get(args, "--metrics"), "--metrics"));
    if (tes_cli_has(args, "--checkpoint"))
        TES_CALL(copy_text(job->checkpoint.file, sizeof job->checkpoint.file,
                           tes_cli_get(args, "--checkpoint"), "--checkpoint"));
    if (tes_cli_has(args, "--checkpoint-every")) {
        size_t every = 0;
        TES_CALL(tes_cli_count_range(args, "--checkpoint-every", 0, 0, INT32_MAX, &every));
        job->checkpoint.every = (int)every;
    }
#ifdef _OPENMP
    if (job->decomposition.threads > 0 && !tes_cli_has(args, "--threads"))
        omp_set_num_threads(job->decomposition.threads);
#endif
    const char *backend = tes_cli_get(args, "--backend");
    if (!backend)
        backend = tes_job_backend_name(job->decomposition.backend);
    TES_CALL(tes_cli_setup_threads(args));
    TES_CALL(tes_backend_parse(backend, "[decomposition] backend", &r->backend));
    r->iterative = tes_job_iterative(job);
    if (r->iterative)
        TES_CALL(tes_job_solver_options(job, &r->alg, &r->opt));
    TES_CHECK(r->iterative || !job->checkpoint.file[0], TES_ERR_ARG,
              "%s: checkpoints apply to the iterative algorithms, not %s", job->source,
              tes_job_algorithm_name(job->algorithm.name));
    return TES_OK;
}

/* The angles the geometry takes: the file's, or NULL for uniform ones. */
static tes_status pick_angles(const job_run *r, const double **angles) {
    *angles = NULL;
    tes_job_angles mode = r->job.geometry.angles;
    if (!r->scan || mode == TES_JOB_ANGLES_UNIFORM)
        return TES_OK;
    TES_CHECK(mode != TES_JOB_ANGLES_FILE || !r->scan->angles_generated, TES_ERR_INPUT,
              "%s: [geometry] angles = file, but %s has no angles", r->job.source, r->scan->file);
    if (!r->scan->angles_generated)
        *angles = r->scan->angles;
    return TES_OK;
}

/* The input's layout, the resolved job and the geometries. */
static tes_status open_input(MPI_Comm comm, job_run *r) {
    tes_job *job = &r->job;
    size_t nviews = job->input.views, nrows = job->input.detector[0],
           ncols = job->input.detector[1];
    if (job->input.format != TES_JOB_FORMAT_SIMULATED) {
        tes_scan_options sopt = tes_job_scan_options(job);
        TES_CALL(tes_scan_open(&r->scan, job->input.file, &sopt, comm));
        tes_scan_print(r->scan);
        TES_CALL(tes_job_geometry_from_scan(job, r->scan));
        TES_CALL(tes_job_resolve(job, r->scan->projections, r->scan->rows, r->scan->cols));
        nviews = r->scan->nviews;
        nrows = r->scan->nrows;
        ncols = r->scan->ncols;
    }
    TES_CALL(tes_job_vol_geom(job, &r->vol));
    const double *angles = NULL;
    TES_CALL(pick_angles(r, &angles));
    if (job->geometry.angles_file[0])
        tes_log(TES_LOG_INFO, "angles: %s (one per projection)", job->geometry.angles_file);
    else if (!angles)
        tes_log(TES_LOG_INFO, "angles: %zu views equally spaced from %g over %g degrees", nviews,
                job->geometry.first_angle, job->geometry.angle_range);
    TES_CALL(tes_job_proj_geom(job, &r->vol, nviews, nrows, ncols, angles, &r->proj));
    return TES_OK;
}

/* The grid: the job's request, --grid and --mem-per-rank over it. */
static tes_status make_grid(const tes_cli_args *args, MPI_Comm comm, job_run *r) {
    TES_CALL(tes_job_grid_request(&r->job, &r->req));
    int nranks = 1;
    MPI_Comm_size(comm, &nranks);
    if (tes_cli_has(args, "--grid"))
        r->req.p_slab = r->req.p_view = 0;
    TES_CALL(tes_cli_grid_request(args, nranks, r->vol.nz, &r->req));
    if (r->backend == TES_BACKEND_CUDA) {
        int device = -1;
        TES_CALL(tes_device_bind(comm, &device));
    }
    TES_CALL(tes_grid_create(&r->grid, comm, &r->vol, r->proj, &r->req));
    tes_grid_print(r->grid);
    return TES_OK;
}

/* The automatic centre: rank 0 reads all views of the middle row(s),
 * estimates, and every rank takes its estimate. */
static tes_status estimate_center(MPI_Comm comm, job_run *r) {
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    size_t row = r->scan->nrows / 2, nrows = TES_RECON_CENTER_ROWS;
    tes_preprocess_options popt = {r->job.preprocess.flat_floor,
                                   r->job.preprocess.min_transmission};
    tes_array *sino = NULL;
    tes_proj_geom *g = NULL;
    double center = 0.0;
    tes_status st = tes_preprocess_load(&sino, r->scan, 0, rank == 0 ? r->scan->nviews : 0, row,
                                        row + (rank == 0 ? nrows : 0), &popt, NULL);
    if (st == TES_OK && rank == 0) {
        const double *angles = NULL;
        st = pick_angles(r, &angles);
        tes_vol_geom slice = r->vol;
        slice.nz = nrows;
        if (st == TES_OK)
            st = tes_job_proj_geom(&r->job, &slice, r->scan->nviews, nrows, r->scan->ncols, angles,
                                   &g);
        tes_center_options copt = tes_center_options_default();
        tes_center_result cres;
        if (st == TES_OK)
            st = tes_center_estimate(g, sino, &copt, &cres);
        center = cres.center;
    }
    tes_proj_geom_destroy(&g);
    tes_array_destroy(&sino);
    TES_CALL(tes_status_agree(comm, st));
    TES_CHECK(MPI_Bcast(&center, 1, MPI_DOUBLE, 0, comm) == MPI_SUCCESS, TES_ERR_MPI,
              "broadcast of the centre");
    r->proj->center_col = center - r->job.geometry.offset_u / r->proj->pixel_u;
    tes_log(TES_LOG_INFO, "centre of rotation (auto): %.2f px (of the columns read)", center);
    return TES_OK;
}

/* This rank's views x rows as line integrals into y. */
static tes_status load_data(MPI_Comm comm, job_run *r) {
    const tes_grid *g = r->grid;
    tes_status st = TES_OK;
    double t0 = tes_time_now();
    if (!r->scan) {
        tes_noise noise = {r->job.input.noise, r->job.input.seed};
        st = tes_simulate_data(r->pb, &noise, r->y);
        TES_CALL(tes_status_agree(comm, st));
        tes_log(TES_LOG_INFO, "simulated data: Shepp-Logan, %zu views, %.2f s", r->proj->nviews,
                tes_time_now() - t0);
        return TES_OK;
    }
    tes_preprocess_options popt = {r->job.preprocess.flat_floor,
                                   r->job.preprocess.min_transmission};
    tes_array *loaded = NULL;
    TES_CALL(tes_preprocess_load(&loaded, r->scan, g->view_begin, g->view_end, g->row_begin,
                                 g->row_end, &popt, NULL));
    st = tes_array_copy(r->y, loaded);
    tes_array_destroy(&loaded);
    TES_CALL(tes_status_agree(comm, st));
    tes_log(TES_LOG_INFO, "read and preprocessed %s: %.2f s", r->scan->file, tes_time_now() - t0);
    return TES_OK;
}

/* [algorithm] initial = file: the volume's dataset must have the job's
 * shape; checked before any work. */
static tes_status check_initial_file(MPI_Comm comm, job_run *r) {
    const tes_job_algorithm_options *a = &r->job.algorithm;
    tes_h5_name *name = &r->initial;
    TES_CALL(tes_h5_name_parse(a->initial_file, TES_H5_VOLUME_DATASET, "[algorithm] initial_file",
                               name));
    tes_h5_info info;
    TES_CALL(tes_h5_query(comm, name, 3, &info));
    const size_t want[3] = {r->vol.nz, r->vol.ny, r->vol.nx};
    TES_CHECK(info.shape[0] == want[0] && info.shape[1] == want[1] && info.shape[2] == want[2],
              TES_ERR_INPUT,
              "%s: [algorithm] initial_file: %s:%s has shape (%zu, %zu, %zu), the job's volume is "
              "(%zu, %zu, %zu) (nz, ny, nx)",
              r->job.source, name->file, name->dataset, info.shape[0], info.shape[1],
              info.shape[2], want[0], want[1], want[2]);
    return TES_OK;
}

/* This rank's slab of the initial volume (check_initial_file) into x. */
static tes_status read_initial_file(job_run *r) {
    const tes_h5_name *name = &r->initial;
    double t0 = tes_time_now();
    tes_h5_block block = tes_h5_block_all();
    block.begin0 = r->grid->z_begin;
    block.end0 = r->grid->z_end;
    tes_array *slab = NULL;
    TES_CALL(tes_h5_read(r->grid->world, name, 3, &block, &slab, NULL));
    tes_status st = tes_array_copy(r->x, slab);
    tes_array_destroy(&slab);
    TES_CALL(tes_status_agree(r->grid->world, st));
    tes_log(TES_LOG_INFO, "initial volume: %s:%s, %.2f s", name->file, name->dataset,
            tes_time_now() - t0);
    return TES_OK;
}

/* FBP/FDK, or the iterative solver (after an FBP start where asked). */
static tes_status solve(job_run *r, tes_recon_checkpoint *ck) {
    tes_fbp_options fopt = tes_job_fbp_options(&r->job);
    if (!r->iterative)
        return tes_cli_recon_fbp(r->pb, r->y, r->x, &fopt, &r->res);
    if (r->job.algorithm.initial == TES_JOB_INITIAL_FBP && !ck->resumed) {
        tes_log(TES_LOG_INFO, "initial volume: %s of the data",
                tes_fbp_algorithm_name(r->proj->kind));
        TES_CALL(tes_fbp(r->pb, r->y, r->x, &fopt, NULL));
    }
    if (r->job.algorithm.initial == TES_JOB_INITIAL_FILE && !ck->resumed)
        TES_CALL(read_initial_file(r));
    tes_log(TES_LOG_INFO,
            "%s: up to %d iterations on %d rank(s), backend %s, %d thread(s) per rank",
            tes_solver_algorithm_name(r->alg), r->opt.iterations, r->grid->nranks,
            tes_backend_name(r->backend), tes_backend_threads());
    TES_CALL(tes_solver_solve(r->alg, r->pb, r->y, r->x, &r->opt, &r->res));
    return TES_OK;
}

static const char *algorithm_name(const job_run *r) {
    return r->iterative ? tes_solver_algorithm_name(r->alg) : tes_fbp_algorithm_name(r->proj->kind);
}

/* The volume's attributes (same on every rank: the date comes from rank 0). */
static tes_status write_outputs(MPI_Comm comm, job_run *r, const tes_recon_progress *p) {
    tes_geometry_attrs geo = {0};
    char *json = NULL;
    char date[TES_RECON_DATE_BYTES] = "";
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    MPI_Bcast(date, sizeof date, MPI_CHAR, 0, comm);
    tes_status st = tes_geometry_attrs_build(&geo, &r->vol, r->proj);
    if (st == TES_OK)
        st = tes_job_to_json(&r->job, &json);
    TES_CALL_GOTO(st, tes_status_agree(comm, st), done);
    tes_h5_attr attrs[TES_RECON_JOB_MAX_ATTRS];
    size_t n = 0;
    for (size_t i = 0; i < geo.nattrs; ++i)
        attrs[n++] = geo.attrs[i];
    attrs[n++] = (tes_h5_attr){"algorithm", algorithm_name(r), 0.0};
    attrs[n++] = (tes_h5_attr){"iterations", NULL, (double)r->res.iterations};
    attrs[n++] = (tes_h5_attr){"residual", NULL, r->res.residual};
    attrs[n++] = (tes_h5_attr){"relative_residual", NULL, r->res.relative_residual};
    attrs[n++] = (tes_h5_attr){"job", json, 0.0};
    attrs[n++] = (tes_h5_attr){"tessera_version", TES_VERSION, 0.0};
    attrs[n++] = (tes_h5_attr){"date", date, 0.0};
    TES_CALL_GOTO(
        st, tes_recon_outputs_write_volume(comm, &r->outs, r->grid, r->vol.nz, r->x, attrs, n),
        done);
    if (r->iterative) {
        char title[TES_RECON_TITLE_BYTES];
        snprintf(title, sizeof title, "%s, %s", algorithm_name(r),
                 r->scan ? r->scan->file : "simulated");
        st = p->rank0 ? tes_recon_outputs_write_plot(&r->outs, p->residuals, p->nresiduals, title)
                      : TES_OK;
        TES_CALL_GOTO(st, tes_status_agree(comm, st), done);
    }
done:
    free(json);
    tes_geometry_attrs_free(&geo);
    return st;
}

static tes_status run_job(const tes_cli_args *args, MPI_Comm comm, job_run *r) {
    TES_CALL(read_job(args, r));
    tes_log(TES_LOG_INFO, "job %s (hash %016" PRIx64 ")", r->job.source, r->hash);
    TES_CALL(open_input(comm, r));
    const tes_job_output *o = &r->job.output;
    TES_CALL(tes_recon_outputs_check(comm, &r->outs, o->volume, o->tiff, o->previews, o->metrics,
                                     o->overwrite, r->iterative, r->vol.nz));
    if (r->iterative && r->job.algorithm.initial == TES_JOB_INITIAL_FILE)
        TES_CALL(check_initial_file(comm, r));
    TES_CALL(make_grid(args, comm, r));
    tes_operator_options oo = {r->backend, 0, 0, 0};
    TES_CALL(tes_problem_create(&r->pb, r->grid, &r->vol, r->proj, &oo));
    tes_status st = tes_operator_new_data(r->pb->op, &r->y);
    if (st == TES_OK)
        st = tes_operator_new_volume(r->pb->op, &r->x);
    TES_CALL(tes_status_agree(comm, st));

    /* A checkpoint of another job or grid is refused before the data are read. */
    tes_recon_checkpoint ck = {0};
    tes_recon_progress p = {0};
    if (r->iterative)
        TES_CALL_GOTO(st,
                      tes_recon_checkpoint_setup(&ck, comm, r->job.checkpoint.file,
                                                 r->job.checkpoint.every, r->hash, r->grid,
                                                 tes_solver_algorithm_name(r->alg), r->x, &r->opt),
                      done);
    if (r->scan && r->job.geometry.center_col_mode == TES_JOB_CENTER_AUTO)
        TES_CALL_GOTO(st, estimate_center(comm, r), done);
    TES_CALL_GOTO(st, load_data(comm, r), done);
    TES_CALL_GOTO(
        st, tes_recon_progress_begin(&p, comm, r->grid, r->outs.metrics, o->overwrite, &ck), done);
    tes_recon_progress_attach(&p, &r->opt);
    TES_CALL_GOTO(st, solve(r, &ck), done);
    if (!ck.interrupted)
        TES_CALL_GOTO(st, write_outputs(comm, r, &p), done);
done:
    st = tes_recon_progress_end(&p, st);
    st = tes_status_agree(comm, st);
    if (st == TES_OK && !ck.interrupted) {
        if (r->iterative)
            tes_recon_print_summary(algorithm_name(r), &p, &r->res);
        if (r->outs.metrics)
            tes_log(TES_LOG_INFO, "metrics: %s (one JSON object per iteration)", r->outs.metrics);
        tes_recon_checkpoint_finish(&ck, r->job.checkpoint.keep);
    }
    tes_recon_progress_free(&p);
    return st;
}

tes_status tes_cli_recon_job(const tes_cli_args *args, MPI_Comm comm) {
    job_run r = {0};
    tes_status st = run_job(args, comm, &r);
    job_run_free(&r);
    TES_CALL(st);
    return TES_OK;
}
