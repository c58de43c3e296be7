/* t316: every HDF5 file tessera opens asks MPI-IO for collective buffering
 * on reads and writes (io/mpio.h): the access list carries the hints, and
 * under ROMIO (OMPI_MCA_io=^ompio) the open file reports them in effect.
 * Without them ROMIO read a one-rank 1 GiB scan at 0.009 GB/s. */
#include "io_testing.h"

#include <string.h>

#include "io/mpio.h"

static void expect_hint(MPI_Info info, const char *key, const char *want, const char *where) {
    char value[MPI_MAX_INFO_VAL + 1] = "";
    int found = 0;
    MPI_Info_get(info, key, MPI_MAX_INFO_VAL, value, &found);
    EXPECT(found && strcmp(value, want) == 0, "%s: hint %s is %s, expected %s", where, key,
           found ? value : "(not set)", want);
}

int main(int argc, char **argv) {
    io_test_init(&argc, &argv, "t316");
    const char *io_module = getenv("OMPI_MCA_io");
    const int romio = io_module && strstr(io_module, "^ompio");

    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    EXPECT(fapl >= 0 && tes_h5_set_fapl_mpio(fapl, MPI_COMM_WORLD) >= 0,
           "tes_h5_set_fapl_mpio failed");
    MPI_Comm comm = MPI_COMM_NULL;
    MPI_Info info = MPI_INFO_NULL;
    EXPECT(H5Pget_fapl_mpio(fapl, &comm, &info) >= 0 && info != MPI_INFO_NULL,
           "the access list holds no MPI-IO hints");
    if (info != MPI_INFO_NULL) {
        expect_hint(info, "romio_cb_read", "enable", "access list");
        expect_hint(info, "romio_cb_write", "enable", "access list");
        MPI_Info_free(&info);
    }
    if (comm != MPI_COMM_NULL)
        MPI_Comm_free(&comm);

    char path[IO_DIR_BYTES + 16];
    snprintf(path, sizeof path, "%s/hints.h5", io_dir);
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    EXPECT(file >= 0, "cannot create %s", path);
    if (file >= 0 && romio) {
        MPI_File *fh = NULL;
        MPI_Info used = MPI_INFO_NULL;
        EXPECT(H5Fget_vfd_handle(file, fapl, (void **)&fh) >= 0 && fh &&
                   MPI_File_get_info(*fh, &used) == MPI_SUCCESS,
               "cannot get the hints in effect on %s", path);
        if (used != MPI_INFO_NULL) {
            expect_hint(used, "romio_cb_read", "enable", "ROMIO file");
            expect_hint(used, "romio_cb_write", "enable", "ROMIO file");
            MPI_Info_free(&used);
        }
    }
    if (file >= 0)
        H5Fclose(file);
    if (fapl >= 0)
        H5Pclose(fapl);
    return io_test_finish("t316");
}
