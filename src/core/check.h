/* Check macros for the libraries tessera calls: each turns the library's
 * error code into a tes_status whose message names the host, the MPI rank,
 * the call and the library's own error string.
 *
 * Each section is active only where the library's header was included
 * first, so a file that uses no CUDA never sees CUDA. */
#ifndef TES_CORE_CHECK_H
#define TES_CORE_CHECK_H

#include "core/log.h"
#include "core/status.h"

#if defined(MPI_VERSION)
#define TES_MPI_CALL(expr)                                                                         \
    do {                                                                                           \
        int tes_mpi_rc_ = (expr);                                                                  \
        if (tes_mpi_rc_ != MPI_SUCCESS) {                                                          \
            char tes_mpi_msg_[MPI_MAX_ERROR_STRING];                                               \
            int tes_mpi_len_ = 0;                                                                  \
            MPI_Error_string(tes_mpi_rc_, tes_mpi_msg_, &tes_mpi_len_);                            \
            TES_FAIL(TES_ERR_MPI, "[%s] %s failed: %s", tes_where(), #expr, tes_mpi_msg_);         \
        }                                                                                          \
    } while (0)
#endif

#if defined(CUDART_VERSION)
#define TES_CUDA_CALL(expr)                                                                        \
    do {                                                                                           \
        cudaError_t tes_cuda_rc_ = (expr);                                                         \
        if (tes_cuda_rc_ != cudaSuccess)                                                           \
            TES_FAIL(TES_ERR_CUDA, "[%s] %s failed: %s (%s)", tes_where(), #expr,                  \
                     cudaGetErrorString(tes_cuda_rc_), cudaGetErrorName(tes_cuda_rc_));            \
    } while (0)
/* After a kernel launch: launch errors now, execution errors at the next sync. */
#define TES_CUDA_LAUNCH_CHECK(what) TES_CUDA_CALL(cudaGetLastError())
#endif

#if defined(NCCL_MAJOR)
#define TES_NCCL_CALL(expr)                                                                        \
    do {                                                                                           \
        ncclResult_t tes_nccl_rc_ = (expr);                                                        \
        if (tes_nccl_rc_ != ncclSuccess)                                                           \
            TES_FAIL(TES_ERR_NCCL, "[%s] %s failed: %s", tes_where(), #expr,                       \
                     ncclGetErrorString(tes_nccl_rc_));                                            \
    } while (0)
#endif

#if defined(H5_VERS_MAJOR)
/* HDF5 calls return a negative herr_t or hid_t on failure. */
#define TES_H5_CALL(expr, ...)                                                                     \
    do {                                                                                           \
        if ((long long)(expr) < 0)                                                                 \
            TES_FAIL(TES_ERR_IO, "HDF5: " __VA_ARGS__);                                       \
    } while (0)
#endif

#endif
