/* t301: a slab-split float32 array written collectively (every rank its
 * block, one rank with an empty block) reads back equal, whole and as
 * hyperslabs of axis 0 and 1; the write really was collective; an existing
 * output is refused and left untouched unless overwriting is asked for;
 * stored types other than float32 are converted; bad inputs get clear
 * errors. Runs on any number of ranks; argv[1] names the run (its files). */
#include "testing.h"

#include <hdf5.h>
#include <mpi.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "io/h5array.h"

enum { ROWS = 10, DIM1 = 6, DIM2 = 5, NAME_BYTES = 256, SPEC_BYTES = 512 };

static float value_at(size_t i, size_t j, size_t k, float salt) {
    return salt + (float)(i * 10000 + j * 100 + k);
}

/* Rows [*begin, *end) of rank r when rank skip holds nothing (skip < 0:
 * nobody is skipped) and the others split ROWS evenly. */
static void block_of(int r, int nranks, int skip, size_t *begin, size_t *end) {
    int holders = skip >= 0 && nranks > 1 ? nranks - 1 : nranks;
    int slot = skip >= 0 && nranks > 1 ? (r < skip ? r : r - 1) : r;
    if (skip >= 0 && nranks > 1 && r == skip) {
        *begin = *end = 0;
        return;
    }
    *begin = (size_t)slot * ROWS / (size_t)holders;
    *end = (size_t)(slot + 1) * ROWS / (size_t)holders;
}

static tes_array *make_block(size_t begin, size_t end, float salt) {
    size_t shape[3] = {end - begin, DIM1, DIM2};
    tes_array *a = NULL;
    if (!EXPECT_OK(tes_array_create(&a, TES_FLOAT32, TES_HOST, 3, shape)))
        return NULL;
    float *d = a->data;
    for (size_t i = begin; i < end; ++i)
        for (size_t j = 0; j < DIM1; ++j)
            for (size_t k = 0; k < DIM2; ++k)
                d[((i - begin) * DIM1 + j) * DIM2 + k] = value_at(i, j, k, salt);
    return a;
}

/* Read rows [b0, e0) and [b1, e1) of axis 1 and compare with value_at. */
static void check_read(const tes_h5_name *name, size_t b0, size_t e0, size_t b1, size_t e1,
                       float salt) {
    tes_h5_block block = {b0, e0, b1, e1};
    tes_array *a = NULL;
    tes_h5_io_report report;
    if (!EXPECT_OK(tes_h5_read(MPI_COMM_WORLD, name, 3, &block, &a, &report)))
        return;
    size_t n0 = (e0 == TES_H5_TO_END ? ROWS : e0) - b0;
    size_t n1 = (e1 == TES_H5_TO_END ? DIM1 : e1) - b1;
    EXPECT(a->shape[0] == n0 && a->shape[1] == n1 && a->shape[2] == DIM2,
           "read shape (%zu, %zu, %zu)", a->shape[0], a->shape[1], a->shape[2]);
    int bad = 0;
    const float *d = a->data;
    for (size_t i = 0; i < a->shape[0]; ++i)
        for (size_t j = 0; j < a->shape[1]; ++j)
            for (size_t k = 0; k < DIM2; ++k)
                bad += d[(i * a->shape[1] + j) * DIM2 + k] != value_at(b0 + i, b1 + j, k, salt);
    EXPECT(bad == 0, "%d elements of rows [%zu, %zu) x [%zu, %zu) differ", bad, b0, e0, b1, e1);
    EXPECT(report.collective, "read was not collective (%s)", report.mode);
    tes_array_destroy(&a);
}

static void write_and_check(const tes_h5_name *name, int rank, int nranks, int skip, float salt,
                            int overwrite) {
    size_t begin, end;
    block_of(rank, nranks, skip, &begin, &end);
    tes_array *local = make_block(begin, end, salt);
    tes_h5_attr attrs[2] = {{"geometry", "{\"kind\": \"test\"}", 0.0}, {"voxel_mm", NULL, 0.25}};
    /* A vector beside the array (written by rank 0 alone). */
    double angles[ROWS];
    for (size_t i = 0; i < ROWS; ++i)
        angles[i] = 2.5 * (double)i + salt;
    tes_h5_vector theta = {"theta", angles, ROWS, "degrees"};
    tes_h5_write_options opt = {overwrite, "--force", attrs, 2, &theta, 1};
    tes_h5_io_report report;
    EXPECT_OK(tes_h5_write(MPI_COMM_WORLD, name, ROWS, begin, local, &opt, &report));
    int collective = report.collective, all = 0;
    MPI_Allreduce(&collective, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    EXPECT(all, "the write was not collective on every rank (here: %s)", report.mode);
    tes_array_destroy(&local);

    tes_h5_info info;
    if (EXPECT_OK(tes_h5_query(MPI_COMM_WORLD, name, 3, &info)))
        EXPECT(info.ndim == 3 && info.shape[0] == ROWS && info.shape[1] == DIM1 &&
                   info.shape[2] == DIM2 && !strcmp(info.type, "float32"),
               "query: %d dims, type %s", info.ndim, info.type);
    check_read(name, 0, TES_H5_TO_END, 0, TES_H5_TO_END, salt);
    check_read(name, begin, end, 1, 4, salt);     /* own rows, some of axis 1 */
    check_read(name, ROWS - 1, ROWS, 0, 0, salt); /* empty along axis 1 */

    /* The vector: in the array's group, every value, on every rank. */
    tes_h5_name vname = *name;
    snprintf(vname.dataset, sizeof vname.dataset, "%s", "/group/sub/theta");
    tes_array *v = NULL;
    tes_h5_block whole = tes_h5_block_all();
    if (EXPECT_OK(tes_h5_read(MPI_COMM_WORLD, &vname, 1, &whole, &v, NULL))) {
        int bad = tes_array_count(v) != ROWS;
        for (size_t i = 0; !bad && i < ROWS; ++i)
            bad += ((const float *)v->data)[i] != (float)angles[i];
        EXPECT(!bad, "the vector beside the array reads back wrong (%zu values)",
               tes_array_count(v));
    }
    tes_array_destroy(&v);
}

/* Read back the attributes with serial HDF5 on rank 0. */
static void check_attrs(const char *file, const char *dataset) {
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, dataset, H5P_DEFAULT);
    hid_t a = H5Aopen(d, "geometry", H5P_DEFAULT), t = H5Aget_type(a);
    char *text = NULL;
    EXPECT(H5Aread(a, t, &text) >= 0 && text && !strcmp(text, "{\"kind\": \"test\"}"),
           "string attribute");
    H5free_memory(text);
    H5Tclose(t);
    H5Aclose(a);
    double v = 0;
    a = H5Aopen(d, "voxel_mm", H5P_DEFAULT);
    EXPECT(H5Aread(a, H5T_NATIVE_DOUBLE, &v) >= 0 && v == 0.25, "double attribute %g", v);
    H5Aclose(a);
    H5Dclose(d);
    d = H5Dopen2(f, "/group/sub/theta", H5P_DEFAULT);
    a = H5Aopen(d, "units", H5P_DEFAULT);
    t = H5Aget_type(a);
    EXPECT(H5Aread(a, t, &text) >= 0 && text && !strcmp(text, "degrees"), "units of the vector");
    H5free_memory(text);
    H5Tclose(t);
    H5Aclose(a);
    H5Dclose(d);
    H5Fclose(f);
}

/* Serial HDF5 on rank 0: a uint16 dataset and a string dataset. */
static void make_other_types(const char *file) {
    hid_t f = H5Fcreate(file, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dims[3] = {4, 3, 2};
    unsigned short counts[24];
    for (int i = 0; i < 24; ++i)
        counts[i] = (unsigned short)(60000 + i);
    hid_t s = H5Screate_simple(3, dims, NULL);
    hid_t d =
        H5Dcreate2(f, "/exchange/data", H5T_STD_U16LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0) {
        hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
        H5Pset_create_intermediate_group(lcpl, 1);
        d = H5Dcreate2(f, "/exchange/data", H5T_STD_U16LE, s, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        H5Pclose(lcpl);
    }
    H5Dwrite(d, H5T_NATIVE_USHORT, H5S_ALL, H5S_ALL, H5P_DEFAULT, counts);
    H5Dclose(d);
    H5Sclose(s);
    hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, 8);
    hsize_t one = 1;
    s = H5Screate_simple(1, &one, NULL);
    d = H5Dcreate2(f, "/label", str, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, str, H5S_ALL, H5S_ALL, H5P_DEFAULT, "abcdefg");
    H5Dclose(d);
    H5Sclose(s);
    H5Tclose(str);
    H5Fclose(f);
}

static void check_other_types(int rank, const char *file) {
    if (rank == 0)
        make_other_types(file);
    MPI_Barrier(MPI_COMM_WORLD);
    tes_h5_name name;
    EXPECT_OK(tes_h5_name_parse(file, "/exchange/data", "--input", &name));
    tes_h5_info info;
    if (EXPECT_OK(tes_h5_query(MPI_COMM_WORLD, &name, 0, &info)))
        EXPECT(!strcmp(info.type, "uint16"), "type %s", info.type);
    tes_h5_block block = {1, 3, 1, 2};
    tes_array *a = NULL;
    if (EXPECT_OK(tes_h5_read(MPI_COMM_WORLD, &name, 3, &block, &a, NULL))) {
        const float *d = a->data;
        EXPECT(a->shape[0] == 2 && a->shape[1] == 1 && a->shape[2] == 2, "uint16 block shape");
        EXPECT(d[0] == 60008.0f && d[1] == 60009.0f && d[2] == 60014.0f && d[3] == 60015.0f,
               "uint16 values %g %g %g %g", d[0], d[1], d[2], d[3]);
        tes_array_destroy(&a);
    }
    EXPECT_ERROR(tes_h5_query(MPI_COMM_WORLD, &name, 2, &info), TES_ERR_SHAPE,
                 "has 3 dimensions (4, 3, 2), expected 2");
    EXPECT_OK(tes_h5_name_parse(file, "/label", "--input", &name));
    EXPECT_ERROR(tes_h5_query(MPI_COMM_WORLD, &name, 0, &info), TES_ERR_INPUT,
                 "holds string values, which cannot be read as float32");
    EXPECT_OK(tes_h5_name_parse(file, "/exchange/dark", "--input", &name));
    EXPECT_ERROR(tes_h5_query(MPI_COMM_WORLD, &name, 0, &info), TES_ERR_INPUT,
                 "has no dataset '/exchange/dark'");
    EXPECT_OK(tes_h5_name_parse(file, "/exchange", "--input", &name));
    EXPECT_ERROR(tes_h5_query(MPI_COMM_WORLD, &name, 0, &info), TES_ERR_INPUT,
                 "is a group, not a dataset");
}

static void check_bad_inputs(int rank, const char *text_file) {
    tes_h5_name name;
    tes_h5_info info;
    EXPECT_OK(tes_h5_name_parse("no-such-file.h5:/volume", "/x", "--input", &name));
    EXPECT(!strcmp(name.file, "no-such-file.h5") && !strcmp(name.dataset, "/volume"), "parse");
    EXPECT_ERROR(tes_h5_query(MPI_COMM_WORLD, &name, 3, &info), TES_ERR_INPUT,
                 "input 'no-such-file.h5' does not exist");
    if (rank == 0) {
        FILE *f = fopen(text_file, "w");
        fputs("not hdf5\n", f);
        fclose(f);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    EXPECT_OK(tes_h5_name_parse(text_file, "/volume", "--input", &name));
    EXPECT_ERROR(tes_h5_query(MPI_COMM_WORLD, &name, 3, &info), TES_ERR_INPUT,
                 "is not an HDF5 file");
    EXPECT_ERROR(tes_h5_name_parse("x.h5:/", "/v", "--output", &name), TES_ERR_ARG,
                 "--output: 'x.h5:/' does not name a dataset");
    EXPECT_ERROR(tes_h5_name_parse(":/v", "/v", "--output", &name), TES_ERR_ARG,
                 "--output: no file name");

    /* An output directory that does not exist fails before any work. */
    tes_h5_write_options opt = {0, "--force", NULL, 0, NULL, 0};
    EXPECT_ERROR(tes_h5_check_output(MPI_COMM_WORLD, "no-such-dir/out.h5", &opt), TES_ERR_INPUT,
                 "directory 'no-such-dir' does not exist");
}

/* Blocks that overlap are refused on every rank with the same message. */
static void check_bad_tiling(int rank, int nranks, const tes_h5_name *name) {
    if (nranks < 2)
        return;
    tes_array *local = make_block(0, ROWS, 0.0f);
    tes_h5_write_options opt = {1, NULL, NULL, 0, NULL, 0};
    EXPECT_ERROR(tes_h5_write(MPI_COMM_WORLD, name, ROWS, 0, local, &opt, NULL), TES_ERR_SHAPE,
                 "do not tile axis 0");
    tes_array_destroy(&local);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank = 0, nranks = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    tes_log_set_rank(rank);

    char file[NAME_BYTES], other[NAME_BYTES], text[NAME_BYTES], spec[SPEC_BYTES];
    /* argv[1] tells runs apart that ctest may start side by side. */
    const char *tag = argc > 1 ? argv[1] : "ompio";
    snprintf(file, sizeof file, "t301-%s-%d.h5", tag, nranks);
    snprintf(other, sizeof other, "t301-%s-%d-types.h5", tag, nranks);
    snprintf(text, sizeof text, "t301-%s-%d.txt", tag, nranks);
    snprintf(spec, sizeof spec, "%s:/group/sub/array", file);
    if (rank == 0)
        unlink(file);
    MPI_Barrier(MPI_COMM_WORLD);
    tes_h5_name name;
    EXPECT_OK(tes_h5_name_parse(spec, "/volume", "--output", &name));

    /* Rank 1 (if any) holds nothing. */
    write_and_check(&name, rank, nranks, 1, 0.5f, 0);
    if (rank == 0)
        check_attrs(file, name.dataset);

    /* Refused: the file stays as it was. */
    struct stat before, after;
    stat(file, &before);
    size_t begin, end;
    block_of(rank, nranks, -1, &begin, &end);
    tes_array *local = make_block(begin, end, 7.0f);
    tes_h5_write_options keep = {0, "--force", NULL, 0, NULL, 0};
    EXPECT_ERROR(tes_h5_write(MPI_COMM_WORLD, &name, ROWS, begin, local, &keep, NULL),
                 TES_ERR_INPUT, "already exists and was left untouched (use --force");
    EXPECT_ERROR(tes_h5_check_output(MPI_COMM_WORLD, file, &keep), TES_ERR_INPUT, "already exists");
    tes_array_destroy(&local);
    stat(file, &after);
    EXPECT(before.st_mtime == after.st_mtime && before.st_size == after.st_size &&
               before.st_ino == after.st_ino,
           "refused write changed the file");
    check_read(&name, 0, TES_H5_TO_END, 0, TES_H5_TO_END, 0.5f);

    /* Allowed: every rank holds a block this time. */
    write_and_check(&name, rank, nranks, -1, 3.0f, 1);
    check_bad_tiling(rank, nranks, &name);
    check_read(&name, 0, TES_H5_TO_END, 0, TES_H5_TO_END, 3.0f);

    check_other_types(rank, other);
    check_bad_inputs(rank, text);

    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        unlink(file);
        unlink(other);
        unlink(text);
    }
    int code = tes_test_finish("t301-h5array");
    MPI_Finalize();
    return code;
}
