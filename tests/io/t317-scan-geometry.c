/* t317: the geometry a scan file states in attributes (io/scan_geometry.h)
 * and a job that takes it ([geometry] attributes): the htc2022 names on a
 * group, tessera's own names on the projections' dataset, a source-detector
 * distance with and without a matching axis-detector one; bad attributes
 * (not a number, NaN, negative, a detector before the axis, a
 * source-detector distance without the source-axis one, two distances
 * that disagree, a missing object, an object without any) each get an
 * error naming the file, the object and the attribute, on every rank
 * alike; a job's own values win over the file's; the voxel follows the
 * pixel at the rotation axis. Any rank count. */
#include "io_testing.h"

#include <math.h>

#include "io/scan.h"
#include "io/scan_geometry.h"
#include "jobs/job.h"

enum { VIEWS = 4, ROWS = 3, COLS = 5 };

#define TEXTS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void attr_double(hid_t file, const char *object, const char *name, double value) {
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate_by_name(file, object, name, H5T_IEEE_F64LE, space, H5P_DEFAULT,
                                H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, H5T_NATIVE_DOUBLE, &value) < 0) {
        fprintf(stderr, "cannot write the attribute %s of %s\n", name, object);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    H5Aclose(a);
    H5Sclose(space);
}

typedef struct attr {
    const char *name;
    double value; /* NaN with text: a string attribute */
    const char *text;
} attr;

/* A Data Exchange file of line integrals with attrs on object ("/geometry":
 * a group made for them; otherwise an existing dataset). */
static void write_file(const char *name, const char *object, const attr *attrs, size_t n) {
    char path[PATH_MAX];
    hid_t f = h5t_create(io_path(path, name));
    float data[VIEWS * ROWS * COLS] = {0};
    hsize_t dims[3] = {VIEWS, ROWS, COLS};
    h5t_write(f, "/exchange/data", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 3, dims, data);
    h5t_attr_text(f, "/exchange/data", "units", "line integrals");
    double theta[VIEWS] = {0.0, 45.0, 90.0, 135.0};
    hsize_t nviews = VIEWS;
    h5t_write(f, "/exchange/theta", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &nviews, theta);
    if (object && !strcmp(object, "/geometry")) {
        hid_t g = H5Gcreate2(f, object, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Gclose(g);
    }
    for (size_t i = 0; i < n; ++i)
        if (attrs[i].text)
            h5t_attr_text(f, object, attrs[i].name, attrs[i].text);
        else
            attr_double(f, object, attrs[i].name, attrs[i].value);
    H5Fclose(f);
}

#define WRITE(name, object, ...)                                                                   \
    write_file(name, object, (const attr[]){__VA_ARGS__},                                          \
               sizeof((const attr[]){__VA_ARGS__}) / sizeof(attr))

static void make_files(void) {
    WRITE("htc.h5", "/geometry", {"source_origin_mm", 400.0, NULL},
          {"source_detector_mm", 600.0, NULL}, {"detector_pixel_mm", 0.2, NULL},
          {"type", NAN, "fan"});
    WRITE("own.h5", "/exchange/data", {"sod_mm", 100.0, NULL}, {"odd_mm", 50.0, NULL},
          {"pixel_u_mm", 0.3, NULL}, {"pixel_v_mm", 0.4, NULL});
    WRITE("both.h5", "/geometry", {"source_origin_mm", 400.0, NULL},
          {"source_detector_mm", 600.0, NULL}, {"origin_detector_mm", 200.0, NULL});
    WRITE("pixel.h5", "/geometry", {"detector_pixel_mm", 0.25, NULL});
    WRITE("disagree.h5", "/geometry", {"source_origin_mm", 400.0, NULL},
          {"source_detector_mm", 600.0, NULL}, {"origin_detector_mm", 150.0, NULL});
    WRITE("behind.h5", "/geometry", {"source_origin_mm", 400.0, NULL},
          {"source_detector_mm", 300.0, NULL});
    WRITE("nosod.h5", "/geometry", {"source_detector_mm", 600.0, NULL});
    WRITE("negpixel.h5", "/geometry", {"detector_pixel_mm", -0.2, NULL});
    WRITE("nansod.h5", "/geometry", {"source_origin_mm", NAN, NULL});
    WRITE("textsod.h5", "/geometry", {"source_origin_mm", NAN, "410.66"});
    WRITE("empty.h5", "/geometry", {"type", NAN, "nothing here"});
}

static tes_scan *open_scan(const char *name) {
    char path[PATH_MAX];
    tes_scan *s = NULL;
    EXPECT_OK(tes_scan_open(&s, io_path(path, name), NULL, MPI_COMM_WORLD));
    return s;
}

static int near(double a, double b) {
    return fabs(a - b) <= 1e-12 * fmax(1.0, fabs(b));
}

static void test_read(void) {
    tes_scan_geometry g;
    tes_scan *s = open_scan("htc.h5");
    if (s && EXPECT_OK(tes_scan_geometry_read(s, "/geometry", 1, &g))) {
        EXPECT(g.present && near(g.sod, 400.0) && near(g.odd, 200.0) && near(g.pixel_u, 0.2) &&
                   near(g.pixel_v, 0.2),
               "htc names: sod %g odd %g pixel %g x %g", g.sod, g.odd, g.pixel_v, g.pixel_u);
        EXPECT(g.sod_from && !strcmp(g.sod_from, "source_origin_mm") && g.odd_from &&
                   !strcmp(g.odd_from, "source_detector_mm") && g.pixel_u_from &&
                   !strcmp(g.pixel_u_from, "detector_pixel_mm"),
               "htc names: the attributes read are named");
    }
    if (s && EXPECT_OK(tes_scan_geometry_read(s, "/nowhere", 0, &g)))
        EXPECT(!g.present && !tes_scan_geometry_any(&g), "a missing object, not required");
    tes_scan_close(&s);

    s = open_scan("own.h5");
    if (s && EXPECT_OK(tes_scan_geometry_read(s, "/exchange/data", 1, &g)))
        EXPECT(near(g.sod, 100.0) && near(g.odd, 50.0) && near(g.pixel_u, 0.3) &&
                   near(g.pixel_v, 0.4),
               "tessera's names: sod %g odd %g pixel %g x %g", g.sod, g.odd, g.pixel_v, g.pixel_u);
    tes_scan_close(&s);

    s = open_scan("both.h5");
    if (s && EXPECT_OK(tes_scan_geometry_read(s, "/geometry", 1, &g)))
        EXPECT(near(g.odd, 200.0), "matching source-detector and axis-detector: odd %g", g.odd);
    tes_scan_close(&s);

    s = open_scan("empty.h5");
    if (s && EXPECT_OK(tes_scan_geometry_read(s, "/geometry", 1, &g)))
        EXPECT(g.present && !tes_scan_geometry_any(&g), "a group without geometry attributes");
    tes_scan_close(&s);
}

static void expect_failure(tes_status st, tes_status code, const char *const *texts,
                           const char *what) {
    io_expect_status(st, code, texts, what);
    tes_error_clear();
}

static void expect_bad(const char *name, const char *object, const char *const *texts) {
    tes_scan *s = open_scan(name);
    if (!s)
        return;
    tes_scan_geometry g;
    expect_failure(tes_scan_geometry_read(s, object, 1, &g), TES_ERR_INPUT, texts, name);
    tes_scan_close(&s);
}

static void test_bad(void) {
    expect_bad("disagree.h5", "/geometry",
               TEXTS("disagree.h5", "/geometry", "origin_detector_mm = 150 mm", "disagree by 50"));
    expect_bad("behind.h5", "/geometry",
               TEXTS("behind.h5", "source_detector_mm = 300 mm", "not more than",
                     "source_origin_mm = 400 mm"));
    expect_bad("nosod.h5", "/geometry",
               TEXTS("nosod.h5", "source_detector_mm = 600 mm", "source_origin_mm or sod_mm"));
    expect_bad("negpixel.h5", "/geometry",
               TEXTS("negpixel.h5", "detector_pixel_mm of /geometry", "is -0.2", "> 0 (mm)"));
    expect_bad("nansod.h5", "/geometry", TEXTS("nansod.h5", "source_origin_mm", "is nan"));
    expect_bad("textsod.h5", "/geometry",
               TEXTS("textsod.h5", "source_origin_mm of /geometry is not a number"));
    expect_bad("htc.h5", "/nowhere", TEXTS("htc.h5", "has no object /nowhere"));
}

/* A job of kind on name's file with [geometry] attributes = object and
 * the extra lines. */
static tes_status job_on(const char *name, const char *kind, const char *object,
                         const char *extra, tes_job *job, tes_scan **s) {
    char path[PATH_MAX], text[2 * PATH_MAX];
    snprintf(text, sizeof text,
             "[input]\nfile = %s\n[geometry]\nkind = %s\nattributes = %s\n%s\n[algorithm]\n"
             "name = sirt\niterations = 1\n[output]\nvolume = out.h5\n",
             io_path(path, name), kind, object, extra);
    TES_CALL(tes_job_parse_string(text, name, job));
    tes_scan_options opt = tes_job_scan_options(job);
    TES_CALL(tes_scan_open(s, job->input.file, &opt, MPI_COMM_WORLD));
    TES_CALL(tes_job_geometry_from_scan(job, *s));
    TES_CALL(tes_job_resolve(job, (*s)->projections, (*s)->rows, (*s)->cols));
    return TES_OK;
}

static void test_job(void) {
    tes_job job;
    tes_scan *s = NULL;
    const double m = 1.5; /* (400 + 200) / 400 */
    if (EXPECT_OK(job_on("htc.h5", "cone3d", "/geometry", "", &job, &s))) {
        const tes_job_geometry *g = &job.geometry;
        EXPECT(near(g->sod, 400.0) && near(g->odd, 200.0), "job: sod %g odd %g", g->sod, g->odd);
        EXPECT(near(g->pixel[0], 0.2) && near(g->pixel[1], 0.2), "job: pixel %g x %g",
               g->pixel[0], g->pixel[1]);
        EXPECT(near(g->voxel[0], 0.2 / m) && near(g->voxel[1], 0.2 / m) &&
                   near(g->voxel[2], 0.2 / m),
               "job: the voxel is the pixel at the axis: %g %g %g", g->voxel[0], g->voxel[1],
               g->voxel[2]);
        tes_vol_geom vol;
        tes_proj_geom *proj = NULL;
        if (EXPECT_OK(tes_job_vol_geom(&job, &vol)) &&
            EXPECT_OK(tes_job_proj_geom(&job, &vol, s->nviews, s->nrows, s->ncols, NULL, &proj)))
            EXPECT(proj->kind == TES_GEOM_CONE3D && near(proj->sod, 400.0) &&
                       near(proj->odd, 200.0) && near(proj->pixel_u, 0.2),
                   "job: the projection geometry takes the file's");
        tes_proj_geom_destroy(&proj);
    }
    tes_scan_close(&s);
    /* The job's values win; a given voxel stays; the pixel comes from the
     * file all the same. */
    if (EXPECT_OK(job_on("htc.h5", "cone3d", "/geometry", "sod = 500\nvoxel = 0.1\n", &job, &s)))
        EXPECT(near(job.geometry.sod, 500.0) && near(job.geometry.odd, 200.0) &&
                   near(job.geometry.voxel[0], 0.1) && near(job.geometry.pixel[1], 0.2),
               "job: sod %g odd %g voxel %g pixel %g", job.geometry.sod, job.geometry.odd,
               job.geometry.voxel[0], job.geometry.pixel[1]);
    tes_scan_close(&s);
    /* Parallel beam: the pixel only; voxel = pixel. */
    if (EXPECT_OK(job_on("pixel.h5", "parallel3d", "/geometry", "", &job, &s)))
        EXPECT(near(job.geometry.pixel[1], 0.25) && near(job.geometry.voxel[2], 0.25),
               "parallel job: pixel %g voxel %g", job.geometry.pixel[1], job.geometry.voxel[2]);
    tes_scan_close(&s);
    /* A cone beam without sod anywhere; an object without attributes. */
    expect_failure(job_on("pixel.h5", "cone3d", "/geometry", "", &job, &s), TES_ERR_INPUT,
                   TEXTS("kind = cone3d needs sod", "/geometry", "pixel.h5"), "job: no sod");
    tes_scan_close(&s);
    expect_failure(job_on("empty.h5", "cone3d", "/geometry", "", &job, &s), TES_ERR_INPUT,
                   TEXTS("attributes = /geometry", "empty.h5", "none of the geometry's attributes"),
                   "job: no attributes");
    tes_scan_close(&s);
    expect_failure(job_on("htc.h5", "cone3d", "/elsewhere", "", &job, &s), TES_ERR_INPUT,
                   TEXTS("[geometry] attributes = /elsewhere", "htc.h5 has no object /elsewhere"),
                   "job: no object");
    tes_scan_close(&s);
}

int main(int argc, char **argv) {
    io_test_init(&argc, &argv, "t317");
    if (io_rank == 0)
        make_files();
    MPI_Barrier(MPI_COMM_WORLD);
    test_read();
    test_bad();
    test_job();
    return io_test_finish("t317-scan-geometry");
}
