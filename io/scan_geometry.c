#include "io/scan_geometry.h"

#include <math.h>
#include <string.h>

#include "io/h5input.h"
#include "io/scan_impl.h"

/* Source-detector and axis-detector distances that both appear agree to
 * this share of the source-detector distance. */
#define TES_SCAN_GEOMETRY_AGREE 1e-6

typedef enum { SOD, SDD, ODD, PIXEL, PIXEL_U, PIXEL_V, QUANTITIES } quantity;

/* Attribute names by quantity, in order of preference; what each is. */
static const struct {
    const char *names[2];
    const char *what;
    int zero_allowed;
} quantities[QUANTITIES] = {
    [SOD] = {{"source_origin_mm", "sod_mm"}, "the source to rotation axis distance", 0},
    [SDD] = {{"source_detector_mm", "sdd_mm"}, "the source to detector distance", 0},
    [ODD] = {{"origin_detector_mm", "odd_mm"}, "the rotation axis to detector distance", 1},
    [PIXEL] = {{"detector_pixel_mm", "pixel_mm"}, "the detector pixel", 0},
    [PIXEL_U] = {{"pixel_u_mm", NULL}, "the detector pixel along a row", 0},
    [PIXEL_V] = {{"pixel_v_mm", NULL}, "the detector pixel along a column", 0},
};

/* The first attribute of q found on g->path: *from its name (NULL: none). */
static tes_status read_quantity(tes_scan *s, const tes_scan_geometry *g, quantity q,
                                double *value, const char **from) {
    *value = 0.0;
    *from = NULL;
    for (int i = 0; i < 2 && quantities[q].names[i]; ++i) {
        const char *name = quantities[q].names[i];
        int found = 0;
        TES_CALL(tes_h5_input_attr_double(s->h5->in, g->path, name, value, &found));
        if (!found)
            continue;
        int ok = isfinite(*value) && (*value > 0.0 || (quantities[q].zero_allowed && *value == 0.0));
        TES_CHECK(ok, TES_ERR_INPUT, "%s: the attribute %s of %s (%s) is %g; expected a number %s",
                  s->file, name, g->path, quantities[q].what, *value,
                  quantities[q].zero_allowed ? ">= 0 (mm)" : "> 0 (mm)");
        *from = name;
        return TES_OK;
    }
    return TES_OK;
}

tes_status tes_scan_geometry_read(tes_scan *s, const char *path, int required,
                                  tes_scan_geometry *out) {
    TES_CHECK(s && path && out, TES_ERR_ARG, "tes_scan_geometry_read: NULL argument");
    tes_scan_geometry g = {0};
    TES_CHECK(strlen(path) < sizeof g.path, TES_ERR_ARG, "geometry object path too long: %s",
              path);
    strcpy(g.path, path);
    tes_h5_where where = TES_H5_ABSENT;
    TES_CALL(tes_h5_input_locate(s->h5->in, path, &where));
    if (where != TES_H5_FOUND) {
        TES_CHECK(!required, TES_ERR_INPUT,
                  "%s has no object %s (expected the geometry's attributes there: "
                  "source_origin_mm, source_detector_mm, detector_pixel_mm, ...)",
                  s->file, path);
        *out = g;
        return TES_OK;
    }
    g.present = 1;
    double v[QUANTITIES];
    const char *from[QUANTITIES];
    for (int q = 0; q < QUANTITIES; ++q)
        TES_CALL(read_quantity(s, &g, (quantity)q, &v[q], &from[q]));
    g.sod = v[SOD];
    g.sod_from = from[SOD];
    if (from[SDD]) {
        TES_CHECK(from[SOD], TES_ERR_INPUT,
                  "%s: %s gives %s = %g mm but not the source to rotation axis distance "
                  "(source_origin_mm or sod_mm)",
                  s->file, path, from[SDD], v[SDD]);
        TES_CHECK(v[SDD] > v[SOD], TES_ERR_INPUT,
                  "%s: %s gives %s = %g mm, not more than %s = %g mm: the detector must lie "
                  "beyond the rotation axis",
                  s->file, path, from[SDD], v[SDD], from[SOD], v[SOD]);
        double odd = v[SDD] - v[SOD];
        TES_CHECK(!from[ODD] || fabs(v[ODD] - odd) <= TES_SCAN_GEOMETRY_AGREE * v[SDD],
                  TES_ERR_INPUT,
                  "%s: %s gives %s = %g mm and %s = %g mm, but %s = %g mm (they disagree by "
                  "%g mm)",
                  s->file, path, from[SDD], v[SDD], from[SOD], v[SOD], from[ODD], v[ODD],
                  fabs(v[ODD] - odd));
        g.odd = odd;
        g.odd_from = from[SDD];
    } else if (from[ODD]) {
        g.odd = v[ODD];
        g.odd_from = from[ODD];
    }
    g.pixel_u = from[PIXEL_U] ? v[PIXEL_U] : v[PIXEL];
    g.pixel_u_from = from[PIXEL_U] ? from[PIXEL_U] : from[PIXEL];
    g.pixel_v = from[PIXEL_V] ? v[PIXEL_V] : v[PIXEL];
    g.pixel_v_from = from[PIXEL_V] ? from[PIXEL_V] : from[PIXEL];
    *out = g;
    return TES_OK;
}

int tes_scan_geometry_any(const tes_scan_geometry *g) {
    return g->sod_from || g->odd_from || g->pixel_u_from || g->pixel_v_from;
}

void tes_scan_geometry_summary(const tes_scan_geometry *g, FILE *out) {
    if (!tes_scan_geometry_any(g))
        return;
    fprintf(out, "  geometry %s:", g->path);
    const char *sep = " ";
    if (g->sod_from) {
        fprintf(out, "%ssource-axis %g mm", sep, g->sod);
        sep = ", ";
    }
    if (g->odd_from) {
        fprintf(out, "%saxis-detector %g mm", sep, g->odd);
        if (g->sod_from)
            fprintf(out, " (magnification %.4f)", (g->sod + g->odd) / g->sod);
        sep = ", ";
    }
    if (g->pixel_u_from && g->pixel_v_from && g->pixel_u == g->pixel_v)
        fprintf(out, "%spixel %g mm", sep, g->pixel_u);
    else if (g->pixel_u_from || g->pixel_v_from)
        fprintf(out, "%spixel %s%g x %s%g mm (rows x columns)", sep, g->pixel_v_from ? "" : "?",
                g->pixel_v, g->pixel_u_from ? "" : "?", g->pixel_u);
    fprintf(out, " ([geometry] attributes = %s)\n", g->path);
}
