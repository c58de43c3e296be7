/* t310: the scan reader on small synthetic files: a NeXus scan split over
 * two files by an external link (resolved against the .nxs directory, not
 * the working directory), frames sorted by image_key, uint16 read as stored
 * and collectively (a rank with nothing to read joins with an empty
 * selection), crops, view steps, view lists, reads in several pieces, flats
 * and darks; Data Exchange with and without theta and darks; explicit
 * paths and radians; preprocessing against the formula. Any rank count. */
#include "io_testing.h"

#include <math.h>

#include "io/preprocess.h"
#include "io/scan.h"

enum { FRAMES = 12, ROWS = 5, COLS = 7, DX_VIEWS = 6, DX_FLATS = 3, DX_DARKS = 2 };
static const int keys[FRAMES] = {2, 1, 0, 0, 0, 3, 0, 0, 0, 0, 1, 2};
static const size_t projection_frames[] = {2, 3, 4, 6, 7, 8, 9};
enum { PROJECTIONS = sizeof projection_frames / sizeof projection_frames[0] };

static unsigned value(size_t f, size_t r, size_t c) {
    return (unsigned)(f * 100 + r * 10 + c);
}

static double frame_degrees(size_t f) {
    return 10.0 * (double)f + 0.5;
}

static void write_nexus(void) {
    char path[PATH_MAX], sub[PATH_MAX];
    mkdir(io_path(sub, "sub"), 0755);
    uint16_t frames[FRAMES][ROWS][COLS];
    for (size_t f = 0; f < FRAMES; ++f)
        for (size_t r = 0; r < ROWS; ++r)
            for (size_t c = 0; c < COLS; ++c)
                frames[f][r][c] = (uint16_t)value(f, r, c);
    /* Frames in their own file, chunked one frame per chunk as at Diamond. */
    hid_t ff = h5t_create(io_path(path, "sub/frames.h5"));
    hsize_t dims[3] = {FRAMES, ROWS, COLS}, chunk[3] = {1, ROWS, COLS};
    hid_t space = H5Screate_simple(3, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 3, chunk);
    hid_t d = H5Dcreate2(ff, "/frames", H5T_STD_U16LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, frames);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Fclose(ff);

    hid_t f = h5t_create(io_path(path, "scan.nxs"));
    h5t_external(f, "/entry/instrument/detector/data", "sub/frames.h5", "/frames");
    hsize_t nframes = FRAMES;
    h5t_write(f, "/entry/instrument/detector/image_key", H5T_STD_I32LE, H5T_NATIVE_INT, 1, &nframes,
              keys);
    double angles[FRAMES];
    for (size_t i = 0; i < FRAMES; ++i)
        angles[i] = frame_degrees(i);
    h5t_write(f, "/entry/sample/rotation_angle", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &nframes,
              angles);
    h5t_attr_text(f, "/entry/sample/rotation_angle", "units", "degrees");
    /* The same scan at paths of nobody's convention, angles in radians. */
    h5t_external(f, "/odd/stack", "sub/frames.h5", "/frames");
    h5t_write(f, "/odd/keys", H5T_STD_U8LE, H5T_NATIVE_INT, 1, &nframes, keys);
    for (size_t i = 0; i < FRAMES; ++i)
        angles[i] = frame_degrees(i) * M_PI / 180.0;
    h5t_write(f, "/odd/angles", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &nframes, angles);
    h5t_attr_text(f, "/odd/angles", "units", "rad");
    H5Fclose(f);
}

/* Raw counts of a Data Exchange file: projections p, flats f, darks d. */
static float dx_value(int kind, size_t i, size_t r, size_t c) {
    return kind == 0   ? 400.0f + (float)(i * 7 + r * 3 + c)
           : kind == 1 ? 900.0f + (float)(i + r + c)
                       : 50.0f + (float)(i + c);
}

static void write_dxchange(const char *name, int with_theta, int with_darks) {
    char path[PATH_MAX];
    hid_t f = h5t_create(io_path(path, name));
    static const char *const paths[3] = {"/exchange/data", "/exchange/data_white",
                                         "/exchange/data_dark"};
    const size_t counts[3] = {DX_VIEWS, DX_FLATS, DX_DARKS};
    for (int kind = 0; kind < (with_darks ? 3 : 2); ++kind) {
        float v[DX_VIEWS][ROWS][COLS];
        for (size_t i = 0; i < counts[kind]; ++i)
            for (size_t r = 0; r < ROWS; ++r)
                for (size_t c = 0; c < COLS; ++c)
                    v[i][r][c] = dx_value(kind, i, r, c);
        hsize_t dims[3] = {counts[kind], ROWS, COLS};
        h5t_write(f, paths[kind], H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 3, dims, v);
    }
    if (with_theta) {
        double theta[DX_VIEWS];
        for (size_t i = 0; i < DX_VIEWS; ++i)
            theta[i] = 30.0 * (double)i;
        hsize_t n = DX_VIEWS;
        h5t_write(f, "/exchange/theta", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n, theta);
    }
    H5Fclose(f);
}

/* Compare a read (views x rows x cols of uint16) with the frames it holds. */
static void check_values(const tes_array *a, const size_t *frames, size_t row0, size_t col0,
                         const char *what) {
    const uint16_t *v = a->data;
    int bad = 0;
    for (size_t i = 0; i < a->shape[0]; ++i)
        for (size_t r = 0; r < a->shape[1]; ++r)
            for (size_t c = 0; c < a->shape[2]; ++c)
                bad += v[(i * a->shape[1] + r) * a->shape[2] + c] !=
                       value(frames[i], row0 + r, col0 + c);
    EXPECT(bad == 0, "%s: %d values differ", what, bad);
}

static void test_nexus_layout(const char *file) {
    tes_scan *s = NULL;
    if (!EXPECT_OK(tes_scan_open(&s, file, NULL, MPI_COMM_WORLD)))
        return;
    EXPECT(s->format == TES_SCAN_NEXUS, "format %s", tes_scan_format_name(s->format));
    EXPECT(s->dtype == TES_UINT16, "dtype %s", tes_dtype_name(s->dtype));
    EXPECT(s->frames == FRAMES && s->rows == ROWS && s->cols == COLS, "frames %zu x %zu x %zu",
           s->frames, s->rows, s->cols);
    EXPECT(s->projections == PROJECTIONS && s->nviews == PROJECTIONS, "projections %zu/%zu",
           s->projections, s->nviews);
    EXPECT(s->nflats == 2 && s->ndarks == 2 && s->invalid == 1, "flats %zu darks %zu invalid %zu",
           s->nflats, s->ndarks, s->invalid);
    EXPECT(!s->line_integrals, "raw counts taken for line integrals");
    for (size_t i = 0; i < PROJECTIONS && i < s->nviews; ++i) {
        EXPECT(s->view_frames[i] == projection_frames[i], "view %zu is frame %zu", i,
               s->view_frames[i]);
        EXPECT(fabs(s->angles[i] - frame_degrees(projection_frames[i]) * M_PI / 180.0) < 1e-12,
               "angle %zu is %.15g rad", i, s->angles[i]);
    }
    EXPECT(s->flat_frames[0] == 1 && s->flat_frames[1] == 10, "flat frames");
    EXPECT(s->dark_frames[0] == 0 && s->dark_frames[1] == 11, "dark frames");
    EXPECT(strstr(s->angle_unit, "degrees") != NULL, "unit %s", s->angle_unit);
    tes_scan_close(&s);
}

/* Views split over the ranks, rank 0 reading nothing when there are
 * others; every rank's transfer must be collective. */
static void test_split_read(const char *file) {
    tes_scan *s = NULL;
    if (!EXPECT_OK(tes_scan_open(&s, file, NULL, MPI_COMM_WORLD)))
        return;
    int readers = io_nranks > 1 ? io_nranks - 1 : 1, slot = io_nranks > 1 ? io_rank - 1 : 0;
    size_t v0 = slot < 0 ? 0 : (size_t)slot * s->nviews / (size_t)readers;
    size_t v1 = slot < 0 ? 0 : (size_t)(slot + 1) * s->nviews / (size_t)readers;
    tes_array *a = NULL;
    if (EXPECT_OK(tes_scan_read_projections(s, v0, v1, 1, ROWS, &a))) {
        EXPECT(a->dtype == TES_UINT16 && a->shape[0] == v1 - v0 && a->shape[1] == ROWS - 1 &&
                   a->shape[2] == COLS,
               "split read shape (%zu, %zu, %zu)", a->shape[0], a->shape[1], a->shape[2]);
        check_values(a, s->view_frames + v0, 1, 0, "split read");
        EXPECT(s->last_collective, "rank %d (views [%zu, %zu)): read not collective: %s", io_rank,
               v0, v1, s->last_io_mode);
    }
    tes_array_destroy(&a);
    tes_scan_close(&s);
}

static void test_crop_step_list(const char *file) {
    tes_scan_options opt = tes_scan_options_default();
    opt.row_begin = 1;
    opt.row_end = 4;
    opt.col_begin = 2;
    opt.col_end = 6;
    opt.view_step = 2;
    tes_scan *s = NULL;
    if (!EXPECT_OK(tes_scan_open(&s, file, &opt, MPI_COMM_WORLD)))
        return;
    static const size_t stepped[] = {2, 4, 7, 9};
    EXPECT(s->nviews == 4 && s->nrows == 3 && s->ncols == 4, "cropped %zu x %zu x %zu", s->nviews,
           s->nrows, s->ncols);
    EXPECT(fabs(s->angles[1] - frame_degrees(4) * M_PI / 180.0) < 1e-12, "stepped angle");
    tes_array *a = NULL;
    if (EXPECT_OK(tes_scan_read_projections(s, 0, s->nviews, 0, s->nrows, &a)))
        check_values(a, stepped, 1, 2, "crop and step");
    tes_array_destroy(&a);
    const size_t list[] = {0, 2, 3}, list_frames[] = {2, 7, 9};
    if (EXPECT_OK(tes_scan_read_views(s, list, 3, 1, 3, &a)))
        check_values(a, list_frames, 2, 2, "view list");
    tes_array_destroy(&a);
    static const size_t flats[] = {1, 10}, darks[] = {0, 11};
    if (EXPECT_OK(tes_scan_read_flats(s, 0, 2, &a)))
        check_values(a, flats, 1, 2, "flats");
    tes_array_destroy(&a);
    if (EXPECT_OK(tes_scan_read_darks(s, 0, 2, &a)))
        check_values(a, darks, 1, 2, "darks");
    tes_array_destroy(&a);
    /* Bad arguments: the same error on every rank, no hang. */
    const size_t unordered[] = {2, 1};
    EXPECT_ERROR(tes_scan_read_views(s, unordered, 2, 0, 1, &a), TES_ERR_ARG, "increasing");
    EXPECT_ERROR(tes_scan_read_projections(s, 0, 9, 0, 1, &a), TES_ERR_ARG, "outside");
    EXPECT_ERROR(tes_scan_read_projections(s, 0, 1, 0, 4, &a), TES_ERR_ARG, "rows [0, 4)");
    EXPECT(a == NULL, "failed read left an array");
    tes_scan_close(&s);
}

/* One frame per HDF5 call: ranks make different numbers of pieces. */
static void test_pieces(const char *file) {
    tes_scan_options opt = tes_scan_options_default();
    opt.max_transfer = ROWS * COLS * sizeof(uint16_t);
    tes_scan *s = NULL;
    if (!EXPECT_OK(tes_scan_open(&s, file, &opt, MPI_COMM_WORLD)))
        return;
    size_t v1 = s->nviews - (size_t)io_rank % s->nviews;
    tes_array *a = NULL;
    if (EXPECT_OK(tes_scan_read_projections(s, 0, v1, 0, ROWS, &a))) {
        check_values(a, s->view_frames, 0, 0, "pieces");
        EXPECT(s->last_collective, "pieces not collective: %s", s->last_io_mode);
    }
    tes_array_destroy(&a);
    tes_scan_close(&s);
}

static void test_explicit_paths(const char *file) {
    tes_scan_options opt = tes_scan_options_default();
    opt.format = TES_SCAN_NEXUS;
    opt.paths.data = "/odd/stack";
    opt.paths.image_key = "/odd/keys";
    opt.paths.angles = "/odd/angles";
    tes_scan *s = NULL;
    if (!EXPECT_OK(tes_scan_open(&s, file, &opt, MPI_COMM_WORLD)))
        return;
    EXPECT(s->nviews == PROJECTIONS && !strcmp(s->angle_unit, "rad"), "explicit: %zu, %s",
           s->nviews, s->angle_unit);
    EXPECT(fabs(s->angles[3] - frame_degrees(6) * M_PI / 180.0) < 1e-12, "radians kept");
    tes_scan_close(&s);
}

/* Line integrals of the Data Exchange file against the formula. */
static void test_dxchange_preprocess(const char *file, int with_theta, int with_darks) {
    tes_scan *s = NULL;
    if (!EXPECT_OK(tes_scan_open(&s, file, NULL, MPI_COMM_WORLD)))
        return;
    EXPECT(s->format == TES_SCAN_DXCHANGE && s->dtype == TES_FLOAT32, "dxchange float32");
    EXPECT(s->nviews == DX_VIEWS && s->nflats == DX_FLATS &&
               s->ndarks == (with_darks ? DX_DARKS : 0u),
           "dxchange counts %zu %zu %zu", s->nviews, s->nflats, s->ndarks);
    EXPECT(s->angles_generated == !with_theta, "angles generated %d", s->angles_generated);
    double expect_angle = with_theta ? 30.0 * M_PI / 180.0 : M_PI / DX_VIEWS;
    EXPECT(fabs(s->angles[1] - expect_angle) < 1e-12, "angle 1 is %g", s->angles[1]);
    /* Rank 1 holds no rows: it still joins every read. */
    size_t r0 = io_rank == 1 ? ROWS : (size_t)io_rank % ROWS, r1 = ROWS;
    tes_array *y = NULL;
    tes_preprocess_stats total;
    if (EXPECT_OK(tes_preprocess_load(&y, s, 0, s->nviews, r0, r1, NULL, &total))) {
        const float *v = y->data;
        double worst = 0.0;
        for (size_t i = 0; i < DX_VIEWS; ++i)
            for (size_t r = r0; r < r1; ++r)
                for (size_t c = 0; c < COLS; ++c) {
                    double f = 0.0, d = 0.0;
                    for (size_t k = 0; k < DX_FLATS; ++k)
                        f += dx_value(1, k, r, c) / (double)DX_FLATS;
                    for (size_t k = 0; with_darks && k < DX_DARKS; ++k)
                        d += dx_value(2, k, r, c) / (double)DX_DARKS;
                    double want = -log((dx_value(0, i, r, c) - d) / (f - d));
                    double got = v[(i * (r1 - r0) + (r - r0)) * COLS + c];
                    worst = fmax(worst, fabs(got - want));
                }
        EXPECT(worst < 1e-6, "line integrals differ by %g", worst);
        EXPECT(total.nonfinite == 0 && total.clamped == 0, "sanitised %zu, clamped %zu",
               total.nonfinite, total.clamped);
    }
    tes_array_destroy(&y);
    tes_scan_close(&s);
}

int main(int argc, char **argv) {
    io_test_init(&argc, &argv, "t310");
    if (io_rank == 0) {
        write_nexus();
        write_dxchange("dx.h5", 1, 1);
        write_dxchange("dx-bare.h5", 0, 0);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    char nexus[PATH_MAX], dx[PATH_MAX], bare[PATH_MAX];
    io_path(nexus, "scan.nxs");
    io_path(dx, "dx.h5");
    io_path(bare, "dx-bare.h5");
    test_nexus_layout(nexus);
    test_split_read(nexus);
    test_crop_step_list(nexus);
    test_pieces(nexus);
    test_explicit_paths(nexus);
    test_dxchange_preprocess(dx, 1, 1);
    test_dxchange_preprocess(bare, 0, 0);
    return io_test_finish("t310-scan-read");
}
