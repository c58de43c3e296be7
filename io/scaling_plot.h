/* The plots of a scaling study (tessera scaling-report): one measured
 * quantity (speedup or parallel efficiency) and its ideal against the rank
 * count, ranks on a log2 axis and the quantity on a linear axis from 0,
 * drawn with tessera's raster code (io/raster.h) and written as an RGB PNG
 * (temporary name, renamed when complete). */
#ifndef TES_IO_SCALING_PLOT_H
#define TES_IO_SCALING_PLOT_H

#include <stddef.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tes_scaling_plot {
    const char *title;      /* top line, e.g. "strong scaling: speedup" */
    const char *ylabel;     /* e.g. "speedup" */
    const double *ranks;    /* x: n rank counts, increasing, >= 1 */
    const double *measured; /* n values; non-finite ones are left out */
    const double *ideal;    /* n values of the ideal curve, drawn dashed; NULL: none */
    size_t n;
    int overwrite;          /* 1: an existing file may be replaced */
    const char *force_hint; /* how a user allows that; NULL: generic */
} tes_scaling_plot;

/* Draw plot p and write it to path. */
tes_status tes_scaling_plot_write(const char *path, const tes_scaling_plot *p);

#ifdef __cplusplus
}
#endif

#endif
