/* From a job to the structs of the modules that do the work: the scan
 * options, the volume and the projection geometry. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/job.h"

#include "core/log.h"
#include "io/scan_geometry.h"
#include "io/table.h"
#include "jobs/job_schema.h"

#define TES_JOB_DEG_TO_RAD (M_PI / 180.0)
enum { TES_SHIFTS_COLUMNS = 2 }; /* du dv */

static const char *path_or_null(const char *path) {
    return path[0] ? path : NULL;
}

tes_scan_options tes_job_scan_options(const tes_job *job) {
    tes_scan_options opt = tes_scan_options_default();
    static const tes_scan_format formats[] = {
        [TES_JOB_FORMAT_AUTO] = TES_SCAN_AUTO,
        [TES_JOB_FORMAT_DXCHANGE] = TES_SCAN_DXCHANGE,
        [TES_JOB_FORMAT_NEXUS] = TES_SCAN_NEXUS,
        [TES_JOB_FORMAT_SIMULATED] = TES_SCAN_AUTO,
    };
    const tes_job_input *in = &job->input;
    opt.format = formats[in->format];
    opt.values = in->values;
    opt.paths.data = path_or_null(in->data);
    opt.paths.flats = path_or_null(in->flats);
    opt.paths.darks = path_or_null(in->darks);
    opt.paths.angles = path_or_null(in->angles);
    opt.paths.image_key = path_or_null(in->image_key);
    opt.row_begin = job->preprocess.row_begin;
    opt.row_end = job->preprocess.row_end;
    opt.col_begin = job->preprocess.col_begin;
    opt.col_end = job->preprocess.col_end;
    opt.view_step = job->preprocess.view_step;
    return opt;
}

tes_status tes_job_vol_geom(const tes_job *job, tes_vol_geom *vol) {
    const tes_job_geometry *g = &job->geometry;
    TES_CHECK(g->volume[0] > 0, TES_ERR_ARG,
              "%s: [geometry] volume = auto is known once the input's shape is "
              "(tes_job_resolve)",
              job->source[0] ? job->source : "job");
    tes_vol_geom v = {g->volume[0], g->volume[1], g->volume[2], g->voxel[0], g->voxel[1],
                      g->voxel[2],  0.0,          0.0,          0.0};
    TES_CALL(tes_vol_geom_validate(&v));
    *vol = v;
    return TES_OK;
}

/* n lines "du dv" (pixels) into shift_u, shift_v. */
static tes_status read_shifts(const char *path, size_t n, double *shift_u, double *shift_v) {
    double *t = NULL;
    size_t rows = 0;
    TES_CALL(tes_table_read("[geometry] shifts", path, TES_SHIFTS_COLUMNS, &t, &rows));
    tes_status st = rows == n ? TES_OK
                              : tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                                              "[geometry] shifts: '%s' holds %zu lines of shifts, "
                                              "but %zu views are read",
                                              path, rows, n);
    for (size_t i = 0; st == TES_OK && i < n; ++i) {
        shift_u[i] = t[TES_SHIFTS_COLUMNS * i];
        shift_v[i] = t[TES_SHIFTS_COLUMNS * i + 1];
    }
    free(t);
    TES_CALL(st);
    return TES_OK;
}

/* [geometry] angles_file: one angle (degrees) per projection of the input,
 * of which every view_step-th is read, into g->angles (radians). */
static tes_status read_angles_file(const tes_job *job, tes_proj_geom *g) {
    const char *path = job->geometry.angles_file;
    size_t step = job->preprocess.view_step ? job->preprocess.view_step : 1;
    double *t = NULL;
    size_t rows = 0;
    TES_CALL(tes_table_read("[geometry] angles_file", path, 1, &t, &rows));
    tes_status st = (rows + step - 1) / step == g->nviews
                        ? TES_OK
                        : tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                                        "[geometry] angles_file: '%s' holds %zu angles, but the "
                                        "input has %zu views read%s",
                                        path, rows, g->nviews,
                                        step > 1 ? " (with view_step: one angle per projection "
                                                   "of the file)"
                                                 : "");
    for (size_t i = 0; st == TES_OK && i < g->nviews; ++i)
        g->angles[i] = t[i * step] * TES_JOB_DEG_TO_RAD;
    free(t);
    TES_CALL(st);
    return TES_OK;
}

/* Everything but the allocation; g has nviews x nrows x ncols. */
static tes_status fill(const tes_job *job, const double *angles, tes_proj_geom *g) {
    const tes_job_geometry *jg = &job->geometry;
    g->pixel_v = jg->pixel[0];
    g->pixel_u = jg->pixel[1];
    g->sod = jg->sod;
    g->odd = jg->odd;
    if (jg->angles_file[0])
        TES_CALL(read_angles_file(job, g));
    else if (angles)
        memcpy(g->angles, angles, g->nviews * sizeof *angles);
    else
        tes_proj_geom_set_uniform_angles(g, jg->first_angle * TES_JOB_DEG_TO_RAD,
                                         jg->angle_range * TES_JOB_DEG_TO_RAD);
    /* Centres are given on the stored detector; the data read start at
     * the crop's first row and column. */
    if (jg->center_col_mode == TES_JOB_CENTER_VALUE)
        g->center_col = jg->center_col - (double)job->preprocess.col_begin;
    if (jg->center_row_mode == TES_JOB_CENTER_VALUE)
        g->center_row = jg->center_row - (double)job->preprocess.row_begin;
    /* The detector moved by +offset: the axis meets it that much earlier. */
    g->center_col -= jg->offset_u / g->pixel_u;
    g->center_row -= jg->offset_v / g->pixel_v;
    if (jg->shifts[0])
        TES_CALL(read_shifts(jg->shifts, g->nviews, g->shift_u, g->shift_v));
    return TES_OK;
}

tes_status tes_job_proj_geom(const tes_job *job, const tes_vol_geom *vol, size_t nviews,
                             size_t nrows, size_t ncols, const double *angles,
                             tes_proj_geom **out) {
    TES_CHECK(job && vol && out, TES_ERR_ARG, "tes_job_proj_geom: NULL argument");
    tes_proj_geom *g = NULL;
    TES_CALL(tes_proj_geom_create(&g, job->geometry.kind, nviews, nrows, ncols));
    tes_status st = fill(job, angles, g);
    if (st == TES_OK)
        st = tes_proj_geom_validate(g, vol);
    if (st != TES_OK) {
        tes_proj_geom_destroy(&g);
        TES_CALL(st);
    }
    *out = g;
    return TES_OK;
}

/* A length of [geometry] from the file where the job gives none (or
 * "auto": 0); the job's value wins, and the log says so when they differ. */
static void take_length(const tes_job *job, tes_job_key_id id, const char *name,
                        const tes_scan_geometry *fg, const char *from, double file_value,
                        double *value) {
    if (!from)
        return;
    if (!tes_job_given(job, id) || (*value == 0.0 && id != K_GEOM_ODD)) {
        *value = file_value;
        return;
    }
    if (*value != file_value)
        tes_log(TES_LOG_WARN, "%s: [geometry] %s = %g mm as the job says, not %g mm as %s of %s says",
                job->source, name, *value, file_value, from, fg->path);
}

tes_status tes_job_geometry_from_scan(tes_job *job, tes_scan *scan) {
    TES_CHECK(job && scan, TES_ERR_ARG, "tes_job_geometry_from_scan: NULL argument");
    tes_job_geometry *g = &job->geometry;
    if (!g->attributes[0])
        return TES_OK;
    tes_scan_geometry fg;
    TES_CALL(tes_scan_geometry_read(scan, g->attributes, 0, &fg));
    TES_CHECK(fg.present, TES_ERR_INPUT, "%s: [geometry] attributes = %s: %s has no object %s",
              job->source, g->attributes, scan->file, g->attributes);
    TES_CHECK(tes_scan_geometry_any(&fg), TES_ERR_INPUT,
              "%s: [geometry] attributes = %s: %s has none of the geometry's attributes there "
              "(source_origin_mm, source_detector_mm, origin_detector_mm, detector_pixel_mm, "
              "pixel_u_mm, pixel_v_mm, ...)",
              job->source, g->attributes, scan->file);
    int cone = g->kind == TES_GEOM_CONE3D;
    if (cone) {
        take_length(job, K_GEOM_SOD, "sod", &fg, fg.sod_from, fg.sod, &g->sod);
        take_length(job, K_GEOM_ODD, "odd", &fg, fg.odd_from, fg.odd, &g->odd);
    } else if (fg.sod_from || fg.odd_from) {
        tes_log(TES_LOG_WARN,
                "%s: [geometry] kind = parallel3d: the source distances of %s in %s are not used",
                job->source, fg.path, scan->file);
    }
    take_length(job, K_GEOM_PIXEL, "pixel (rows)", &fg, fg.pixel_v_from, fg.pixel_v,
                &g->pixel[0]);
    take_length(job, K_GEOM_PIXEL, "pixel (columns)", &fg, fg.pixel_u_from, fg.pixel_u,
                &g->pixel[1]);
    TES_CHECK(!cone || g->sod > 0.0, TES_ERR_INPUT,
              "%s: [geometry] kind = cone3d needs sod: neither the job nor the attributes of %s "
              "in %s give it (source_origin_mm or sod_mm)",
              job->source, fg.path, scan->file);
    double m = cone ? (g->sod + g->odd) / g->sod : 1.0;
    if (!tes_job_given(job, K_GEOM_VOXEL) && g->pixel[0] > 0.0 && g->pixel[1] > 0.0) {
        g->voxel[0] = g->pixel[0] / m;
        g->voxel[1] = g->voxel[2] = g->pixel[1] / m;
    }
    if (g->pixel[0] == 0.0)
        g->pixel[0] = g->voxel[0] * m;
    if (g->pixel[1] == 0.0)
        g->pixel[1] = g->voxel[2] * m;
    if (cone)
        tes_log(TES_LOG_INFO,
                "geometry (%s of %s): sod %g mm, odd %g mm, magnification %.4f, pixel %g x %g mm, "
                "voxel %g x %g x %g mm",
                fg.path, scan->file, g->sod, g->odd, m, g->pixel[0], g->pixel[1], g->voxel[0],
                g->voxel[1], g->voxel[2]);
    else
        tes_log(TES_LOG_INFO, "geometry (%s of %s): pixel %g x %g mm, voxel %g x %g x %g mm",
                fg.path, scan->file, g->pixel[0], g->pixel[1], g->voxel[0], g->voxel[1],
                g->voxel[2]);
    return TES_OK;
}
