/* tessera recon: iterative reconstruction (SIRT, OSEM/MLEM, CGLS) on the
 * rank grid, and the options it shares with tessera bench sirt: the grid
 * (--grid, --mem-per-rank). */
#ifndef TES_CLI_RECON_H
#define TES_CLI_RECON_H

#include "cli/command.h"
#include "cli/options.h"
#include "core/status.h"
#include "decomposition/grid.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const tes_cli_command tes_cli_recon_command;

/* --grid, --mem-per-rank */
extern const tes_cli_option tes_cli_grid_options[];

/* Fill p_slab, p_view and mem_per_rank of req from --grid and
 * --mem-per-rank (both absent: chosen from memory, no limit). A --grid
 * must have nranks ranks and at most nz slabs. */
tes_status tes_cli_grid_request(const tes_cli_args *args, int nranks, size_t nz,
                                tes_grid_request *req);

#ifdef __cplusplus
}
#endif

#endif
