/* t312: the measured data sets of ../shared/data load with the right
 * shapes, counts and angle ranges, collectively on every rank:
 * tooth.h5 (Data Exchange, float32 counts), k11-18014.nxs (Diamond NeXus
 * split over three files, uint16, frames chosen by image_key; opened from
 * another working directory and by a relative name), htc2022_ta_fan.h5
 * (already line integrals, fan-beam attributes on /geometry). Links of
 * k11-18014.nxs that lead to files never published fail cleanly when
 * asked for. Skipped (77) without the shared data. Any rank count. */
#include "io_testing.h"

#include <math.h>

#include "io/preprocess.h"
#include "io/scan.h"

static const double DEG = M_PI / 180.0;
static const double ANGLE_TOLERANCE_DEG = 0.05; /* encoder readings near 90 and 270 */

static char data_dir[IO_DIR_BYTES];

static const char *shared(char *buf, const char *name) {
    snprintf(buf, PATH_MAX, "%s/%s", data_dir, name);
    return buf;
}

/* This rank's views of n: contiguous blocks, any rank may get none. */
static void my_views(size_t n, size_t *v0, size_t *v1) {
    *v0 = (size_t)io_rank * n / (size_t)io_nranks;
    *v1 = (size_t)(io_rank + 1) * n / (size_t)io_nranks;
}

/* Preprocess this rank's views; all values finite, nothing replaced. */
static void check_load(tes_scan *s, const char *what, double *mean) {
    size_t v0, v1;
    my_views(s->nviews, &v0, &v1);
    tes_array *y = NULL;
    tes_preprocess_stats total = {0};
    *mean = 0.0;
    if (!EXPECT_OK(tes_preprocess_load(&y, s, v0, v1, 0, s->nrows, NULL, &total)))
        return;
    EXPECT(y->shape[0] == v1 - v0 && y->shape[1] == s->nrows && y->shape[2] == s->ncols,
           "%s: loaded shape (%zu, %zu, %zu)", what, y->shape[0], y->shape[1], y->shape[2]);
    EXPECT(s->last_collective, "%s: rank %d read not collective: %s", what, io_rank,
           s->last_io_mode);
    EXPECT(total.nonfinite == 0, "%s: %zu NaN/Inf replaced", what, total.nonfinite);
    EXPECT(total.values == s->nviews * s->nrows * s->ncols, "%s: %zu values", what, total.values);
    double sum[2] = {0.0, (double)tes_array_count(y)}, all[2];
    const float *v = y->data;
    for (size_t i = 0; i < tes_array_count(y); ++i)
        sum[0] += v[i];
    MPI_Allreduce(sum, all, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    *mean = all[0] / all[1];
    tes_array_destroy(&y);
}

static void test_tooth(void) {
    char path[PATH_MAX];
    tes_scan *s = NULL;
    if (!EXPECT_OK(tes_scan_open(&s, shared(path, "tooth.h5"), NULL, MPI_COMM_WORLD)))
        return;
    tes_scan_print(s);
    EXPECT(s->format == TES_SCAN_DXCHANGE && !s->line_integrals, "tooth: dxchange counts");
    EXPECT(s->dtype == TES_FLOAT32, "tooth: %s", tes_dtype_name(s->dtype));
    EXPECT(s->nviews == 181 && s->nrows == 2 && s->ncols == 640, "tooth: %zu x %zu x %zu",
           s->nviews, s->nrows, s->ncols);
    EXPECT(s->nflats == 10 && s->ndarks == 10, "tooth: %zu flats, %zu darks", s->nflats, s->ndarks);
    EXPECT(!strcmp(s->data_path, "/exchange/data") &&
               !strcmp(s->flats_path, "/exchange/data_white") &&
               !strcmp(s->darks_path, "/exchange/data_dark") &&
               !strcmp(s->angles_path, "/exchange/theta"),
           "tooth: paths");
    EXPECT(s->angles[0] == 0.0 && fabs(s->angles[180] / DEG - 179.0055) < 1e-3,
           "tooth: angles %g .. %g deg", s->angles[0] / DEG, s->angles[180] / DEG);
    EXPECT(!strcmp(s->angle_unit, "degrees"), "tooth: unit %s", s->angle_unit);
    double mean = 0.0;
    check_load(s, "tooth", &mean);
    EXPECT(mean > 0.0 && mean < 5.0, "tooth: mean line integral %g", mean);
    tes_scan_close(&s);
}

static void check_k11(tes_scan *s, const char *how) {
    EXPECT(s->format == TES_SCAN_NEXUS && !s->line_integrals, "k11 %s: nexus counts", how);
    EXPECT(s->dtype == TES_UINT16, "k11 %s: %s", how, tes_dtype_name(s->dtype));
    EXPECT(s->frames == 3201 && s->nrows == 22 && s->ncols == 26, "k11 %s: %zu x %zu x %zu", how,
           s->frames, s->nrows, s->ncols);
    EXPECT(s->nviews == 3001 && s->nflats == 100 && s->ndarks == 100 && s->invalid == 0,
           "k11 %s: %zu projections, %zu flats, %zu darks", how, s->nviews, s->nflats, s->ndarks);
    double first = s->angles[0] / DEG, last = s->angles[s->nviews - 1] / DEG;
    EXPECT(fabs(first - 90.0) < ANGLE_TOLERANCE_DEG && fabs(last - 270.0) < ANGLE_TOLERANCE_DEG,
           "k11 %s: angles %.4f .. %.4f deg", how, first, last);
    int increasing = 1;
    for (size_t i = 1; i < s->nviews; ++i)
        increasing &= s->angles[i] > s->angles[i - 1];
    EXPECT(increasing, "k11 %s: angles not increasing", how);
}

static void test_k11(void) {
    char path[PATH_MAX];
    tes_scan *s = NULL;
    if (!EXPECT_OK(tes_scan_open(&s, shared(path, "k11-18014.nxs"), NULL, MPI_COMM_WORLD)))
        return;
    tes_scan_print(s);
    check_k11(s, "absolute");
    EXPECT(!strcmp(s->data_path, "/entry/imaging/data") &&
               !strcmp(s->image_key_path, "/entry/instrument/imaging/image_key") &&
               !strcmp(s->angles_path, "/entry/imaging_sum/gts_theta_value"),
           "k11: paths %s %s %s", s->data_path, s->image_key_path, s->angles_path);
    double mean = 0.0;
    check_load(s, "k11", &mean);
    EXPECT(isfinite(mean), "k11: mean line integral %g", mean);
    /* A view list of runs and gaps (a union of hyperslabs), chunked data. */
    const size_t list[] = {0, 1, 2, 10, 20, 21, 3000};
    tes_array *a = NULL, *one = NULL;
    if (EXPECT_OK(tes_scan_read_views(s, list, 7, 3, 9, &a))) {
        EXPECT(s->last_collective, "k11 list: not collective: %s", s->last_io_mode);
        if (EXPECT_OK(tes_scan_read_projections(s, 20, 21, 3, 9, &one)))
            EXPECT(!memcmp((uint16_t *)a->data + 4 * 6 * 26, one->data, 6 * 26 * 2),
                   "k11 list: view 20 differs from a direct read");
    }
    tes_array_destroy(&a);
    tes_array_destroy(&one);
    tes_scan_close(&s);

    /* By a relative name, from the data directory and from its parent. */
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd) || chdir(data_dir) != 0) {
        EXPECT(0, "cannot change directory to %s", data_dir);
        return;
    }
    if (EXPECT_OK(tes_scan_open(&s, "k11-18014.nxs", NULL, MPI_COMM_WORLD)))
        check_k11(s, "relative");
    tes_scan_close(&s);
    const char *base = strrchr(data_dir, '/');
    if (base && chdir("..") == 0) {
        if (EXPECT_OK(tes_scan_open(&s, shared(path, "k11-18014.nxs") + (base - data_dir) + 1, NULL,
                                    MPI_COMM_WORLD)))
            check_k11(s, "relative from the parent");
        tes_scan_close(&s);
    }
    EXPECT(chdir(cwd) == 0, "cannot return to %s", cwd);
}

/* Links to files that were never published: asked for, they fail cleanly. */
static void test_k11_dangling(void) {
    char path[PATH_MAX];
    shared(path, "k11-18014.nxs");
    struct {
        const char *data, *angles, *texts[4];
    } cases[] = {
        {"/entry/instrument/EtherCAT/data",
         NULL,
         {"/entry/instrument/EtherCAT/data", "k11-18014/k11-18014-EtherCAT.h5", "does not exist"}},
        {NULL,
         "/entry/imaging/gts_theta_value_set",
         {"/entry/imaging/gts_theta_value_set", "k11-18014-EtherCAT.h5", "does not exist"}},
        {NULL,
         "/entry/instrument/gts_theta/min",
         {"/entry/instrument/gts_theta/min", "k11-18014-pcompPanda.h5:/entry/gts_theta.min",
          "no such object"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        tes_scan_options opt = tes_scan_options_default();
        opt.paths.data = cases[i].data;
        opt.paths.angles = cases[i].angles;
        tes_scan *s = NULL;
        tes_status st = tes_scan_open(&s, path, &opt, MPI_COMM_WORLD);
        EXPECT(st == TES_ERR_INPUT && s == NULL, "k11 dangling %zu: %s", i, tes_status_name(st));
        for (size_t t = 0; cases[i].texts[t]; ++t)
            EXPECT(strstr(tes_error_message(), cases[i].texts[t]),
                   "k11 dangling %zu: \"%s\" lacks \"%s\"", i, tes_error_message(),
                   cases[i].texts[t]);
        EXPECT(strstr(tes_error_message(), "k11-18014.nxs"), "k11 dangling %zu: no file name", i);
        tes_error_clear();
        tes_scan_close(&s);
    }
}

static void test_htc(void) {
    char path[PATH_MAX];
    tes_scan *s = NULL;
    if (!EXPECT_OK(tes_scan_open(&s, shared(path, "htc2022_ta_fan.h5"), NULL, MPI_COMM_WORLD)))
        return;
    tes_scan_print(s);
    EXPECT(s->format == TES_SCAN_DXCHANGE && s->line_integrals, "htc: line integrals");
    EXPECT(s->nviews == 721 && s->nrows == 1 && s->ncols == 560 && s->nflats == 0,
           "htc: %zu x %zu x %zu, %zu flats", s->nviews, s->nrows, s->ncols, s->nflats);
    EXPECT(s->angles[0] == 0.0 && fabs(s->angles[720] - 2.0 * M_PI) < 1e-9,
           "htc: angles %g .. %g rad", s->angles[0], s->angles[720]);
    static const struct {
        const char *name;
        double value;
    } attrs[] = {{"source_origin_mm", 410.66},
                 {"source_detector_mm", 553.74},
                 {"detector_pixel_mm", 0.2},
                 {"detector_columns", 560}};
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; ++i) {
        double v = 0.0;
        int found = 0;
        if (EXPECT_OK(tes_scan_attr_double(s, "/geometry", attrs[i].name, &v, &found)))
            EXPECT(found && fabs(v - attrs[i].value) < 1e-9, "htc: /geometry %s = %g",
                   attrs[i].name, v);
    }
    char text[256];
    int found = 0;
    if (EXPECT_OK(tes_scan_attr_text(s, "/geometry", "type", text, sizeof text, &found)))
        EXPECT(found && !strncmp(text, "fan", 3), "htc: /geometry type \"%s\"", text);
    EXPECT_OK(tes_scan_attr_text(s, "/geometry", "no_such_attr", text, sizeof text, &found));
    EXPECT(!found, "htc: a missing attribute was found");
    EXPECT_ERROR(tes_scan_attr_double(s, "/nowhere", "x", &(double){0}, &found), TES_ERR_INPUT,
                 "has no object /nowhere");
    double mean = 0.0;
    check_load(s, "htc", &mean);
    EXPECT(mean > 0.0, "htc: mean line integral %g", mean);
    tes_scan_close(&s);
}

int main(int argc, char **argv) {
    io_test_init(&argc, &argv, "t312");
    const char *files[] = {"tooth.h5", "k11-18014.nxs", "k11-18014/k11-18014-imaging.h5",
                           "htc2022_ta_fan.h5"};
    io_need_shared(files, sizeof files / sizeof files[0], data_dir, sizeof data_dir);
    test_tooth();
    test_k11();
    test_k11_dangling();
    test_htc();
    return io_test_finish("t312-scan-real");
}
