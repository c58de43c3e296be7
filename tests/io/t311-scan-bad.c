/* t311: bad input to the scan reader and the preprocessing gets a clear
 * error naming the file, the dataset and what was expected, on every rank
 * alike, and nothing on disk changes: missing file, a directory, not HDF5,
 * truncated, missing datasets (detected, forced and user-given), dangling
 * external links (missing file, missing object), arrays of the wrong rank
 * or type, flats and darks of another shape, angle count and non-finite or
 * unknown-unit angles, bad image keys, a crop outside the detector, zero,
 * negative and non-finite flats. NaN/Inf in the projections are replaced
 * and counted (DESIGN: "NaN/Inf sanitised and counted in the log").
 * Any rank count. */
#include "io_testing.h"

#include <math.h>

#include "io/preprocess.h"
#include "io/scan.h"

enum { VIEWS = 6, ROWS = 5, COLS = 7, FLATS = 3, DARKS = 2, TRUNCATED_BYTES = 2048 };

typedef struct dx_spec {
    int ndim_data;               /* 3, or 2 for the wrong rank */
    hsize_t flats_dims[3];       /* {0}: no flats */
    hsize_t darks_dims[3];       /* {0}: no darks */
    size_t ntheta;               /* 0: no theta */
    double bad_theta;            /* put at theta[3] when non-zero */
    const char *theta_units;     /* NULL: none */
    int negative_flat, nan_flat; /* one flat value at (1, 2, 3) */
    int nonfinite_data;          /* NaN at (1, 0, 0) and +Inf at (4, 2, 6) */
    int int16_data;              /* store the projections as int16 */
} dx_spec;

static dx_spec good_dx(void) {
    dx_spec s = {3, {FLATS, ROWS, COLS}, {DARKS, ROWS, COLS}, VIEWS, 0.0, "degrees", 0, 0, 0, 0};
    return s;
}

static void fill(float *v, size_t n, float value) {
    for (size_t i = 0; i < n; ++i)
        v[i] = value + (float)(i % 11);
}

static void write_dx(const char *name, const dx_spec *spec) {
    char path[PATH_MAX];
    hid_t f = h5t_create(io_path(path, name));
    float data[VIEWS * ROWS * (COLS + 1)], flats[FLATS * ROWS * (COLS + 1)],
        darks[DARKS * ROWS * (COLS + 1)];
    fill(data, VIEWS * ROWS * COLS, 500.0f);
    if (spec->nonfinite_data) {
        data[(1 * ROWS + 0) * COLS + 0] = NAN;
        data[(4 * ROWS + 2) * COLS + 6] = INFINITY;
    }
    hsize_t dims[3] = {VIEWS, ROWS, COLS}, dims2[2] = {VIEWS, COLS};
    if (spec->ndim_data == 2)
        h5t_write(f, "/exchange/data", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, dims2, data);
    else
        h5t_write(f, "/exchange/data", spec->int16_data ? H5T_STD_I16LE : H5T_IEEE_F32LE,
                  H5T_NATIVE_FLOAT, 3, dims, data);
    if (spec->flats_dims[0]) {
        fill(flats, FLATS * ROWS * (COLS + 1), 1000.0f);
        if (spec->negative_flat)
            flats[(1 * ROWS + 2) * COLS + 3] = -5.0f;
        if (spec->nan_flat)
            flats[(1 * ROWS + 2) * COLS + 3] = NAN;
        h5t_write(f, "/exchange/data_white", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 3, spec->flats_dims,
                  flats);
    }
    if (spec->darks_dims[0]) {
        fill(darks, DARKS * ROWS * (COLS + 1), 10.0f);
        h5t_write(f, "/exchange/data_dark", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 3, spec->darks_dims,
                  darks);
    }
    if (spec->ntheta) {
        double theta[VIEWS + 2];
        for (size_t i = 0; i < spec->ntheta; ++i)
            theta[i] = 30.0 * (double)i;
        if (spec->bad_theta != 0.0)
            theta[3] = spec->bad_theta;
        hsize_t n = spec->ntheta;
        h5t_write(f, "/exchange/theta", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n, theta);
        if (spec->theta_units)
            h5t_attr_text(f, "/exchange/theta", "units", spec->theta_units);
    }
    H5Fclose(f);
}

/* A NeXus file: frames at the NXtomo path as an external link to target
 * (NULL: stored in the file), nkeys keys with key 7 at bad_key (>= 0). */
static void write_nexus(const char *name, const char *target_file, const char *target_object,
                        size_t nkeys, int bad_key) {
    enum { FRAMES = 8 };
    char path[PATH_MAX];
    hid_t f = h5t_create(io_path(path, name));
    hsize_t dims[3] = {FRAMES, ROWS, COLS}, n = nkeys, nframes = FRAMES;
    if (target_file) {
        h5t_external(f, "/entry/instrument/detector/data", target_file, target_object);
    } else {
        uint16_t frames[FRAMES * ROWS * COLS] = {0};
        h5t_write(f, "/entry/instrument/detector/data", H5T_STD_U16LE, H5T_NATIVE_UINT16, 3, dims,
                  frames);
    }
    int keys[FRAMES + 1] = {2, 1, 0, 0, 0, 0, 1, 2, 0};
    if (bad_key >= 0)
        keys[bad_key] = 7;
    h5t_write(f, "/entry/instrument/detector/image_key", H5T_STD_I32LE, H5T_NATIVE_INT, 1, &n,
              keys);
    double angles[FRAMES] = {0, 0, 0, 45, 90, 135, 0, 0};
    h5t_write(f, "/entry/sample/rotation_angle", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &nframes,
              angles);
    H5Fclose(f);
}

static void write_text(const char *name, const char *text) {
    char path[PATH_MAX];
    FILE *fp = fopen(io_path(path, name), "w");
    fputs(text, fp);
    fclose(fp);
}

/* The first bytes of a good file. */
static void write_truncated(const char *name, const char *from) {
    char in[PATH_MAX], out[PATH_MAX];
    char buf[TRUNCATED_BYTES];
    FILE *fp = fopen(io_path(in, from), "rb");
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    fp = fopen(io_path(out, name), "wb");
    fwrite(buf, 1, n, fp);
    fclose(fp);
}

static void make_files(void) {
    dx_spec s = good_dx();
    s.ndim_data = 3;
    write_dx("good.h5", &s);
    /* Big enough that its first TRUNCATED_BYTES lack the data. */
    write_truncated("truncated.h5", "good.h5");
    write_text("text.h5", "this is not HDF5\n");
    char path[PATH_MAX];
    mkdir(io_path(path, "folder.h5"), 0755);
    hid_t f = h5t_create(io_path(path, "nodata.h5"));
    hsize_t n = VIEWS;
    double theta[VIEWS] = {0};
    h5t_write(f, "/exchange/theta", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n, theta);
    H5Fclose(f);
    s = good_dx();
    s.ndim_data = 2;
    write_dx("rank2.h5", &s);
    s = good_dx();
    s.int16_data = 1;
    write_dx("int16.h5", &s);
    s = good_dx();
    s.flats_dims[1] = ROWS - 1;
    write_dx("flatshape.h5", &s);
    s = good_dx();
    s.darks_dims[2] = COLS + 1;
    write_dx("darkshape.h5", &s);
    s = good_dx();
    s.ntheta = VIEWS - 1;
    write_dx("thetacount.h5", &s);
    s = good_dx();
    s.bad_theta = NAN;
    write_dx("nantheta.h5", &s);
    s = good_dx();
    s.bad_theta = INFINITY;
    write_dx("inftheta.h5", &s);
    s = good_dx();
    s.theta_units = "gradians";
    write_dx("gradians.h5", &s);
    s = good_dx();
    s.flats_dims[0] = 0;
    write_dx("noflats.h5", &s);
    s = good_dx();
    write_dx("zeroflats.h5", &s); /* flats zeroed by write_zero_flats */
    s = good_dx();
    s.negative_flat = 1;
    write_dx("negflats.h5", &s);
    s = good_dx();
    s.nan_flat = 1;
    write_dx("nanflats.h5", &s);
    s = good_dx();
    s.nonfinite_data = 1;
    write_dx("nandata.h5", &s);
    write_nexus("dangling.nxs", "gone/frames.h5", "/frames", 8, -1);
    write_nexus("frames.h5", NULL, NULL, 8, -1); /* a target that exists */
    write_nexus("noobject.nxs", "frames.h5", "/no/such/frames", 8, -1);
    write_nexus("badkey.nxs", NULL, NULL, 8, 4);
    write_nexus("keycount.nxs", NULL, NULL, 9, -1);
}

/* Zero flats: the flats of zeroflats.h5 overwritten with zeros. */
static void write_zero_flats(void) {
    char path[PATH_MAX];
    hid_t f = H5Fopen(io_path(path, "zeroflats.h5"), H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "/exchange/data_white", H5P_DEFAULT);
    float zeros[FLATS * ROWS * COLS] = {0};
    H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros);
    H5Dclose(d);
    H5Fclose(f);
}

typedef struct fingerprint {
    uint64_t file, dir;
    size_t entries;
} fingerprint;

static fingerprint take(const char *path) {
    fingerprint fp;
    fp.file = io_file_digest(path);
    fp.dir = io_dir_digest(io_dir, &fp.entries);
    return fp;
}

/* The call's status must be code on every rank, its message must hold
 * each of the texts, and nothing may have changed on disk. */
static void expect_failure(tes_status st, tes_status code, const char *path, fingerprint before,
                           const char *const *texts, const char *what) {
    io_expect_status(st, code, texts, what);
    fingerprint after = take(path);
    EXPECT(after.file == before.file, "%s: %s changed", what, path);
    EXPECT(after.dir == before.dir && after.entries == before.entries,
           "%s: the directory changed (%zu entries, were %zu)", what, after.entries,
           before.entries);
    tes_error_clear();
}

/* Open name with opt and expect code with all texts (NULL-terminated). */
static void expect_open(const char *name, const tes_scan_options *opt, tes_status code,
                        const char *const *texts) {
    char path[PATH_MAX];
    io_path(path, name);
    fingerprint before = take(path);
    tes_scan *s = NULL;
    tes_status st = tes_scan_open(&s, path, opt, MPI_COMM_WORLD);
    EXPECT(s == NULL, "%s: a failed open returned a scan", name);
    tes_scan_close(&s);
    expect_failure(st, code, path, before, texts, name);
}

/* Open name (must work), preprocess everything, expect code and texts. */
static void expect_load(const char *name, tes_status code, const char *const *texts) {
    char path[PATH_MAX];
    io_path(path, name);
    tes_scan *s = NULL;
    if (!EXPECT_OK(tes_scan_open(&s, path, NULL, MPI_COMM_WORLD)))
        return;
    fingerprint before = take(path);
    tes_array *y = NULL;
    tes_status st = tes_preprocess_load(&y, s, 0, s->nviews, 0, s->nrows, NULL, NULL);
    EXPECT(y == NULL, "%s: a failed load returned data", name);
    tes_array_destroy(&y);
    tes_scan_close(&s);
    expect_failure(st, code, path, before, texts, name);
}

#define TEXTS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_files(void) {
    expect_open("missing.h5", NULL, TES_ERR_INPUT, TEXTS("missing.h5", "does not exist"));
    expect_open("folder.h5", NULL, TES_ERR_INPUT, TEXTS("folder.h5", "not a regular file"));
    expect_open("text.h5", NULL, TES_ERR_INPUT, TEXTS("text.h5", "not an HDF5 file"));
    expect_open("truncated.h5", NULL, TES_ERR_INPUT, TEXTS("truncated.h5", "truncated"));
}

static void test_datasets(void) {
    expect_open("nodata.h5", NULL, TES_ERR_INPUT,
                TEXTS("nodata.h5", "cannot tell the format", "/exchange/data"));
    tes_scan_options opt = tes_scan_options_default();
    opt.format = TES_SCAN_DXCHANGE;
    expect_open("nodata.h5", &opt, TES_ERR_INPUT,
                TEXTS("nodata.h5", "has no dataset /exchange/data (the projections)"));
    opt = tes_scan_options_default();
    opt.paths.angles = "/exchange/angles_elsewhere";
    expect_open("good.h5", &opt, TES_ERR_INPUT,
                TEXTS("good.h5", "/exchange/angles_elsewhere (the angles)"));
    opt = tes_scan_options_default();
    opt.format = TES_SCAN_NEXUS;
    expect_open("good.h5", &opt, TES_ERR_INPUT,
                TEXTS("good.h5", "no NXtomo frames", "/entry/instrument/detector/image_key"));
    expect_open("rank2.h5", NULL, TES_ERR_INPUT,
                TEXTS("rank2.h5", "/exchange/data", "2 dimension(s) (6, 7)", "expected 3"));
    expect_open("int16.h5", NULL, TES_ERR_INPUT, TEXTS("int16.h5", "int16", "/exchange/data"));
    expect_open("flatshape.h5", NULL, TES_ERR_INPUT,
                TEXTS("flatshape.h5", "/exchange/data_white (the flats) has shape (3, 4, 7)",
                      "expected (n, 5, 7)"));
    expect_open("darkshape.h5", NULL, TES_ERR_INPUT,
                TEXTS("darkshape.h5", "/exchange/data_dark (the darks) has shape (2, 5, 8)"));
    expect_open("noflats.h5", NULL, TES_ERR_INPUT,
                TEXTS("noflats.h5", "/exchange/data_white (the flats)", "raw counts need flats"));
    opt = tes_scan_options_default();
    opt.values = TES_VALUES_LINE_INTEGRALS;
    tes_scan *s = NULL;
    char path[PATH_MAX];
    EXPECT_OK(tes_scan_open(&s, io_path(path, "noflats.h5"), &opt, MPI_COMM_WORLD));
    tes_scan_close(&s);
    opt = tes_scan_options_default();
    opt.row_end = ROWS + 4;
    expect_open("good.h5", &opt, TES_ERR_ARG,
                TEXTS("good.h5", "row crop [0, 9)", "5 detector rows"));
}

static void test_angles_and_keys(void) {
    expect_open("thetacount.h5", NULL, TES_ERR_INPUT,
                TEXTS("thetacount.h5", "/exchange/theta holds 5 angles",
                      "/exchange/data has 6 projection(s)"));
    expect_open("nantheta.h5", NULL, TES_ERR_INPUT,
                TEXTS("nantheta.h5", "/exchange/theta[3]", "nan", "must be finite"));
    expect_open("inftheta.h5", NULL, TES_ERR_INPUT,
                TEXTS("inftheta.h5", "/exchange/theta[3]", "inf", "must be finite"));
    expect_open("gradians.h5", NULL, TES_ERR_INPUT,
                TEXTS("gradians.h5", "\"gradians\"", "expected degrees or radians"));
    expect_open("badkey.nxs", NULL, TES_ERR_INPUT,
                TEXTS("badkey.nxs", "/entry/instrument/detector/image_key[4] is 7"));
    expect_open("keycount.nxs", NULL, TES_ERR_INPUT,
                TEXTS("keycount.nxs", "holds 9 image keys", "has 8 frames"));
}

static void test_links(void) {
    expect_open("dangling.nxs", NULL, TES_ERR_INPUT,
                TEXTS("dangling.nxs", "/entry/instrument/detector/data", "gone/frames.h5:/frames",
                      "does not exist"));
    expect_open("noobject.nxs", NULL, TES_ERR_INPUT,
                TEXTS("noobject.nxs", "/entry/instrument/detector/data",
                      "frames.h5:/no/such/frames", "has no such object"));
}

static void test_references(void) {
    expect_load("zeroflats.h5", TES_ERR_INPUT,
                TEXTS("zeroflats.h5", "flats are not brighter than the darks"));
    expect_load("negflats.h5", TES_ERR_INPUT,
                TEXTS("negflats.h5", "/exchange/data_white", "frame 1, row 2, column 3 is -5",
                      "non-negative"));
    expect_load(
        "nanflats.h5", TES_ERR_INPUT,
        TEXTS("nanflats.h5", "/exchange/data_white", "frame 1, row 2, column 3 is nan", "finite"));
}

/* NaN/Inf projections: replaced by 0 and counted, the rest untouched. */
static void test_nonfinite_data(void) {
    char path[PATH_MAX];
    tes_scan *s = NULL;
    if (!EXPECT_OK(tes_scan_open(&s, io_path(path, "nandata.h5"), NULL, MPI_COMM_WORLD)))
        return;
    size_t v0 = (size_t)io_rank * VIEWS / (size_t)io_nranks;
    size_t v1 = (size_t)(io_rank + 1) * VIEWS / (size_t)io_nranks;
    tes_array *y = NULL;
    tes_preprocess_stats total = {0};
    if (EXPECT_OK(tes_preprocess_load(&y, s, v0, v1, 0, ROWS, NULL, &total))) {
        EXPECT(total.nonfinite == 2, "%zu NaN/Inf counted, expected 2", total.nonfinite);
        EXPECT(total.values == VIEWS * ROWS * COLS, "%zu values counted", total.values);
        const float *v = y->data;
        size_t finite = 0;
        for (size_t i = 0; i < tes_array_count(y); ++i)
            finite += isfinite(v[i]) != 0;
        EXPECT(finite == tes_array_count(y), "non-finite values left");
        if (v0 <= 1 && 1 < v1)
            EXPECT(v[((1 - v0) * ROWS + 0) * COLS + 0] == 0.0f, "NaN not replaced by 0");
        if (v0 <= 4 && 4 < v1)
            EXPECT(v[((4 - v0) * ROWS + 2) * COLS + 6] == 0.0f, "Inf not replaced by 0");
    }
    tes_array_destroy(&y);
    tes_scan_close(&s);
}

int main(int argc, char **argv) {
    io_test_init(&argc, &argv, "t311");
    if (io_rank == 0) {
        make_files();
        write_zero_flats();
    }
    MPI_Barrier(MPI_COMM_WORLD);
    test_files();
    test_datasets();
    test_angles_and_keys();
    test_links();
    test_references();
    test_nonfinite_data();
    return io_test_finish("t311-scan-bad");
}
