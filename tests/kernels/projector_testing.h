/* Helpers for the projector tests: the geometry named on the command line,
 * projection geometries built from a few numbers, forward and adjoint on
 * host buffers whatever the backend, and comparisons in double. */
#ifndef TES_TESTS_PROJECTOR_TESTING_H
#define TES_TESTS_PROJECTOR_TESTING_H

#include "testing.h"

#include "core/array.h"
#include "kernels/projector.h"

/* cone3d test geometries: source at this many volume radii from the axis,
 * detector magnification sdd / sod. */
#define TES_TEST_SOURCE_RADII  3.0
#define TES_TEST_MAGNIFICATION 1.5

/* The geometry named by argv[i] ("parallel3d" or "cone3d"; default
 * parallel3d). Exits with a message on anything else. */
static inline tes_geom_kind tes_test_geometry(int argc, char **argv, int i) {
    tes_geom_kind kind = TES_GEOM_PARALLEL3D;
    if (argc > i && tes_geom_kind_parse(argv[i], "geometry argument", &kind) != TES_OK) {
        fprintf(stderr, "%s\n", tes_error_message());
        exit(2);
    }
    return kind;
}

/* Largest distance of the volume's corners from the rotation axis, mm. */
static inline double tes_test_radius(const tes_vol_geom *vol) {
    double ax = fabs(vol->cx) + 0.5 * (double)vol->nx * vol->dx;
    double ay = fabs(vol->cy) + 0.5 * (double)vol->ny * vol->dy;
    return sqrt(ax * ax + ay * ay);
}

/* Magnification at the rotation axis: 1 for parallel beams. */
static inline double tes_test_magnification(const tes_proj_geom *g) {
    return g->kind == TES_GEOM_CONE3D ? (g->sod + g->odd) / g->sod : 1.0;
}

/* A projection geometry for vol with default angles. pixel_u, pixel_v are
 * the pixel sizes seen at the rotation axis (mm): cone3d pixels are that
 * times the magnification. NULL (and a counted failure) on error. */
static inline tes_proj_geom *tes_test_proj_geom(tes_geom_kind kind, const tes_vol_geom *vol,
                                                size_t nviews, size_t nrows, size_t ncols,
                                                double pixel_u, double pixel_v) {
    tes_proj_geom *g = NULL;
    if (!EXPECT_OK(tes_proj_geom_create(&g, kind, nviews, nrows, ncols)))
        return NULL;
    if (kind == TES_GEOM_CONE3D) {
        g->sod = TES_TEST_SOURCE_RADII * tes_test_radius(vol);
        g->odd = (TES_TEST_MAGNIFICATION - 1.0) * g->sod;
    }
    g->pixel_u = pixel_u * tes_test_magnification(g);
    g->pixel_v = pixel_v * tes_test_magnification(g);
    return g;
}

/* Sorted, irregularly spaced angles over the geometry's usual range, and
 * fractional per-view shifts in both directions. */
static inline void tes_test_irregular(tes_proj_geom *g, unsigned long long seed) {
    double range = g->kind == TES_GEOM_CONE3D ? 2.0 * M_PI : M_PI;
    for (size_t i = 0; i < g->nviews; ++i) {
        double jitter = 0.45 * (double)tes_test_random(&seed);
        g->angles[i] = range * ((double)i + jitter) / (double)g->nviews;
        g->shift_u[i] = 1.7 * (double)tes_test_random(&seed);
        g->shift_v[i] = 0.9 * (double)tes_test_random(&seed);
    }
}

static inline float *tes_test_floats(size_t n) {
    float *p = calloc(n ? n : 1, sizeof *p);
    if (!p) {
        fprintf(stderr, "cannot allocate %zu floats\n", n);
        exit(2);
    }
    return p;
}

/* Uniform in [-1, 1). */
static inline void tes_test_fill_random(float *p, size_t n, unsigned long long seed) {
    for (size_t i = 0; i < n; ++i)
        p[i] = tes_test_random(&seed);
}

/* Uniform in [0, 1): sums of these have no cancellation, so their float
 * rounding stays near float epsilon. */
static inline void tes_test_fill_positive(float *p, size_t n, unsigned long long seed) {
    for (size_t i = 0; i < n; ++i)
        p[i] = 0.5f + 0.5f * tes_test_random(&seed);
}

static inline size_t tes_test_count(const size_t shape[3]) {
    return shape[0] * shape[1] * shape[2];
}

/* out = A in (adjoint 0) or A^T in (adjoint 1); in and out are host buffers
 * of the projector's shapes, copied through device memory on cuda. */
static inline tes_status tes_test_apply(const tes_projector *p, int adjoint, const float *in,
                                        float *out) {
    size_t vol[3], sino[3];
    tes_projector_vol_shape(p, vol);
    tes_projector_sino_shape(p, sino);
    tes_location loc = tes_backend_location(tes_projector_backend(p));
    tes_array *host_in = NULL, *host_out = NULL, *dev_in = NULL, *dev_out = NULL;
    tes_status st = TES_OK;
    TES_CALL_GOTO(
        st, tes_array_alias(&host_in, (void *)in, TES_FLOAT32, TES_HOST, 3, adjoint ? sino : vol),
        done);
    TES_CALL_GOTO(
        st, tes_array_alias(&host_out, out, TES_FLOAT32, TES_HOST, 3, adjoint ? vol : sino), done);
    TES_CALL_GOTO(st, tes_array_clone(&dev_in, host_in, loc), done);
    TES_CALL_GOTO(st, tes_array_clone(&dev_out, host_out, loc), done);
    if (adjoint)
        TES_CALL_GOTO(st, tes_projector_adjoint(p, dev_in, dev_out), done);
    else
        TES_CALL_GOTO(st, tes_projector_forward(p, dev_in, dev_out), done);
    TES_CALL_GOTO(st, tes_array_copy(host_out, dev_out), done);
done:
    tes_array_destroy(&host_in);
    tes_array_destroy(&host_out);
    tes_array_destroy(&dev_in);
    tes_array_destroy(&dev_out);
    return st;
}

static inline double tes_test_dot(const float *a, const float *b, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; ++i)
        s += (double)a[i] * (double)b[i];
    return s;
}

static inline double tes_test_max_abs(const float *a, size_t n) {
    double m = 0.0;
    for (size_t i = 0; i < n; ++i)
        m = fmax(m, fabs((double)a[i]));
    return m;
}

/* max |a - b| / max |b|: 0 when equal, and 1 when b is all zero but a is not. */
static inline double tes_test_rel_diff(const float *a, const float *b, size_t n) {
    double d = 0.0, m = tes_test_max_abs(b, n);
    for (size_t i = 0; i < n; ++i)
        d = fmax(d, fabs((double)a[i] - (double)b[i]));
    return m > 0.0 ? d / m : (d > 0.0 ? 1.0 : 0.0);
}

/* 1 if every value is finite. */
static inline int tes_test_all_finite(const float *a, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (!isfinite(a[i]))
            return 0;
    return 1;
}

#endif
