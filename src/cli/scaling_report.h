/* tessera scaling-report: the summary of a scaling study submitted by
 * slurm/scaling. Reads the study's run list (DIR/runs.csv) and each run's
 * per-iteration metrics (tessera recon --metrics), and writes one CSV row
 * per run (DIR/scaling.csv) and the speedup and efficiency plots
 * (DIR/speedup.png, DIR/efficiency.png). */
#ifndef TES_CLI_SCALING_REPORT_H
#define TES_CLI_SCALING_REPORT_H

#include "cli/command.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const tes_cli_command tes_cli_scaling_report_command;

#ifdef __cplusplus
}
#endif

#endif
