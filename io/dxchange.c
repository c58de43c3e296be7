/* Data Exchange (APS): /exchange/data (theta, y, x) of projections,
 * /exchange/data_white (flats), /exchange/data_dark (darks), /exchange/theta
 * (degrees). With the data elsewhere, the angles are looked for beside them
 * ("theta" in the data's group, as tessera project writes them). Missing
 * theta means equally spaced over 180 degrees. Already
 * normalised data say so in the data's "units" attribute ("line
 * integral ..."), as htc2022_ta_fan.h5 does. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "io/h5array.h"
#include "io/scan_impl.h"

#define TES_DXCHANGE_DATA   "/exchange/data"
#define TES_DXCHANGE_FLATS  "/exchange/data_white"
#define TES_DXCHANGE_DARKS  "/exchange/data_dark"
#define TES_DXCHANGE_ANGLES "theta" /* beside the data */

static const char *or_default(const char *path, const char *fallback) {
    return path ? path : fallback;
}

tes_status tes_dxchange_detect(tes_h5_input *in, const tes_scan_paths *paths, int *found) {
    tes_h5_where where = TES_H5_ABSENT;
    TES_CALL(tes_h5_input_locate(in, or_default(paths->data, TES_DXCHANGE_DATA), &where));
    *found = where == TES_H5_FOUND;
    return TES_OK;
}

/* Open the flats or darks at path if they exist (they must when required;
 * hint says why); *n frames. */
static tes_status open_reference(tes_scan *s, const char *path, int required, const char *hint,
                                 const char *what, hid_t *dset, size_t *n, size_t **frames,
                                 char *path_out) {
    tes_h5_where where = TES_H5_ABSENT;
    TES_CALL(tes_h5_input_locate(s->h5->in, path, &where));
    *n = 0;
    TES_CALL(tes_scan_frames_alloc(frames, 0, 0));
    if (where != TES_H5_FOUND) {
        TES_CHECK(!required, TES_ERR_INPUT, "%s has no dataset %s (the %s)%s", s->file, path, what,
                  hint);
        return TES_OK;
    }
    size_t shape[3];
    TES_CALL(tes_scan_open_stack(s, path, what, dset, shape));
    snprintf(path_out, TES_SCAN_PATH_BYTES, "%s", path);
    free(*frames);
    *frames = NULL;
    *n = shape[0];
    TES_CALL(tes_scan_frames_alloc(frames, *n, 1));
    return TES_OK;
}

static tes_status read_angles(tes_scan *s, const char *path, int required) {
    tes_h5_input *in = s->h5->in;
    tes_h5_where where = TES_H5_ABSENT;
    TES_CALL(tes_h5_input_locate(in, path, &where));
    if (where != TES_H5_FOUND) {
        TES_CHECK(!required, TES_ERR_INPUT, "%s has no dataset %s (the angles)", s->file, path);
        return tes_scan_generate_angles(s);
    }
    TES_CALL(tes_scan_read_angles(s, path, "angles"));
    return TES_OK;
}

tes_status tes_dxchange_describe(tes_scan *s, const tes_scan_options *opt) {
    const tes_scan_paths *p = &opt->paths;
    const char *data = or_default(p->data, TES_DXCHANGE_DATA);
    snprintf(s->data_path, sizeof s->data_path, "%s", data);
    size_t shape[3];
    TES_CALL(tes_scan_open_stack(s, data, "projections", &s->h5->data, shape));
    s->frames = s->projections = shape[0];
    TES_CALL(tes_scan_frames_alloc(&s->view_frames, s->projections, 1));
    TES_CALL(tes_scan_decide_values(s, opt->values));
    int need_flats = p->flats != NULL || !s->line_integrals;
    TES_CALL(open_reference(s, or_default(p->flats, TES_DXCHANGE_FLATS), need_flats,
                            p->flats ? "" : TES_SCAN_FLATS_HINT, "flats", &s->h5->flats, &s->nflats,
                            &s->flat_frames, s->flats_path));
    TES_CALL(open_reference(s, or_default(p->darks, TES_DXCHANGE_DARKS), p->darks != NULL, "",
                            "darks", &s->h5->darks, &s->ndarks, &s->dark_frames, s->darks_path));
    char beside[TES_SCAN_PATH_BYTES];
    TES_CALL(tes_h5_path_beside(data, TES_DXCHANGE_ANGLES, beside, sizeof beside));
    TES_CALL(read_angles(s, or_default(p->angles, beside), p->angles != NULL));
    return TES_OK;
}
