/* Filtered backprojection on the command line: the options shared by the
 * commands that run it (tessera center, tessera bench fbp, tessera recon
 * --algorithm fbp|fdk): the ramp filter's window and cutoff and the
 * cone-beam scan; and the FBP branch of tessera recon. */
#ifndef TES_CLI_FBP_CLI_H
#define TES_CLI_FBP_CLI_H

#include "cli/options.h"
#include "core/status.h"
#include "kernels/geometry.h"
#include "solvers/fbp.h"
#include "solvers/problem.h"
#include "solvers/solver.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --filter, --cutoff */
extern const tes_cli_option tes_cli_filter_options[];
/* --scan */
extern const tes_cli_option tes_cli_fbp_scan_options[];

/* The filter given by --filter and --cutoff (defaults for the rest). */
tes_status tes_cli_filter_read(const tes_cli_args *args, tes_filter_options *opt);

/* The filter and --scan (where the command offers it). */
tes_status tes_cli_fbp_read(const tes_cli_args *args, tes_fbp_options *opt);

/* tessera recon: *is_fbp = 1 when --algorithm is fbp or fdk; then the
 * options are read into opt, the algorithm must fit the geometry's kind
 * (fbp: parallel3d, fdk: cone3d), and the iterative solvers' options
 * (--iterations, --tolerance, --relaxation, --subsets, --min, --max,
 * --metrics) are refused. */
tes_status tes_cli_recon_fbp_options(const tes_cli_args *args, tes_geom_kind kind, int *is_fbp,
                                     tes_fbp_options *opt);

/* tessera recon's FBP branch, collective: x = FBP/FDK of y on pb, logged
 * on rank 0, and res filled as for a solve of no iterations (its residual
 * ||y - A x|| computed), so that recon reports it like a solver's. */
tes_status tes_cli_recon_fbp(tes_problem *pb, const tes_array *y, tes_array *x,
                             const tes_fbp_options *opt, tes_solver_result *res);

#ifdef __cplusplus
}
#endif

#endif
