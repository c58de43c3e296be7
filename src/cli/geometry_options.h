/* Volume and projection geometry given by command-line options, in mm and
 * degrees (converted to radians here), checked with messages that name the
 * option. */
#ifndef TES_CLI_GEOMETRY_OPTIONS_H
#define TES_CLI_GEOMETRY_OPTIONS_H

#include <stddef.h>

#include "cli/options.h"
#include "core/status.h"
#include "kernels/geometry.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --volume, --voxel */
extern const tes_cli_option tes_cli_volume_options[];
/* --geometry, --detector, --pixel, --views, --angles, --angles-file,
 * --center-col, --center-row, --sod, --odd, --offset-u, --offset-v,
 * --shifts-file */
extern const tes_cli_option tes_cli_projection_options[];

/* The volume: --volume, else input_shape (the input's (z, y, x), which a
 * given --volume must match; may be NULL), else default_shape (may be
 * NULL: then --volume is required); --voxel (default 1 mm). Centred at the
 * origin. */
tes_status tes_cli_volume_geom(const tes_cli_args *args, const size_t *input_shape,
                               const size_t *default_shape, tes_vol_geom *vol);

/* The projection geometry for vol. input_shape: (views, rows, cols) of an
 * input the options must agree with, or NULL. */
tes_status tes_cli_proj_geom(const tes_cli_args *args, const tes_vol_geom *vol,
                             const size_t *input_shape, tes_proj_geom **out);

#ifdef __cplusplus
}
#endif

#endif
