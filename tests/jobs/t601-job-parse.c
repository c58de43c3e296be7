/* Job files: every error path (unknown section and key with the closest
 * one, bad values of each type, duplicates, missing keys, inconsistent
 * combinations), a full job and the defaults, the JSON of every key, the
 * hash, the data-shape checks, and every example in jobs/examples.
 * Usage: t601-job-parse EXAMPLES_DIR */
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobs/job.h"
#include "jobs/job_plan.h"
#include "testing.h"

enum { TEXT_BYTES = 4096 };

/* A small valid simulated job with extra lines appended under their sections. */
#define SIM_HEAD "[input]\nformat = simulated\nviews = 90\n"
#define SIM_GEOM "[geometry]\nvolume = 32\n"
#define SIM_OUT  "[output]\nvolume = out.h5\n"
#define SIM_JOB  SIM_HEAD SIM_GEOM SIM_OUT

static tes_job job;

static tes_status parse(const char *text) {
    return tes_job_parse_string(text, "job.ini", &job);
}

static void test_unknown_names(void) {
    EXPECT_ERROR(parse(SIM_JOB "[algoritm]\nname = sirt\n"), TES_ERR_ARG,
                 "job.ini:8: unknown section [algoritm] (did you mean [algorithm]?)");
    EXPECT_ERROR(parse(SIM_JOB "[algorithm]\niteration = 5\n"), TES_ERR_ARG,
                 "job.ini:9: [algorithm] iteration: unknown key (did you mean 'iterations'?)");
    EXPECT_ERROR(parse(SIM_JOB "[algorithm]\nvolume = 5\n"), TES_ERR_ARG,
                 "job.ini:9: [algorithm] volume: unknown key; 'volume' belongs to section "
                 "[geometry]");
    EXPECT_ERROR(parse("views = 3\n" SIM_JOB), TES_ERR_ARG,
                 "job.ini:1: views = 3: a key before any [section]");
    EXPECT_ERROR(parse(SIM_JOB "[algorithm\n"), TES_ERR_ARG, "job.ini:8: expected 'key = value'");
    EXPECT_ERROR(parse(SIM_JOB "just words\n"), TES_ERR_ARG, "job.ini:8: expected 'key = value'");
}

static void test_bad_values(void) {
    static const struct {
        const char *lines, *message;
    } cases[] = {
        {"[algorithm]\niterations = -3\n",
         "job.ini:9: [algorithm] iterations = -3: expected a positive integer"},
        {"[algorithm]\niterations = 2.5\n", "iterations = 2.5: expected a positive integer"},
        {"[algorithm]\nrelaxation = 2\n", "relaxation = 2: expected a number in (0, 2)"},
        {"[algorithm]\ntolerance = -1\n", "tolerance = -1: expected a number >= 0"},
        {"[algorithm]\ntolerance = nan\n", "tolerance = nan: expected a number >= 0"},
        {"[algorithm]\nname = art\n",
         "name = art: expected one of sirt, osem, mlem, cgls, fbp, fdk"},
        {"[algorithm]\nmin = low\n", "min = low: expected a finite number, or 'none'"},
        {"[output]\noverwrite = maybe\n", "overwrite = maybe: expected true or false"},
        {"[input]\nnoise = -5\n", "noise = -5: expected a number >= 0"},
        {"[input]\nseed = x\n", "seed = x: expected an integer >= 0"},
        {"[input]\ndetector = 4,4,4\n", "detector = 4,4,4: expected ROWS,COLS"},
        {"[geometry]\nvoxel = 0\n", "voxel = 0: expected MM or DZ,DY,DX"},
        {"[geometry]\nkind = fan\n", "kind = fan: expected one of parallel3d, cone3d"},
        {"[geometry]\ncenter_col = left\n", "center_col = left: expected a detector column"},
        {"[geometry]\ncenter_row = auto\n", "center_row = auto: expected a detector row"},
        {"[preprocess]\nrows = 5:3\n", "rows = 5:3: expected A:B"},
        {"[preprocess]\nview_step = 0\n", "view_step = 0: expected a positive integer"},
        {"[decomposition]\ngrid = 2x\n", "grid = 2x: expected PSxPV"},
        {"[decomposition]\nmem_per_rank = -1\n", "mem_per_rank = -1: expected a number > 0"},
        {"[decomposition]\nbackend = gpu\n", "backend = gpu: expected one of auto, cpu, cuda"},
        {"[decomposition]\nthreads = 0\n", "threads = 0: expected a positive integer up to 4096"},
        {"[checkpoint]\nevery = -1\n", "every = -1: expected an integer in [0, "},
    };
    char text[TEXT_BYTES];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        snprintf(text, sizeof text, "%s%s", SIM_JOB, cases[i].lines);
        EXPECT_ERROR(parse(text), TES_ERR_ARG, cases[i].message);
    }
    char path[TES_JOB_PATH_BYTES + 1];
    memset(path, 'a', TES_JOB_PATH_BYTES);
    path[TES_JOB_PATH_BYTES] = '\0';
    snprintf(text, sizeof text, SIM_HEAD SIM_GEOM "[output]\nvolume = %s\n", path);
    EXPECT_ERROR(parse(text), TES_ERR_ARG, "job.ini:7: line longer than");
}

static void test_duplicates_and_missing(void) {
    EXPECT_ERROR(parse(SIM_JOB "[algorithm]\niterations = 3\niterations = 4\n"), TES_ERR_ARG,
                 "job.ini:10: [algorithm] iterations: given twice (first on line 9)");
    EXPECT_ERROR(parse("[input]\nformat = dxchange\n" SIM_OUT), TES_ERR_ARG,
                 "job.ini: [input] file: required");
    EXPECT_ERROR(parse(SIM_HEAD SIM_GEOM), TES_ERR_ARG, "[output] volume: required");
    EXPECT_ERROR(parse("[input]\nformat = simulated\n" SIM_GEOM SIM_OUT), TES_ERR_ARG,
                 "[input] views: required for format = simulated");
    EXPECT_ERROR(parse(SIM_HEAD SIM_OUT), TES_ERR_ARG,
                 "[geometry] volume: required for format = simulated");
}

static void test_inconsistent(void) {
    static const struct {
        const char *text, *message;
    } cases[] = {
        {SIM_JOB "[algorithm]\nname = fbp\n[geometry]\nkind = cone3d\nsod = 100\n",
         "job.ini:9: [algorithm] name = fbp: needs [geometry] kind = parallel3d (use fdk"},
        {SIM_JOB "[algorithm]\nname = fdk\n", "name = fdk: needs [geometry] kind = cone3d"},
        {SIM_JOB "[algorithm]\nname = fbp\niterations = 3\n",
         "job.ini:10: [algorithm] iterations: applies to the iterative algorithms, not name = fbp"},
        {SIM_JOB "[algorithm]\nname = osem\nsubsets = 91\n",
         "job.ini:10: [algorithm] subsets = 91: more subsets than the 90 views read"},
        {SIM_JOB "[algorithm]\nname = cgls\nrelaxation = 1.5\n",
         "relaxation: applies to name = sirt only, not cgls"},
        {SIM_JOB "[algorithm]\nname = mlem\nsubsets = 4\n", "(MLEM is OSEM with one subset)"},
        {SIM_JOB "[algorithm]\nmin = 2\nmax = 1\n", "max = 1 is below min = 2"},
        {SIM_JOB "[algorithm]\ninitial_value = 3\n",
         "initial_value: applies to initial = constant only"},
        {SIM_JOB "[algorithm]\nwindow = hann\n", "window: applies to fbp, fdk and initial = fbp"},
        {SIM_JOB "[geometry]\nsod = 100\n", "[geometry] sod: applies to kind = cone3d only"},
        {SIM_HEAD "[geometry]\nvolume = 32\nkind = cone3d\n" SIM_OUT,
         "sod: required for kind = cone3d"},
        {SIM_JOB "[input]\nseed = 3\n", "seed: applies to noisy data only"},
        {SIM_JOB "[input]\nfile = a.h5\n", "file: applies to a measured input file"},
        {SIM_JOB "[preprocess]\nrows = 0:2\n", "rows: applies to a measured input file"},
        {"[input]\nfile = a.h5\nviews = 3\n" SIM_OUT, "views: applies to format = simulated only"},
        {"[input]\nfile = a.h5\nformat = nexus\nflats = /f\n" SIM_OUT,
         "flats: applies to format = dxchange"},
        {SIM_JOB "[checkpoint]\nevery = 3\n", "every: give [checkpoint] file too"},
        {SIM_JOB "[output]\nmetrics = out.h5\n", "metrics = out.h5: is the volume's file too"},
        {SIM_JOB "[geometry]\nangles = file\n", "angles = file: a simulated input has no file"},
        {SIM_JOB "[algorithm]\ninitial_file = a.h5\n",
         "initial_file: applies to initial = file only"},
        {SIM_JOB "[algorithm]\ninitial = file\n", "initial = file: give initial_file"},
        {SIM_JOB "[algorithm]\nname = fbp\ninitial_file = a.h5\n",
         "initial_file: applies to the iterative algorithms, not name = fbp"},
        {"[input]\nfile = a.h5\n[geometry]\nangles_file = a.txt\nangles = uniform\n" SIM_OUT,
         "angles: does not apply with angles_file"},
        {"[input]\nfile = a.h5\n[geometry]\nangles_file = a.txt\nfirst_angle = 3\n" SIM_OUT,
         "first_angle: does not apply with angles_file"},
        {SIM_JOB "[geometry]\nattributes = /geometry\n",
         "attributes: applies to a measured input file"},
        {"[input]\nfile = a.h5\n[geometry]\nkind = cone3d\n" SIM_OUT,
         "unless [geometry] attributes names where the input file gives it"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i)
        EXPECT_ERROR(parse(cases[i].text), TES_ERR_ARG, cases[i].message);
}

static void test_full_job(void) {
    const char *text = "; a full job\n"
                       "[input]\nfile = scan.nxs\nformat = nexus\ndata = /entry/data\n"
                       "image_key = /entry/key\nangles = /entry/theta\nvalues = counts\n"
                       "[geometry]\nkind = cone3d\nvolume = 8,16,24\nvoxel = 0.5\n"
                       "pixel = 0.2,0.3\ncenter_col = 296.5\ncenter_row = middle\n"
                       "sod = 400\nodd = 100\noffset_u = 1.5\noffset_v = -2\nangles = uniform\n"
                       "first_angle = 10\nangle_range = 200\nshifts = shifts.txt\n"
                       "[preprocess]\nrows = 2:10\ncols = 5:\nview_step = 2\nflat_floor = 2\n"
                       "min_transmission = 1e-5\n"
                       "[algorithm]\nname = osem\niterations = 7\ntolerance = 1e-4\n"
                       "subsets = 4\ninitial = fbp\nwindow = hamming\ncutoff = 0.8\n"
                       "scan = short\n"
                       "[decomposition]\ngrid = 2x3\nmem_per_rank = 1024\nbackend = cpu\n"
                       "threads = 4\n"
                       "[output]\nvolume = out.h5:/vol\noverwrite = yes\ntiff = tiffs\n"
                       "previews = prev\nmetrics = m.jsonl\n"
                       "[checkpoint]\nfile = ck.h5\nevery = 3\nkeep = true\n";
    if (!EXPECT_OK(parse(text)))
        return;
    EXPECT(!strcmp(job.input.file, "scan.nxs") && job.input.format == TES_JOB_FORMAT_NEXUS,
           "input file/format");
    EXPECT(!strcmp(job.input.image_key, "/entry/key") && job.input.values == TES_VALUES_COUNTS,
           "image_key/values");
    const tes_job_geometry *g = &job.geometry;
    EXPECT(g->kind == TES_GEOM_CONE3D && g->volume[0] == 8 && g->volume[1] == 16 &&
               g->volume[2] == 24,
           "kind/volume");
    EXPECT(g->voxel[0] == 0.5 && g->voxel[2] == 0.5 && g->pixel[0] == 0.2 && g->pixel[1] == 0.3,
           "voxel/pixel");
    EXPECT(g->center_col_mode == TES_JOB_CENTER_VALUE && g->center_col == 296.5 &&
               g->center_row_mode == TES_JOB_CENTER_MIDDLE,
           "centres");
    EXPECT(g->sod == 400 && g->odd == 100 && g->offset_u == 1.5 && g->offset_v == -2, "distances");
    EXPECT(g->angles == TES_JOB_ANGLES_UNIFORM && g->first_angle == 10 && g->angle_range == 200,
           "angles");
    const tes_job_preprocess *p = &job.preprocess;
    EXPECT(p->row_begin == 2 && p->row_end == 10 && p->col_begin == 5 &&
               p->col_end == TES_SCAN_TO_END && p->view_step == 2,
           "crop %zu:%zu %zu:%zu", p->row_begin, p->row_end, p->col_begin, p->col_end);
    EXPECT(p->flat_floor == 2 && p->min_transmission == 1e-5, "preprocess numbers");
    const tes_job_algorithm_options *a = &job.algorithm;
    EXPECT(a->name == TES_JOB_OSEM && a->iterations == 7 && a->tolerance == 1e-4 &&
               a->subsets == 4 && a->initial == TES_JOB_INITIAL_FBP,
           "algorithm");
    EXPECT(a->window == TES_WINDOW_HAMMING && a->cutoff == 0.8 && a->scan == TES_FBP_SCAN_SHORT,
           "filter");
    const tes_job_decomposition *d = &job.decomposition;
    EXPECT(d->p_slab == 2 && d->p_view == 3 && d->mem_per_rank == 1024 &&
               d->backend == TES_JOB_BACKEND_CPU && d->threads == 4,
           "decomposition");
    EXPECT(!strcmp(job.output.volume, "out.h5:/vol") && job.output.overwrite &&
               !strcmp(job.output.tiff, "tiffs") && !strcmp(job.output.previews, "prev") &&
               !strcmp(job.output.metrics, "m.jsonl"),
           "output");
    EXPECT(!strcmp(job.checkpoint.file, "ck.h5") && job.checkpoint.every == 3 &&
               job.checkpoint.keep,
           "checkpoint");
    EXPECT(job.line[0] == 3, "line of [input] file: %d", job.line[0]);

    /* The data's shape: crops within the detector, subsets at most the views read. */
    tes_job copy = job;
    EXPECT_ERROR(tes_job_resolve(&copy, 100, 8, 40), TES_ERR_ARG,
                 "job.ini:25: [preprocess] rows = 2:10: the detector has 8 rows");
    copy = job;
    EXPECT_ERROR(tes_job_resolve(&copy, 5, 20, 40), TES_ERR_ARG,
                 "subsets = 4: more subsets than the 3 views read");
    copy = job;
    EXPECT_OK(tes_job_resolve(&copy, 100, 20, 40));
}

static void test_defaults(void) {
    tes_job d;
    tes_job_defaults(&d);
    EXPECT(d.algorithm.name == TES_JOB_SIRT && d.algorithm.iterations == 50 &&
               d.algorithm.relaxation == 1.0 && isinf(d.algorithm.min) && isinf(d.algorithm.max),
           "algorithm defaults");
    EXPECT(d.geometry.kind == TES_GEOM_PARALLEL3D && d.geometry.voxel[1] == 1.0 &&
               isnan(d.geometry.angle_range) && d.input.seed == 1 && d.preprocess.view_step == 1,
           "geometry and input defaults");
    EXPECT(d.decomposition.p_slab == 0 && d.decomposition.backend == TES_JOB_BACKEND_AUTO &&
               d.checkpoint.every == 10 && !d.output.overwrite,
           "decomposition/checkpoint defaults");
    if (!EXPECT_OK(parse(SIM_JOB)))
        return;
    /* Resolved from other keys: angle range, pixel, initial volume, detector. */
    EXPECT(job.geometry.angle_range == 180.0, "angle_range %g", job.geometry.angle_range);
    EXPECT(job.geometry.pixel[0] == 1.0 && job.geometry.pixel[1] == 1.0, "pixel");
    EXPECT(job.algorithm.initial == TES_JOB_INITIAL_ZEROS, "initial");
    EXPECT(job.input.detector[0] == 32 && job.input.detector[1] == 32, "detector");
    if (EXPECT_OK(parse(SIM_JOB "[algorithm]\nname = osem\n"))) {
        EXPECT(job.algorithm.subsets == 8, "osem subsets %zu", job.algorithm.subsets);
        EXPECT(job.algorithm.initial == TES_JOB_INITIAL_CONSTANT &&
                   job.algorithm.initial_value == 1.0,
               "osem starts at 1");
    }
    /* An indented key is a key, inline ';' comments are dropped. */
    if (EXPECT_OK(parse(SIM_JOB "[algorithm]\n  iterations = 5 ; five\n")))
        EXPECT(job.algorithm.iterations == 5, "indented key: %d", job.algorithm.iterations);
    if (EXPECT_OK(parse(SIM_JOB "[geometry]\nkind = cone3d\nsod = 300\nodd = 100\n")))
        EXPECT(fabs(job.geometry.pixel[1] - 4.0 / 3.0) < 1e-12 && job.geometry.angle_range == 360.0,
               "cone pixel %g, range %g", job.geometry.pixel[1], job.geometry.angle_range);
    /* every = 0: checkpoints only when a signal asks for one. */
    if (EXPECT_OK(parse(SIM_JOB "[checkpoint]\nfile = ck.h5\nevery = 0\n")))
        EXPECT(job.checkpoint.every == 0, "checkpoint every %d", job.checkpoint.every);
}

static void test_json(void) {
    if (!EXPECT_OK(parse(SIM_JOB "[algorithm]\nname = osem\n")))
        return;
    char *text = NULL;
    if (!EXPECT_OK(tes_job_to_json(&job, &text)))
        return;
    json_error_t err;
    json_t *root = json_loads(text, 0, &err);
    EXPECT(root, "JSON does not load: %s", err.text);
    const char *section = NULL, *name = NULL;
    for (size_t i = 0; root && (name = tes_job_key_name(i, &section)); ++i)
        EXPECT(json_object_get(json_object_get(root, section), name), "JSON lacks [%s] %s", section,
               name);
    EXPECT(root && json_integer_value(
                       json_object_get(json_object_get(root, "algorithm"), "subsets")) == 8,
           "resolved subsets in JSON");
    EXPECT(root && !strcmp(json_string_value(
                               json_object_get(json_object_get(root, "algorithm"), "min")),
                           "none"),
           "min none");
    json_decref(root);
    free(text);
}

static uint64_t hash_of(const char *extra) {
    char text[TEXT_BYTES];
    snprintf(text, sizeof text, "%s%s", SIM_JOB, extra);
    if (!EXPECT_OK(parse(text)))
        return 0;
    return tes_job_hash(&job);
}

static void test_hash(void) {
    uint64_t base = hash_of("");
    EXPECT(base == hash_of(""), "the hash is stable");
    EXPECT(base != hash_of("[algorithm]\nrelaxation = 1.5\n"), "relaxation changes the hash");
    EXPECT(base != hash_of("[geometry]\ncenter_col = 16.5\n"), "center_col changes the hash");
    EXPECT(base != hash_of("[input]\nnoise = 1e4\n"), "noise changes the hash");
    EXPECT(base == hash_of("[output]\nmetrics = m.jsonl\n"), "metrics leaves the hash");
    EXPECT(base == hash_of("[algorithm]\niterations = 500\n"), "iterations leave the hash");
    EXPECT(base == hash_of("[decomposition]\ngrid = 1x1\nbackend = cpu\n"),
           "the grid and backend leave the hash");
    EXPECT(base == hash_of("[checkpoint]\nfile = ck.h5\n"), "checkpoints leave the hash");
}

/* The bridges: scan options, the geometries (centre on the stored detector). */
static void test_bridges(void) {
    if (!EXPECT_OK(parse("[input]\nfile = a.h5\n[geometry]\ncenter_col = 20\n"
                         "[preprocess]\ncols = 4:36\nview_step = 3\n" SIM_OUT)))
        return;
    tes_scan_options so = tes_job_scan_options(&job);
    EXPECT(so.col_begin == 4 && so.col_end == 36 && so.view_step == 3 && !so.paths.data,
           "scan options");
    EXPECT_OK(tes_job_resolve(&job, 30, 10, 40));
    tes_vol_geom vol;
    tes_proj_geom *g = NULL;
    if (EXPECT_OK(tes_job_vol_geom(&job, &vol)) &&
        EXPECT_OK(tes_job_proj_geom(&job, &vol, 10, 10, 32, NULL, &g))) {
        EXPECT(vol.nz == 10 && vol.nx == 32, "auto volume %zu %zu", vol.nz, vol.nx);
        EXPECT(g->center_col == 16.0, "centre in the crop: %g", g->center_col);
        EXPECT(fabs(g->angles[1] - M_PI / 10) < 1e-12, "uniform angles");
    }
    tes_proj_geom_destroy(&g);

    /* [geometry] angles_file: one angle per projection of the file (30),
     * every third taken with view_step = 3; a count that does not fit is
     * refused with the numbers. */
    char angles[] = "/tmp/t601-angles-XXXXXX";
    int fd = mkstemp(angles);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    EXPECT(f, "cannot create %s", angles);
    if (f) {
        fprintf(f, "# degrees\n");
        for (int i = 0; i < 30; ++i)
            fprintf(f, "%g\n", 1.5 * i * i);
        fclose(f);
        char text[512];
        snprintf(text, sizeof text,
                 "[input]\nfile = a.h5\n[geometry]\nangles_file = %s\n"
                 "[preprocess]\nview_step = 3\n" SIM_OUT,
                 angles);
        if (EXPECT_OK(parse(text)) && EXPECT_OK(tes_job_resolve(&job, 30, 10, 40)) &&
            EXPECT_OK(tes_job_vol_geom(&job, &vol)) &&
            EXPECT_OK(tes_job_proj_geom(&job, &vol, 10, 10, 40, NULL, &g)))
            EXPECT(fabs(g->angles[2] - 1.5 * 36 * M_PI / 180) < 1e-12 &&
                       fabs(g->angles[9] - 1.5 * 729 * M_PI / 180) < 1e-12,
                   "angles_file: view 2 at %g rad, view 9 at %g rad", g->angles[2], g->angles[9]);
        tes_proj_geom_destroy(&g);
        EXPECT_ERROR(tes_job_proj_geom(&job, &vol, 9, 10, 40, NULL, &g), TES_ERR_INPUT,
                     "holds 30 angles, but the input has 9 views read (with view_step");
        unlink(angles);
    }

    tes_solver_algorithm alg;
    tes_solver_options opt;
    if (EXPECT_OK(parse(SIM_JOB "[algorithm]\nname = osem\nsubsets = 5\n")) &&
        EXPECT_OK(tes_job_solver_options(&job, &alg, &opt)))
        EXPECT(alg == TES_SOLVER_OSEM && opt.subsets == 5 && opt.init == TES_SOLVER_INIT_CONSTANT &&
                   opt.init_value == 1.0f,
               "solver options");
}

/* Every example parses (their data files are not opened). */
static void test_examples(const char *dir) {
    DIR *d = opendir(dir);
    EXPECT(d, "cannot open %s", dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 4, ".ini"))
            continue;
        char path[TEXT_BYTES];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        EXPECT(tes_job_parse(path, &job) == TES_OK, "%s: %s", path, tes_error_message());
        ++n;
    }
    if (d)
        closedir(d);
    EXPECT(n >= 5, "found %d examples in %s", n, dir);
    EXPECT_ERROR(tes_job_parse("no-such-job.ini", &job), TES_ERR_ARG,
                 "job file 'no-such-job.ini': cannot open");
}

int main(int argc, char **argv) {
    test_unknown_names();
    test_bad_values();
    test_duplicates_and_missing();
    test_inconsistent();
    test_full_job();
    test_defaults();
    test_json();
    test_hash();
    test_bridges();
    test_examples(argc > 1 ? argv[1] : "jobs/examples");
    return tes_test_finish("t601-job-parse");
}
