/* FBP and FDK (solvers/fbp.h): the filter stage, a part's reconstruction
 * and the distributed one. */
#include "solvers/fbp.h"

#include <stdlib.h>

#include "core/agree.h"
#include "core/log.h"
#include "core/timer.h"
#include "core/vec.h"
#include "kernels/backproject.h"

tes_fbp_options tes_fbp_options_default(void) {
    tes_fbp_options opt = {tes_filter_options_default(), TES_FBP_SCAN_AUTO};
    return opt;
}

tes_status tes_fbp_options_validate(const tes_fbp_options *opt) {
    TES_CHECK(opt, TES_ERR_ARG, "no FBP options given");
    TES_CALL(tes_filter_options_validate(&opt->filter));
    TES_CHECK(opt->scan == TES_FBP_SCAN_AUTO || opt->scan == TES_FBP_SCAN_FULL ||
                  opt->scan == TES_FBP_SCAN_SHORT,
              TES_ERR_ARG, "unknown scan kind %d (auto, full or short)", (int)opt->scan);
    return TES_OK;
}

const char *tes_fbp_algorithm_name(tes_geom_kind kind) {
    return kind == TES_GEOM_CONE3D ? "fdk" : "fbp";
}

tes_status tes_fbp_filter(const tes_proj_geom *proj, const tes_proj_part *part,
                          const tes_fbp_options *opt, tes_backend backend, tes_array *sino) {
    TES_CHECK(proj && part && opt && sino, TES_ERR_ARG, "FBP filter: a NULL argument");
    TES_CALL(tes_fbp_options_validate(opt));
    size_t shape[3] = {part->nviews, part->row_end - part->row_begin, proj->ncols};
    TES_CALL(tes_array_expect(sino, "sinogram to filter", TES_FLOAT32,
                              tes_backend_location(backend), 3, shape));
    if (part->nviews == 0)
        return TES_OK;
    tes_fbp_coverage cov;
    TES_CALL(tes_fbp_coverage_of(proj, opt->scan, &cov));
    tes_filter_view *views = malloc(part->nviews * sizeof *views);
    TES_CHECK(views, TES_ERR_ALLOC, "cannot allocate %zu filter views", part->nviews);
    tes_filter_geom geom;
    tes_filter *f = NULL;
    tes_status st = TES_OK;
    TES_CALL_GOTO(st, tes_fbp_filter_setup(proj, part, &cov, &geom, views), done);
    TES_CALL_GOTO(st, tes_filter_create(&f, proj->ncols, &opt->filter, backend), done);
    TES_CALL_GOTO(st, tes_filter_apply(f, sino, geom.cone ? &geom : NULL, views), done);
done:
    tes_filter_destroy(&f);
    free(views);
    return st;
}

/* The backprojection runs in batches of slices of about this many voxel x
 * view updates, so that a long reconstruction reports its progress (a
 * batch takes seconds on a CPU core, far less on a GPU). The environment
 * variable overrides it (tests force one slice per batch). */
#define TES_FBP_BATCH_UPDATES     2e10
#define TES_FBP_BATCH_UPDATES_ENV "TES_FBP_BATCH_UPDATES"

static double batch_updates(void) {
    const char *text = getenv(TES_FBP_BATCH_UPDATES_ENV);
    char *end = NULL;
    double v = text ? strtod(text, &end) : 0.0;
    return text && end != text && v >= 1.0 ? v : TES_FBP_BATCH_UPDATES;
}

/* x = the backprojection of the filtered work over part, in batches of
 * slices with a progress line after each when there is more than one. */
static tes_status backproject_batches(const tes_vol_geom *vol, const tes_proj_geom *proj,
                                      const tes_proj_part *part, tes_backend backend,
                                      const tes_array *work, tes_array *x) {
    const size_t nz = part->z_end - part->z_begin, slice = vol->ny * vol->nx;
    const double updates = (double)slice * (double)part->nviews;
    double fit = batch_updates() / (updates > 1.0 ? updates : 1.0);
    size_t per_batch = fit < 1.0 ? 1 : fit >= (double)nz ? nz : (size_t)fit;
    if (per_batch == nz)
        return tes_backproject_fbp(vol, proj, part, backend, work, x);
    const char *name = tes_fbp_algorithm_name(proj->kind);
    const double t0 = tes_time_now();
    for (size_t z0 = 0; z0 < nz; z0 += per_batch) {
        size_t z1 = z0 + per_batch < nz ? z0 + per_batch : nz;
        tes_proj_part sub = *part;
        sub.z_begin = part->z_begin + z0;
        sub.z_end = part->z_begin + z1;
        size_t shape[3] = {z1 - z0, vol->ny, vol->nx};
        tes_array *slab = NULL;
        TES_CALL(tes_array_alias(&slab, (float *)x->data + z0 * slice, TES_FLOAT32, x->location,
                                 3, shape));
        tes_status st = tes_backproject_fbp(vol, proj, &sub, backend, work, slab);
        tes_array_destroy(&slab);
        TES_CALL(st);
        double elapsed = tes_time_now() - t0;
        tes_log(TES_LOG_INFO, "%s: %zu of %zu slices backprojected, %.0f s, about %.0f s left",
                name, z1, nz, elapsed, elapsed * (double)(nz - z1) / (double)z1);
    }
    return TES_OK;
}

tes_status tes_fbp_part(const tes_vol_geom *vol, const tes_proj_geom *proj,
                        const tes_proj_part *part, const tes_fbp_options *opt, tes_backend backend,
                        const tes_array *sino, tes_array *x, tes_fbp_stats *stats) {
    TES_CHECK(vol && proj && part && sino && x, TES_ERR_ARG, "FBP: a NULL argument");
    tes_fbp_options defaults = tes_fbp_options_default();
    if (!opt)
        opt = &defaults;
    tes_location loc = tes_backend_location(backend);
    tes_fbp_stats s = {0};
    tes_timer t;
    tes_timer_reset(&t);
    tes_timer_start(&t);
    tes_array *work = NULL;
    TES_CALL(tes_array_clone(&work, sino, loc));
    tes_status st = tes_fbp_filter(proj, part, opt, backend, work);
    if (st == TES_OK)
        st = tes_vec_synchronize(loc);
    s.filter_seconds = tes_timer_stop(&t);
    tes_timer_start(&t);
    if (st == TES_OK)
        st = backproject_batches(vol, proj, part, backend, work, x);
    s.backproject_seconds = tes_timer_stop(&t);
    tes_array_destroy(&work);
    TES_CALL(st);
    s.seconds = s.filter_seconds + s.backproject_seconds;
    if (stats)
        *stats = s;
    return TES_OK;
}

/* This rank's share: its views into its slab (zeros without views or
 * rows). */
static tes_status local_share(tes_problem *pb, const tes_array *y, tes_array *x,
                              const tes_fbp_options *opt, tes_fbp_stats *stats) {
    const tes_grid *g = pb->grid;
    size_t nviews = 0;
    const size_t *views = NULL;
    tes_operator_views(pb->op, &nviews, &views);
    if (nviews == 0 || g->row_begin == g->row_end) {
        TES_CALL(tes_array_zero(x));
        return TES_OK;
    }
    tes_proj_part part = {g->z_begin, g->z_end, g->row_begin, g->row_end, nviews, views};
    TES_CALL(tes_fbp_part(pb->vol, pb->proj, &part, opt, pb->op_options.backend, y, x, stats));
    return TES_OK;
}

tes_status tes_fbp(tes_problem *pb, const tes_array *y, tes_array *x, const tes_fbp_options *opt,
                   tes_fbp_stats *stats) {
    TES_CHECK(pb && y && x, TES_ERR_ARG, "FBP: NULL problem, data or volume");
    tes_fbp_options defaults = tes_fbp_options_default();
    if (!opt)
        opt = &defaults;
    MPI_Comm world = tes_comm_mpi(pb->world_comm);
    tes_fbp_stats s = {0};
    double t0 = tes_time_now();
    tes_fbp_coverage cov;
    tes_status st = tes_fbp_options_validate(opt);
    if (st == TES_OK)
        st = tes_fbp_coverage_of(pb->proj, opt->scan, &cov);
    TES_CALL(tes_status_agree(world, st));
    tes_fbp_coverage_log(pb->proj, &cov);
    TES_CALL(tes_status_agree(world, local_share(pb, y, x, opt, &s)));
    tes_timer t;
    tes_timer_reset(&t);
    tes_timer_start(&t);
    TES_CALL(tes_comm_allreduce(pb->slab_comm, x));
    s.reduce_seconds = tes_timer_stop(&t);
    s.seconds = tes_time_now() - t0;
    if (stats)
        *stats = s;
    return TES_OK;
}
