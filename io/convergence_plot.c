#include "io/convergence_plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "io/outfile.h"
#include "io/plot.h"

/* Layout, pixels. */
enum {
    TICK_MINOR = 4,
    MARKER_HALF = 2,
    MARKERS_UP_TO = 60, /* iterations that still get a marker each */
    X_TICKS_WANTED = 8,
    DECADES_WITH_MINOR = 6,
    DECADE_LABELS_MAX = 10,
    PLAIN_EXPONENT_MAX = 3, /* 10^-3 .. 10^3 written as plain numbers */
};

typedef struct frame {
    int left, right, top, bottom; /* plot area, pixels */
    double xmax;                  /* x axis 0 .. xmax (iterations) */
    int dlo, dhi;                 /* y axis 10^dlo .. 10^dhi */
} frame;

static int to_x(const frame *f, double iteration) {
    return f->left + (int)lround(iteration / f->xmax * (f->right - f->left));
}

static int to_y(const frame *f, double value) {
    double u = (log10(value) - f->dlo) / (double)(f->dhi - f->dlo);
    return f->bottom - (int)lround(u * (f->bottom - f->top));
}

/* A step of 1, 2 or 5 times a power of ten giving about wanted ticks. */
static double nice_step(double range, int wanted) {
    double raw = range / wanted;
    double p = pow(10.0, floor(log10(raw)));
    double m = raw / p;
    double step = (m <= 1.0 ? 1.0 : m <= 2.0 ? 2.0 : m <= 5.0 ? 5.0 : 10.0) * p;
    return step < 1.0 ? 1.0 : step; /* iterations are whole numbers */
}

static void draw_x_axis(tes_raster *r, const frame *f) {
    const tes_plot_area area = {f->left, f->right, f->top, f->bottom};
    double step = nice_step(f->xmax, X_TICKS_WANTED);
    char label[TES_PLOT_LABEL_BYTES];
    for (double t = 0.0; t <= f->xmax + 0.5 * step; t += step) {
        if (t > f->xmax)
            break;
        int x = to_x(f, t);
        snprintf(label, sizeof label, "%.0f", t);
        tes_plot_x_tick(r, &area, x, label);
    }
}

static void decade_label(char *label, size_t len, int k) {
    if (abs(k) <= PLAIN_EXPONENT_MAX)
        snprintf(label, len, "%g", pow(10.0, k));
    else
        snprintf(label, len, "1e%d", k);
}

static void draw_y_axis(tes_raster *r, const frame *f) {
    int decades = f->dhi - f->dlo;
    int every = (decades + DECADE_LABELS_MAX - 1) / DECADE_LABELS_MAX;
    char label[TES_PLOT_LABEL_BYTES];
    for (int k = f->dlo; k <= f->dhi; ++k) {
        int y = to_y(f, pow(10.0, k));
        tes_raster_line(r, f->left, y, f->right, y, 1, TES_PLOT_GRID);
        tes_raster_line(r, f->left - TES_PLOT_TICK_MAJOR, y, f->left, y, 1, TES_PLOT_INK);
        if ((k - f->dlo) % every == 0) {
            decade_label(label, sizeof label, k);
            tes_raster_text(r,
                            f->left - TES_PLOT_TICK_MAJOR - TES_PLOT_TICK_GAP -
                                tes_raster_text_width(label, TES_PLOT_TEXT_SCALE),
                            y - TES_FONT_HEIGHT * TES_PLOT_TEXT_SCALE / 2, label,
                            TES_PLOT_TEXT_SCALE, 0, TES_PLOT_INK);
        }
        for (int m = 2; decades <= DECADES_WITH_MINOR && k < f->dhi && m <= 9; ++m) {
            int ym = to_y(f, m * pow(10.0, k));
            tes_raster_line(r, f->left - TICK_MINOR, ym, f->left, ym, 1, TES_PLOT_INK);
        }
    }
}

static void draw_curve(tes_raster *r, const frame *f, const double *v, size_t n) {
    int have_prev = 0, px = 0, py = 0;
    for (size_t i = 0; i < n; ++i) {
        if (!(isfinite(v[i]) && v[i] > 0.0)) {
            have_prev = 0;
            continue;
        }
        int x = to_x(f, (double)(i + 1)), y = to_y(f, v[i]);
        if (have_prev)
            tes_raster_line(r, px, py, x, y, TES_PLOT_LINE_THICKNESS, TES_PLOT_CURVE);
        if (n <= MARKERS_UP_TO)
            tes_raster_dot(r, x, y, MARKER_HALF, TES_PLOT_CURVE);
        have_prev = 1;
        px = x;
        py = y;
    }
}

static void draw_labels(tes_raster *r, const frame *f, const tes_convergence_plot_options *opt,
                        int empty) {
    const char *title = opt && opt->title ? opt->title : "convergence";
    const char *ylabel = opt && opt->ylabel ? opt->ylabel : "residual";
    const tes_plot_area area = {f->left, f->right, f->top, f->bottom};
    tes_plot_titles(r, &area, title, "iteration", ylabel);
    if (empty) {
        const char *note = "no positive residuals";
        tes_raster_text(r,
                        (f->left + f->right - tes_raster_text_width(note, TES_PLOT_TEXT_SCALE)) / 2,
                        (f->top + f->bottom) / 2, note, TES_PLOT_TEXT_SCALE, 0, TES_PLOT_INK);
    }
}

/* Axis ranges from the values that fit a log axis; 0 when there are none. */
static int fit_frame(frame *f, const double *v, size_t n) {
    double lo = INFINITY, hi = 0.0;
    for (size_t i = 0; i < n; ++i)
        if (isfinite(v[i]) && v[i] > 0.0) {
            lo = v[i] < lo ? v[i] : lo;
            hi = v[i] > hi ? v[i] : hi;
        }
    f->left = TES_PLOT_MARGIN_LEFT;
    f->right = TES_PLOT_WIDTH - TES_PLOT_MARGIN_RIGHT;
    f->top = TES_PLOT_MARGIN_TOP;
    f->bottom = TES_PLOT_HEIGHT - TES_PLOT_MARGIN_BOTTOM;
    f->xmax = n > 1 ? (double)n : 1.0;
    f->dlo = 0;
    f->dhi = 1;
    if (hi <= 0.0)
        return 0;
    f->dlo = (int)floor(log10(lo));
    f->dhi = (int)ceil(log10(hi));
    if (f->dhi <= f->dlo)
        f->dhi = f->dlo + 1;
    return 1;
}

tes_status tes_convergence_plot_write(const char *path, const double *residual, size_t n,
                                      const tes_convergence_plot_options *opt) {
    TES_CHECK(residual && n > 0, TES_ERR_ARG, "convergence plot %s: no residuals to plot",
              path ? path : "");
    /* Refuse a bad output before drawing anything. */
    TES_CALL(tes_outfile_check(path, opt && opt->overwrite, opt ? opt->force_hint : NULL));
    frame f;
    int any = fit_frame(&f, residual, n);
    tes_raster r;
    TES_CALL(tes_plot_canvas(&r));
    draw_x_axis(&r, &f);
    draw_y_axis(&r, &f);
    draw_curve(&r, &f, residual, n);
    tes_raster_rect(&r, f.left, f.top, f.right, f.bottom, TES_PLOT_INK);
    draw_labels(&r, &f, opt, !any);
    return tes_plot_write(path, &r, opt && opt->overwrite, opt ? opt->force_hint : NULL);
}
