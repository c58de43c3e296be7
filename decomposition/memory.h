/* The memory plan: the bytes a rank of a P_slab x P_view grid needs, the
 * automatic choice of P_slab, and the refusal of a grid that does not fit,
 * with the numbers a user needs to fix it. Used by tes_grid_create. */
#ifndef TES_DECOMPOSITION_MEMORY_H
#define TES_DECOMPOSITION_MEMORY_H

#include <stddef.h>

#include "core/comm.h"
#include "core/status.h"
#include "decomposition/grid.h"
#include "kernels/geometry.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of one stored value: volumes and projection data are float32. */
#define TES_PLAN_VALUE_BYTES ((size_t)4)

/* Bytes reserved per stitch a rank takes part in (a communicator of more
 * than one rank): one reduction chunk. The backprojection stitch reduces
 * the partial slab in place, but MPI works through a temporary of up to one
 * chunk per call and NCCL keeps its own channel buffers (NCCL_BUFFSIZE,
 * 4 MiB, per channel and protocol); the forward stitch gathers projections
 * into a buffer no larger (TES_OPERATOR_STITCH_BUFFER_BYTES in
 * src/solvers/operator.c). */
#define TES_PLAN_STITCH_RESERVE_BYTES TES_COMM_CHUNK_BYTES_DEFAULT

/* What the plan depends on. */
typedef struct tes_plan_input {
    const tes_vol_geom *vol;
    const tes_proj_geom *proj;
    int volume_vectors, data_vectors;
    size_t limit; /* bytes per rank; 0: no limit */
} tes_plan_input;

/* Bytes of a rank with a slab of nslices slices, nviews views of nrows
 * detector rows, taking part in stitches stitches (0, 1 or 2). */
tes_memory_plan tes_memory_plan_rank(const tes_plan_input *in, size_t nslices, size_t nviews,
                                     size_t nrows, int stitches);

/* The plan of the rank that needs the most in a p_slab x p_view grid. */
tes_memory_plan tes_memory_plan_largest(const tes_plan_input *in, int p_slab, int p_view);

/* The automatic grid for nranks ranks: the smallest P_slab that divides
 * nranks, is at most nz, and whose largest rank fits the limit. Refuses
 * (TES_ERR_PLAN, with the numbers) when none fits. */
tes_status tes_memory_plan_choose(const tes_plan_input *in, int nranks, int *p_slab);

/* Refuse the requested p_slab x p_view grid of nranks ranks, which exceeds
 * the limit: TES_ERR_PLAN with what it needs, what would fit these ranks,
 * and the smallest rank count that fits the limit. */
tes_status tes_memory_plan_refuse(const tes_plan_input *in, int nranks, int p_slab, int p_view);

/* The grid of nranks ranks for req (in.limit: the memory limit): req's
 * P_slab x P_view, checked (both or neither given, their product nranks,
 * P_slab at most nz) and refused when its largest rank exceeds the limit,
 * or for 0 x 0 the one tes_memory_plan_choose picks. TES_ERR_PLAN with the
 * numbers. */
tes_status tes_memory_plan_grid(const tes_plan_input *in, const tes_grid_request *req, int nranks,
                                int *p_slab, int *p_view);

/* bytes as "512 B", "1.50 KiB", "12.00 MiB", "3.25 GiB", "1.10 TiB". */
const char *tes_bytes_text(char *buf, size_t len, double bytes);

#ifdef __cplusplus
}
#endif

#endif
