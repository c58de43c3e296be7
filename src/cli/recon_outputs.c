#include "cli/recon_outputs.h"

#include <stdio.h>
#include <string.h>

#include "core/agree.h"
#include "core/log.h"
#include "io/convergence_plot.h"
#include "io/outfile.h"
#include "io/tiff.h"

#define TES_RECON_FORCE_HINT    "overwrite = true in [output], or --force"
#define TES_RECON_TIFF_BASENAME "slice"
#define TES_RECON_PLOT_SUFFIX   "_convergence.png"

static tes_status join(char *out, size_t len, const char *a, const char *b, const char *what) {
    TES_CHECK(snprintf(out, len, "%s%s", a, b) < (int)len, TES_ERR_ARG, "%s: path too long: %s%s",
              what, a, b);
    return TES_OK;
}

/* Rank 0's checks of the files that are not HDF5. */
static tes_status check_files(const tes_recon_outputs *o, size_t nz) {
    if (o->metrics) {
        TES_CALL(tes_outfile_check(o->metrics, o->overwrite, TES_RECON_FORCE_HINT));
        TES_CHECK(strcmp(o->metrics, o->volume.file), TES_ERR_ARG,
                  "[output] metrics: '%s' is the volume's file too", o->metrics);
    }
    if (o->previews[0]) {
        char names[TES_PREVIEW_SLICES][PATH_MAX];
        TES_CALL(tes_preview_names(o->previews, names));
        for (int i = 0; i < TES_PREVIEW_SLICES; ++i)
            TES_CALL(tes_outfile_check(names[i], o->overwrite, TES_RECON_FORCE_HINT));
    }
    if (o->convergence[0])
        TES_CALL(tes_outfile_check(o->convergence, o->overwrite, TES_RECON_FORCE_HINT));
    if (o->tiff_prefix[0]) {
        char name[PATH_MAX];
        TES_CALL(tes_tiff_slice_name(o->tiff_prefix, 0, nz, name));
        TES_CALL(tes_outfile_check(name, o->overwrite, TES_RECON_FORCE_HINT));
    }
    return TES_OK;
}

tes_status tes_recon_outputs_check(MPI_Comm comm, tes_recon_outputs *o, const char *volume,
                                   const char *tiff, const char *previews, const char *metrics,
                                   int overwrite, int iterative, size_t nz) {
    *o = (tes_recon_outputs){0};
    o->overwrite = overwrite;
    TES_CALL(tes_h5_name_parse(volume, TES_H5_VOLUME_DATASET, "[output] volume", &o->volume));
    tes_h5_write_options wopt = {overwrite, TES_RECON_FORCE_HINT, NULL, 0, NULL, 0};
    TES_CALL(tes_h5_check_output(comm, o->volume.file, &wopt));
    o->metrics = metrics && metrics[0] ? metrics : NULL;
    if (tiff && tiff[0])
        TES_CALL(join(o->tiff_prefix, sizeof o->tiff_prefix, tiff, "/" TES_RECON_TIFF_BASENAME,
                      "[output] tiff"));
    if (previews && previews[0]) {
        TES_CALL(join(o->previews, sizeof o->previews, previews, "", "[output] previews"));
        if (iterative)
            TES_CALL(join(o->convergence, sizeof o->convergence, previews, TES_RECON_PLOT_SUFFIX,
                          "[output] previews"));
    }
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    tes_status st = rank == 0 ? check_files(o, nz) : TES_OK;
    TES_CALL(tes_status_agree(comm, st));
    return TES_OK;
}

/* This rank's part of the volume as written: its slab on the first view
 * group, nothing on the others (host float32). */
static tes_status writer_slab(const tes_grid *g, const tes_array *x, tes_array **out) {
    if (g->group == 0) {
        TES_CALL(tes_array_clone(out, x, TES_HOST));
    } else {
        size_t empty[3] = {0, x->shape[1], x->shape[2]};
        TES_CALL(tes_array_create(out, TES_FLOAT32, TES_HOST, 3, empty));
    }
    return TES_OK;
}

tes_status tes_recon_outputs_write_volume(MPI_Comm comm, const tes_recon_outputs *o,
                                          const tes_grid *g, size_t nz, const tes_array *x,
                                          const tes_h5_attr *attrs, size_t nattrs) {
    tes_array *local = NULL;
    tes_status st = writer_slab(g, x, &local);
    TES_CALL(tes_status_agree(comm, st));
    size_t offset = g->group == 0 ? g->z_begin : 0;
    tes_h5_write_options wopt = {o->overwrite, TES_RECON_FORCE_HINT, attrs, nattrs, NULL, 0};
    TES_CALL_GOTO(st, tes_h5_write(comm, &o->volume, nz, offset, local, &wopt, NULL), done);
    tes_log(TES_LOG_INFO, "volume: %s:%s (%zu, %zu, %zu) float32", o->volume.file,
            o->volume.dataset, nz, x->shape[1], x->shape[2]);
    if (o->tiff_prefix[0]) {
        tes_tiff_options topt = {o->overwrite, TES_RECON_FORCE_HINT};
        TES_CALL_GOTO(st, tes_tiff_write_stack(comm, local, offset, nz, o->tiff_prefix, &topt),
                      done);
    }
    if (o->previews[0]) {
        tes_preview_options popt = tes_preview_options_default();
        popt.overwrite = o->overwrite;
        popt.force_hint = TES_RECON_FORCE_HINT;
        TES_CALL_GOTO(st, tes_preview_write_slices(comm, local, offset, nz, o->previews, &popt),
                      done);
    }
done:
    tes_array_destroy(&local);
    return st;
}

tes_status tes_recon_outputs_write_plot(const tes_recon_outputs *o, const double *residuals,
                                        size_t n, const char *title) {
    if (!o->convergence[0] || n == 0)
        return TES_OK;
    tes_convergence_plot_options opt = {title, "residual ||y - Ax||", o->overwrite,
                                        TES_RECON_FORCE_HINT};
    TES_CALL(tes_convergence_plot_write(o->convergence, residuals, n, &opt));
    tes_log(TES_LOG_INFO, "convergence plot: %s", o->convergence);
    return TES_OK;
}
