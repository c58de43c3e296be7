/* Helpers of the FBP/FDK tests: Shepp-Logan geometries, closed-form
 * sinograms of a few central slices, the voxelized truth and error
 * measures. */
#ifndef TES_TESTS_FBP_TESTING_H
#define TES_TESTS_FBP_TESTING_H

#include "testing.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "kernels/geometry.h"
#include "kernels/projector.h"
#include "phantom/shepp_logan.h"
#include "solvers/fbp.h"

/* Rays per pixel axis of the simulated data and points per voxel axis of
 * the truth: closer to what finite pixels and voxels integrate. */
enum { TES_FBP_TEST_SUBPIXELS = 2, TES_FBP_TEST_SUPERSAMPLE = 3 };

/* A cube of n voxels of 1 mm. Parallel: n rows, columns for the cube's
 * diagonal, 1 mm pixels. Cone: source 3n before the axis, detector n behind
 * it, 1 mm pixels, rows and columns that see the whole cube. Angles as
 * tes_proj_geom_create sets them (pi or 2 pi). */
static inline int tes_fbp_test_geometry(int cone, size_t n, size_t nviews, tes_vol_geom *vol,
                                        tes_proj_geom **proj) {
    *vol = tes_vol_geom_cube(n, 1.0);
    if (!cone) {
        size_t cols = (size_t)ceil(sqrt(2.0) * (double)n) + 2;
        return EXPECT_OK(tes_proj_geom_create(proj, TES_GEOM_PARALLEL3D, nviews, n, cols));
    }
    const double sod = 3.0 * (double)n, odd = (double)n;
    const double radius = 0.5 * sqrt(2.0) * (double)n, mag = (sod + odd) / (sod - radius);
    size_t cols = (size_t)ceil(2.0 * radius * mag) + 2, rows = (size_t)ceil((double)n * mag) + 2;
    if (!EXPECT_OK(tes_proj_geom_create(proj, TES_GEOM_CONE3D, nviews, rows, cols)))
        return 0;
    (*proj)->sod = sod;
    (*proj)->odd = odd;
    return 1;
}

/* The part of slices [z_begin, z_end): the rows they reach, every view. */
static inline tes_proj_part tes_fbp_test_part(const tes_vol_geom *vol, const tes_proj_geom *proj,
                                              size_t z_begin, size_t z_end) {
    tes_proj_part part = {z_begin, z_end, 0, 0, proj->nviews, NULL};
    tes_proj_geom_rows_for_slab(proj, vol, z_begin, z_end, &part.row_begin, &part.row_end);
    return part;
}

/* The closed-form sinogram of part (host). */
static inline tes_array *tes_fbp_test_sinogram(const tes_vol_geom *vol, const tes_proj_geom *proj,
                                               const tes_proj_part *part) {
    size_t shape[3] = {part->nviews, part->row_end - part->row_begin, proj->ncols};
    tes_array *sino = NULL;
    if (!EXPECT_OK(tes_array_create(&sino, TES_FLOAT32, TES_HOST, 3, shape)))
        return NULL;
    if (!EXPECT_OK(tes_phantom_project(vol, proj, part, TES_FBP_TEST_SUBPIXELS, sino)))
        tes_array_destroy(&sino);
    return sino;
}

/* The voxelized phantom of the part's slab (host). */
static inline tes_array *tes_fbp_test_truth(const tes_vol_geom *vol, const tes_proj_part *part) {
    size_t shape[3] = {part->z_end - part->z_begin, vol->ny, vol->nx};
    tes_array *truth = NULL;
    if (!EXPECT_OK(tes_array_create(&truth, TES_FLOAT32, TES_HOST, 3, shape)))
        return NULL;
    if (!EXPECT_OK(
            tes_phantom_voxelize(vol, part->z_begin, part->z_end, TES_FBP_TEST_SUPERSAMPLE, truth)))
        tes_array_destroy(&truth);
    return truth;
}

/* ||a - b|| / ||b|| over n values. */
static inline double tes_fbp_test_relative_error(const float *a, const float *b, size_t n) {
    double d = 0.0, s = 0.0;
    for (size_t i = 0; i < n; ++i) {
        d += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
        s += (double)b[i] * b[i];
    }
    return s > 0.0 ? sqrt(d / s) : sqrt(d);
}

/* FBP of part from the host sinogram on backend; returns the host slab. */
static inline tes_array *tes_fbp_test_reconstruct(const tes_vol_geom *vol,
                                                  const tes_proj_geom *proj,
                                                  const tes_proj_part *part,
                                                  const tes_fbp_options *opt, tes_backend backend,
                                                  const tes_array *host_sino) {
    tes_location loc = tes_backend_location(backend);
    size_t shape[3] = {part->z_end - part->z_begin, vol->ny, vol->nx};
    tes_array *sino = NULL, *x = NULL, *host = NULL;
    if (EXPECT_OK(tes_array_clone(&sino, host_sino, loc)) &&
        EXPECT_OK(tes_array_create(&x, TES_FLOAT32, loc, 3, shape)) &&
        EXPECT_OK(tes_fbp_part(vol, proj, part, opt, backend, sino, x, NULL)))
        EXPECT_OK(tes_array_clone(&host, x, TES_HOST));
    tes_array_destroy(&sino);
    tes_array_destroy(&x);
    return host;
}

#endif
