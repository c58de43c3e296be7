#include "io/scaling_plot.h"

#include <math.h>
#include <stdio.h>

#include "io/outfile.h"
#include "io/plot.h"

/* Layout, pixels. */
enum {
    IDEAL_THICKNESS = 2,
    DASH = 10, /* dash and gap of the ideal curve */
    MARKER_HALF = 4,
    LEGEND_INSET = 16,
    LEGEND_LINE = 36,
    LEGEND_ROW = 24,
    Y_TICKS_WANTED = 6,
};

#define X_PAD_OCTAVES 0.25 /* space left and right of the first and last rank count */
#define Y_HEADROOM    1.08 /* the y axis ends this much above the largest value */

static const tes_rgb IDEAL = {140, 140, 140};

typedef struct frame {
    int left, right, top, bottom; /* plot area, pixels */
    double xlo, xhi;              /* x axis, log2(ranks) */
    double ymax;                  /* y axis 0 .. ymax */
    double ystep;                 /* between y ticks */
} frame;

static int to_x(const frame *f, double ranks) {
    double u = (log2(ranks) - f->xlo) / (f->xhi - f->xlo);
    return f->left + (int)lround(u * (f->right - f->left));
}

static int to_y(const frame *f, double value) {
    return f->bottom - (int)lround(value / f->ymax * (f->bottom - f->top));
}

/* A step of 1, 2 or 5 times a power of ten giving about wanted ticks. */
static double nice_step(double range, int wanted) {
    double raw = range / wanted;
    double p = pow(10.0, floor(log10(raw)));
    double m = raw / p;
    return (m <= 1.0 ? 1.0 : m <= 2.0 ? 2.0 : m <= 5.0 ? 5.0 : 10.0) * p;
}

static void fit_frame(frame *f, const tes_scaling_plot *p) {
    f->left = TES_PLOT_MARGIN_LEFT;
    f->right = TES_PLOT_WIDTH - TES_PLOT_MARGIN_RIGHT;
    f->top = TES_PLOT_MARGIN_TOP;
    f->bottom = TES_PLOT_HEIGHT - TES_PLOT_MARGIN_BOTTOM;
    double lo = log2(p->ranks[0]), hi = log2(p->ranks[p->n - 1]), top = 0.0;
    f->xlo = lo - X_PAD_OCTAVES;
    f->xhi = (hi > lo ? hi : lo + 1.0) + X_PAD_OCTAVES;
    for (size_t i = 0; i < p->n; ++i) {
        if (isfinite(p->measured[i]) && p->measured[i] > top)
            top = p->measured[i];
        if (p->ideal && isfinite(p->ideal[i]) && p->ideal[i] > top)
            top = p->ideal[i];
    }
    top = top > 0.0 ? top * Y_HEADROOM : 1.0;
    f->ystep = nice_step(top, Y_TICKS_WANTED);
    f->ymax = ceil(top / f->ystep) * f->ystep;
}

/* Ticks at the powers of two in the range, labelled with the rank count. */
static void draw_x_axis(tes_raster *r, const frame *f) {
    const tes_plot_area area = {f->left, f->right, f->top, f->bottom};
    char label[TES_PLOT_LABEL_BYTES];
    for (int k = (int)ceil(f->xlo); k <= (int)floor(f->xhi); ++k) {
        double ranks = ldexp(1.0, k);
        int x = to_x(f, ranks);
        snprintf(label, sizeof label, "%.0f", ranks);
        tes_plot_x_tick(r, &area, x, label);
    }
}

static void draw_y_axis(tes_raster *r, const frame *f) {
    char label[TES_PLOT_LABEL_BYTES];
    int nticks = (int)lround(f->ymax / f->ystep);
    for (int k = 0; k <= nticks; ++k) {
        double v = k * f->ystep;
        int y = to_y(f, v);
        tes_raster_line(r, f->left, y, f->right, y, 1, TES_PLOT_GRID);
        tes_raster_line(r, f->left - TES_PLOT_TICK_MAJOR, y, f->left, y, 1, TES_PLOT_INK);
        snprintf(label, sizeof label, "%g", v);
        tes_raster_text(r,
                        f->left - TES_PLOT_TICK_MAJOR - TES_PLOT_TICK_GAP -
                            tes_raster_text_width(label, TES_PLOT_TEXT_SCALE),
                        y - TES_FONT_HEIGHT * TES_PLOT_TEXT_SCALE / 2, label, TES_PLOT_TEXT_SCALE,
                        0, TES_PLOT_INK);
    }
}

/* A dashed line from (x0, y0) to (x1, y1). */
static void dashed_line(tes_raster *r, int x0, int y0, int x1, int y1, tes_rgb c) {
    double length = hypot(x1 - x0, y1 - y0);
    int pieces = (int)(length / DASH);
    if (pieces < 1) {
        tes_raster_line(r, x0, y0, x1, y1, IDEAL_THICKNESS, c);
        return;
    }
    for (int i = 0; i < pieces; i += 2) {
        double a = (double)i / pieces, b = (double)(i + 1) / pieces;
        tes_raster_line(r, x0 + (int)lround(a * (x1 - x0)), y0 + (int)lround(a * (y1 - y0)),
                        x0 + (int)lround(b * (x1 - x0)), y0 + (int)lround(b * (y1 - y0)),
                        IDEAL_THICKNESS, c);
    }
}

static void draw_ideal(tes_raster *r, const frame *f, const tes_scaling_plot *p) {
    for (size_t i = 1; i < p->n; ++i)
        dashed_line(r, to_x(f, p->ranks[i - 1]), to_y(f, p->ideal[i - 1]), to_x(f, p->ranks[i]),
                    to_y(f, p->ideal[i]), IDEAL);
}

/* The measured curve with a marker at each run; the line breaks at a
 * missing value. */
static void draw_measured(tes_raster *r, const frame *f, const tes_scaling_plot *p) {
    int have_prev = 0, px = 0, py = 0;
    for (size_t i = 0; i < p->n; ++i) {
        if (!isfinite(p->measured[i])) {
            have_prev = 0;
            continue;
        }
        int x = to_x(f, p->ranks[i]), y = to_y(f, p->measured[i]);
        if (have_prev)
            tes_raster_line(r, px, py, x, y, TES_PLOT_LINE_THICKNESS, TES_PLOT_CURVE);
        tes_raster_dot(r, x, y, MARKER_HALF, TES_PLOT_CURVE);
        have_prev = 1;
        px = x;
        py = y;
    }
}

static void draw_legend(tes_raster *r, const frame *f, int with_ideal) {
    const int text_h = TES_FONT_HEIGHT * TES_PLOT_TEXT_SCALE;
    int x = f->left + LEGEND_INSET, y = f->top + LEGEND_INSET + text_h / 2;
    tes_raster_line(r, x, y, x + LEGEND_LINE, y, TES_PLOT_LINE_THICKNESS, TES_PLOT_CURVE);
    tes_raster_dot(r, x + LEGEND_LINE / 2, y, MARKER_HALF, TES_PLOT_CURVE);
    tes_raster_text(r, x + LEGEND_LINE + TES_PLOT_TICK_GAP, y - text_h / 2, "measured",
                    TES_PLOT_TEXT_SCALE, 0, TES_PLOT_INK);
    if (!with_ideal)
        return;
    y += LEGEND_ROW;
    dashed_line(r, x, y, x + LEGEND_LINE, y, IDEAL);
    tes_raster_text(r, x + LEGEND_LINE + TES_PLOT_TICK_GAP, y - text_h / 2, "ideal",
                    TES_PLOT_TEXT_SCALE, 0, TES_PLOT_INK);
}

static void draw_labels(tes_raster *r, const frame *f, const tes_scaling_plot *p) {
    const tes_plot_area area = {f->left, f->right, f->top, f->bottom};
    tes_plot_titles(r, &area, p->title ? p->title : "scaling", "ranks", p->ylabel ? p->ylabel : "");
}

tes_status tes_scaling_plot_write(const char *path, const tes_scaling_plot *p) {
    TES_CHECK(p && p->n > 0 && p->ranks && p->measured, TES_ERR_ARG,
              "scaling plot %s: nothing to plot", path ? path : "");
    for (size_t i = 0; i < p->n; ++i)
        TES_CHECK(p->ranks[i] >= 1.0 && (i == 0 || p->ranks[i] > p->ranks[i - 1]), TES_ERR_ARG,
                  "scaling plot %s: rank counts must be >= 1 and increasing", path);
    /* Refuse a bad output before drawing anything. */
    TES_CALL(tes_outfile_check(path, p->overwrite, p->force_hint));
    frame f;
    fit_frame(&f, p);
    tes_raster r;
    TES_CALL(tes_plot_canvas(&r));
    draw_x_axis(&r, &f);
    draw_y_axis(&r, &f);
    if (p->ideal)
        draw_ideal(&r, &f, p);
    draw_measured(&r, &f, p);
    tes_raster_rect(&r, f.left, f.top, f.right, f.bottom, TES_PLOT_INK);
    draw_legend(&r, &f, p->ideal != NULL);
    draw_labels(&r, &f, p);
    return tes_plot_write(path, &r, p->overwrite, p->force_hint);
}
