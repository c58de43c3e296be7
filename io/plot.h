/* The look shared by tessera's plots (the convergence plot of a run, the
 * plots of a scaling study): one canvas size, margins, text, tick and line
 * sizes and colours, so that plots put side by side match; and the PNG
 * writer of a finished plot. */
#ifndef TES_IO_PLOT_H
#define TES_IO_PLOT_H

#include "core/status.h"
#include "io/raster.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Layout, pixels. */
enum {
    TES_PLOT_WIDTH = 800,
    TES_PLOT_HEIGHT = 520,
    TES_PLOT_MARGIN_LEFT = 104,
    TES_PLOT_MARGIN_RIGHT = 32,
    TES_PLOT_MARGIN_TOP = 48,
    TES_PLOT_MARGIN_BOTTOM = 72,
    TES_PLOT_TEXT_SCALE = 2,
    TES_PLOT_TICK_MAJOR = 8,
    TES_PLOT_TICK_GAP = 6, /* between a tick and its label */
    TES_PLOT_LINE_THICKNESS = 3,
    TES_PLOT_LABEL_BYTES = 32, /* a tick label's text */
};

#define TES_PLOT_BACKGROUND ((tes_rgb){255, 255, 255})
#define TES_PLOT_INK        ((tes_rgb){0, 0, 0})
#define TES_PLOT_GRID       ((tes_rgb){225, 225, 225})
#define TES_PLOT_CURVE      ((tes_rgb){31, 119, 180}) /* the measured curve */

/* The plot area of a canvas, pixels. */
typedef struct tes_plot_area {
    int left, right, top, bottom;
} tes_plot_area;

/* A canvas of the plots' size, background filled. */
tes_status tes_plot_canvas(tes_raster *r);

/* A vertical grid line across area at x, its tick below the area and label
 * centred under the tick. */
void tes_plot_x_tick(tes_raster *r, const tes_plot_area *area, int x, const char *label);

/* The title centred above area, xlabel centred at the bottom of the canvas,
 * ylabel written upwards at its left edge. */
void tes_plot_titles(tes_raster *r, const tes_plot_area *area, const char *title,
                     const char *xlabel, const char *ylabel);

/* Write the finished plot r to path as an RGB PNG (temporary name, renamed
 * when complete; an existing file only when overwrite, else an error that
 * names force_hint) and free r either way. */
tes_status tes_plot_write(const char *path, tes_raster *r, int overwrite, const char *force_hint);

#ifdef __cplusplus
}
#endif

#endif
