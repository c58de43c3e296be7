/* t314: preview PNGs of a distributed volume (z slabs over the ranks, one
 * rank holding none) read back with libpng: the right sizes, not constant,
 * and exactly the central slices gathered from every slab under the
 * percentile window; percentiles on known values; the convergence plot is
 * a readable RGB image. An existing output is refused and left untouched
 * unless overwriting is asked; a missing or unwritable directory is
 * refused with nothing written. Any rank count. */
#include "io_testing.h"

#include <math.h>
#include <png.h>

#include "io/convergence_plot.h"
#include "io/preview.h"

enum { NZ = 9, NY = 6, NX = 8, ITERATIONS = 25 };

static float voxel(size_t z, size_t y, size_t x) {
    return (float)(z * 100 + y * 10 + x);
}

/* Read a PNG as 8-bit grey (channels 1) or RGB (3); NULL on failure. */
static unsigned char *read_png(const char *path, int channels, size_t *rows, size_t *cols) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path))
        return NULL;
    image.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
    unsigned char *buf = malloc(PNG_IMAGE_SIZE(image));
    if (!buf || !png_image_finish_read(&image, NULL, buf, 0, NULL)) {
        free(buf);
        png_image_free(&image);
        return NULL;
    }
    *rows = image.height;
    *cols = image.width;
    return buf;
}

static int constant(const unsigned char *v, size_t n) {
    for (size_t i = 1; i < n; ++i)
        if (v[i] != v[0])
            return 0;
    return 1;
}

/* The slab of this rank: the last rank holds nothing when there are two
 * or more. */
static tes_array *my_slab(size_t *z_begin) {
    int holders = io_nranks > 1 ? io_nranks - 1 : 1;
    size_t z0 = io_rank < holders ? (size_t)io_rank * NZ / (size_t)holders : NZ;
    size_t z1 = io_rank < holders ? (size_t)(io_rank + 1) * NZ / (size_t)holders : NZ;
    size_t shape[3] = {z1 - z0, NY, NX};
    tes_array *a = NULL;
    if (!EXPECT_OK(tes_array_create(&a, TES_FLOAT32, TES_HOST, 3, shape)))
        return NULL;
    float *v = a->data;
    for (size_t z = z0; z < z1; ++z)
        for (size_t y = 0; y < NY; ++y)
            for (size_t x = 0; x < NX; ++x)
                v[((z - z0) * NY + y) * NX + x] = voxel(z, y, x);
    *z_begin = z0;
    return a;
}

static int compare_floats(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Percentiles by selection against a sorted copy, with many duplicates. */
static void test_window_random(void) {
    enum { N = 1001, LEVELS = 37 };
    static float v[N], sorted[N];
    unsigned long long state = 12345;
    for (int trial = 0; trial < 20; ++trial) {
        size_t n = N - (size_t)trial * 13;
        for (size_t i = 0; i < n; ++i)
            v[i] = sorted[i] = floorf((tes_test_random(&state) + 1.0f) * LEVELS);
        qsort(sorted, n, sizeof *sorted, compare_floats);
        double p[2] = {0.5 + trial, 99.5 - trial};
        float got[2];
        if (!EXPECT_OK(tes_preview_window(v, n, p[0], p[1], &got[0], &got[1])))
            return;
        for (int j = 0; j < 2; ++j) {
            double pos = p[j] / 100.0 * (double)(n - 1);
            size_t k = (size_t)floor(pos);
            double want = sorted[k] + (pos - (double)k) * (sorted[k + 1] - sorted[k]);
            EXPECT(fabs(got[j] - want) < 1e-4, "trial %d: percentile %g is %g, expected %g", trial,
                   p[j], (double)got[j], want);
        }
    }
}

static void test_window(void) {
    test_window_random();
    float v[101], low = 0, high = 0;
    for (int i = 0; i < 100; ++i)
        v[i] = (float)(99 - i);
    v[100] = NAN;
    if (EXPECT_OK(tes_preview_window(v, 101, 0.5, 99.5, &low, &high)))
        EXPECT(fabsf(low - 0.495f) < 1e-4f && fabsf(high - 98.505f) < 1e-4f,
               "window %g .. %g, expected 0.495 .. 98.505", (double)low, (double)high);
    if (EXPECT_OK(tes_preview_window(v, 100, 0.0, 100.0, &low, &high)))
        EXPECT(low == 0.0f && high == 99.0f, "full window %g .. %g", (double)low, (double)high);
    EXPECT_ERROR(tes_preview_window(v, 100, 60.0, 40.0, &low, &high), TES_ERR_ARG, "0 <= low");
    float same[4] = {3, 3, 3, 3};
    unsigned char grey[4] = {1, 1, 1, 1};
    if (EXPECT_OK(tes_preview_window(same, 4, 0.5, 99.5, &low, &high)))
        EXPECT(low == 3.0f && high == 3.0f, "constant window");
    tes_preview_grey(same, 4, low, high, grey);
    EXPECT(grey[0] == 0 && constant(grey, 4), "constant image");
    float ramp[3] = {0.0f, 5.0f, 10.0f};
    tes_preview_grey(ramp, 3, 0.0f, 10.0f, grey);
    EXPECT(grey[0] == 0 && grey[1] == 128 && grey[2] == 255, "grey %d %d %d", grey[0], grey[1],
           grey[2]);
}

/* What rank 0 should have written: the three central slices, one window. */
static void expected_images(unsigned char *images[3]) {
    static float all[NY * NX + NZ * NX + NZ * NY];
    size_t k = 0;
    for (size_t y = 0; y < NY; ++y)
        for (size_t x = 0; x < NX; ++x)
            all[k++] = voxel(NZ / 2, y, x);
    for (size_t z = 0; z < NZ; ++z)
        for (size_t x = 0; x < NX; ++x)
            all[k++] = voxel(z, NY / 2, x);
    for (size_t z = 0; z < NZ; ++z)
        for (size_t y = 0; y < NY; ++y)
            all[k++] = voxel(z, y, NX / 2);
    float low, high;
    tes_preview_window(all, k, 0.5, 99.5, &low, &high);
    static unsigned char grey[NY * NX + NZ * NX + NZ * NY];
    tes_preview_grey(all, k, low, high, grey);
    images[0] = grey;
    images[1] = grey + NY * NX;
    images[2] = grey + NY * NX + NZ * NX;
}

static void test_slices(void) {
    size_t z_begin = 0;
    tes_array *slab = my_slab(&z_begin);
    char prefix[PATH_MAX], names[TES_PREVIEW_SLICES][PATH_MAX];
    io_path(prefix, "preview");
    tes_preview_names(prefix, names);
    tes_preview_options opt = tes_preview_options_default();
    if (EXPECT_OK(tes_preview_write_slices(MPI_COMM_WORLD, slab, z_begin, NZ, prefix, &opt)) &&
        io_rank == 0) {
        unsigned char *want[3];
        expected_images(want);
        const size_t rows[3] = {NY, NZ, NZ}, cols[3] = {NX, NX, NY};
        for (int i = 0; i < TES_PREVIEW_SLICES; ++i) {
            size_t r = 0, c = 0;
            unsigned char *img = read_png(names[i], 1, &r, &c);
            EXPECT(img != NULL, "cannot read %s back", names[i]);
            if (!img)
                continue;
            EXPECT(r == rows[i] && c == cols[i], "%s is %zu x %zu, expected %zu x %zu", names[i], r,
                   c, rows[i], cols[i]);
            EXPECT(!constant(img, r * c), "%s is constant", names[i]);
            EXPECT(r == rows[i] && c == cols[i] && !memcmp(img, want[i], r * c),
                   "%s differs from the central slice", names[i]);
            free(img);
        }
    }
    /* Again: refused, untouched; then replaced when asked. */
    uint64_t before = io_file_digest(names[0]);
    EXPECT_ERROR(tes_preview_write_slices(MPI_COMM_WORLD, slab, z_begin, NZ, prefix, &opt),
                 TES_ERR_INPUT, "already exists");
    EXPECT(io_file_digest(names[0]) == before, "existing preview changed");
    opt.overwrite = 1;
    EXPECT_OK(tes_preview_write_slices(MPI_COMM_WORLD, slab, z_begin, NZ, prefix, &opt));
    /* Slabs that do not tile the volume. */
    opt.overwrite = 1;
    EXPECT_ERROR(tes_preview_write_slices(MPI_COMM_WORLD, slab, z_begin, NZ + 1, prefix, &opt),
                 TES_ERR_ARG, "of the volume's 10 slices");
    tes_array_destroy(&slab);
}

/* A prefix in a directory that is missing, or that takes no new files. */
static void expect_refused_prefix(const char *prefix, const char *text) {
    size_t entries = 0, after = 0;
    uint64_t dir = io_dir_digest(io_dir, &entries);
    MPI_Barrier(MPI_COMM_WORLD); /* every rank looked before any rank starts */
    size_t z_begin = 0;
    tes_array *slab = my_slab(&z_begin);
    EXPECT_ERROR(tes_preview_write_slices(MPI_COMM_WORLD, slab, z_begin, NZ, prefix, NULL),
                 TES_ERR_INPUT, text);
    EXPECT(io_dir_digest(io_dir, &after) == dir && after == entries,
           "a refused preview left files behind");
    MPI_Barrier(MPI_COMM_WORLD); /* every rank looked before the next step writes */
    tes_array_destroy(&slab);
}

static void test_refused(void) {
    char prefix[PATH_MAX];
    expect_refused_prefix(io_path(prefix, "missing/preview"), "does not exist");
    expect_refused_prefix("/proc/tessera-preview", "/proc");
    /* A read-only directory refuses new files, except to root. */
    char locked[PATH_MAX];
    if (io_rank == 0)
        mkdir(io_path(locked, "locked"), 0555);
    MPI_Barrier(MPI_COMM_WORLD);
    if (geteuid() != 0)
        expect_refused_prefix(io_path(prefix, "locked/preview"), "locked");
}

static void test_convergence_plot(void) {
    if (io_rank != 0)
        return;
    double residual[ITERATIONS];
    for (int i = 0; i < ITERATIONS; ++i)
        residual[i] = 2.0 * exp(-0.3 * i) + 1e-4;
    residual[7] = NAN; /* left out: the line breaks */
    char path[PATH_MAX];
    io_path(path, "convergence.png");
    tes_convergence_plot_options opt = {"SIRT, t314", NULL, 0, "--force"};
    if (EXPECT_OK(tes_convergence_plot_write(path, residual, ITERATIONS, &opt))) {
        size_t r = 0, c = 0;
        unsigned char *img = read_png(path, 3, &r, &c);
        EXPECT(img && r > 100 && c > 100, "plot %zu x %zu", r, c);
        EXPECT(img && !constant(img, r * c * 3), "plot is constant");
        /* The curve's colour is there. */
        size_t blue = 0;
        for (size_t i = 0; img && i < r * c; ++i)
            blue += img[3 * i] == 31 && img[3 * i + 1] == 119 && img[3 * i + 2] == 180;
        EXPECT(blue > 100, "%zu curve pixels", blue);
        free(img);
    }
    uint64_t before = io_file_digest(path);
    EXPECT_ERROR(tes_convergence_plot_write(path, residual, ITERATIONS, &opt), TES_ERR_INPUT,
                 "already exists and was left untouched (use --force");
    EXPECT(io_file_digest(path) == before, "existing plot changed");
    opt.overwrite = 1;
    EXPECT_OK(tes_convergence_plot_write(path, residual, 1, &opt));
    EXPECT_ERROR(tes_convergence_plot_write("/proc/tessera.png", residual, ITERATIONS, &opt),
                 TES_ERR_INPUT, "/proc");
    EXPECT_ERROR(tes_convergence_plot_write(path, residual, 0, &opt), TES_ERR_ARG, "no residuals");
    double zeros[3] = {0, 0, 0};
    EXPECT_OK(tes_convergence_plot_write(path, zeros, 3, &opt));
}

int main(int argc, char **argv) {
    io_test_init(&argc, &argv, "t314");
    test_window();
    test_slices();
    test_refused();
    test_convergence_plot();
    return io_test_finish("t314-preview");
}
