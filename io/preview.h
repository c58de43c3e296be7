/* Preview images of a reconstructed volume: the central z, y and x slices
 * as 8-bit grey PNGs, with one grey window for all three taken from
 * percentiles of their values (e.g. 0.5 % to 99.5 %), so a few hot voxels
 * do not wash the image out.
 *
 * The volume (z, y, x) is distributed: each rank holds a slab of z slices.
 * The central z slice lives on one rank; the central y and x slices cross
 * every slab, so all three are gathered to rank 0, which writes them.
 * Image rows run along the first remaining axis from the top: the z slice
 * is (y, x), the y slice (z, x), the x slice (z, y). */
#ifndef TES_IO_PREVIEW_H
#define TES_IO_PREVIEW_H

#include <limits.h>
#include <mpi.h>
#include <stddef.h>

#include "core/array.h"
#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tes_preview_options {
    double low_percent, high_percent; /* grey window, percent of the voxels (0..100) */
    int overwrite;                    /* 1: existing images may be replaced */
    const char *force_hint;           /* how a user allows that ("--force"); NULL: generic */
} tes_preview_options;

/* 0.5 % .. 99.5 %, no overwriting. */
tes_preview_options tes_preview_options_default(void);

/* The three file names for prefix: prefix + "_z.png", "_y.png", "_x.png". */
enum { TES_PREVIEW_SLICES = 3 };
tes_status tes_preview_names(const char *prefix, char names[TES_PREVIEW_SLICES][PATH_MAX]);

/* Collective over comm. slab: host float32 (n, ny, nx) holding slices
 * [z_begin, z_begin + n) of a volume of nz slices (n may be 0). The slabs of
 * the ranks must tile [0, nz) without overlap. Outputs are checked on rank
 * 0 before anything is gathered, so a bad output fails before any image is
 * written. NaN/Inf voxels are shown black and left out of the percentiles. */
tes_status tes_preview_write_slices(MPI_Comm comm, const tes_array *slab, size_t z_begin, size_t nz,
                                    const char *prefix, const tes_preview_options *opt);

/* The grey window of values: the low and high percentiles of its finite
 * values (*low == *high when it has none or they are all equal). */
tes_status tes_preview_window(const float *values, size_t n, double low_percent,
                              double high_percent, float *low, float *high);

/* Map values to 8-bit grey with the window [low, high] (non-finite: 0). */
void tes_preview_grey(const float *values, size_t n, float low, float high, unsigned char *grey);

#ifdef __cplusplus
}
#endif

#endif
