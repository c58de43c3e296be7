/* Helpers for the MPI IO tests of the scan reader, preprocessing and the
 * image writers: MPI set-up with one verdict for all ranks, a scratch
 * directory, small HDF5 files written with the plain HDF5 C API (on rank 0
 * only), fingerprints of files and directories to prove that a failed call
 * damaged nothing, and the shared data sets (exit 77 when absent). */
#ifndef TES_TESTS_IO_TESTING_H
#define TES_TESTS_IO_TESTING_H

#include "testing.h"

#include <dirent.h>
#include <ftw.h>
#include <hdf5.h>
#include <limits.h>
#include <mpi.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

static int io_rank, io_nranks;
enum { IO_DIR_BYTES = 512 };
static char io_dir[IO_DIR_BYTES]; /* scratch directory of this test, same on every rank */

static inline void io_test_init(int *argc, char ***argv, const char *name) {
    MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &io_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &io_nranks);
    tes_log_set_rank(io_rank);
    if (io_rank == 0) {
        snprintf(io_dir, sizeof io_dir, "/tmp/tes-%s-XXXXXX", name);
        if (!mkdtemp(io_dir)) {
            perror("mkdtemp");
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
    }
    MPI_Bcast(io_dir, sizeof io_dir, MPI_CHAR, 0, MPI_COMM_WORLD);
    /* The HDF5 files below are written on rank 0 without MPI-IO. */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static inline int io_remove_entry(const char *path, const struct stat *sb, int flag,
                                  struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Sum the failures of all ranks, clean up, and return the exit code. */
static inline int io_test_finish(const char *name) {
    int mine = tes_test_failures, all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    if (io_rank == 0) {
        chmod(io_dir, 0700);
        nftw(io_dir, io_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    if (io_rank == 0)
        printf(all ? "%s: %d check(s) failed on %d rank(s)\n" : "%s: passed on %d rank(s)\n", name,
               all ? all : io_nranks, io_nranks);
    MPI_Finalize();
    return all ? 1 : 0;
}

/* Every rank exits 77 (skipped) unless all files exist in $TES_SHARED_DATA;
 * *dir receives that directory. */
static inline void io_need_shared(const char *const *files, size_t n, char *dir, size_t len) {
    const char *env = getenv("TES_SHARED_DATA");
    int ok = env && env[0];
    for (size_t i = 0; ok && i < n; ++i) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", env, files[i]);
        ok = access(path, R_OK) == 0;
    }
    if (!ok) {
        if (io_rank == 0) {
            printf("skipped: shared data (%s) not found in TES_SHARED_DATA=%s\n", files[0],
                   env ? env : "(unset)");
            rmdir(io_dir);
        }
        MPI_Finalize();
        exit(TES_TEST_SKIP);
    }
    snprintf(dir, len, "%s", env);
}

static inline const char *io_path(char *buf, const char *name) {
    snprintf(buf, PATH_MAX, "%s/%s", io_dir, name);
    return buf;
}

/* The call's status st must be code on every rank alike, and its message
 * must hold each of texts (NULL-terminated). TES_TEST_VERBOSE prints it.
 * The error is left set (the caller clears it). */
static inline void io_expect_status(tes_status st, tes_status code, const char *const *texts,
                                    const char *what) {
    const char *msg = tes_error_message();
    if (getenv("TES_TEST_VERBOSE") && io_rank == 0)
        printf("%s: %s\n", what, msg);
    EXPECT(st == code, "%s: got %s (\"%s\"), expected %s", what, tes_status_name(st), msg,
           tes_status_name(code));
    for (size_t i = 0; texts[i]; ++i)
        EXPECT(strstr(msg, texts[i]), "%s: message \"%s\" lacks \"%s\"", what, msg, texts[i]);
    int codes[2] = {(int)st, -(int)st}, range[2];
    MPI_Allreduce(codes, range, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    EXPECT(range[0] == -range[1], "%s: the ranks disagree on the status", what);
}

/* ---- small HDF5 files (rank 0 only) ------------------------------------- */

static inline hid_t h5t_create(const char *path) {
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) {
        fprintf(stderr, "cannot create %s\n", path);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    return f;
}

static inline hid_t h5t_lcpl(void) {
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    return lcpl;
}

/* Write a dataset of ndim dims at path (groups created on the way). */
static inline void h5t_write(hid_t file, const char *path, hid_t file_type, hid_t mem_type,
                             int ndim, const hsize_t *dims, const void *data) {
    hid_t lcpl = h5t_lcpl();
    hid_t space = ndim ? H5Screate_simple(ndim, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(file, path, file_type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        fprintf(stderr, "cannot write %s\n", path);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    H5Dclose(d);
    H5Sclose(space);
    H5Pclose(lcpl);
}

static inline void h5t_attr_text(hid_t file, const char *object, const char *name,
                                 const char *text) {
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t a =
        H5Acreate_by_name(file, object, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, type, &text);
    H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
}

static inline void h5t_external(hid_t file, const char *link, const char *target_file,
                                const char *target_object) {
    hid_t lcpl = h5t_lcpl();
    if (H5Lcreate_external(target_file, target_object, file, link, lcpl, H5P_DEFAULT) < 0) {
        fprintf(stderr, "cannot create the external link %s\n", link);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    H5Pclose(lcpl);
}

/* ---- "nothing was damaged" ------------------------------------------------ */

/* FNV-1a of a file's bytes, mixed with its size and mode; 0 when missing. */
static inline uint64_t io_file_digest(const char *path) {
    struct stat sb;
    if (stat(path, &sb) != 0)
        return 0;
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)sb.st_size ^ ((uint64_t)sb.st_mode << 40);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return h;
    int c;
    while ((c = fgetc(fp)) != EOF)
        h = (h ^ (uint64_t)c) * 1099511628211ULL;
    fclose(fp);
    return h ? h : 1;
}

/* Names in a directory, combined order-independently; count in *n. */
static inline uint64_t io_dir_digest(const char *path, size_t *n) {
    DIR *d = opendir(path);
    uint64_t sum = 0;
    *n = 0;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        uint64_t h = 1469598103934665603ULL;
        for (const char *c = e->d_name; *c; ++c)
            h = (h ^ (uint64_t)(unsigned char)*c) * 1099511628211ULL;
        sum += h;
        ++*n;
    }
    closedir(d);
    return sum;
}

#endif
