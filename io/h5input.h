/* A measured-data HDF5 file open for reading on every rank of a
 * communicator (MPI-IO driver), and the small things the readers need from
 * it: whether a path leads somewhere (through soft and external links, with
 * a message naming a dangling link and its missing file), a dataset's rank,
 * shape and stored type, whole small datasets (angles, image keys) and
 * string attributes.
 *
 * Every function here is collective: all ranks call it with the same
 * arguments, and all return the same status (tes_status_agree). External
 * links are resolved relative to the directory of the file that holds
 * them, whatever the working directory; a link is followed only when its
 * path is asked for. While a file is open, HDF5's own error printing is
 * off: its innermost message is put into tessera's instead. */
#ifndef TES_IO_H5INPUT_H
#define TES_IO_H5INPUT_H

#include <hdf5.h>
#include <mpi.h>
#include <stddef.h>

#include "core/array.h"
#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    TES_H5_TYPE_TEXT_BYTES = 32, /* "uint16", "int16 (foreign byte order)", ... */
    TES_H5_ERROR_BYTES = 512,    /* HDF5's innermost error message */
};

typedef struct tes_h5_input {
    hid_t file;
    hid_t lapl; /* link access: external links resolved against dir */
    hid_t dapl; /* dataset access, same prefix */
    char *path; /* as given */
    char *dir;  /* directory of path, with a trailing '/' */
    MPI_Comm comm;
    int rank;
    H5E_auto2_t saved_auto; /* HDF5's error printer, restored at close */
    void *saved_auto_data;
} tes_h5_input;

/* Open path read-only on every rank of comm. Fails (TES_ERR_INPUT) with a
 * message naming the file for a missing or unreadable file, something that
 * is not HDF5, and a truncated file. */
tes_status tes_h5_input_open(tes_h5_input **out, const char *path, MPI_Comm comm);

/* Close (collective) and set *in to NULL. NULL is fine. */
void tes_h5_input_close(tes_h5_input **in);

/* Where a path leads. */
typedef enum tes_h5_where {
    TES_H5_ABSENT = 0, /* no such link (or a group on the way is missing) */
    TES_H5_FOUND = 1,  /* an object is there */
} tes_h5_where;

/* Follow path (absolute) component by component. *where says whether it
 * leads to an object. A link that exists but leads nowhere (an external
 * link to a missing file or to a missing object in an existing file, a
 * dangling soft link) is an error (TES_ERR_INPUT) naming the link, its
 * target and the file it looked for. External files are opened only when
 * they exist. */
tes_status tes_h5_input_locate(tes_h5_input *in, const char *path, tes_h5_where *where);

/* A dataset's rank, shape and stored type. */
typedef struct tes_h5_dataset_info {
    int ndim;
    size_t shape[H5S_MAX_RANK];
    tes_dtype dtype;  /* stored type as tessera names it (valid when supported) */
    int supported;    /* 1: a numeric type tessera reads (tes_dtype) */
    int native_order; /* 1: stored in this machine's byte order */
    char type_text[TES_H5_TYPE_TEXT_BYTES]; /* "uint16", "float32", "string" ... */
} tes_h5_dataset_info;

/* Open a dataset that must exist (*dset to be closed with H5Dclose by
 * every rank). what names it in messages ("projections"). */
tes_status tes_h5_input_open_dataset(tes_h5_input *in, const char *path, const char *what,
                                     hid_t *dset);

/* Describe an open dataset. */
tes_status tes_h5_input_describe(tes_h5_input *in, hid_t dset, const char *path,
                                 tes_h5_dataset_info *info);

/* Read a whole 1-D dataset (at most a few million values) converted to
 * double (*values: n values, free with free()). Rank 0 reads, the others
 * receive. what names it in messages. */
tes_status tes_h5_input_read_doubles(tes_h5_input *in, const char *path, const char *what,
                                     double **values, size_t *n);

/* The same for integer data (image keys). */
tes_status tes_h5_input_read_ints(tes_h5_input *in, const char *path, const char *what,
                                  long long **values, size_t *n);

/* The string attribute name of the object at path into text (len bytes);
 * *found = 0 and text "" when there is none. */
tes_status tes_h5_input_attr_text(tes_h5_input *in, const char *path, const char *name, char *text,
                                  size_t len, int *found);

/* The scalar numeric attribute name of the object at path; *found = 0 when
 * there is none. */
tes_status tes_h5_input_attr_double(tes_h5_input *in, const char *path, const char *name,
                                    double *value, int *found);

/* The HDF5 memory type that reads dtype as stored (native order). */
hid_t tes_h5_native_type(tes_dtype dtype);

/* Name a stored HDF5 type as tessera does; *dtype and *supported as in
 * tes_h5_dataset_info. */
void tes_h5_type_describe(hid_t type, tes_dtype *dtype, int *supported, int *native_order,
                          char *text, size_t len);

/* The innermost message on HDF5's current error stack ("" if none), e.g.
 * "truncated file: eof = 1000, ...". */
const char *tes_h5_error_text(char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
