/* Inside the communicator: the host path (MPI, chunked, optionally on a
 * communication thread) and the device path (NCCL). comm.c puts them
 * behind one call and keeps the statistics. */
#ifndef TES_CORE_COMM_IMPL_H
#define TES_CORE_COMM_IMPL_H

#include <mpi.h>
#include <stddef.h>

#include "core/array.h"
#include "core/status.h"

/* Sum count values of dtype (float32 or float64) at data in place over mpi
 * on the calling thread, at most chunk_bytes (and INT_MAX elements) per
 * MPI call. */
tes_status tes_comm_host_reduce(MPI_Comm mpi, void *data, size_t count, tes_dtype dtype,
                                size_t chunk_bytes);

/* A communication thread that runs tes_comm_host_reduce on its own
 * duplicate of mpi (collective). Needs MPI_THREAD_MULTIPLE. */
typedef struct tes_comm_host tes_comm_host;
tes_status tes_comm_host_create(tes_comm_host **out, MPI_Comm mpi, size_t chunk_bytes);
void tes_comm_host_destroy(tes_comm_host **h);

/* Hand a reduction to the thread; at most one at a time. */
tes_status tes_comm_host_start(tes_comm_host *h, void *data, size_t count, tes_dtype dtype);

/* Block until it is done; *finished: when it completed (tes_time_now). */
tes_status tes_comm_host_wait(tes_comm_host *h, double *finished);

/* An NCCL communicator over the ranks of mpi on the current device
 * (collective), with its own stream and events. */
typedef struct tes_comm_nccl tes_comm_nccl;
tes_status tes_comm_nccl_create(tes_comm_nccl **out, MPI_Comm mpi);
void tes_comm_nccl_destroy(tes_comm_nccl **n);

/* Enqueue the in-place sum of device array a after the default stream's
 * work; at most one at a time. */
tes_status tes_comm_nccl_start(tes_comm_nccl *n, tes_array *a);

/* Block until it is done; *seconds: device time from the data being ready
 * to the sum being complete. */
tes_status tes_comm_nccl_wait(tes_comm_nccl *n, double *seconds);

#endif
