/* t313: preprocessing on tiny arrays with exact values: conversion of the
 * stored types, means of flats and darks, -log((p - d) / max(f - d, eps))
 * with the guards (t <= 0 clamped, dead flat pixels floored, NaN/Inf
 * replaced by 0 and counted), refusal of negative, non-finite and
 * all-zero references (over all ranks), counts summed over the ranks. */
#include "io_testing.h"

#include <math.h>

#include "io/preprocess.h"

static tes_array *make(tes_dtype dtype, int ndim, size_t a, size_t b, size_t c,
                       const double *values) {
    size_t shape[3] = {a, b, c};
    tes_array *x = NULL;
    if (!EXPECT_OK(tes_array_create(&x, dtype, TES_HOST, ndim, shape)))
        return NULL;
    for (size_t i = 0; i < tes_array_count(x); ++i) {
        if (dtype == TES_UINT16)
            ((uint16_t *)x->data)[i] = (uint16_t)values[i];
        else if (dtype == TES_INT32)
            ((int32_t *)x->data)[i] = (int32_t)values[i];
        else if (dtype == TES_FLOAT64)
            ((double *)x->data)[i] = values[i];
        else
            ((float *)x->data)[i] = (float)values[i];
    }
    return x;
}

static void test_conversion(void) {
    const double v[] = {0, 1, 65535, 42};
    tes_dtype types[] = {TES_UINT16, TES_INT32, TES_FLOAT64, TES_FLOAT32};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; ++t) {
        tes_array *x = make(types[t], 1, 4, 1, 1, v), *y = NULL;
        if (x && EXPECT_OK(tes_preprocess_to_float(&y, x))) {
            EXPECT(y->dtype == TES_FLOAT32 && y->ndim == 1 && y->shape[0] == 4, "shape");
            for (size_t i = 0; i < 4; ++i)
                EXPECT(((float *)y->data)[i] == (float)v[i], "%s[%zu] -> %g",
                       tes_dtype_name(types[t]), i, (double)((float *)y->data)[i]);
        }
        tes_array_destroy(&x);
        tes_array_destroy(&y);
    }
}

static void test_mean(void) {
    const double v[] = {1, 2, 3, 3, 4, 6};
    tes_array *frames = make(TES_UINT16, 3, 2, 1, 3, v), *m = NULL;
    if (EXPECT_OK(tes_preprocess_mean(&m, frames, "flats"))) {
        const float *f = m->data;
        EXPECT(m->ndim == 2 && m->shape[0] == 1 && m->shape[1] == 3, "mean shape");
        EXPECT(f[0] == 2.0f && f[1] == 3.0f && f[2] == 4.5f, "mean %g %g %g", (double)f[0],
               (double)f[1], (double)f[2]);
    }
    tes_array_destroy(&m);
    tes_array_destroy(&frames);
    tes_array *none = make(TES_FLOAT32, 3, 0, 2, 2, NULL);
    if (EXPECT_OK(tes_preprocess_mean(&m, none, "darks")))
        EXPECT(((float *)m->data)[3] == 0.0f && m->shape[0] == 2, "mean of no frames");
    tes_array_destroy(&m);
    tes_array_destroy(&none);
    const double bad[] = {1, -2, 3, NAN};
    tes_array *neg = make(TES_FLOAT32, 3, 1, 1, 3, bad);
    EXPECT_ERROR(tes_preprocess_mean(&m, neg, "flats X"), TES_ERR_INPUT,
                 "flats X: frame 0, row 0, column 1 is -2");
    tes_array_destroy(&neg);
    tes_array *nan = make(TES_FLOAT32, 3, 1, 2, 2, bad);
    EXPECT_ERROR(tes_preprocess_mean(&m, nan, "darks Y"), TES_ERR_INPUT, "is -2");
    ((float *)nan->data)[1] = 2.0f;
    EXPECT_ERROR(tes_preprocess_mean(&m, nan, "darks Y"), TES_ERR_INPUT,
                 "darks Y: frame 0, row 1, column 1 is nan");
    tes_array_destroy(&nan);
    EXPECT(m == NULL, "failed mean left an array");
}

/* One row of 6 pixels: ordinary, open beam, dark level, below dark, dead
 * flat pixel, NaN; then a second view of Inf and ordinary values. */
static void test_normalize(void) {
    const double flat[] = {10, 10, 10, 10, 2, 10}, dark[] = {2, 2, 2, 2, 2, 2};
    const double p[] = {6, 10, 2, 1, 5, NAN, INFINITY, 4, 3, 18, -INFINITY, 2};
    tes_array *f = make(TES_FLOAT32, 2, 1, 6, 1, flat), *d = make(TES_FLOAT32, 2, 1, 6, 1, dark);
    tes_array *y = make(TES_FLOAT32, 3, 2, 1, 6, p);
    tes_preprocess_options opt = tes_preprocess_options_default();
    tes_preprocess_stats stats = {0};
    if (!EXPECT_OK(tes_preprocess_normalize(y, f, d, &opt, &stats)))
        goto done;
    const float *v = y->data;
    const double tmin = opt.min_transmission, eps = opt.flat_floor;
    const double want[] = {-log(4.0 / 8.0),
                           0.0,
                           -log(tmin),
                           -log(tmin),
                           -log(3.0 / eps),
                           0.0,
                           0.0,
                           -log(2.0 / 8.0),
                           -log(1.0 / 8.0),
                           -log(16.0 / 8.0),
                           0.0,
                           -log(tmin)};
    for (size_t i = 0; i < 12; ++i)
        EXPECT(v[i] == (float)want[i], "y[%zu] = %.9g, expected %.9g", i, (double)v[i], want[i]);
    EXPECT(stats.nonfinite == 3 && stats.clamped == 3 && stats.values == 12,
           "counts: %zu non-finite, %zu clamped, %zu values", stats.nonfinite, stats.clamped,
           stats.values);
    tes_preprocess_stats refs = {0};
    if (EXPECT_OK(tes_preprocess_check_references(f, d, &opt, "refs", MPI_COMM_SELF, &refs)))
        EXPECT(refs.floored == 1, "%zu floored pixels, expected 1", refs.floored);
    EXPECT_ERROR(tes_preprocess_check_references(d, d, &opt, "refs Z", MPI_COMM_SELF, &refs),
                 TES_ERR_INPUT, "refs Z: the flats are not brighter than the darks");
    tes_array *wrong = make(TES_FLOAT32, 2, 1, 5, 1, dark);
    EXPECT_ERROR(tes_preprocess_normalize(y, f, wrong, &opt, &stats), TES_ERR_SHAPE,
                 "mean dark: expected shape (1, 6)");
    tes_array_destroy(&wrong);
done:
    tes_array_destroy(&f);
    tes_array_destroy(&d);
    tes_array_destroy(&y);
}

static void test_sanitize(void) {
    const double v[] = {1, NAN, -INFINITY, 2};
    tes_array *y = make(TES_FLOAT32, 1, 4, 1, 1, v);
    tes_preprocess_stats stats = {0};
    if (EXPECT_OK(tes_preprocess_sanitize(y, &stats))) {
        const float *f = y->data;
        EXPECT(f[0] == 1.0f && f[1] == 0.0f && f[2] == 0.0f && f[3] == 2.0f, "sanitised");
        EXPECT(stats.nonfinite == 2 && stats.values == 4, "%zu replaced", stats.nonfinite);
    }
    tes_array_destroy(&y);
}

/* Zero flats on some ranks only are fine; on every rank they are refused. */
static void test_references_over_ranks(void) {
    const double zero[] = {0, 0}, ten[] = {10, 10};
    tes_preprocess_options opt = tes_preprocess_options_default();
    tes_preprocess_stats stats = {0};
    tes_array *d = make(TES_FLOAT32, 2, 1, 2, 1, zero);
    tes_array *f = make(TES_FLOAT32, 2, 1, 2, 1, io_rank == 0 ? ten : zero);
    if (EXPECT_OK(tes_preprocess_check_references(f, d, &opt, "split", MPI_COMM_WORLD, &stats)))
        EXPECT(stats.floored == (io_rank == 0 ? 0u : 2u), "rank %d floored %zu", io_rank,
               stats.floored);
    tes_array *g = make(TES_FLOAT32, 2, 1, 2, 1, zero);
    EXPECT_ERROR(tes_preprocess_check_references(g, d, &opt, "all zero", MPI_COMM_WORLD, &stats),
                 TES_ERR_INPUT, "not brighter than the darks at any of the");
    tes_array_destroy(&d);
    tes_array_destroy(&f);
    tes_array_destroy(&g);
    tes_preprocess_stats mine = {(size_t)io_rank + 1, 1, 0, 10}, total = {0};
    if (EXPECT_OK(tes_preprocess_report(&mine, "report", MPI_COMM_WORLD, &total)))
        EXPECT(total.nonfinite == (size_t)(io_nranks * (io_nranks + 1) / 2) &&
                   total.clamped == (size_t)io_nranks && total.values == 10u * (size_t)io_nranks,
               "report totals %zu %zu %zu", total.nonfinite, total.clamped, total.values);
}

int main(int argc, char **argv) {
    io_test_init(&argc, &argv, "t313");
    test_conversion();
    test_mean();
    test_normalize();
    test_sanitize();
    test_references_over_ranks();
    return io_test_finish("t313-preprocess");
}
