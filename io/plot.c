#include "io/plot.h"

#include "io/png.h"

enum { RGB_CHANNELS = 3 };

tes_status tes_plot_canvas(tes_raster *r) {
    return tes_raster_create(r, TES_PLOT_WIDTH, TES_PLOT_HEIGHT, TES_PLOT_BACKGROUND);
}

void tes_plot_x_tick(tes_raster *r, const tes_plot_area *area, int x, const char *label) {
    tes_raster_line(r, x, area->top, x, area->bottom, 1, TES_PLOT_GRID);
    tes_raster_line(r, x, area->bottom, x, area->bottom + TES_PLOT_TICK_MAJOR, 1, TES_PLOT_INK);
    tes_raster_text(r, x - tes_raster_text_width(label, TES_PLOT_TEXT_SCALE) / 2,
                    area->bottom + TES_PLOT_TICK_MAJOR + TES_PLOT_TICK_GAP, label,
                    TES_PLOT_TEXT_SCALE, 0, TES_PLOT_INK);
}

void tes_plot_titles(tes_raster *r, const tes_plot_area *area, const char *title,
                     const char *xlabel, const char *ylabel) {
    const int text_h = TES_FONT_HEIGHT * TES_PLOT_TEXT_SCALE;
    const int middle = area->left + area->right;
    tes_raster_text(r, (middle - tes_raster_text_width(title, TES_PLOT_TEXT_SCALE)) / 2,
                    (TES_PLOT_MARGIN_TOP - text_h) / 2, title, TES_PLOT_TEXT_SCALE, 0,
                    TES_PLOT_INK);
    tes_raster_text(r, (middle - tes_raster_text_width(xlabel, TES_PLOT_TEXT_SCALE)) / 2,
                    TES_PLOT_HEIGHT - text_h - TES_PLOT_TICK_GAP, xlabel, TES_PLOT_TEXT_SCALE, 0,
                    TES_PLOT_INK);
    tes_raster_text(
        r, TES_PLOT_TICK_GAP,
        (area->top + area->bottom + tes_raster_text_width(ylabel, TES_PLOT_TEXT_SCALE)) / 2, ylabel,
        TES_PLOT_TEXT_SCALE, 1, TES_PLOT_INK);
}

tes_status tes_plot_write(const char *path, tes_raster *r, int overwrite, const char *force_hint) {
    tes_status st = tes_png_write(path, r->pixels, (size_t)r->height, (size_t)r->width,
                                  RGB_CHANNELS, overwrite, force_hint);
    tes_raster_free(r);
    return st;
}
