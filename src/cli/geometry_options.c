#include "cli/geometry_options.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/table.h"

#define TES_DEFAULT_VOXEL_MM   1.0
#define TES_DEFAULT_ODD_MM     0.0
#define TES_DEG_TO_RAD         (M_PI / 180.0)
#define TES_PARALLEL_RANGE_DEG 180.0
#define TES_CONE_RANGE_DEG     360.0
enum { TES_ANGLE_TEXT_BYTES = 64 }; /* longest FIRST of --angles FIRST:RANGE */

const tes_cli_option tes_cli_volume_options[] = {
    {"--volume", NULL, "N|NZ,NY,NX",
     "volume size in voxels along z, y, x (one N: a cube). Default: the input's shape "
     "(project --input), ROWS,COLS,COLS of the detector (backproject); required otherwise"},
    {"--voxel", NULL, "MM|DZ,DY,DX", "voxel size in mm along z, y, x (default 1 mm)"},
    {NULL, NULL, NULL, NULL},
};

const tes_cli_option tes_cli_projection_options[] = {
    {"--geometry", NULL, "parallel3d|cone3d", "beam geometry (default parallel3d)"},
    {"--detector", NULL, "ROWS,COLS",
     "detector size in pixels. Default: the input's (backproject), else NZ,NX of the volume"},
    {"--pixel", NULL, "MM|PV,PU",
     "detector pixel height and width in mm. Default: the voxel size (DZ, DX) times the "
     "magnification (SOD+ODD)/SOD (1 for parallel3d)"},
    {"--views", NULL, "N",
     "number of views. Default: the input's (backproject) or the lines of --angles-file; "
     "required otherwise"},
    {"--angles", NULL, "FIRST:RANGE",
     "equally spaced view angles in degrees: view i at FIRST + i RANGE / N (default 0:180 "
     "for parallel3d, 0:360 for cone3d)"},
    {"--angles-file", NULL, "FILE",
     "view angles in degrees, one per line ('#' starts a comment): non-uniform angles"},
    {"--center-col", NULL, "PX",
     "detector column (0-based, from the left edge) of the rotation axis (parallel3d) or of "
     "the central ray (cone3d) (default (COLS-1)/2)"},
    {"--center-row", NULL, "PX", "detector row of the central ray (default (ROWS-1)/2)"},
    {"--sod", NULL, "MM", "cone3d: source to rotation axis distance in mm (required for cone3d)"},
    {"--odd", NULL, "MM", "cone3d: rotation axis to detector distance in mm (default 0)"},
    {"--offset-u", NULL, "MM",
     "detector moved by MM along its rows; the centre column becomes CENTER-COL - MM/PU "
     "(default 0)"},
    {"--offset-v", NULL, "MM",
     "detector moved by MM along z; the centre row becomes CENTER-ROW - MM/PV (default 0)"},
    {"--shifts-file", NULL, "FILE",
     "per-view detector shifts in pixels: one line 'DU DV' per view (default none)"},
    {NULL, NULL, NULL, NULL},
};

/* ---- the volume -------------------------------------------------------------- */

tes_status tes_cli_volume_geom(const tes_cli_args *args, const size_t *input_shape,
                               const size_t *default_shape, tes_vol_geom *vol) {
    size_t shape[3];
    double voxel[3] = {TES_DEFAULT_VOXEL_MM, TES_DEFAULT_VOXEL_MM, TES_DEFAULT_VOXEL_MM};
    int given = 0, voxel_given = 0;
    TES_CALL(tes_cli_counts(args, "--volume", "N or NZ,NY,NX", 1, 3, shape, &given));
    if (given && input_shape)
        TES_CHECK(shape[0] == input_shape[0] && shape[1] == input_shape[1] &&
                      shape[2] == input_shape[2],
                  TES_ERR_ARG,
                  "--volume %zu,%zu,%zu does not match the input's shape (%zu, %zu, "
                  "%zu); leave --volume out to use the input's",
                  shape[0], shape[1], shape[2], input_shape[0], input_shape[1], input_shape[2]);
    if (!given) {
        const size_t *from = input_shape ? input_shape : default_shape;
        TES_CHECK(from, TES_ERR_ARG, "--volume: required (N or NZ,NY,NX voxels)");
        memcpy(shape, from, sizeof shape);
    }
    TES_CALL(tes_cli_lengths(args, "--voxel", "MM or DZ,DY,DX", 1, 3, voxel, &voxel_given));
    tes_vol_geom v = {shape[0], shape[1], shape[2], voxel[0], voxel[1], voxel[2], 0.0, 0.0, 0.0};
    TES_CALL(tes_vol_geom_validate(&v));
    *vol = v;
    return TES_OK;
}

/* ---- text tables: angles and shifts files ----------------------------------------- */

/* ---- the projection geometry --------------------------------------------------------- */

/* Everything read from the options before the geometry is allocated. */
typedef struct proj_request {
    tes_geom_kind kind;
    size_t nviews, rows, cols;
    double *file_angles; /* degrees, nviews, or NULL */
    double *shifts;      /* (du, dv) per view, or NULL */
} proj_request;

static tes_status cone_distances(const tes_cli_args *args, tes_geom_kind kind, double *sod,
                                 double *odd) {
    if (kind != TES_GEOM_CONE3D) {
        TES_CHECK(!tes_cli_has(args, "--sod"), TES_ERR_ARG,
                  "--sod: applies to --geometry cone3d only");
        TES_CHECK(!tes_cli_has(args, "--odd"), TES_ERR_ARG,
                  "--odd: applies to --geometry cone3d only");
        *sod = *odd = 0.0;
        return TES_OK;
    }
    TES_CHECK(tes_cli_has(args, "--sod"), TES_ERR_ARG,
              "--sod: required for --geometry cone3d (source to rotation axis distance, mm)");
    TES_CALL(tes_cli_length(args, "--sod", 1.0, sod));
    TES_CALL(tes_cli_real(args, "--odd", TES_DEFAULT_ODD_MM, odd));
    TES_CHECK(*odd >= 0, TES_ERR_ARG, "--odd: expected a distance of 0 mm or more, got '%s'",
              tes_cli_get(args, "--odd"));
    return TES_OK;
}

/* Number of views: --views, the input's, the angles file's; all that are
 * given must agree. */
static tes_status view_count(const tes_cli_args *args, const size_t *input_shape,
                             proj_request *req) {
    size_t from_file = 0;
    const char *angles_file = tes_cli_get(args, "--angles-file");
    TES_CHECK(!(angles_file && tes_cli_has(args, "--angles")), TES_ERR_ARG,
              "--angles and --angles-file: give one of them, not both");
    if (angles_file)
        TES_CALL(tes_table_read("--angles-file", angles_file, 1, &req->file_angles, &from_file));
    size_t views = 0;
    TES_CALL(tes_cli_count(args, "--views", 0, &views));
    if (views == 0)
        views = input_shape ? input_shape[0] : from_file;
    TES_CHECK(views > 0, TES_ERR_ARG,
              "--views: required (the number of views), or give --angles-file");
    TES_CHECK(!input_shape || input_shape[0] == views, TES_ERR_ARG,
              "--views %zu does not match the input's %zu views", views, input_shape[0]);
    TES_CHECK(!from_file || from_file == views, TES_ERR_ARG,
              "--angles-file: '%s' holds %zu angles, but there are %zu views", angles_file,
              from_file, views);
    req->nviews = views;
    return TES_OK;
}

static tes_status detector_size(const tes_cli_args *args, const tes_vol_geom *vol,
                                const size_t *input_shape, proj_request *req) {
    size_t det[2] = {vol->nz, vol->nx};
    int given = 0;
    if (input_shape) {
        det[0] = input_shape[1];
        det[1] = input_shape[2];
    }
    TES_CALL(tes_cli_counts(args, "--detector", "ROWS,COLS", 0, 2, det, &given));
    TES_CHECK(!input_shape || (det[0] == input_shape[1] && det[1] == input_shape[2]), TES_ERR_ARG,
              "--detector %zu,%zu does not match the input's %zu rows, %zu columns", det[0], det[1],
              input_shape[1], input_shape[2]);
    req->rows = det[0];
    req->cols = det[1];
    return TES_OK;
}

/* "FIRST:RANGE" in degrees. */
static tes_status uniform_angles(const tes_cli_args *args, tes_geom_kind kind, double *first,
                                 double *range) {
    *first = 0.0;
    *range = kind == TES_GEOM_CONE3D ? TES_CONE_RANGE_DEG : TES_PARALLEL_RANGE_DEG;
    const char *text = tes_cli_get(args, "--angles");
    if (!text)
        return TES_OK;
    const char *colon = strchr(text, ':');
    char head[TES_ANGLE_TEXT_BYTES];
    int ok = colon && (size_t)(colon - text) < sizeof head;
    if (ok) {
        snprintf(head, sizeof head, "%.*s", (int)(colon - text), text);
        ok = tes_cli_parse_real("--angles", head, first) == TES_OK &&
             tes_cli_parse_real("--angles", colon + 1, range) == TES_OK && *range > 0;
    }
    TES_CHECK(ok, TES_ERR_ARG,
              "--angles: expected FIRST:RANGE in degrees with RANGE > 0 (e.g. 0:180), got '%s'",
              text);
    return TES_OK;
}

static tes_status fill_geometry(const tes_cli_args *args, const tes_vol_geom *vol,
                                const proj_request *req, tes_proj_geom *g) {
    TES_CALL(cone_distances(args, req->kind, &g->sod, &g->odd));
    double magnification = req->kind == TES_GEOM_CONE3D ? (g->sod + g->odd) / g->sod : 1.0;
    double pixel[2] = {vol->dz * magnification, vol->dx * magnification};
    int given = 0;
    TES_CALL(tes_cli_lengths(args, "--pixel", "MM or PV,PU", 1, 2, pixel, &given));
    g->pixel_v = pixel[0];
    g->pixel_u = pixel[1];

    if (req->file_angles) {
        for (size_t i = 0; i < req->nviews; ++i)
            g->angles[i] = req->file_angles[i] * TES_DEG_TO_RAD;
    } else {
        double first, range;
        TES_CALL(uniform_angles(args, req->kind, &first, &range));
        tes_proj_geom_set_uniform_angles(g, first * TES_DEG_TO_RAD, range * TES_DEG_TO_RAD);
    }

    double offset_u = 0, offset_v = 0;
    TES_CALL(tes_cli_real(args, "--center-col", g->center_col, &g->center_col));
    TES_CALL(tes_cli_real(args, "--center-row", g->center_row, &g->center_row));
    TES_CALL(tes_cli_real(args, "--offset-u", 0.0, &offset_u));
    TES_CALL(tes_cli_real(args, "--offset-v", 0.0, &offset_v));
    /* The detector moved by +offset: the axis meets it that much earlier. */
    g->center_col -= offset_u / g->pixel_u;
    g->center_row -= offset_v / g->pixel_v;

    if (req->shifts)
        for (size_t i = 0; i < req->nviews; ++i) {
            g->shift_u[i] = req->shifts[2 * i];
            g->shift_v[i] = req->shifts[2 * i + 1];
        }
    return TES_OK;
}

static tes_status read_shifts(const tes_cli_args *args, proj_request *req) {
    const char *path = tes_cli_get(args, "--shifts-file");
    if (!path)
        return TES_OK;
    size_t n = 0;
    TES_CALL(tes_table_read("--shifts-file", path, 2, &req->shifts, &n));
    TES_CHECK(n == req->nviews, TES_ERR_INPUT,
              "--shifts-file: '%s' holds %zu lines of shifts, but there are %zu views", path, n,
              req->nviews);
    return TES_OK;
}

static tes_status build(const tes_cli_args *args, const tes_vol_geom *vol,
                        const size_t *input_shape, proj_request *req, tes_proj_geom **out) {
    TES_CALL(tes_geom_kind_parse(tes_cli_has(args, "--geometry") ? tes_cli_get(args, "--geometry")
                                                                 : "parallel3d",
                                 "--geometry", &req->kind));
    TES_CALL(view_count(args, input_shape, req));
    TES_CALL(detector_size(args, vol, input_shape, req));
    TES_CALL(read_shifts(args, req));
    tes_proj_geom *g = NULL;
    TES_CALL(tes_proj_geom_create(&g, req->kind, req->nviews, req->rows, req->cols));
    tes_status st = fill_geometry(args, vol, req, g);
    if (st == TES_OK)
        st = tes_proj_geom_validate(g, vol);
    if (st != TES_OK) {
        tes_proj_geom_destroy(&g);
        TES_CALL(st);
    }
    *out = g;
    return TES_OK;
}

tes_status tes_cli_proj_geom(const tes_cli_args *args, const tes_vol_geom *vol,
                             const size_t *input_shape, tes_proj_geom **out) {
    TES_CHECK(out && vol, TES_ERR_ARG, "tes_cli_proj_geom: NULL argument");
    proj_request req = {TES_GEOM_PARALLEL3D, 0, 0, 0, NULL, NULL};
    tes_status st = build(args, vol, input_shape, &req, out);
    free(req.file_angles);
    free(req.shifts);
    TES_CALL(st);
    return TES_OK;
}
