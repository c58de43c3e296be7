/* Device reductions: NCCL on a dedicated non-blocking stream, ordered after
 * the default stream's work by an event. Built with the cuda backend only. */
#include <cuda_runtime_api.h>
#include <mpi.h>
#include <nccl.h>
#include <stdlib.h>
#include <string.h>

#include "core/check.h"
#include "core/comm_impl.h"
#include "core/timer.h"

/* The compute stream tessera's kernels are launched on. */
#define TES_COMPUTE_STREAM ((cudaStream_t)0)

enum { TES_MS_PER_S = 1000 };

struct tes_comm_nccl {
    ncclComm_t comm;
    cudaStream_t stream; /* non-blocking: never serialised with the default stream */
    cudaEvent_t ready;   /* on the compute stream: the data is complete */
    cudaEvent_t done;    /* on the comm stream: the sum is complete */
    int device;
    int in_flight;
};

/* The id every rank joins, from rank 0. Rank 0 also says whether it got
 * one, so that a failure there ends every rank instead of hanging them. */
typedef struct nccl_bootstrap {
    int ok;
    ncclUniqueId id;
} nccl_bootstrap;

static tes_status nccl_local_setup(tes_comm_nccl *n) {
    TES_CUDA_CALL(cudaGetDevice(&n->device));
    TES_CUDA_CALL(cudaStreamCreateWithFlags(&n->stream, cudaStreamNonBlocking));
    TES_CUDA_CALL(cudaEventCreate(&n->ready));
    TES_CUDA_CALL(cudaEventCreate(&n->done));
    return TES_OK;
}

tes_status tes_comm_nccl_create(tes_comm_nccl **out, MPI_Comm mpi) {
    int size = 0, rank = 0;
    TES_MPI_CALL(MPI_Comm_size(mpi, &size));
    TES_MPI_CALL(MPI_Comm_rank(mpi, &rank));
    tes_comm_nccl *n = calloc(1, sizeof *n);
    TES_CHECK(n, TES_ERR_ALLOC, "cannot allocate the NCCL communicator's state");
    *out = n;

    /* Every rank must reach ncclCommInitRank, or none: agree first. */
    tes_status local = nccl_local_setup(n);
    nccl_bootstrap boot;
    memset(&boot, 0, sizeof boot);
    if (rank == 0 && local == TES_OK)
        boot.ok = ncclGetUniqueId(&boot.id) == ncclSuccess;
    TES_MPI_CALL(MPI_Bcast(&boot, (int)sizeof boot, MPI_BYTE, 0, mpi));
    int mine = local == TES_OK, all = 0;
    TES_MPI_CALL(MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, mpi));
    TES_CALL(local);
    TES_CHECK(all, TES_ERR_NCCL, "[%s] another rank could not set up its CUDA stream for NCCL",
              tes_where());
    TES_CHECK(boot.ok, TES_ERR_NCCL, "[%s] rank 0 could not get an NCCL unique id", tes_where());
    TES_NCCL_CALL(ncclCommInitRank(&n->comm, size, boot.id, rank));
    return TES_OK;
}

void tes_comm_nccl_destroy(tes_comm_nccl **np) {
    if (!np || !*np)
        return;
    tes_comm_nccl *n = *np;
    if (n->in_flight)
        cudaEventSynchronize(n->done);
    if (n->comm) {
        ncclCommFinalize(n->comm); /* flushes this rank's operations */
        ncclCommDestroy(n->comm);
    }
    if (n->done)
        cudaEventDestroy(n->done);
    if (n->ready)
        cudaEventDestroy(n->ready);
    if (n->stream)
        cudaStreamDestroy(n->stream);
    free(n);
    *np = NULL;
}

tes_status tes_comm_nccl_start(tes_comm_nccl *n, tes_array *a) {
    TES_CHECK(!n->in_flight, TES_ERR_INTERNAL,
              "a device reduction was started while another was in flight (wait first)");
    TES_CHECK(a->device == n->device, TES_ERR_SHAPE,
              "[%s] allreduce: the array lives on device %d, the NCCL communicator on device %d",
              tes_where(), a->device, n->device);
    ncclDataType_t type = a->dtype == TES_FLOAT64 ? ncclDouble : ncclFloat;
    TES_CUDA_CALL(cudaEventRecord(n->ready, TES_COMPUTE_STREAM));
    TES_CUDA_CALL(cudaStreamWaitEvent(n->stream, n->ready, 0));
    TES_NCCL_CALL(
        ncclAllReduce(a->data, a->data, tes_array_count(a), type, ncclSum, n->comm, n->stream));
    TES_CUDA_CALL(cudaEventRecord(n->done, n->stream));
    n->in_flight = 1;
    return TES_OK;
}

tes_status tes_comm_nccl_wait(tes_comm_nccl *n, double *seconds) {
    *seconds = 0.0;
    if (!n->in_flight)
        return TES_OK;
    n->in_flight = 0;
    TES_CUDA_CALL(cudaEventSynchronize(n->done));
    float ms = 0.0f;
    TES_CUDA_CALL(cudaEventElapsedTime(&ms, n->ready, n->done));
    *seconds = (double)ms / TES_MS_PER_S;
    return TES_OK;
}
