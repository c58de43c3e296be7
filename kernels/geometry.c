#include "kernels/geometry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

tes_vol_geom tes_vol_geom_cube(size_t n, double voxel) {
    tes_vol_geom v = {n, n, n, voxel, voxel, voxel, 0.0, 0.0, 0.0};
    return v;
}

tes_status tes_vol_geom_validate(const tes_vol_geom *vol) {
    TES_CHECK(vol, TES_ERR_ARG, "no volume geometry given");
    TES_CHECK(vol->nz > 0 && vol->ny > 0 && vol->nx > 0, TES_ERR_ARG,
              "volume shape (%zu, %zu, %zu): every size must be at least 1", vol->nz, vol->ny,
              vol->nx);
    TES_CHECK(vol->dz > 0 && vol->dy > 0 && vol->dx > 0 && isfinite(vol->dz) &&
                  isfinite(vol->dy) && isfinite(vol->dx),
              TES_ERR_ARG, "voxel size (%g, %g, %g) mm: each must be a positive finite number",
              vol->dz, vol->dy, vol->dx);
    TES_CHECK(isfinite(vol->cz) && isfinite(vol->cy) && isfinite(vol->cx), TES_ERR_ARG,
              "volume centre (%g, %g, %g) mm must be finite", vol->cz, vol->cy, vol->cx);
    return TES_OK;
}

const char *tes_geom_kind_name(tes_geom_kind kind) {
    return kind == TES_GEOM_CONE3D ? "cone3d" : "parallel3d";
}

tes_status tes_geom_kind_parse(const char *text, const char *option, tes_geom_kind *out) {
    TES_CHECK(text, TES_ERR_ARG, "%s: no geometry given (parallel3d or cone3d)", option);
    if (!strcmp(text, "parallel3d") || !strcmp(text, "parallel"))
        *out = TES_GEOM_PARALLEL3D;
    else if (!strcmp(text, "cone3d") || !strcmp(text, "cone"))
        *out = TES_GEOM_CONE3D;
    else
        TES_FAIL(TES_ERR_ARG, "%s: unknown geometry '%s' (accepted: parallel3d, cone3d)", option,
                 text);
    return TES_OK;
}

void tes_proj_geom_set_uniform_angles(tes_proj_geom *g, double first, double range) {
    for (size_t i = 0; i < g->nviews; ++i)
        g->angles[i] = first + range * (double)i / (double)g->nviews;
}

tes_status tes_proj_geom_create(tes_proj_geom **out, tes_geom_kind kind, size_t nviews,
                                size_t nrows, size_t ncols) {
    TES_CHECK(out, TES_ERR_ARG, "output pointer is NULL");
    TES_CHECK(nviews > 0 && nrows > 0 && ncols > 0, TES_ERR_ARG,
              "projection shape (%zu views, %zu rows, %zu columns): each must be at least 1",
              nviews, nrows, ncols);
    tes_proj_geom *g = calloc(1, sizeof *g);
    TES_CHECK(g, TES_ERR_ALLOC, "cannot allocate a projection geometry");
    g->kind = kind;
    g->nviews = nviews;
    g->nrows = nrows;
    g->ncols = ncols;
    g->pixel_u = g->pixel_v = 1.0;
    g->center_col = 0.5 * (double)(ncols - 1);
    g->center_row = 0.5 * (double)(nrows - 1);
    g->angles = calloc(nviews, sizeof *g->angles);
    g->shift_u = calloc(nviews, sizeof *g->shift_u);
    g->shift_v = calloc(nviews, sizeof *g->shift_v);
    if (!g->angles || !g->shift_u || !g->shift_v) {
        tes_proj_geom_destroy(&g);
        TES_FAIL(TES_ERR_ALLOC, "cannot allocate angles and shifts for %zu views", nviews);
    }
    tes_proj_geom_set_uniform_angles(g, 0.0, kind == TES_GEOM_CONE3D ? 2.0 * M_PI : M_PI);
    *out = g;
    return TES_OK;
}

void tes_proj_geom_destroy(tes_proj_geom **g) {
    if (!g || !*g)
        return;
    free((*g)->angles);
    free((*g)->shift_u);
    free((*g)->shift_v);
    free(*g);
    *g = NULL;
}

tes_status tes_proj_geom_clone(tes_proj_geom **out, const tes_proj_geom *g) {
    TES_CALL(tes_proj_geom_create(out, g->kind, g->nviews, g->nrows, g->ncols));
    tes_proj_geom *c = *out;
    double *angles = c->angles, *su = c->shift_u, *sv = c->shift_v;
    *c = *g;
    c->angles = angles;
    c->shift_u = su;
    c->shift_v = sv;
    memcpy(c->angles, g->angles, g->nviews * sizeof *g->angles);
    memcpy(c->shift_u, g->shift_u, g->nviews * sizeof *g->shift_u);
    memcpy(c->shift_v, g->shift_v, g->nviews * sizeof *g->shift_v);
    return TES_OK;
}

/* Largest distance from the rotation axis of any voxel corner, mm. */
static double volume_radius(const tes_vol_geom *vol) {
    double hx = 0.5 * (double)vol->nx * vol->dx, hy = 0.5 * (double)vol->ny * vol->dy;
    double ax = fabs(vol->cx) + hx, ay = fabs(vol->cy) + hy;
    return sqrt(ax * ax + ay * ay);
}

tes_status tes_proj_geom_validate(const tes_proj_geom *g, const tes_vol_geom *vol) {
    TES_CHECK(g, TES_ERR_ARG, "no projection geometry given");
    TES_CHECK(g->nviews > 0 && g->nrows > 0 && g->ncols > 0, TES_ERR_ARG,
              "projection shape (%zu views, %zu rows, %zu columns): each must be at least 1",
              g->nviews, g->nrows, g->ncols);
    TES_CHECK(g->pixel_u > 0 && g->pixel_v > 0 && isfinite(g->pixel_u) && isfinite(g->pixel_v),
              TES_ERR_ARG, "detector pixel size (%g x %g) mm: each must be positive and finite",
              g->pixel_u, g->pixel_v);
    TES_CHECK(isfinite(g->center_col) && isfinite(g->center_row), TES_ERR_ARG,
              "detector centre (column %g, row %g) must be finite", g->center_col, g->center_row);
    for (size_t i = 0; i < g->nviews; ++i) {
        TES_CHECK(isfinite(g->angles[i]), TES_ERR_ARG, "angle of view %zu is not finite (%g)", i,
                  g->angles[i]);
        TES_CHECK(isfinite(g->shift_u[i]) && isfinite(g->shift_v[i]), TES_ERR_ARG,
                  "shift of view %zu is not finite (%g, %g)", i, g->shift_u[i], g->shift_v[i]);
    }
    if (g->kind == TES_GEOM_CONE3D) {
        TES_CHECK(g->sod > 0 && isfinite(g->sod), TES_ERR_ARG,
                  "cone3d: source-origin distance %g mm must be positive", g->sod);
        TES_CHECK(g->odd >= 0 && isfinite(g->odd), TES_ERR_ARG,
                  "cone3d: origin-detector distance %g mm must be zero or positive", g->odd);
        if (vol) {
            double r = volume_radius(vol);
            TES_CHECK(r < g->sod, TES_ERR_ARG,
                      "cone3d: the volume reaches %.3f mm from the rotation axis, but the source "
                      "is only %.3f mm away (source-origin distance must exceed it)",
                      r, g->sod);
        }
    } else {
        TES_CHECK(g->kind == TES_GEOM_PARALLEL3D, TES_ERR_ARG, "unknown geometry kind %d",
                  (int)g->kind);
    }
    if (vol)
        TES_CALL(tes_vol_geom_validate(vol));
    return TES_OK;
}

tes_ray tes_proj_geom_ray(const tes_proj_geom *g, size_t view, double row, double col) {
    double a = g->angles[view];
    double eu[3] = {cos(a), sin(a), 0.0}, ed[3] = {-sin(a), cos(a), 0.0};
    double u = (col - g->center_col - g->shift_u[view]) * g->pixel_u;
    double v = (row - g->center_row - g->shift_v[view]) * g->pixel_v;
    tes_ray r;
    if (g->kind == TES_GEOM_PARALLEL3D) {
        for (int k = 0; k < 3; ++k) {
            r.origin[k] = u * eu[k];
            r.dir[k] = ed[k];
        }
        r.origin[2] = v;
        return r;
    }
    double q[3], len = 0.0;
    for (int k = 0; k < 3; ++k) {
        r.origin[k] = -g->sod * ed[k];
        q[k] = g->odd * ed[k] + u * eu[k];
    }
    q[2] += v;
    for (int k = 0; k < 3; ++k) {
        r.dir[k] = q[k] - r.origin[k];
        len += r.dir[k] * r.dir[k];
    }
    len = sqrt(len);
    for (int k = 0; k < 3; ++k)
        r.dir[k] /= len;
    return r;
}

/* Range [lo, hi] of M z / pixel_v over the slab's slice centres, where M is
 * the magnification (1 for parallel beam), and the largest footprint
 * half-height in pixels; mirrors tes_voxel_footprint. */
static void slab_row_extent(const tes_proj_geom *g, const tes_vol_geom *vol, size_t z_begin,
                            size_t z_end, double *lo, double *hi, double *half) {
    double z_first = vol->cz + ((double)z_begin - 0.5 * (double)(vol->nz - 1)) * vol->dz;
    double z_last = vol->cz + ((double)(z_end - 1) - 0.5 * (double)(vol->nz - 1)) * vol->dz;
    double m_min = 1.0, m_max = 1.0;
    if (g->kind == TES_GEOM_CONE3D) {
        double r = volume_radius(vol), sdd = g->sod + g->odd;
        m_min = sdd / (g->sod + r);
        m_max = sdd / (g->sod - r);
    }
    double c[4] = {m_min * z_first, m_max * z_first, m_min * z_last, m_max * z_last};
    *lo = *hi = c[0];
    for (int i = 1; i < 4; ++i) {
        *lo = fmin(*lo, c[i]);
        *hi = fmax(*hi, c[i]);
    }
    *lo /= g->pixel_v;
    *hi /= g->pixel_v;
    *half = fmax(g->pixel_v, m_max * vol->dz) / g->pixel_v;
}

void tes_proj_geom_rows_for_slab(const tes_proj_geom *g, const tes_vol_geom *vol,
                                 size_t z_begin, size_t z_end, size_t *row_begin,
                                 size_t *row_end) {
    *row_begin = *row_end = 0;
    if (z_begin >= z_end)
        return;
    double lo, hi, half;
    slab_row_extent(g, vol, z_begin, z_end, &lo, &hi, &half);
    double shift_min = g->shift_v[0], shift_max = g->shift_v[0];
    for (size_t i = 1; i < g->nviews; ++i) {
        shift_min = fmin(shift_min, g->shift_v[i]);
        shift_max = fmax(shift_max, g->shift_v[i]);
    }
    /* Rows strictly inside (first, last) have a nonzero footprint weight. */
    double first = g->center_row + lo + shift_min - half;
    double last = g->center_row + hi + shift_max + half;
    double begin = fmax(0.0, floor(first) + 1.0);
    double end = fmin((double)g->nrows, ceil(last));
    if (end > begin) {
        *row_begin = (size_t)begin;
        *row_end = (size_t)end;
    }
}
