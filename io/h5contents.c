#include "io/h5contents.h"

#include <hdf5.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/array.h"
#include "core/check.h"
#include "io/h5input.h"

enum { UNITS_BYTES = 128, SHAPE_BYTES = 96, NAME_COLUMN = 44, TYPE_COLUMN = 10 };

typedef struct listing {
    FILE *out;
    const char *path;
    char dir[PATH_MAX]; /* path's directory, for external link targets */
    int scalars;
    size_t datasets, hidden_scalars, links, missing;
} listing;

/* Names may hold control characters (k11-18014.nxs has "\n\t..."). */
static void print_name(FILE *out, const char *name) {
    int width = fprintf(out, "/");
    for (const char *c = name; *c; ++c) {
        if ((unsigned char)*c < ' ')
            width += fprintf(out, "\\x%02x", (unsigned char)*c);
        else
            width += fputc(*c, out) != EOF;
    }
    fprintf(out, "%*s", width < NAME_COLUMN ? NAME_COLUMN - width : 1, "");
}

/* The "units" attribute of a dataset, if it is a string. */
static void read_units(hid_t dset, char *units, size_t len) {
    units[0] = '\0';
    if (H5Aexists(dset, "units") <= 0)
        return;
    hid_t attr = H5Aopen(dset, "units", H5P_DEFAULT);
    hid_t type = attr >= 0 ? H5Aget_type(attr) : H5I_INVALID_HID;
    if (type >= 0 && H5Tget_class(type) == H5T_STRING) {
        if (H5Tis_variable_str(type) > 0) {
            char *value = NULL;
            hid_t mem = H5Tcopy(H5T_C_S1);
            H5Tset_size(mem, H5T_VARIABLE);
            H5Tset_cset(mem, H5Tget_cset(type));
            if (H5Aread(attr, mem, &value) >= 0 && value)
                snprintf(units, len, "%s", value);
            if (value)
                H5free_memory(value);
            H5Tclose(mem);
        } else if (H5Tget_size(type) < len) {
            memset(units, 0, len);
            H5Aread(attr, type, units);
        }
    }
    if (type >= 0)
        H5Tclose(type);
    if (attr >= 0)
        H5Aclose(attr);
}

static void print_dataset(listing *l, hid_t group, const char *name) {
    hid_t dset = H5Dopen2(group, name, H5P_DEFAULT);
    if (dset < 0) {
        ++l->datasets;
        print_name(l->out, name);
        fprintf(l->out, "(cannot open)\n");
        return;
    }
    hid_t space = H5Dget_space(dset), type = H5Dget_type(dset);
    int ndim = H5Sget_simple_extent_ndims(space);
    hsize_t dims[H5S_MAX_RANK];
    H5Sget_simple_extent_dims(space, dims, NULL);
    if (ndim > 0 || l->scalars) {
        ++l->datasets;
        char text[TES_H5_TYPE_TEXT_BYTES], shape[SHAPE_BYTES] = "scalar", units[UNITS_BYTES];
        tes_dtype dtype;
        int supported = 0, native = 0;
        tes_h5_type_describe(type, &dtype, &supported, &native, text, sizeof text);
        size_t used = 0;
        for (int i = 0; i < ndim && used < sizeof shape; ++i)
            used += (size_t)snprintf(shape + used, sizeof shape - used, "%s%llu", i ? ", " : "(",
                                     (unsigned long long)dims[i]);
        if (ndim > 0 && used < sizeof shape)
            snprintf(shape + used, sizeof shape - used, ")");
        read_units(dset, units, sizeof units);
        print_name(l->out, name);
        fprintf(l->out, "%-*s %s", TYPE_COLUMN, text, shape);
        if (units[0])
            fprintf(l->out, "  units \"%s\"", units);
        fprintf(l->out, "\n");
    } else {
        ++l->hidden_scalars;
    }
    H5Tclose(type);
    H5Sclose(space);
    H5Dclose(dset);
}

static void print_external(listing *l, hid_t group, const char *name, size_t size) {
    char *val = malloc(size ? size : 1);
    const char *file = NULL, *object = NULL;
    unsigned flags = 0;
    ++l->links;
    print_name(l->out, name);
    if (!val || H5Lget_val(group, name, val, size, H5P_DEFAULT) < 0 ||
        H5Lunpack_elink_val(val, size, &flags, &file, &object) < 0) {
        fprintf(l->out, "external link (unreadable)\n");
        free(val);
        return;
    }
    char resolved[PATH_MAX];
    snprintf(resolved, sizeof resolved, "%s%s", file[0] == '/' ? "" : l->dir, file);
    struct stat sb;
    int exists = stat(resolved, &sb) == 0;
    l->missing += !exists;
    fprintf(l->out, "-> %s:%s%s\n", file, object, exists ? "" : "  (missing file)");
    free(val);
}

static herr_t visit(hid_t group, const char *name, const H5L_info_t *info, void *data) {
    listing *l = data;
    if (info->type == H5L_TYPE_EXTERNAL) {
        print_external(l, group, name, info->u.val_size);
    } else if (info->type == H5L_TYPE_SOFT) {
        char target[PATH_MAX] = "";
        H5Lget_val(group, name, target, sizeof target - 1, H5P_DEFAULT);
        ++l->links;
        print_name(l->out, name);
        fprintf(l->out, "-> %s (soft link)\n", target);
    } else if (info->type == H5L_TYPE_HARD) {
        H5O_info_t oinfo;
        if (H5Oget_info_by_name(group, name, &oinfo, H5P_DEFAULT) >= 0 &&
            oinfo.type == H5O_TYPE_DATASET)
            print_dataset(l, group, name);
    }
    return 0;
}

tes_status tes_h5_contents_print(FILE *out, const char *path, int scalars) {
    listing l = {out, path, "", scalars, 0, 0, 0, 0};
    const char *slash = strrchr(path, '/');
    snprintf(l.dir, sizeof l.dir, "%.*s", slash ? (int)(slash - path) + 1 : 0, path);
    struct stat sb;
    TES_CHECK(stat(path, &sb) == 0, TES_ERR_INPUT, "input file %s does not exist", path);
    H5E_auto2_t saved;
    void *saved_data;
    H5Eget_auto2(H5E_DEFAULT, &saved, &saved_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    htri_t is_hdf5 = H5Fis_hdf5(path);
    hid_t file = is_hdf5 > 0 ? H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT) : H5I_INVALID_HID;
    char why[TES_H5_ERROR_BYTES] = "";
    tes_h5_error_text(why, sizeof why);
    tes_status st = TES_OK;
    if (is_hdf5 <= 0)
        st = tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                           "input file %s is not an HDF5 file", path);
    else if (file < 0)
        st = tes_error_set(TES_ERR_INPUT, __FILE__, __LINE__, __func__,
                           "cannot open %s as HDF5: %s", path, why);
    if (st == TES_OK) {
        fprintf(out, "%s: HDF5, %lld bytes\n", path, (long long)sb.st_size);
        H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, visit, &l);
        fprintf(out, "%zu dataset(s) listed, %zu link(s)", l.datasets, l.links);
        if (l.missing)
            fprintf(out, ", %zu to missing files", l.missing);
        if (l.hidden_scalars)
            fprintf(out, "; %zu scalar dataset(s) not shown (--all shows them)", l.hidden_scalars);
        fprintf(out, "\n");
        H5Fclose(file);
    }
    H5Eset_auto2(H5E_DEFAULT, saved, saved_data);
    return st;
}
