/* t506: FDK of measured fan-beam data against the publishers' FBP:
 * htc2022_ta_fan.h5 (HTC2022 phantom "ta", 721 views over 360 deg, 560
 * pixels; already line integrals), read by io/scan with its geometry from
 * the attributes of /geometry, reconstructed on 512 x 512 voxels and
 * correlated (Pearson) with /reference/fbp: >= 0.98.
 *
 * The reference's pixel size is not stated. The scale that maximises the
 * agreement is the detector pixel seen at the rotation axis,
 * effective_pixel_mm_at_origin = 0.148322 mm (pixel x sod / sdd), so the
 * 512 x 512 grid spans 75.9 mm; measured correlations (CPU, ram-lak):
 *   voxel 0.1440 mm 0.855, 0.1460 0.929, 0.1480 0.9964, 0.148322 1.0000,
 *   0.1485 0.9988, 0.1500 0.954, 0.1520 0.888
 * with the reference's rows running from +y at the top (row r is voxel row
 * 511 - r); the other seven flips and transposes give <= 0.77. The test
 * checks the correlation at that scale and that 1 % smaller and larger
 * voxels agree less. The reference's values are ours times the voxel size
 * (line integrals per pixel rather than per mm), which the correlation
 * ignores. Skipped (77) without $TES_SHARED_DATA/htc2022_ta_fan.h5.
 * argv: backend. */
#include "fbp_testing.h"

#include <limits.h>
#include <mpi.h>
#include <unistd.h>

#include "io/h5array.h"
#include "io/preprocess.h"
#include "io/scan.h"

enum { SIZE = 512 };
#define MIN_CORRELATION 0.98
#define SCALE_STEP      0.01 /* relative change of the voxel size checked */

/* Pearson correlation of our slice, rows flipped, with the reference. */
static double correlation(const float *x, const float *ref) {
    double sx = 0.0, sr = 0.0, n = (double)SIZE * SIZE;
    for (size_t j = 0; j < SIZE; ++j)
        for (size_t i = 0; i < SIZE; ++i) {
            sx += x[(SIZE - 1 - j) * SIZE + i];
            sr += ref[j * SIZE + i];
        }
    double mx = sx / n, mr = sr / n, sxr = 0.0, sxx = 0.0, srr = 0.0;
    for (size_t j = 0; j < SIZE; ++j)
        for (size_t i = 0; i < SIZE; ++i) {
            double a = x[(SIZE - 1 - j) * SIZE + i] - mx, b = ref[j * SIZE + i] - mr;
            sxr += a * b;
            sxx += a * a;
            srr += b * b;
        }
    return sxr / sqrt(sxx * srr);
}

static int read_attr(tes_scan *s, const char *name, double *value) {
    int found = 0;
    if (!EXPECT_OK(tes_scan_attr_double(s, "/geometry", name, value, &found)))
        return 0;
    EXPECT(found, "attribute /geometry/%s is missing", name);
    return found;
}

/* The fan-beam geometry of the scan from /geometry. */
static int geometry(tes_scan *s, tes_proj_geom **proj, double *voxel) {
    double sod = 0.0, sdd = 0.0, pixel = 0.0;
    if (!read_attr(s, "source_origin_mm", &sod) || !read_attr(s, "source_detector_mm", &sdd) ||
        !read_attr(s, "detector_pixel_mm", &pixel) ||
        !read_attr(s, "effective_pixel_mm_at_origin", voxel))
        return 0;
    if (!EXPECT_OK(tes_proj_geom_create(proj, TES_GEOM_CONE3D, s->nviews, 1, s->ncols)))
        return 0;
    for (size_t v = 0; v < s->nviews; ++v)
        (*proj)->angles[v] = s->angles[v];
    (*proj)->sod = sod;
    (*proj)->odd = sdd - sod;
    (*proj)->pixel_u = (*proj)->pixel_v = pixel;
    return 1; /* the axis projects to the detector's middle, the default */
}

static double agreement(const tes_proj_geom *proj, const tes_array *y, const float *ref,
                        double voxel, tes_backend backend) {
    tes_vol_geom vol = {1,     SIZE,  SIZE, proj->pixel_v * proj->sod / (proj->sod + proj->odd),
                        voxel, voxel, 0.0,  0.0,
                        0.0};
    tes_proj_part part = tes_proj_part_whole(&vol, proj);
    tes_fbp_options opt = tes_fbp_options_default();
    tes_array *x = tes_fbp_test_reconstruct(&vol, proj, &part, &opt, backend, y);
    double c = x ? correlation(x->data, ref) : NAN;
    tes_array_destroy(&x);
    return c;
}

static int run(const char *path, tes_backend backend) {
    tes_scan *s = NULL;
    tes_array *y = NULL, *ref = NULL;
    tes_proj_geom *proj = NULL;
    tes_h5_name name;
    tes_h5_block all = tes_h5_block_all();
    double voxel = 0.0;
    if (EXPECT_OK(tes_scan_open(&s, path, NULL, MPI_COMM_WORLD)) &&
        EXPECT_OK(tes_preprocess_load(&y, s, 0, s->nviews, 0, s->nrows, NULL, NULL)) &&
        geometry(s, &proj, &voxel) &&
        EXPECT_OK(tes_h5_name_parse(path, "/reference/fbp", "reference", &name)) &&
        EXPECT_OK(tes_h5_read(MPI_COMM_WORLD, &name, 2, &all, &ref, NULL))) {
        double c = agreement(proj, y, ref->data, voxel, backend);
        double smaller = agreement(proj, y, ref->data, voxel * (1.0 - SCALE_STEP), backend);
        double larger = agreement(proj, y, ref->data, voxel * (1.0 + SCALE_STEP), backend);
        printf("htc2022 ta: FDK %dx%d of %.6f mm voxels against /reference/fbp: correlation "
               "%.5f (voxels %.0f %% smaller %.4f, larger %.4f)\n",
               SIZE, SIZE, voxel, c, 100.0 * SCALE_STEP, smaller, larger);
        EXPECT(c >= MIN_CORRELATION, "correlation %.5f below %.2f", c, MIN_CORRELATION);
        EXPECT(c > smaller && c > larger, "the reference's scale is not the best one");
    }
    tes_array_destroy(&ref);
    tes_proj_geom_destroy(&proj);
    tes_array_destroy(&y);
    tes_scan_close(&s);
    return 1;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    tes_backend backend = tes_test_backend(argc, argv, 1);
    const char *dir = getenv("TES_SHARED_DATA");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/htc2022_ta_fan.h5", dir ? dir : "../shared/data");
    int rc = TES_TEST_SKIP;
    if (access(path, R_OK) == 0) {
        run(path, backend);
        rc = tes_test_finish("t506-htc");
    } else {
        printf("skipped: %s not found\n", path);
    }
    MPI_Finalize();
    return rc;
}
