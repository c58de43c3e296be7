#include "io/plot.h"

#include "io/png.h"

enum { RGB_CHANNELS = 3 };

tes_status tes_plot_canvas(tes_raster *r) {
    return tes_raster_create(r, TES_PLOT_WIDTH, TES_PLOT_HEIGHT, TES_PLOT_BACKGROUND);
}

tes_status tes_plot_write(const char *path, tes_raster *r, int overwrite, const char *force_hint) {
    tes_status st = tes_png_write(path, r->pixels, (size_t)r->height, (size_t)r->width,
                                  RGB_CHANNELS, overwrite, force_hint);
    tes_raster_free(r);
    return st;
}
