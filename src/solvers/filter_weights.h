/* The weights of the filter stage of FBP and FDK, shared by the CPU and the
 * CUDA filters so that both compute the same arithmetic.
 *
 * Before a detector row is filtered each pixel is multiplied by
 *   FDK's cosine weight  sdd / sqrt(sdd^2 + u^2 + v^2)       (cone beam)
 *   Parker's weight      w(beta, gamma), gamma = atan(u / sdd) (short scan)
 * with (u, v) the pixel's position on the detector relative to the central
 * ray, mm. After filtering the row is multiplied by its view's scale (the
 * angular interval of the view over the effective pixel width).
 *
 * Parker weights (D. L. Parker, Med. Phys. 9, 1982) in the conventions of
 * kernels/geometry.h: the ray through detector position u of the view at
 * angle beta leaves the source at fan angle gamma = atan(u / sdd) towards
 * e_u, and the same line is measured again, reversed, by the view at
 * beta + pi - 2 gamma with fan angle -gamma. A scan over
 * [0, pi + 2 delta] (beta from the scan's first angle) measures every
 * line once or twice; the weights of the two measurements add to 1:
 *   w = sin^2(pi/4 beta / (delta + gamma))                0 <= beta < 2 (delta + gamma)
 *   w = 1                                       2 (delta + gamma) <= beta <= pi + 2 gamma
 *   w = sin^2(pi/4 (pi + 2 delta - beta) / (delta - gamma))  pi + 2 gamma < beta <= pi + 2 delta
 *   w = 0                                                  elsewhere. */
#ifndef TES_SOLVERS_FILTER_WEIGHTS_H
#define TES_SOLVERS_FILTER_WEIGHTS_H

#include <math.h>
#include <stdint.h>

#include "kernels/footprint.h" /* TES_HD */

#define TES_FILTER_PI_F 3.14159265358979f

/* What the pre-weights need about the geometry. */
typedef struct tes_filter_geom {
    int cone;      /* 1: FDK's cosine weight */
    int parker;    /* 1: Parker's short-scan weight (cone beam) */
    float sdd;     /* source-detector distance, mm */
    float pixel_u; /* detector pixel width and height, mm */
    float pixel_v;
    float delta; /* Parker: the scan covers pi + 2 delta, radians */
} tes_filter_geom;

/* One view of the filter stage. */
typedef struct tes_filter_view {
    float scale; /* multiplies the filtered view */
    float col0;  /* detector column of the central ray, shift included */
    float row0;  /* its row, relative to the first row of the filtered array */
    float beta;  /* Parker: the view's angle from the scan's first angle, radians */
} tes_filter_view;

TES_HD float tes_parker_weight(float beta, float gamma, float delta) {
    if (!(beta >= 0.0f && beta <= TES_FILTER_PI_F + 2.0f * delta))
        return 0.0f;
    const float quarter_pi = 0.25f * TES_FILTER_PI_F;
    const float rise = delta + gamma;
    if (beta < 2.0f * rise) {
        const float s = sinf(quarter_pi * beta / rise);
        return s * s;
    }
    if (beta <= TES_FILTER_PI_F + 2.0f * gamma)
        return 1.0f;
    const float s = sinf(quarter_pi * (TES_FILTER_PI_F + 2.0f * delta - beta) / (delta - gamma));
    return s * s;
}

/* The pre-weight of pixel (row, col) of a view; row relative to the
 * filtered array's first row. */
TES_HD float tes_filter_preweight(const tes_filter_geom *g, tes_filter_view v, int64_t row,
                                  int64_t col) {
    const float u = ((float)col - v.col0) * g->pixel_u;
    float w = 1.0f;
    if (g->cone) {
        const float vv = ((float)row - v.row0) * g->pixel_v;
        w = g->sdd / sqrtf(g->sdd * g->sdd + u * u + vv * vv);
    }
    if (g->parker)
        w *= tes_parker_weight(v.beta, atanf(u / g->sdd), g->delta);
    return w;
}

#endif
