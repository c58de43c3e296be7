/* tessera plan JOB: what a job would do on N ranks (grid, slabs, view
 * groups, rows and memory per rank, nodes, an estimated time per
 * iteration), printed from one process without starting the ranks. */
#ifndef TES_CLI_PLAN_H
#define TES_CLI_PLAN_H

#include "cli/command.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const tes_cli_command tes_cli_plan_command;

#ifdef __cplusplus
}
#endif

#endif
