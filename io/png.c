#include "io/png.h"

#include <limits.h>
#include <png.h>
#include <stdlib.h>

#include "io/outfile.h"

enum { TES_PNG_BIT_DEPTH = 8, TES_PNG_GREY = 1, TES_PNG_RGB = 3 };

/* libpng reports errors by longjmp; keep its message for ours. */
static void on_error(png_structp png, png_const_charp message) {
    char *buf = png_get_error_ptr(png);
    snprintf(buf, PATH_MAX, "%s", message);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

/* Encode onto fp; 0 on success, else the message is in error. */
static int encode(FILE *fp, const uint8_t *pixels, size_t rows, size_t cols, int channels,
                  char *error) {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, error, on_error, on_warning);
    if (!png)
        return snprintf(error, PATH_MAX, "out of memory"), 1;
    png_infop info = png_create_info_struct(png);
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, info ? &info : NULL);
        if (!error[0])
            snprintf(error, PATH_MAX, "out of memory");
        return 1;
    }
    png_init_io(png, fp);
    png_set_IHDR(png, info, (png_uint_32)cols, (png_uint_32)rows, TES_PNG_BIT_DEPTH,
                 channels == TES_PNG_RGB ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (size_t r = 0; r < rows; ++r)
        png_write_row(png, pixels + r * cols * (size_t)channels);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return 0;
}

tes_status tes_png_write(const char *path, const uint8_t *pixels, size_t rows, size_t cols,
                         int channels, int overwrite, const char *force_hint) {
    TES_CHECK(channels == TES_PNG_GREY || channels == TES_PNG_RGB, TES_ERR_ARG,
              "a PNG image has 1 (grey) or 3 (RGB) channels, not %d", channels);
    TES_CHECK(rows > 0 && cols > 0 && rows <= PNG_UINT_31_MAX && cols <= PNG_UINT_31_MAX,
              TES_ERR_ARG, "cannot write a PNG image of %zu x %zu pixels to %s", rows, cols, path);
    tes_outfile out;
    TES_CALL(tes_outfile_begin(&out, path, overwrite, force_hint));
    char *error = calloc(PATH_MAX, 1);
    if (!error) {
        tes_outfile_abort(&out);
        TES_FAIL(TES_ERR_ALLOC, "cannot allocate a message buffer");
    }
    if (encode(out.fp, pixels, rows, cols, channels, error)) {
        tes_outfile_abort(&out);
        tes_status st = tes_error_set(TES_ERR_IO, __FILE__, __LINE__, __func__,
                                      "cannot write the PNG image %s: %s", path, error);
        free(error);
        return st;
    }
    free(error);
    TES_CALL(tes_outfile_commit(&out));
    return TES_OK;
}
