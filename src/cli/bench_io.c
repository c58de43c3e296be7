/* tessera bench io: generate a Data Exchange scan (uint16 /exchange/data of
 * views x 2048 x 2048, small data_white, data_dark and theta) collectively,
 * then time
 *   read:  every rank reads its contiguous share of the views (all rows)
 *          through tes_scan_read_projections (the scan reader of the
 *          commands), the slowest rank's time per repeat;
 *   write: a float32 volume of half the scan's size, split in z-slabs,
 *          written through tes_h5_write (the volume writer of the commands).
 * Rank 0 prints one JSON object per operation on stdout (median over the
 * repeats); progress goes to stderr. The files live in a new directory
 * (under --dir, default the current one) that is removed unless --keep.
 *
 * The page cache is what it is: before each read the file is flushed and
 * its cached pages are dropped (posix_fadvise DONTNEED, once per node);
 * "cache" says "dropped" when that worked on every node, else "warm".
 * Writes end in the page cache (no fsync): their "cache" is "warm". */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/magic.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <hdf5.h>
#include <mpi.h>

#include "cli/bench_common.h"
#include "cli/bench_io.h"
#include "core/agree.h"
#include "core/array.h"
#include "core/log.h"
#include "core/timer.h"
#include "io/h5array.h"
#include "io/mpio.h"
#include "io/scan.h"

#define TES_BENCH_IO_DEFAULT_GIB     2.0
#define TES_BENCH_IO_MAX_GIB         4096.0
#define TES_BENCH_IO_DEFAULT_REPEATS 3
#define TES_BENCH_IO_MAX_REPEATS     1000
#define TES_BENCH_IO_VOLUME_SHARE    0.5 /* the volume's size over the scan's */
#define TES_BENCH_IO_ANGLE_RANGE_DEG 180.0
#define TES_BENCH_IO_DIR_TEMPLATE    "tessera-bench-io-XXXXXX"
#define TES_BENCH_IO_SCAN_NAME       "scan.h5"
#define TES_BENCH_IO_VOLUME_NAME     "volume.h5"
#define TES_BENCH_IO_DEFAULT_MODULE  "default"
#define TES_BENCH_IO_GIB             1073741824.0 /* bytes */
#define TES_BENCH_IO_GIGA            1e9
#define TES_BENCH_IO_VOXEL_VALUE     1.0f
enum {
    TES_BENCH_IO_ROWS = 2048,
    TES_BENCH_IO_COLS = 2048,
    TES_BENCH_IO_FLATS = 4,
    TES_BENCH_IO_DARKS = 4,
    TES_BENCH_IO_COUNT_BASE = 1000, /* generated counts: base + (row + col) % span */
    TES_BENCH_IO_COUNT_SPAN = 3000,
    TES_BENCH_IO_BATCH_BYTES = 256 * 1024 * 1024, /* largest generating write per rank */
    TES_BENCH_IO_NAME_ROOM = 32,                  /* room for "/scan.h5" after the directory */
};

const tes_cli_option tes_cli_bench_io_options[] = {
    {"--dir", NULL, "DIR",
     "bench io: directory in which a temporary directory holds the generated files "
     "(default the current directory)"},
    {"--gib", NULL, "G",
     "bench io: size of the generated uint16 scan in GiB (views of 2048 x 2048); the "
     "written float32 volume is half that (default 2)"},
    {"--keep", NULL, NULL, "bench io: keep the generated files"},
    {NULL, NULL, NULL, NULL},
};

typedef struct io_plan {
    int rank, nranks;
    double gib;
    size_t repeats;
    int keep;
    size_t views, slices; /* of the scan; of the volume */
    char dir[TES_H5_PATH_BYTES - TES_BENCH_IO_NAME_ROOM];
    char scan_file[TES_H5_PATH_BYTES];
    char volume_file[TES_H5_PATH_BYTES];
    const char *io_module;
} io_plan;

/* An HDF5 call returning a negative value on failure. */
#define IO_H5(st, expr, label, ...)                                                                \
    do {                                                                                           \
        if ((expr) < 0) {                                                                          \
            (st) = tes_error_set(TES_ERR_IO, __FILE__, __LINE__, __func__, __VA_ARGS__);           \
            goto label;                                                                            \
        }                                                                                          \
    } while (0)

static void h5_close(hid_t *id) {
    if (*id >= 0)
        H5Oclose(*id);
    *id = H5I_INVALID_HID;
}

static void plist_close(hid_t *id) {
    if (*id >= 0)
        H5Pclose(*id);
    *id = H5I_INVALID_HID;
}

static void space_close(hid_t *id) {
    if (*id >= 0)
        H5Sclose(*id);
    *id = H5I_INVALID_HID;
}

/* This rank's contiguous share [begin, end) of n items. */
static void share(size_t n, int rank, int nranks, size_t *begin, size_t *end) {
    size_t r = (size_t)rank, p = (size_t)nranks;
    *begin = n / p * r + (r < n % p ? r : n % p);
    *end = *begin + n / p + (r < n % p ? 1 : 0);
}

static size_t items_of(double bytes, size_t item_bytes) {
    double n = floor(bytes / (double)item_bytes + 0.5);
    return n < 1.0 ? 1 : (size_t)n;
}

/* Rank 0 makes the temporary directory; every rank learns its name. */
static tes_status make_dir(const tes_cli_args *args, MPI_Comm comm, io_plan *plan) {
    tes_status st = TES_OK;
    if (plan->rank == 0) {
        const char *base = tes_cli_get(args, "--dir");
        struct stat info;
        if (base && (stat(base, &info) != 0 || !S_ISDIR(info.st_mode)))
            st = tes_error_set(TES_ERR_ARG, __FILE__, __LINE__, __func__,
                               "--dir: '%s' is not a directory", base);
        else if (snprintf(plan->dir, sizeof plan->dir, "%s/" TES_BENCH_IO_DIR_TEMPLATE,
                          base ? base : ".") >= (int)sizeof plan->dir)
            st = tes_error_set(TES_ERR_ARG, __FILE__, __LINE__, __func__, "--dir: '%s' is too long",
                               base);
        else if (!mkdtemp(plan->dir))
            st = tes_error_set(TES_ERR_IO, __FILE__, __LINE__, __func__,
                               "--dir: cannot create a directory in '%s': %s", base ? base : ".",
                               strerror(errno));
    }
    TES_CALL(tes_status_agree(comm, st));
    MPI_Bcast(plan->dir, (int)sizeof plan->dir, MPI_CHAR, 0, comm);
    snprintf(plan->scan_file, sizeof plan->scan_file, "%s/%s", plan->dir, TES_BENCH_IO_SCAN_NAME);
    snprintf(plan->volume_file, sizeof plan->volume_file, "%s/%s", plan->dir,
             TES_BENCH_IO_VOLUME_NAME);
    return TES_OK;
}

static tes_status read_plan(const tes_cli_args *args, MPI_Comm comm, io_plan *plan) {
    MPI_Comm_rank(comm, &plan->rank);
    MPI_Comm_size(comm, &plan->nranks);
    TES_CALL(tes_cli_length(args, "--gib", TES_BENCH_IO_DEFAULT_GIB, &plan->gib));
    TES_CHECK(plan->gib <= TES_BENCH_IO_MAX_GIB, TES_ERR_ARG,
              "--gib: expected at most %g GiB, got '%s'", TES_BENCH_IO_MAX_GIB,
              tes_cli_get(args, "--gib"));
    TES_CALL(tes_cli_count_range(args, "--repeats", TES_BENCH_IO_DEFAULT_REPEATS, 1,
                                 TES_BENCH_IO_MAX_REPEATS, &plan->repeats));
    plan->keep = tes_cli_has(args, "--keep");
    size_t frame_bytes = (size_t)TES_BENCH_IO_ROWS * TES_BENCH_IO_COLS * sizeof(uint16_t);
    size_t slice_bytes = (size_t)TES_BENCH_IO_ROWS * TES_BENCH_IO_COLS * sizeof(float);
    plan->views = items_of(plan->gib * TES_BENCH_IO_GIB, frame_bytes);
    plan->slices = items_of(plan->gib * TES_BENCH_IO_VOLUME_SHARE * TES_BENCH_IO_GIB, slice_bytes);
    const char *module = getenv("OMPI_MCA_io");
    plan->io_module = module && *module ? module : TES_BENCH_IO_DEFAULT_MODULE;
    return TES_OK;
}

/* Collective: write frames [first, first + n) of a dataset of dims (n may
 * be 0: an empty selection); the other axes whole. */
static tes_status write_block(hid_t dset, hid_t memtype, hid_t dxpl, int ndim, const hsize_t *dims,
                              size_t first, size_t n, const void *buf) {
    tes_status st = TES_OK;
    hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
    hsize_t start[TES_MAX_DIMS] = {0}, count[TES_MAX_DIMS];
    count[0] = n > 0 ? n : 1;
    for (int d = 1; d < ndim; ++d)
        count[d] = dims[d];
    start[0] = first;
    IO_H5(st, fspace = H5Dget_space(dset), done, "cannot get a dataset's space");
    IO_H5(st, mspace = H5Screate_simple(ndim, count, NULL), done, "cannot create a memory space");
    if (n == 0) {
        IO_H5(st, H5Sselect_none(fspace), done, "cannot select nothing");
        IO_H5(st, H5Sselect_none(mspace), done, "cannot select nothing");
    } else {
        IO_H5(st, H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL), done,
              "cannot select frames %zu..%zu", first, first + n);
    }
    IO_H5(st, H5Dwrite(dset, memtype, mspace, fspace, dxpl, buf), done,
          "cannot write frames %zu..%zu", first, first + n);
done:
    space_close(&mspace);
    space_close(&fspace);
    return st;
}

/* A chunked dataset of dims, chunks of one frame. */
static hid_t create_dataset(hid_t file, const char *path, hid_t type, int ndim,
                            const hsize_t *dims) {
    hsize_t chunk[TES_MAX_DIMS];
    chunk[0] = 1;
    for (int d = 1; d < ndim; ++d)
        chunk[d] = dims[d];
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), space = H5Screate_simple(ndim, dims, NULL);
    hid_t dset = H5I_INVALID_HID;
    if (dcpl >= 0 && space >= 0 && H5Pset_chunk(dcpl, ndim, chunk) >= 0 &&
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) >= 0)
        dset = H5Dcreate2(file, path, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    plist_close(&dcpl);
    space_close(&space);
    return dset;
}

/* Write frames [begin, end) of the dataset in batches; every rank takes
 * part in steps collective writes. frames holds batch identical frames. */
static tes_status write_frames(hid_t dset, hid_t dxpl, const hsize_t *dims, size_t begin,
                               size_t end, size_t batch, size_t steps, const uint16_t *frames) {
    for (size_t k = 0; k < steps; ++k) {
        size_t first = begin + k * batch;
        size_t n = first < end ? (end - first < batch ? end - first : batch) : 0;
        TES_CALL(write_block(dset, H5T_NATIVE_UINT16, dxpl, 3, dims, n ? first : 0, n, frames));
    }
    return TES_OK;
}

/* Collective: the Data Exchange file. */
static tes_status generate_scan(const io_plan *plan, MPI_Comm comm) {
    tes_status st = TES_OK;
    hid_t fapl = H5I_INVALID_HID, dxpl = H5I_INVALID_HID, file = H5I_INVALID_HID;
    hid_t group = H5I_INVALID_HID, data = H5I_INVALID_HID, white = H5I_INVALID_HID;
    hid_t dark = H5I_INVALID_HID, theta = H5I_INVALID_HID;
    size_t frame_elems = (size_t)TES_BENCH_IO_ROWS * TES_BENCH_IO_COLS;
    size_t begin, end, most = (plan->views + (size_t)plan->nranks - 1) / (size_t)plan->nranks;
    share(plan->views, plan->rank, plan->nranks, &begin, &end);
    size_t batch = TES_BENCH_IO_BATCH_BYTES / (frame_elems * sizeof(uint16_t));
    batch = batch < 1 ? 1 : batch;
    batch = batch < most ? batch : most;
    batch = batch > TES_BENCH_IO_FLATS ? batch : TES_BENCH_IO_FLATS;
    batch = batch > TES_BENCH_IO_DARKS ? batch : TES_BENCH_IO_DARKS;
    size_t steps = (most + batch - 1) / batch;
    uint16_t *frames = malloc(batch * frame_elems * sizeof *frames);
    float *angles = malloc(plan->views * sizeof *angles);
    if (!frames || !angles) {
        st = tes_error_set(TES_ERR_ALLOC, __FILE__, __LINE__, __func__,
                           "cannot allocate %zu frames of %d x %d", batch, TES_BENCH_IO_ROWS,
                           TES_BENCH_IO_COLS);
        goto agree;
    }
    for (size_t r = 0; r < TES_BENCH_IO_ROWS; ++r)
        for (size_t c = 0; c < TES_BENCH_IO_COLS; ++c)
            frames[r * TES_BENCH_IO_COLS + c] =
                (uint16_t)(TES_BENCH_IO_COUNT_BASE + (r + c) % TES_BENCH_IO_COUNT_SPAN);
    for (size_t f = 1; f < batch; ++f)
        memcpy(frames + f * frame_elems, frames, frame_elems * sizeof *frames);
    for (size_t v = 0; v < plan->views; ++v)
        angles[v] = (float)(TES_BENCH_IO_ANGLE_RANGE_DEG * (double)v / (double)plan->views);
agree:
    TES_CALL_GOTO(st, tes_status_agree(comm, st), done);

    hsize_t dims[3] = {plan->views, TES_BENCH_IO_ROWS, TES_BENCH_IO_COLS};
    hsize_t flat_dims[3] = {TES_BENCH_IO_FLATS, TES_BENCH_IO_ROWS, TES_BENCH_IO_COLS};
    hsize_t dark_dims[3] = {TES_BENCH_IO_DARKS, TES_BENCH_IO_ROWS, TES_BENCH_IO_COLS};
    hsize_t theta_dims[1] = {plan->views};
    int root = plan->rank == 0;
    IO_H5(st, fapl = H5Pcreate(H5P_FILE_ACCESS), done, "cannot create an access list");
    IO_H5(st, tes_h5_set_fapl_mpio(fapl, comm), done, "cannot select MPI-IO");
    IO_H5(st, dxpl = H5Pcreate(H5P_DATASET_XFER), done, "cannot create a transfer list");
    IO_H5(st, H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE), done, "cannot ask for collective IO");
    IO_H5(st, file = H5Fcreate(plan->scan_file, H5F_ACC_TRUNC, H5P_DEFAULT, fapl), done,
          "cannot create '%s'", plan->scan_file);
    IO_H5(st, group = H5Gcreate2(file, "/exchange", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), done,
          "cannot create /exchange in '%s'", plan->scan_file);
    IO_H5(st, data = create_dataset(file, "/exchange/data", H5T_STD_U16LE, 3, dims), done,
          "cannot create /exchange/data in '%s'", plan->scan_file);
    IO_H5(st, white = create_dataset(file, "/exchange/data_white", H5T_STD_U16LE, 3, flat_dims),
          done, "cannot create /exchange/data_white in '%s'", plan->scan_file);
    IO_H5(st, dark = create_dataset(file, "/exchange/data_dark", H5T_STD_U16LE, 3, dark_dims), done,
          "cannot create /exchange/data_dark in '%s'", plan->scan_file);
    IO_H5(st, theta = create_dataset(file, "/exchange/theta", H5T_IEEE_F32LE, 1, theta_dims), done,
          "cannot create /exchange/theta in '%s'", plan->scan_file);
    TES_CALL_GOTO(st, write_frames(data, dxpl, dims, begin, end, batch, steps, frames), done);
    TES_CALL_GOTO(
        st,
        write_frames(white, dxpl, flat_dims, 0, root ? TES_BENCH_IO_FLATS : 0, batch, 1, frames),
        done);
    TES_CALL_GOTO(
        st, write_frames(dark, dxpl, dark_dims, 0, root ? TES_BENCH_IO_DARKS : 0, batch, 1, frames),
        done);
    TES_CALL_GOTO(st,
                  write_block(theta, H5T_NATIVE_FLOAT, dxpl, 1, theta_dims, 0,
                              root ? plan->views : 0, angles),
                  done);
done:
    h5_close(&theta);
    h5_close(&dark);
    h5_close(&white);
    h5_close(&data);
    h5_close(&group);
    if (file >= 0 && H5Fclose(file) < 0 && st == TES_OK)
        st = tes_error_set(TES_ERR_IO, __FILE__, __LINE__, __func__, "cannot close '%s'",
                           plan->scan_file);
    plist_close(&dxpl);
    plist_close(&fapl);
    free(angles);
    free(frames);
    return st;
}

/* Flush file and drop its cached pages, once per node. Collective; 1 when
 * that worked on every node (not on tmpfs, whose pages are the file). */
static int drop_cache(const char *file, MPI_Comm comm) {
    MPI_Comm node;
    int local = 0, dropped = 1, all = 0;
    MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_rank(node, &local);
    if (local == 0) {
        struct statfs fs;
        int fd = open(file, O_RDONLY);
        dropped = fd >= 0 && fstatfs(fd, &fs) == 0 && fs.f_type != TMPFS_MAGIC &&
                  fdatasync(fd) == 0 && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
        if (fd >= 0)
            close(fd);
    }
    MPI_Comm_free(&node);
    MPI_Allreduce(&dropped, &all, 1, MPI_INT, MPI_MIN, comm);
    return all;
}

/* The slowest rank's seconds since t0. */
static double slowest(double t0, MPI_Comm comm) {
    double mine = tes_time_now() - t0, most = 0.0;
    MPI_Allreduce(&mine, &most, 1, MPI_DOUBLE, MPI_MAX, comm);
    return most;
}

/* One repeat of the read: open, read this rank's views, close. */
static tes_status time_read(const io_plan *plan, MPI_Comm comm, double *seconds, int *dropped) {
    tes_scan *s = NULL;
    tes_array *views = NULL;
    tes_status st = TES_OK;
    *dropped = drop_cache(plan->scan_file, comm);
    TES_CALL(tes_scan_open(&s, plan->scan_file, NULL, comm));
    size_t begin, end;
    share(s->nviews, plan->rank, plan->nranks, &begin, &end);
    MPI_Barrier(comm);
    double t0 = tes_time_now();
    st = tes_scan_read_projections(s, begin, end, 0, s->nrows, &views);
    *seconds = slowest(t0, comm);
    TES_CALL_GOTO(st, tes_status_agree(comm, st), done);
    if (!s->last_collective)
        tes_log_rank_msg(TES_LOG_WARN, "bench io: the read was not collective (%s)",
                         s->last_io_mode);
done:
    tes_array_destroy(&views);
    tes_scan_close(&s);
    return st;
}

/* One repeat of the write: this rank's slab of the volume. */
static tes_status time_write(const io_plan *plan, MPI_Comm comm, const tes_array *slab,
                             size_t offset, double *seconds) {
    tes_h5_name name;
    tes_h5_write_options opt = {1, NULL, NULL, 0, NULL, 0};
    snprintf(name.file, sizeof name.file, "%s", plan->volume_file);
    snprintf(name.dataset, sizeof name.dataset, "%s", TES_H5_VOLUME_DATASET);
    MPI_Barrier(comm);
    double t0 = tes_time_now();
    tes_status st = tes_h5_write(comm, &name, plan->slices, offset, slab, &opt, NULL);
    *seconds = slowest(t0, comm);
    TES_CALL(tes_status_agree(comm, st));
    return TES_OK;
}

static tes_status print_result(const io_plan *plan, const char *op, double bytes, double *times,
                               const char *cache) {
    double med = tes_bench_median(times, plan->repeats), gbps = bytes / med / TES_BENCH_IO_GIGA;
    if (plan->rank != 0)
        return TES_OK;
    json_t *o = json_pack("{s:s, s:s, s:i, s:I, s:f, s:f, s:s, s:s}", "bench", "io", "op", op,
                          "ranks", plan->nranks, "bytes", (json_int_t)bytes, "seconds_median", med,
                          "gbps", gbps, "io_module", plan->io_module, "cache", cache);
    TES_CALL(tes_bench_print_line(o, 0, 1));
    tes_log(TES_LOG_INFO, "bench io: %s %.3g GB on %d rank(s): median %.4f s, %.3f GB/s", op,
            bytes / TES_BENCH_IO_GIGA, plan->nranks, med, gbps);
    return TES_OK;
}

static tes_status bench_read(const io_plan *plan, MPI_Comm comm, double *times) {
    int all_dropped = 1;
    for (size_t r = 0; r < plan->repeats; ++r) {
        int dropped = 0;
        TES_CALL(time_read(plan, comm, &times[r], &dropped));
        all_dropped = all_dropped && dropped;
    }
    double bytes = (double)plan->views * TES_BENCH_IO_ROWS * TES_BENCH_IO_COLS * sizeof(uint16_t);
    return print_result(plan, "read", bytes, times, all_dropped ? "dropped" : "warm");
}

static tes_status bench_write(const io_plan *plan, MPI_Comm comm, double *times) {
    size_t begin, end;
    share(plan->slices, plan->rank, plan->nranks, &begin, &end);
    size_t shape[3] = {end - begin, TES_BENCH_IO_ROWS, TES_BENCH_IO_COLS};
    tes_array *slab = NULL;
    tes_status st = tes_array_create(&slab, TES_FLOAT32, TES_HOST, 3, shape);
    TES_CALL(tes_status_agree(comm, st));
    float *v = slab->data;
    for (size_t i = 0, n = tes_array_count(slab); i < n; ++i)
        v[i] = TES_BENCH_IO_VOXEL_VALUE;
    for (size_t r = 0; r < plan->repeats && st == TES_OK; ++r)
        TES_CALL_GOTO(st, time_write(plan, comm, slab, begin, &times[r]), done);
    double bytes = (double)plan->slices * TES_BENCH_IO_ROWS * TES_BENCH_IO_COLS * sizeof(float);
    st = print_result(plan, "write", bytes, times, "warm");
done:
    tes_array_destroy(&slab);
    return st;
}

/* Rank 0 removes the files and the directory. */
static void remove_files(const io_plan *plan, MPI_Comm comm) {
    MPI_Barrier(comm);
    if (plan->rank != 0 || plan->keep)
        return;
    unlink(plan->scan_file);
    unlink(plan->volume_file);
    if (rmdir(plan->dir) != 0)
        tes_log(TES_LOG_WARN, "bench io: cannot remove '%s': %s", plan->dir, strerror(errno));
}

tes_status tes_cli_bench_io(const tes_cli_args *args, MPI_Comm comm) {
    io_plan plan;
    memset(&plan, 0, sizeof plan);
    TES_CALL(read_plan(args, comm, &plan));
    double *times = malloc(plan.repeats * sizeof *times);
    tes_status st =
        tes_status_agree(comm, times ? TES_OK
                                     : tes_error_set(TES_ERR_ALLOC, __FILE__, __LINE__, __func__,
                                                     "cannot allocate %zu timings", plan.repeats));
    if (st != TES_OK) {
        free(times);
        return st;
    }
    TES_CALL_GOTO(st, make_dir(args, comm, &plan), out);
    tes_log(TES_LOG_INFO,
            "bench io on %d rank(s), io module %s: scan of %zu views of %d x %d uint16, volume "
            "of %zu slices of %d x %d float32, in '%s'",
            plan.nranks, plan.io_module, plan.views, TES_BENCH_IO_ROWS, TES_BENCH_IO_COLS,
            plan.slices, TES_BENCH_IO_ROWS, TES_BENCH_IO_COLS, plan.dir);
    TES_CALL_GOTO(st, generate_scan(&plan, comm), done);
    TES_CALL_GOTO(st, bench_read(&plan, comm, times), done);
    TES_CALL_GOTO(st, bench_write(&plan, comm, times), done);
done:
    remove_files(&plan, comm);
out:
    free(times);
    return st;
}
