#include "io/h5input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/agree.h"
#include "core/check.h"
#include "core/log.h"
#include "io/mpio.h"

typedef struct error_walk {
    char *buf;
    size_t len;
    int taken;
} error_walk;

static herr_t take_innermost(unsigned n, const H5E_error2_t *err, void *data) {
    error_walk *w = data;
    if (!w->taken && err->desc && err->desc[0]) {
        snprintf(w->buf, w->len, "%s", err->desc);
        w->taken = 1;
    }
    return 0;
}

const char *tes_h5_error_text(char *buf, size_t len) {
    error_walk w = {buf, len, 0};
    buf[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, take_innermost, &w);
    return buf;
}

/* Rank-independent checks a user understands better than HDF5's words. */
static tes_status check_file(const char *path) {
    struct stat sb;
    if (stat(path, &sb) != 0) {
        TES_CHECK(errno != ENOENT, TES_ERR_INPUT, "input file %s does not exist", path);
        TES_FAIL(TES_ERR_INPUT, "cannot open input file %s: %s", path, strerror(errno));
    }
    TES_CHECK(S_ISREG(sb.st_mode), TES_ERR_INPUT, "input %s is not a regular file", path);
    TES_CHECK(access(path, R_OK) == 0, TES_ERR_INPUT, "cannot read input file %s: %s", path,
              strerror(errno));
    htri_t is_hdf5 = H5Fis_hdf5(path);
    char h5msg[TES_H5_ERROR_BYTES];
    TES_CHECK(is_hdf5 >= 0, TES_ERR_INPUT, "cannot check whether %s is an HDF5 file: %s", path,
              tes_h5_error_text(h5msg, sizeof h5msg));
    TES_CHECK(is_hdf5 > 0, TES_ERR_INPUT,
              "input file %s is not an HDF5 file (no HDF5 signature in its %lld bytes)", path,
              (long long)sb.st_size);
    return TES_OK;
}

static tes_status open_file(tes_h5_input *in) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    TES_H5_CALL(fapl, "cannot create a file access property list");
    if (tes_h5_set_fapl_mpio(fapl, in->comm) < 0) {
        H5Pclose(fapl);
        TES_FAIL(TES_ERR_IO, "HDF5: cannot select the MPI-IO driver for %s", in->path);
    }
    in->file = H5Fopen(in->path, H5F_ACC_RDONLY, fapl);
    char h5msg[TES_H5_ERROR_BYTES];
    tes_h5_error_text(h5msg, sizeof h5msg);
    H5Pclose(fapl);
    if (in->file < 0) {
        const char *hint = strstr(h5msg, "truncated")
                               ? " (the file is shorter than its own header says: truncated "
                                 "by a copy or still being written)"
                               : "";
        TES_FAIL(TES_ERR_INPUT, "cannot open %s as HDF5: %s%s", in->path, h5msg, hint);
    }
    return TES_OK;
}

static tes_status make_access_lists(tes_h5_input *in) {
    in->lapl = H5Pcreate(H5P_LINK_ACCESS);
    TES_H5_CALL(in->lapl, "cannot create a link access property list");
    TES_H5_CALL(H5Pset_elink_prefix(in->lapl, in->dir), "cannot set the external link prefix");
    in->dapl = H5Pcreate(H5P_DATASET_ACCESS);
    TES_H5_CALL(in->dapl, "cannot create a dataset access property list");
    TES_H5_CALL(H5Pset_elink_prefix(in->dapl, in->dir), "cannot set the external link prefix");
    return TES_OK;
}

static tes_status set_names(tes_h5_input *in, const char *path) {
    in->path = strdup(path);
    TES_CHECK(in->path, TES_ERR_ALLOC, "cannot copy a file name");
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    in->dir = malloc(dirlen + sizeof "./");
    TES_CHECK(in->dir, TES_ERR_ALLOC, "cannot copy a directory name");
    if (dirlen) {
        memcpy(in->dir, path, dirlen);
        in->dir[dirlen] = '\0';
    } else {
        strcpy(in->dir, "./");
    }
    return TES_OK;
}

tes_status tes_h5_input_open(tes_h5_input **out, const char *path, MPI_Comm comm) {
    TES_CHECK(out && path && path[0], TES_ERR_ARG, "no input file given");
    *out = NULL;
    tes_h5_input *in = calloc(1, sizeof *in);
    TES_CHECK(in, TES_ERR_ALLOC, "cannot allocate an input file descriptor");
    in->file = in->lapl = in->dapl = H5I_INVALID_HID;
    in->comm = comm;
    H5Eget_auto2(H5E_DEFAULT, &in->saved_auto, &in->saved_auto_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

    tes_status st = set_names(in, path);
    if (st == TES_OK)
        st = MPI_Comm_rank(comm, &in->rank) == MPI_SUCCESS
                 ? TES_OK
                 : tes_error_set(TES_ERR_MPI, __FILE__, __LINE__, __func__, "MPI_Comm_rank failed");
    /* One rank looks at the file first: a missing or foreign file gets a
     * plain message instead of HDF5's stack. */
    if (st == TES_OK && in->rank == 0)
        st = check_file(path);
    st = tes_status_agree(comm, st);
    if (st == TES_OK)
        st = tes_status_agree(comm, open_file(in));
    if (st == TES_OK)
        st = tes_status_agree(comm, make_access_lists(in));
    if (st != TES_OK) {
        tes_error_trace(__FILE__, __LINE__, __func__);
        tes_h5_input_close(&in);
        return st;
    }
    *out = in;
    return TES_OK;
}

void tes_h5_input_close(tes_h5_input **in) {
    if (!in || !*in)
        return;
    tes_h5_input *p = *in;
    if (p->dapl >= 0)
        H5Pclose(p->dapl);
    if (p->lapl >= 0)
        H5Pclose(p->lapl);
    if (p->file >= 0)
        H5Fclose(p->file);
    H5Eset_auto2(H5E_DEFAULT, p->saved_auto, p->saved_auto_data);
    free(p->path);
    free(p->dir);
    free(p);
    *in = NULL;
}

/* An external link at link: fail unless the file it names exists, so a
 * missing file is reported as such and never opened. */
static tes_status check_external(tes_h5_input *in, const char *link, size_t val_size, char *target,
                                 size_t target_len) {
    char *val = malloc(val_size ? val_size : 1);
    TES_CHECK(val, TES_ERR_ALLOC, "cannot allocate %zu bytes", val_size);
    const char *file = NULL, *object = NULL;
    unsigned flags = 0;
    if (H5Lget_val(in->file, link, val, val_size, in->lapl) < 0 ||
        H5Lunpack_elink_val(val, val_size, &flags, &file, &object) < 0) {
        free(val);
        TES_FAIL(TES_ERR_INPUT, "%s: cannot read the external link %s", in->path, link);
    }
    char resolved[TES_H5_ERROR_BYTES];
    if (file[0] == '/')
        snprintf(resolved, sizeof resolved, "%s", file);
    else
        snprintf(resolved, sizeof resolved, "%s%s", in->dir, file);
    snprintf(target, target_len, "%s:%s", file, object);
    struct stat sb;
    int exists = stat(resolved, &sb) == 0;
    free(val);
    TES_CHECK(exists, TES_ERR_INPUT,
              "%s: %s is an external link to %s, but the file %s does not exist (the link "
              "dangles)",
              in->path, link, target, resolved);
    return TES_OK;
}

/* One component of a path: is the link there, and does it lead to an
 * object? */
static tes_status locate_link(tes_h5_input *in, const char *link, int *present) {
    char h5msg[TES_H5_ERROR_BYTES];
    htri_t exists = H5Lexists(in->file, link, in->lapl);
    TES_CHECK(exists >= 0, TES_ERR_INPUT, "%s: cannot look up %s: %s", in->path, link,
              tes_h5_error_text(h5msg, sizeof h5msg));
    *present = exists > 0;
    if (!*present)
        return TES_OK;
    H5L_info_t info;
    TES_CHECK(H5Lget_info(in->file, link, &info, in->lapl) >= 0, TES_ERR_INPUT,
              "%s: cannot read the link %s: %s", in->path, link,
              tes_h5_error_text(h5msg, sizeof h5msg));
    char target[2 * TES_H5_ERROR_BYTES] = "";
    if (info.type == H5L_TYPE_EXTERNAL)
        TES_CALL(check_external(in, link, info.u.val_size, target, sizeof target));
    htri_t object = H5Oexists_by_name(in->file, link, in->lapl);
    if (object > 0)
        return TES_OK;
    if (info.type == H5L_TYPE_EXTERNAL)
        TES_FAIL(TES_ERR_INPUT,
                 "%s: %s is an external link to %s; that file exists but has no such object "
                 "(the link dangles)",
                 in->path, link, target);
    if (info.type == H5L_TYPE_SOFT)
        TES_FAIL(TES_ERR_INPUT, "%s: %s is a soft link to an object that does not exist", in->path,
                 link);
    TES_FAIL(TES_ERR_INPUT, "%s: cannot open %s: %s", in->path, link,
             tes_h5_error_text(h5msg, sizeof h5msg));
}

static tes_status locate(tes_h5_input *in, const char *path, tes_h5_where *where) {
    TES_CHECK(path && path[0] == '/', TES_ERR_ARG,
              "%s: dataset paths are absolute (start with '/'), got \"%s\"", in->path,
              path ? path : "(null)");
    size_t len = strlen(path);
    char *prefix = malloc(len + 1);
    TES_CHECK(prefix, TES_ERR_ALLOC, "cannot copy a path");
    *where = TES_H5_ABSENT;
    tes_status st = TES_OK;
    for (size_t end = 1; end <= len; ++end) {
        if (end < len && path[end] != '/')
            continue;
        if (path[end - 1] == '/') /* "//" or a trailing '/' */
            continue;
        memcpy(prefix, path, end);
        prefix[end] = '\0';
        int present = 0;
        TES_CALL_GOTO(st, locate_link(in, prefix, &present), done);
        if (!present)
            goto done;
    }
    *where = TES_H5_FOUND;
done:
    free(prefix);
    return st;
}

tes_status tes_h5_input_locate(tes_h5_input *in, const char *path, tes_h5_where *where) {
    TES_CALL(tes_status_agree(in->comm, locate(in, path, where)));
    return TES_OK;
}

tes_status tes_h5_input_open_dataset(tes_h5_input *in, const char *path, const char *what,
                                     hid_t *dset) {
    tes_h5_where where = TES_H5_ABSENT;
    TES_CALL(tes_h5_input_locate(in, path, &where));
    *dset = H5I_INVALID_HID;
    tes_status st = TES_OK;
    if (where != TES_H5_FOUND) {
        st = tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                           "%s has no dataset %s (the %s)", in->path, path, what);
    } else {
        H5O_info_t oinfo;
        char h5msg[TES_H5_ERROR_BYTES];
        if (H5Oget_info_by_name(in->file, path, &oinfo, in->lapl) < 0)
            st = tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                               "%s: cannot inspect %s (the %s): %s", in->path, path, what,
                               tes_h5_error_text(h5msg, sizeof h5msg));
        else if (oinfo.type != H5O_TYPE_DATASET)
            st = tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                               "%s: %s (the %s) is a %s, expected a dataset", in->path, path, what,
                               oinfo.type == H5O_TYPE_GROUP ? "group" : "named datatype");
        else if ((*dset = H5Dopen2(in->file, path, in->dapl)) < 0)
            st = tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                               "%s: cannot open the dataset %s (the %s): %s", in->path, path, what,
                               tes_h5_error_text(h5msg, sizeof h5msg));
    }
    st = tes_status_agree(in->comm, st);
    if (st != TES_OK && *dset >= 0) {
        H5Dclose(*dset);
        *dset = H5I_INVALID_HID;
    }
    TES_CALL(st);
    return TES_OK;
}

hid_t tes_h5_native_type(tes_dtype dtype) {
    switch (dtype) {
    case TES_FLOAT32:
        return H5T_NATIVE_FLOAT;
    case TES_FLOAT64:
        return H5T_NATIVE_DOUBLE;
    case TES_UINT8:
        return H5T_NATIVE_UINT8;
    case TES_UINT16:
        return H5T_NATIVE_UINT16;
    case TES_UINT32:
        return H5T_NATIVE_UINT32;
    case TES_INT32:
        return H5T_NATIVE_INT32;
    case TES_INT64:
        return H5T_NATIVE_INT64;
    default:
        return H5I_INVALID_HID;
    }
}

static int integer_dtype(size_t size, int is_signed, tes_dtype *dtype) {
    static const struct {
        size_t size;
        int is_signed;
        tes_dtype dtype;
    } table[] = {{1, 0, TES_UINT8},
                 {2, 0, TES_UINT16},
                 {4, 0, TES_UINT32},
                 {4, 1, TES_INT32},
                 {8, 1, TES_INT64}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; ++i)
        if (table[i].size == size && table[i].is_signed == is_signed) {
            *dtype = table[i].dtype;
            return 1;
        }
    return 0;
}

void tes_h5_type_describe(hid_t type, tes_dtype *dtype, int *supported, int *native_order,
                          char *text, size_t len) {
    enum { BITS_PER_BYTE = 8 };
    H5T_class_t cls = H5Tget_class(type);
    size_t size = H5Tget_size(type);
    *supported = 0;
    *native_order = 1;
    *dtype = TES_FLOAT32;
    if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
        H5T_order_t native = H5Tget_order(cls == H5T_FLOAT ? H5T_NATIVE_FLOAT : H5T_NATIVE_INT);
        *native_order = size == 1 || H5Tget_order(type) == native;
        int is_signed = cls == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_2;
        if (cls == H5T_FLOAT) {
            *supported = size == sizeof(float) || size == sizeof(double);
            *dtype = size == sizeof(double) ? TES_FLOAT64 : TES_FLOAT32;
        } else {
            *supported = integer_dtype(size, is_signed, dtype);
        }
        snprintf(text, len, "%s%zu%s", cls == H5T_FLOAT ? "float" : (is_signed ? "int" : "uint"),
                 size * BITS_PER_BYTE, *native_order ? "" : " (foreign byte order)");
        return;
    }
    const char *name = cls == H5T_STRING     ? "string"
                       : cls == H5T_COMPOUND ? "compound"
                       : cls == H5T_ENUM     ? "enum"
                       : cls == H5T_ARRAY    ? "array"
                                             : "non-numeric";
    snprintf(text, len, "%s", name);
}

static tes_status describe(tes_h5_input *in, hid_t dset, const char *path,
                           tes_h5_dataset_info *info) {
    memset(info, 0, sizeof *info);
    hid_t space = H5Dget_space(dset);
    TES_H5_CALL(space, "%s: cannot read the dataspace of %s", in->path, path);
    int ndim = H5Sget_simple_extent_ndims(space);
    hsize_t dims[H5S_MAX_RANK];
    if (ndim < 0 || H5Sget_simple_extent_dims(space, dims, NULL) < 0) {
        H5Sclose(space);
        TES_FAIL(TES_ERR_INPUT, "%s: cannot read the shape of %s", in->path, path);
    }
    H5Sclose(space);
    info->ndim = ndim;
    for (int i = 0; i < ndim; ++i)
        info->shape[i] = (size_t)dims[i];
    hid_t type = H5Dget_type(dset);
    TES_H5_CALL(type, "%s: cannot read the type of %s", in->path, path);
    tes_h5_type_describe(type, &info->dtype, &info->supported, &info->native_order, info->type_text,
                         sizeof info->type_text);
    H5Tclose(type);
    return TES_OK;
}

tes_status tes_h5_input_describe(tes_h5_input *in, hid_t dset, const char *path,
                                 tes_h5_dataset_info *info) {
    TES_CALL(tes_status_agree(in->comm, describe(in, dset, path, info)));
    return TES_OK;
}

/* Read a whole small 1-D numeric dataset, converted to mem_type. Every rank
 * reads it all: small, and the same selection everywhere keeps any
 * metadata traffic symmetric. */
static tes_status read_vector(tes_h5_input *in, hid_t dset, const char *path, const char *what,
                              hid_t mem_type, size_t elem_size, void **values, size_t *n) {
    tes_h5_dataset_info info;
    TES_CALL(describe(in, dset, path, &info));
    TES_CHECK(info.ndim == 1, TES_ERR_INPUT,
              "%s: %s (the %s) has %d dimension(s), expected a 1-D dataset", in->path, path, what,
              info.ndim);
    TES_CHECK(info.supported || strncmp(info.type_text, "int", 3) == 0 ||
                  strncmp(info.type_text, "uint", 4) == 0,
              TES_ERR_INPUT, "%s: %s (the %s) holds %s values, expected numbers", in->path, path,
              what, info.type_text);
    *n = info.shape[0];
    *values = malloc(*n ? *n * elem_size : 1);
    TES_CHECK(*values, TES_ERR_ALLOC, "cannot allocate %zu values for %s", *n, path);
    if (*n && H5Dread(dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, *values) < 0) {
        char h5msg[TES_H5_ERROR_BYTES];
        free(*values);
        *values = NULL;
        TES_FAIL(TES_ERR_INPUT, "%s: cannot read %s (the %s): %s", in->path, path, what,
                 tes_h5_error_text(h5msg, sizeof h5msg));
    }
    return TES_OK;
}

static tes_status read_whole(tes_h5_input *in, const char *path, const char *what, hid_t mem_type,
                             size_t elem_size, void **values, size_t *n) {
    hid_t dset = H5I_INVALID_HID;
    *values = NULL;
    *n = 0;
    TES_CALL(tes_h5_input_open_dataset(in, path, what, &dset));
    tes_status st = read_vector(in, dset, path, what, mem_type, elem_size, values, n);
    H5Dclose(dset);
    st = tes_status_agree(in->comm, st);
    if (st != TES_OK) {
        free(*values);
        *values = NULL;
    }
    TES_CALL(st);
    return TES_OK;
}

tes_status tes_h5_input_read_doubles(tes_h5_input *in, const char *path, const char *what,
                                     double **values, size_t *n) {
    void *v = NULL;
    TES_CALL(read_whole(in, path, what, H5T_NATIVE_DOUBLE, sizeof(double), &v, n));
    *values = v;
    return TES_OK;
}

tes_status tes_h5_input_read_ints(tes_h5_input *in, const char *path, const char *what,
                                  long long **values, size_t *n) {
    void *v = NULL;
    TES_CALL(read_whole(in, path, what, H5T_NATIVE_LLONG, sizeof(long long), &v, n));
    *values = v;
    return TES_OK;
}

/* Open attribute name of the object at path; *attr < 0 when there is none. */
static tes_status open_attr(tes_h5_input *in, const char *path, const char *name, hid_t *attr) {
    char h5msg[TES_H5_ERROR_BYTES];
    *attr = H5I_INVALID_HID;
    htri_t exists = H5Aexists_by_name(in->file, path, name, in->lapl);
    TES_CHECK(exists >= 0, TES_ERR_INPUT, "%s: cannot look for the attribute %s of %s: %s",
              in->path, name, path, tes_h5_error_text(h5msg, sizeof h5msg));
    if (!exists)
        return TES_OK;
    *attr = H5Aopen_by_name(in->file, path, name, H5P_DEFAULT, in->lapl);
    TES_CHECK(*attr >= 0, TES_ERR_INPUT, "%s: cannot open the attribute %s of %s: %s", in->path,
              name, path, tes_h5_error_text(h5msg, sizeof h5msg));
    return TES_OK;
}

static tes_status read_text_attr(tes_h5_input *in, hid_t attr, const char *path, const char *name,
                                 char *text, size_t len) {
    hid_t type = H5Aget_type(attr);
    TES_H5_CALL(type, "%s: cannot read the type of the attribute %s of %s", in->path, name, path);
    tes_status st = TES_OK;
    if (H5Tget_class(type) != H5T_STRING) {
        st = tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                           "%s: the attribute %s of %s is not a string", in->path, name, path);
    } else if (H5Tis_variable_str(type) > 0) {
        hid_t mem = H5Tcopy(H5T_C_S1);
        H5Tset_size(mem, H5T_VARIABLE);
        H5Tset_cset(mem, H5Tget_cset(type));
        char *value = NULL;
        if (H5Aread(attr, mem, &value) < 0)
            st = tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                               "%s: cannot read the attribute %s of %s", in->path, name, path);
        else
            snprintf(text, len, "%s", value ? value : "");
        if (value)
            H5free_memory(value);
        H5Tclose(mem);
    } else {
        size_t size = H5Tget_size(type);
        char *value = calloc(size + 1, 1);
        if (!value || H5Aread(attr, type, value) < 0)
            st = tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                               "%s: cannot read the attribute %s of %s", in->path, name, path);
        else
            snprintf(text, len, "%s", value);
        free(value);
    }
    H5Tclose(type);
    return st;
}

static tes_status attr_text(tes_h5_input *in, const char *path, const char *name, char *text,
                            size_t len, int *found) {
    hid_t attr = H5I_INVALID_HID;
    text[0] = '\0';
    *found = 0;
    TES_CALL(open_attr(in, path, name, &attr));
    if (attr < 0)
        return TES_OK;
    tes_status st = read_text_attr(in, attr, path, name, text, len);
    H5Aclose(attr);
    TES_CALL(st);
    *found = 1;
    return TES_OK;
}

tes_status tes_h5_input_attr_text(tes_h5_input *in, const char *path, const char *name, char *text,
                                  size_t len, int *found) {
    TES_CALL(tes_status_agree(in->comm, attr_text(in, path, name, text, len, found)));
    return TES_OK;
}

static tes_status attr_double(tes_h5_input *in, const char *path, const char *name, double *value,
                              int *found) {
    hid_t attr = H5I_INVALID_HID;
    *found = 0;
    TES_CALL(open_attr(in, path, name, &attr));
    if (attr < 0)
        return TES_OK;
    hid_t space = H5Aget_space(attr), type = H5Aget_type(attr);
    H5T_class_t cls = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
    hssize_t npoints = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    tes_status st = TES_OK;
    if (cls != H5T_INTEGER && cls != H5T_FLOAT)
        st = tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                           "%s: the attribute %s of %s is not a number", in->path, name, path);
    else if (npoints != 1)
        st = tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                           "%s: the attribute %s of %s holds %lld values, expected one", in->path,
                           name, path, (long long)npoints);
    else if (H5Aread(attr, H5T_NATIVE_DOUBLE, value) < 0)
        st = tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                           "%s: cannot read the attribute %s of %s", in->path, name, path);
    if (type >= 0)
        H5Tclose(type);
    if (space >= 0)
        H5Sclose(space);
    H5Aclose(attr);
    TES_CALL(st);
    *found = 1;
    return TES_OK;
}

tes_status tes_h5_input_attr_double(tes_h5_input *in, const char *path, const char *name,
                                    double *value, int *found) {
    TES_CALL(tes_status_agree(in->comm, attr_double(in, path, name, value, found)));
    return TES_OK;
}
