/* Simulated acquisitions for reconstructions without measured data: the
 * closed-form projections of the 3D Shepp-Logan phantom over each rank's
 * part, with optional photon (Poisson) noise, and the error of a
 * reconstruction against the voxelized phantom.
 *
 * Noise model. The phantom's values are read as linear attenuation
 * coefficients in 1/cm (its brain region, 0.2/cm, is about water near
 * 60 keV), lengths in mm as everywhere. A detector pixel whose line
 * integral is p (value x mm) receives N ~ Poisson(I0 exp(-p / 10)) photons
 * out of I0 in the open beam; the simulated datum is the flat-field
 * corrected -log of that count, back in value x mm:
 *     y = 10 ln(I0 / max(N, 1)).
 * A pixel that counts no photon is taken as one photon (as preprocessing
 * guards values <= 0 before -log). I0 = 1e4 is a low-dose scan, 1e6 a
 * clean one. The noise of a pixel depends only on (seed, global view,
 * detector row, column): every grid produces the same data. */
#ifndef TES_SOLVERS_SIMULATE_H
#define TES_SOLVERS_SIMULATE_H

#include <stdint.h>

#include "core/array.h"
#include "core/status.h"
#include "solvers/problem.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sub-pixel rays per detector pixel axis, and sub-points per voxel axis, of
 * the simulations (closer to what a finite pixel and voxel integrate). */
enum { TES_SIMULATE_SUBPIXELS = 2, TES_SIMULATE_SUPERSAMPLE = 2 };

typedef struct tes_noise {
    double photons; /* I0 per pixel in the open beam; 0: noise-free */
    uint64_t seed;
} tes_noise;

/* y (a data vector of pb->op, in the backend's memory) = the phantom's
 * projections of this rank's views and rows, with noise (NULL or photons
 * 0: none). Local to the rank: no communication. */
tes_status tes_simulate_data(const tes_problem *pb, const tes_noise *noise, tes_array *y);

/* truth (a volume vector of pb->op) = this rank's slab of the voxelized
 * phantom. */
tes_status tes_simulate_phantom(const tes_problem *pb, tes_array *truth);

/* Collective: ||x - truth|| / ||truth|| over the whole volume. */
tes_status tes_simulate_relative_error(tes_problem *pb, const tes_array *x, const tes_array *truth,
                                       double *out);

/* The noisy datum of one pixel with line integral p (exposed for tests). */
double tes_noise_sample(const tes_noise *noise, double p, size_t view, size_t row, size_t col);

#ifdef __cplusplus
}
#endif

#endif
