/* The job file's parser: inih reads the INI syntax, the handler checks each
 * key against the schema (jobs/job_schema.c) and stores its typed value.
 * inih's handler gets no line numbers in this build, so the parser feeds
 * inih itself, one line at a time, and counts them. */
#include "jobs/job.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/preprocess.h"
#include "jobs/job_schema.h"

#define TES_JOB_DEFAULT_ALGORITHM_ITERATIONS 50
#define TES_JOB_DEFAULT_SEED                 1
#define TES_JOB_DEFAULT_VOXEL_MM             1.0
#define TES_JOB_DEFAULT_CHECKPOINT_EVERY     10
#define TES_JOB_PARALLEL_RANGE_DEG           180.0
#define TES_JOB_CONE_RANGE_DEG               360.0
#define TES_JOB_OSEM_INITIAL_VALUE           1.0f
enum {
    TES_JOB_MESSAGE_BYTES = 512,
    TES_JOB_MAX_FILE_BYTES = 1 << 20, /* a job file is a few hundred bytes */
};

void tes_job_defaults(tes_job *job) {
    memset(job, 0, sizeof *job);
    job->input.format = TES_JOB_FORMAT_AUTO;
    job->input.values = TES_VALUES_AUTO;
    job->input.phantom = TES_JOB_PHANTOM_SHEPP_LOGAN;
    job->input.seed = TES_JOB_DEFAULT_SEED;

    tes_job_geometry *g = &job->geometry;
    g->kind = TES_GEOM_PARALLEL3D;
    g->voxel[0] = g->voxel[1] = g->voxel[2] = TES_JOB_DEFAULT_VOXEL_MM;
    g->center_col_mode = g->center_row_mode = TES_JOB_CENTER_MIDDLE;
    g->angles = TES_JOB_ANGLES_AUTO;
    g->angle_range = NAN;

    tes_preprocess_options pre = tes_preprocess_options_default();
    job->preprocess.row_end = job->preprocess.col_end = TES_SCAN_TO_END;
    job->preprocess.view_step = 1;
    job->preprocess.flat_floor = pre.flat_floor;
    job->preprocess.min_transmission = pre.min_transmission;

    tes_job_algorithm_options *a = &job->algorithm;
    a->name = TES_JOB_SIRT;
    a->iterations = TES_JOB_DEFAULT_ALGORITHM_ITERATIONS;
    a->relaxation = 1.0;
    a->min = -INFINITY;
    a->max = INFINITY;
    a->initial = TES_JOB_INITIAL_DEFAULT;
    tes_fbp_options fbp = tes_fbp_options_default();
    a->window = fbp.filter.window;
    a->cutoff = fbp.filter.cutoff;
    a->scan = fbp.scan;

    job->decomposition.backend = TES_JOB_BACKEND_AUTO;
    job->checkpoint.every = TES_JOB_DEFAULT_CHECKPOINT_EVERY;
}

/* ---- names ------------------------------------------------------------------------ */

const char *tes_job_format_name(tes_job_format f) {
    return tes_job_schema[K_INPUT_FORMAT].words[f];
}

const char *tes_job_algorithm_name(tes_job_algorithm a) {
    return tes_job_schema[K_ALG_NAME].words[a];
}

const char *tes_job_backend_name(tes_job_backend b) {
    return tes_job_schema[K_DEC_BACKEND].words[b];
}

const char *tes_job_key_name(size_t i, const char **section) {
    if (i >= TES_JOB_KEY_COUNT)
        return NULL;
    if (section)
        *section = tes_job_schema[i].section;
    return tes_job_schema[i].name;
}

int tes_job_iterative(const tes_job *job) {
    return job->algorithm.name != TES_JOB_FBP && job->algorithm.name != TES_JOB_FDK;
}

/* ---- the parser ------------------------------------------------------------------- */

typedef struct parse_state {
    tes_job *job;
    const char *name; /* the file, for messages */
    const char *pos;  /* next line of the text */
    int line;         /* lines fed to inih so far */
    int section_line; /* line of the last [section] header */
    tes_status st;    /* the first error */
} parse_state;

static int fail(parse_state *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(parse_state *ps, const char *fmt, ...) {
    if (ps->st != TES_OK)
        return 1;
    char msg[TES_JOB_MESSAGE_BYTES + TES_JOB_PATH_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ps->st = tes_error_set(TES_ERR_ARG, __FILE__, __LINE__, __func__, "%s", msg);
    return 1; /* inih goes on; only the first error is reported */
}

/* inih's fgets: one line of the text per call, counted. A line longer than
 * num, inih's line buffer (INI_MAX_LINE of the libinih build, 200 bytes in
 * Debian's), is an error: inih would cut it into two. */
static char *read_line(char *str, int num, void *stream) {
    parse_state *ps = stream;
    if (!*ps->pos)
        return NULL;
    const char *nl = strchr(ps->pos, '\n');
    size_t len = nl ? (size_t)(nl - ps->pos) + 1 : strlen(ps->pos);
    ++ps->line;
    if (len + 1 > (size_t)num) {
        fail(ps, "%s:%d: line longer than %d characters", ps->name, ps->line, num - 2);
        str[0] = '\0';
    } else {
        memcpy(str, ps->pos, len);
        str[len] = '\0';
        if (str[strspn(str, " \t")] == '[')
            ps->section_line = ps->line;
    }
    ps->pos += len;
    return str;
}

static int known_section(const char *section) {
    for (int i = 0; tes_job_sections[i]; ++i)
        if (!strcmp(section, tes_job_sections[i]))
            return 1;
    return 0;
}

/* The key's id in section, or -1. */
static int find_key(const char *section, const char *name) {
    for (int i = 0; i < TES_JOB_KEY_COUNT; ++i)
        if (!strcmp(tes_job_schema[i].section, section) && !strcmp(tes_job_schema[i].name, name))
            return i;
    return -1;
}

static int unknown_key(parse_state *ps, const char *section, const char *name) {
    const char *words[TES_JOB_KEY_COUNT];
    size_t n = 0;
    for (int i = 0; i < TES_JOB_KEY_COUNT; ++i) {
        if (strcmp(tes_job_schema[i].section, section) && !strcmp(tes_job_schema[i].name, name))
            return fail(ps, "%s:%d: [%s] %s: unknown key; '%s' belongs to section [%s]", ps->name,
                        ps->line, section, name, name, tes_job_schema[i].section);
        if (!strcmp(tes_job_schema[i].section, section))
            words[n++] = tes_job_schema[i].name;
    }
    return fail(ps, "%s:%d: [%s] %s: unknown key (did you mean '%s'?)", ps->name, ps->line, section,
                name, tes_job_closest(name, words, n));
}

static int handle(void *user, const char *section, const char *name, const char *value) {
    parse_state *ps = user;
    if (ps->st != TES_OK)
        return 1;
    if (!section[0])
        return fail(ps, "%s:%d: %s = %s: a key before any [section]", ps->name, ps->line, name,
                    value);
    if (!known_section(section)) {
        size_t n = 0;
        while (tes_job_sections[n])
            ++n;
        return fail(ps, "%s:%d: unknown section [%s] (did you mean [%s]?)", ps->name,
                    ps->section_line, section, tes_job_closest(section, tes_job_sections, n));
    }
    int id = find_key(section, name);
    if (id < 0)
        return unknown_key(ps, section, name);
    if (ps->job->line[id])
        return fail(ps, "%s:%d: [%s] %s: given twice (first on line %d)", ps->name, ps->line,
                    section, name, ps->job->line[id]);
    char buf[TES_JOB_MESSAGE_BYTES];
    const char *expected = "";
    if (tes_job_key_set(ps->job, &tes_job_schema[id], value, &expected, buf, sizeof buf) != TES_OK)
        return fail(ps, "%s:%d: [%s] %s = %s: expected %s", ps->name, ps->line, section, name,
                    value, expected);
    ps->job->line[id] = ps->line;
    return 1;
}

/* Defaults that follow from other keys and not from the data. */
static void resolve_defaults(tes_job *job) {
    tes_job_geometry *g = &job->geometry;
    if (isnan(g->angle_range))
        g->angle_range =
            g->kind == TES_GEOM_CONE3D ? TES_JOB_CONE_RANGE_DEG : TES_JOB_PARALLEL_RANGE_DEG;
    /* With [geometry] attributes, sod, odd and pixel may come from the
     * input file: tes_job_geometry_from_scan resolves the pixel. */
    if (g->pixel[0] == 0.0 && !g->attributes[0]) {
        double m = g->kind == TES_GEOM_CONE3D ? (g->sod + g->odd) / g->sod : 1.0;
        g->pixel[0] = g->voxel[0] * m;
        g->pixel[1] = g->voxel[2] * m;
    }
    tes_job_algorithm_options *a = &job->algorithm;
    if (a->initial == TES_JOB_INITIAL_DEFAULT && tes_job_iterative(job)) {
        int em = a->name == TES_JOB_OSEM || a->name == TES_JOB_MLEM;
        a->initial = em ? TES_JOB_INITIAL_CONSTANT : TES_JOB_INITIAL_ZEROS;
        if (em)
            a->initial_value = TES_JOB_OSEM_INITIAL_VALUE;
    }
    if (a->name == TES_JOB_MLEM)
        a->subsets = 1;
}

tes_status tes_job_parse_string(const char *text, const char *name, tes_job *job) {
    TES_CHECK(text && name && job, TES_ERR_ARG, "tes_job_parse_string: NULL argument");
    tes_job_defaults(job);
    TES_CHECK(strlen(name) < sizeof job->source, TES_ERR_ARG, "job file name too long: %s", name);
    strcpy(job->source, name);
    parse_state ps = {job, name, text, 0, 0, TES_OK};
    /* A process-wide inih setting: an indented line is a key of its own,
     * never the continuation of the value above it. */
    ini_allow_multiline = false;
    int rc = ini_parse_stream(read_line, &ps, handle, &ps);
    if (ps.st != TES_OK)
        return ps.st;
    TES_CHECK(rc != -2, TES_ERR_ALLOC, "%s: out of memory reading the job", name);
    TES_CHECK(rc == 0, TES_ERR_ARG,
              "%s:%d: expected 'key = value', a [section] header or a comment (';' or '#')", name,
              rc);
    TES_CALL(tes_job_validate(job));
    resolve_defaults(job);
    if (job->input.format == TES_JOB_FORMAT_SIMULATED)
        TES_CALL(
            tes_job_resolve(job, job->input.views, job->input.detector[0], job->input.detector[1]));
    return TES_OK;
}

tes_status tes_job_parse(const char *path, tes_job *job) {
    TES_CHECK(path && job, TES_ERR_ARG, "tes_job_parse: NULL argument");
    FILE *f = fopen(path, "rb");
    TES_CHECK(f, TES_ERR_ARG, "job file '%s': cannot open: %s", path, strerror(errno));
    char *text = malloc(TES_JOB_MAX_FILE_BYTES + 1);
    if (!text) {
        fclose(f);
        TES_FAIL(TES_ERR_ALLOC, "job file '%s': out of memory", path);
    }
    size_t n = fread(text, 1, TES_JOB_MAX_FILE_BYTES + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n > TES_JOB_MAX_FILE_BYTES || memchr(text, '\0', n)) {
        free(text);
        TES_CHECK(!bad, TES_ERR_IO, "job file '%s': read error", path);
        TES_FAIL(TES_ERR_ARG, "job file '%s': not a text file of at most %d bytes", path,
                 TES_JOB_MAX_FILE_BYTES);
    }
    text[n] = '\0';
    tes_status st = tes_job_parse_string(text, path, job);
    free(text);
    TES_CALL(st);
    return TES_OK;
}
