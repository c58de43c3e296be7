#include "solvers/simulate.h"

#include <math.h>

#include "core/vec.h"
#include "phantom/shepp_logan.h"

/* The phantom's values are attenuation per cm; lengths are in mm. */
#define TES_MM_PER_CM 10.0
/* A pixel that counts fewer photons is taken as counting this many. */
#define TES_NOISE_MIN_COUNTS 1.0
/* Below this mean count Poisson variates come from inversion by
 * multiplication (Knuth); above it from Hormann's PTRS. */
#define TES_POISSON_INVERSION_MAX 10.0

/* splitmix64 (Steele, Lea, Flood 2014): a bijective 64-bit mixer. */
static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* A counter-based stream of uniforms for one pixel. */
typedef struct pixel_rng {
    uint64_t state;
} pixel_rng;

static pixel_rng pixel_rng_for(uint64_t seed, size_t view, size_t row, size_t col) {
    const uint64_t golden = 0x9E3779B97F4A7C15ULL;
    uint64_t s = mix64(seed + golden);
    s = mix64(s ^ (uint64_t)view);
    s = mix64(s ^ (uint64_t)row);
    s = mix64(s ^ (uint64_t)col);
    return (pixel_rng){s};
}

/* Uniform in (0, 1). */
static double pixel_rng_uniform(pixel_rng *r) {
    const uint64_t golden = 0x9E3779B97F4A7C15ULL;
    const double two_pow_m53 = 1.0 / 9007199254740992.0;
    r->state += golden;
    return ((double)(mix64(r->state) >> 11) + 0.5) * two_pow_m53;
}

static double poisson_inversion(pixel_rng *r, double mean) {
    double limit = exp(-mean), prod = pixel_rng_uniform(r);
    double k = 0.0;
    while (prod > limit) {
        prod *= pixel_rng_uniform(r);
        k += 1.0;
    }
    return k;
}

/* PTRS, transformed rejection with squeeze (W. Hormann, "The transformed
 * rejection method for generating Poisson random variables", Insurance:
 * Mathematics and Economics 12, 1993); the constants are the paper's. */
static double poisson_ptrs(pixel_rng *r, double mean) {
    const double slam = sqrt(mean), loglam = log(mean);
    const double b = 0.931 + 2.53 * slam;
    const double a = -0.059 + 0.02483 * b;
    const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    const double vr = 0.9277 - 3.6224 / (b - 2.0);
    for (;;) {
        double u = pixel_rng_uniform(r) - 0.5;
        double v = pixel_rng_uniform(r);
        double us = 0.5 - fabs(u);
        double k = floor((2.0 * a / us + b) * u + mean + 0.43);
        if (us >= 0.07 && v <= vr)
            return k;
        if (k < 0.0 || (us < 0.013 && v > us))
            continue;
        if (log(v) + log(inv_alpha) - log(a / (us * us) + b) <=
            -mean + k * loglam - lgamma(k + 1.0))
            return k;
    }
}

double tes_noise_sample(const tes_noise *noise, double p, size_t view, size_t row, size_t col) {
    if (!noise || !(noise->photons > 0.0))
        return p;
    pixel_rng r = pixel_rng_for(noise->seed, view, row, col);
    double mean = noise->photons * exp(-p / TES_MM_PER_CM);
    double counts =
        mean < TES_POISSON_INVERSION_MAX ? poisson_inversion(&r, mean) : poisson_ptrs(&r, mean);
    return TES_MM_PER_CM * log(noise->photons / fmax(counts, TES_NOISE_MIN_COUNTS));
}

static void add_noise(const tes_noise *noise, const tes_proj_part *part, tes_array *sino) {
    float *d = sino->data;
    size_t nrows = part->row_end - part->row_begin, ncols = sino->shape[2];
    size_t nviews = part->nviews;
#pragma omp parallel for schedule(static) collapse(2)
    for (size_t i = 0; i < nviews; ++i)
        for (size_t r = 0; r < nrows; ++r) {
            float *line = d + (i * nrows + r) * ncols;
            for (size_t c = 0; c < ncols; ++c)
                line[c] = (float)tes_noise_sample(noise, line[c], part->views ? part->views[i] : i,
                                                  part->row_begin + r, c);
        }
}

tes_status tes_simulate_data(const tes_problem *pb, const tes_noise *noise, tes_array *y) {
    TES_CHECK(pb && y, TES_ERR_ARG, "simulate: NULL problem or data");
    TES_CHECK(!noise || (isfinite(noise->photons) && noise->photons >= 0.0), TES_ERR_ARG,
              "noise: photons per pixel = %g must be >= 0 (0: noise-free)",
              noise ? noise->photons : 0.0);
    if (tes_array_count(y) == 0)
        return TES_OK; /* no views, or no detector rows, here */
    const tes_grid *g = pb->grid;
    tes_proj_part part = {g->z_begin, g->z_end, g->row_begin, g->row_end, 0, NULL};
    tes_operator_views(pb->op, &part.nviews, &part.views);
    size_t shape[3] = {part.nviews, part.row_end - part.row_begin, pb->proj->ncols};
    TES_CHECK(shape[0] * shape[1] * shape[2] == tes_array_count(y), TES_ERR_SHAPE,
              "simulate: the data vector has %zu elements, %zu views x %zu rows x %zu columns "
              "expected",
              tes_array_count(y), shape[0], shape[1], shape[2]);

    tes_array *sino = NULL;
    TES_CALL(tes_array_create(&sino, TES_FLOAT32, TES_HOST, 3, shape));
    tes_status st = TES_OK;
    TES_CALL_GOTO(st, tes_phantom_project(pb->vol, pb->proj, &part, TES_SIMULATE_SUBPIXELS, sino),
                  done);
    if (noise && noise->photons > 0.0)
        add_noise(noise, &part, sino);
    TES_CALL_GOTO(st, tes_array_copy(y, sino), done);
done:
    tes_array_destroy(&sino);
    return st;
}

tes_status tes_simulate_phantom(const tes_problem *pb, tes_array *truth) {
    TES_CHECK(pb && truth, TES_ERR_ARG, "simulate: NULL problem or volume");
    const tes_grid *g = pb->grid;
    size_t shape[3] = {g->z_end - g->z_begin, pb->vol->ny, pb->vol->nx};
    tes_array *slab = NULL;
    TES_CALL(tes_array_create(&slab, TES_FLOAT32, TES_HOST, 3, shape));
    tes_status st = TES_OK;
    TES_CALL_GOTO(
        st, tes_phantom_voxelize(pb->vol, g->z_begin, g->z_end, TES_SIMULATE_SUPERSAMPLE, slab),
        done);
    TES_CALL_GOTO(st, tes_array_copy(truth, slab), done);
done:
    tes_array_destroy(&slab);
    return st;
}

tes_status tes_simulate_relative_error(tes_problem *pb, const tes_array *x, const tes_array *truth,
                                       double *out) {
    tes_array *diff = NULL;
    TES_CALL(tes_operator_new_volume(pb->op, &diff));
    tes_status st = TES_OK;
    double dd = 0.0, tt = 0.0;
    TES_CALL_GOTO(st, tes_vec_sub(diff, x, truth), done);
    TES_CALL_GOTO(st, tes_operator_volume_dot(pb->op, diff, diff, &dd), done);
    TES_CALL_GOTO(st, tes_operator_volume_dot(pb->op, truth, truth, &tt), done);
    *out = tt > 0.0 ? sqrt(dd / tt) : sqrt(dd);
done:
    tes_array_destroy(&diff);
    return st;
}
