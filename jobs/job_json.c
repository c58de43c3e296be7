/* The resolved job as JSON (every key, defaults included) and its hash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jobs/job.h"
#include "jobs/job_schema.h"

/* FNV-1a, 64 bit. */
#define TES_FNV_OFFSET 14695981039346656037ULL
#define TES_FNV_PRIME  1099511628211ULL
enum { TES_JOB_JSON_DIGITS = 17 }; /* round-trips every double */

/* {section: {key: value}} of the keys for which keep(key) holds. */
static json_t *job_object(const tes_job *job, int relevant_only) {
    json_t *root = json_object();
    int bad = root == NULL;
    for (int s = 0; !bad && tes_job_sections[s]; ++s) {
        json_t *sec = json_object();
        bad = sec == NULL;
        for (int i = 0; !bad && i < TES_JOB_KEY_COUNT; ++i) {
            const tes_job_key *key = &tes_job_schema[i];
            if (strcmp(key->section, tes_job_sections[s]) || (relevant_only && !key->relevant))
                continue;
            json_t *v = tes_job_key_json(job, key);
            bad = v == NULL || json_object_set_new(sec, key->name, v) != 0;
        }
        if (!bad && json_object_size(sec) == 0) {
            json_decref(sec);
            continue;
        }
        bad = bad || json_object_set_new(root, tes_job_sections[s], sec) != 0;
    }
    if (bad) {
        json_decref(root);
        return NULL;
    }
    return root;
}

static char *dump(json_t *o, size_t flags) {
    char *text = o ? json_dumps(o, flags | JSON_REAL_PRECISION(TES_JOB_JSON_DIGITS)) : NULL;
    json_decref(o);
    return text;
}

tes_status tes_job_to_json(const tes_job *job, char **json) {
    TES_CHECK(job && json, TES_ERR_ARG, "tes_job_to_json: NULL argument");
    *json = dump(job_object(job, 0), JSON_PRESERVE_ORDER | JSON_COMPACT);
    TES_CHECK(*json, TES_ERR_ALLOC, "cannot format the job as JSON");
    return TES_OK;
}

uint64_t tes_job_hash(const tes_job *job) {
    char *text = dump(job_object(job, 1), JSON_SORT_KEYS | JSON_COMPACT);
    uint64_t h = TES_FNV_OFFSET;
    for (const unsigned char *c = (const unsigned char *)text; c && *c; ++c) {
        h ^= *c;
        h *= TES_FNV_PRIME;
    }
    free(text);
    return h;
}
