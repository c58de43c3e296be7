/* The contents of an HDF5 file as `tessera info` shows them: every dataset
 * with its stored type, shape and "units" attribute, soft links and
 * external links with their targets (a target file that does not exist is
 * marked, never opened). Serial: one rank reads the file, with HDF5's
 * default file driver, and prints. */
#ifndef TES_IO_H5CONTENTS_H
#define TES_IO_H5CONTENTS_H

#include <stdio.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Print the contents of path to out. Scalar datasets (instrument
 * positions and the like) are counted, and listed only when scalars is
 * set. Fails (TES_ERR_INPUT) when path is missing or not HDF5. */
tes_status tes_h5_contents_print(FILE *out, const char *path, int scalars);

#ifdef __cplusplus
}
#endif

#endif
