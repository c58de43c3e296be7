/* tessera info: what an input file holds and what tessera would read of
 * it; and the options that choose how a measured scan is read (format,
 * dataset paths, values, crop, view step), for every command that reads
 * one. */
#ifndef TES_CLI_INFO_H
#define TES_CLI_INFO_H

#include "cli/command.h"
#include "cli/options.h"
#include "core/status.h"
#include "io/scan.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const tes_cli_command tes_cli_info_command;

/* --format, --data, --flats, --darks, --angles, --image-key, --values,
 * --rows, --cols, --view-step */
extern const tes_cli_option tes_cli_scan_options[];

/* The scan options given in args (defaults for the rest). The paths point
 * into args. */
tes_status tes_cli_scan_read_options(const tes_cli_args *args, tes_scan_options *opt);

#ifdef __cplusplus
}
#endif

#endif
