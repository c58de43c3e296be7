/* tessera center: the automatic centre of rotation of a measured
 * parallel-beam scan, and previews over a range of centres. */
#ifndef TES_CLI_CENTER_H
#define TES_CLI_CENTER_H

#include "cli/command.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const tes_cli_command tes_cli_center_command;

#ifdef __cplusplus
}
#endif

#endif
