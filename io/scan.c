#include "io/scan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/mpio.h"
#include "io/scan_impl.h" /* hdf5.h before core/check.h enables TES_H5_CALL */

#include "core/agree.h"
#include "core/check.h"
#include "core/log.h"

static const double TES_DEGREE = M_PI / 180.0; /* radians per degree */
static const double TES_HALF_TURN = M_PI;      /* radians generated angles span */
/* Largest read of one rank in one HDF5 call: MPI-IO counts are int. */
#define TES_SCAN_TRANSFER_MAX_BYTES ((size_t)1 << 30)

tes_scan_options tes_scan_options_default(void) {
    tes_scan_options opt;
    memset(&opt, 0, sizeof opt);
    opt.format = TES_SCAN_AUTO;
    opt.values = TES_VALUES_AUTO;
    opt.row_end = TES_SCAN_TO_END;
    opt.col_end = TES_SCAN_TO_END;
    opt.view_step = 1;
    return opt;
}

const char *tes_scan_format_name(tes_scan_format format) {
    switch (format) {
    case TES_SCAN_DXCHANGE:
        return "dxchange";
    case TES_SCAN_NEXUS:
        return "nexus";
    default:
        return "auto";
    }
}

tes_status tes_scan_format_parse(const char *text, const char *option, tes_scan_format *out) {
    static const tes_scan_format formats[] = {TES_SCAN_AUTO, TES_SCAN_DXCHANGE, TES_SCAN_NEXUS};
    for (size_t i = 0; text && i < sizeof formats / sizeof formats[0]; ++i)
        if (!strcasecmp(text, tes_scan_format_name(formats[i]))) {
            *out = formats[i];
            return TES_OK;
        }
    TES_FAIL(TES_ERR_ARG, "%s: unknown input format \"%s\" (expected auto, dxchange or nexus)",
             option, text ? text : "");
}

tes_status tes_scan_frames_alloc(size_t **frames, size_t n, int fill) {
    *frames = malloc((n ? n : 1) * sizeof **frames);
    TES_CHECK(*frames, TES_ERR_ALLOC, "cannot allocate %zu frame indices", n);
    for (size_t i = 0; fill && i < n; ++i)
        (*frames)[i] = i;
    return TES_OK;
}

tes_status tes_scan_open_stack(tes_scan *s, const char *path, const char *what, hid_t *dset,
                               size_t shape[3]) {
    tes_h5_input *in = s->h5->in;
    TES_CALL(tes_h5_input_open_dataset(in, path, what, dset));
    tes_h5_dataset_info info;
    tes_status st = tes_h5_input_describe(in, *dset, path, &info);
    char text[TES_SHAPE_TEXT_BYTES];
    if (st == TES_OK && info.ndim != 3)
        st = tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                           "%s: %s (the %s) has %d dimension(s) %s, expected 3 (frame, row, "
                           "column)",
                           s->file, path, what, info.ndim,
                           tes_shape_text(text, sizeof text, info.ndim, info.shape));
    else if (st == TES_OK && !info.supported)
        st = tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                           "%s: %s (the %s) holds %s values; tessera reads uint8, uint16, "
                           "uint32, int32, int64, float32 and float64",
                           s->file, path, what, info.type_text);
    else if (st == TES_OK && s->rows && (info.shape[1] != s->rows || info.shape[2] != s->cols))
        st = tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                           "%s: %s (the %s) has shape %s; expected (n, %zu, %zu) to match the "
                           "detector of %s",
                           s->file, path, what,
                           tes_shape_text(text, sizeof text, info.ndim, info.shape), s->rows,
                           s->cols, s->data_path);
    else if (st == TES_OK && s->rows && info.dtype != s->dtype)
        st = tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                           "%s: %s (the %s) holds %s, the projections %s: expected one type",
                           s->file, path, what, info.type_text, tes_dtype_name(s->dtype));
    if (st != TES_OK) {
        H5Dclose(*dset);
        *dset = H5I_INVALID_HID;
        TES_CALL(st);
    }
    if (!info.native_order)
        tes_log(TES_LOG_WARN,
                "%s: %s is stored as %s: HDF5 converts it while reading, which makes that "
                "read independent instead of collective",
                s->file, path, info.type_text);
    for (int i = 0; i < 3; ++i)
        shape[i] = info.shape[i];
    if (!s->rows) {
        s->dtype = info.dtype;
        s->rows = info.shape[1];
        s->cols = info.shape[2];
    }
    return TES_OK;
}

tes_status tes_scan_decide_values(tes_scan *s, tes_scan_values values) {
    if (values != TES_VALUES_AUTO) {
        s->line_integrals = values == TES_VALUES_LINE_INTEGRALS;
        return TES_OK;
    }
    char units[TES_SCAN_PATH_BYTES];
    int found = 0;
    TES_CALL(tes_h5_input_attr_text(s->h5->in, s->data_path, "units", units, sizeof units, &found));
    s->line_integrals = found && strcasestr(units, "line integral") != NULL;
    return TES_OK;
}

/* Radians per unit of the angles in the file. */
static tes_status angle_scale(tes_scan *s, const char *unit, double *scale) {
    static const char *const degrees[] = {"deg", "degree", "degrees"};
    static const char *const radians[] = {"rad", "radian", "radians"};
    if (!unit[0]) {
        snprintf(s->angle_unit, sizeof s->angle_unit, "degrees (no units attribute)");
        *scale = TES_DEGREE;
        return TES_OK;
    }
    snprintf(s->angle_unit, sizeof s->angle_unit, "%s", unit);
    for (size_t i = 0; i < sizeof degrees / sizeof degrees[0]; ++i) {
        if (!strcasecmp(unit, degrees[i])) {
            *scale = TES_DEGREE;
            return TES_OK;
        }
        if (!strcasecmp(unit, radians[i])) {
            *scale = 1.0;
            return TES_OK;
        }
    }
    TES_FAIL(TES_ERR_INPUT, "%s: the angles %s are in \"%s\"; expected degrees or radians", s->file,
             s->angles_path, unit);
}

static tes_status take_angles(tes_scan *s, const double *values, size_t n, const char *unit) {
    int per_frame = n == s->frames;
    TES_CHECK(per_frame || n == s->projections, TES_ERR_INPUT,
              "%s: %s holds %zu angles, but %s has %zu projection(s)%s", s->file, s->angles_path, n,
              s->data_path, s->projections,
              s->frames != s->projections ? " (expected one angle per frame or per projection)"
                                          : "");
    double scale = 1.0;
    TES_CALL(angle_scale(s, unit, &scale));
    s->angles = malloc((s->projections ? s->projections : 1) * sizeof *s->angles);
    TES_CHECK(s->angles, TES_ERR_ALLOC, "cannot allocate %zu angles", s->projections);
    for (size_t i = 0; i < s->projections; ++i) {
        size_t at = per_frame ? s->view_frames[i] : i;
        TES_CHECK(isfinite(values[at]), TES_ERR_INPUT,
                  "%s: %s[%zu] (the angle of projection %zu) is %g; angles must be finite", s->file,
                  s->angles_path, at, i, values[at]);
        s->angles[i] = values[at] * scale;
    }
    return TES_OK;
}

tes_status tes_scan_read_angles(tes_scan *s, const char *path, const char *what) {
    snprintf(s->angles_path, sizeof s->angles_path, "%s", path);
    char unit[TES_SCAN_UNIT_BYTES];
    int found = 0;
    TES_CALL(tes_h5_input_attr_text(s->h5->in, path, "units", unit, sizeof unit, &found));
    double *values = NULL;
    size_t n = 0;
    TES_CALL(tes_h5_input_read_doubles(s->h5->in, path, what, &values, &n));
    tes_status st = take_angles(s, values, n, found ? unit : "");
    free(values);
    TES_CALL(st);
    return TES_OK;
}

tes_status tes_scan_generate_angles(tes_scan *s) {
    s->angles = malloc((s->projections ? s->projections : 1) * sizeof *s->angles);
    TES_CHECK(s->angles, TES_ERR_ALLOC, "cannot allocate %zu angles", s->projections);
    for (size_t i = 0; i < s->projections; ++i)
        s->angles[i] = TES_HALF_TURN * (double)i / (double)s->projections;
    s->angles_generated = 1;
    s->angles_path[0] = '\0';
    snprintf(s->angle_unit, sizeof s->angle_unit, "none (equally spaced over 180 degrees)");
    tes_log(TES_LOG_WARN,
            "%s has no angles: its %zu views are taken as equally spaced (over 180 degrees, or "
            "as a job's [geometry] first_angle and angle_range say)",
            s->file, s->projections);
    return TES_OK;
}

/* Resolve an end of a range against the size of its axis. */
static size_t range_end(size_t end, size_t size) {
    return end == TES_SCAN_TO_END ? size : end;
}

static tes_status apply_crop(tes_scan *s, const tes_scan_options *opt) {
    size_t row_end = range_end(opt->row_end, s->rows);
    size_t col_end = range_end(opt->col_end, s->cols);
    TES_CHECK(opt->row_begin < row_end && row_end <= s->rows, TES_ERR_ARG,
              "row crop [%zu, %zu) does not fit the %zu detector rows of %s", opt->row_begin,
              row_end, s->rows, s->file);
    TES_CHECK(opt->col_begin < col_end && col_end <= s->cols, TES_ERR_ARG,
              "column crop [%zu, %zu) does not fit the %zu detector columns of %s", opt->col_begin,
              col_end, s->cols, s->file);
    s->row_begin = opt->row_begin;
    s->col_begin = opt->col_begin;
    s->nrows = row_end - opt->row_begin;
    s->ncols = col_end - opt->col_begin;
    return TES_OK;
}

static void apply_view_step(tes_scan *s, size_t step) {
    if (step < 1)
        step = 1;
    s->nviews = (s->projections + step - 1) / step;
    for (size_t i = 0; i < s->nviews; ++i) {
        s->view_frames[i] = s->view_frames[i * step];
        s->angles[i] = s->angles[i * step];
    }
}

static tes_status check_complete(tes_scan *s) {
    TES_CHECK(s->projections > 0, TES_ERR_INPUT, "%s: %s holds no projections", s->file,
              s->data_path);
    if (s->line_integrals)
        return TES_OK;
    TES_CHECK(s->nflats > 0, TES_ERR_INPUT, "%s: no flat frames (%s)%s", s->file,
              s->flats_path[0] ? s->flats_path : "none found", TES_SCAN_FLATS_HINT);
    if (!s->ndarks)
        tes_log(TES_LOG_WARN, "%s: no darks: the dark current is taken as zero", s->file);
    return TES_OK;
}

static tes_status detect_format(tes_scan *s, const tes_scan_options *opt) {
    if (opt->format != TES_SCAN_AUTO) {
        s->format = opt->format;
        return TES_OK;
    }
    int found = 0;
    TES_CALL(tes_dxchange_detect(s->h5->in, &opt->paths, &found));
    if (found) {
        s->format = TES_SCAN_DXCHANGE;
        return TES_OK;
    }
    TES_CALL(tes_nexus_detect(s->h5->in, &opt->paths, &found));
    TES_CHECK(found, TES_ERR_INPUT,
              "%s: cannot tell the format: neither Data Exchange (no /exchange/data) nor NeXus "
              "NXtomo (no image_key at the usual paths); give the format and the dataset paths",
              s->file);
    s->format = TES_SCAN_NEXUS;
    return TES_OK;
}

static tes_status scan_new(tes_scan **out, const char *file, MPI_Comm comm) {
    tes_scan *s = calloc(1, sizeof *s);
    TES_CHECK(s, TES_ERR_ALLOC, "cannot allocate a scan");
    s->h5 = calloc(1, sizeof *s->h5);
    if (!s->h5) {
        free(s);
        TES_FAIL(TES_ERR_ALLOC, "cannot allocate a scan");
    }
    s->h5->data = s->h5->flats = s->h5->darks = H5I_INVALID_HID;
    s->comm = comm;
    s->max_transfer = TES_SCAN_TRANSFER_MAX_BYTES;
    snprintf(s->file, sizeof s->file, "%s", file);
    *out = s;
    return TES_OK;
}

tes_status tes_scan_open(tes_scan **out, const char *file, const tes_scan_options *opt,
                         MPI_Comm comm) {
    TES_CHECK(out && file, TES_ERR_ARG, "no scan file given");
    tes_scan_options defaults = tes_scan_options_default();
    if (!opt)
        opt = &defaults;
    tes_scan *s = NULL;
    TES_CALL(scan_new(&s, file, comm));
    tes_status st = TES_OK;
    TES_CALL_GOTO(st, tes_h5_input_open(&s->h5->in, file, comm), fail);
    TES_CALL_GOTO(st, detect_format(s, opt), fail);
    if (s->format == TES_SCAN_DXCHANGE)
        TES_CALL_GOTO(st, tes_dxchange_describe(s, opt), fail);
    else
        TES_CALL_GOTO(st, tes_nexus_describe(s, opt), fail);
    /* Everything after the format readers is rank-local and identical on
     * every rank, so no agreement is needed until the next collective. */
    TES_CALL_GOTO(st, check_complete(s), fail);
    TES_CALL_GOTO(st, apply_crop(s, opt), fail);
    apply_view_step(s, opt->view_step);
    if (opt->max_transfer)
        s->max_transfer = opt->max_transfer;
    *out = s;
    return TES_OK;
fail:
    tes_scan_close(&s);
    return st;
}

void tes_scan_close(tes_scan **s) {
    if (!s || !*s)
        return;
    tes_scan *p = *s;
    if (p->h5) {
        if (p->h5->flats >= 0 && p->h5->flats != p->h5->data)
            H5Dclose(p->h5->flats);
        if (p->h5->darks >= 0 && p->h5->darks != p->h5->data)
            H5Dclose(p->h5->darks);
        if (p->h5->data >= 0)
            H5Dclose(p->h5->data);
        tes_h5_input_close(&p->h5->in);
        free(p->h5);
    }
    free(p->angles);
    free(p->view_frames);
    free(p->flat_frames);
    free(p->dark_frames);
    free(p);
    *s = NULL;
}

/* Select frames (increasing) x rows x columns in space: one strided
 * hyperslab when the frames are equally spaced, else a union of runs. */
static tes_status select_frames(hid_t space, const size_t *frames, size_t n, hsize_t row0,
                                hsize_t nrows, hsize_t col0, hsize_t ncols) {
    if (!n || !nrows || !ncols) {
        TES_H5_CALL(H5Sselect_none(space), "cannot make an empty selection");
        return TES_OK;
    }
    size_t step = n > 1 ? frames[1] - frames[0] : 1;
    int equal = step >= 1;
    for (size_t i = 1; equal && i < n; ++i)
        equal = frames[i] - frames[i - 1] == step;
    if (equal) {
        hsize_t start[3] = {frames[0], row0, col0}, stride[3] = {step, 1, 1}, count[3] = {n, 1, 1},
                block[3] = {1, nrows, ncols};
        TES_H5_CALL(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, stride, count, block),
                    "cannot select %zu frames", n);
        return TES_OK;
    }
    H5S_seloper_t op = H5S_SELECT_SET;
    for (size_t i = 0; i < n;) {
        size_t run = 1;
        while (i + run < n && frames[i + run] == frames[i] + run)
            ++run;
        hsize_t start[3] = {frames[i], row0, col0}, count[3] = {run, nrows, ncols};
        TES_H5_CALL(H5Sselect_hyperslab(space, op, start, NULL, count, NULL),
                    "cannot select frames %zu..%zu", frames[i], frames[i] + run - 1);
        op = H5S_SELECT_OR;
        i += run;
    }
    return TES_OK;
}

/* Remember the least collective transfer of this rank's current read. */
static void record_io_mode(tes_scan *s, hid_t dxpl, int first) {
    H5D_mpio_actual_io_mode_t mode = H5D_MPIO_NO_COLLECTIVE;
    H5Pget_mpio_actual_io_mode(dxpl, &mode);
    int collective = mode == H5D_MPIO_CHUNK_COLLECTIVE || mode == H5D_MPIO_CONTIGUOUS_COLLECTIVE;
    if (!first && !(s->last_collective && !collective))
        return;
    uint32_t local = 0, global = 0;
    H5Pget_mpio_no_collective_cause(dxpl, &local, &global);
    s->last_collective = collective;
    snprintf(s->last_io_mode, sizeof s->last_io_mode, "%s (no-collective cause 0x%x)",
             tes_h5_io_mode_name(mode), (unsigned)global);
}

/* One collective H5Dread of n frames (n may be 0) into buf. */
static tes_status read_piece(tes_scan *s, hid_t dset, const char *path, const size_t *frames,
                             size_t n, size_t row_begin, size_t nrows, void *buf, int first) {
    hsize_t mdims[3] = {n, nrows, s->ncols}, one = 1;
    int empty = !n || !nrows || !s->ncols;
    hid_t fspace = H5Dget_space(dset);
    hid_t mspace = empty ? H5Screate_simple(1, &one, NULL) : H5Screate_simple(3, mdims, NULL);
    hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
    tes_status st = TES_OK;
    char h5msg[TES_H5_ERROR_BYTES];
    if (fspace < 0 || mspace < 0 || dxpl < 0 || H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) < 0) {
        st = tes_error_set(TES_ERR_IO, __FILE__, __LINE__, __func__,
                           "HDF5: cannot prepare the read of %s", path);
        goto done;
    }
    if (empty)
        H5Sselect_none(mspace);
    TES_CALL_GOTO(st,
                  select_frames(fspace, frames, empty ? 0 : n, s->row_begin + row_begin, nrows,
                                s->col_begin, s->ncols),
                  done);
    if (H5Dread(dset, tes_h5_native_type(s->dtype), mspace, fspace, dxpl, empty ? NULL : buf) < 0) {
        st = tes_error_set(TES_ERR_IO, __FILE__, __LINE__, __func__,
                           "%s: cannot read %zu frame(s) from row %zu of %s: %s", s->file, n,
                           row_begin, path, tes_h5_error_text(h5msg, sizeof h5msg));
        goto done;
    }
    record_io_mode(s, dxpl, first);
done:
    if (dxpl >= 0)
        H5Pclose(dxpl);
    if (mspace >= 0)
        H5Sclose(mspace);
    if (fspace >= 0)
        H5Sclose(fspace);
    return st;
}

/* This rank's part of a collective read: n frames (increasing) of dset,
 * rows [row_begin, row_end) and all columns of the crop, into out (NULL
 * when n is 0). MPI-IO counts are int, so a big block goes in pieces of at
 * most max_transfer bytes; every rank makes as many calls as the rank with
 * the most pieces. */
static tes_status read_stack(tes_scan *s, hid_t dset, const char *path, const size_t *frames,
                             size_t n, size_t row_begin, size_t row_end, tes_array *out) {
    size_t frame_bytes = (row_end - row_begin) * s->ncols * tes_dtype_size(s->dtype);
    size_t per = frame_bytes ? s->max_transfer / frame_bytes : n;
    if (per < 1)
        per = 1;
    unsigned long long mine = n ? (n + per - 1) / per : 0, pieces = 0;
    s->last_collective = 1; /* until a transfer says otherwise */
    snprintf(s->last_io_mode, sizeof s->last_io_mode, "nothing to read");
    TES_MPI_CALL(MPI_Allreduce(&mine, &pieces, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, s->comm));
    tes_status st = TES_OK;
    for (unsigned long long p = 0; p < pieces; ++p) {
        size_t first = (size_t)p * per;
        size_t count = first < n ? (n - first < per ? n - first : per) : 0;
        void *buf = count ? (char *)out->data + first * frame_bytes : NULL;
        /* After a failure this rank still joins the remaining calls. */
        tes_status piece =
            read_piece(s, dset, path, st == TES_OK && count ? frames + first : NULL,
                       st == TES_OK ? count : 0, row_begin, row_end - row_begin, buf, p == 0);
        if (st == TES_OK)
            st = piece;
    }
    return st;
}

/* Collective: n frames of dset (rows [row_begin, row_end) of the crop) into
 * a new array. pre is this rank's verdict on its arguments: a rank with bad
 * arguments still joins the read (with nothing selected), then every rank
 * agrees on the outcome. */
static tes_status read_frames(tes_scan *s, hid_t dset, const char *path, const size_t *frames,
                              size_t n, size_t row_begin, size_t row_end, tes_status pre,
                              tes_array **out) {
    *out = NULL;
    tes_status st = pre;
    if (st == TES_OK && !(row_begin <= row_end && row_end <= s->nrows))
        st = tes_error_set(TES_ERR_ARG, __FILE__, __LINE__, __func__,
                           "rows [%zu, %zu) are outside the %zu rows read from %s", row_begin,
                           row_end, s->nrows, s->file);
    if (st == TES_OK) {
        size_t shape[3] = {n, row_end - row_begin, s->ncols};
        st = tes_array_create(out, s->dtype, TES_HOST, 3, shape);
    }
    if (dset < 0) {
        /* No such dataset (no darks): nothing to read, the same on every rank. */
        if (st == TES_OK && n)
            st = tes_error_set(TES_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                               "%zu frames asked of a dataset that is not open", n);
    } else if (st == TES_OK) {
        st = read_stack(s, dset, path, frames, n, row_begin, row_end, *out);
    } else {
        tes_status mine = st;
        read_stack(s, dset, path, NULL, 0, 0, 0, NULL); /* join, with nothing */
        st = mine;
    }
    st = tes_status_agree(s->comm, st);
    if (st != TES_OK) {
        tes_array_destroy(out);
        TES_CALL(st);
    }
    return TES_OK;
}

tes_status tes_scan_read_views(tes_scan *s, const size_t *views, size_t n, size_t row_begin,
                               size_t row_end, tes_array **out) {
    TES_CHECK(s && out, TES_ERR_ARG, "no scan or output given");
    size_t *frames = NULL;
    tes_status st = tes_scan_frames_alloc(&frames, n, 0);
    for (size_t i = 0; st == TES_OK && i < n; ++i) {
        if (views[i] >= s->nviews || (i && views[i] <= views[i - 1]))
            st = tes_error_set(TES_ERR_ARG, __FILE__, __LINE__, __func__,
                               "view list: views must be increasing and below %zu; item %zu "
                               "is %zu",
                               s->nviews, i, views[i]);
        else
            frames[i] = s->view_frames[views[i]];
    }
    st = read_frames(s, s->h5->data, s->data_path, frames, n, row_begin, row_end, st, out);
    free(frames);
    TES_CALL(st);
    return TES_OK;
}

tes_status tes_scan_read_projections(tes_scan *s, size_t view_begin, size_t view_end,
                                     size_t row_begin, size_t row_end, tes_array **out) {
    TES_CHECK(s && out, TES_ERR_ARG, "no scan or output given");
    tes_status pre = TES_OK;
    if (!(view_begin <= view_end && view_end <= s->nviews))
        pre = tes_error_set(TES_ERR_ARG, __FILE__, __LINE__, __func__,
                            "views [%zu, %zu) are outside the %zu views of %s", view_begin,
                            view_end, s->nviews, s->file);
    TES_CALL(read_frames(s, s->h5->data, s->data_path, s->view_frames + (pre ? 0 : view_begin),
                         pre ? 0 : view_end - view_begin, row_begin, row_end, pre, out));
    return TES_OK;
}

tes_status tes_scan_read_flats(tes_scan *s, size_t row_begin, size_t row_end, tes_array **out) {
    TES_CHECK(s && out, TES_ERR_ARG, "no scan or output given");
    TES_CALL(read_frames(s, s->h5->flats, s->flats_path, s->flat_frames, s->nflats, row_begin,
                         row_end, TES_OK, out));
    return TES_OK;
}

tes_status tes_scan_read_darks(tes_scan *s, size_t row_begin, size_t row_end, tes_array **out) {
    TES_CHECK(s && out, TES_ERR_ARG, "no scan or output given");
    TES_CALL(read_frames(s, s->h5->darks, s->darks_path, s->dark_frames, s->ndarks, row_begin,
                         row_end, TES_OK, out));
    return TES_OK;
}

/* The object must exist: a missing one is named, not taken for "no
 * attribute". */
static tes_status attr_object(tes_scan *s, const char *path) {
    tes_h5_where where = TES_H5_ABSENT;
    TES_CALL(tes_h5_input_locate(s->h5->in, path, &where));
    TES_CHECK(where == TES_H5_FOUND, TES_ERR_INPUT, "%s has no object %s", s->file, path);
    return TES_OK;
}

tes_status tes_scan_attr_double(tes_scan *s, const char *path, const char *name, double *value,
                                int *found) {
    TES_CALL(attr_object(s, path));
    TES_CALL(tes_h5_input_attr_double(s->h5->in, path, name, value, found));
    return TES_OK;
}

tes_status tes_scan_attr_text(tes_scan *s, const char *path, const char *name, char *text,
                              size_t len, int *found) {
    TES_CALL(attr_object(s, path));
    TES_CALL(tes_h5_input_attr_text(s->h5->in, path, name, text, len, found));
    return TES_OK;
}

void tes_scan_summary(const tes_scan *s, FILE *out) {
    const double to_degrees = 1.0 / TES_DEGREE;
    fprintf(out, "input %s: %s, %s, %zu frames of %zu x %zu (%s)\n", s->file,
            s->format == TES_SCAN_DXCHANGE ? "Data Exchange" : "NeXus NXtomo",
            s->line_integrals ? "already line integrals" : "raw counts", s->frames, s->rows,
            s->cols, tes_dtype_name(s->dtype));
    fprintf(out, "  projections %s: %zu (%zu read)\n", s->data_path, s->projections, s->nviews);
    if (s->image_key_path[0])
        fprintf(out, "  flats: %zu, darks: %zu, invalid: %zu (by image key %s)\n", s->nflats,
                s->ndarks, s->invalid, s->image_key_path);
    else if (s->line_integrals && !s->nflats && !s->ndarks)
        fprintf(out, "  no flats or darks (none needed)\n");
    else
        fprintf(out, "  flats %s: %zu, darks %s: %zu\n", s->flats_path[0] ? s->flats_path : "-",
                s->nflats, s->darks_path[0] ? s->darks_path : "-", s->ndarks);
    if (s->nviews)
        fprintf(out, "  angles %s (%s): %.4f .. %.4f degrees\n",
                s->angles_path[0] ? s->angles_path : "generated", s->angle_unit,
                s->angles[0] * to_degrees, s->angles[s->nviews - 1] * to_degrees);
    fprintf(out, "  read: %zu views x rows [%zu, %zu) x columns [%zu, %zu)\n", s->nviews,
            s->row_begin, s->row_begin + s->nrows, s->col_begin, s->col_begin + s->ncols);
}

void tes_scan_print(const tes_scan *s) {
    if (tes_log_rank() == 0 && tes_log_get_level() >= TES_LOG_INFO)
        tes_scan_summary(s, stderr);
}
