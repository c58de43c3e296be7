/* t501: FBP (parallel beam) and FDK (cone beam, full and short scan)
 * recover the Shepp-Logan phantom: 256 x 256 voxels, four central slices,
 * from the closed-form projections of 512 views, to a relative error
 * ||x - phantom|| / ||phantom|| below the bound of each case; FBP from
 * irregularly spaced angles is about as accurate as from uniform ones, and
 * an off-centre axis (detector offset) with per-view shifts of the data
 * changes nothing when the geometry says so.
 * argv: backend (cpu|cuda), case (parallel|irregular|shifted|cone|
 * cone-shifted|short). */
#include "fbp_testing.h"

enum { N = 256, VIEWS = 512, SLICES = 4 };

/* Relative errors measured (CPU, ram-lak, cutoff 1; Shepp-Logan values of
 * 1 mm voxels, 2 x 2 rays per pixel, truth 3^3 points per voxel) and the
 * bounds enforced, a little above them:
 *   parallel   0.0816 -> 0.09
 *   irregular  0.0823 -> 0.09, and at most 5 % above the uniform case
 *              (with every view weighted pi / N instead: 0.1181)
 *   shifted    0.0811 -> 0.09 (axis 3.3 px right of the middle, row
 *              offset -1.4, per-view shifts up to 1.5 px across, 0.7 rows)
 *   cone       0.0575 -> 0.065
 *   cone-shifted 0.0542 -> 0.065 (the same offsets and shifts)
 *   short      0.0633 -> 0.07 (Parker weights; with the fan angle's sign
 *              flipped in them: 0.306) */
#define BOUND_PARALLEL  0.09
#define BOUND_CONE      0.065
#define BOUND_SHORT     0.07
#define IRREGULAR_RATIO 1.05

/* Irregular angles: gaps drawn uniformly in [1 - JITTER, 1 + JITTER] mean
 * steps, so neighbouring steps differ by up to a factor (1 + J) / (1 - J). */
#define JITTER 0.8

/* The shifted cases: axis (central ray) offset and per-view shift
 * amplitudes, detector pixels. */
#define AXIS_OFFSET_COLS 3.3
#define AXIS_OFFSET_ROWS (-1.4)
#define SHIFT_U          1.5
#define SHIFT_V          0.7

/* Short scan: pi plus the fan angle plus this many angular steps. */
#define SHORT_EXTRA_STEPS 2.0

static double error_of(tes_backend backend, const tes_vol_geom *vol, const tes_proj_geom *proj) {
    tes_proj_part part = tes_fbp_test_part(vol, proj, N / 2 - SLICES / 2, N / 2 + SLICES / 2);
    tes_array *sino = tes_fbp_test_sinogram(vol, proj, &part);
    tes_array *truth = tes_fbp_test_truth(vol, &part);
    tes_fbp_options opt = tes_fbp_options_default();
    tes_array *x =
        sino && truth ? tes_fbp_test_reconstruct(vol, proj, &part, &opt, backend, sino) : NULL;
    double err = x ? tes_fbp_test_relative_error(x->data, truth->data, tes_array_count(x)) : NAN;
    tes_array_destroy(&x);
    tes_array_destroy(&truth);
    tes_array_destroy(&sino);
    return err;
}

static void shift(tes_proj_geom *proj) {
    proj->center_col += AXIS_OFFSET_COLS;
    proj->center_row += AXIS_OFFSET_ROWS;
    for (size_t v = 0; v < proj->nviews; ++v) {
        proj->shift_u[v] = SHIFT_U * sin(0.05 * (double)v);
        proj->shift_v[v] = SHIFT_V * cos(0.03 * (double)v);
    }
}

static void irregular_angles(tes_proj_geom *proj) {
    unsigned long long state = 0x2545F4914F6CDD1DULL;
    double total = 0.0;
    for (size_t i = 0; i < proj->nviews; ++i) {
        proj->angles[i] = total;
        total += 1.0 + JITTER * tes_test_random(&state);
    }
    for (size_t i = 0; i < proj->nviews; ++i)
        proj->angles[i] *= M_PI / total;
}

int main(int argc, char **argv) {
    tes_backend backend = tes_test_backend(argc, argv, 1);
    const char *which = argc > 2 ? argv[2] : "parallel";
    int cone = !strncmp(which, "cone", strlen("cone")) || !strcmp(which, "short");
    tes_vol_geom vol;
    tes_proj_geom *proj = NULL;
    if (!tes_fbp_test_geometry(cone, N, VIEWS, &vol, &proj))
        return tes_test_finish("t501-fbp-phantom");
    if (!strcmp(which, "parallel") || !strcmp(which, "cone") || strstr(which, "shifted")) {
        if (strstr(which, "shifted"))
            shift(proj);
        double err = error_of(backend, &vol, proj);
        double bound = cone ? BOUND_CONE : BOUND_PARALLEL;
        printf("%s %s: relative error %.4f (bound %.3f)\n", cone ? "fdk" : "fbp", which, err,
               bound);
        EXPECT(err <= bound, "relative error %.4f exceeds %.3f", err, bound);
    } else if (!strcmp(which, "irregular")) {
        double uniform = error_of(backend, &vol, proj);
        irregular_angles(proj);
        double irregular = error_of(backend, &vol, proj);
        printf("fbp: relative error %.4f with uniform angles, %.4f with irregular ones\n", uniform,
               irregular);
        EXPECT(irregular <= BOUND_PARALLEL, "relative error %.4f exceeds %.3f", irregular,
               BOUND_PARALLEL);
        EXPECT(irregular <= IRREGULAR_RATIO * uniform,
               "irregular angles: error %.4f, more than %.2f x the uniform %.4f", irregular,
               IRREGULAR_RATIO, uniform);
    } else if (!strcmp(which, "short")) {
        tes_fbp_coverage cov;
        EXPECT_OK(tes_fbp_coverage_of(proj, TES_FBP_SCAN_FULL, &cov));
        double step = 2.0 * M_PI / VIEWS;
        double range = M_PI + 2.0 * cov.fan + SHORT_EXTRA_STEPS * step;
        size_t n = (size_t)ceil(range / step) + 1;
        tes_proj_geom *sp = NULL;
        EXPECT_OK(tes_proj_geom_create(&sp, TES_GEOM_CONE3D, n, proj->nrows, proj->ncols));
        sp->sod = proj->sod;
        sp->odd = proj->odd;
        for (size_t i = 0; i < n; ++i)
            sp->angles[i] = (double)i * step;
        EXPECT_OK(tes_fbp_coverage_of(sp, TES_FBP_SCAN_AUTO, &cov));
        EXPECT(cov.short_scan, "a scan over %.1f deg was not taken as short", range * 180.0 / M_PI);
        double err = error_of(backend, &vol, sp);
        printf("fdk short scan over %.2f deg (%zu views): relative error %.4f (bound %.3f)\n",
               cov.range * 180.0 / M_PI, n, err, BOUND_SHORT);
        EXPECT(err <= BOUND_SHORT, "relative error %.4f exceeds %.3f", err, BOUND_SHORT);
        tes_proj_geom_destroy(&sp);
    } else {
        EXPECT(0, "unknown case '%s' (parallel, irregular, shifted, cone, cone-shifted, short)",
               which);
    }
    tes_proj_geom_destroy(&proj);
    return tes_test_finish("t501-fbp-phantom");
}
