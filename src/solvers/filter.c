/* The ramp filter (filter.h): its response, and the CPU filter over FFTW. */
#include "solvers/filter.h"

#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "solvers/filter_impl.h"

/* Rows per FFTW call: one batched plan whose rows FFTW's threads share, as
 * many as fit TES_FILTER_CHUNK_BYTES of padded rows, so that each threaded
 * call has plenty of work. Smaller calls use TES_FILTER_MIN_ROWS times a
 * power of two rows (the unused ones zero), which bounds the number of
 * distinct plans per length. */
#define TES_FILTER_CHUNK_BYTES ((size_t)8 << 20)
enum { TES_FILTER_MIN_ROWS = 64 };

/* FFTW plans kept for the process: (length, rows, threads) combinations. */
enum { TES_FILTER_MAX_PLANS = 256 };

/* The factors of the padded lengths FFTW transforms fastest. */
static const size_t smooth_factors[] = {2, 3, 5, 7};

/* Window constants (filter.h). */
#define TES_HAMMING_A 0.54
#define TES_HAMMING_B 0.46
#define TES_HANN_A    0.5

static const char *const window_names[TES_WINDOW_COUNT] = {"ram-lak", "shepp-logan", "cosine",
                                                           "hamming", "hann"};

tes_filter_options tes_filter_options_default(void) {
    tes_filter_options opt = {TES_WINDOW_RAM_LAK, 1.0};
    return opt;
}

tes_status tes_filter_options_validate(const tes_filter_options *opt) {
    TES_CHECK(opt, TES_ERR_ARG, "no filter options given");
    TES_CHECK((int)opt->window >= 0 && opt->window < TES_WINDOW_COUNT, TES_ERR_ARG,
              "unknown filter window %d", (int)opt->window);
    TES_CHECK(opt->cutoff > 0.0 && opt->cutoff <= 1.0, TES_ERR_ARG,
              "filter cutoff %g: expected a fraction of Nyquist in (0, 1]", opt->cutoff);
    return TES_OK;
}

const char *tes_filter_window_name(tes_filter_window window) {
    return (int)window >= 0 && window < TES_WINDOW_COUNT ? window_names[window] : "unknown";
}

tes_status tes_filter_window_parse(const char *text, const char *option, tes_filter_window *out) {
    TES_CHECK(text, TES_ERR_ARG, "%s: no filter window given", option);
    for (int w = 0; w < TES_WINDOW_COUNT; ++w)
        if (!strcmp(text, window_names[w])) {
            *out = (tes_filter_window)w;
            return TES_OK;
        }
    TES_FAIL(TES_ERR_ARG,
             "%s: unknown filter window '%s' (accepted: ram-lak, shepp-logan, cosine, hamming, "
             "hann)",
             option, text);
}

static int is_smooth(size_t n) {
    for (size_t i = 0; i < sizeof smooth_factors / sizeof smooth_factors[0]; ++i)
        while (n % smooth_factors[i] == 0)
            n /= smooth_factors[i];
    return n == 1;
}

size_t tes_filter_padded_length(size_t ncols) {
    size_t n = 2 * (ncols ? ncols : 1);
    while (!is_smooth(n))
        n += 2; /* even lengths only: the real transform's Nyquist bin exists */
    return n;
}

/* The window at x = f / (cutoff f_Nyquist); 0 beyond the cutoff. */
static double window_at(tes_filter_window window, double x) {
    if (x > 1.0)
        return 0.0;
    double h = 0.5 * M_PI * x;
    switch (window) {
    case TES_WINDOW_SHEPP_LOGAN:
        return x > 0.0 ? sin(h) / h : 1.0;
    case TES_WINDOW_COSINE:
        return cos(h);
    case TES_WINDOW_HAMMING:
        return TES_HAMMING_A + TES_HAMMING_B * cos(M_PI * x);
    case TES_WINDOW_HANN:
        return TES_HANN_A + (1.0 - TES_HANN_A) * cos(M_PI * x);
    default:
        return 1.0;
    }
}

/* sum_n h[n] cos(2 pi k n / P) over the circular taps n in (-P/2, P/2]:
 * the odd taps pair up (n and -n); the tap at P/2 counts once. The cosines
 * come from a rotating phasor (double: its drift stays near 1e-12). */
static double ramp_dft(size_t padded, size_t k) {
    const size_t half = padded / 2;
    const double step = 2.0 * M_PI * (double)k / (double)padded;
    const double c1 = cos(step), s1 = sin(step), c2 = cos(2.0 * step), s2 = sin(2.0 * step);
    double re = c1, im = s1, sum = 0.25;
    for (size_t n = 1; n < half; n += 2) {
        sum -= 2.0 * re / (M_PI * M_PI * (double)n * (double)n);
        double t = re * c2 - im * s2;
        im = re * s2 + im * c2;
        re = t;
    }
    if (half % 2 == 1)
        sum -= (k % 2 ? -1.0 : 1.0) / (M_PI * M_PI * (double)half * (double)half);
    return sum;
}

tes_status tes_filter_response(size_t padded, const tes_filter_options *opt, double *response) {
    TES_CALL(tes_filter_options_validate(opt));
    TES_CHECK(padded >= 2 && padded % 2 == 0 && response, TES_ERR_ARG,
              "filter response: padded length %zu must be even and at least 2", padded);
    for (size_t k = 0; k <= padded / 2; ++k) {
        double x = 2.0 * (double)k / ((double)padded * opt->cutoff);
        double w = window_at(opt->window, x);
        response[k] = w > 0.0 ? w * ramp_dft(padded, k) : 0.0;
    }
    return TES_OK;
}

/* ---- FFTW plans ----------------------------------------------------------- */

typedef struct plan_entry {
    size_t padded;
    int batch, threads;
    fftwf_plan r2c, c2r;
} plan_entry;

/* Plans are made once and kept; the lock serialises FFTW's planner, which is
 * not thread-safe, and the cache. Executing a plan (new-array execute on
 * buffers of the same alignment, fftwf_malloc) is thread-safe. */
static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;
static plan_entry plans[TES_FILTER_MAX_PLANS];
static int nplans;
static int fftw_threads_ready;

static tes_status make_plans(plan_entry *e, float *real, fftwf_complex *spectrum) {
    if (!fftw_threads_ready) {
        TES_CHECK(fftwf_init_threads(), TES_ERR_INTERNAL, "FFTW: cannot initialise threads");
        fftw_threads_ready = 1;
    }
    int n = (int)e->padded, bins = n / 2 + 1;
    fftwf_plan_with_nthreads(e->threads);
    e->r2c = fftwf_plan_many_dft_r2c(1, &n, e->batch, real, NULL, 1, n, spectrum, NULL, 1, bins,
                                     FFTW_ESTIMATE);
    e->c2r = fftwf_plan_many_dft_c2r(1, &n, e->batch, spectrum, NULL, 1, bins, real, NULL, 1, n,
                                     FFTW_ESTIMATE);
    TES_CHECK(e->r2c && e->c2r, TES_ERR_INTERNAL,
              "FFTW: cannot plan %d real transforms of length %d", e->batch, n);
    return TES_OK;
}

/* The cached plans for (padded, batch, threads), made on the given buffers
 * (fftwf_malloc'ed, so every filter's buffers share their alignment). */
static tes_status get_plans(size_t padded, int batch, int threads, float *real,
                            fftwf_complex *spectrum, fftwf_plan *r2c, fftwf_plan *c2r) {
    tes_status st = TES_OK;
    pthread_mutex_lock(&planner_lock);
    plan_entry *e = NULL;
    for (int i = 0; i < nplans && !e; ++i)
        if (plans[i].padded == padded && plans[i].batch == batch && plans[i].threads == threads)
            e = &plans[i];
    if (!e && nplans == TES_FILTER_MAX_PLANS)
        st = tes_error_set(TES_ERR_INTERNAL, __FILE__, __LINE__, __func__,
                           "FFTW: more than %d filter plans requested", TES_FILTER_MAX_PLANS);
    if (!e && st == TES_OK) {
        plan_entry fresh = {padded, batch, threads, NULL, NULL};
        st = make_plans(&fresh, real, spectrum);
        if (st == TES_OK) {
            plans[nplans] = fresh;
            e = &plans[nplans++];
        }
    }
    if (e) {
        *r2c = e->r2c;
        *c2r = e->c2r;
    }
    pthread_mutex_unlock(&planner_lock);
    TES_CALL(st);
    return TES_OK;
}

/* ---- the filter ------------------------------------------------------------- */

struct tes_filter {
    tes_backend backend;
    size_t ncols, padded, bins;
    float *response;         /* bins values, 1 / padded included */
    size_t chunk;            /* CPU: rows of the buffers and plans; 0: none yet */
    float *real;             /* CPU: chunk x padded */
    fftwf_complex *spectrum; /* CPU: chunk x bins */
    fftwf_plan r2c, c2r;
    tes_filter_cuda *cuda;
};

static tes_status make_response(tes_filter *f, const tes_filter_options *opt) {
    double *r = malloc(f->bins * sizeof *r);
    TES_CHECK(r, TES_ERR_ALLOC, "cannot allocate a filter response of %zu values", f->bins);
    tes_status st = tes_filter_response(f->padded, opt, r);
    for (size_t k = 0; st == TES_OK && k < f->bins; ++k)
        f->response[k] = (float)(r[k] / (double)f->padded);
    free(r);
    TES_CALL(st);
    return TES_OK;
}

/* Rows per FFTW call for calls of lines rows. */
static size_t chunk_rows(const tes_filter *f, size_t lines) {
    size_t most = TES_FILTER_CHUNK_BYTES / (f->padded * sizeof(float)), rows = TES_FILTER_MIN_ROWS;
    while (rows < lines && 2 * rows <= most)
        rows *= 2;
    return rows;
}

/* Buffers and plans for chunks of rows rows. */
static tes_status ensure_chunk(tes_filter *f, size_t rows) {
    if (rows == f->chunk)
        return TES_OK;
    fftwf_free(f->real);
    fftwf_free(f->spectrum);
    f->chunk = 0;
    f->real = fftwf_malloc(rows * f->padded * sizeof *f->real);
    f->spectrum = fftwf_malloc(rows * f->bins * sizeof *f->spectrum);
    TES_CHECK(f->real && f->spectrum, TES_ERR_ALLOC,
              "cannot allocate FFT buffers for %zu rows of %zu samples", rows, f->padded);
    TES_CALL(get_plans(f->padded, (int)rows, tes_backend_threads(), f->real, f->spectrum, &f->r2c,
                       &f->c2r));
    f->chunk = rows;
    return TES_OK;
}

tes_status tes_filter_create(tes_filter **out, size_t ncols, const tes_filter_options *opt,
                             tes_backend backend) {
    TES_CHECK(out, TES_ERR_ARG, "output pointer is NULL");
    TES_CALL(tes_filter_options_validate(opt));
    TES_CHECK(ncols > 0 && ncols <= (size_t)INT32_MAX / 4, TES_ERR_ARG,
              "filter: %zu detector columns (expected 1 to %d)", ncols, INT32_MAX / 4);
    TES_CHECK(tes_backend_usable(backend), TES_ERR_BACKEND,
              "backend %s is not usable here (built without it, or no device)",
              tes_backend_name(backend));
    tes_filter *f = calloc(1, sizeof *f);
    TES_CHECK(f, TES_ERR_ALLOC, "cannot allocate a filter");
    f->backend = backend;
    f->ncols = ncols;
    f->padded = tes_filter_padded_length(ncols);
    f->bins = f->padded / 2 + 1;
    f->response = malloc(f->bins * sizeof *f->response);
    tes_status st = TES_OK;
    TES_CHECK_GOTO(st, f->response, TES_ERR_ALLOC, fail, "cannot allocate a filter response");
    TES_CALL_GOTO(st, make_response(f, opt), fail);
    if (backend != TES_BACKEND_CPU) {
#ifdef TES_HAVE_CUDA
        TES_CALL_GOTO(st, tes_filter_cuda_create(&f->cuda, ncols, f->padded, f->response), fail);
#else
        TES_CHECK_GOTO(st, 0, TES_ERR_BACKEND, fail, "this tessera was built without CUDA");
#endif
    }
    *out = f;
    return TES_OK;
fail:
    tes_filter_destroy(&f);
    return st;
}

void tes_filter_destroy(tes_filter **f) {
    if (!f || !*f)
        return;
#ifdef TES_HAVE_CUDA
    tes_filter_cuda_destroy(&(*f)->cuda);
#endif
    fftwf_free((*f)->real);
    fftwf_free((*f)->spectrum);
    free((*f)->response);
    free(*f);
    *f = NULL;
}

/* Lines [start, start + nb) of data (line = view * nrows + row) into the
 * chunk buffer, pre-weighted and zero-padded; the chunk's other rows are 0. */
static void load_chunk(tes_filter *f, const float *data, size_t nrows, size_t start, size_t nb,
                       const tes_filter_geom *geom, const tes_filter_view *views) {
    const size_t n = f->ncols, padded = f->padded;
#pragma omp parallel for schedule(static)
    for (int64_t b = 0; b < (int64_t)f->chunk; ++b) {
        float *row = f->real + (size_t)b * padded;
        size_t c = 0;
        if ((size_t)b < nb) {
            size_t line = start + (size_t)b, v = line / nrows, r = line % nrows;
            const float *in = data + line * n;
            if (geom)
                for (; c < n; ++c)
                    row[c] = in[c] * tes_filter_preweight(geom, views[v], (int64_t)r, (int64_t)c);
            else
                for (; c < n; ++c)
                    row[c] = in[c];
        }
        memset(row + c, 0, (padded - c) * sizeof *row);
    }
}

static void multiply_response(tes_filter *f, size_t nb) {
    const size_t bins = f->bins;
#pragma omp parallel for schedule(static)
    for (int64_t b = 0; b < (int64_t)nb; ++b) {
        fftwf_complex *s = f->spectrum + (size_t)b * bins;
        for (size_t k = 0; k < bins; ++k) {
            s[k][0] *= f->response[k];
            s[k][1] *= f->response[k];
        }
    }
}

static void store_chunk(tes_filter *f, float *data, size_t nrows, size_t start, size_t nb,
                        const tes_filter_view *views) {
    const size_t n = f->ncols;
#pragma omp parallel for schedule(static)
    for (int64_t b = 0; b < (int64_t)nb; ++b) {
        size_t line = start + (size_t)b;
        float scale = views[line / nrows].scale;
        const float *row = f->real + (size_t)b * f->padded;
        float *out = data + line * n;
        for (size_t c = 0; c < n; ++c)
            out[c] = row[c] * scale;
    }
}

static tes_status apply_cpu(tes_filter *f, float *data, size_t nviews, size_t nrows,
                            const tes_filter_geom *geom, const tes_filter_view *views) {
    const size_t lines = nviews * nrows;
    TES_CALL(ensure_chunk(f, chunk_rows(f, lines)));
    for (size_t start = 0; start < lines; start += f->chunk) {
        size_t nb = lines - start < f->chunk ? lines - start : f->chunk;
        load_chunk(f, data, nrows, start, nb, geom, views);
        fftwf_execute_dft_r2c(f->r2c, f->real, f->spectrum);
        multiply_response(f, nb);
        fftwf_execute_dft_c2r(f->c2r, f->spectrum, f->real);
        store_chunk(f, data, nrows, start, nb, views);
    }
    return TES_OK;
}

tes_status tes_filter_apply(tes_filter *f, tes_array *data, const tes_filter_geom *geom,
                            const tes_filter_view *views) {
    TES_CHECK(f && data && views, TES_ERR_ARG, "filter: NULL filter, data or views");
    tes_location loc = tes_backend_location(f->backend);
    TES_CALL(tes_array_expect(data, "data to filter", TES_FLOAT32, loc, -1, NULL));
    TES_CHECK(data->ndim == 3 && data->shape[2] == f->ncols, TES_ERR_SHAPE,
              "filter: expected data (views, rows, %zu), got %d dimensions with %zu columns",
              f->ncols, data->ndim, data->ndim == 3 ? data->shape[2] : 0);
    size_t nviews = data->shape[0], nrows = data->shape[1];
    if (nviews == 0 || nrows == 0)
        return TES_OK;
    if (f->backend == TES_BACKEND_CPU) {
        TES_CALL(apply_cpu(f, data->data, nviews, nrows, geom, views));
        return TES_OK;
    }
#ifdef TES_HAVE_CUDA
    TES_CALL(tes_filter_cuda_apply(f->cuda, data->data, nviews, nrows, geom, views));
    return TES_OK;
#else
    TES_FAIL(TES_ERR_BACKEND, "this tessera was built without CUDA");
#endif
}
