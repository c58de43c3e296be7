#include "io/mpio.h"

/* The hints of io/mpio.h: collective buffering for every read and write. */
static const char *const hints[][2] = {
    {"romio_cb_read", "enable"},
    {"romio_cb_write", "enable"},
};

herr_t tes_h5_set_fapl_mpio(hid_t fapl, MPI_Comm comm) {
    MPI_Info info;
    if (MPI_Info_create(&info) != MPI_SUCCESS)
        return -1;
    int ok = 1;
    for (size_t i = 0; ok && i < sizeof hints / sizeof hints[0]; ++i)
        ok = MPI_Info_set(info, hints[i][0], hints[i][1]) == MPI_SUCCESS;
    /* HDF5 keeps its own copy of the hints. */
    herr_t e = ok ? H5Pset_fapl_mpio(fapl, comm, info) : -1;
    MPI_Info_free(&info);
    return e;
}

const char *tes_h5_io_mode_name(H5D_mpio_actual_io_mode_t mode) {
    switch (mode) {
    case H5D_MPIO_NO_COLLECTIVE:
        return "independent";
    case H5D_MPIO_CHUNK_INDEPENDENT:
        return "chunk independent";
    case H5D_MPIO_CHUNK_COLLECTIVE:
        return "chunk collective";
    case H5D_MPIO_CHUNK_MIXED:
        return "chunk mixed";
    case H5D_MPIO_CONTIGUOUS_COLLECTIVE:
        return "contiguous collective";
    default:
        return "unknown";
    }
}
