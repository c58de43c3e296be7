/* The outputs of tessera recon JOB: the volume (HDF5, collective, chunked
 * by z-slabs, with attributes), an optional TIFF stack, previews of the
 * central slices and the convergence plot. All are checked before any work
 * (an existing file is refused unless overwriting is allowed; the folder
 * must accept new files) and written under temporary names. Internal to
 * src/cli. */
#ifndef TES_CLI_RECON_OUTPUTS_H
#define TES_CLI_RECON_OUTPUTS_H

#include <limits.h>
#include <mpi.h>
#include <stddef.h>

#include "core/array.h"
#include "core/status.h"
#include "decomposition/grid.h"
#include "io/h5array.h"
#include "io/preview.h"

typedef struct tes_recon_outputs {
    tes_h5_name volume;
    int overwrite;
    char tiff_prefix[PATH_MAX]; /* "" none: FOLDER/slice_NNNNN.tif */
    char previews[PATH_MAX];    /* "" none: PREFIX_z.png, _y.png, _x.png */
    char convergence[PATH_MAX]; /* "" none: PREFIX_convergence.png (iterative solvers) */
    const char *metrics;        /* NULL: none */
} tes_recon_outputs;

/* Fill outs from the [output] keys (volume FILE[:/dataset], tiff folder,
 * previews prefix, metrics) and check every output, collectively, for a
 * volume of nz slices. iterative: 1 adds the convergence plot. */
tes_status tes_recon_outputs_check(MPI_Comm comm, tes_recon_outputs *outs, const char *volume,
                                   const char *tiff, const char *previews, const char *metrics,
                                   int overwrite, int iterative, size_t nz);

/* Collective: write x (the grid's slab, replicated over the view groups;
 * the first group writes) with attrs, then the TIFF stack and the previews. */
tes_status tes_recon_outputs_write_volume(MPI_Comm comm, const tes_recon_outputs *outs,
                                          const tes_grid *grid, size_t nz, const tes_array *x,
                                          const tes_h5_attr *attrs, size_t nattrs);

/* Rank 0: the convergence plot of residuals[0..n) (no-op without one). */
tes_status tes_recon_outputs_write_plot(const tes_recon_outputs *outs, const double *residuals,
                                        size_t n, const char *title);

#endif
