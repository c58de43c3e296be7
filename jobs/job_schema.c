#include "jobs/job_schema.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TES_JOB_SIRT_RELAXATION_LIMIT 2.0
#define TES_JOB_MAX_ITERATIONS        1e6
#define TES_JOB_MAX_THREADS           4096.0
#define TES_JOB_MAX_COUNT             1e15   /* any count past this is a typo */
#define TES_JOB_MAX_SEED              9.2e18 /* below INT64_MAX: JSON integers are signed */

_Static_assert(sizeof(tes_job_format) == sizeof(int) && sizeof(tes_scan_values) == sizeof(int) &&
                   sizeof(tes_geom_kind) == sizeof(int) && sizeof(tes_filter_window) == sizeof(int),
               "enum keys are stored as int");
_Static_assert((int)TES_JOB_KEY_COUNT <= (int)TES_JOB_MAX_KEYS, "tes_job.line holds every key");

enum { TES_JOB_NUMBER_BYTES = 64 };

static const char *const format_words[] = {"auto", "dxchange", "nexus", "simulated", NULL};
static const char *const values_words[] = {"auto", "counts", "line-integrals", NULL};
static const char *const phantom_words[] = {"shepp-logan", NULL};
static const char *const kind_words[] = {"parallel3d", "cone3d", NULL};
static const char *const col_center_words[] = {"middle", NULL, "auto", NULL};
static const char *const row_center_words[] = {"middle", NULL, NULL, NULL};
static const char *const angles_words[] = {"auto", "file", "uniform", NULL};
static const char *const algorithm_words[] = {"sirt", "osem", "mlem", "cgls", "fbp", "fdk", NULL};
static const char *const initial_words[] = {"auto", "zeros", "constant", "fbp", "file", NULL};
static const char *const window_words[] = {"ram-lak", "shepp-logan", "cosine",
                                           "hamming", "hann",        NULL};
static const char *const scan_words[] = {"auto", "full", "short", NULL};
static const char *const backend_words[] = {"auto", "cpu", "cuda", NULL};

const char *const tes_job_sections[] = {"input",         "geometry", "preprocess", "algorithm",
                                        "decomposition", "output",   "checkpoint", NULL};

#define OFF(field) offsetof(tes_job, field)
#define PATH(sec, key, field, rel)                                                                 \
    { sec, key, TES_KEY_PATH, OFF(field), 0, NULL, 0, 0, 0, 0, 0, NULL, 0, rel, NULL }
#define ENUM(sec, key, field, words, rel)                                                          \
    { sec, key, TES_KEY_ENUM, OFF(field), 0, words, 0, 0, 0, 0, 0, NULL, 0, rel, NULL }
#define BOOL(sec, key, field)                                                                      \
    { sec, key, TES_KEY_BOOL, OFF(field), 0, NULL, 0, 1, 0, 0, 0, NULL, 0, 0, NULL }

const tes_job_key tes_job_schema[TES_JOB_KEY_COUNT] = {
    [K_INPUT_FILE] = PATH("input", "file", input.file, 1),
    [K_INPUT_FORMAT] = ENUM("input", "format", input.format, format_words, 1),
    [K_INPUT_DATA] = PATH("input", "data", input.data, 1),
    [K_INPUT_FLATS] = PATH("input", "flats", input.flats, 1),
    [K_INPUT_DARKS] = PATH("input", "darks", input.darks, 1),
    [K_INPUT_ANGLES] = PATH("input", "angles", input.angles, 1),
    [K_INPUT_IMAGE_KEY] = PATH("input", "image_key", input.image_key, 1),
    [K_INPUT_VALUES] = ENUM("input", "values", input.values, values_words, 1),
    [K_INPUT_PHANTOM] = ENUM("input", "phantom", input.phantom, phantom_words, 1),
    [K_INPUT_VIEWS] = {"input", "views", TES_KEY_COUNT, OFF(input.views), 0, NULL, 1,
                       TES_JOB_MAX_COUNT, 0, 0, 0, "auto", 0, 1, NULL},
    [K_INPUT_DETECTOR] = {"input", "detector", TES_KEY_SIZES, OFF(input.detector), 0, NULL, 1,
                          TES_JOB_MAX_COUNT, 0, 0, 2, "auto", 0, 1,
                          "ROWS,COLS pixels (positive integers), or 'auto'"},
    [K_INPUT_NOISE] = {"input", "noise", TES_KEY_REAL, OFF(input.noise), 0, NULL, 0, INFINITY, 0, 1,
                       0, NULL, 0, 1, NULL},
    [K_INPUT_SEED] = {"input", "seed", TES_KEY_U64, OFF(input.seed), 0, NULL, 0, TES_JOB_MAX_SEED,
                      0, 0, 0, NULL, 0, 1, NULL},

    [K_GEOM_KIND] = ENUM("geometry", "kind", geometry.kind, kind_words, 1),
    [K_GEOM_VOLUME] = {"geometry", "volume", TES_KEY_SIZES, OFF(geometry.volume), 0, NULL, 1,
                       TES_JOB_MAX_COUNT, 0, 0, 3, "auto", 0, 1,
                       "N or NZ,NY,NX voxels (positive integers), or 'auto'"},
    [K_GEOM_VOXEL] = {"geometry", "voxel", TES_KEY_REALS, OFF(geometry.voxel), 0, NULL, 0, INFINITY,
                      1, 1, 3, NULL, 0, 1, "MM or DZ,DY,DX (numbers > 0, mm)"},
    [K_GEOM_PIXEL] = {"geometry", "pixel", TES_KEY_REALS, OFF(geometry.pixel), 0, NULL, 0, INFINITY,
                      1, 1, 2, "auto", 0, 1, "MM or PV,PU (numbers > 0, mm), or 'auto'"},
    [K_GEOM_CENTER_COL] = {"geometry", "center_col", TES_KEY_CENTER, OFF(geometry.center_col_mode),
                           OFF(geometry.center_col), col_center_words, -INFINITY, INFINITY, 1, 1, 0,
                           NULL, 0, 1,
                           "a detector column (pixels from the left edge, 0-based), 'middle' or "
                           "'auto'"},
    [K_GEOM_CENTER_ROW] = {"geometry", "center_row", TES_KEY_CENTER, OFF(geometry.center_row_mode),
                           OFF(geometry.center_row), row_center_words, -INFINITY, INFINITY, 1, 1, 0,
                           NULL, 0, 1, "a detector row (pixels, 0-based) or 'middle'"},
    [K_GEOM_SOD] = {"geometry", "sod", TES_KEY_REAL, OFF(geometry.sod), 0, NULL, 0, INFINITY, 1, 1,
                    0, NULL, 0, 1, NULL},
    [K_GEOM_ODD] = {"geometry", "odd", TES_KEY_REAL, OFF(geometry.odd), 0, NULL, 0, INFINITY, 0, 1,
                    0, NULL, 0, 1, NULL},
    [K_GEOM_OFFSET_U] = {"geometry", "offset_u", TES_KEY_REAL, OFF(geometry.offset_u), 0, NULL,
                         -INFINITY, INFINITY, 1, 1, 0, NULL, 0, 1, NULL},
    [K_GEOM_OFFSET_V] = {"geometry", "offset_v", TES_KEY_REAL, OFF(geometry.offset_v), 0, NULL,
                         -INFINITY, INFINITY, 1, 1, 0, NULL, 0, 1, NULL},
    [K_GEOM_ANGLES] = ENUM("geometry", "angles", geometry.angles, angles_words, 1),
    [K_GEOM_FIRST_ANGLE] = {"geometry", "first_angle", TES_KEY_REAL, OFF(geometry.first_angle), 0,
                            NULL, -INFINITY, INFINITY, 1, 1, 0, NULL, 0, 1, NULL},
    [K_GEOM_ANGLE_RANGE] = {"geometry", "angle_range", TES_KEY_REAL, OFF(geometry.angle_range), 0,
                            NULL, 0, INFINITY, 1, 1, 0, "auto", NAN, 1, NULL},
    [K_GEOM_ANGLES_FILE] = PATH("geometry", "angles_file", geometry.angles_file, 1),
    [K_GEOM_SHIFTS] = PATH("geometry", "shifts", geometry.shifts, 1),
    [K_GEOM_ATTRIBUTES] = PATH("geometry", "attributes", geometry.attributes, 1),

    [K_PRE_ROWS] = {"preprocess", "rows", TES_KEY_RANGE, OFF(preprocess.row_begin),
                    OFF(preprocess.row_end), NULL, 0, 0, 0, 0, 0, "all", 0, 1,
                    "A:B, detector rows [A, B) with A < B (either end may be left out), or "
                    "'all'"},
    [K_PRE_COLS] = {"preprocess", "cols", TES_KEY_RANGE, OFF(preprocess.col_begin),
                    OFF(preprocess.col_end), NULL, 0, 0, 0, 0, 0, "all", 0, 1,
                    "A:B, detector columns [A, B) with A < B (either end may be left out), or "
                    "'all'"},
    [K_PRE_VIEW_STEP] = {"preprocess", "view_step", TES_KEY_COUNT, OFF(preprocess.view_step), 0,
                         NULL, 1, TES_JOB_MAX_COUNT, 0, 0, 0, NULL, 0, 1, NULL},
    [K_PRE_FLAT_FLOOR] = {"preprocess", "flat_floor", TES_KEY_REAL, OFF(preprocess.flat_floor), 0,
                          NULL, 0, INFINITY, 1, 1, 0, NULL, 0, 1, NULL},
    [K_PRE_MIN_TRANSMISSION] = {"preprocess", "min_transmission", TES_KEY_REAL,
                                OFF(preprocess.min_transmission), 0, NULL, 0, 1, 1, 0, 0, NULL, 0,
                                1, NULL},

    [K_ALG_NAME] = ENUM("algorithm", "name", algorithm.name, algorithm_words, 1),
    [K_ALG_ITERATIONS] = {"algorithm", "iterations", TES_KEY_INT, OFF(algorithm.iterations), 0,
                          NULL, 1, TES_JOB_MAX_ITERATIONS, 0, 0, 0, NULL, 0, 0, NULL},
    [K_ALG_TOLERANCE] = {"algorithm", "tolerance", TES_KEY_REAL, OFF(algorithm.tolerance), 0, NULL,
                         0, INFINITY, 0, 1, 0, NULL, 0, 0, NULL},
    [K_ALG_RELAXATION] = {"algorithm", "relaxation", TES_KEY_REAL, OFF(algorithm.relaxation), 0,
                          NULL, 0, TES_JOB_SIRT_RELAXATION_LIMIT, 1, 1, 0, NULL, 0, 1, NULL},
    [K_ALG_SUBSETS] = {"algorithm", "subsets", TES_KEY_COUNT, OFF(algorithm.subsets), 0, NULL, 1,
                       TES_JOB_MAX_COUNT, 0, 0, 0, "auto", 0, 1, NULL},
    [K_ALG_MIN] = {"algorithm", "min", TES_KEY_REAL, OFF(algorithm.min), 0, NULL, -INFINITY,
                   INFINITY, 1, 1, 0, "none", -INFINITY, 1, NULL},
    [K_ALG_MAX] = {"algorithm", "max", TES_KEY_REAL, OFF(algorithm.max), 0, NULL, -INFINITY,
                   INFINITY, 1, 1, 0, "none", INFINITY, 1, NULL},
    [K_ALG_INITIAL] = ENUM("algorithm", "initial", algorithm.initial, initial_words, 1),
    [K_ALG_INITIAL_VALUE] = {"algorithm", "initial_value", TES_KEY_REAL,
                             OFF(algorithm.initial_value), 0, NULL, -INFINITY, INFINITY, 1, 1, 0,
                             NULL, 0, 1, NULL},
    [K_ALG_INITIAL_FILE] = PATH("algorithm", "initial_file", algorithm.initial_file, 1),
    [K_ALG_WINDOW] = ENUM("algorithm", "window", algorithm.window, window_words, 1),
    [K_ALG_CUTOFF] = {"algorithm", "cutoff", TES_KEY_REAL, OFF(algorithm.cutoff), 0, NULL, 0, 1, 1,
                      0, 0, NULL, 0, 1, NULL},
    [K_ALG_SCAN] = ENUM("algorithm", "scan", algorithm.scan, scan_words, 1),

    [K_DEC_GRID] = {"decomposition", "grid", TES_KEY_GRID, OFF(decomposition.p_slab),
                    OFF(decomposition.p_view), NULL, 1, INT32_MAX, 0, 0, 0, "auto", 0, 0,
                    "PSxPV, slabs x view groups as positive integers (e.g. 2x4), or 'auto'"},
    [K_DEC_MEM_PER_RANK] = {"decomposition", "mem_per_rank", TES_KEY_REAL,
                            OFF(decomposition.mem_per_rank), 0, NULL, 0, INFINITY, 1, 1, 0, "none",
                            0, 0, NULL},
    [K_DEC_BACKEND] = ENUM("decomposition", "backend", decomposition.backend, backend_words, 0),
    [K_DEC_THREADS] = {"decomposition", "threads", TES_KEY_INT, OFF(decomposition.threads), 0, NULL,
                       1, TES_JOB_MAX_THREADS, 0, 0, 0, "auto", 0, 0, NULL},

    [K_OUT_VOLUME] = PATH("output", "volume", output.volume, 0),
    [K_OUT_OVERWRITE] = BOOL("output", "overwrite", output.overwrite),
    [K_OUT_TIFF] = PATH("output", "tiff", output.tiff, 0),
    [K_OUT_PREVIEWS] = PATH("output", "previews", output.previews, 0),
    [K_OUT_METRICS] = PATH("output", "metrics", output.metrics, 0),

    [K_CKPT_FILE] = PATH("checkpoint", "file", checkpoint.file, 0),
    [K_CKPT_EVERY] = {"checkpoint", "every", TES_KEY_INT, OFF(checkpoint.every), 0, NULL, 0,
                      TES_JOB_MAX_ITERATIONS, 0, 0, 0, NULL, 0, 0, NULL},
    [K_CKPT_KEEP] = BOOL("checkpoint", "keep", checkpoint.keep),
};

#undef PATH
#undef ENUM
#undef BOOL
#undef OFF

/* ---- field access --------------------------------------------------------------- */

#define FIELD(job, key, T)   ((T *)((char *)(job) + (key)->offset))
#define FIELD2(job, key, T)  ((T *)((char *)(job) + (key)->offset2))
#define CFIELD(job, key, T)  ((const T *)((const char *)(job) + (key)->offset))
#define CFIELD2(job, key, T) ((const T *)((const char *)(job) + (key)->offset2))

static int same_number(double a, double b) {
    return a == b || (isnan(a) && isnan(b));
}

/* ---- numbers ---------------------------------------------------------------------- */

static int parse_real(const char *text, double *out) {
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

/* A decimal integer, sign allowed, nothing else. */
static int parse_integer(const char *text, double *out) {
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE)
        return 0;
    *out = (double)v;
    return 1;
}

static int in_bounds(const tes_job_key *key, double v) {
    int above = key->lo_open ? v > key->lo : v >= key->lo;
    int below = key->hi_open ? v < key->hi : v <= key->hi;
    return above && below;
}

/* An integer key's value (INT, COUNT, U64 and the items of SIZES). */
static int parse_count(const tes_job_key *key, const char *text, double *v) {
    return parse_integer(text, v) && *v >= key->lo && *v <= key->hi;
}

/* "A,B,C" or "A" (then every item is A) into n numbers. */
static int parse_list(const tes_job_key *key, const char *text, double *v) {
    char buf[TES_JOB_PATH_BYTES];
    if (strlen(text) >= sizeof buf)
        return 0;
    strcpy(buf, text);
    int got = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ' || *tok == '\t')
            ++tok;
        size_t len = strlen(tok);
        while (len && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
            tok[--len] = '\0';
        if (got == key->n)
            return 0;
        int ok = key->type == TES_KEY_SIZES ? parse_count(key, tok, &v[got])
                                            : parse_real(tok, &v[got]) && in_bounds(key, v[got]);
        if (!ok)
            return 0;
        ++got;
    }
    if (got == 1)
        for (int i = 1; i < key->n; ++i)
            v[i] = v[0];
    return got == 1 || got == key->n;
}

/* "A:B", "A:", ":B", ":". */
static int parse_range(const char *text, size_t *begin, size_t *end) {
    const char *colon = strchr(text, ':');
    if (!colon || strchr(colon + 1, ':'))
        return 0;
    char head[TES_JOB_NUMBER_BYTES];
    if ((size_t)(colon - text) >= sizeof head)
        return 0;
    snprintf(head, sizeof head, "%.*s", (int)(colon - text), text);
    double b = 0, e = 0;
    if (head[0] && !(parse_integer(head, &b) && b >= 0))
        return 0;
    if (colon[1] && !(parse_integer(colon + 1, &e) && e > b))
        return 0;
    *begin = (size_t)b;
    *end = colon[1] ? (size_t)e : TES_SCAN_TO_END;
    return 1;
}

static int parse_grid(const tes_job_key *key, const char *text, int *ps, int *pv) {
    int a = 0, b = 0, used = 0;
    if (sscanf(text, "%dx%d%n", &a, &b, &used) != 2 || text[used] != '\0')
        return 0;
    if (a < key->lo || b < key->lo)
        return 0;
    *ps = a;
    *pv = b;
    return 1;
}

static int parse_bool(const char *text, int *out) {
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; ++i) {
        if (!strcasecmp(text, yes[i])) {
            *out = 1;
            return 1;
        }
        if (!strcasecmp(text, no[i])) {
            *out = 0;
            return 1;
        }
    }
    return 0;
}

static int parse_enum(const char *const *words, const char *text, int *out) {
    for (int i = 0; words[i]; ++i)
        if (!strcmp(text, words[i])) {
            *out = i;
            return 1;
        }
    return 0;
}

/* CENTER words may have holes (a mode that has no word), so scan them all. */
static int parse_center(const tes_job_key *key, const char *text, int *mode, double *value) {
    for (int m = 0; m <= TES_JOB_CENTER_AUTO; ++m)
        if (key->words[m] && !strcmp(text, key->words[m])) {
            *mode = m;
            return 1;
        }
    if (!parse_real(text, value))
        return 0;
    *mode = TES_JOB_CENTER_VALUE;
    return 1;
}

/* ---- setting a key ------------------------------------------------------------------ */

static void store_count(tes_job *job, const tes_job_key *key, double v) {
    if (key->type == TES_KEY_INT)
        *FIELD(job, key, int) = (int)v;
    else if (key->type == TES_KEY_COUNT)
        *FIELD(job, key, size_t) = (size_t)v;
    else
        *FIELD(job, key, uint64_t) = (uint64_t)v;
}

static int set_word(tes_job *job, const tes_job_key *key, const char *text) {
    if (!key->word || strcmp(text, key->word))
        return 0;
    switch (key->type) {
    case TES_KEY_INT:
    case TES_KEY_COUNT:
    case TES_KEY_U64:
        store_count(job, key, key->word_value);
        return 1;
    case TES_KEY_REAL:
        *FIELD(job, key, double) = key->word_value;
        return 1;
    case TES_KEY_SIZES:
        for (int i = 0; i < key->n; ++i)
            FIELD(job, key, size_t)[i] = 0;
        return 1;
    case TES_KEY_REALS:
        for (int i = 0; i < key->n; ++i)
            FIELD(job, key, double)[i] = 0.0;
        return 1;
    case TES_KEY_RANGE:
        *FIELD(job, key, size_t) = 0;
        *FIELD2(job, key, size_t) = TES_SCAN_TO_END;
        return 1;
    case TES_KEY_GRID:
        *FIELD(job, key, int) = *FIELD2(job, key, int) = 0;
        return 1;
    default:
        return 0;
    }
}

static int set_value(tes_job *job, const tes_job_key *key, const char *text) {
    double v = 0, list[3] = {0, 0, 0};
    int mode = 0;
    switch (key->type) {
    case TES_KEY_PATH:
        if (strlen(text) >= TES_JOB_PATH_BYTES)
            return 0;
        strcpy(FIELD(job, key, char), text);
        return 1;
    case TES_KEY_ENUM:
        return parse_enum(key->words, text, FIELD(job, key, int));
    case TES_KEY_BOOL:
        return parse_bool(text, FIELD(job, key, int));
    case TES_KEY_INT:
    case TES_KEY_COUNT:
    case TES_KEY_U64:
        if (!parse_count(key, text, &v))
            return 0;
        store_count(job, key, v);
        return 1;
    case TES_KEY_REAL:
        if (!parse_real(text, &v) || !in_bounds(key, v))
            return 0;
        *FIELD(job, key, double) = v;
        return 1;
    case TES_KEY_SIZES:
    case TES_KEY_REALS:
        if (!parse_list(key, text, list))
            return 0;
        for (int i = 0; i < key->n; ++i) {
            if (key->type == TES_KEY_SIZES)
                FIELD(job, key, size_t)[i] = (size_t)list[i];
            else
                FIELD(job, key, double)[i] = list[i];
        }
        return 1;
    case TES_KEY_RANGE:
        return parse_range(text, FIELD(job, key, size_t), FIELD2(job, key, size_t));
    case TES_KEY_GRID:
        return parse_grid(key, text, FIELD(job, key, int), FIELD2(job, key, int));
    case TES_KEY_CENTER:
        if (!parse_center(key, text, &mode, FIELD2(job, key, double)))
            return 0;
        *FIELD(job, key, int) = mode;
        return 1;
    }
    return 0;
}

tes_status tes_job_key_set(tes_job *job, const tes_job_key *key, const char *text,
                           const char **expected, char *buf, size_t len) {
    if (set_word(job, key, text) || set_value(job, key, text))
        return TES_OK;
    *expected = tes_job_key_expected(key, buf, len);
    return TES_ERR_ARG;
}

/* ---- what a key accepts -------------------------------------------------------------- */

static void appendf(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t len, const char *fmt, ...) {
    size_t used = strlen(buf);
    if (used + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
}

static void number_bounds(const tes_job_key *key, const char *noun, char *buf, size_t len) {
    int has_lo = isfinite(key->lo), has_hi = isfinite(key->hi);
    int huge_hi = key->type != TES_KEY_REAL && key->hi >= TES_JOB_MAX_COUNT;
    if (key->type != TES_KEY_REAL && key->lo == 1)
        snprintf(buf, len, huge_hi ? "a positive integer" : "a positive integer up to %.15g",
                 key->hi);
    else if (has_lo && has_hi && !huge_hi)
        snprintf(buf, len, "%s in %c%.15g, %.15g%c", noun, key->lo_open ? '(' : '[', key->lo,
                 key->hi, key->hi_open ? ')' : ']');
    else if (has_lo)
        snprintf(buf, len, "%s %s %.15g", noun, key->lo_open ? ">" : ">=", key->lo);
    else
        snprintf(buf, len, "a finite number");
}

const char *tes_job_key_expected(const tes_job_key *key, char *buf, size_t len) {
    buf[0] = '\0';
    switch (key->type) {
    case TES_KEY_PATH:
        snprintf(buf, len, "a path of fewer than %d characters", TES_JOB_PATH_BYTES);
        return buf;
    case TES_KEY_BOOL:
        return "true or false (also yes/no, on/off, 1/0)";
    case TES_KEY_ENUM:
        snprintf(buf, len, "one of");
        for (int i = 0; key->words[i]; ++i)
            appendf(buf, len, "%s %s", i ? "," : "", key->words[i]);
        return buf;
    case TES_KEY_INT:
    case TES_KEY_COUNT:
    case TES_KEY_U64:
        number_bounds(key, "an integer", buf, len);
        break;
    case TES_KEY_REAL:
        number_bounds(key, "a number", buf, len);
        break;
    default:
        return key->form;
    }
    if (key->word)
        appendf(buf, len, ", or '%s'", key->word);
    return buf;
}

/* ---- JSON --------------------------------------------------------------------------- */

static json_t *word_or(const tes_job_key *key, int is_word, json_t *value) {
    if (!is_word)
        return value;
    json_decref(value);
    return json_string(key->word);
}

static json_t *range_json(const tes_job_key *key, size_t begin, size_t end) {
    if (begin == 0 && end == TES_SCAN_TO_END)
        return json_string(key->word);
    char text[2 * TES_JOB_NUMBER_BYTES];
    if (end == TES_SCAN_TO_END)
        snprintf(text, sizeof text, "%zu:", begin);
    else
        snprintf(text, sizeof text, "%zu:%zu", begin, end);
    return json_string(text);
}

json_t *tes_job_key_json(const tes_job *job, const tes_job_key *key) {
    switch (key->type) {
    case TES_KEY_PATH:
        return json_string(CFIELD(job, key, char));
    case TES_KEY_ENUM:
        return json_string(key->words[*CFIELD(job, key, int)]);
    case TES_KEY_BOOL:
        return json_boolean(*CFIELD(job, key, int));
    case TES_KEY_INT: {
        int v = *CFIELD(job, key, int);
        return word_or(key, key->word && v == key->word_value, json_integer(v));
    }
    case TES_KEY_COUNT: {
        size_t v = *CFIELD(job, key, size_t);
        return word_or(key, key->word && (double)v == key->word_value, json_integer((json_int_t)v));
    }
    case TES_KEY_U64:
        return json_integer((json_int_t)*CFIELD(job, key, uint64_t));
    case TES_KEY_REAL: {
        double v = *CFIELD(job, key, double);
        return key->word && same_number(v, key->word_value) ? json_string(key->word) : json_real(v);
    }
    case TES_KEY_SIZES:
    case TES_KEY_REALS: {
        json_t *a = json_array();
        int zero = 1;
        for (int i = 0; a && i < key->n; ++i) {
            double v = key->type == TES_KEY_SIZES ? (double)CFIELD(job, key, size_t)[i]
                                                  : CFIELD(job, key, double)[i];
            zero &= v == 0;
            json_array_append_new(a, key->type == TES_KEY_SIZES ? json_integer((json_int_t)v)
                                                                : json_real(v));
        }
        return word_or(key, key->word && zero, a);
    }
    case TES_KEY_RANGE:
        return range_json(key, *CFIELD(job, key, size_t), *CFIELD2(job, key, size_t));
    case TES_KEY_GRID: {
        int ps = *CFIELD(job, key, int), pv = *CFIELD2(job, key, int);
        return ps == 0 ? json_string(key->word) : json_pack("[i,i]", ps, pv);
    }
    case TES_KEY_CENTER: {
        int mode = *CFIELD(job, key, int);
        return mode == TES_JOB_CENTER_VALUE ? json_real(*CFIELD2(job, key, double))
                                            : json_string(key->words[mode]);
    }
    }
    return NULL;
}

/* ---- messages ------------------------------------------------------------------------ */

int tes_job_given(const tes_job *job, tes_job_key_id id) {
    return job->line[id] != 0;
}

const char *tes_job_where(const tes_job *job, tes_job_key_id id, char *buf, size_t len) {
    if (!job->source[0])
        snprintf(buf, len, "job: ");
    else if (job->line[id] > 0)
        snprintf(buf, len, "%s:%d: ", job->source, job->line[id]);
    else
        snprintf(buf, len, "%s: ", job->source);
    return buf;
}

/* Levenshtein distance of two short words (longer ones are cut). */
static size_t edit_distance(const char *a, const char *b) {
    enum { MAX_WORD = 64 };
    size_t n = strnlen(a, MAX_WORD), m = strnlen(b, MAX_WORD);
    size_t prev[MAX_WORD + 1], cur[MAX_WORD + 1];
    for (size_t j = 0; j <= m; ++j)
        prev[j] = j;
    for (size_t i = 1; i <= n; ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= m; ++j) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (m + 1) * sizeof *prev);
    }
    return prev[m];
}

const char *tes_job_closest(const char *word, const char *const *words, size_t n) {
    const char *best = n ? words[0] : "";
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; ++i) {
        size_t d = edit_distance(word, words[i]);
        if (d < best_d) {
            best_d = d;
            best = words[i];
        }
    }
    return best;
}
