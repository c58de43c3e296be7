#include "io/preprocess.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/agree.h"
#include "core/check.h"
#include "core/log.h"

/* Smallest f - d used as a divisor, counts: only keeps dead pixels (f = d)
 * from dividing by zero. */
static const double TES_PREPROCESS_FLAT_FLOOR = 1e-6;
/* Transmission that t <= 0 becomes: -log gives 13.8, far above any real
 * attenuation, so such pixels stand out without being infinite. */
static const double TES_PREPROCESS_MIN_TRANSMISSION = 1e-6;

/* A description of frames: a file name and two dataset paths. */
enum { TES_WHAT_BYTES = 4 * TES_SCAN_PATH_BYTES };

tes_preprocess_options tes_preprocess_options_default(void) {
    tes_preprocess_options opt = {TES_PREPROCESS_FLAT_FLOOR, TES_PREPROCESS_MIN_TRANSMISSION};
    return opt;
}

/* One converter per stored type: dst[i] = (float)src[i]. */
#define TES_DEFINE_TO_FLOAT(name, T)                                                               \
    static void name(const void *src, float *dst, size_t n) {                                      \
        const T *s = src;                                                                          \
        _Pragma("omp parallel for schedule(static)") for (size_t i = 0; i < n; ++i) dst[i] =       \
            (float)s[i];                                                                           \
    }
TES_DEFINE_TO_FLOAT(from_float32, float)
TES_DEFINE_TO_FLOAT(from_float64, double)
TES_DEFINE_TO_FLOAT(from_uint8, uint8_t)
TES_DEFINE_TO_FLOAT(from_uint16, uint16_t)
TES_DEFINE_TO_FLOAT(from_uint32, uint32_t)
TES_DEFINE_TO_FLOAT(from_int32, int32_t)
TES_DEFINE_TO_FLOAT(from_int64, int64_t)

typedef void (*to_float_fn)(const void *src, float *dst, size_t n);

/* Indexed by tes_dtype. */
static const to_float_fn converters[TES_DTYPE_COUNT] = {
    [TES_FLOAT32] = from_float32, [TES_FLOAT64] = from_float64, [TES_UINT8] = from_uint8,
    [TES_UINT16] = from_uint16,   [TES_UINT32] = from_uint32,   [TES_INT32] = from_int32,
    [TES_INT64] = from_int64,
};

tes_status tes_preprocess_to_float(tes_array **out, const tes_array *in) {
    TES_CHECK(in && in->location == TES_HOST, TES_ERR_ARG, "preprocessing needs a host array");
    TES_CHECK((unsigned)in->dtype < TES_DTYPE_COUNT && converters[in->dtype], TES_ERR_ARG,
              "cannot convert %s to float32", tes_dtype_name(in->dtype));
    TES_CALL(tes_array_create(out, TES_FLOAT32, TES_HOST, in->ndim, in->shape));
    converters[in->dtype](in->data, (*out)->data, tes_array_count(in));
    return TES_OK;
}

/* First index of a value in v[0..n) that is non-finite or negative, or n. */
static size_t first_bad_reference(const float *v, size_t n) {
    size_t first = n;
#pragma omp parallel for reduction(min : first) schedule(static)
    for (size_t i = 0; i < n; ++i)
        if (!isfinite(v[i]) || v[i] < 0.0f)
            first = i < first ? i : first;
    return first;
}

tes_status tes_preprocess_mean(tes_array **out, const tes_array *frames, const char *what) {
    TES_CHECK(frames && frames->ndim == 3, TES_ERR_SHAPE,
              "%s: expected frames of shape (n, rows, cols)", what);
    tes_array *values = NULL;
    TES_CALL(tes_preprocess_to_float(&values, frames));
    size_t nframes = frames->shape[0], pixels = frames->shape[1] * frames->shape[2];
    const float *v = values->data;
    size_t bad = first_bad_reference(v, nframes * pixels);
    if (bad < nframes * pixels) {
        float value = v[bad];
        tes_array_destroy(&values);
        TES_FAIL(TES_ERR_INPUT,
                 "%s: frame %zu, row %zu, column %zu is %g; flat and dark values must be "
                 "finite and non-negative counts",
                 what, bad / pixels, bad % pixels / frames->shape[2], bad % frames->shape[2],
                 (double)value);
    }
    tes_status st = tes_array_create(out, TES_FLOAT32, TES_HOST, 2, frames->shape + 1);
    if (st == TES_OK && nframes) {
        float *mean = (*out)->data;
#pragma omp parallel for schedule(static)
        for (size_t k = 0; k < pixels; ++k) {
            double sum = 0.0;
            for (size_t f = 0; f < nframes; ++f)
                sum += v[f * pixels + k];
            mean[k] = (float)(sum / (double)nframes);
        }
    }
    tes_array_destroy(&values);
    TES_CALL(st);
    return TES_OK;
}

static tes_status expect_image(const tes_array *a, const char *what, size_t rows, size_t cols) {
    size_t shape[2] = {rows, cols};
    TES_CALL(tes_array_expect(a, what, TES_FLOAT32, TES_HOST, 2, shape));
    return TES_OK;
}

tes_status tes_preprocess_check_references(const tes_array *flat, const tes_array *dark,
                                           const tes_preprocess_options *opt, const char *what,
                                           MPI_Comm comm, tes_preprocess_stats *stats) {
    tes_status st = expect_image(dark, "mean dark", flat->shape[0], flat->shape[1]);
    size_t floored = 0, pixels = tes_array_count(flat);
    if (st == TES_OK) {
        const float *f = flat->data, *d = dark->data;
        double floor = opt->flat_floor;
#pragma omp parallel for reduction(+ : floored) schedule(static)
        for (size_t k = 0; k < pixels; ++k)
            floored += (double)f[k] - (double)d[k] <= floor;
    }
    TES_CALL(tes_status_agree(comm, st));
    unsigned long long counts[2] = {floored, pixels}, total[2] = {0, 0};
    TES_MPI_CALL(MPI_Allreduce(counts, total, 2, MPI_UNSIGNED_LONG_LONG, MPI_SUM, comm));
    TES_CHECK(total[0] < total[1], TES_ERR_INPUT,
              "%s: the flats are not brighter than the darks at any of the %llu pixels read "
              "(flats zero, or flats and darks swapped?)",
              what, total[1]);
    stats->floored += floored;
    return TES_OK;
}

tes_status tes_preprocess_normalize(tes_array *data, const tes_array *flat, const tes_array *dark,
                                    const tes_preprocess_options *opt,
                                    tes_preprocess_stats *stats) {
    TES_CHECK(data && data->dtype == TES_FLOAT32 && data->location == TES_HOST && data->ndim == 3,
              TES_ERR_SHAPE, "normalisation needs float32 host data (views, rows, cols)");
    TES_CALL(expect_image(flat, "mean flat", data->shape[1], data->shape[2]));
    TES_CALL(expect_image(dark, "mean dark", data->shape[1], data->shape[2]));
    size_t pixels = data->shape[1] * data->shape[2], n = tes_array_count(data);
    float *y = data->data;
    const float *f = flat->data, *d = dark->data;
    const double floor = opt->flat_floor, tmin = opt->min_transmission;
    size_t nonfinite = 0, clamped = 0;
#pragma omp parallel for reduction(+ : nonfinite, clamped) schedule(static)
    for (size_t i = 0; i < n; ++i) {
        size_t k = i % pixels;
        double p = y[i];
        if (!isfinite(p)) {
            y[i] = 0.0f;
            ++nonfinite;
            continue;
        }
        double open = (double)f[k] - (double)d[k];
        double t = (p - (double)d[k]) / (open > floor ? open : floor);
        if (t <= 0.0) {
            t = tmin;
            ++clamped;
        }
        y[i] = (float)-log(t);
    }
    stats->nonfinite += nonfinite;
    stats->clamped += clamped;
    stats->values += n;
    return TES_OK;
}

tes_status tes_preprocess_sanitize(tes_array *data, tes_preprocess_stats *stats) {
    TES_CHECK(data && data->dtype == TES_FLOAT32 && data->location == TES_HOST, TES_ERR_SHAPE,
              "sanitising needs float32 host data");
    size_t n = tes_array_count(data), nonfinite = 0;
    float *y = data->data;
#pragma omp parallel for reduction(+ : nonfinite) schedule(static)
    for (size_t i = 0; i < n; ++i)
        if (!isfinite(y[i])) {
            y[i] = 0.0f;
            ++nonfinite;
        }
    stats->nonfinite += nonfinite;
    stats->values += n;
    return TES_OK;
}

tes_status tes_preprocess_report(const tes_preprocess_stats *stats, const char *file, MPI_Comm comm,
                                 tes_preprocess_stats *total) {
    enum { NCOUNTS = 4 };
    unsigned long long mine[NCOUNTS] = {stats->nonfinite, stats->clamped, stats->floored,
                                        stats->values},
                       all[NCOUNTS] = {0};
    TES_MPI_CALL(MPI_Allreduce(mine, all, NCOUNTS, MPI_UNSIGNED_LONG_LONG, MPI_SUM, comm));
    if (total) {
        total->nonfinite = (size_t)all[0];
        total->clamped = (size_t)all[1];
        total->floored = (size_t)all[2];
        total->values = (size_t)all[3];
    }
    tes_log_level level = all[0] || all[1] ? TES_LOG_WARN : TES_LOG_INFO;
    tes_log(level,
            "%s: %llu values preprocessed; %llu NaN/Inf replaced by 0, %llu transmissions <= 0 "
            "clamped, %llu dead flat pixels floored",
            file, all[3], all[0], all[1], all[2]);
    return TES_OK;
}

/* Mean of the flats or darks of rows [row_begin, row_end). */
static tes_status reference_mean(tes_array **out, tes_scan *s, int flats, size_t row_begin,
                                 size_t row_end) {
    tes_array *frames = NULL;
    if (flats)
        TES_CALL(tes_scan_read_flats(s, row_begin, row_end, &frames));
    else
        TES_CALL(tes_scan_read_darks(s, row_begin, row_end, &frames));
    char what[TES_WHAT_BYTES];
    snprintf(what, sizeof what, "%s %s of %s", flats ? "flats" : "darks",
             flats ? s->flats_path : s->darks_path, s->file);
    tes_status st = tes_preprocess_mean(out, frames, what);
    tes_array_destroy(&frames);
    TES_CALL(tes_status_agree(s->comm, st));
    return TES_OK;
}

/* Mean flat and dark of rows [row_begin, row_end), checked. */
static tes_status load_references(tes_array **flat, tes_array **dark, tes_scan *s, size_t row_begin,
                                  size_t row_end, const tes_preprocess_options *opt,
                                  tes_preprocess_stats *stats) {
    tes_status st = TES_OK;
    TES_CALL_GOTO(st, reference_mean(flat, s, 1, row_begin, row_end), fail);
    TES_CALL_GOTO(st, reference_mean(dark, s, 0, row_begin, row_end), fail);
    char what[TES_WHAT_BYTES];
    snprintf(what, sizeof what, "%s (flats %s, darks %s)", s->file, s->flats_path,
             s->ndarks ? s->darks_path : "none");
    TES_CALL_GOTO(st, tes_preprocess_check_references(*flat, *dark, opt, what, s->comm, stats),
                  fail);
    return TES_OK;
fail:
    tes_array_destroy(flat);
    tes_array_destroy(dark);
    return st;
}

tes_status tes_preprocess_load(tes_array **out, tes_scan *s, size_t view_begin, size_t view_end,
                               size_t row_begin, size_t row_end, const tes_preprocess_options *opt,
                               tes_preprocess_stats *total) {
    tes_preprocess_options defaults = tes_preprocess_options_default();
    if (!opt)
        opt = &defaults;
    *out = NULL;
    tes_array *flat = NULL, *dark = NULL, *raw = NULL;
    tes_preprocess_stats stats = {0};
    /* References first: bad flats are refused before the big read. */
    if (!s->line_integrals)
        TES_CALL(load_references(&flat, &dark, s, row_begin, row_end, opt, &stats));
    tes_status st = tes_scan_read_projections(s, view_begin, view_end, row_begin, row_end, &raw);
    if (st == TES_OK)
        st = tes_preprocess_to_float(out, raw);
    tes_array_destroy(&raw);
    if (st == TES_OK && s->line_integrals)
        st = tes_preprocess_sanitize(*out, &stats);
    else if (st == TES_OK)
        st = tes_preprocess_normalize(*out, flat, dark, opt, &stats);
    tes_array_destroy(&flat);
    tes_array_destroy(&dark);
    st = tes_status_agree(s->comm, st);
    if (st == TES_OK)
        st = tes_preprocess_report(&stats, s->file, s->comm, total);
    if (st != TES_OK) {
        tes_array_destroy(out);
        TES_CALL(st);
    }
    return TES_OK;
}
