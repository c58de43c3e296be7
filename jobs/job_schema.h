/* The job-file schema: one table entry per key, with its section, type,
 * where it lives in tes_job, what it accepts and whether it changes the
 * reconstruction. The parser, the validation, the JSON writer and the hash
 * all read this one table, so a new key is added in one place. Internal to
 * jobs/. */
#ifndef TES_JOBS_JOB_SCHEMA_H
#define TES_JOBS_JOB_SCHEMA_H

#include <jansson.h>
#include <stddef.h>

#include "core/status.h"
#include "jobs/job.h"

/* Key ids: the index of a key in tes_job_schema and in tes_job.line. */
typedef enum tes_job_key_id {
    K_INPUT_FILE = 0,
    K_INPUT_FORMAT,
    K_INPUT_DATA,
    K_INPUT_FLATS,
    K_INPUT_DARKS,
    K_INPUT_ANGLES,
    K_INPUT_IMAGE_KEY,
    K_INPUT_VALUES,
    K_INPUT_PHANTOM,
    K_INPUT_VIEWS,
    K_INPUT_DETECTOR,
    K_INPUT_NOISE,
    K_INPUT_SEED,
    K_GEOM_KIND,
    K_GEOM_VOLUME,
    K_GEOM_VOXEL,
    K_GEOM_PIXEL,
    K_GEOM_CENTER_COL,
    K_GEOM_CENTER_ROW,
    K_GEOM_SOD,
    K_GEOM_ODD,
    K_GEOM_OFFSET_U,
    K_GEOM_OFFSET_V,
    K_GEOM_ANGLES,
    K_GEOM_FIRST_ANGLE,
    K_GEOM_ANGLE_RANGE,
    K_GEOM_ANGLES_FILE,
    K_GEOM_SHIFTS,
    K_GEOM_ATTRIBUTES,
    K_PRE_ROWS,
    K_PRE_COLS,
    K_PRE_VIEW_STEP,
    K_PRE_FLAT_FLOOR,
    K_PRE_MIN_TRANSMISSION,
    K_ALG_NAME,
    K_ALG_ITERATIONS,
    K_ALG_TOLERANCE,
    K_ALG_RELAXATION,
    K_ALG_SUBSETS,
    K_ALG_MIN,
    K_ALG_MAX,
    K_ALG_INITIAL,
    K_ALG_INITIAL_VALUE,
    K_ALG_INITIAL_FILE,
    K_ALG_WINDOW,
    K_ALG_CUTOFF,
    K_ALG_SCAN,
    K_DEC_GRID,
    K_DEC_MEM_PER_RANK,
    K_DEC_BACKEND,
    K_DEC_THREADS,
    K_OUT_VOLUME,
    K_OUT_OVERWRITE,
    K_OUT_TIFF,
    K_OUT_PREVIEWS,
    K_OUT_METRICS,
    K_CKPT_FILE,
    K_CKPT_EVERY,
    K_CKPT_KEEP,
    TES_JOB_KEY_COUNT
} tes_job_key_id;

typedef enum tes_job_key_type {
    TES_KEY_PATH,   /* char[TES_JOB_PATH_BYTES]; empty: none */
    TES_KEY_ENUM,   /* an int-sized enum; words[value] */
    TES_KEY_BOOL,   /* int 0/1 */
    TES_KEY_INT,    /* int in [lo, hi] */
    TES_KEY_COUNT,  /* size_t in [lo, hi] */
    TES_KEY_U64,    /* uint64_t in [lo, hi] */
    TES_KEY_REAL,   /* double in lo..hi (open or closed ends) */
    TES_KEY_SIZES,  /* size_t[n]: "N" (all alike) or "A,B[,C]" */
    TES_KEY_REALS,  /* double[n], the same forms */
    TES_KEY_RANGE,  /* size_t begin, end: "A:B", either side may be left out */
    TES_KEY_GRID,   /* int p_slab, p_view: "PSxPV" */
    TES_KEY_CENTER, /* tes_job_center mode at offset, double at offset2 */
} tes_job_key_type;

typedef struct tes_job_key {
    const char *section, *name;
    tes_job_key_type type;
    size_t offset, offset2;   /* of the field(s) in tes_job */
    const char *const *words; /* ENUM: names by value, NULL-terminated; CENTER: the modes */
    double lo, hi;            /* bounds of numbers */
    int lo_open, hi_open;     /* REAL: the bound itself is excluded */
    int n;                    /* SIZES, REALS: number of values */
    const char *word;         /* a word accepted instead of a number ("auto", "none") */
    double word_value;        /* what word stands for (NaN allowed) */
    int relevant;             /* 1: enters tes_job_hash */
    const char *form;         /* compound types: the accepted forms, for messages */
} tes_job_key;

extern const tes_job_key tes_job_schema[TES_JOB_KEY_COUNT];

/* The sections in file order, NULL-terminated. */
extern const char *const tes_job_sections[];

/* Set key from text; on failure *expected says what is accepted (static
 * or in buf). */
tes_status tes_job_key_set(tes_job *job, const tes_job_key *key, const char *text,
                           const char **expected, char *buf, size_t len);

/* What key accepts, e.g. "a positive integer", into buf. */
const char *tes_job_key_expected(const tes_job_key *key, char *buf, size_t len);

/* The key's value in job as JSON (a new reference, NULL when out of memory). */
json_t *tes_job_key_json(const tes_job *job, const tes_job_key *key);

/* "FILE:LINE: " for key (line 0: "FILE: "; no source: ""), into buf. */
const char *tes_job_where(const tes_job *job, tes_job_key_id id, char *buf, size_t len);

/* 1 when the job file set key. */
int tes_job_given(const tes_job *job, tes_job_key_id id);

/* The closest of n words to word (Levenshtein distance). */
const char *tes_job_closest(const char *word, const char *const *words, size_t n);

#endif
