/* The first estimate of the centre of rotation (align/center.h): mirrored
 * opposing views, or the centre-of-mass sinusoid of the sinogram. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "align/center.h"

#define TES_TWO_PI (2.0 * M_PI)

/* Two views are opposite when their angles differ by pi to within this
 * fraction of the median angular step. */
#define TES_CENTER_PAIR_TOLERANCE 0.25

typedef struct sorted_angle {
    double angle; /* modulo 2 pi */
    size_t view;
} sorted_angle;

static int compare_sorted(const void *a, const void *b) {
    const sorted_angle *x = a, *y = b;
    return (x->angle > y->angle) - (x->angle < y->angle);
}

static double reduce(double a) {
    double r = fmod(a, TES_TWO_PI);
    return r < 0.0 ? r + TES_TWO_PI : r;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, size_t n) {
    qsort(v, n, sizeof *v, compare_doubles);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Circular distance between two angles in [0, 2 pi). */
static double circular_distance(double a, double b) {
    double d = fabs(a - b);
    return d > M_PI ? TES_TWO_PI - d : d;
}

/* The view nearest to angle among the sorted ones, and its distance. */
static size_t nearest(const sorted_angle *s, size_t n, double angle, double *distance) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid].angle < angle)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t a = lo % n, b = (lo + n - 1) % n;
    double da = circular_distance(s[a].angle, angle), db = circular_distance(s[b].angle, angle);
    *distance = da < db ? da : db;
    return da < db ? s[a].view : s[b].view;
}

/* Opposite partners: partner[i] is the view opposite view i (i < partner)
 * or n. Returns the number of pairs; -1 when out of memory. */
static long find_pairs(const tes_proj_geom *proj, size_t *partner) {
    size_t n = proj->nviews;
    sorted_angle *s = malloc(n * sizeof *s);
    double *steps = malloc(n * sizeof *steps);
    if (!s || !steps) {
        free(s);
        free(steps);
        return -1;
    }
    for (size_t i = 0; i < n; ++i) {
        s[i].angle = reduce(proj->angles[i]);
        s[i].view = i;
    }
    qsort(s, n, sizeof *s, compare_sorted);
    for (size_t i = 0; i < n; ++i)
        steps[i] = i + 1 < n ? s[i + 1].angle - s[i].angle : s[0].angle + TES_TWO_PI - s[i].angle;
    double tolerance = TES_CENTER_PAIR_TOLERANCE * median_of(steps, n);
    long pairs = 0;
    for (size_t i = 0; i < n; ++i) {
        double d = 0.0;
        size_t j = nearest(s, n, reduce(proj->angles[i] + M_PI), &d);
        partner[i] = n;
        if (d <= tolerance && j > i) {
            partner[i] = j;
            ++pairs;
        }
    }
    free(steps);
    free(s);
    return pairs;
}

/* Correlation of view i with the mirror image of view j (all rows):
 * c(s) = sum_r sum_c P_i(r, c + s) P_j(r, N - 1 - c), s in (-N, N),
 * stored at corr[s + N - 1]; returns the normalisation sqrt(|P_i|^2 |P_j|^2). */
static double mirrored_correlation(const float *pi, const float *pj, size_t rows, size_t n,
                                   double *corr) {
    const long ln = (long)n;
#pragma omp parallel for schedule(static)
    for (long s = -(ln - 1); s < ln; ++s) {
        double sum = 0.0;
        long c0 = s < 0 ? -s : 0, c1 = s > 0 ? ln - s : ln;
        for (size_t r = 0; r < rows; ++r) {
            const float *a = pi + r * n, *b = pj + r * n;
            for (long c = c0; c < c1; ++c)
                sum += (double)a[c + s] * b[ln - 1 - c];
        }
        corr[s + ln - 1] = sum;
    }
    double ei = 0.0, ej = 0.0;
    for (size_t k = 0; k < rows * n; ++k) {
        ei += (double)pi[k] * pi[k];
        ej += (double)pj[k] * pj[k];
    }
    return sqrt(ei * ej);
}

/* Sub-sample position of the maximum of v[0, m): a parabola through the
 * largest value and its neighbours. */
static double peak_position(const double *v, size_t m, double *value) {
    size_t k = 0;
    for (size_t i = 1; i < m; ++i)
        if (v[i] > v[k])
            k = i;
    *value = v[k];
    if (k == 0 || k + 1 == m)
        return (double)k;
    double a = v[k - 1], b = v[k], c = v[k + 1], den = a - 2.0 * b + c;
    return den < 0.0 ? (double)k + 0.5 * (a - c) / den : (double)k;
}

static tes_status from_opposing(const tes_proj_geom *proj, const float *y, const size_t *partner,
                                size_t npairs, tes_center_result *res) {
    size_t n = proj->ncols, rows = proj->nrows, view = rows * n;
    size_t use = npairs < TES_CENTER_MAX_PAIRS ? npairs : TES_CENTER_MAX_PAIRS;
    double *corr = malloc((2 * n - 1) * sizeof *corr), *centers = malloc(use * sizeof *centers);
    if (!corr || !centers) {
        free(corr);
        free(centers);
        TES_FAIL(TES_ERR_ALLOC, "cannot allocate correlations of %zu columns", n);
    }
    double quality = 0.0;
    size_t found = 0, k = 0;
    for (size_t i = 0; i < proj->nviews && found < use; ++i) {
        if (partner[i] == proj->nviews)
            continue;
        /* Spread the pairs used evenly over the ones that exist. */
        if (k++ * use / npairs != found)
            continue;
        size_t j = partner[i];
        double norm = mirrored_correlation(y + i * view, y + j * view, rows, n, corr), peak = 0.0;
        double s = peak_position(corr, 2 * n - 1, &peak) - (double)(n - 1);
        centers[found++] = 0.5 * (s + (double)(n - 1) - proj->shift_u[i] - proj->shift_u[j]);
        quality += norm > 0.0 ? peak / norm : 0.0;
    }
    res->center = res->coarse = median_of(centers, found);
    res->method = TES_CENTER_OPPOSING;
    res->pairs = found;
    res->coarse_quality = quality / (double)found;
    free(corr);
    free(centers);
    return TES_OK;
}

/* Solve the 3 x 3 system a x = b (Cramer's rule); 0 when singular. */
static int solve3(const double a[3][3], const double b[3], double x[3]) {
    double det = a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
                 a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
                 a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
    if (!(fabs(det) > 0.0))
        return 0;
    for (int c = 0; c < 3; ++c) {
        double m[3][3];
        memcpy(m, a, sizeof m);
        for (int r = 0; r < 3; ++r)
            m[r][c] = b[r];
        x[c] = (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])) /
               det;
    }
    return 1;
}

/* Centre of mass (column) of each view over all rows, negative values
 * (noise in the air) left out; NAN for a view without mass. */
static void centres_of_mass(const tes_proj_geom *proj, const float *y, double *com) {
    size_t n = proj->ncols, view = proj->nrows * n;
    for (size_t v = 0; v < proj->nviews; ++v) {
        double mass = 0.0, moment = 0.0;
        for (size_t k = 0; k < view; ++k) {
            double p = y[v * view + k] > 0.0f ? y[v * view + k] : 0.0;
            mass += p;
            moment += p * (double)(k % n);
        }
        com[v] = mass > 0.0 ? moment / mass - proj->shift_u[v] : NAN;
    }
}

static tes_status from_symmetry(const tes_proj_geom *proj, const float *y, tes_center_result *res) {
    double *com = malloc(proj->nviews * sizeof *com);
    TES_CHECK(com, TES_ERR_ALLOC, "cannot allocate %zu centres of mass", proj->nviews);
    centres_of_mass(proj, y, com);
    double a[3][3] = {{0}}, b[3] = {0}, x[3] = {0}, mean = 0.0;
    size_t used = 0;
    for (size_t v = 0; v < proj->nviews; ++v) {
        if (isnan(com[v]))
            continue;
        double f[3] = {1.0, cos(proj->angles[v]), sin(proj->angles[v])};
        for (int r = 0; r < 3; ++r) {
            for (int c = 0; c < 3; ++c)
                a[r][c] += f[r] * f[c];
            b[r] += f[r] * com[v];
        }
        mean += com[v];
        ++used;
    }
    int ok = used >= 3 && solve3(a, b, x);
    double ss_res = 0.0, ss_tot = 0.0;
    for (size_t v = 0; ok && v < proj->nviews; ++v) {
        if (isnan(com[v]))
            continue;
        double fit = x[0] + x[1] * cos(proj->angles[v]) + x[2] * sin(proj->angles[v]);
        ss_res += (com[v] - fit) * (com[v] - fit);
        ss_tot += (com[v] - mean / (double)used) * (com[v] - mean / (double)used);
    }
    free(com);
    TES_CHECK(ok, TES_ERR_INPUT,
              "centre of rotation: the views' centres of mass do not determine a sinusoid (%zu "
              "views with mass; the angles must span more than a few degrees)",
              used);
    res->center = res->coarse = x[0];
    res->method = TES_CENTER_SYMMETRY;
    res->pairs = 0;
    res->coarse_quality = ss_tot > 0.0 ? 1.0 - ss_res / ss_tot : 1.0;
    return TES_OK;
}

const char *tes_center_method_name(tes_center_method method) {
    return method == TES_CENTER_OPPOSING ? "opposing views" : "sinogram symmetry";
}

tes_status tes_center_coarse(const tes_proj_geom *proj, const tes_array *sino,
                             tes_center_result *res) {
    TES_CHECK(proj && sino && res, TES_ERR_ARG, "centre of rotation: a NULL argument");
    TES_CHECK(proj->kind == TES_GEOM_PARALLEL3D, TES_ERR_ARG,
              "centre of rotation: needs a parallel-beam geometry, got %s",
              tes_geom_kind_name(proj->kind));
    size_t shape[3] = {proj->nviews, proj->nrows, proj->ncols};
    TES_CALL(tes_array_expect(sino, "sinogram", TES_FLOAT32, TES_HOST, 3, shape));
    memset(res, 0, sizeof *res);
    size_t *partner = malloc(proj->nviews * sizeof *partner);
    TES_CHECK(partner, TES_ERR_ALLOC, "cannot allocate %zu view partners", proj->nviews);
    long pairs = find_pairs(proj, partner);
    tes_status st = TES_OK;
    if (pairs < 0)
        st = tes_error_set(TES_ERR_ALLOC, __FILE__, __LINE__, __func__, "cannot sort %zu angles",
                           proj->nviews);
    else if (pairs > 0)
        st = from_opposing(proj, sino->data, partner, (size_t)pairs, res);
    else
        st = from_symmetry(proj, sino->data, res);
    free(partner);
    TES_CALL(st);
    return TES_OK;
}
