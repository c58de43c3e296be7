/* A small RGB raster for tessera's own plots (no plotting library exists
 * for C here): pixels, straight lines, rectangles and text in a built-in
 * 5x7 pixel font (printable ASCII), scaled by an integer factor. Pixel
 * (0, 0) is the top left; x runs right, y down. Drawing outside the raster
 * is clipped. */
#ifndef TES_IO_RASTER_H
#define TES_IO_RASTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tes_rgb {
    uint8_t r, g, b;
} tes_rgb;

typedef struct tes_raster {
    int width, height;
    uint8_t *pixels; /* height rows of width RGB triples */
} tes_raster;

/* Glyph cell of the font at scale 1, pixels (5x7 glyphs plus spacing). */
enum { TES_FONT_WIDTH = 6, TES_FONT_HEIGHT = 8 };

tes_status tes_raster_create(tes_raster *r, int width, int height, tes_rgb background);
void tes_raster_free(tes_raster *r);

void tes_raster_pixel(tes_raster *r, int x, int y, tes_rgb c);

/* A line from (x0, y0) to (x1, y1), thickness pixels wide (>= 1). */
void tes_raster_line(tes_raster *r, int x0, int y0, int x1, int y1, int thickness, tes_rgb c);

/* The outline of a rectangle with corners (x0, y0) and (x1, y1). */
void tes_raster_rect(tes_raster *r, int x0, int y0, int x1, int y1, tes_rgb c);

/* A filled square of side 2 half + 1 centred at (x, y) (plot markers). */
void tes_raster_dot(tes_raster *r, int x, int y, int half, tes_rgb c);

/* Text with its top left corner at (x, y); vertical text runs bottom to
 * top (a y-axis title) with its bottom left corner at (x, y). */
void tes_raster_text(tes_raster *r, int x, int y, const char *text, int scale, int vertical,
                     tes_rgb c);

/* Width in pixels of text at scale (its length along the writing). */
int tes_raster_text_width(const char *text, int scale);

#ifdef __cplusplus
}
#endif

#endif
