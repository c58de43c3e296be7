/* The centre of rotation (align/center.h): trial reconstructions, their
 * sharpness, and the sweeps that refine the first estimate. */
#include "align/center.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "kernels/backproject.h"
#include "kernels/projector.h"
#include "solvers/fbp.h"

#define TES_CENTER_DEFAULT_SEARCH 10.0 /* px */
#define TES_CENTER_DEFAULT_STEP   0.25 /* px */
#define TES_CENTER_COARSE_STEP    1.0  /* px, the coarse sweep's step */
/* The fine sweep covers +- this around the coarse sweep's best centre (px),
 * and the parabola is fitted to the fine scores within +- FIT of the best. */
#define TES_CENTER_FINE_HALFWIDTH 1.5
#define TES_CENTER_FIT_HALFWIDTH  1.0
/* A coarse sweep whose best centre is at its end moves this many times. */
enum { TES_CENTER_MAX_MOVES = 2 };
/* The score's disk stays this many voxels inside the slice's edge. */
#define TES_CENTER_DISK_MARGIN 1.0

tes_center_options tes_center_options_default(void) {
    tes_center_options opt;
    opt.search = TES_CENTER_DEFAULT_SEARCH;
    opt.step = TES_CENTER_DEFAULT_STEP;
    opt.refine = 1;
    opt.filter = tes_filter_options_default();
    opt.backend = TES_BACKEND_CPU;
    return opt;
}

/* ---- trial reconstructions -------------------------------------------------- */

struct tes_center_trials {
    size_t bin;          /* columns averaged into one */
    tes_vol_geom vol;    /* rows slices of n x n voxels of the binned pixel */
    tes_proj_geom *proj; /* the binned geometry; center_col set per trial */
    tes_backend backend;
    tes_array *filtered; /* in the backend's memory */
    tes_array *slices;   /* backend's memory */
    tes_array *host;     /* host copy of slices */
};

/* Average columns in groups of bin: (views, rows, cols) -> cols / bin. */
static tes_status bin_columns(const tes_array *sino, size_t bin, tes_array **out) {
    size_t n = sino->shape[2] / bin, lines = sino->shape[0] * sino->shape[1];
    size_t shape[3] = {sino->shape[0], sino->shape[1], n};
    TES_CALL(tes_array_create(out, TES_FLOAT32, TES_HOST, 3, shape));
    const float *in = sino->data;
    float *o = (*out)->data;
    for (size_t l = 0; l < lines; ++l)
        for (size_t c = 0; c < n; ++c) {
            double s = 0.0;
            for (size_t b = 0; b < bin; ++b)
                s += in[l * sino->shape[2] + c * bin + b];
            o[l * n + c] = (float)(s / (double)bin);
        }
    return TES_OK;
}

static tes_status trials_setup(tes_center_trials *t, const tes_proj_geom *proj,
                               const tes_array *sino, const tes_filter_options *filter) {
    size_t n = proj->ncols / t->bin;
    TES_CHECK(n >= 2, TES_ERR_ARG, "centre of rotation: %zu columns binned by %zu are too few",
              proj->ncols, t->bin);
    TES_CALL(tes_proj_geom_create(&t->proj, TES_GEOM_PARALLEL3D, proj->nviews, proj->nrows, n));
    t->proj->pixel_u = proj->pixel_u * (double)t->bin;
    t->proj->pixel_v = proj->pixel_v;
    t->proj->center_row = 0.5 * (double)(proj->nrows - 1);
    for (size_t v = 0; v < proj->nviews; ++v) {
        t->proj->angles[v] = proj->angles[v];
        t->proj->shift_u[v] = proj->shift_u[v] / (double)t->bin;
        t->proj->shift_v[v] = proj->shift_v[v];
    }
    tes_vol_geom vol = {proj->nrows, n,   n,  proj->pixel_v, t->proj->pixel_u, t->proj->pixel_u,
                        0.0,         0.0, 0.0};
    t->vol = vol;
    tes_array *binned = NULL;
    const tes_array *src = sino;
    if (t->bin > 1) {
        TES_CALL(bin_columns(sino, t->bin, &binned));
        src = binned;
    }
    tes_status st = tes_array_clone(&t->filtered, src, tes_backend_location(t->backend));
    tes_array_destroy(&binned);
    TES_CALL(st);
    tes_fbp_options fo = tes_fbp_options_default();
    fo.filter = *filter;
    tes_proj_part part = tes_proj_part_whole(&t->vol, t->proj);
    TES_CALL(tes_fbp_filter(t->proj, &part, &fo, t->backend, t->filtered));
    size_t shape[3] = {proj->nrows, n, n};
    TES_CALL(tes_array_create(&t->slices, TES_FLOAT32, tes_backend_location(t->backend), 3, shape));
    if (t->backend != TES_BACKEND_CPU)
        TES_CALL(tes_array_create(&t->host, TES_FLOAT32, TES_HOST, 3, shape));
    return TES_OK;
}

tes_status tes_center_trials_create(tes_center_trials **out, const tes_proj_geom *proj,
                                    const tes_array *sino, size_t bin,
                                    const tes_filter_options *filter, tes_backend backend) {
    TES_CHECK(out && proj && sino && filter && bin >= 1, TES_ERR_ARG,
              "centre trials: a NULL argument or a zero bin");
    size_t shape[3] = {proj->nviews, proj->nrows, proj->ncols};
    TES_CALL(tes_array_expect(sino, "sinogram", TES_FLOAT32, TES_HOST, 3, shape));
    tes_center_trials *t = calloc(1, sizeof *t);
    TES_CHECK(t, TES_ERR_ALLOC, "cannot allocate centre trials");
    t->bin = bin;
    t->backend = backend;
    tes_status st = trials_setup(t, proj, sino, filter);
    if (st != TES_OK) {
        tes_center_trials_destroy(&t);
        TES_CALL(st);
    }
    *out = t;
    return TES_OK;
}

void tes_center_trials_destroy(tes_center_trials **t) {
    if (!t || !*t)
        return;
    tes_array_destroy(&(*t)->host);
    tes_array_destroy(&(*t)->slices);
    tes_array_destroy(&(*t)->filtered);
    tes_proj_geom_destroy(&(*t)->proj);
    free(*t);
    *t = NULL;
}

size_t tes_center_trials_size(const tes_center_trials *t) {
    return t->vol.nx;
}

/* Gradient energy inside the disk of each slice, made independent of the
 * values' scale: sum |grad x|^2 times the voxel count over (sum |x|)^2. */
static double gradient_sharpness(const float *x, size_t slices, size_t n) {
    const double c = 0.5 * (double)(n - 1), r = 0.5 * (double)n - TES_CENTER_DISK_MARGIN;
    double energy = 0.0, mass = 0.0, count = 0.0;
    for (size_t k = 0; k < slices; ++k)
        for (size_t j = 1; j < n; ++j) {
            double dy = (double)j - c;
            const float *row = x + (k * n + j) * n, *above = row - n;
            for (size_t i = 1; i < n; ++i) {
                double dx = (double)i - c;
                if (dx * dx + dy * dy > r * r)
                    continue;
                double gx = (double)row[i] - row[i - 1], gy = (double)row[i] - above[i];
                energy += gx * gx + gy * gy;
                mass += fabs((double)row[i]);
                count += 1.0;
            }
        }
    return mass > 0.0 ? energy * count / (mass * mass) : 0.0;
}

tes_status tes_center_trials_run(tes_center_trials *t, double center, tes_array *out,
                                 double *score) {
    TES_CHECK(t, TES_ERR_ARG, "centre trials: NULL trials");
    t->proj->center_col = (center - 0.5 * (double)(t->bin - 1)) / (double)t->bin;
    TES_CALL(tes_backproject_fbp(&t->vol, t->proj, NULL, t->backend, t->filtered, t->slices));
    tes_array *host = t->slices;
    if (t->host) {
        TES_CALL(tes_array_copy(t->host, t->slices));
        host = t->host;
    }
    if (out)
        TES_CALL(tes_array_copy(out, host));
    if (score)
        *score = gradient_sharpness(host->data, t->vol.nz, t->vol.nx);
    return TES_OK;
}

/* ---- sweeps ----------------------------------------------------------------- */

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Scores of centres first + k step, k < n; the index of the highest. */
static tes_status sweep(tes_center_trials *t, double first, double step, size_t n, double *score,
                        size_t *best) {
    *best = 0;
    for (size_t k = 0; k < n; ++k) {
        TES_CALL(tes_center_trials_run(t, first + (double)k * step, NULL, &score[k]));
        if (score[k] > score[*best])
            *best = k;
    }
    return TES_OK;
}

/* The vertex of the least-squares parabola through (c_k, s_k) within
 * TES_CENTER_FIT_HALFWIDTH of c_best; c_best when the fit has no maximum. */
static double parabola_vertex(const double *c, const double *s, size_t n, double c_best) {
    double m[3][4] = {{0}};
    size_t used = 0;
    for (size_t k = 0; k < n; ++k) {
        double x = c[k] - c_best;
        if (fabs(x) > TES_CENTER_FIT_HALFWIDTH + 1e-9)
            continue;
        double f[3] = {1.0, x, x * x};
        for (int r = 0; r < 3; ++r) {
            for (int q = 0; q < 3; ++q)
                m[r][q] += f[r] * f[q];
            m[r][3] += f[r] * s[k];
        }
        ++used;
    }
    if (used < 3)
        return c_best;
    /* Gauss elimination of the 3 x 3 normal equations. */
    for (int p = 0; p < 3; ++p) {
        if (!(fabs(m[p][p]) > 0.0))
            return c_best;
        for (int r = p + 1; r < 3; ++r) {
            double f = m[r][p] / m[p][p];
            for (int q = p; q < 4; ++q)
                m[r][q] -= f * m[p][q];
        }
    }
    double a2 = m[2][3] / m[2][2];
    double a1 = (m[1][3] - m[1][2] * a2) / m[1][1];
    if (!(a2 < 0.0))
        return c_best;
    double x = -a1 / (2.0 * a2);
    x = fmax(-TES_CENTER_FIT_HALFWIDTH, fmin(TES_CENTER_FIT_HALFWIDTH, x));
    return c_best + x;
}

/* The coarse sweep (binned columns, 1 px steps) around res->coarse, moved
 * while its best centre is at an end; *best_center and the confidence. */
static tes_status coarse_sweep(const tes_proj_geom *proj, const tes_array *sino,
                               const tes_center_options *opt, tes_center_result *res,
                               double *best_center) {
    size_t bin = (proj->ncols + TES_CENTER_COARSE_COLUMNS - 1) / TES_CENTER_COARSE_COLUMNS;
    size_t half = (size_t)ceil(opt->search / TES_CENTER_COARSE_STEP), n = 2 * half + 1;
    double *score = malloc(2 * n * sizeof *score), *sorted = score + n;
    TES_CHECK(score, TES_ERR_ALLOC, "cannot allocate %zu scores", n);
    tes_center_trials *t = NULL;
    tes_status st = tes_center_trials_create(&t, proj, sino, bin, &opt->filter, opt->backend);
    double middle = res->coarse;
    size_t best = half;
    for (int move = 0; st == TES_OK && move <= TES_CENTER_MAX_MOVES; ++move) {
        double first = middle - (double)half * TES_CENTER_COARSE_STEP;
        st = sweep(t, first, TES_CENTER_COARSE_STEP, n, score, &best);
        middle = first + (double)best * TES_CENTER_COARSE_STEP;
        res->at_edge = best == 0 || best == n - 1;
        if (!res->at_edge)
            break;
    }
    if (st == TES_OK) {
        memcpy(sorted, score, n * sizeof *score);
        qsort(sorted, n, sizeof *sorted, compare_doubles);
        double median = sorted[n / 2];
        res->confidence = score[best] > 0.0 ? (score[best] - median) / score[best] : 0.0;
        *best_center = middle;
    }
    tes_center_trials_destroy(&t);
    free(score);
    TES_CALL(st);
    return TES_OK;
}

/* The fine sweep at full resolution around center; the parabola's vertex. */
static tes_status fine_sweep(const tes_proj_geom *proj, const tes_array *sino,
                             const tes_center_options *opt, double center, double *out) {
    size_t half = (size_t)ceil(TES_CENTER_FINE_HALFWIDTH / opt->step), n = 2 * half + 1;
    double *score = malloc(2 * n * sizeof *score), *c = score + n;
    TES_CHECK(score, TES_ERR_ALLOC, "cannot allocate %zu scores", n);
    tes_center_trials *t = NULL;
    size_t best = 0;
    double first = center - (double)half * opt->step;
    tes_status st = tes_center_trials_create(&t, proj, sino, 1, &opt->filter, opt->backend);
    if (st == TES_OK)
        st = sweep(t, first, opt->step, n, score, &best);
    for (size_t k = 0; k < n; ++k)
        c[k] = first + (double)k * opt->step;
    if (st == TES_OK)
        *out = parabola_vertex(c, score, n, c[best]);
    tes_center_trials_destroy(&t);
    free(score);
    TES_CALL(st);
    return TES_OK;
}

tes_status tes_center_estimate(const tes_proj_geom *proj, const tes_array *sino,
                               const tes_center_options *opt, tes_center_result *res) {
    tes_center_options defaults = tes_center_options_default();
    if (!opt)
        opt = &defaults;
    TES_CHECK(opt->search >= TES_CENTER_COARSE_STEP && isfinite(opt->search), TES_ERR_ARG,
              "centre search half-width %g px: expected at least %g", opt->search,
              TES_CENTER_COARSE_STEP);
    TES_CHECK(opt->step > 0.0 && opt->step <= TES_CENTER_FINE_HALFWIDTH, TES_ERR_ARG,
              "centre search step %g px: expected a value in (0, %g]", opt->step,
              TES_CENTER_FINE_HALFWIDTH);
    TES_CALL(tes_filter_options_validate(&opt->filter));
    TES_CALL(tes_center_coarse(proj, sino, res));
    tes_log(TES_LOG_INFO, "centre of rotation: first estimate %.2f px from %s (%s %.3f)",
            res->coarse, tes_center_method_name(res->method),
            res->method == TES_CENTER_OPPOSING ? "correlation" : "fit R^2", res->coarse_quality);
    if (!opt->refine)
        return TES_OK;
    double coarse_best = res->coarse;
    TES_CALL(coarse_sweep(proj, sino, opt, res, &coarse_best));
    TES_CALL(fine_sweep(proj, sino, opt, coarse_best, &res->center));
    tes_log(TES_LOG_INFO, "centre of rotation: %.2f px (sharpness contrast %.3f over +- %g px)",
            res->center, res->confidence, opt->search);
    if (res->at_edge)
        tes_log(TES_LOG_WARN,
                "centre of rotation: the best trial stayed at the end of the searched range; "
                "widen --search or check the data");
    return TES_OK;
}
