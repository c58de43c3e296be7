/* t505: the automatic centre of rotation.
 *   simulated: Shepp-Logan sinograms (two rows, 300 columns) with the axis
 *              off the detector's middle are found to within 0.25 px, from
 *              opposing views (360 views over 2 pi) and from sinogram
 *              symmetry (360 views over pi: no view has an opposite).
 *   tooth:     tooth.h5 (APS, 181 views over 180 deg, read and normalised
 *              by io/scan and io/preprocess) gives 296 +- 1 px; skipped
 *              (77) without $TES_SHARED_DATA/tooth.h5.
 * argv: case (simulated|tooth), backend. */
#include "fbp_testing.h"

#include <limits.h>
#include <mpi.h>
#include <unistd.h>

#include "align/center.h"
#include "io/preprocess.h"
#include "io/scan.h"

enum { COLS = 300, ROWS = 2, VIEWS = 360, PHANTOM_SIZE = 256 };
#define SIMULATED_TOLERANCE 0.25 /* px */
#define TOOTH_CENTER        296.0
#define TOOTH_TOLERANCE     1.0

static double estimate(const tes_proj_geom *proj, const tes_array *sino, tes_backend backend,
                       tes_center_result *res) {
    tes_center_options opt = tes_center_options_default();
    opt.backend = backend;
    if (!EXPECT_OK(tes_center_estimate(proj, sino, &opt, res)))
        return NAN;
    return res->center;
}

static void simulated(tes_backend backend, double range, double center) {
    tes_vol_geom vol = tes_vol_geom_cube(PHANTOM_SIZE, 1.0);
    tes_proj_geom *proj = NULL;
    tes_array *sino = NULL;
    if (!EXPECT_OK(tes_proj_geom_create(&proj, TES_GEOM_PARALLEL3D, VIEWS, ROWS, COLS)))
        return;
    tes_proj_geom_set_uniform_angles(proj, 0.0, range);
    proj->center_col = center;
    size_t shape[3] = {VIEWS, ROWS, COLS};
    tes_center_result res;
    if (EXPECT_OK(tes_array_create(&sino, TES_FLOAT32, TES_HOST, 3, shape)) &&
        EXPECT_OK(tes_phantom_project(&vol, proj, NULL, TES_FBP_TEST_SUBPIXELS, sino))) {
        proj->center_col = 0.0; /* the estimate must not see it */
        double c = estimate(proj, sino, backend, &res);
        printf("simulated, %3.0f deg: true centre %.2f, first estimate %.2f (%s), refined "
               "%.3f, error %.3f px, confidence %.3f\n",
               range * 180.0 / M_PI, center, res.coarse, tes_center_method_name(res.method), c,
               c - center, res.confidence);
        EXPECT(fabs(c - center) <= SIMULATED_TOLERANCE, "centre %.3f, true %.3f", c, center);
        EXPECT(res.method == (range > 1.5 * M_PI ? TES_CENTER_OPPOSING : TES_CENTER_SYMMETRY),
               "first estimate from %s", tes_center_method_name(res.method));
    }
    tes_array_destroy(&sino);
    tes_proj_geom_destroy(&proj);
}

static int tooth(tes_backend backend) {
    const char *dir = getenv("TES_SHARED_DATA");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/tooth.h5", dir ? dir : "../shared/data");
    if (access(path, R_OK) != 0) {
        printf("skipped: %s not found\n", path);
        return 0;
    }
    tes_scan *s = NULL;
    tes_array *y = NULL;
    tes_proj_geom *proj = NULL;
    tes_center_result res;
    if (EXPECT_OK(tes_scan_open(&s, path, NULL, MPI_COMM_WORLD)) &&
        EXPECT_OK(tes_preprocess_load(&y, s, 0, s->nviews, 0, s->nrows, NULL, NULL)) &&
        EXPECT_OK(
            tes_proj_geom_create(&proj, TES_GEOM_PARALLEL3D, s->nviews, s->nrows, s->ncols))) {
        for (size_t v = 0; v < s->nviews; ++v)
            proj->angles[v] = s->angles[v];
        double c = estimate(proj, y, backend, &res);
        printf("tooth.h5: first estimate %.2f (%s), refined %.3f px (expected %.0f +- %.0f), "
               "confidence %.3f\n",
               res.coarse, tes_center_method_name(res.method), c, TOOTH_CENTER, TOOTH_TOLERANCE,
               res.confidence);
        EXPECT(fabs(c - TOOTH_CENTER) <= TOOTH_TOLERANCE, "tooth centre %.3f", c);
    }
    tes_proj_geom_destroy(&proj);
    tes_array_destroy(&y);
    tes_scan_close(&s);
    return 1;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    const char *which = argc > 1 ? argv[1] : "simulated";
    tes_backend backend = tes_test_backend(argc, argv, 2);
    int ran = 1;
    if (!strcmp(which, "simulated")) {
        simulated(backend, 2.0 * M_PI, 157.3);
        simulated(backend, M_PI, 141.65);
    } else {
        ran = tooth(backend);
    }
    int rc = ran ? tes_test_finish("t505-center") : TES_TEST_SKIP;
    MPI_Finalize();
    return rc;
}
