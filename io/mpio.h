/* The MPI-IO driver of every HDF5 file tessera opens, with its hints, and
 * the names of the IO modes HDF5 reports.
 *
 * Both Open MPI IO modules read the same hints object; each ignores the
 * hints it does not know. ROMIO decides by default per call whether to use
 * collective buffering, and for a call whose ranks' regions do not
 * interleave (one rank, or ranks reading whole frames) it falls back to
 * independent data sieving: with HDF5's chunk-list file types that path
 * read a 1 GiB scan at 0.009 GB/s (ROMIO 3.2.1, Open MPI 4.1). Collective
 * buffering always on makes the aggregators read and write large
 * contiguous file domains whatever the selection, which is what tessera's
 * reads and writes (each rank its own block, every rank in every call)
 * want. */
#ifndef TES_IO_MPIO_H
#define TES_IO_MPIO_H

#include <hdf5.h>
#include <mpi.h>

/* H5Pset_fapl_mpio(fapl, comm, hints) with tessera's hints; negative on
 * failure, as HDF5 calls are. */
herr_t tes_h5_set_fapl_mpio(hid_t fapl, MPI_Comm comm);

/* The name of the IO mode H5Pget_mpio_actual_io_mode reports, for messages
 * ("independent", "contiguous collective", ...). */
const char *tes_h5_io_mode_name(H5D_mpio_actual_io_mode_t mode);

#endif
