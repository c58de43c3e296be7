#include "io/checkpoint.h"

#include <hdf5.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/agree.h"
#include "io/mpio.h"

#define TES_CHECKPOINT_TEMP_SUFFIX ".partial"
#define TES_CHECKPOINT_X           "x"
enum { TES_CHECKPOINT_PATH_BYTES = 4096, TES_CHECKPOINT_DATASET_BYTES = 64 };

/* The scalars of the state, as root attributes. */
typedef struct scalar_attr {
    const char *name;
    size_t offset;
} scalar_attr;

static const scalar_attr scalar_attrs[] = {
    {"initial_residual", offsetof(tes_solver_state, initial_residual)},
    {"residual", offsetof(tes_solver_state, residual)},
    {"rho", offsetof(tes_solver_state, rho)},
    {"gamma", offsetof(tes_solver_state, gamma)},
};
enum { TES_CHECKPOINT_SCALARS = sizeof scalar_attrs / sizeof scalar_attrs[0] };

static double *scalar_of(tes_solver_state *s, size_t i) {
    return (double *)((char *)s + scalar_attrs[i].offset);
}

tes_status tes_checkpoint_exists(MPI_Comm comm, const char *path, int *exists) {
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    int found = rank == 0 ? access(path, F_OK) == 0 : 0;
    TES_CHECK(MPI_Bcast(&found, 1, MPI_INT, 0, comm) == MPI_SUCCESS, TES_ERR_MPI,
              "checkpoint %s: broadcast failed", path);
    *exists = found;
    return TES_OK;
}

static hid_t open_fapl(MPI_Comm comm) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0 && tes_h5_set_fapl_mpio(fapl, comm) < 0) {
        H5Pclose(fapl);
        return -1;
    }
    return fapl;
}

static tes_status attr_write(hid_t obj, const char *name, hid_t type, const void *value) {
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t a = space >= 0 ? H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT) : -1;
    herr_t e = a >= 0 ? H5Awrite(a, type, value) : -1;
    if (a >= 0)
        H5Aclose(a);
    if (space >= 0)
        H5Sclose(space);
    TES_CHECK(e >= 0, TES_ERR_IO, "checkpoint: cannot write attribute '%s'", name);
    return TES_OK;
}

static tes_status attr_read(hid_t obj, const char *path, const char *name, hid_t type,
                            void *value) {
    hid_t a = H5Aexists(obj, name) > 0 ? H5Aopen(obj, name, H5P_DEFAULT) : -1;
    herr_t e = a >= 0 ? H5Aread(a, type, value) : -1;
    if (a >= 0)
        H5Aclose(a);
    TES_CHECK(e >= 0, TES_ERR_INPUT, "checkpoint %s: no attribute '%s' (not a tessera checkpoint?)",
              path, name);
    return TES_OK;
}

static hid_t text_type(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0)
        H5Tset_size(t, TES_CHECKPOINT_NAME_BYTES);
    return t;
}

static tes_status write_meta(hid_t file, const tes_checkpoint_meta *m,
                             const tes_solver_state *state) {
    TES_CALL(attr_write(file, "job_hash", H5T_NATIVE_UINT64, &m->hash));
    TES_CALL(attr_write(file, "ranks", H5T_NATIVE_INT, &m->nranks));
    TES_CALL(attr_write(file, "p_slab", H5T_NATIVE_INT, &m->p_slab));
    TES_CALL(attr_write(file, "p_view", H5T_NATIVE_INT, &m->p_view));
    TES_CALL(attr_write(file, "iteration", H5T_NATIVE_INT, &m->iteration));
    hid_t t = text_type();
    tes_status st = attr_write(file, "algorithm", t, m->algorithm);
    H5Tclose(t);
    TES_CALL(st);
    tes_solver_state copy = state ? *state : (tes_solver_state){0};
    for (size_t i = 0; i < TES_CHECKPOINT_SCALARS; ++i)
        TES_CALL(attr_write(file, scalar_attrs[i].name, H5T_NATIVE_DOUBLE, scalar_of(&copy, i)));
    return TES_OK;
}

/* This rank's element offset in a vector of every rank's local arrays, and
 * the total. */
static tes_status rank_offset(MPI_Comm comm, size_t count, size_t *offset, size_t *total) {
    unsigned long long n = count, before = 0, all = 0;
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    TES_CHECK(MPI_Exscan(&n, &before, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, comm) == MPI_SUCCESS &&
                  MPI_Allreduce(&n, &all, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, comm) == MPI_SUCCESS,
              TES_ERR_MPI, "checkpoint: offsets of the ranks' vectors");
    *offset = rank == 0 ? 0 : (size_t)before;
    *total = (size_t)all;
    return TES_OK;
}

static hid_t collective_dxpl(void) {
    hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
    if (dxpl >= 0)
        H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
    return dxpl;
}

/* Write (read) this rank's host float32 array at its offset of dataset name. */
static tes_status vector_io(MPI_Comm comm, hid_t file, const char *name, tes_array *host,
                            int writing) {
    size_t offset = 0, total = 0, count = tes_array_count(host);
    TES_CALL(rank_offset(comm, count, &offset, &total));
    hid_t dset = -1, fspace = -1, mspace = -1, dxpl = collective_dxpl();
    if (writing) {
        hsize_t dims = total;
        fspace = H5Screate_simple(1, &dims, NULL);
        dset =
            H5Dcreate2(file, name, H5T_NATIVE_FLOAT, fspace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    } else {
        dset = H5Lexists(file, name, H5P_DEFAULT) > 0 ? H5Dopen2(file, name, H5P_DEFAULT) : -1;
        fspace = dset >= 0 ? H5Dget_space(dset) : -1;
    }
    hssize_t stored = fspace >= 0 ? H5Sget_simple_extent_npoints(fspace) : -1;
    hsize_t start = offset, n = count;
    herr_t e = -1;
    if (dset >= 0 && stored == (hssize_t)total) {
        mspace = H5Screate_simple(1, &n, NULL);
        if (count == 0) {
            H5Sselect_none(fspace);
            H5Sselect_none(mspace);
        } else {
            H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &n, NULL);
        }
        e = writing ? H5Dwrite(dset, H5T_NATIVE_FLOAT, mspace, fspace, dxpl, host->data)
                    : H5Dread(dset, H5T_NATIVE_FLOAT, mspace, fspace, dxpl, host->data);
    }
    if (mspace >= 0)
        H5Sclose(mspace);
    if (fspace >= 0)
        H5Sclose(fspace);
    if (dset >= 0)
        H5Dclose(dset);
    if (dxpl >= 0)
        H5Pclose(dxpl);
    TES_CHECK(dset >= 0, TES_ERR_INPUT, "checkpoint: no dataset '%s'", name);
    TES_CHECK(stored == (hssize_t)total, TES_ERR_INPUT,
              "checkpoint: dataset '%s' holds %lld values, the ranks' vectors %zu", name,
              (long long)stored, total);
    TES_CHECK(e >= 0, TES_ERR_IO, "checkpoint: cannot %s dataset '%s'", writing ? "write" : "read",
              name);
    return TES_OK;
}

static tes_status vector_write(MPI_Comm comm, hid_t file, const char *name, const tes_array *a) {
    tes_array *host = NULL;
    tes_status st = tes_array_clone(&host, a, TES_HOST);
    if (st == TES_OK)
        st = vector_io(comm, file, name, host, 1);
    tes_array_destroy(&host);
    return st;
}

static tes_status vector_read(MPI_Comm comm, hid_t file, const char *name, tes_array *a) {
    tes_array *host = NULL;
    tes_status st = tes_array_clone(&host, a, TES_HOST);
    if (st == TES_OK)
        st = vector_io(comm, file, name, host, 0);
    if (st == TES_OK)
        st = tes_array_copy(a, host);
    tes_array_destroy(&host);
    return st;
}

static tes_status write_file(MPI_Comm comm, const char *temp, const tes_checkpoint_meta *meta,
                             const tes_solver_state *state, const tes_array *x) {
    hid_t fapl = open_fapl(comm);
    hid_t file = fapl >= 0 ? H5Fcreate(temp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl) : -1;
    if (fapl >= 0)
        H5Pclose(fapl);
    TES_CHECK(file >= 0, TES_ERR_IO, "checkpoint: cannot create '%s'", temp);
    tes_status st = write_meta(file, meta, state);
    if (st == TES_OK)
        st = vector_write(comm, file, TES_CHECKPOINT_X, x);
    for (size_t i = 0; st == TES_OK && state && i < state->nvectors; ++i)
        st = vector_write(comm, file, state->names[i], state->vectors[i]);
    if (H5Fclose(file) < 0 && st == TES_OK)
        st = tes_error_set(TES_ERR_IO, __FILE__, __LINE__, __func__,
                           "checkpoint: cannot close '%s'", temp);
    return st;
}

tes_status tes_checkpoint_write(MPI_Comm comm, const char *path, const tes_checkpoint_meta *meta,
                                const tes_solver_state *state, const tes_array *x) {
    char temp[TES_CHECKPOINT_PATH_BYTES];
    TES_CHECK(snprintf(temp, sizeof temp, "%s%s", path, TES_CHECKPOINT_TEMP_SUFFIX) <
                  (int)sizeof temp,
              TES_ERR_ARG, "checkpoint: path too long: %s", path);
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    tes_status st = write_file(comm, temp, meta, state, x);
    st = tes_status_agree(comm, st);
    if (rank == 0) {
        if (st == TES_OK && rename(temp, path) != 0)
            st = tes_error_set(TES_ERR_IO, __FILE__, __LINE__, __func__,
                               "checkpoint: cannot rename '%s' onto '%s'", temp, path);
        if (st != TES_OK)
            unlink(temp);
    }
    TES_CALL(tes_status_agree(comm, st));
    return TES_OK;
}

static tes_status open_read(MPI_Comm comm, const char *path, hid_t *file) {
    hid_t fapl = open_fapl(comm);
    *file = fapl >= 0 ? H5Fopen(path, H5F_ACC_RDONLY, fapl) : -1;
    if (fapl >= 0)
        H5Pclose(fapl);
    TES_CHECK(*file >= 0, TES_ERR_INPUT, "checkpoint %s: cannot open it as HDF5", path);
    return TES_OK;
}

static tes_status read_meta(hid_t file, const char *path, tes_checkpoint_meta *m) {
    *m = (tes_checkpoint_meta){0};
    TES_CALL(attr_read(file, path, "job_hash", H5T_NATIVE_UINT64, &m->hash));
    TES_CALL(attr_read(file, path, "ranks", H5T_NATIVE_INT, &m->nranks));
    TES_CALL(attr_read(file, path, "p_slab", H5T_NATIVE_INT, &m->p_slab));
    TES_CALL(attr_read(file, path, "p_view", H5T_NATIVE_INT, &m->p_view));
    TES_CALL(attr_read(file, path, "iteration", H5T_NATIVE_INT, &m->iteration));
    hid_t t = text_type();
    tes_status st = attr_read(file, path, "algorithm", t, m->algorithm);
    H5Tclose(t);
    m->algorithm[TES_CHECKPOINT_NAME_BYTES - 1] = '\0';
    return st;
}

tes_status tes_checkpoint_read_meta(MPI_Comm comm, const char *path, tes_checkpoint_meta *meta) {
    hid_t file = -1;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    TES_CALL(open_read(comm, path, &file));
    tes_status st = read_meta(file, path, meta);
    H5Fclose(file);
    TES_CALL(tes_status_agree(comm, st));
    return TES_OK;
}

tes_status tes_checkpoint_match(const char *path, const tes_checkpoint_meta *found,
                                const tes_checkpoint_meta *expected) {
    TES_CHECK(found->hash == expected->hash, TES_ERR_INPUT,
              "checkpoint %s belongs to another job (hash %016" PRIx64 ", this job's %016" PRIx64
              "): remove it or name another [checkpoint] file",
              path, found->hash, expected->hash);
    TES_CHECK(found->nranks == expected->nranks && found->p_slab == expected->p_slab &&
                  found->p_view == expected->p_view,
              TES_ERR_INPUT,
              "checkpoint %s was written on another grid (%d ranks, %dx%d), this run has %d "
              "ranks, %dx%d: resume with the same ranks and grid",
              path, found->nranks, found->p_slab, found->p_view, expected->nranks, expected->p_slab,
              expected->p_view);
    TES_CHECK(!strcmp(found->algorithm, expected->algorithm), TES_ERR_INPUT,
              "checkpoint %s is of algorithm %s, this job runs %s", path, found->algorithm,
              expected->algorithm);
    return TES_OK;
}

static tes_status read_state(MPI_Comm comm, hid_t file, const char *path, tes_array *x,
                             tes_solver_state *state) {
    if (x)
        TES_CALL(vector_read(comm, file, TES_CHECKPOINT_X, x));
    if (!state)
        return TES_OK;
    TES_CALL(attr_read(file, path, "iteration", H5T_NATIVE_INT, &state->iteration));
    for (size_t i = 0; i < TES_CHECKPOINT_SCALARS; ++i)
        TES_CALL(
            attr_read(file, path, scalar_attrs[i].name, H5T_NATIVE_DOUBLE, scalar_of(state, i)));
    for (size_t i = 0; i < state->nvectors; ++i)
        TES_CALL(vector_read(comm, file, state->names[i], state->vectors[i]));
    return TES_OK;
}

tes_status tes_checkpoint_read(MPI_Comm comm, const char *path, tes_array *x,
                               tes_solver_state *state) {
    hid_t file = -1;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    TES_CALL(open_read(comm, path, &file));
    tes_status st = read_state(comm, file, path, x, state);
    H5Fclose(file);
    TES_CALL(tes_status_agree(comm, st));
    return TES_OK;
}
