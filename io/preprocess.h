/* Preprocessing of measured projections into line integrals:
 *
 *   mean flat f and mean dark d over their frames, then per pixel
 *   y = -log(t),  t = (p - d) / max(f - d, flat_floor),
 *
 * with t <= 0 raised to min_transmission before the log, and NaN/Inf in the
 * projections replaced by 0 and counted (reported in the log). Data that
 * are already line integrals are only converted to float32 and sanitised
 * the same way. Flats and darks must be finite and non-negative, and the
 * flats brighter than the darks somewhere: anything else is refused as bad
 * input (swapped or empty references would silently give garbage).
 *
 * Inputs are host arrays of any stored type (uint16, float32, ...), shape
 * (frame, row, column); outputs float32. OpenMP inside. */
#ifndef TES_IO_PREPROCESS_H
#define TES_IO_PREPROCESS_H

#include <mpi.h>
#include <stddef.h>

#include "core/array.h"
#include "core/status.h"
#include "io/scan.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tes_preprocess_options {
    double flat_floor;       /* epsilon: f - d is at least this (counts) */
    double min_transmission; /* t <= 0 becomes this before -log (dimensionless) */
} tes_preprocess_options;

tes_preprocess_options tes_preprocess_options_default(void);

/* What the sanitising changed, per rank (tes_preprocess_report sums). */
typedef struct tes_preprocess_stats {
    size_t nonfinite; /* NaN/Inf projection values replaced by 0 */
    size_t clamped;   /* transmissions <= 0 raised to min_transmission */
    size_t floored;   /* pixels whose f - d was below flat_floor */
    size_t values;    /* values processed */
} tes_preprocess_stats;

/* Convert any numeric host array to a new float32 array of its shape. */
tes_status tes_preprocess_to_float(tes_array **out, const tes_array *in);

/* Mean over axis 0 of frames (n, rows, cols) as float32 (rows, cols); n = 0
 * gives zeros. Non-finite or negative values are refused; what names the
 * frames in messages ("flats /exchange/data_white of tooth.h5"). */
tes_status tes_preprocess_mean(tes_array **out, const tes_array *frames, const char *what);

/* Check mean flat and dark (rows, cols) together, collective over comm (a
 * rank may hold rows where the beam does not reach): refused unless the
 * flat exceeds the dark by more than opt->flat_floor at some pixel of some
 * rank. Counts the floored pixels in stats. */
tes_status tes_preprocess_check_references(const tes_array *flat, const tes_array *dark,
                                           const tes_preprocess_options *opt, const char *what,
                                           MPI_Comm comm, tes_preprocess_stats *stats);

/* y = -log((p - d) / max(f - d, floor)), in place on a float32 array
 * (views, rows, cols) holding raw values; flat and dark (rows, cols). */
tes_status tes_preprocess_normalize(tes_array *data, const tes_array *flat, const tes_array *dark,
                                    const tes_preprocess_options *opt, tes_preprocess_stats *stats);

/* Replace NaN/Inf in a float32 array by 0, in place, counting them. */
tes_status tes_preprocess_sanitize(tes_array *data, tes_preprocess_stats *stats);

/* Sum stats over comm into *total (may be NULL) and log them on rank 0 (a
 * warning when values were replaced or clamped). Collective. */
tes_status tes_preprocess_report(const tes_preprocess_stats *stats, const char *file, MPI_Comm comm,
                                 tes_preprocess_stats *total);

/* The whole stage for one rank: read views [view_begin, view_end) and rows
 * [row_begin, row_end) of the scan (and the flats and darks of those
 * rows), and return line integrals, float32 (views, rows, ncols).
 * Collective over the scan's communicator; opt may be NULL (defaults).
 * total (may be NULL) receives the counts summed over the ranks. */
tes_status tes_preprocess_load(tes_array **out, tes_scan *scan, size_t view_begin, size_t view_end,
                               size_t row_begin, size_t row_end, const tes_preprocess_options *opt,
                               tes_preprocess_stats *total);

#ifdef __cplusplus
}
#endif

#endif
