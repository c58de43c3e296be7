/* t315: a distributed volume written as a float32 TIFF stack (each rank its
 * own slices, one rank none) reads back with libtiff slice by slice, exact;
 * one existing slice makes every rank refuse before any file is written,
 * and stays untouched; overwriting replaces it when asked; a missing or
 * unwritable directory is refused. Any rank count. */
#include "io_testing.h"

#include <tiffio.h>

#include "io/tiff.h"

enum { NZ = 7, NY = 5, NX = 6 };

static float voxel(size_t z, size_t y, size_t x) {
    return (float)z * 1.5f + (float)y * 0.25f - (float)x;
}

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

/* Read slice z back and compare. */
static void check_slice(const char *name, size_t z) {
    TIFF *tif = TIFFOpen(name, "r");
    EXPECT(tif != NULL, "cannot open %s", name);
    if (!tif)
        return;
    uint32_t w = 0, h = 0;
    uint16_t bits = 0, format = 0, spp = 0;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
    TIFFGetField(tif, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetField(tif, TIFFTAG_SAMPLEFORMAT, &format);
    TIFFGetField(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    EXPECT(w == NX && h == NY && bits == 32 && format == SAMPLEFORMAT_IEEEFP && spp == 1,
           "%s: %u x %u, %u bits, format %u", name, w, h, bits, format);
    float row[NX];
    int bad = 0;
    for (uint32_t y = 0; y < NY && w == NX; ++y) {
        if (TIFFReadScanline(tif, row, y, 0) < 0) {
            ++bad;
            continue;
        }
        for (size_t x = 0; x < NX; ++x)
            bad += row[x] != voxel(z, y, x);
    }
    EXPECT(bad == 0, "%s: %d values differ", name, bad);
    TIFFClose(tif);
}

static void test_stack(void) {
    size_t z_begin = 0;
    tes_array *slab = my_slab(&z_begin);
    char prefix[PATH_MAX], name[PATH_MAX];
    io_path(prefix, "stack");
    if (EXPECT_OK(tes_tiff_write_stack(MPI_COMM_WORLD, slab, z_begin, NZ, prefix, NULL)) &&
        io_rank == 0)
        for (size_t z = 0; z < NZ; ++z) {
            tes_tiff_slice_name(prefix, z, NZ, name);
            check_slice(name, z);
        }
    tes_tiff_slice_name(prefix, 3, NZ, name);
    EXPECT(strstr(name, "stack_00003.tif"), "slice name %s", name);
    tes_array_destroy(&slab);
}

/* One slice of a new stack exists already: nobody writes anything. */
static void test_existing(void) {
    size_t z_begin = 0;
    tes_array *slab = my_slab(&z_begin);
    char prefix[PATH_MAX], name[PATH_MAX];
    io_path(prefix, "again");
    tes_tiff_slice_name(prefix, NZ - 1, NZ, name);
    if (io_rank == 0) {
        FILE *fp = fopen(name, "w");
        fputs("not a slice", fp);
        fclose(fp);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    uint64_t before = io_file_digest(name);
    size_t entries = 0, after = 0;
    uint64_t dir = io_dir_digest(io_dir, &entries);
    MPI_Barrier(MPI_COMM_WORLD); /* every rank looked before any rank starts */
    tes_tiff_options opt = {0, "--force"};
    EXPECT_ERROR(tes_tiff_write_stack(MPI_COMM_WORLD, slab, z_begin, NZ, prefix, &opt),
                 TES_ERR_INPUT, "already exists and was left untouched (use --force");
    EXPECT(io_file_digest(name) == before, "the existing slice changed");
    EXPECT(io_dir_digest(io_dir, &after) == dir && after == entries,
           "slices were written although one output existed");
    MPI_Barrier(MPI_COMM_WORLD); /* every rank looked before the next step writes */
    opt.overwrite = 1;
    EXPECT_OK(tes_tiff_write_stack(MPI_COMM_WORLD, slab, z_begin, NZ, prefix, &opt));
    if (io_rank == 0)
        check_slice(name, NZ - 1);
    tes_array_destroy(&slab);
}

static void test_refused(void) {
    size_t z_begin = 0;
    tes_array *slab = my_slab(&z_begin);
    char prefix[PATH_MAX];
    EXPECT_ERROR(tes_tiff_write_stack(MPI_COMM_WORLD, slab, z_begin, NZ,
                                      io_path(prefix, "missing/stack"), NULL),
                 TES_ERR_INPUT, "does not exist");
    EXPECT_ERROR(
        tes_tiff_write_stack(MPI_COMM_WORLD, slab, z_begin, NZ, "/proc/tessera-stack", NULL),
        TES_ERR_INPUT, "/proc");
    EXPECT_ERROR(
        tes_tiff_write_stack(MPI_COMM_WORLD, slab, z_begin, NZ - 4, io_path(prefix, "short"), NULL),
        TES_ERR_ARG, "outside");
    tes_array_destroy(&slab);
}

int main(int argc, char **argv) {
    io_test_init(&argc, &argv, "t315");
    TIFFSetWarningHandler(NULL);
    test_stack();
    test_existing();
    test_refused();
    return io_test_finish("t315-tiff");
}
