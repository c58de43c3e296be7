#include "io/geometry_attrs.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TES_RAD_TO_DEG (180.0 / M_PI)
/* Significant digits of reals in the JSON text: 1e-15 relative, and
 * 247.5 degrees prints as 247.5, not 247.49999999999997. */
enum { TES_GEOMETRY_JSON_DIGITS = 15 };

static json_t *triple(double a, double b, double c) {
    return json_pack("[f, f, f]", a, b, c);
}

static json_t *volume_json(const tes_vol_geom *v) {
    return json_pack("{s: [I, I, I], s: o, s: o}", "shape", (json_int_t)v->nz, (json_int_t)v->ny,
                     (json_int_t)v->nx, "voxel_mm", triple(v->dz, v->dy, v->dx), "centre_mm",
                     triple(v->cz, v->cy, v->cx));
}

static int has_shifts(const tes_proj_geom *g) {
    for (size_t i = 0; i < g->nviews; ++i)
        if (g->shift_u[i] != 0.0 || g->shift_v[i] != 0.0)
            return 1;
    return 0;
}

static json_t *projection_json(const tes_proj_geom *g) {
    json_t *angles = json_array();
    for (size_t i = 0; angles && i < g->nviews; ++i)
        json_array_append_new(angles, json_real(g->angles[i] * TES_RAD_TO_DEG));
    json_t *p =
        json_pack("{s: s, s: I, s: [I, I], s: [f, f], s: [f, f], s: o}", "kind",
                  tes_geom_kind_name(g->kind), "views", (json_int_t)g->nviews, "detector",
                  (json_int_t)g->nrows, (json_int_t)g->ncols, "pixel_mm", g->pixel_v, g->pixel_u,
                  "center_px", g->center_row, g->center_col, "angles_deg", angles);
    if (p && g->kind == TES_GEOM_CONE3D) {
        json_object_set_new(p, "sod_mm", json_real(g->sod));
        json_object_set_new(p, "odd_mm", json_real(g->odd));
    }
    if (p && has_shifts(g)) {
        json_t *shifts = json_array();
        for (size_t i = 0; shifts && i < g->nviews; ++i)
            json_array_append_new(shifts, json_pack("[f, f]", g->shift_u[i], g->shift_v[i]));
        json_object_set_new(p, "shifts_uv_px", shifts);
    }
    return p;
}

static void add(tes_geometry_attrs *a, const char *name, const char *text, double value) {
    if (a->nattrs < TES_GEOMETRY_MAX_ATTRS) {
        tes_h5_attr attr = {name, text, value};
        a->attrs[a->nattrs++] = attr;
    }
}

tes_status tes_geometry_attrs_build(tes_geometry_attrs *out, const tes_vol_geom *vol,
                                    const tes_proj_geom *proj) {
    TES_CHECK(out && vol, TES_ERR_ARG, "tes_geometry_attrs_build: NULL argument");
    memset(out, 0, sizeof *out);
    json_t *root = json_pack("{s: s, s: i, s: o}", "format", "tessera-geometry", "version", 1,
                             "volume", volume_json(vol));
    if (root && proj)
        json_object_set_new(root, "projection", projection_json(proj));
    out->json = root
                    ? json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(TES_GEOMETRY_JSON_DIGITS))
                    : NULL;
    json_decref(root);
    TES_CHECK(out->json, TES_ERR_ALLOC, "cannot build the geometry's JSON text");

    add(out, "geometry", out->json, 0.0);
    add(out, "voxel_z_mm", NULL, vol->dz);
    add(out, "voxel_y_mm", NULL, vol->dy);
    add(out, "voxel_x_mm", NULL, vol->dx);
    if (!proj)
        return TES_OK;
    /* Data Exchange's word for normalised data: tessera reads its own
     * projections back as line integrals. */
    add(out, "units", "line integrals", 0.0);
    add(out, "kind", tes_geom_kind_name(proj->kind), 0.0);
    add(out, "pixel_v_mm", NULL, proj->pixel_v);
    add(out, "pixel_u_mm", NULL, proj->pixel_u);
    add(out, "center_row_px", NULL, proj->center_row);
    add(out, "center_col_px", NULL, proj->center_col);
    if (proj->kind == TES_GEOM_CONE3D) {
        add(out, "sod_mm", NULL, proj->sod);
        add(out, "odd_mm", NULL, proj->odd);
    }
    return TES_OK;
}

void tes_geometry_attrs_free(tes_geometry_attrs *a) {
    if (!a)
        return;
    free(a->json);
    a->json = NULL;
    a->nattrs = 0;
}
