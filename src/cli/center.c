/* tessera center FILE: estimate the centre of rotation of a measured
 * parallel-beam scan (align/center.h) from a few detector rows, print it,
 * and with -o DIR write one preview PNG per centre of a range (the middle
 * row's trial reconstruction, one grey window for all, the centre written
 * in the corner), so that a user can judge the estimate by eye.
 *
 * Rank 0 reads, computes and writes; the other ranks join the collective
 * reads with nothing to read. */
#include "cli/center.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "align/center.h"
#include "cli/fbp_cli.h"
#include "cli/info.h"
#include "core/agree.h"
#include "core/log.h"
#include "io/outfile.h"
#include "io/png.h"
#include "io/preprocess.h"
#include "io/preview.h"
#include "io/raster.h"

/* Rows used when --rows is not given: this many around the middle. */
enum { TES_CENTER_DEFAULT_ROWS = 3 };
/* Previews without --range: every pixel within this many of the estimate. */
#define TES_CENTER_PREVIEW_HALFWIDTH 5.0
#define TES_CENTER_PREVIEW_STEP      1.0
enum {
    TES_CENTER_MAX_PREVIEWS = 1000,
    TES_CENTER_LABEL_SCALE = 2,  /* font scale of the centre written on a preview */
    TES_CENTER_LABEL_MARGIN = 4, /* pixels from the corner */
    TES_CENTER_TEXT_BYTES = 64,
    TES_RGB = 3,
};
#define TES_PREVIEW_LOW_PERCENT  0.5
#define TES_PREVIEW_HIGH_PERCENT 99.5

static const tes_cli_option center_options[] = {
    {"--search", NULL, "PX",
     "half-width of the coarse sweep around the first estimate, pixels (default 10)"},
    {"--step", NULL, "PX", "step of the fine sweep, pixels (default 0.25)"},
    {"--no-refine", NULL, NULL, "report the first estimate only (no trial reconstructions)"},
    {NULL, NULL, NULL, NULL},
};

static const tes_cli_option preview_options[] = {
    {"--output", "-o", "DIR",
     "write one preview PNG per centre of --range into DIR (center-CCCC.CC.png)"},
    {"--range", NULL, "A:B:STEP",
     "centres of the previews, pixels (default: the estimate +- 5 in steps of 1)"},
    {"--force", NULL, NULL, "replace existing preview files (default: refuse)"},
    {NULL, NULL, NULL, NULL},
};

static const tes_cli_section center_sections[] = {
    {"Centre of rotation", center_options},
    {"Filter", tes_cli_filter_options},
    {"Previews", preview_options},
    {"Scan", tes_cli_scan_options},
    {"Run", tes_cli_run_options},
    {"Help", tes_cli_help_options},
    {NULL, NULL},
};

typedef struct center_job {
    const char *file;
    tes_scan_options scan;
    tes_center_options opt;
    const char *dir; /* NULL: no previews */
    int has_range, overwrite;
    double first, last, step; /* --range */
} center_job;

static tes_status parse_preview_range(const char *text, center_job *job) {
    char tail = '\0';
    int ok = sscanf(text, "%lf:%lf:%lf%c", &job->first, &job->last, &job->step, &tail) == 3 &&
             isfinite(job->first) && isfinite(job->last) && job->step > 0.0 &&
             job->first <= job->last;
    TES_CHECK(ok, TES_ERR_ARG,
              "--range: expected A:B:STEP, centres from A to B in steps of STEP > 0 pixels "
              "(e.g. 290:300:0.5), got '%s'",
              text);
    TES_CHECK((job->last - job->first) / job->step < TES_CENTER_MAX_PREVIEWS, TES_ERR_ARG,
              "--range: '%s' asks for more than %d previews", text, TES_CENTER_MAX_PREVIEWS);
    job->has_range = 1;
    return TES_OK;
}

static tes_status read_job(const tes_cli_args *args, center_job *job) {
    TES_CHECK(args->npositional == 1, TES_ERR_ARG,
              "center: expected one input file (Data Exchange or NeXus)");
    job->file = args->positional[0];
    TES_CALL(tes_cli_scan_read_options(args, &job->scan));
    job->opt = tes_center_options_default();
    TES_CALL(tes_cli_setup_run(args, &job->opt.backend));
    TES_CALL(tes_cli_length(args, "--search", job->opt.search, &job->opt.search));
    TES_CALL(tes_cli_length(args, "--step", job->opt.step, &job->opt.step));
    job->opt.refine = !tes_cli_has(args, "--no-refine");
    TES_CALL(tes_cli_filter_read(args, &job->opt.filter));
    job->dir = tes_cli_get(args, "--output");
    job->overwrite = tes_cli_has(args, "--force");
    if (tes_cli_has(args, "--range"))
        TES_CALL(parse_preview_range(tes_cli_get(args, "--range"), job));
    TES_CHECK(job->dir || (!job->has_range && !job->overwrite), TES_ERR_ARG,
              "%s: applies to the previews only; give -o DIR",
              job->has_range ? "--range" : "--force");
    if (job->dir) {
        struct stat st;
        TES_CHECK(stat(job->dir, &st) == 0 && S_ISDIR(st.st_mode), TES_ERR_INPUT,
                  "-o/--output: '%s' is not an existing directory", job->dir);
    }
    return TES_OK;
}

/* ---- reading --------------------------------------------------------------------- */

/* Rows used: all that the scan reads when --rows cropped them, else a few
 * around the middle. */
static void rows_used(const tes_cli_args *args, const tes_scan *s, size_t *begin, size_t *end) {
    *begin = 0;
    *end = s->nrows;
    if (tes_cli_has(args, "--rows") || s->nrows <= TES_CENTER_DEFAULT_ROWS)
        return;
    *begin = s->nrows / 2 - TES_CENTER_DEFAULT_ROWS / 2;
    *end = *begin + TES_CENTER_DEFAULT_ROWS;
}

/* Rank 0 gets the line integrals of the rows and a geometry for them. */
static tes_status load(const tes_cli_args *args, const center_job *job, MPI_Comm comm, int rank0,
                       tes_scan **scan, tes_array **y, tes_proj_geom **proj) {
    TES_CALL(tes_scan_open(scan, job->file, &job->scan, comm));
    tes_scan *s = *scan;
    if (rank0)
        tes_scan_print(s);
    size_t r0 = 0, r1 = 0;
    rows_used(args, s, &r0, &r1);
    size_t views = rank0 ? s->nviews : 0;
    TES_CALL(tes_preprocess_load(y, s, 0, views, r0, r1, NULL, NULL));
    tes_status st = TES_OK;
    if (rank0) {
        st = tes_proj_geom_create(proj, TES_GEOM_PARALLEL3D, s->nviews, r1 - r0, s->ncols);
        for (size_t v = 0; st == TES_OK && v < s->nviews; ++v)
            (*proj)->angles[v] = s->angles[v];
        tes_log(TES_LOG_INFO, "center: rows [%zu, %zu) of the %zu read, %zu views, %zu columns", r0,
                r1, s->nrows, s->nviews, s->ncols);
    }
    TES_CALL(tes_status_agree(comm, st));
    return TES_OK;
}

/* ---- previews -------------------------------------------------------------------- */

static void preview_name(const center_job *job, double center, char *path, size_t len) {
    snprintf(path, len, "%s/center-%07.2f.png", job->dir, center);
}

static size_t preview_count(const center_job *job) {
    return (size_t)floor((job->last - job->first) / job->step + 1e-9) + 1;
}

/* Every preview file can be written (before any is). */
static tes_status check_previews(const center_job *job) {
    char path[PATH_MAX];
    for (size_t k = 0; k < preview_count(job); ++k) {
        preview_name(job, job->first + (double)k * job->step, path, sizeof path);
        TES_CALL(tes_outfile_check(path, job->overwrite, "--force"));
    }
    return TES_OK;
}

/* The middle slice of a trial, grey in [low, high], as RGB with its
 * centre written in the top left corner. */
static tes_status write_preview(const center_job *job, const float *slice, size_t n, float low,
                                float high, double center) {
    tes_raster r = {0};
    tes_rgb black = {0, 0, 0}, yellow = {255, 255, 0};
    unsigned char *grey = malloc(n * n);
    TES_CHECK(grey, TES_ERR_ALLOC, "cannot allocate a %zu x %zu preview", n, n);
    tes_status st = tes_raster_create(&r, (int)n, (int)n, black);
    if (st == TES_OK) {
        tes_preview_grey(slice, n * n, low, high, grey);
        for (size_t i = 0; i < n * n; ++i)
            r.pixels[TES_RGB * i] = r.pixels[TES_RGB * i + 1] = r.pixels[TES_RGB * i + 2] = grey[i];
        char label[TES_CENTER_TEXT_BYTES], path[PATH_MAX];
        snprintf(label, sizeof label, "%.2f", center);
        tes_raster_text(&r, TES_CENTER_LABEL_MARGIN, TES_CENTER_LABEL_MARGIN, label,
                        TES_CENTER_LABEL_SCALE, 0, yellow);
        preview_name(job, center, path, sizeof path);
        st = tes_png_write(path, r.pixels, n, n, TES_RGB, job->overwrite, "--force");
    }
    tes_raster_free(&r);
    free(grey);
    TES_CALL(st);
    return TES_OK;
}

static tes_status write_previews(const center_job *job, const tes_proj_geom *proj,
                                 const tes_array *y, double center) {
    tes_center_trials *t = NULL;
    tes_array *slices = NULL;
    TES_CALL(tes_center_trials_create(&t, proj, y, 1, &job->opt.filter, job->opt.backend));
    size_t n = tes_center_trials_size(t), mid = proj->nrows / 2;
    size_t shape[3] = {proj->nrows, n, n};
    float low = 0.0f, high = 0.0f;
    tes_status st = tes_array_create(&slices, TES_FLOAT32, TES_HOST, 3, shape);
    const float *slice = slices ? (const float *)slices->data + mid * n * n : NULL;
    if (st == TES_OK)
        st = tes_center_trials_run(t, center, slices, NULL);
    if (st == TES_OK)
        st = tes_preview_window(slice, n * n, TES_PREVIEW_LOW_PERCENT, TES_PREVIEW_HIGH_PERCENT,
                                &low, &high);
    for (size_t k = 0; st == TES_OK && k < preview_count(job); ++k) {
        double c = job->first + (double)k * job->step;
        st = tes_center_trials_run(t, c, slices, NULL);
        if (st == TES_OK)
            st = write_preview(job, slice, n, low, high, c);
    }
    tes_array_destroy(&slices);
    tes_center_trials_destroy(&t);
    TES_CALL(st);
    tes_log(TES_LOG_INFO, "center: %zu previews (%.2f to %.2f px) in %s", preview_count(job),
            job->first, job->first + (double)(preview_count(job) - 1) * job->step, job->dir);
    return TES_OK;
}

/* ---- the command ------------------------------------------------------------------- */

static void print_result(const center_job *job, const tes_scan *s, const tes_center_result *r) {
    printf("center: %.2f\n", r->center + (double)s->col_begin);
    printf("  first estimate %.2f px from %s (%s %.3f)\n", r->coarse + (double)s->col_begin,
           tes_center_method_name(r->method),
           r->method == TES_CENTER_OPPOSING ? "mean correlation" : "fit R^2", r->coarse_quality);
    if (job->opt.refine)
        printf("  refined by trial reconstructions: sharpness contrast %.3f%s\n", r->confidence,
               r->at_edge ? " (at the end of the searched range: widen --search)" : "");
    if (s->col_begin)
        printf("  pixels from the detector's left edge (the crop starts at column %zu)\n",
               s->col_begin);
    fflush(stdout);
}

/* Rank 0's part: estimate, print, previews. */
static tes_status compute(center_job *job, const tes_scan *s, const tes_proj_geom *proj,
                          const tes_array *y) {
    tes_center_result res;
    TES_CALL(tes_center_estimate(proj, y, &job->opt, &res));
    print_result(job, s, &res);
    if (!job->dir)
        return TES_OK;
    if (!job->has_range) {
        double c = round(res.center / TES_CENTER_PREVIEW_STEP) * TES_CENTER_PREVIEW_STEP;
        job->first = c - TES_CENTER_PREVIEW_HALFWIDTH;
        job->last = c + TES_CENTER_PREVIEW_HALFWIDTH;
        job->step = TES_CENTER_PREVIEW_STEP;
    }
    TES_CALL(check_previews(job));
    TES_CALL(write_previews(job, proj, y, res.center));
    return TES_OK;
}

static tes_status run_center(const tes_cli_args *args, MPI_Comm comm) {
    center_job job;
    memset(&job, 0, sizeof job);
    TES_CALL(read_job(args, &job));
    int rank0 = tes_log_rank() == 0;
    tes_status st = TES_OK;
    if (job.has_range && rank0)
        st = check_previews(&job);
    TES_CALL(tes_status_agree(comm, st));
    tes_scan *scan = NULL;
    tes_array *y = NULL;
    tes_proj_geom *proj = NULL;
    st = load(args, &job, comm, rank0, &scan, &y, &proj);
    if (st == TES_OK && rank0)
        st = compute(&job, scan, proj, y);
    st = tes_status_agree(comm, st);
    tes_proj_geom_destroy(&proj);
    tes_array_destroy(&y);
    tes_scan_close(&scan);
    TES_CALL(st);
    return TES_OK;
}

const tes_cli_command tes_cli_center_command = {
    "center",
    "find the centre of rotation of a parallel-beam scan; previews over a range of centres",
    "tessera center FILE [--rows A:B] [--search PX] [--range A:B:STEP -o DIR] [--force] "
    "[scan options] [--backend B]",
    "Estimates the centre of rotation (pixels from the detector's left edge, 0-based) from "
    "a few detector rows (default: 3 around the middle; --rows chooses them): first from "
    "opposing views (theta and theta + 180 deg, mirrored and cross-correlated) or, without "
    "them, from the sinogram's symmetry (the sinusoid of the views' centres of mass); then "
    "refined by the sharpness of trial FBP reconstructions over +- --search pixels. Prints "
    "'center: C' and how it was found. With -o DIR, writes one PNG per centre of --range "
    "(the middle row's reconstruction, one grey window for all) to judge by eye.",
    center_sections,
    1,
    run_center,
};
