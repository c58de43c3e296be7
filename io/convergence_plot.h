/* The convergence plot of a reconstruction: the residual per iteration on a
 * logarithmic axis, with ticks, grid and labels, rendered by tessera's own
 * raster code (io/raster.h) and written as an RGB PNG. Not collective: the
 * rank that holds the residuals (rank 0) calls it. */
#ifndef TES_IO_CONVERGENCE_PLOT_H
#define TES_IO_CONVERGENCE_PLOT_H

#include <stddef.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tes_convergence_plot_options {
    const char *title;      /* top line, e.g. "SIRT, tooth.h5"; NULL: "convergence" */
    const char *ylabel;     /* NULL: "residual" */
    int overwrite;          /* 1: an existing file may be replaced */
    const char *force_hint; /* how a user allows that; NULL: generic */
} tes_convergence_plot_options;

/* Plot residual[0..n) (iteration i + 1 has residual[i]) to path. Values
 * that are not positive and finite have no place on a log axis and are
 * left out (the line breaks there). opt may be NULL. */
tes_status tes_convergence_plot_write(const char *path, const double *residual, size_t n,
                                      const tes_convergence_plot_options *opt);

#ifdef __cplusplus
}
#endif

#endif
