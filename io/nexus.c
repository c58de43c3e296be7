/* NeXus NXtomo: one stack of frames, an image_key per frame (0 projection,
 * 1 flat, 2 dark, 3 invalid) and a rotation angle per frame (degrees).
 * Facilities put these at different paths, so each may be given; by
 * default the known layouts are tried in order, and the first whose data
 * and image_key both exist is used.
 *
 * Diamond splits a scan over several files joined by external links
 * (k11-18014.nxs: the frames in k11-18014/k11-18014-imaging.h5, the angles
 * in k11-18014/k11-18014-pcompPanda.h5); io/h5input.c resolves them
 * against the .nxs file's directory and follows only the links asked for. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "io/scan_impl.h"

typedef struct nexus_layout {
    const char *name;
    const char *data, *image_key, *angles;
} nexus_layout;

static const nexus_layout layouts[] = {
    {"Diamond DIAD", "/entry/imaging/data", "/entry/instrument/imaging/image_key",
     "/entry/imaging_sum/gts_theta_value"},
    {"NXtomo", "/entry/instrument/detector/data", "/entry/instrument/detector/image_key",
     "/entry/sample/rotation_angle"},
    {"NXtomo NXdata", "/entry/data/data", "/entry/data/image_key", "/entry/data/rotation_angle"},
    {"Diamond tomo_entry", "/entry1/tomo_entry/data/data",
     "/entry1/tomo_entry/instrument/detector/image_key", "/entry1/tomo_entry/data/rotation_angle"},
};
enum { NEXUS_LAYOUTS = sizeof layouts / sizeof layouts[0] };

/* NXtomo image keys. */
enum { NEXUS_PROJECTION = 0, NEXUS_FLAT = 1, NEXUS_DARK = 2, NEXUS_INVALID = 3 };

static const char *or_default(const char *path, const char *fallback) {
    return path ? path : fallback;
}

static tes_status exists(tes_h5_input *in, const char *path, int *found) {
    tes_h5_where where = TES_H5_ABSENT;
    TES_CALL(tes_h5_input_locate(in, path, &where));
    *found = where == TES_H5_FOUND;
    return TES_OK;
}

/* The first layout whose data and image_key (as overridden by paths)
 * exist; *index = NEXUS_LAYOUTS when none does. */
static tes_status pick_layout(tes_h5_input *in, const tes_scan_paths *paths, size_t *index) {
    for (*index = 0; *index < NEXUS_LAYOUTS; ++*index) {
        const nexus_layout *l = &layouts[*index];
        int key = 0, data = 0;
        TES_CALL(exists(in, or_default(paths->image_key, l->image_key), &key));
        if (key)
            TES_CALL(exists(in, or_default(paths->data, l->data), &data));
        if (key && data)
            return TES_OK;
    }
    return TES_OK;
}

tes_status tes_nexus_detect(tes_h5_input *in, const tes_scan_paths *paths, int *found) {
    size_t index = NEXUS_LAYOUTS;
    TES_CALL(pick_layout(in, paths, &index));
    *found = index < NEXUS_LAYOUTS;
    return TES_OK;
}

static tes_status no_layout(const tes_scan *s, const tes_scan_paths *paths) {
    char tried[TES_SCAN_PATH_BYTES * 2] = "";
    size_t used = 0;
    for (size_t i = 0; i < NEXUS_LAYOUTS && used < sizeof tried; ++i)
        used += (size_t)snprintf(tried + used, sizeof tried - used, "%s%s + %s", i ? "; " : "",
                                 or_default(paths->data, layouts[i].data),
                                 or_default(paths->image_key, layouts[i].image_key));
    TES_FAIL(TES_ERR_INPUT,
             "%s: no NXtomo frames with image keys found (looked for data + image_key at: %s); "
             "give the dataset paths",
             s->file, tried);
}

/* Sort the frames by image key into projections, flats and darks. */
static tes_status sort_frames(tes_scan *s, const long long *keys) {
    size_t count[NEXUS_INVALID + 1] = {0};
    for (size_t i = 0; i < s->frames; ++i) {
        TES_CHECK(keys[i] >= NEXUS_PROJECTION && keys[i] <= NEXUS_INVALID, TES_ERR_INPUT,
                  "%s: %s[%zu] is %lld; NXtomo image keys are 0 (projection), 1 (flat), 2 "
                  "(dark) and 3 (invalid)",
                  s->file, s->image_key_path, i, keys[i]);
        ++count[keys[i]];
    }
    s->projections = count[NEXUS_PROJECTION];
    s->nflats = count[NEXUS_FLAT];
    s->ndarks = count[NEXUS_DARK];
    s->invalid = count[NEXUS_INVALID];
    TES_CALL(tes_scan_frames_alloc(&s->view_frames, s->projections, 0));
    TES_CALL(tes_scan_frames_alloc(&s->flat_frames, s->nflats, 0));
    TES_CALL(tes_scan_frames_alloc(&s->dark_frames, s->ndarks, 0));
    size_t *lists[NEXUS_DARK + 1] = {s->view_frames, s->flat_frames, s->dark_frames};
    size_t fill[NEXUS_DARK + 1] = {0};
    for (size_t i = 0; i < s->frames; ++i)
        if (keys[i] != NEXUS_INVALID)
            lists[keys[i]][fill[keys[i]]++] = i;
    return TES_OK;
}

static tes_status read_keys(tes_scan *s) {
    long long *keys = NULL;
    size_t n = 0;
    TES_CALL(tes_h5_input_read_ints(s->h5->in, s->image_key_path, "image keys", &keys, &n));
    tes_status st = TES_OK;
    if (n != s->frames)
        st = tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                           "%s: %s holds %zu image keys, but %s has %zu frames", s->file,
                           s->image_key_path, n, s->data_path, s->frames);
    else
        st = sort_frames(s, keys);
    free(keys);
    TES_CALL(st);
    return TES_OK;
}

static tes_status read_angles(tes_scan *s, const char *path) {
    tes_h5_input *in = s->h5->in;
    int found = 0;
    TES_CALL(exists(in, path, &found));
    TES_CHECK(found, TES_ERR_INPUT,
              "%s has no dataset %s (the rotation angles); give the path of the angles", s->file,
              path);
    TES_CALL(tes_scan_read_angles(s, path, "rotation angles"));
    return TES_OK;
}

tes_status tes_nexus_describe(tes_scan *s, const tes_scan_options *opt) {
    const tes_scan_paths *p = &opt->paths;
    size_t index = NEXUS_LAYOUTS;
    TES_CALL(pick_layout(s->h5->in, p, &index));
    if (index == NEXUS_LAYOUTS)
        TES_CALL(no_layout(s, p));
    const nexus_layout *l = &layouts[index];
    snprintf(s->data_path, sizeof s->data_path, "%s", or_default(p->data, l->data));
    snprintf(s->image_key_path, sizeof s->image_key_path, "%s",
             or_default(p->image_key, l->image_key));
    size_t shape[3];
    TES_CALL(tes_scan_open_stack(s, s->data_path, "frames", &s->h5->data, shape));
    s->frames = shape[0];
    /* Flats and darks are frames of the same stack. */
    s->h5->flats = s->h5->darks = s->h5->data;
    snprintf(s->flats_path, sizeof s->flats_path, "%s", s->data_path);
    snprintf(s->darks_path, sizeof s->darks_path, "%s", s->data_path);
    TES_CALL(read_keys(s));
    TES_CALL(tes_scan_decide_values(s, opt->values));
    TES_CALL(read_angles(s, or_default(p->angles, l->angles)));
    tes_log(TES_LOG_DEBUG, "%s: NeXus layout \"%s\"", s->file, l->name);
    return TES_OK;
}
