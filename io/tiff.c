#include "io/tiff.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <tiffio.h>

#include "core/agree.h"
#include "core/log.h"
#include "io/outfile.h"

enum {
    TES_TIFF_MIN_DIGITS = 5, /* slice numbers are zero-padded to at least this */
    TES_TIFF_BITS = 32,
    TES_TIFF_MESSAGE_BYTES = 512,
    TES_DECIMAL = 10,
};

/* libtiff reports through a global handler; keep the last message. */
static _Thread_local char tiff_message[TES_TIFF_MESSAGE_BYTES];

static void on_tiff_error(const char *module, const char *fmt, va_list ap) {
    (void)module;
    vsnprintf(tiff_message, sizeof tiff_message, fmt, ap);
}

static int digits(size_t n) {
    int d = 1;
    while (n >= TES_DECIMAL) {
        n /= TES_DECIMAL;
        ++d;
    }
    return d;
}

tes_status tes_tiff_slice_name(const char *prefix, size_t z, size_t nz, char name[PATH_MAX]) {
    TES_CHECK(prefix && prefix[0], TES_ERR_ARG, "no TIFF file prefix given");
    int width = digits(nz ? nz - 1 : 0);
    width = width < TES_TIFF_MIN_DIGITS ? TES_TIFF_MIN_DIGITS : width;
    int n = snprintf(name, PATH_MAX, "%s_%0*zu.tif", prefix, width, z);
    TES_CHECK(n > 0 && n < PATH_MAX, TES_ERR_ARG, "TIFF prefix '%s' is too long", prefix);
    return TES_OK;
}

static tes_status encode(const char *temp, const char *name, const float *slice, size_t ny,
                         size_t nx) {
    tiff_message[0] = '\0';
    TIFFErrorHandler previous = TIFFSetErrorHandler(on_tiff_error);
    TIFF *tif = TIFFOpen(temp, "w");
    int ok = tif != NULL;
    if (ok) {
        ok = TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, (uint32_t)nx) &&
             TIFFSetField(tif, TIFFTAG_IMAGELENGTH, (uint32_t)ny) &&
             TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1) &&
             TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, TES_TIFF_BITS) &&
             TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_IEEEFP) &&
             TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK) &&
             TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) &&
             TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE) &&
             TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, (uint32_t)ny);
        for (size_t y = 0; ok && y < ny; ++y)
            ok = TIFFWriteScanline(tif, (void *)(slice + y * nx), (uint32_t)y, 0) >= 0;
        TIFFClose(tif);
    }
    TIFFSetErrorHandler(previous);
    TES_CHECK(ok, TES_ERR_IO, "cannot write the TIFF slice %s: %s", name,
              tiff_message[0] ? tiff_message : "libtiff failed");
    return TES_OK;
}

static tes_status write_slice(const char *name, const float *slice, size_t ny, size_t nx,
                              const tes_tiff_options *opt) {
    tes_outfile out;
    TES_CALL(tes_outfile_begin(&out, name, opt->overwrite, opt->force_hint));
    /* libtiff opens by name: give it the temporary file. */
    fclose(out.fp);
    out.fp = NULL;
    tes_status st = encode(out.temp, name, slice, ny, nx);
    if (st != TES_OK) {
        tes_outfile_abort(&out);
        return st;
    }
    TES_CALL(tes_outfile_commit(&out));
    return TES_OK;
}

static tes_status check_slab(const tes_array *slab, size_t z_begin, size_t nz) {
    if (!slab)
        return TES_OK;
    TES_CHECK(slab->dtype == TES_FLOAT32 && slab->location == TES_HOST && slab->ndim == 3,
              TES_ERR_SHAPE, "TIFF stack: the slab must be a host float32 array (z, y, x)");
    TES_CHECK(z_begin + slab->shape[0] <= nz, TES_ERR_ARG,
              "TIFF stack: slices [%zu, %zu) lie outside the volume's %zu", z_begin,
              z_begin + slab->shape[0], nz);
    TES_CHECK(slab->shape[1] <= UINT32_MAX && slab->shape[2] <= UINT32_MAX, TES_ERR_ARG,
              "TIFF stack: slices of %zu x %zu pixels are too large", slab->shape[1],
              slab->shape[2]);
    return TES_OK;
}

static tes_status check_outputs(const tes_array *slab, size_t z_begin, size_t nz,
                                const char *prefix, const tes_tiff_options *opt) {
    TES_CALL(check_slab(slab, z_begin, nz));
    char name[PATH_MAX];
    for (size_t k = 0; slab && k < slab->shape[0]; ++k) {
        TES_CALL(tes_tiff_slice_name(prefix, z_begin + k, nz, name));
        TES_CALL(tes_outfile_check(name, opt->overwrite, opt->force_hint));
    }
    return TES_OK;
}

tes_status tes_tiff_write_stack(MPI_Comm comm, const tes_array *slab, size_t z_begin, size_t nz,
                                const char *prefix, const tes_tiff_options *opt) {
    tes_tiff_options defaults = {0, NULL};
    if (!opt)
        opt = &defaults;
    TES_CALL(tes_status_agree(comm, check_outputs(slab, z_begin, nz, prefix, opt)));
    tes_status st = TES_OK;
    char name[PATH_MAX];
    size_t n = slab ? slab->shape[0] : 0, pixels = n ? slab->shape[1] * slab->shape[2] : 0;
    for (size_t k = 0; k < n && st == TES_OK; ++k) {
        st = tes_tiff_slice_name(prefix, z_begin + k, nz, name);
        if (st == TES_OK)
            st = write_slice(name, (const float *)slab->data + k * pixels, slab->shape[1],
                             slab->shape[2], opt);
    }
    TES_CALL(tes_status_agree(comm, st));
    tes_log(TES_LOG_INFO, "TIFF stack: %zu slices %s_*.tif", nz, prefix);
    return TES_OK;
}
