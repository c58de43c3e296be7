/* PNG files (libpng): 8-bit grey or RGB images written through
 * tes_outfile (temporary name, renamed when complete). */
#ifndef TES_IO_PNG_H
#define TES_IO_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write rows x cols pixels of channels bytes each (1: grey, 3: RGB), row
 * by row from the top, to path. An existing path is replaced only when
 * overwrite is set; force_hint says how a user allows that. */
tes_status tes_png_write(const char *path, const uint8_t *pixels, size_t rows, size_t cols,
                         int channels, int overwrite, const char *force_hint);

#ifdef __cplusplus
}
#endif

#endif
