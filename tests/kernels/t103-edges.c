/* t103: edge cases and bad input. argv: backend, geometry. Rays that miss
 * the volume give exactly 0, line integrals through a uniform volume are
 * exact, one view and one slice work, more than 16384 views, a slab of a
 * 2^34-voxel volume, and bad input is refused with a clear message. */
#include "projector_testing.h"

/* Largest relative error allowed where the model is exact (line integrals,
 * mass): float32 rounding of sums of a few thousand terms. */
#define EXACT_TOLERANCE 1e-5

/* Mass test pixels: this much larger than the largest projected voxel. */
#define MASS_PIXEL_MARGIN 1.05

typedef struct run {
    tes_projector *p;
    size_t vs[3], ss[3];
    size_t nvox, npix;
    float *vol, *sino; /* the input and the output of the last apply */
} run;

/* A projector over part (NULL: whole) with a volume of ones and a zero
 * sinogram; 0 (after counting a failure) when it cannot be created. */
static int run_open(run *r, const tes_vol_geom *vol, const tes_proj_geom *g,
                    const tes_proj_part *part, tes_backend backend) {
    memset(r, 0, sizeof *r);
    if (!EXPECT_OK(tes_projector_create(&r->p, vol, g, part, backend)))
        return 0;
    tes_projector_vol_shape(r->p, r->vs);
    tes_projector_sino_shape(r->p, r->ss);
    r->nvox = tes_test_count(r->vs);
    r->npix = tes_test_count(r->ss);
    r->vol = tes_test_floats(r->nvox);
    r->sino = tes_test_floats(r->npix);
    for (size_t i = 0; i < r->nvox; ++i)
        r->vol[i] = 1.0f;
    return 1;
}

static void run_close(run *r) {
    tes_projector_destroy(&r->p);
    free(r->vol);
    free(r->sino);
}

static int run_forward(run *r) {
    return EXPECT_OK(tes_test_apply(r->p, 0, r->vol, r->sino));
}

static int run_adjoint(run *r) {
    return EXPECT_OK(tes_test_apply(r->p, 1, r->sino, r->vol));
}

static void expect_finite_nonzero(const char *what, const float *a, size_t n) {
    EXPECT(tes_test_all_finite(a, n), "%s: not finite", what);
    EXPECT(tes_test_max_abs(a, n) > 0.0, "%s: all zero", what);
}

static void expect_rel(const char *what, double got, double want, double tol) {
    double err = fabs(got - want) / fabs(want);
    printf("%-60s %12.6f (expected %12.6f)\n", what, got, want);
    EXPECT(err < tol, "%s: %.6f, expected %.6f (relative error %.2e)", what, got, want, err);
}

/* Pixels beyond the volume's shadow (its voxels' footprints at the largest
 * magnification) get exactly 0 from the forward, and a sinogram that is
 * nonzero only there backprojects to exactly 0. */
static void check_miss(tes_geom_kind kind, tes_backend backend) {
    tes_vol_geom vol = {9, 12, 12, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0};
    tes_proj_geom *g = tes_test_proj_geom(kind, &vol, 10, 41, 81, 1.0, 1.0);
    run r;
    if (!g || !run_open(&r, &vol, g, NULL, backend)) {
        tes_proj_geom_destroy(&g);
        return;
    }
    double radius = tes_test_radius(&vol), half_z = 0.5 * (double)vol.nz * vol.dz;
    double m = 1.0, secant = 1.0;
    if (kind == TES_GEOM_CONE3D) {
        m = (g->sod + g->odd) / (g->sod - radius);
        secant = sqrt(1.0 + radius * radius / ((g->sod - radius) * (g->sod - radius)));
    }
    /* Centres reach m radius, m half_z; footprints one half-width more: at
     * most the voxel's diagonal, magnified and seen at the widest fan angle. */
    double half_u = fmax(g->pixel_u, m * hypot(vol.dx, vol.dy) * secant) / g->pixel_u;
    double half_v = fmax(g->pixel_v, m * vol.dz) / g->pixel_v;
    double reach_u = m * radius / g->pixel_u + half_u, reach_v = m * half_z / g->pixel_v + half_v;
    size_t outside = 0, wrong = 0;
    if (run_forward(&r)) {
        expect_finite_nonzero("forward of ones", r.sino, r.npix);
        for (size_t i = 0; i < r.npix; ++i) {
            double c = (double)(i % g->ncols), row = (double)(i / g->ncols % g->nrows);
            int miss = fabs(c - g->center_col) > reach_u || fabs(row - g->center_row) > reach_v;
            outside += miss;
            wrong += miss && r.sino[i] != 0.0f;
            r.sino[i] = miss ? 1.0f : 0.0f;
        }
        printf("rays that miss the volume: %zu of %zu pixels, %zu nonzero\n", outside, r.npix,
               wrong);
        EXPECT(outside > r.npix / 2 && wrong == 0,
               "%zu of %zu pixels that miss the volume are nonzero", wrong, outside);
    }
    if (run_adjoint(&r))
        EXPECT(tes_test_max_abs(r.vol, r.nvox) == 0.0,
               "backprojecting rays that miss the volume gives %g",
               tes_test_max_abs(r.vol, r.nvox));
    run_close(&r);
    tes_proj_geom_destroy(&g);
}

/* What the central ray of a cone3d view reads through a uniform volume:
 * along the ray (voxels of depth step along it, lateral size across it)
 * each row adds its own voxel, step, and the two voxels beside it leak in:
 * seen from the source at angle atan(lateral / L), their footprints are
 * widened by step / L (footprint.h), and the hat at one voxel spacing
 * weighs (step / L) / (1 + step / L), times their weight step sqrt(1 +
 * (lateral / L)^2) / (1 + step / L). L: the rows' depths, sod + the
 * voxel centres' positions along the ray; centre: the first one. */
static double cone_central_ray(double sod, size_t rows, double centre, double step,
                               double lateral) {
    double sum = 0.0;
    for (size_t i = 0; i < rows; ++i) {
        double depth = sod + centre + (double)i * step, widen = 1.0 + step / depth;
        double oblique = sqrt(1.0 + lateral * lateral / (depth * depth));
        sum += step + 2.0 * step * oblique * (step / depth) / (widen * widen);
    }
    return sum;
}

/* Through a uniform volume of odd, non-cubic size, the central ray of views
 * 0 and pi/2 measures the volume's depth exactly (parallel3d: the footprints
 * of each voxel row tile the detector, voxels no smaller than pixels), or
 * that plus the closed-form leak of cone_central_ray (cone3d). */
static void check_line_integrals(tes_geom_kind kind, tes_backend backend) {
    tes_vol_geom vol = {9, 13, 11, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0};
    /* cone3d: pixels half a voxel at the axis stay below every voxel's
     * magnified size, from the source side to the detector side. */
    double pixel = kind == TES_GEOM_CONE3D ? 0.5 : 1.0;
    size_t n = kind == TES_GEOM_CONE3D ? 61 : 31;
    tes_proj_geom *g = tes_test_proj_geom(kind, &vol, 2, n, n, pixel, pixel);
    run r;
    if (!g)
        return;
    g->angles[1] = 0.5 * M_PI;
    double want0 = vol.ny * vol.dy, want1 = vol.nx * vol.dx;
    if (kind == TES_GEOM_CONE3D) {
        /* angle 0: rays along +y; pi/2: along -x, the first voxel at +x */
        want0 =
            cone_central_ray(g->sod, vol.ny, -0.5 * (double)(vol.ny - 1) * vol.dy, vol.dy, vol.dx);
        want1 =
            cone_central_ray(g->sod, vol.nx, -0.5 * (double)(vol.nx - 1) * vol.dx, vol.dx, vol.dy);
    }
    if (run_open(&r, &vol, g, NULL, backend) && run_forward(&r)) {
        size_t centre = (n / 2) * n + n / 2;
        expect_rel("central ray at angle 0 (depth ny dy)", r.sino[centre], want0, EXACT_TOLERANCE);
        expect_rel("central ray at angle pi/2 (depth nx dx)", r.sino[n * n + centre], want1,
                   EXACT_TOLERANCE);
    }
    run_close(&r);
    tes_proj_geom_destroy(&g);
}

/* parallel3d with pixels no smaller than the voxels' projections (at most
 * hypot(dx, dy) wide along a row, dz high): every view's pixels, times the
 * pixel area, add up to the volume's mass, whatever the angle, shift, voxel
 * shape or size (footprints of half-width one pixel sum to 1 over the
 * detector). */
static void check_mass(const char *what, const tes_vol_geom *vol, size_t nviews,
                       tes_backend backend) {
    const double pixel_u = MASS_PIXEL_MARGIN * hypot(vol->dx, vol->dy);
    const double pixel_v = MASS_PIXEL_MARGIN * vol->dz;
    tes_proj_geom *g =
        tes_test_proj_geom(TES_GEOM_PARALLEL3D, vol, nviews, 31, 47, pixel_u, pixel_v);
    run r;
    if (!g)
        return;
    tes_test_irregular(g, 3);
    if (run_open(&r, vol, g, NULL, backend) && run_forward(&r)) {
        expect_finite_nonzero(what, r.sino, r.npix);
        double mass = (double)r.nvox * vol->dx * vol->dy * vol->dz;
        size_t view = r.ss[1] * r.ss[2];
        for (size_t v = 0; v < nviews; ++v) {
            double sum = 0.0;
            for (size_t i = 0; i < view; ++i)
                sum += r.sino[v * view + i];
            char label[96];
            snprintf(label, sizeof label, "%s: mass on view %zu", what, v);
            expect_rel(label, sum * g->pixel_u * g->pixel_v, mass, EXACT_TOLERANCE);
        }
    }
    run_close(&r);
    tes_proj_geom_destroy(&g);
}

/* One view and one slice, for either geometry: finite, nonzero both ways. */
static void check_one_view_one_slice(tes_geom_kind kind, tes_backend backend) {
    tes_vol_geom vol = {1, 15, 14, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0};
    tes_proj_geom *g = tes_test_proj_geom(kind, &vol, 1, 5, 25, 1.0, 1.0);
    run r;
    if (!g)
        return;
    g->angles[0] = 0.3;
    if (run_open(&r, &vol, g, NULL, backend) && run_forward(&r)) {
        expect_finite_nonzero("one view, one slice: forward", r.sino, r.npix);
        if (run_adjoint(&r))
            expect_finite_nonzero("one view, one slice: adjoint", r.vol, r.nvox);
    }
    run_close(&r);
    tes_proj_geom_destroy(&g);
}

/* 20000 views: views past 16384 are those a one-view projector gives, and
 * the pair still passes the dot-product test. */
static void check_many_views(tes_geom_kind kind, tes_backend backend) {
    enum { MANY_VIEWS = 20000 };
    static const size_t probes[] = {16383, 16384, 16385, MANY_VIEWS - 1};
    tes_vol_geom vol = tes_vol_geom_cube(8, 1.0);
    tes_proj_geom *g = tes_test_proj_geom(kind, &vol, MANY_VIEWS, 8, 12, 1.5, 1.5);
    run all, one;
    if (!g || !run_open(&all, &vol, g, NULL, backend)) {
        tes_proj_geom_destroy(&g);
        return;
    }
    tes_test_fill_positive(all.vol, all.nvox, 8);
    if (run_forward(&all)) {
        size_t view = all.ss[1] * all.ss[2];
        for (size_t i = 0; i < sizeof probes / sizeof *probes; ++i) {
            tes_proj_part part = tes_proj_part_whole(&vol, g);
            part.nviews = 1;
            part.views = &probes[i];
            if (run_open(&one, &vol, g, &part, backend)) {
                memcpy(one.vol, all.vol, all.nvox * sizeof *one.vol);
                if (run_forward(&one))
                    EXPECT(tes_test_rel_diff(one.sino, all.sino + probes[i] * view, view) <
                               EXACT_TOLERANCE,
                           "view %zu of %d differs from a one-view projector", probes[i],
                           MANY_VIEWS);
            }
            run_close(&one);
        }
        float *x = tes_test_floats(all.nvox), *ax = tes_test_floats(all.npix);
        memcpy(x, all.vol, all.nvox * sizeof *x);
        memcpy(ax, all.sino, all.npix * sizeof *ax);
        tes_test_fill_positive(all.sino, all.npix, 9);
        if (run_adjoint(&all)) {
            double lhs = tes_test_dot(ax, all.sino, all.npix);
            double rhs = tes_test_dot(x, all.vol, all.nvox);
            expect_rel("20000 views: <x, A^T y> against <A x, y>", rhs, lhs, EXACT_TOLERANCE);
        }
        free(x);
        free(ax);
    }
    run_close(&all);
    tes_proj_geom_destroy(&g);
}

/* One slice of a 65536 x 512 x 512 volume (2^34 voxels) with the few
 * detector rows it needs: finite and nonzero both ways; for parallel3d the
 * central ray of view 0 crosses the slice's 512 voxels exactly. */
static void check_huge_slab(tes_geom_kind kind, tes_backend backend) {
    enum { HUGE_NZ = 65536, SLICE_N = 512 };
    tes_vol_geom vol = {HUGE_NZ, SLICE_N, SLICE_N, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0};
    tes_proj_geom *g = tes_test_proj_geom(kind, &vol, 3, HUGE_NZ, SLICE_N, 1.0, 1.0);
    if (!g)
        return;
    /* parallel3d: slice 40000 lands on detector row 40000; cone3d: a slice
     * near the mid-plane, so that its rows stay on the detector. */
    size_t z = kind == TES_GEOM_CONE3D ? HUGE_NZ / 2 : 40000;
    tes_proj_part part = {z, z + 1, z - 8, z + 8, 3, NULL};
    run r;
    if (run_open(&r, &vol, g, &part, backend) && run_forward(&r)) {
        expect_finite_nonzero("slab of 2^34 voxels: forward", r.sino, r.npix);
        if (kind == TES_GEOM_PARALLEL3D)
            expect_rel("slab of 2^34 voxels: central ray of view 0",
                       r.sino[(z - part.row_begin) * SLICE_N + SLICE_N / 2 - 1], SLICE_N,
                       EXACT_TOLERANCE);
        if (run_adjoint(&r))
            expect_finite_nonzero("slab of 2^34 voxels: adjoint", r.vol, r.nvox);
    }
    run_close(&r);
    tes_proj_geom_destroy(&g);
}

static void check_bad_arrays(const tes_projector *p, tes_backend backend) {
    size_t vs[3], ss[3];
    tes_projector_vol_shape(p, vs);
    tes_projector_sino_shape(p, ss);
    tes_location loc = tes_backend_location(backend);
    tes_location other = loc == TES_HOST ? TES_DEVICE : TES_HOST;
    tes_array *vol = NULL, *sino = NULL, *wide = NULL, *dbl = NULL, *away = NULL;
    size_t wide_shape[3] = {ss[0], ss[1], ss[2] + 1};
    EXPECT_OK(tes_array_create(&vol, TES_FLOAT32, loc, 3, vs));
    EXPECT_OK(tes_array_create(&sino, TES_FLOAT32, loc, 3, ss));
    EXPECT_OK(tes_array_create(&wide, TES_FLOAT32, loc, 3, wide_shape));
    EXPECT_OK(tes_array_create(&dbl, TES_FLOAT64, loc, 3, vs));
    /* A descriptor that claims the other location (a build without CUDA
     * cannot make a real device array); its data is never dereferenced. */
    float dummy = 0.0f;
    if (EXPECT_OK(tes_array_alias(&away, &dummy, TES_FLOAT32, loc, 3, vs)))
        away->location = other;
    char text[64];
    snprintf(text, sizeof text, "sinogram: expected shape (%zu, %zu, %zu)", ss[0], ss[1], ss[2]);
    EXPECT_ERROR(tes_projector_forward(p, vol, wide), TES_ERR_SHAPE, text);
    EXPECT_ERROR(tes_projector_adjoint(p, wide, vol), TES_ERR_SHAPE, text);
    EXPECT_ERROR(tes_projector_forward(p, dbl, sino), TES_ERR_SHAPE,
                 "volume: expected float32, got float64");
    snprintf(text, sizeof text, "volume: expected %s memory, got %s memory", tes_location_name(loc),
             tes_location_name(other));
    EXPECT_ERROR(tes_projector_adjoint(p, sino, away), TES_ERR_SHAPE, text);
    tes_array_destroy(&vol);
    tes_array_destroy(&sino);
    tes_array_destroy(&wide);
    tes_array_destroy(&dbl);
    tes_array_destroy(&away);
}

/* Bad input fails before any work, with a message that names the problem. */
static void check_bad_input(tes_geom_kind kind, tes_backend backend) {
    tes_vol_geom vol = {8, 10, 12, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0};
    tes_proj_geom *g = tes_test_proj_geom(kind, &vol, 6, 12, 20, 1.0, 1.0);
    tes_projector *p = NULL;
    if (!g)
        return;
    if (EXPECT_OK(tes_projector_create(&p, &vol, g, NULL, backend)))
        check_bad_arrays(p, backend);
    tes_projector_destroy(&p);

    tes_proj_part part = tes_proj_part_whole(&vol, g);
    part.z_begin = part.z_end = 3;
    EXPECT_ERROR(tes_projector_create(&p, &vol, g, &part, backend), TES_ERR_ARG,
                 "slab [3, 3) is empty or outside the volume's 8 slices");
    part = tes_proj_part_whole(&vol, g);
    part.row_end = 13;
    EXPECT_ERROR(tes_projector_create(&p, &vol, g, &part, backend), TES_ERR_ARG,
                 "detector rows [0, 13) are empty or outside the detector's 12 rows");
    static const size_t bad_view[] = {1, 6};
    part = tes_proj_part_whole(&vol, g);
    part.nviews = 2;
    part.views = bad_view;
    EXPECT_ERROR(tes_projector_create(&p, &vol, g, &part, backend), TES_ERR_ARG,
                 "local view 1 is global view 6, the geometry has 6");
    g->angles[2] = NAN;
    EXPECT_ERROR(tes_projector_create(&p, &vol, g, NULL, backend), TES_ERR_ARG,
                 "angle of view 2 is not finite");
    g->angles[2] = 0.0;
    if (kind == TES_GEOM_CONE3D) {
        g->sod = 0.5 * tes_test_radius(&vol);
        EXPECT_ERROR(tes_projector_create(&p, &vol, g, NULL, backend), TES_ERR_ARG,
                     "source-origin distance must exceed it");
    }
    EXPECT(p == NULL, "a refused projector was returned");
    tes_proj_geom_destroy(&g);
}

int main(int argc, char **argv) {
    tes_backend backend = tes_test_backend(argc, argv, 1);
    tes_geom_kind kind = tes_test_geometry(argc, argv, 2);
    check_miss(kind, backend);
    check_line_integrals(kind, backend);
    if (kind == TES_GEOM_PARALLEL3D) {
        tes_vol_geom aniso = {7, 9, 13, 1.1, 1.3, 0.8, 0.0, 0.0, 0.0};
        check_mass("anisotropic, odd non-cubic, irregular angles", &aniso, 5, backend);
        tes_vol_geom slice = {1, 9, 13, 1.1, 1.3, 0.8, 0.0, 0.0, 0.0};
        check_mass("one slice, one view", &slice, 1, backend);
    }
    check_one_view_one_slice(kind, backend);
    check_many_views(kind, backend);
    check_huge_slab(kind, backend);
    check_bad_input(kind, backend);
    return tes_test_finish("t103-edges");
}
