/* Binding ranks to GPUs: one rank per GPU, each picking its device from its
 * node-local rank (Slurm: --ntasks-per-node=G --gpus-per-node=G). */
#ifndef TES_DECOMPOSITION_DEVICE_H
#define TES_DECOMPOSITION_DEVICE_H

#include <mpi.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Select device local_rank % device_count for this rank (collective over
 * comm) and return it in *device; -1 where no device is usable (the CPU
 * backend). The node-local rank comes from MPI_Comm_split_type
 * (MPI_COMM_TYPE_SHARED), else from SLURM_LOCALID. */
tes_status tes_device_bind(MPI_Comm comm, int *device);

/* This rank's index among the ranks of comm on its node, and their number
 * (collective over comm). Where the shared-memory split is unavailable the
 * rank comes from SLURM_LOCALID and the number is -1 (unknown). */
tes_status tes_node_local_rank(MPI_Comm comm, int *local_rank, int *local_size);

/* SLURM_LOCALID as a rank, or -1 when it is unset or not a non-negative
 * integer. */
int tes_slurm_local_rank(void);

#ifdef __cplusplus
}
#endif

#endif
