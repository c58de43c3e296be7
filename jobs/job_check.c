/* A job's consistency: required keys, keys that apply to some inputs,
 * geometries or algorithms only, and the checks against the data's shape.
 * Every message starts with where the key was set ("job.ini:12: "). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "jobs/job.h"
#include "jobs/job_schema.h"

#define TES_JOB_DEFAULT_SUBSETS 8
enum {
    TES_JOB_WHERE_BYTES = TES_JOB_PATH_BYTES + 32,     /* "FILE:LINE: " */
    TES_JOB_WHAT_BYTES = 3 * TES_JOB_PATH_BYTES + 256, /* a message with two paths */
};

/* Fail with "FILE:LINE: [section] key..." for key id unless cond holds. */
#define JOB_CHECK(cond, job, id, ...)                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            char where_[TES_JOB_WHERE_BYTES], what_[TES_JOB_WHAT_BYTES];                           \
            snprintf(what_, sizeof what_, __VA_ARGS__);                                            \
            TES_FAIL(TES_ERR_ARG, "%s[%s] %s", tes_job_where(job, id, where_, sizeof where_),      \
                     tes_job_schema[id].section, what_);                                           \
        }                                                                                          \
    } while (0)

/* Refuse every key of ids that the job file set: they do not apply, and why. */
static tes_status refuse_given(const tes_job *job, const tes_job_key_id *ids, size_t n,
                               const char *why) {
    for (size_t i = 0; i < n; ++i)
        JOB_CHECK(!tes_job_given(job, ids[i]), job, ids[i], "%s: %s", tes_job_schema[ids[i]].name,
                  why);
    return TES_OK;
}
#define REFUSE(job, why, ...)                                                                      \
    refuse_given(job, (const tes_job_key_id[]){__VA_ARGS__},                                       \
                 sizeof((const tes_job_key_id[]){__VA_ARGS__}) / sizeof(tes_job_key_id), why)

static tes_status check_input(const tes_job *job) {
    const tes_job_input *in = &job->input;
    if (in->format == TES_JOB_FORMAT_SIMULATED) {
        TES_CALL(REFUSE(job, "applies to a measured input file, not format = simulated",
                        K_INPUT_FILE, K_INPUT_DATA, K_INPUT_FLATS, K_INPUT_DARKS, K_INPUT_ANGLES,
                        K_INPUT_IMAGE_KEY, K_INPUT_VALUES, K_PRE_ROWS, K_PRE_COLS, K_PRE_VIEW_STEP,
                        K_PRE_FLAT_FLOOR, K_PRE_MIN_TRANSMISSION, K_GEOM_ATTRIBUTES));
        JOB_CHECK(in->views > 0, job, K_INPUT_VIEWS,
                  "views: required for format = simulated (the number of views)");
        JOB_CHECK(job->geometry.volume[0] > 0, job, K_GEOM_VOLUME,
                  "volume: required for format = simulated (N or NZ,NY,NX voxels)");
        JOB_CHECK(job->geometry.angles != TES_JOB_ANGLES_FILE, job, K_GEOM_ANGLES,
                  "angles = file: a simulated input has no file (use uniform)");
        JOB_CHECK(in->noise > 0.0 || !tes_job_given(job, K_INPUT_SEED), job, K_INPUT_SEED,
                  "seed: applies to noisy data only (give noise = PHOTONS)");
        return TES_OK;
    }
    JOB_CHECK(in->file[0], job, K_INPUT_FILE,
              "file: required (the scan to reconstruct), unless format = simulated");
    TES_CALL(REFUSE(job, "applies to format = simulated only", K_INPUT_PHANTOM, K_INPUT_VIEWS,
                    K_INPUT_DETECTOR, K_INPUT_NOISE, K_INPUT_SEED));
    if (in->format == TES_JOB_FORMAT_DXCHANGE)
        TES_CALL(REFUSE(job, "applies to format = nexus (Data Exchange has no image keys)",
                        K_INPUT_IMAGE_KEY));
    if (in->format == TES_JOB_FORMAT_NEXUS)
        TES_CALL(REFUSE(job,
                        "applies to format = dxchange (NeXus flats and darks are frames of data "
                        "chosen by image_key)",
                        K_INPUT_FLATS, K_INPUT_DARKS));
    if (in->values == TES_VALUES_LINE_INTEGRALS)
        TES_CALL(REFUSE(job, "line integrals need no flats, darks or log floor", K_INPUT_FLATS,
                        K_INPUT_DARKS, K_PRE_FLAT_FLOOR, K_PRE_MIN_TRANSMISSION));
    return TES_OK;
}

static tes_status check_geometry(const tes_job *job) {
    const tes_job_geometry *g = &job->geometry;
    if (g->kind == TES_GEOM_CONE3D)
        JOB_CHECK(g->sod > 0.0 || g->attributes[0], job, K_GEOM_SOD,
                  "sod: required for kind = cone3d (source to rotation axis distance, mm), "
                  "unless [geometry] attributes names where the input file gives it");
    else
        TES_CALL(REFUSE(job, "applies to kind = cone3d only", K_GEOM_SOD, K_GEOM_ODD));
    if (g->angles == TES_JOB_ANGLES_FILE)
        TES_CALL(REFUSE(job, "applies to angles = uniform (or auto), not angles = file",
                        K_GEOM_FIRST_ANGLE, K_GEOM_ANGLE_RANGE));
    if (g->angles_file[0])
        TES_CALL(REFUSE(job, "does not apply with angles_file (the angles are the file's)",
                        K_GEOM_ANGLES, K_GEOM_FIRST_ANGLE, K_GEOM_ANGLE_RANGE));
    return TES_OK;
}

static tes_status check_preprocess(const tes_job *job) {
    const tes_job_preprocess *p = &job->preprocess;
    JOB_CHECK(p->row_end == TES_SCAN_TO_END || p->row_begin < p->row_end, job, K_PRE_ROWS,
              "rows = %zu:%zu: an empty range", p->row_begin, p->row_end);
    JOB_CHECK(p->col_end == TES_SCAN_TO_END || p->col_begin < p->col_end, job, K_PRE_COLS,
              "cols = %zu:%zu: an empty range", p->col_begin, p->col_end);
    return TES_OK;
}

static tes_status check_direct(const tes_job *job) {
    const tes_job_algorithm_options *a = &job->algorithm;
    const char *name = tes_job_algorithm_name(a->name);
    tes_geom_kind needs = a->name == TES_JOB_FBP ? TES_GEOM_PARALLEL3D : TES_GEOM_CONE3D;
    JOB_CHECK(job->geometry.kind == needs, job, K_ALG_NAME,
              "name = %s: needs [geometry] kind = %s (use %s for %s)", name,
              tes_geom_kind_name(needs), a->name == TES_JOB_FBP ? "fdk" : "fbp",
              tes_geom_kind_name(job->geometry.kind));
    char why[TES_JOB_WHERE_BYTES];
    snprintf(why, sizeof why, "applies to the iterative algorithms, not name = %s", name);
    TES_CALL(REFUSE(job, why, K_ALG_ITERATIONS, K_ALG_TOLERANCE, K_ALG_RELAXATION, K_ALG_SUBSETS,
                    K_ALG_MIN, K_ALG_MAX, K_ALG_INITIAL, K_ALG_INITIAL_VALUE,
                    K_ALG_INITIAL_FILE, K_CKPT_FILE,
                    K_CKPT_EVERY, K_CKPT_KEEP));
    if (a->name == TES_JOB_FBP)
        TES_CALL(REFUSE(job, "applies to name = fdk (cone beams) only", K_ALG_SCAN));
    return TES_OK;
}

static tes_status check_iterative(const tes_job *job) {
    const tes_job_algorithm_options *a = &job->algorithm;
    const char *name = tes_job_algorithm_name(a->name);
    char why[TES_JOB_WHERE_BYTES];
    snprintf(why, sizeof why, "applies to name = sirt only, not %s", name);
    if (a->name != TES_JOB_SIRT)
        TES_CALL(REFUSE(job, why, K_ALG_RELAXATION, K_ALG_MIN, K_ALG_MAX));
    snprintf(why, sizeof why, "applies to name = osem only, not %s%s", name,
             a->name == TES_JOB_MLEM ? " (MLEM is OSEM with one subset)" : "");
    if (a->name != TES_JOB_OSEM)
        TES_CALL(REFUSE(job, why, K_ALG_SUBSETS));
    JOB_CHECK(a->min <= a->max, job, K_ALG_MAX, "max = %g is below min = %g: the box is empty",
              a->max, a->min);
    JOB_CHECK(a->initial == TES_JOB_INITIAL_CONSTANT || !tes_job_given(job, K_ALG_INITIAL_VALUE),
              job, K_ALG_INITIAL_VALUE, "initial_value: applies to initial = constant only");
    JOB_CHECK(a->initial == TES_JOB_INITIAL_FILE || !tes_job_given(job, K_ALG_INITIAL_FILE), job,
              K_ALG_INITIAL_FILE, "initial_file: applies to initial = file only");
    JOB_CHECK(a->initial != TES_JOB_INITIAL_FILE || a->initial_file[0], job, K_ALG_INITIAL,
              "initial = file: give initial_file = FILE[:/dataset] too (a volume of the job's "
              "shape, e.g. an earlier reconstruction)");
    if (a->initial != TES_JOB_INITIAL_FBP)
        TES_CALL(REFUSE(job, "applies to fbp, fdk and initial = fbp only", K_ALG_WINDOW,
                        K_ALG_CUTOFF, K_ALG_SCAN));
    else if (job->geometry.kind != TES_GEOM_CONE3D)
        TES_CALL(REFUSE(job, "applies to cone beams (fdk) only", K_ALG_SCAN));
    JOB_CHECK(job->checkpoint.file[0] || !tes_job_given(job, K_CKPT_EVERY), job, K_CKPT_EVERY,
              "every: give [checkpoint] file too");
    JOB_CHECK(job->checkpoint.file[0] || !tes_job_given(job, K_CKPT_KEEP), job, K_CKPT_KEEP,
              "keep: give [checkpoint] file too");
    return TES_OK;
}

/* Two paths name the same file ("out.h5" and "out.h5:/volume" do). */
static int same_file(const char *a, const char *b) {
    size_t la = strcspn(a, ":"), lb = strcspn(b, ":");
    return la == lb && la > 0 && !strncmp(a, b, la);
}

static tes_status check_output(const tes_job *job) {
    const tes_job_output *o = &job->output;
    JOB_CHECK(o->volume[0], job, K_OUT_VOLUME,
              "volume: required (the HDF5 file to write, FILE[:/dataset])");
    JOB_CHECK(!same_file(o->metrics, o->volume), job, K_OUT_METRICS,
              "metrics = %s: is the volume's file too", o->metrics);
    JOB_CHECK(!same_file(job->checkpoint.file, o->volume), job, K_CKPT_FILE,
              "file = %s: is the output volume's file too", job->checkpoint.file);
    JOB_CHECK(!same_file(job->checkpoint.file, job->input.file), job, K_CKPT_FILE,
              "file = %s: is the input file", job->checkpoint.file);
    JOB_CHECK(!same_file(o->volume, job->input.file), job, K_OUT_VOLUME,
              "volume = %s: is the input file", o->volume);
    return TES_OK;
}

tes_status tes_job_validate(const tes_job *job) {
    TES_CHECK(job, TES_ERR_ARG, "tes_job_validate: NULL job");
    TES_CALL(check_input(job));
    TES_CALL(check_geometry(job));
    TES_CALL(check_preprocess(job));
    if (tes_job_iterative(job))
        TES_CALL(check_iterative(job));
    else
        TES_CALL(check_direct(job));
    TES_CALL(check_output(job));
    return TES_OK;
}

/* ---- against the data ---------------------------------------------------------------- */

/* The crop [*begin, *end) of n detector rows or columns, checked. */
static tes_status crop(const tes_job *job, tes_job_key_id id, size_t n, const char *what,
                       size_t *begin, size_t *end) {
    *end = *end == TES_SCAN_TO_END ? n : *end;
    JOB_CHECK(*begin < n && *end <= n, job, id, "%s = %zu:%zu: the detector has %zu %s",
              tes_job_schema[id].name, *begin, *end, n, what);
    return TES_OK;
}

tes_status tes_job_resolve(tes_job *job, size_t views, size_t rows, size_t cols) {
    TES_CHECK(job && views > 0, TES_ERR_ARG, "tes_job_resolve: no job or no views");
    tes_job_preprocess *p = &job->preprocess;
    int simulated = job->input.format == TES_JOB_FORMAT_SIMULATED;
    if (simulated && rows == 0) {
        rows = job->geometry.volume[0];
        cols = job->geometry.volume[2];
        job->input.detector[0] = rows;
        job->input.detector[1] = cols;
    }
    size_t r0 = p->row_begin, r1 = p->row_end, c0 = p->col_begin, c1 = p->col_end;
    TES_CALL(crop(job, K_PRE_ROWS, rows, "rows", &r0, &r1));
    TES_CALL(crop(job, K_PRE_COLS, cols, "columns", &c0, &c1));
    size_t step = p->view_step ? p->view_step : 1;
    size_t read = (views + step - 1) / step;
    JOB_CHECK(step <= views, job, K_PRE_VIEW_STEP, "view_step = %zu: the input has %zu views", step,
              views);
    if (job->geometry.volume[0] == 0) {
        job->geometry.volume[0] = r1 - r0;
        job->geometry.volume[1] = job->geometry.volume[2] = c1 - c0;
    }
    tes_job_algorithm_options *a = &job->algorithm;
    if (a->name == TES_JOB_OSEM) {
        if (a->subsets == 0)
            a->subsets = read < TES_JOB_DEFAULT_SUBSETS ? read : TES_JOB_DEFAULT_SUBSETS;
        JOB_CHECK(a->subsets <= read, job, K_ALG_SUBSETS,
                  "subsets = %zu: more subsets than the %zu views read", a->subsets, read);
    }
    return TES_OK;
}
