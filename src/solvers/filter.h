/* The ramp filter of filtered backprojection (FBP, FDK), applied to every
 * detector row.
 *
 * The filter is the discrete ramp sampled in space and then transformed,
 * not a sampled |omega|: on a grid of unit spacing its taps are
 *     h[0] = 1/4,  h[n] = 0 (n even),  h[n] = -1 / (pi n)^2 (n odd),
 * the band-limited ramp's samples (Ramachandran and Lakshminarayanan
 * 1971). Its transform has the right (non-zero) DC term and no
 * periodisation error. Rows are zero-padded to at least twice their width
 * (the next length 2^a 3^b 5^c 7^d), which keeps the circular convolution
 * of the FFT from wrapping around.
 *
 * A window shapes the response below the cutoff (a fraction of Nyquist);
 * above it the response is 0. With x = f / (cutoff f_Nyquist) in [0, 1]:
 *     ram-lak      1
 *     shepp-logan  sin(pi x / 2) / (pi x / 2)
 *     cosine       cos(pi x / 2)
 *     hamming      0.54 + 0.46 cos(pi x)
 *     hann         0.5 + 0.5 cos(pi x)
 *
 * CPU: single-precision real-to-complex FFTW, threaded (fftw3f_omp), with
 * plans made once per length and batch and kept for the process (the
 * planner is serialised: FFTW's planner is not thread-safe). CUDA: cuFFT,
 * batched over the rows of many views. */
#ifndef TES_SOLVERS_FILTER_H
#define TES_SOLVERS_FILTER_H

#include <stddef.h>

#include "core/array.h"
#include "core/backend.h"
#include "core/status.h"
#include "solvers/filter_weights.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tes_filter_window {
    TES_WINDOW_RAM_LAK = 0,
    TES_WINDOW_SHEPP_LOGAN,
    TES_WINDOW_COSINE,
    TES_WINDOW_HAMMING,
    TES_WINDOW_HANN,
    TES_WINDOW_COUNT
} tes_filter_window;

typedef struct tes_filter_options {
    tes_filter_window window;
    double cutoff; /* in (0, 1]: the highest frequency kept, a fraction of Nyquist */
} tes_filter_options;

/* ram-lak, cutoff 1. */
tes_filter_options tes_filter_options_default(void);
tes_status tes_filter_options_validate(const tes_filter_options *opt);

/* "ram-lak", "shepp-logan", "cosine", "hamming", "hann". */
const char *tes_filter_window_name(tes_filter_window window);
tes_status tes_filter_window_parse(const char *text, const char *option, tes_filter_window *out);

/* The padded row length for rows of ncols pixels: the smallest even
 * 2^a 3^b 5^c 7^d >= 2 ncols. */
size_t tes_filter_padded_length(size_t ncols);

/* The frequency response of the windowed discrete ramp for rows padded to
 * padded (even) samples: response[k], k = 0 .. padded / 2, for a pixel
 * width of 1 (a caller divides by its pixel width). */
tes_status tes_filter_response(size_t padded, const tes_filter_options *opt, double *response);

typedef struct tes_filter tes_filter;

/* A filter for rows of ncols pixels on backend. */
tes_status tes_filter_create(tes_filter **out, size_t ncols, const tes_filter_options *opt,
                             tes_backend backend);
void tes_filter_destroy(tes_filter **f);

/* Filter every row of data, float32 (views, rows, ncols) in the backend's
 * memory, in place: row r of view v is multiplied by the pre-weights of
 * geom (NULL: none), convolved with the ramp and multiplied by
 * views[v].scale. views: host array of data's views. */
tes_status tes_filter_apply(tes_filter *f, tes_array *data, const tes_filter_geom *geom,
                            const tes_filter_view *views);

#ifdef __cplusplus
}
#endif

#endif
