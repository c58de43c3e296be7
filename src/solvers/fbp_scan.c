/* How a scan's angles cover the circle, and the per-view weights of the
 * filter stage that follow from it (solvers/fbp.h). */
#include <math.h>
#include <stdlib.h>

#include "core/log.h"
#include "solvers/fbp.h"

#define TES_TWO_PI             (2.0 * M_PI)
#define TES_DEGREES_PER_RADIAN (180.0 / M_PI)

/* A cone-beam scan is short when its largest gap between neighbouring
 * angles (on the circle) exceeds this many mean steps of the others. */
#define TES_FBP_SHORT_SCAN_GAP_STEPS 3.0

typedef struct angle_index {
    double angle; /* reduced into [0, period) */
    size_t index;
} angle_index;

static int compare_angles(const void *a, const void *b) {
    const angle_index *x = a, *y = b;
    if (x->angle != y->angle)
        return x->angle < y->angle ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

static double reduce(double angle, double period) {
    double r = fmod(angle, period);
    return r < 0.0 ? r + period : r;
}

/* The angles reduced modulo period, sorted; NULL when out of memory. */
static angle_index *sorted_angles(const double *angles, size_t n, double period) {
    angle_index *s = malloc(n * sizeof *s);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; ++i) {
        s[i].angle = reduce(angles[i], period);
        s[i].index = i;
    }
    qsort(s, n, sizeof *s, compare_angles);
    return s;
}

tes_status tes_fbp_angular_weights(const double *angles, size_t n, double period, double *weights) {
    TES_CHECK(angles && weights && n > 0 && period > 0.0, TES_ERR_ARG,
              "angular weights: need at least one angle and a positive period");
    if (n == 1) {
        weights[0] = period;
        return TES_OK;
    }
    angle_index *s = sorted_angles(angles, n, period);
    TES_CHECK(s, TES_ERR_ALLOC, "cannot sort %zu angles", n);
    for (size_t i = 0; i < n; ++i) {
        double prev = i > 0 ? s[i - 1].angle : s[n - 1].angle - period;
        double next = i + 1 < n ? s[i + 1].angle : s[0].angle + period;
        weights[s[i].index] = 0.5 * (next - prev);
    }
    free(s);
    return TES_OK;
}

/* The detector's half fan angle: the largest angle between the central ray
 * and a ray through a detector edge. */
static double half_fan_angle(const tes_proj_geom *proj) {
    double sdd = proj->sod + proj->odd;
    double left = (-0.5 - proj->center_col) * proj->pixel_u;
    double right = ((double)proj->ncols - 0.5 - proj->center_col) * proj->pixel_u;
    return atan(fmax(fabs(left), fabs(right)) / sdd);
}

/* The largest gap between neighbours on the circle: its size, and the
 * angle that follows it (where a short scan's arc starts). */
static void largest_gap(const angle_index *s, size_t n, double *gap, double *after) {
    *gap = s[0].angle + TES_TWO_PI - s[n - 1].angle;
    *after = s[0].angle;
    for (size_t i = 0; i + 1 < n; ++i)
        if (s[i + 1].angle - s[i].angle > *gap) {
            *gap = s[i + 1].angle - s[i].angle;
            *after = s[i + 1].angle;
        }
}

tes_status tes_fbp_coverage_of(const tes_proj_geom *proj, tes_fbp_scan scan,
                               tes_fbp_coverage *out) {
    TES_CHECK(proj && out, TES_ERR_ARG, "scan coverage: NULL geometry or output");
    tes_fbp_coverage c = {0, 0.0, M_PI, 0.0, 0.0};
    if (proj->kind != TES_GEOM_CONE3D) {
        *out = c;
        return TES_OK;
    }
    c.range = TES_TWO_PI;
    c.fan = half_fan_angle(proj);
    size_t n = proj->nviews;
    if (n < 2 || scan == TES_FBP_SCAN_FULL) {
        *out = c;
        return TES_OK;
    }
    angle_index *s = sorted_angles(proj->angles, n, TES_TWO_PI);
    TES_CHECK(s, TES_ERR_ALLOC, "cannot sort %zu angles", n);
    double gap = 0.0, after = 0.0;
    largest_gap(s, n, &gap, &after);
    free(s);
    double mean_step = (TES_TWO_PI - gap) / (double)(n - 1);
    c.short_scan = scan == TES_FBP_SCAN_SHORT || gap > TES_FBP_SHORT_SCAN_GAP_STEPS * mean_step;
    if (c.short_scan) {
        c.first = after;
        c.range = TES_TWO_PI - gap;
        c.delta = 0.5 * (c.range - M_PI);
    }
    *out = c;
    return TES_OK;
}

/* The width of a detector pixel where the ramp filter acts: on the
 * detector for parallel beams, at the rotation axis for cone beams. */
static double effective_pixel(const tes_proj_geom *proj) {
    if (proj->kind != TES_GEOM_CONE3D)
        return proj->pixel_u;
    return proj->pixel_u * proj->sod / (proj->sod + proj->odd);
}

/* Angular weights of all views: modulo pi (parallel), modulo 2 pi and
 * halved (cone full scan), or along the covered arc (short scan). */
static tes_status view_weights(const tes_proj_geom *proj, const tes_fbp_coverage *cov, double *w) {
    size_t n = proj->nviews;
    if (proj->kind != TES_GEOM_CONE3D) {
        TES_CALL(tes_fbp_angular_weights(proj->angles, n, M_PI, w));
        return TES_OK;
    }
    if (!cov->short_scan) {
        TES_CALL(tes_fbp_angular_weights(proj->angles, n, TES_TWO_PI, w));
        for (size_t i = 0; i < n; ++i)
            w[i] *= 0.5;
        return TES_OK;
    }
    if (n == 1) {
        w[0] = cov->range;
        return TES_OK;
    }
    /* Along the arc there is no wrap-around: an end view has one neighbour. */
    double *beta = malloc(n * sizeof *beta);
    TES_CHECK(beta, TES_ERR_ALLOC, "cannot allocate %zu angles", n);
    for (size_t i = 0; i < n; ++i)
        beta[i] = reduce(proj->angles[i] - cov->first, TES_TWO_PI);
    angle_index *s = sorted_angles(beta, n, TES_TWO_PI);
    free(beta);
    TES_CHECK(s, TES_ERR_ALLOC, "cannot sort %zu angles", n);
    for (size_t i = 0; i < n; ++i) {
        double prev = i > 0 ? s[i - 1].angle : s[i].angle;
        double next = i + 1 < n ? s[i + 1].angle : s[i].angle;
        w[s[i].index] = 0.5 * (next - prev);
    }
    free(s);
    return TES_OK;
}

tes_status tes_fbp_filter_setup(const tes_proj_geom *proj, const tes_proj_part *part,
                                const tes_fbp_coverage *cov, tes_filter_geom *geom,
                                tes_filter_view *views) {
    TES_CHECK(proj && part && cov && geom && views, TES_ERR_ARG, "filter setup: a NULL argument");
    double *w = malloc(proj->nviews * sizeof *w);
    TES_CHECK(w, TES_ERR_ALLOC, "cannot allocate %zu angular weights", proj->nviews);
    tes_status st = view_weights(proj, cov, w);
    if (st != TES_OK) {
        free(w);
        TES_CALL(st);
    }
    int cone = proj->kind == TES_GEOM_CONE3D;
    geom->cone = cone;
    geom->parker = cone && cov->short_scan;
    geom->sdd = (float)(proj->sod + proj->odd);
    geom->pixel_u = (float)proj->pixel_u;
    geom->pixel_v = (float)proj->pixel_v;
    geom->delta = (float)cov->delta;
    double inv_pixel = 1.0 / effective_pixel(proj);
    for (size_t i = 0; i < part->nviews; ++i) {
        size_t v = part->views ? part->views[i] : i;
        views[i].scale = (float)(w[v] * inv_pixel);
        views[i].col0 = (float)(proj->center_col + proj->shift_u[v]);
        views[i].row0 = (float)(proj->center_row + proj->shift_v[v] - (double)part->row_begin);
        views[i].beta =
            geom->parker ? (float)reduce(proj->angles[v] - cov->first, TES_TWO_PI) : 0.0f;
    }
    free(w);
    return TES_OK;
}

void tes_fbp_coverage_log(const tes_proj_geom *proj, const tes_fbp_coverage *cov) {
    if (proj->kind != TES_GEOM_CONE3D || !cov->short_scan)
        return;
    double need = M_PI + 2.0 * cov->fan;
    tes_log(TES_LOG_INFO,
            "fdk: short scan over %.2f deg from %.2f deg, Parker weights (half fan angle %.2f "
            "deg)",
            cov->range * TES_DEGREES_PER_RADIAN, cov->first * TES_DEGREES_PER_RADIAN,
            cov->fan * TES_DEGREES_PER_RADIAN);
    if (cov->range < need)
        tes_log(TES_LOG_WARN,
                "fdk: the short scan covers %.2f deg, less than 180 deg plus the fan angle "
                "(%.2f deg): some rays are measured only once or never, expect artefacts",
                cov->range * TES_DEGREES_PER_RADIAN, need * TES_DEGREES_PER_RADIAN);
}
