/* h5check: a dataset written by the tessera command has the expected
 * shape (read through io/h5array), carries the named attributes, and
 * equals a reference dataset to a relative tolerance.
 *
 * Usage: h5check FILE[:/DATASET] D0,D1,D2 [--attr NAME]... [--like REF[:/DATASET] RELTOL]
 * RELTOL bounds max |a - b| / max |b|. */
#include "testing.h"

#include <hdf5.h>
#include <mpi.h>

#include "io/h5array.h"

static void check_attr(const tes_h5_name *name, const char *attr) {
    hid_t f = H5Fopen(name->file, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = f >= 0 ? H5Dopen2(f, name->dataset, H5P_DEFAULT) : -1;
    EXPECT(d >= 0 && H5Aexists(d, attr) > 0, "%s:%s has no attribute '%s'", name->file,
           name->dataset, attr);
    if (d >= 0)
        H5Dclose(d);
    if (f >= 0)
        H5Fclose(f);
}

static void check_like(const tes_array *a, const char *ref_text, double tol) {
    tes_h5_name ref;
    tes_array *b = NULL;
    if (!EXPECT_OK(tes_h5_name_parse(ref_text, "/volume", "--like", &ref)) ||
        !EXPECT_OK(tes_h5_read(MPI_COMM_WORLD, &ref, 3, NULL, &b, NULL)))
        return;
    EXPECT(tes_array_count(a) == tes_array_count(b), "reference has another size");
    double diff = 0, scale = 0;
    const float *x = a->data, *y = b->data;
    for (size_t i = 0; i < tes_array_count(a) && i < tes_array_count(b); ++i) {
        diff = fmax(diff, fabs((double)x[i] - (double)y[i]));
        scale = fmax(scale, fabs((double)y[i]));
    }
    EXPECT(scale > 0, "reference is all zero");
    EXPECT(diff <= tol * scale, "max difference %g exceeds %g x max %g", diff, tol, scale);
    printf("max |a - b| = %g, max |b| = %g\n", diff, scale);
    tes_array_destroy(&b);
}

static int run(int argc, char **argv) {
    tes_h5_name name;
    size_t want[3];
    if (argc < 3 || sscanf(argv[2], "%zu,%zu,%zu", &want[0], &want[1], &want[2]) != 3) {
        fprintf(stderr, "usage: h5check FILE[:/DATASET] D0,D1,D2 [--attr NAME]... "
                        "[--like REF[:/DATASET] RELTOL]\n");
        return 2;
    }
    tes_h5_info info;
    tes_array *a = NULL;
    if (!EXPECT_OK(tes_h5_name_parse(argv[1], "/volume", "h5check", &name)) ||
        !EXPECT_OK(tes_h5_query(MPI_COMM_WORLD, &name, 3, &info)) ||
        !EXPECT_OK(tes_h5_read(MPI_COMM_WORLD, &name, 3, NULL, &a, NULL)))
        return tes_test_finish("h5check");
    EXPECT(info.shape[0] == want[0] && info.shape[1] == want[1] && info.shape[2] == want[2],
           "%s:%s has shape (%zu, %zu, %zu), expected (%zu, %zu, %zu)", name.file, name.dataset,
           info.shape[0], info.shape[1], info.shape[2], want[0], want[1], want[2]);
    EXPECT(!strcmp(info.type, "float32"), "stored as %s, expected float32", info.type);
    int finite = 1;
    for (size_t i = 0; i < tes_array_count(a); ++i)
        finite &= isfinite(((const float *)a->data)[i]);
    EXPECT(finite, "the data hold NaN or Inf");
    for (int i = 3; i < argc; ++i) {
        if (!strcmp(argv[i], "--attr") && i + 1 < argc) {
            check_attr(&name, argv[++i]);
        } else if (!strcmp(argv[i], "--like") && i + 2 < argc) {
            check_like(a, argv[i + 1], atof(argv[i + 2]));
            i += 2;
        } else {
            EXPECT(0, "unknown argument '%s'", argv[i]);
        }
    }
    tes_array_destroy(&a);
    return tes_test_finish("h5check");
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int code = run(argc, argv);
    MPI_Finalize();
    return code;
}
