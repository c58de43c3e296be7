/* t504: the ramp filter and the weights of FBP/FDK. The filter equals the
 * direct convolution with the discrete ramp h[0] = 1/4, h[odd n] =
 * -1/(pi n)^2 (zero padding makes the FFT's circular convolution linear);
 * its response is |f| with the right DC term, windows vanish above the
 * cutoff; padded lengths are smooth; angular weights integrate over pi (2 pi
 * for cone beams) for uniform, doubled and irregular angles; short scans are
 * recognised; Parker's weights of the two measurements of a line add to 1;
 * bad options are refused with clear messages. argv: backend. */
#include "fbp_testing.h"

enum { COLS = 101, VIEWS = 3, ROWS = 2 };
#define FILTER_TOLERANCE 2e-5 /* relative to the largest filtered value */

static void test_padded_length(void) {
    size_t sizes[] = {1, 7, 100, 256, 365, 560, 640, 2048, 2049};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; ++i) {
        size_t p = tes_filter_padded_length(sizes[i]), m = p;
        while (m % 2 == 0)
            m /= 2;
        while (m % 3 == 0)
            m /= 3;
        while (m % 5 == 0)
            m /= 5;
        while (m % 7 == 0)
            m /= 7;
        EXPECT(p >= 2 * sizes[i] && p % 2 == 0 && m == 1 && p < 3 * sizes[i] + 2,
               "padded length %zu for %zu columns", p, sizes[i]);
    }
    EXPECT(tes_filter_padded_length(2048) == 4096, "2048 columns pad to %zu",
           tes_filter_padded_length(2048));
}

static void test_response(void) {
    enum { P = 512 };
    double h[P / 2 + 1];
    tes_filter_options opt = tes_filter_options_default();
    EXPECT_OK(tes_filter_response(P, &opt, h));
    EXPECT(h[0] > 0.0 && h[0] < 1e-3, "ram-lak DC term %g: expected small and positive", h[0]);
    /* The taps end at P / 2: the odd tail 2 sum 1 / (pi n)^2 beyond it is missing. */
    EXPECT(fabs(h[P / 2] - 0.5) < 2.0 / (M_PI * M_PI * P / 2),
           "ram-lak at Nyquist %g, expected 0.5", h[P / 2]);
    for (int k = P / 16; k < P / 2; k += P / 16)
        EXPECT(fabs(h[k] - (double)k / P) < 2e-3 * (double)k / P + 1e-4,
               "ram-lak at k = %d: %g, expected about %g", k, h[k], (double)k / P);
    for (int w = 1; w < TES_WINDOW_COUNT; ++w) {
        opt.window = (tes_filter_window)w;
        opt.cutoff = 0.5;
        EXPECT_OK(tes_filter_response(P, &opt, h));
        EXPECT(h[P / 4 + 1] == 0.0 && h[P / 2] == 0.0, "%s: response above the cutoff",
               tes_filter_window_name(opt.window));
        EXPECT(h[P / 8] > 0.0 && h[P / 8] < (double)(P / 8) / P, "%s: window at half the cutoff",
               tes_filter_window_name(opt.window));
    }
}

/* Direct linear convolution of one row with the discrete ramp. */
static double ramp_tap(long n) {
    if (n == 0)
        return 0.25;
    if (n % 2 == 0)
        return 0.0;
    return -1.0 / (M_PI * M_PI * (double)n * (double)n);
}

static void test_filter_apply(tes_backend backend) {
    size_t shape[3] = {VIEWS, ROWS, COLS};
    tes_array *host = NULL, *data = NULL, *back = NULL;
    if (!EXPECT_OK(tes_array_create(&host, TES_FLOAT32, TES_HOST, 3, shape)))
        return;
    unsigned long long state = 7;
    float *x = host->data;
    for (size_t i = 0; i < tes_array_count(host); ++i)
        x[i] = tes_test_random(&state);
    tes_filter_view views[VIEWS];
    for (int v = 0; v < VIEWS; ++v)
        views[v] = (tes_filter_view){1.0f + (float)v, 0.0f, 0.0f, 0.0f};
    tes_filter *f = NULL;
    tes_filter_options opt = tes_filter_options_default();
    if (EXPECT_OK(tes_array_clone(&data, host, tes_backend_location(backend))) &&
        EXPECT_OK(tes_filter_create(&f, COLS, &opt, backend)) &&
        EXPECT_OK(tes_filter_apply(f, data, NULL, views)) &&
        EXPECT_OK(tes_array_clone(&back, data, TES_HOST))) {
        const float *y = back->data;
        double diff = 0.0, scale = 0.0;
        for (size_t line = 0; line < VIEWS * ROWS; ++line)
            for (long k = 0; k < COLS; ++k) {
                double sum = 0.0;
                for (long n = 0; n < COLS; ++n)
                    sum += x[line * COLS + (size_t)n] * ramp_tap(k - n);
                sum *= views[line / ROWS].scale;
                diff = fmax(diff, fabs(sum - y[line * COLS + (size_t)k]));
                scale = fmax(scale, fabs(sum));
            }
        printf("filter (%s) against direct convolution: max difference %.3g of %.3g\n",
               tes_backend_name(backend), diff, scale);
        EXPECT(diff <= FILTER_TOLERANCE * scale, "filter differs from the convolution by %.3g",
               diff);
    }
    tes_filter_destroy(&f);
    tes_array_destroy(&back);
    tes_array_destroy(&data);
    tes_array_destroy(&host);
}

static double sum_of(const double *w, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; ++i)
        s += w[i];
    return s;
}

static void test_angular_weights(void) {
    enum { M = 90 };
    double a[2 * M], w[2 * M];
    for (int i = 0; i < M; ++i)
        a[i] = M_PI * i / M;
    EXPECT_OK(tes_fbp_angular_weights(a, M, M_PI, w));
    EXPECT(fabs(w[0] - M_PI / M) < 1e-12 && fabs(w[M - 1] - M_PI / M) < 1e-12,
           "uniform angles: end weights %g, %g", w[0], w[M - 1]);
    /* A full turn of a parallel beam: opposite views share their interval. */
    for (int i = 0; i < 2 * M; ++i)
        a[i] = M_PI * i / M;
    EXPECT_OK(tes_fbp_angular_weights(a, 2 * M, M_PI, w));
    EXPECT(fabs(sum_of(w, 2 * M) - M_PI) < 1e-12, "full turn, modulo pi: sum %g", sum_of(w, 2 * M));
    EXPECT(fabs(w[3] - 0.5 * M_PI / M) < 1e-12, "full turn: weight %g, expected half a step", w[3]);
    /* Irregular, unsorted, negative and beyond 2 pi. */
    unsigned long long state = 11;
    for (int i = 0; i < M; ++i)
        a[i] = 10.0 * tes_test_random(&state);
    EXPECT_OK(tes_fbp_angular_weights(a, M, M_PI, w));
    EXPECT(fabs(sum_of(w, M) - M_PI) < 1e-12, "irregular angles: sum %g", sum_of(w, M));
}

static void test_coverage(void) {
    tes_vol_geom vol;
    tes_proj_geom *g = NULL;
    if (!tes_fbp_test_geometry(1, 32, 100, &vol, &g))
        return;
    tes_fbp_coverage c;
    EXPECT_OK(tes_fbp_coverage_of(g, TES_FBP_SCAN_AUTO, &c));
    EXPECT(!c.short_scan && c.fan > 0.0, "a full turn taken as short (or no fan angle)");
    /* 0 .. 360 degrees with both ends included: still a full turn. */
    for (size_t i = 0; i < g->nviews; ++i)
        g->angles[i] = 2.0 * M_PI * (double)i / (double)(g->nviews - 1);
    EXPECT_OK(tes_fbp_coverage_of(g, TES_FBP_SCAN_AUTO, &c));
    EXPECT(!c.short_scan, "0 .. 360 degrees inclusive taken as a short scan");
    /* 200 degrees from -30, given in decreasing order. */
    for (size_t i = 0; i < g->nviews; ++i)
        g->angles[i] = (170.0 - 200.0 * (double)i / (double)(g->nviews - 1)) * M_PI / 180.0;
    EXPECT_OK(tes_fbp_coverage_of(g, TES_FBP_SCAN_AUTO, &c));
    EXPECT(c.short_scan && fabs(c.range - 200.0 * M_PI / 180.0) < 1e-9 &&
               fabs(c.first - 330.0 * M_PI / 180.0) < 1e-9,
           "short scan: short %d, range %g deg, first %g deg", c.short_scan, c.range * 180.0 / M_PI,
           c.first * 180.0 / M_PI);
    tes_proj_geom_destroy(&g);
}

/* Parker: the two measurements (beta, gamma) and (beta + pi - 2 gamma,
 * -gamma) of a line weigh 1 together wherever both lie in the scan. */
static void test_parker(void) {
    const float delta = 0.3f;
    unsigned long long state = 5;
    double worst = 0.0;
    for (int i = 0; i < 10000; ++i) {
        float gamma = 0.3f * tes_test_random(&state);
        float beta = (float)(0.5 * (1.0 + tes_test_random(&state)) * (M_PI + 2.0 * delta));
        float conj = beta + (float)M_PI - 2.0f * gamma;
        if (conj > (float)M_PI + 2.0f * delta)
            conj -= 2.0f * (float)M_PI; /* the same line, one turn earlier */
        double sum = tes_parker_weight(beta, gamma, delta) +
                     (conj >= 0.0f ? tes_parker_weight(conj, -gamma, delta) : 0.0f);
        worst = fmax(worst, fabs(sum - 1.0));
    }
    EXPECT(worst < 1e-4, "Parker weights of a line's two measurements add to 1 +- %g", worst);
}

static void test_bad_options(void) {
    tes_filter_window w;
    EXPECT_ERROR(tes_filter_window_parse("hanning", "--filter", &w), TES_ERR_ARG,
                 "unknown filter window 'hanning'");
    tes_filter_options opt = tes_filter_options_default();
    opt.cutoff = 1.5;
    EXPECT_ERROR(tes_filter_options_validate(&opt), TES_ERR_ARG, "cutoff 1.5");
    opt.cutoff = 0.0;
    tes_filter *f = NULL;
    EXPECT_ERROR(tes_filter_create(&f, 10, &opt, TES_BACKEND_CPU), TES_ERR_ARG, "cutoff 0");
    EXPECT_OK(tes_filter_window_parse("shepp-logan", "--filter", &w));
    EXPECT(w == TES_WINDOW_SHEPP_LOGAN, "shepp-logan parsed as %d", (int)w);
}

int main(int argc, char **argv) {
    tes_backend backend = tes_test_backend(argc, argv, 1);
    if (backend == TES_BACKEND_CPU) {
        test_padded_length();
        test_response();
        test_angular_weights();
        test_coverage();
        test_parker();
        test_bad_options();
    }
    test_filter_apply(backend);
    return tes_test_finish("t504-filter");
}
