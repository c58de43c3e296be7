#include "io/h5array.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/agree.h"
#include "core/check.h"
#include "core/log.h"
#include "io/mpio.h"

/* Target size of one chunk of a written dataset: large enough for fast
 * parallel-file-system IO, far below HDF5's 4 GiB chunk limit. */
#define TES_H5_CHUNK_TARGET_BYTES ((size_t)64 << 20)
/* Largest transfer of one rank in one H5Dread/H5Dwrite: MPI-IO counts are
 * int, so bigger blocks go in pieces. */
#define TES_H5_TRANSFER_MAX_BYTES ((size_t)1 << 30)
/* Permissions of a new output, before the umask (as fopen would). */
#define TES_H5_FILE_MODE 0666
enum {
    TES_H5_TEMP_ATTEMPTS = 100,  /* distinct temporary names tried */
    TES_H5_MESSAGE_BYTES = 512,  /* HDF5's own error message */
    TES_H5_LISTED_MEMBERS = 8,   /* members named when a dataset is missing */
    TES_H5_MEMBER_BYTES = 256,   /* longest member name listed */
    TES_H5_MEMBERS_BYTES = 1024, /* the whole list */
    TES_H5_LAYOUT_WORDS = 3 + TES_MAX_DIMS,
};

/* ---- errors ------------------------------------------------------------- */

/* HDF5 prints its error stack itself unless told not to; tessera reports
 * the innermost message in its own error instead. */
static void h5_quiet(void) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static herr_t innermost_message(unsigned n, const H5E_error2_t *err, void *data) {
    if (n == 0 && err->desc)
        snprintf((char *)data, TES_H5_MESSAGE_BYTES, "%s", err->desc);
    return 0;
}

/* Record an HDF5 failure: what tessera tried, then HDF5's innermost reason. */
static tes_status h5_error(const char *file, int line, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static tes_status h5_error(const char *file, int line, const char *func, const char *fmt, ...) {
    char what[TES_H5_PATH_BYTES + 256], why[TES_H5_MESSAGE_BYTES] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_message, why);
    H5Eclear2(H5E_DEFAULT);
    if (why[0])
        return tes_error_set(TES_ERR_IO, file, line, func, "%s (HDF5: %s)", what, why);
    return tes_error_set(TES_ERR_IO, file, line, func, "%s", what);
}

/* An HDF5 call (negative herr_t / hid_t on failure) inside a function that
 * must release handles: record the error in st and jump to label. */
#define H5_CALL_GOTO(st, expr, label, ...)                                                         \
    do {                                                                                           \
        if ((long long)(expr) < 0) {                                                               \
            (st) = h5_error(__FILE__, __LINE__, __func__, __VA_ARGS__);                            \
            goto label;                                                                            \
        }                                                                                          \
    } while (0)

/* Close an HDF5 handle of any kind if it is open, and forget it. */
static void h5_close(hid_t *id) {
    if (*id < 0)
        return;
    switch (H5Iget_type(*id)) {
    case H5I_FILE:
        H5Fclose(*id);
        break;
    case H5I_DATASET:
        H5Dclose(*id);
        break;
    case H5I_GROUP:
        H5Gclose(*id);
        break;
    case H5I_DATASPACE:
        H5Sclose(*id);
        break;
    case H5I_DATATYPE:
        H5Tclose(*id);
        break;
    case H5I_ATTR:
        H5Aclose(*id);
        break;
    case H5I_GENPROP_LST:
        H5Pclose(*id);
        break;
    default:
        H5Idec_ref(*id);
        break;
    }
    *id = H5I_INVALID_HID;
}

/* ---- names --------------------------------------------------------------- */

tes_status tes_h5_name_parse(const char *text, const char *default_dataset, const char *option,
                             tes_h5_name *out) {
    TES_CHECK(out && default_dataset && option, TES_ERR_ARG, "tes_h5_name_parse: NULL argument");
    TES_CHECK(text && text[0], TES_ERR_ARG, "%s: expected FILE or FILE:/dataset, got nothing",
              option);
    const char *split = strstr(text, ":/");
    size_t file_len = split ? (size_t)(split - text) : strlen(text);
    const char *dataset = split ? split + 1 : default_dataset;
    TES_CHECK(file_len > 0, TES_ERR_ARG,
              "%s: no file name in '%s' (expected FILE or FILE:/dataset)", option, text);
    TES_CHECK(file_len < sizeof out->file && strlen(dataset) < sizeof out->dataset, TES_ERR_ARG,
              "%s: '%s' is too long", option, text);
    size_t ds_len = strlen(dataset);
    TES_CHECK(dataset[0] == '/' && ds_len > 1 && dataset[ds_len - 1] != '/', TES_ERR_ARG,
              "%s: '%s' does not name a dataset (expected FILE:/path/to/dataset)", option, text);
    memcpy(out->file, text, file_len);
    out->file[file_len] = '\0';
    memcpy(out->dataset, dataset, ds_len + 1);
    return TES_OK;
}

/* ---- the output file: checks, temporary name, rename ---------------------- */

static void split_path(const char *path, char *dir, size_t dir_len, const char **base) {
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, dir_len, ".");
        *base = path;
    } else if (slash == path) {
        snprintf(dir, dir_len, "/");
        *base = slash + 1;
    } else {
        snprintf(dir, dir_len, "%.*s", (int)(slash - path), path);
        *base = slash + 1;
    }
}

static const char *force_text(const tes_h5_write_options *opt) {
    return opt && opt->force_hint ? opt->force_hint : "the overwrite option";
}

/* Create an empty file with a fresh name next to file (same directory, so
 * that the final rename is atomic). */
static tes_status temp_create(const char *file, const char *dir, const char *base, char *temp,
                              size_t temp_len) {
    for (int attempt = 0; attempt < TES_H5_TEMP_ATTEMPTS; ++attempt) {
        int n = snprintf(temp, temp_len, "%s/.%s.tessera-%ld-%d.tmp", dir, base, (long)getpid(),
                         attempt);
        TES_CHECK(n > 0 && (size_t)n < temp_len, TES_ERR_INPUT,
                  "cannot write '%s': the path is too long", file);
        int fd = open(temp, O_WRONLY | O_CREAT | O_EXCL, TES_H5_FILE_MODE);
        if (fd >= 0) {
            close(fd);
            return TES_OK;
        }
        TES_CHECK(errno == EEXIST, TES_ERR_INPUT,
                  "cannot write '%s': cannot create a file in directory '%s' (%s)", file, dir,
                  strerror(errno));
    }
    TES_FAIL(TES_ERR_IO, "cannot write '%s': no free temporary name in '%s' after %d attempts",
             file, dir, TES_H5_TEMP_ATTEMPTS);
}

/* On one rank: may file be written? On success *temp is an empty new file
 * in the same directory (the caller removes or renames it). */
static tes_status output_prepare_local(const char *file, const tes_h5_write_options *opt,
                                       char *temp, size_t temp_len) {
    struct stat sb;
    if (stat(file, &sb) == 0) {
        TES_CHECK(!S_ISDIR(sb.st_mode), TES_ERR_INPUT, "output '%s' is a directory, not a file",
                  file);
        TES_CHECK(opt && opt->overwrite, TES_ERR_INPUT,
                  "output '%s' already exists and was left untouched (use %s to replace it)", file,
                  force_text(opt));
    } else {
        TES_CHECK(errno == ENOENT, TES_ERR_INPUT, "cannot write '%s': %s", file, strerror(errno));
    }
    char dir[TES_H5_PATH_BYTES];
    const char *base = NULL;
    split_path(file, dir, sizeof dir, &base);
    TES_CHECK(base[0], TES_ERR_INPUT, "output '%s' names a directory, not a file", file);
    if (stat(dir, &sb) != 0)
        TES_FAIL(TES_ERR_INPUT, "cannot write '%s': directory '%s' %s", file, dir,
                 errno == ENOENT ? "does not exist" : strerror(errno));
    TES_CHECK(S_ISDIR(sb.st_mode), TES_ERR_INPUT, "cannot write '%s': '%s' is not a directory",
              file, dir);
    TES_CALL(temp_create(file, dir, base, temp, temp_len));
    return TES_OK;
}

tes_status tes_h5_check_output(MPI_Comm comm, const char *file, const tes_h5_write_options *opt) {
    int rank = 0;
    TES_MPI_CALL(MPI_Comm_rank(comm, &rank));
    tes_status st = TES_OK;
    if (rank == 0) {
        char temp[TES_H5_PATH_BYTES];
        st = file ? output_prepare_local(file, opt, temp, sizeof temp)
                  : tes_error_set(TES_ERR_ARG, __FILE__, __LINE__, __func__, "no output file");
        if (st == TES_OK)
            unlink(temp);
    }
    TES_CALL(tes_status_agree(comm, st));
    return TES_OK;
}

/* Collective: check the output on rank 0 and share the temporary name. */
static tes_status output_prepare(MPI_Comm comm, const char *file, const tes_h5_write_options *opt,
                                 char *temp, size_t temp_len) {
    int rank = 0;
    TES_MPI_CALL(MPI_Comm_rank(comm, &rank));
    tes_status st = TES_OK;
    if (rank == 0)
        st = output_prepare_local(file, opt, temp, temp_len);
    TES_CALL(tes_status_agree(comm, st));
    TES_MPI_CALL(MPI_Bcast(temp, (int)temp_len, MPI_CHAR, 0, comm));
    return TES_OK;
}

/* Collective, after every rank closed the temporary file: rank 0 renames
 * it onto the output (or removes it when the write failed). */
static tes_status output_finish(MPI_Comm comm, const char *file, const char *temp,
                                const tes_h5_write_options *opt, tes_status write_st) {
    int rank = 0;
    TES_MPI_CALL(MPI_Comm_rank(comm, &rank));
    TES_MPI_CALL(MPI_Barrier(comm));
    tes_status st = write_st;
    if (rank == 0 && st == TES_OK) {
        struct stat sb;
        if (!(opt && opt->overwrite) && stat(file, &sb) == 0)
            st = tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                               "output '%s' appeared while it was being written and was left "
                               "untouched (use %s to replace it)",
                               file, force_text(opt));
        else if (rename(temp, file) != 0)
            st = tes_error_set(TES_ERR_IO, __FILE__, __LINE__, __func__,
                               "cannot rename the finished '%s' to '%s': %s", temp, file,
                               strerror(errno));
    }
    if (rank == 0 && st != TES_OK)
        unlink(temp);
    TES_CALL(tes_status_agree(comm, st));
    return TES_OK;
}

/* ---- layouts of the ranks' blocks ---------------------------------------- */

/* One rank's block, as exchanged: offset, rows, ndim, then the dimensions. */
typedef unsigned long long block_layout[TES_H5_LAYOUT_WORDS];

static size_t gcd(size_t a, size_t b) {
    while (b) {
        size_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static int compare_offsets(const void *a, const void *b) {
    const unsigned long long *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

/* Every rank holds the same layouts, so every rank reaches the same verdict. */
static tes_status check_tiling(block_layout *all, int nranks, size_t global_rows) {
    const unsigned long long *first = all[0];
    for (int r = 1; r < nranks; ++r) {
        TES_CHECK(all[r][2] == first[2], TES_ERR_SHAPE,
                  "the ranks' blocks differ in dimensions: rank 0 has %llu, rank %d has %llu",
                  first[2], r, all[r][2]);
        for (unsigned long long d = 1; d < first[2]; ++d)
            TES_CHECK(all[r][3 + d] == first[3 + d], TES_ERR_SHAPE,
                      "the ranks' blocks differ along axis %llu: rank 0 has %llu, rank %d has "
                      "%llu",
                      d, first[3 + d], r, all[r][3 + d]);
    }
    qsort(all, (size_t)nranks, sizeof *all, compare_offsets);
    unsigned long long next = 0;
    for (int r = 0; r < nranks; ++r) {
        if (all[r][1] == 0)
            continue;
        TES_CHECK(all[r][0] == next, TES_ERR_SHAPE,
                  "the ranks' blocks do not tile axis 0: a block starts at row %llu, where row "
                  "%llu was expected",
                  all[r][0], next);
        next += all[r][1];
    }
    TES_CHECK(next == global_rows, TES_ERR_SHAPE,
              "the ranks' blocks cover %llu rows of axis 0, the array has %zu", next, global_rows);
    return TES_OK;
}

/* Chunks of whole rows of axis 0, aligned with every rank's block (so no
 * two ranks share a chunk), as many rows as fit the target size. Rows
 * larger than the target are split along the next axes. */
static void choose_chunk(block_layout *all, int nranks, int ndim, const hsize_t *dims,
                         hsize_t *chunk) {
    size_t align = (size_t)dims[0];
    for (int r = 0; r < nranks; ++r)
        if (all[r][1] > 0)
            align = gcd(gcd(align, (size_t)all[r][0]), (size_t)all[r][1]);
    size_t row_bytes = sizeof(float);
    for (int d = 1; d < ndim; ++d)
        row_bytes *= (size_t)dims[d];
    size_t rows_max = TES_H5_CHUNK_TARGET_BYTES / row_bytes;
    size_t rows = align < rows_max ? align : rows_max;
    while (rows > 1 && align % rows)
        --rows;
    chunk[0] = rows > 0 ? rows : 1;
    size_t bytes = (size_t)chunk[0] * row_bytes;
    for (int d = 1; d < ndim; ++d) {
        chunk[d] = dims[d];
        if (bytes > TES_H5_CHUNK_TARGET_BYTES) {
            size_t inner = bytes / (size_t)dims[d];
            size_t keep = TES_H5_CHUNK_TARGET_BYTES / inner;
            chunk[d] = keep > 0 ? keep : 1;
            bytes = inner * (size_t)chunk[d];
        }
    }
}

/* ---- IO modes -------------------------------------------------------------- */

static void report_begin(tes_h5_io_report *report) {
    report->collective = 1;
    snprintf(report->mode, sizeof report->mode, "none");
}

/* Fold the mode of the transfer just done into report; a fallback to
 * independent IO is worth a warning (it is slow at scale). */
static void report_transfer(tes_h5_io_report *report, hid_t dxpl, const char *what,
                            const tes_h5_name *name) {
    H5D_mpio_actual_io_mode_t mode = H5D_MPIO_NO_COLLECTIVE;
    if (H5Pget_mpio_actual_io_mode(dxpl, &mode) < 0) {
        H5Eclear2(H5E_DEFAULT);
        return;
    }
    int collective = mode == H5D_MPIO_CHUNK_COLLECTIVE || mode == H5D_MPIO_CONTIGUOUS_COLLECTIVE;
    if (report->collective && (!collective || !strcmp(report->mode, "none")))
        snprintf(report->mode, sizeof report->mode, "%s", tes_h5_io_mode_name(mode));
    if (!collective && report->collective) {
        uint32_t local_cause = 0, global_cause = 0;
        H5Pget_mpio_no_collective_cause(dxpl, &local_cause, &global_cause);
        tes_log_rank_msg(TES_LOG_WARN,
                         "%s of %s:%s was not collective (%s; HDF5 causes 0x%x local, 0x%x "
                         "global)",
                         what, name->file, name->dataset, tes_h5_io_mode_name(mode),
                         (unsigned)local_cause, (unsigned)global_cause);
        report->collective = 0;
    }
}

/* Rows of the piece that starts at row begin: rows_per_piece, fewer for
 * the last piece, none past the end (a rank with fewer pieces than the
 * others joins theirs with an empty selection). */
static size_t piece_rows(size_t begin, size_t rows_per_piece, size_t rows) {
    if (begin >= rows)
        return 0;
    return rows - begin < rows_per_piece ? rows - begin : rows_per_piece;
}

/* Number of pieces of at most TES_H5_TRANSFER_MAX_BYTES for rows rows of
 * row_bytes, and the most any rank needs (every rank joins every piece). */
static tes_status count_pieces(MPI_Comm comm, size_t rows, size_t row_bytes, size_t *rows_per_piece,
                               unsigned long long *pieces) {
    size_t per = row_bytes > 0 ? TES_H5_TRANSFER_MAX_BYTES / row_bytes : rows;
    *rows_per_piece = per > 0 ? per : 1;
    unsigned long long mine = (rows + *rows_per_piece - 1) / *rows_per_piece;
    TES_MPI_CALL(MPI_Allreduce(&mine, pieces, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, comm));
    return TES_OK;
}

/* ---- writing --------------------------------------------------------------- */

static tes_status write_attrs(hid_t dset, const tes_h5_write_options *opt) {
    tes_status st = TES_OK;
    hid_t str_type = H5I_INVALID_HID, scalar = H5I_INVALID_HID, attr = H5I_INVALID_HID;
    if (!opt || opt->nattrs == 0)
        return TES_OK;
    H5_CALL_GOTO(st, str_type = H5Tcopy(H5T_C_S1), done, "cannot make a string type");
    H5_CALL_GOTO(st, H5Tset_size(str_type, H5T_VARIABLE), done, "cannot make a string type");
    H5_CALL_GOTO(st, H5Tset_cset(str_type, H5T_CSET_UTF8), done, "cannot make a string type");
    H5_CALL_GOTO(st, scalar = H5Screate(H5S_SCALAR), done, "cannot make a scalar space");
    for (size_t i = 0; i < opt->nattrs; ++i) {
        const tes_h5_attr *a = &opt->attrs[i];
        hid_t file_type = a->text ? str_type : H5T_IEEE_F64LE;
        hid_t mem_type = a->text ? str_type : H5T_NATIVE_DOUBLE;
        const void *value = a->text ? (const void *)&a->text : (const void *)&a->value;
        H5_CALL_GOTO(st,
                     attr = H5Acreate2(dset, a->name, file_type, scalar, H5P_DEFAULT, H5P_DEFAULT),
                     done, "cannot create attribute '%s'", a->name);
        H5_CALL_GOTO(st, H5Awrite(attr, mem_type, value), done, "cannot write attribute '%s'",
                     a->name);
        h5_close(&attr);
    }
done:
    h5_close(&attr);
    h5_close(&scalar);
    h5_close(&str_type);
    return st;
}

tes_status tes_h5_path_beside(const char *dataset, const char *name, char *out, size_t len) {
    const char *slash = strrchr(dataset, '/');
    int dirlen = slash ? (int)(slash - dataset) : 0;
    int n = snprintf(out, len, "%.*s/%s", dirlen, dataset, name);
    TES_CHECK(n > 0 && (size_t)n < len, TES_ERR_ARG, "the path of '%s' beside %s is too long",
              name, dataset);
    return TES_OK;
}

/* opt's vectors beside the dataset: rank 0 writes the values, the others
 * join the collective calls with nothing selected. */
static tes_status write_vectors(MPI_Comm comm, hid_t file, hid_t lcpl, const tes_h5_name *name,
                                const tes_h5_write_options *opt) {
    if (!opt || opt->nvectors == 0)
        return TES_OK;
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    tes_status st = TES_OK;
    hid_t space = H5I_INVALID_HID, mem = H5I_INVALID_HID, dset = H5I_INVALID_HID;
    hid_t dxpl = H5I_INVALID_HID;
    H5_CALL_GOTO(st, dxpl = H5Pcreate(H5P_DATASET_XFER), done, "cannot create a transfer list");
    H5_CALL_GOTO(st, H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE), done,
                 "cannot ask for collective IO");
    for (size_t i = 0; i < opt->nvectors; ++i) {
        const tes_h5_vector *v = &opt->vectors[i];
        char path[TES_H5_PATH_BYTES];
        TES_CALL_GOTO(st, tes_h5_path_beside(name->dataset, v->name, path, sizeof path), done);
        TES_CHECK_GOTO(st, v->n > 0, TES_ERR_ARG, done, "the dataset %s beside %s is empty",
                       v->name, name->dataset);
        hsize_t n = v->n;
        H5_CALL_GOTO(st, space = H5Screate_simple(1, &n, NULL), done, "cannot make a space");
        H5_CALL_GOTO(st, mem = H5Screate_simple(1, &n, NULL), done, "cannot make a space");
        if (rank != 0) {
            H5_CALL_GOTO(st, H5Sselect_none(space), done, "cannot select nothing");
            H5_CALL_GOTO(st, H5Sselect_none(mem), done, "cannot select nothing");
        }
        H5_CALL_GOTO(
            st, dset = H5Dcreate2(file, path, H5T_IEEE_F64LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT),
            done, "cannot create dataset '%s' in '%s'", path, name->file);
        H5_CALL_GOTO(st, H5Dwrite(dset, H5T_NATIVE_DOUBLE, mem, space, dxpl, v->values), done,
                     "cannot write dataset '%s' in '%s'", path, name->file);
        if (v->units) {
            const tes_h5_attr units = {"units", v->units, 0.0};
            const tes_h5_write_options one = {0, NULL, &units, 1, NULL, 0};
            TES_CALL_GOTO(st, write_attrs(dset, &one), done);
        }
        h5_close(&dset);
        h5_close(&mem);
        h5_close(&space);
    }
done:
    h5_close(&dset);
    h5_close(&mem);
    h5_close(&space);
    h5_close(&dxpl);
    return st;
}

/* Select rows [begin, begin + rows) of axis 0 (and all of the others) in
 * space, or nothing when rows is 0. */
static herr_t select_rows(hid_t space, int ndim, const hsize_t *dims, size_t begin, size_t rows) {
    if (rows == 0)
        return H5Sselect_none(space);
    hsize_t start[TES_MAX_DIMS] = {0}, count[TES_MAX_DIMS];
    start[0] = begin;
    count[0] = rows;
    for (int d = 1; d < ndim; ++d)
        count[d] = dims[d];
    return H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
}

/* A memory space for rows rows of a block with the given trailing dims;
 * empty selection when rows is 0. */
static hid_t memory_space(int ndim, const hsize_t *dims, size_t rows) {
    hsize_t m[TES_MAX_DIMS];
    m[0] = rows > 0 ? rows : 1;
    for (int d = 1; d < ndim; ++d)
        m[d] = dims[d];
    hid_t space = H5Screate_simple(ndim, m, NULL);
    if (space >= 0 && rows == 0 && H5Sselect_none(space) < 0) {
        H5Sclose(space);
        return H5I_INVALID_HID;
    }
    return space;
}

static tes_status write_rows(MPI_Comm comm, hid_t dset, const tes_h5_name *name, int ndim,
                             const hsize_t *dims, size_t offset, const tes_array *local,
                             tes_h5_io_report *report) {
    tes_status st = TES_OK;
    hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID, dxpl = H5I_INVALID_HID;
    size_t rows = local->shape[0];
    size_t row_elems = rows > 0 ? tes_array_count(local) / rows : 0;
    size_t rows_per_piece = 1;
    unsigned long long pieces = 0;
    TES_CALL(count_pieces(comm, rows, row_elems * sizeof(float), &rows_per_piece, &pieces));

    H5_CALL_GOTO(st, fspace = H5Dget_space(dset), done, "cannot get the space of %s",
                 name->dataset);
    H5_CALL_GOTO(st, dxpl = H5Pcreate(H5P_DATASET_XFER), done, "cannot create a transfer list");
    H5_CALL_GOTO(st, H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE), done,
                 "cannot ask for collective IO");
    for (unsigned long long p = 0; p < pieces; ++p) {
        size_t begin = (size_t)p * rows_per_piece;
        size_t n = piece_rows(begin, rows_per_piece, rows);
        const float *data = (const float *)local->data + (n ? begin * row_elems : 0);
        H5_CALL_GOTO(st, select_rows(fspace, ndim, dims, offset + begin, n), done,
                     "cannot select rows %zu..%zu of %s", offset + begin, offset + begin + n,
                     name->dataset);
        H5_CALL_GOTO(st, mspace = memory_space(ndim, dims, n), done, "cannot make a memory space");
        H5_CALL_GOTO(st, H5Dwrite(dset, H5T_NATIVE_FLOAT, mspace, fspace, dxpl, data), done,
                     "cannot write rows %zu..%zu of %s:%s", offset + begin, offset + begin + n,
                     name->file, name->dataset);
        h5_close(&mspace);
        report_transfer(report, dxpl, "write", name);
    }
done:
    h5_close(&mspace);
    h5_close(&dxpl);
    h5_close(&fspace);
    return st;
}

/* Create temp as an HDF5 file holding one chunked float32 dataset and
 * write every rank's block into it, collectively. */
static tes_status write_file(MPI_Comm comm, const char *temp, const tes_h5_name *name, int ndim,
                             const hsize_t *dims, const hsize_t *chunk, size_t offset,
                             const tes_array *local, const tes_h5_write_options *opt,
                             tes_h5_io_report *report) {
    tes_status st = TES_OK;
    hid_t fapl = H5I_INVALID_HID, file = H5I_INVALID_HID, lcpl = H5I_INVALID_HID;
    hid_t dcpl = H5I_INVALID_HID, space = H5I_INVALID_HID, dset = H5I_INVALID_HID;

    H5_CALL_GOTO(st, fapl = H5Pcreate(H5P_FILE_ACCESS), done, "cannot create an access list");
    H5_CALL_GOTO(st, tes_h5_set_fapl_mpio(fapl, comm), done, "cannot select the MPI-IO driver");
    H5_CALL_GOTO(st, H5Pset_all_coll_metadata_ops(fapl, 1), done,
                 "cannot ask for collective metadata reads");
    H5_CALL_GOTO(st, H5Pset_coll_metadata_write(fapl, 1), done,
                 "cannot ask for collective metadata writes");
    H5_CALL_GOTO(st, file = H5Fcreate(temp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl), done,
                 "cannot create '%s'", temp);

    H5_CALL_GOTO(st, lcpl = H5Pcreate(H5P_LINK_CREATE), done, "cannot create a link list");
    H5_CALL_GOTO(st, H5Pset_create_intermediate_group(lcpl, 1), done,
                 "cannot ask for intermediate groups");
    H5_CALL_GOTO(st, dcpl = H5Pcreate(H5P_DATASET_CREATE), done, "cannot create a dataset list");
    H5_CALL_GOTO(st, H5Pset_chunk(dcpl, ndim, chunk), done, "cannot set the chunk shape");
    /* Every element is written, so filling first would write the file twice. */
    H5_CALL_GOTO(st, H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER), done,
                 "cannot switch off fill values");
    H5_CALL_GOTO(st, space = H5Screate_simple(ndim, dims, NULL), done,
                 "cannot create the dataset's space");
    H5_CALL_GOTO(
        st, dset = H5Dcreate2(file, name->dataset, H5T_IEEE_F32LE, space, lcpl, dcpl, H5P_DEFAULT),
        done, "cannot create dataset '%s' in '%s'", name->dataset, name->file);
    TES_CALL_GOTO(st, write_attrs(dset, opt), done);
    TES_CALL_GOTO(st, write_rows(comm, dset, name, ndim, dims, offset, local, report), done);
    TES_CALL_GOTO(st, write_vectors(comm, file, lcpl, name, opt), done);
done:
    h5_close(&dset);
    h5_close(&space);
    h5_close(&dcpl);
    h5_close(&lcpl);
    h5_close(&fapl);
    if (file >= 0) {
        herr_t closed = H5Fclose(file);
        if (closed < 0 && st == TES_OK)
            st = h5_error(__FILE__, __LINE__, __func__, "cannot close '%s'", temp);
    }
    return st;
}

static tes_status check_local_block(const tes_h5_name *name, size_t global_rows, size_t offset,
                                    const tes_array *local) {
    TES_CHECK(name, TES_ERR_ARG, "no output dataset given");
    TES_CHECK(local, TES_ERR_ARG,
              "no local block given (pass an empty array on a rank that "
              "holds nothing)");
    TES_CALL(tes_array_expect(local, "block to write", TES_FLOAT32, TES_HOST, -1, NULL));
    TES_CHECK(global_rows > 0, TES_ERR_SHAPE, "cannot write an array with 0 rows to %s:%s",
              name->file, name->dataset);
    TES_CHECK(offset <= global_rows && local->shape[0] <= global_rows - offset, TES_ERR_SHAPE,
              "block rows [%zu, %zu) lie outside the array's %zu rows", offset,
              offset + local->shape[0], global_rows);
    for (int d = 1; d < local->ndim; ++d)
        TES_CHECK(local->shape[d] > 0, TES_ERR_SHAPE,
                  "cannot write an array with 0 elements along axis %d", d);
    return TES_OK;
}

tes_status tes_h5_write(MPI_Comm comm, const tes_h5_name *name, size_t global_rows, size_t offset,
                        const tes_array *local, const tes_h5_write_options *opt,
                        tes_h5_io_report *report) {
    h5_quiet();
    int nranks = 1;
    TES_MPI_CALL(MPI_Comm_size(comm, &nranks));
    TES_CALL(tes_status_agree(comm, check_local_block(name, global_rows, offset, local)));

    block_layout mine = {offset, local->shape[0], (unsigned long long)local->ndim};
    for (int d = 0; d < local->ndim; ++d)
        mine[3 + d] = local->shape[d];
    block_layout *all = malloc((size_t)nranks * sizeof *all);
    TES_CALL(tes_status_agree(comm, all ? TES_OK
                                        : tes_error_set(TES_ERR_ALLOC, __FILE__, __LINE__, __func__,
                                                        "cannot allocate %d layouts", nranks)));
    tes_status st = TES_OK;
    int mpi_rc = MPI_Allgather(mine, TES_H5_LAYOUT_WORDS, MPI_UNSIGNED_LONG_LONG, all,
                               TES_H5_LAYOUT_WORDS, MPI_UNSIGNED_LONG_LONG, comm);
    TES_CHECK_GOTO(st, mpi_rc == MPI_SUCCESS, TES_ERR_MPI, done,
                   "[%s] MPI_Allgather of the block layouts failed", tes_where());
    TES_CALL_GOTO(st, check_tiling(all, nranks, global_rows), done);

    int ndim = local->ndim;
    hsize_t dims[TES_MAX_DIMS], chunk[TES_MAX_DIMS];
    dims[0] = global_rows;
    for (int d = 1; d < ndim; ++d)
        dims[d] = local->shape[d];
    choose_chunk(all, nranks, ndim, dims, chunk);

    char temp[TES_H5_PATH_BYTES];
    TES_CALL_GOTO(st, output_prepare(comm, name->file, opt, temp, sizeof temp), done);
    tes_h5_io_report own;
    report_begin(report ? report : &own);
    st =
        write_file(comm, temp, name, ndim, dims, chunk, offset, local, opt, report ? report : &own);
    st = tes_status_agree(comm, st);
    /* Renames the finished file, or removes it after a failure. */
    TES_CALL_GOTO(st, output_finish(comm, name->file, temp, opt, st), done);
done:
    free(all);
    return st;
}

/* ---- opening a dataset for reading ------------------------------------------ */

/* How a dataset's elements are stored; each is read as stored and
 * converted in memory. */
typedef enum element_kind {
    ELEM_F32,
    ELEM_F64,
    ELEM_I8,
    ELEM_U8,
    ELEM_I16,
    ELEM_U16,
    ELEM_I32,
    ELEM_U32,
    ELEM_I64,
    ELEM_U64,
    ELEM_KIND_COUNT
} element_kind;

static const char *const element_names[ELEM_KIND_COUNT] = {
    "float32", "float64", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"};
static const size_t element_sizes[ELEM_KIND_COUNT] = {4, 8, 1, 1, 2, 2, 4, 4, 8, 8};

static hid_t element_memory_type(element_kind k) {
    switch (k) {
    case ELEM_F32:
        return H5T_NATIVE_FLOAT;
    case ELEM_F64:
        return H5T_NATIVE_DOUBLE;
    case ELEM_I8:
        return H5T_NATIVE_INT8;
    case ELEM_U8:
        return H5T_NATIVE_UINT8;
    case ELEM_I16:
        return H5T_NATIVE_INT16;
    case ELEM_U16:
        return H5T_NATIVE_UINT16;
    case ELEM_I32:
        return H5T_NATIVE_INT32;
    case ELEM_U32:
        return H5T_NATIVE_UINT32;
    case ELEM_I64:
        return H5T_NATIVE_INT64;
    default:
        return H5T_NATIVE_UINT64;
    }
}

static const char *type_class_name(H5T_class_t c) {
    switch (c) {
    case H5T_STRING:
        return "string";
    case H5T_COMPOUND:
        return "compound";
    case H5T_ENUM:
        return "enum";
    case H5T_ARRAY:
        return "array";
    case H5T_VLEN:
        return "variable-length";
    case H5T_OPAQUE:
        return "opaque";
    case H5T_REFERENCE:
        return "reference";
    case H5T_BITFIELD:
        return "bitfield";
    case H5T_TIME:
        return "time";
    default:
        return "non-numeric";
    }
}

static tes_status classify_type(hid_t type, const tes_h5_name *name, element_kind *kind) {
    H5T_class_t cls = H5Tget_class(type);
    size_t size = H5Tget_size(type);
    if (cls == H5T_FLOAT && (size == 4 || size == 8)) {
        *kind = size == 4 ? ELEM_F32 : ELEM_F64;
        return TES_OK;
    }
    if (cls == H5T_INTEGER && (size == 1 || size == 2 || size == 4 || size == 8)) {
        int is_signed = H5Tget_sign(type) == H5T_SGN_2;
        int log2size = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
        *kind = (element_kind)(ELEM_I8 + 2 * log2size + !is_signed);
        return TES_OK;
    }
    if (cls == H5T_FLOAT || cls == H5T_INTEGER)
        TES_FAIL(TES_ERR_INPUT,
                 "%s:%s holds %zu-byte %s values, which tessera cannot read as float32", name->file,
                 name->dataset, size, cls == H5T_FLOAT ? "floating-point" : "integer");
    TES_FAIL(TES_ERR_INPUT,
             "%s:%s holds %s values, which cannot be read as float32 (expected a numeric "
             "dataset)",
             name->file, name->dataset, type_class_name(cls));
}

/* An open dataset and what reading it needs. */
typedef struct h5_source {
    hid_t fapl, file, dset, space;
    element_kind kind;
    tes_h5_info info;
} h5_source;

static void source_close(h5_source *src) {
    h5_close(&src->space);
    h5_close(&src->dset);
    h5_close(&src->file);
    h5_close(&src->fapl);
}

/* On rank 0, before the collective open: does the file exist and is it HDF5? */
static tes_status check_input_file(const char *file) {
    struct stat sb;
    if (stat(file, &sb) != 0)
        TES_FAIL(TES_ERR_INPUT, "input '%s' %s", file,
                 errno == ENOENT ? "does not exist" : strerror(errno));
    TES_CHECK(!S_ISDIR(sb.st_mode), TES_ERR_INPUT, "input '%s' is a directory, not a file", file);
    TES_CHECK(access(file, R_OK) == 0, TES_ERR_INPUT, "input '%s' cannot be read: %s", file,
              strerror(errno));
    htri_t is_hdf5 = H5Fis_hdf5(file);
    H5Eclear2(H5E_DEFAULT);
    TES_CHECK(is_hdf5 > 0, TES_ERR_INPUT, "input '%s' is not an HDF5 file", file);
    return TES_OK;
}

/* Name up to TES_H5_LISTED_MEMBERS members of group into buf, for a
 * message about something missing there. */
static void list_members(hid_t file, const char *group, char *buf, size_t len) {
    H5G_info_t info;
    buf[0] = '\0';
    if (H5Gget_info_by_name(file, group, &info, H5P_DEFAULT) < 0) {
        H5Eclear2(H5E_DEFAULT);
        return;
    }
    size_t used =
        (size_t)snprintf(buf, len, info.nlinks ? "; '%s' holds:" : "; '%s' is empty", group);
    for (hsize_t i = 0; i < info.nlinks && i < TES_H5_LISTED_MEMBERS && used < len; ++i) {
        char member[TES_H5_MEMBER_BYTES];
        if (H5Lget_name_by_idx(file, group, H5_INDEX_NAME, H5_ITER_INC, i, member, sizeof member,
                               H5P_DEFAULT) < 0)
            break;
        used += (size_t)snprintf(buf + used, len - used, " %s", member);
    }
    if (info.nlinks > TES_H5_LISTED_MEMBERS && used < len)
        snprintf(buf + used, len - used, " ...");
    H5Eclear2(H5E_DEFAULT);
}

/* Check each component of the dataset's path, so the message says which is missing. */
static tes_status check_path(hid_t file, const tes_h5_name *name) {
    char prefix[TES_H5_PATH_BYTES];
    const char *path = name->dataset;
    for (const char *p = path + 1;; ++p) {
        if (*p != '/' && *p != '\0')
            continue;
        size_t len = (size_t)(p - path);
        memcpy(prefix, path, len);
        prefix[len] = '\0';
        htri_t exists = H5Lexists(file, prefix, H5P_DEFAULT);
        H5Eclear2(H5E_DEFAULT);
        if (exists <= 0) {
            char parent[TES_H5_PATH_BYTES], members[TES_H5_MEMBERS_BYTES];
            const char *slash = strrchr(prefix, '/');
            snprintf(parent, sizeof parent, "%.*s", slash == prefix ? 1 : (int)(slash - prefix),
                     prefix);
            list_members(file, parent, members, sizeof members);
            TES_FAIL(TES_ERR_INPUT, "'%s' has no dataset '%s' (no '%s'%s)", name->file, path,
                     prefix, members);
        }
        if (*p == '\0')
            return TES_OK;
    }
}

static tes_status check_dims(hid_t space, const tes_h5_name *name, int ndim, tes_h5_info *info) {
    int n = H5Sget_simple_extent_ndims(space);
    TES_CHECK(n >= 0, TES_ERR_IO, "cannot read the shape of %s:%s", name->file, name->dataset);
    TES_CHECK(n >= 1, TES_ERR_INPUT, "%s:%s is a scalar, expected an array", name->file,
              name->dataset);
    TES_CHECK(n <= TES_MAX_DIMS, TES_ERR_INPUT, "%s:%s has %d dimensions; tessera reads at most %d",
              name->file, name->dataset, n, TES_MAX_DIMS);
    hsize_t dims[TES_MAX_DIMS];
    H5Sget_simple_extent_dims(space, dims, NULL);
    info->ndim = n;
    for (int d = 0; d < TES_MAX_DIMS; ++d)
        info->shape[d] = d < n ? (size_t)dims[d] : 1;
    if (ndim > 0 && n != ndim) {
        char buf[96];
        TES_FAIL(TES_ERR_SHAPE, "%s:%s has %d dimensions %s, expected %d", name->file,
                 name->dataset, n, tes_shape_text(buf, sizeof buf, n, info->shape), ndim);
    }
    return TES_OK;
}

static tes_status source_open_all(MPI_Comm comm, const tes_h5_name *name, int ndim,
                                  h5_source *src) {
    tes_status st = TES_OK;
    hid_t obj = H5I_INVALID_HID, type = H5I_INVALID_HID;
    H5_CALL_GOTO(st, src->fapl = H5Pcreate(H5P_FILE_ACCESS), done, "cannot create an access list");
    H5_CALL_GOTO(st, tes_h5_set_fapl_mpio(src->fapl, comm), done,
                 "cannot select the MPI-IO driver");
    /* One rank reads the metadata and broadcasts it: opening does not storm
     * the file system however many ranks there are. */
    H5_CALL_GOTO(st, H5Pset_all_coll_metadata_ops(src->fapl, 1), done,
                 "cannot ask for collective metadata reads");
    H5_CALL_GOTO(st, src->file = H5Fopen(name->file, H5F_ACC_RDONLY, src->fapl), done,
                 "cannot open '%s'", name->file);
    TES_CALL_GOTO(st, check_path(src->file, name), done);
    H5_CALL_GOTO(st, obj = H5Oopen(src->file, name->dataset, H5P_DEFAULT), done,
                 "cannot open '%s' in '%s'", name->dataset, name->file);
    TES_CHECK_GOTO(st, H5Iget_type(obj) == H5I_DATASET, TES_ERR_INPUT, done,
                   "'%s' in '%s' is a group, not a dataset", name->dataset, name->file);
    src->dset = obj;
    obj = H5I_INVALID_HID;
    H5_CALL_GOTO(st, src->space = H5Dget_space(src->dset), done, "cannot read the shape of %s:%s",
                 name->file, name->dataset);
    TES_CALL_GOTO(st, check_dims(src->space, name, ndim, &src->info), done);
    H5_CALL_GOTO(st, type = H5Dget_type(src->dset), done, "cannot read the type of %s:%s",
                 name->file, name->dataset);
    TES_CALL_GOTO(st, classify_type(type, name, &src->kind), done);
    snprintf(src->info.type, sizeof src->info.type, "%s", element_names[src->kind]);
done:
    h5_close(&type);
    h5_close(&obj);
    return st;
}

/* Collective: open name for reading; on failure every rank has the message. */
static tes_status source_open(MPI_Comm comm, const tes_h5_name *name, int ndim, h5_source *src) {
    int rank = 0;
    TES_MPI_CALL(MPI_Comm_rank(comm, &rank));
    src->fapl = src->file = src->dset = src->space = H5I_INVALID_HID;
    TES_CHECK(name, TES_ERR_ARG, "no input dataset given");
    h5_quiet();
    TES_CALL(tes_status_agree(comm, rank == 0 ? check_input_file(name->file) : TES_OK));
    tes_status st = source_open_all(comm, name, ndim, src);
    st = tes_status_agree(comm, st);
    if (st != TES_OK) {
        source_close(src);
        TES_CALL(st);
    }
    return TES_OK;
}

tes_status tes_h5_query(MPI_Comm comm, const tes_h5_name *name, int ndim, tes_h5_info *info) {
    TES_CHECK(info, TES_ERR_ARG, "no info to fill");
    h5_source src;
    TES_CALL(source_open(comm, name, ndim, &src));
    *info = src.info;
    source_close(&src);
    return TES_OK;
}

/* ---- reading ---------------------------------------------------------------- */

tes_h5_block tes_h5_block_all(void) {
    tes_h5_block b = {0, TES_H5_TO_END, 0, TES_H5_TO_END};
    return b;
}

/* Convert n elements stored as kind into float32. */
static void convert_to_float(element_kind kind, const void *in, float *out, size_t n) {
#define TES_CONVERT(type)                                                                          \
    for (size_t i = 0; i < n; ++i)                                                                 \
        out[i] = (float)((const type *)in)[i];                                                     \
    break
    switch (kind) {
    case ELEM_F64:
        TES_CONVERT(double);
    case ELEM_I8:
        TES_CONVERT(int8_t);
    case ELEM_U8:
        TES_CONVERT(uint8_t);
    case ELEM_I16:
        TES_CONVERT(int16_t);
    case ELEM_U16:
        TES_CONVERT(uint16_t);
    case ELEM_I32:
        TES_CONVERT(int32_t);
    case ELEM_U32:
        TES_CONVERT(uint32_t);
    case ELEM_I64:
        TES_CONVERT(int64_t);
    case ELEM_U64:
        TES_CONVERT(uint64_t);
    default:
        memcpy(out, in, n * sizeof *out);
        break;
    }
#undef TES_CONVERT
}

/* Resolve TES_H5_TO_END and check the block against the dataset's shape. */
static tes_status resolve_block(const tes_h5_name *name, const tes_h5_info *info,
                                const tes_h5_block *in, tes_h5_block *out) {
    *out = *in;
    size_t n1 = info->ndim > 1 ? info->shape[1] : 1;
    if (out->end0 == TES_H5_TO_END)
        out->end0 = info->shape[0];
    if (out->end1 == TES_H5_TO_END || info->ndim == 1)
        out->end1 = n1;
    if (info->ndim == 1)
        out->begin1 = 0;
    TES_CHECK(out->begin0 <= out->end0 && out->end0 <= info->shape[0], TES_ERR_ARG,
              "rows [%zu, %zu) of axis 0 lie outside %s:%s, which has %zu", out->begin0, out->end0,
              name->file, name->dataset, info->shape[0]);
    TES_CHECK(out->begin1 <= out->end1 && out->end1 <= n1, TES_ERR_ARG,
              "[%zu, %zu) of axis 1 lies outside %s:%s, which has %zu", out->begin1, out->end1,
              name->file, name->dataset, n1);
    return TES_OK;
}

static tes_status create_output(const tes_h5_info *info, const tes_h5_block *b, tes_array **out) {
    size_t shape[TES_MAX_DIMS];
    for (int d = 0; d < info->ndim; ++d)
        shape[d] = info->shape[d];
    shape[0] = b->end0 - b->begin0;
    if (info->ndim > 1)
        shape[1] = b->end1 - b->begin1;
    TES_CALL(tes_array_create(out, TES_FLOAT32, TES_HOST, info->ndim, shape));
    return TES_OK;
}

/* Select rows [begin, begin + rows) of axis 0 and the block's range of axis 1. */
static herr_t select_block(hid_t space, const tes_h5_info *info, const tes_h5_block *b,
                           size_t begin, size_t rows) {
    hsize_t start[TES_MAX_DIMS] = {0}, count[TES_MAX_DIMS];
    start[0] = begin;
    count[0] = rows;
    for (int d = 1; d < info->ndim; ++d)
        count[d] = info->shape[d];
    if (info->ndim > 1) {
        start[1] = b->begin1;
        count[1] = b->end1 - b->begin1;
    }
    for (int d = 0; d < info->ndim; ++d)
        if (count[d] == 0)
            return H5Sselect_none(space);
    return H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
}

static tes_status read_rows(MPI_Comm comm, h5_source *src, const tes_h5_name *name,
                            const tes_h5_block *b, tes_array *out, void *staging,
                            size_t rows_per_piece, unsigned long long pieces,
                            tes_h5_io_report *report) {
    tes_status st = TES_OK;
    hid_t mspace = H5I_INVALID_HID, dxpl = H5I_INVALID_HID;
    size_t rows = out->shape[0];
    size_t row_elems = rows > 0 ? tes_array_count(out) / rows : 0;
    hsize_t mdims[TES_MAX_DIMS];
    for (int d = 0; d < out->ndim; ++d)
        mdims[d] = out->shape[d] > 0 ? out->shape[d] : 1;

    H5_CALL_GOTO(st, dxpl = H5Pcreate(H5P_DATASET_XFER), done, "cannot create a transfer list");
    H5_CALL_GOTO(st, H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE), done,
                 "cannot ask for collective IO");
    for (unsigned long long p = 0; p < pieces; ++p) {
        size_t begin = (size_t)p * rows_per_piece;
        size_t n = piece_rows(begin, rows_per_piece, rows);
        size_t elems = n * row_elems;
        float *dst = (float *)out->data + (elems ? begin * row_elems : 0);
        void *buf = src->kind == ELEM_F32 ? (void *)dst : staging;
        mdims[0] = n > 0 ? n : 1;
        H5_CALL_GOTO(st, select_block(src->space, &src->info, b, b->begin0 + begin, n), done,
                     "cannot select a block of %s", name->dataset);
        H5_CALL_GOTO(st, mspace = H5Screate_simple(out->ndim, mdims, NULL), done,
                     "cannot make a memory space");
        if (elems == 0)
            H5_CALL_GOTO(st, H5Sselect_none(mspace), done, "cannot make an empty selection");
        H5_CALL_GOTO(
            st, H5Dread(src->dset, element_memory_type(src->kind), mspace, src->space, dxpl, buf),
            done, "cannot read rows %zu..%zu of %s:%s", b->begin0 + begin, b->begin0 + begin + n,
            name->file, name->dataset);
        h5_close(&mspace);
        report_transfer(report, dxpl, "read", name);
        if (buf != dst && elems > 0)
            convert_to_float(src->kind, buf, dst, elems);
    }
done:
    h5_close(&mspace);
    h5_close(&dxpl);
    return st;
}

tes_status tes_h5_read(MPI_Comm comm, const tes_h5_name *name, int ndim, const tes_h5_block *block,
                       tes_array **out, tes_h5_io_report *report) {
    TES_CHECK(out, TES_ERR_ARG, "no output array pointer given");
    *out = NULL;
    h5_source src;
    TES_CALL(source_open(comm, name, ndim, &src));
    tes_h5_block b = block ? *block : tes_h5_block_all();
    tes_status st = resolve_block(name, &src.info, &b, &b);
    if (st == TES_OK)
        st = create_output(&src.info, &b, out);
    size_t rows = b.end0 - b.begin0, rows_per_piece = 1;
    size_t row_elems = *out && rows > 0 ? tes_array_count(*out) / rows : 0;
    size_t elem_bytes = element_sizes[src.kind];
    void *staging = NULL;
    unsigned long long pieces = 0;
    TES_CALL_GOTO(st, tes_status_agree(comm, st), done);
    TES_CALL_GOTO(st, count_pieces(comm, rows, row_elems * elem_bytes, &rows_per_piece, &pieces),
                  done);
    if (src.kind != ELEM_F32 && row_elems > 0) {
        size_t staged_rows = rows < rows_per_piece ? rows : rows_per_piece;
        staging = malloc(staged_rows * row_elems * elem_bytes);
        if (!staging)
            st = tes_error_set(TES_ERR_ALLOC, __FILE__, __LINE__, __func__,
                               "cannot allocate %zu bytes to convert %s to float32",
                               staged_rows * row_elems * elem_bytes, src.info.type);
    }
    TES_CALL_GOTO(st, tes_status_agree(comm, st), done);
    tes_h5_io_report own;
    report_begin(report ? report : &own);
    st = read_rows(comm, &src, name, &b, *out, staging, rows_per_piece, pieces,
                   report ? report : &own);
    TES_CALL_GOTO(st, tes_status_agree(comm, st), done);
done:
    free(staging);
    source_close(&src);
    if (st != TES_OK)
        tes_array_destroy(out);
    return st;
}
