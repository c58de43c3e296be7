/* Plain HDF5 datasets of float32 arrays, read and written collectively with
 * parallel HDF5 (MPI-IO file driver).
 *
 * An array is split along axis 0: each rank of a communicator holds a
 * contiguous block [offset, offset + n) of axis 0 (n may be 0; such a rank
 * still joins every call with an empty selection). Writes are collective
 * (H5FD_MPIO_COLLECTIVE) into one dataset chunked along axis 0, go to a
 * temporary file in the output's directory, and are renamed onto the output
 * name only once complete, so a failed or interrupted write never damages
 * what was on disk. A write replaces the whole file, never adds to one.
 *
 * Reads take a range of axis 0 and a range of axis 1 (a rank's views and
 * detector rows, or its slab) and return float32. A dataset stored in
 * another numeric type is read as stored and converted in memory: a type
 * conversion inside HDF5 silently turns collective IO into independent IO.
 *
 * On the command line a dataset is named FILE[:/path/to/dataset]; without
 * ":/path" the command's default dataset is meant. */
#ifndef TES_IO_H5ARRAY_H
#define TES_IO_H5ARRAY_H

#include <limits.h>
#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "core/array.h"
#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default dataset paths of the commands. */
#define TES_H5_VOLUME_DATASET      "/volume"
#define TES_H5_PROJECTIONS_DATASET "/projections"

/* An end of range meaning "to the end of the axis". */
#define TES_H5_TO_END SIZE_MAX

enum { TES_H5_PATH_BYTES = PATH_MAX, TES_H5_TYPE_NAME_BYTES = 16 };

/* A dataset in a file. */
typedef struct tes_h5_name {
    char file[TES_H5_PATH_BYTES];
    char dataset[TES_H5_PATH_BYTES]; /* absolute path inside the file */
} tes_h5_name;

/* Parse "FILE" or "FILE:/path/to/dataset" (split at the first ":/");
 * default_dataset is used when no path is given. option names the
 * command-line option in messages. */
tes_status tes_h5_name_parse(const char *text, const char *default_dataset, const char *option,
                             tes_h5_name *out);

/* One attribute of a written dataset: a string when text is not NULL,
 * else the double value. */
typedef struct tes_h5_attr {
    const char *name;
    const char *text;
    double value;
} tes_h5_attr;

/* A small 1-D float64 dataset written into the same file as an array,
 * beside it (n >= 1 values): name is a dataset of the array's group ("theta" beside
 * /exchange/data is /exchange/theta), with a "units" attribute unless
 * units is NULL. */
typedef struct tes_h5_vector {
    const char *name;
    const double *values;
    size_t n;
    const char *units;
} tes_h5_vector;

/* The path of name in dataset's group ("/exchange/data", "theta":
 * "/exchange/theta"), into out (len bytes). */
tes_status tes_h5_path_beside(const char *dataset, const char *name, char *out, size_t len);

typedef struct tes_h5_write_options {
    int overwrite;            /* 1: an existing file may be replaced */
    const char *force_hint;   /* how a user allows that ("--force"), for messages; NULL: generic */
    const tes_h5_attr *attrs; /* nattrs attributes of the dataset; same on every rank */
    size_t nattrs;
    const tes_h5_vector *vectors; /* nvectors datasets beside it; same on every rank */
    size_t nvectors;
} tes_h5_write_options;

/* What the MPI-IO layer really did (H5Pget_mpio_actual_io_mode). */
typedef struct tes_h5_io_report {
    int collective; /* 1: every transfer of this rank was collective */
    char mode[64];  /* HDF5's word for the least collective transfer seen */
} tes_h5_io_report;

/* Collective: check, before any work, that name->file can be written: the
 * directory exists and accepts new files, and the file does not exist
 * unless opt->overwrite. Fails with TES_ERR_INPUT and a message naming the
 * file (and opt->force_hint when the file exists). Touches nothing. */
tes_status tes_h5_check_output(MPI_Comm comm, const char *file, const tes_h5_write_options *opt);

/* Collective: write a float32 array of global_rows rows along axis 0, of
 * which this rank holds local (host float32, shape (n, d1, ...)) at rows
 * [offset, offset + n). The blocks of the ranks must tile axis 0 and agree
 * on the other dimensions. report (may be NULL) receives the IO mode. */
tes_status tes_h5_write(MPI_Comm comm, const tes_h5_name *name, size_t global_rows, size_t offset,
                        const tes_array *local, const tes_h5_write_options *opt,
                        tes_h5_io_report *report);

/* Shape and stored type of a dataset. */
typedef struct tes_h5_info {
    int ndim;
    size_t shape[TES_MAX_DIMS];
    char type[TES_H5_TYPE_NAME_BYTES]; /* "float32", "uint16", ... */
} tes_h5_info;

/* Collective: open the dataset and report its shape and type without
 * reading it. ndim > 0 requires that many dimensions. Clear errors (all
 * TES_ERR_INPUT) for a missing file, a file that is not HDF5, a missing
 * dataset, the wrong number of dimensions, a type that is not numeric. */
tes_status tes_h5_query(MPI_Comm comm, const tes_h5_name *name, int ndim, tes_h5_info *info);

/* A block of a dataset: [begin0, end0) of axis 0, [begin1, end1) of axis 1
 * (ignored for 1-D datasets), all of the other axes. An end may be
 * TES_H5_TO_END. */
typedef struct tes_h5_block {
    size_t begin0, end0;
    size_t begin1, end1;
} tes_h5_block;

/* The whole dataset. */
tes_h5_block tes_h5_block_all(void);

/* Collective: read block of the dataset (which must have ndim dimensions
 * when ndim > 0) into a new host float32 array *out of shape
 * (end0 - begin0, end1 - begin1, rest...). An empty block is fine.
 * report (may be NULL) receives the IO mode. */
tes_status tes_h5_read(MPI_Comm comm, const tes_h5_name *name, int ndim, const tes_h5_block *block,
                       tes_array **out, tes_h5_io_report *report);

#ifdef __cplusplus
}
#endif

#endif
