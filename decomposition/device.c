#include "decomposition/device.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "core/check.h"
#include "core/device.h"
#include "core/log.h"

int tes_slurm_local_rank(void) {
    const char *text = getenv("SLURM_LOCALID");
    if (!text || !*text)
        return -1;
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || *end || v < 0 || v > INT_MAX)
        return -1;
    return (int)v;
}

/* The ranks of comm that share this node's memory, or MPI_COMM_NULL where
 * the split fails: it runs on a duplicate whose errors return, so that a
 * failure falls back instead of aborting. */
static tes_status split_node(MPI_Comm comm, MPI_Comm *node) {
    MPI_Comm probe = MPI_COMM_NULL;
    int rank = 0;
    *node = MPI_COMM_NULL;
    TES_MPI_CALL(MPI_Comm_rank(comm, &rank));
    TES_MPI_CALL(MPI_Comm_dup(comm, &probe));
    TES_MPI_CALL(MPI_Comm_set_errhandler(probe, MPI_ERRORS_RETURN));
    if (MPI_Comm_split_type(probe, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, node) != MPI_SUCCESS)
        *node = MPI_COMM_NULL;
    TES_MPI_CALL(MPI_Comm_free(&probe));
    return TES_OK;
}

tes_status tes_node_local_rank(MPI_Comm comm, int *local_rank, int *local_size) {
    MPI_Comm node = MPI_COMM_NULL;
    TES_CALL(split_node(comm, &node));
    if (node != MPI_COMM_NULL) {
        int rc_rank = MPI_Comm_rank(node, local_rank), rc_size = MPI_Comm_size(node, local_size);
        MPI_Comm_free(&node);
        TES_MPI_CALL(rc_rank);
        TES_MPI_CALL(rc_size);
        return TES_OK;
    }
    *local_size = -1;
    *local_rank = tes_slurm_local_rank();
    TES_CHECK(*local_rank >= 0, TES_ERR_MPI,
              "[%s] cannot find this rank's node-local rank: MPI_Comm_split_type "
              "(MPI_COMM_TYPE_SHARED) failed and SLURM_LOCALID is not set",
              tes_where());
    return TES_OK;
}

tes_status tes_device_bind(MPI_Comm comm, int *device) {
    TES_CHECK(device, TES_ERR_ARG, "tes_device_bind: NULL device pointer");
    *device = -1;
    int local_rank = -1, local_size = -1;
    /* The split is collective: every rank joins, with or without a device. */
    tes_status st = tes_node_local_rank(comm, &local_rank, &local_size);
    int count = tes_device_count();
    if (count == 0) {
        if (st != TES_OK)
            tes_error_clear(); /* the CPU backend needs no local rank */
        return TES_OK;
    }
    TES_CALL(st);
    *device = local_rank % count;
    TES_CALL(tes_device_select(*device));
    if (local_size > count && local_rank == 0)
        tes_log_rank_msg(TES_LOG_WARN, "%d ranks on this node share its %d GPUs", local_size,
                         count);
    else
        tes_log_rank_msg(TES_LOG_DEBUG, "node-local rank %d uses device %d of %d", local_rank,
                         *device, count);
    return TES_OK;
}
