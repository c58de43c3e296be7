/* TIFF stacks for Fiji/ImageJ: a volume written as one 32-bit float
 * greyscale TIFF per z slice (libtiff), named PREFIX_NNNNN.tif by the
 * slice's global index, so that File > Import > Image Sequence opens the
 * stack in order. Each rank writes the slices of its own slab; each file
 * goes under a temporary name and is renamed when complete. */
#ifndef TES_IO_TIFF_H
#define TES_IO_TIFF_H

#include <limits.h>
#include <mpi.h>
#include <stddef.h>

#include "core/array.h"
#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tes_tiff_options {
    int overwrite;          /* 1: existing slices may be replaced */
    const char *force_hint; /* how a user allows that ("--force"); NULL: generic */
} tes_tiff_options;

/* The file name of slice z of a volume of nz slices. */
tes_status tes_tiff_slice_name(const char *prefix, size_t z, size_t nz, char name[PATH_MAX]);

/* Collective over comm. slab: host float32 (n, ny, nx) holding slices
 * [z_begin, z_begin + n) of nz (n may be 0). Every rank checks all of its
 * outputs before any rank writes one; opt may be NULL (no overwriting). */
tes_status tes_tiff_write_stack(MPI_Comm comm, const tes_array *slab, size_t z_begin, size_t nz,
                                const char *prefix, const tes_tiff_options *opt);

#ifdef __cplusplus
}
#endif

#endif
