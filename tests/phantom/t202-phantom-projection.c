/* t202: the forward projection (backend argv[1], default cpu) of the
 * Shepp-Logan phantom voxelized at 128^3 matches its closed-form line
 * integrals to 1 % relative L2 error, for the geometry argv[2] (parallel3d
 * or cone3d). argv[3] sets the detector pixel in voxels (default 2; for
 * cone3d, voxels magnified to the detector).
 *
 * What a projector pixel sees (kernels/footprint.h): each voxel, holding the
 * phantom averaged over its box, is spread over the detector with a hat of
 * half-width one pixel (pixels at least as large as a projected voxel). In
 * the continuum that is the projection of the phantom convolved with the
 * hat and with the voxel's projected box: along u the voxel's width
 * |cos a| dx + |sin a| dy is the convolution of two boxes, along v it is dz.
 * The test samples the closed-form projection on a grid REF_STEPS times
 * finer than the detector and filters it with that kernel ("pixel model",
 * the enforced reference); it also prints the error against point integrals
 * at pixel centres and against plain box and hat averages over the pixel.
 *
 * Why pixels of two voxels: with pixels of one voxel the hat is as narrow as
 * the voxel grid, the continuum picture fails (at angle 0 a pixel sees single
 * voxel columns, at 45 degrees the voxel centres alias against the hat), and
 * the error is 1.1-1.7 % whatever the reference. */
#include "testing.h"

#include "kernels/projector.h"
#include "phantom/shepp_logan.h"

enum {
    N = 128,             /* voxels per axis */
    NVIEWS = 128,        /* over pi (parallel) or 2 pi (cone) */
    SUPERSAMPLE = 3,     /* voxelization sub-points per axis */
    REF_STEPS = 4,       /* fine samples per detector pixel of the references */
    BOX_QUADRATURE = 32, /* midpoint points per voxel box in the kernel */
    MAX_TAPS = 64,       /* fine samples per reference kernel */
};
static const double VOXEL = 1.0;         /* mm */
static const double DEFAULT_PIXEL = 2.0; /* detector pixel, voxels (magnified) */
static const double CONE_SOD = 1500.0;   /* mm: fan 7 degrees, cone 5 degrees */
static const double CONE_ODD = 1000.0;   /* mm: magnification 5/3 */
static const double REF_SUPPORT = 2.0;   /* pixels: covers hat + voxel box */
static const double MAX_REL_ERROR = 0.01;
static const double FINE_GRID_TOL = 1e-5; /* relative: the same rays, two geometries */
static const double EDGE_EPS = 1e-9;      /* pixels: a fine sample on a pixel edge */

static double cone_magnification(void) {
    return (CONE_SOD + CONE_ODD) / CONE_SOD;
}

/* A detector that sees the whole volume on every view, with pixels of
 * pixel_voxels (magnified) voxels. */
static tes_status make_geometry(tes_geom_kind kind, double pixel_voxels, tes_proj_geom **out) {
    const double half = 0.5 * N * VOXEL, radius = half * sqrt(2.0); /* mm */
    double pixel = pixel_voxels * VOXEL, half_u = radius, half_v = half;
    if (kind == TES_GEOM_CONE3D) {
        const double sdd = CONE_SOD + CONE_ODD;
        pixel *= cone_magnification();
        half_u = sdd * radius / sqrt(CONE_SOD * CONE_SOD - radius * radius);
        half_v = sdd * half / (CONE_SOD - radius);
    }
    size_t ncols = 2 * (size_t)ceil(half_u / pixel), nrows = 2 * (size_t)ceil(half_v / pixel);
    TES_CALL(tes_proj_geom_create(out, kind, NVIEWS, nrows, ncols));
    (*out)->pixel_u = (*out)->pixel_v = pixel;
    (*out)->sod = CONE_SOD;
    (*out)->odd = CONE_ODD;
    return TES_OK;
}

/* The geometry sampled steps times finer with margin fine samples beyond
 * the first and last pixel: fine sample f = steps p + margin + m sits m
 * fine steps from the centre of pixel p. */
static tes_status fine_geometry(const tes_proj_geom *g, int steps, int margin,
                                tes_proj_geom **out) {
    TES_CALL(tes_proj_geom_clone(out, g));
    tes_proj_geom *f = *out; /* its per-view arrays depend on nviews only */
    f->nrows = (size_t)steps * (g->nrows - 1) + 2 * (size_t)margin + 1;
    f->ncols = (size_t)steps * (g->ncols - 1) + 2 * (size_t)margin + 1;
    f->pixel_u = g->pixel_u / steps;
    f->pixel_v = g->pixel_v / steps;
    f->center_col = steps * g->center_col + margin;
    f->center_row = steps * g->center_row + margin;
    for (size_t v = 0; v < g->nviews; ++v) {
        f->shift_u[v] = steps * g->shift_u[v];
        f->shift_v[v] = steps * g->shift_v[v];
    }
    return TES_OK;
}

/* hat(t / half_width) convolved with boxes of widths box1 and box2 (all in
 * pixels), by the midpoint rule over the boxes. */
static double model_kernel(double t, double half_width, double box1, double box2) {
    double sum = 0.0;
    for (int i = 0; i < BOX_QUADRATURE; ++i)
        for (int j = 0; j < BOX_QUADRATURE; ++j) {
            double a = ((i + 0.5) / BOX_QUADRATURE - 0.5) * box1;
            double b = ((j + 0.5) / BOX_QUADRATURE - 0.5) * box2;
            double h = 1.0 - fabs(t - a - b) / half_width;
            sum += h > 0.0 ? h : 0.0;
        }
    return sum;
}

/* Plain box average over one pixel; the edges count half (trapezoid rule). */
static double box_kernel(double t) {
    double d = fabs(t) - 0.5;
    return d < -EDGE_EPS ? 1.0 : (d < EDGE_EPS ? 0.5 : 0.0);
}

typedef enum ref_kind { REF_POINT, REF_BOX, REF_HAT, REF_MODEL, REF_COUNT } ref_kind;
static const char *const ref_names[REF_COUNT] = {"point", "pixel box", "pixel hat", "pixel model"};

/* Normalized weights of kernel kind at the fine offsets (m - margin)/steps.
 * box1, box2: the voxel's projected box along this axis, pixels. */
static void kernel_weights(ref_kind kind, int steps, int margin, double hat_half, double box1,
                           double box2, double *w) {
    double sum = 0.0;
    for (int m = 0; m <= 2 * margin; ++m) {
        double t = (double)(m - margin) / steps;
        if (kind == REF_POINT)
            w[m] = m == margin;
        else if (kind == REF_BOX)
            w[m] = box_kernel(t);
        else if (kind == REF_HAT)
            w[m] = model_kernel(t, 1.0, 0.0, 0.0);
        else
            w[m] = model_kernel(t, hat_half, box1, box2);
        sum += w[m];
    }
    for (int m = 0; m <= 2 * margin; ++m)
        w[m] /= sum;
}

/* Filter one fine view separably (wv along rows, wu along columns) into out. */
static void filter_view(const float *fine, size_t fine_cols, const double *wv, const double *wu,
                        int steps, int margin, size_t nrows, size_t ncols, double *tmp,
                        double *out) {
    const int taps = 2 * margin + 1;
    for (size_t r = 0; r < nrows; ++r)
        for (size_t c = 0; c < fine_cols; ++c) {
            double s = 0.0;
            for (int m = 0; m < taps; ++m)
                s += wv[m] * fine[(steps * r + (size_t)m) * fine_cols + c];
            tmp[r * fine_cols + c] = s;
        }
    for (size_t r = 0; r < nrows; ++r)
        for (size_t c = 0; c < ncols; ++c) {
            double s = 0.0;
            for (int m = 0; m < taps; ++m)
                s += wu[m] * tmp[r * fine_cols + steps * c + (size_t)m];
            out[r * ncols + c] = s;
        }
}

typedef struct error_sums {
    double diff[REF_COUNT], norm[REF_COUNT];
} error_sums;

/* Compare one view of the forward projection y against every reference. */
static void compare_view(const tes_vol_geom *vol, const tes_proj_geom *g, size_t v, int margin,
                         const float *fine, size_t fine_cols, const float *y, double *tmp,
                         double *ref, error_sums *e) {
    double wv[MAX_TAPS], wu[MAX_TAPS];
    const double mag = g->kind == TES_GEOM_CONE3D ? cone_magnification() : 1.0;
    /* Voxel sizes in detector pixels at the axis; the hat is one pixel wide
     * unless a voxel projects larger (footprint.h). */
    const double vx = mag * vol->dx / g->pixel_u, vy = mag * vol->dy / g->pixel_u;
    const double vz = mag * vol->dz / g->pixel_v;
    const double hat_u = fmax(1.0, fmax(vx, vy)), hat_v = fmax(1.0, vz);
    const double c = fabs(cos(g->angles[v])), s = fabs(sin(g->angles[v]));
    const size_t count = g->nrows * g->ncols;
    for (int k = 0; k < REF_COUNT; ++k) {
        kernel_weights((ref_kind)k, REF_STEPS, margin, hat_v, vz, 0.0, wv);
        kernel_weights((ref_kind)k, REF_STEPS, margin, hat_u, c * vx, s * vy, wu);
        filter_view(fine, fine_cols, wv, wu, REF_STEPS, margin, g->nrows, g->ncols, tmp, ref);
        for (size_t i = 0; i < count; ++i) {
            e->diff[k] += (y[i] - ref[i]) * (y[i] - ref[i]);
            e->norm[k] += ref[i] * ref[i];
        }
    }
}

/* The point references sampled two ways (the fine grid's centre samples
 * and tes_phantom_project on the detector) must agree: this pins the fine
 * grid's indexing. */
static double fine_grid_mismatch(const tes_proj_geom *g, int margin, const float *fine,
                                 size_t fine_cols, const float *point) {
    double worst = 0.0, scale = 0.0;
    for (size_t r = 0; r < g->nrows; ++r)
        for (size_t c = 0; c < g->ncols; ++c) {
            double a =
                fine[(REF_STEPS * r + (size_t)margin) * fine_cols + REF_STEPS * c + (size_t)margin];
            double b = point[r * g->ncols + c];
            worst = fmax(worst, fabs(a - b));
            scale = fmax(scale, fabs(b));
        }
    return worst / scale;
}

static tes_status forward(const tes_vol_geom *vol, const tes_proj_geom *g, tes_backend backend,
                          tes_array *x, tes_array *y) {
    tes_location loc = tes_backend_location(backend);
    tes_projector *p = NULL;
    tes_array *xb = NULL, *yb = NULL;
    tes_status st = TES_OK;
    TES_CALL_GOTO(st, tes_projector_create(&p, vol, g, NULL, backend), done);
    TES_CALL_GOTO(st, tes_array_clone(&xb, x, loc), done);
    TES_CALL_GOTO(st, tes_array_clone(&yb, y, loc), done);
    TES_CALL_GOTO(st, tes_projector_forward(p, xb, yb), done);
    TES_CALL_GOTO(st, tes_array_copy(y, yb), done);
done:
    tes_projector_destroy(&p);
    tes_array_destroy(&xb);
    tes_array_destroy(&yb);
    return st;
}

int main(int argc, char **argv) {
    tes_backend backend = tes_test_backend(argc, argv, 1);
    tes_geom_kind kind = TES_GEOM_PARALLEL3D;
    if (!EXPECT_OK(tes_geom_kind_parse(argc > 2 ? argv[2] : "parallel3d", "argv[2]", &kind)))
        return tes_test_finish("t202-phantom-projection");
    const double pixel_voxels = argc > 3 ? atof(argv[3]) : DEFAULT_PIXEL;
    EXPECT(pixel_voxels >= 1.0, "argv[3]: detector pixel of %g voxels (at least 1)", pixel_voxels);
    const int margin = (int)ceil(REF_SUPPORT * REF_STEPS);
    EXPECT(2 * margin + 1 <= MAX_TAPS, "%d reference taps exceed %d", 2 * margin + 1, MAX_TAPS);
    if (tes_test_failures)
        return tes_test_finish("t202-phantom-projection");

    tes_vol_geom vol = tes_vol_geom_cube(N, VOXEL);
    tes_proj_geom *g = NULL, *f = NULL;
    tes_array *x = NULL, *y = NULL, *point = NULL, *fine = NULL;
    double *tmp = NULL, *ref = NULL;
    error_sums e = {{0}, {0}};
    size_t vol_shape[3] = {N, N, N}, sino_shape[3], fine_shape[3] = {1, 0, 0};
    if (!EXPECT_OK(make_geometry(kind, pixel_voxels, &g)) ||
        !EXPECT_OK(fine_geometry(g, REF_STEPS, margin, &f)))
        goto done;
    sino_shape[0] = g->nviews;
    sino_shape[1] = g->nrows;
    sino_shape[2] = g->ncols;
    fine_shape[1] = f->nrows;
    fine_shape[2] = f->ncols;
    tmp = malloc(g->nrows * f->ncols * sizeof *tmp);
    ref = malloc(g->nrows * g->ncols * sizeof *ref);
    EXPECT(tmp && ref, "cannot allocate reference buffers");
    if (!tmp || !ref || !EXPECT_OK(tes_array_create(&x, TES_FLOAT32, TES_HOST, 3, vol_shape)) ||
        !EXPECT_OK(tes_array_create(&y, TES_FLOAT32, TES_HOST, 3, sino_shape)) ||
        !EXPECT_OK(tes_array_create(&point, TES_FLOAT32, TES_HOST, 3, sino_shape)) ||
        !EXPECT_OK(tes_array_create(&fine, TES_FLOAT32, TES_HOST, 3, fine_shape)) ||
        !EXPECT_OK(tes_phantom_voxelize(&vol, 0, N, SUPERSAMPLE, x)) ||
        !EXPECT_OK(forward(&vol, g, backend, x, y)) ||
        !EXPECT_OK(tes_phantom_project(&vol, g, NULL, 1, point)))
        goto done;

    /* One fine view at a time keeps the fine sinogram small. */
    double mismatch = 0.0;
    const size_t per_view = g->nrows * g->ncols;
    for (size_t v = 0; v < g->nviews; ++v) {
        tes_proj_part part = {0, N, 0, f->nrows, 1, &v};
        if (!EXPECT_OK(tes_phantom_project(&vol, f, &part, 1, fine)))
            goto done;
        mismatch = fmax(mismatch, fine_grid_mismatch(g, margin, fine->data, f->ncols,
                                                     (const float *)point->data + v * per_view));
        compare_view(&vol, g, v, margin, fine->data, f->ncols,
                     (const float *)y->data + v * per_view, tmp, ref, &e);
    }
    EXPECT(mismatch < FINE_GRID_TOL, "fine grid and detector point integrals differ by %g",
           mismatch);

    const char *name = tes_geom_kind_name(kind);
    printf("%s, %s backend, %d^3 voxels, %zu views, %zu x %zu pixels of %g voxels:\n", name,
           tes_backend_name(backend), N, g->nviews, g->nrows, g->ncols, pixel_voxels);
    for (int k = 0; k < REF_COUNT; ++k)
        printf("  relative L2 error against %-11s integrals: %.3f %%%s\n", ref_names[k],
               100.0 * sqrt(e.diff[k] / e.norm[k]), k == REF_MODEL ? " (enforced)" : "");
    double err = sqrt(e.diff[REF_MODEL] / e.norm[REF_MODEL]);
    EXPECT(err < MAX_REL_ERROR, "%s: error against the pixel model %.3f %% exceeds %.1f %%", name,
           100.0 * err, 100.0 * MAX_REL_ERROR);
done:
    free(tmp);
    free(ref);
    tes_proj_geom_destroy(&g);
    tes_proj_geom_destroy(&f);
    tes_array_destroy(&x);
    tes_array_destroy(&y);
    tes_array_destroy(&point);
    tes_array_destroy(&fine);
    return tes_test_finish("t202-phantom-projection");
}
