/* The stitch: in-place sum of an array over a communicator. Device arrays
 * go through NCCL (communicators bootstrapped over MPI), host arrays through
 * MPI_Allreduce, behind one call. A started reduction runs while the caller
 * computes the next chunk; bytes and seconds are recorded.
 *
 * Every call is collective: all ranks make the same calls, in the same
 * order, with arrays of the same dtype and element count.
 *
 * Host arrays. Open MPI does not progress a nonblocking collective while
 * the caller computes, so a started host reduction runs on a communication
 * thread (one per tes_comm, on its own duplicate of the communicator) that
 * calls MPI_Allreduce while the caller's thread goes on. Two threads calling
 * MPI need MPI_Init_thread(..., MPI_THREAD_MULTIPLE, ...) (tessera's main
 * asks for it). With a lower level, tes_comm_create warns once and
 * tes_comm_allreduce_start reduces at once, blocking: the sums are the same,
 * nothing overlaps. The caller may call MPI (tes_comm_allreduce_doubles
 * included) while a reduction is in flight. The thread polls MPI while it
 * waits: on the CPU backend leave a core per rank for it. A tes_comm serves
 * one caller thread; create and destroy it between MPI_Init_thread and
 * MPI_Finalize (destroy joins the thread).
 *
 * TES_COMM_CHUNK_BYTES (environment, read by tes_comm_create): bytes per
 * MPI call of a host reduction, default TES_COMM_CHUNK_BYTES_DEFAULT. Each
 * call also stays within INT_MAX elements, so arrays beyond 2^31 elements
 * reduce, and MPI's temporaries stay bounded.
 *
 * Device arrays (cuda backend). NCCL reduces on the communicator's own
 * non-blocking stream, after the work already queued on the default stream
 * (an event orders it), so kernels launched on the default stream after
 * tes_comm_allreduce_start run while NCCL reduces. tes_comm_wait blocks the
 * host until the sum is complete. The arrays live on the device that was
 * current at tes_comm_create. */
#ifndef TES_CORE_COMM_H
#define TES_CORE_COMM_H

#include <mpi.h>
#include <stddef.h>

#include "core/array.h"
#include "core/backend.h"
#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tes_comm tes_comm;

/* Bytes per MPI call of a host reduction unless TES_COMM_CHUNK_BYTES says. */
#define TES_COMM_CHUNK_BYTES_DEFAULT ((size_t)64 << 20)

typedef struct tes_comm_stats {
    size_t calls;        /* reductions completed */
    double bytes;        /* payload bytes reduced (per rank) */
    double seconds;      /* time from start to completion of each reduction, summed */
    double wait_seconds; /* time the caller spent blocked (in waits, and in
                          * reductions that could not overlap); the hidden
                          * share is 1 - wait_seconds / seconds */
} tes_comm_stats;

/* Wrap mpi (collective over it; the communicator is duplicated). With the
 * cuda backend an NCCL communicator over the same ranks is created too. */
tes_status tes_comm_create(tes_comm **out, MPI_Comm mpi, tes_backend backend);
void tes_comm_destroy(tes_comm **c);

int tes_comm_size(const tes_comm *c);
int tes_comm_rank(const tes_comm *c);
MPI_Comm tes_comm_mpi(const tes_comm *c);

/* Bytes per MPI call of a host reduction (TES_COMM_CHUNK_BYTES). */
size_t tes_comm_chunk_bytes(const tes_comm *c);

/* Sum a (float32 or float64, host or device) in place over the ranks. A
 * communicator of one rank returns at once. Waits for a reduction in flight
 * first. */
tes_status tes_comm_allreduce(tes_comm *c, tes_array *a);

/* Start summing a in place; the reduction proceeds while the caller works.
 * At most one reduction per communicator is in flight: starting another
 * first waits for the previous. a must stay alive until tes_comm_wait. */
tes_status tes_comm_allreduce_start(tes_comm *c, tes_array *a);
tes_status tes_comm_wait(tes_comm *c);

/* Sum n host doubles in place (inner products, norms), on the caller's
 * thread; a reduction in flight goes on. */
tes_status tes_comm_allreduce_doubles(tes_comm *c, double *values, int n);

tes_comm_stats tes_comm_get_stats(const tes_comm *c);
void tes_comm_reset_stats(tes_comm *c);

#ifdef __cplusplus
}
#endif

#endif
