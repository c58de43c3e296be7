/* The stitch: in-place sum of an array over a communicator. Device arrays
 * go through NCCL (communicators bootstrapped over MPI), host arrays through
 * MPI_Allreduce, behind one call. A started reduction runs while the caller
 * computes the next chunk; bytes and seconds are recorded. */
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

typedef struct tes_comm_stats {
    size_t calls;          /* reductions completed */
    double bytes;          /* payload bytes reduced (per rank) */
    double seconds;        /* time from start to completion of each reduction, summed */
    double wait_seconds;   /* time the caller spent blocked in waits */
} tes_comm_stats;

/* Wrap mpi (collective over it; the communicator is duplicated). With the
 * cuda backend an NCCL communicator over the same ranks is created too. */
tes_status tes_comm_create(tes_comm **out, MPI_Comm mpi, tes_backend backend);
void tes_comm_destroy(tes_comm **c);

int tes_comm_size(const tes_comm *c);
int tes_comm_rank(const tes_comm *c);
MPI_Comm tes_comm_mpi(const tes_comm *c);

/* Sum a (float32 or float64, host or device) in place over the ranks. A
 * communicator of one rank returns at once. */
tes_status tes_comm_allreduce(tes_comm *c, tes_array *a);

/* Start summing a in place; the reduction proceeds while the caller works.
 * At most one reduction per communicator is in flight: starting another
 * first waits for the previous. a must stay alive until tes_comm_wait. */
tes_status tes_comm_allreduce_start(tes_comm *c, tes_array *a);
tes_status tes_comm_wait(tes_comm *c);

/* Sum n host doubles in place (inner products, norms). */
tes_status tes_comm_allreduce_doubles(tes_comm *c, double *values, int n);

tes_comm_stats tes_comm_get_stats(const tes_comm *c);
void tes_comm_reset_stats(tes_comm *c);

#ifdef __cplusplus
}
#endif

#endif
