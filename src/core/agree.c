#include "core/agree.h"

#include <stdio.h>
#include <string.h>

#include "core/check.h"
#include "core/log.h"

/* Longest message passed between ranks (the status module keeps 2 KiB). */
enum { TES_AGREE_MESSAGE_BYTES = 2048 };

tes_status tes_status_agree(MPI_Comm comm, tes_status st) {
    int rank = 0, size = 1;
    TES_MPI_CALL(MPI_Comm_rank(comm, &rank));
    TES_MPI_CALL(MPI_Comm_size(comm, &size));
    int mine = st != TES_OK ? rank : size, origin = size;
    TES_MPI_CALL(MPI_Allreduce(&mine, &origin, 1, MPI_INT, MPI_MIN, comm));
    if (origin == size)
        return TES_OK;

    struct {
        int code;
        char message[TES_AGREE_MESSAGE_BYTES];
    } what = {(int)st, ""};
    if (rank == origin) {
        snprintf(what.message, sizeof what.message, "%s", tes_error_message());
        if (origin != 0 && tes_log_get_level() >= TES_LOG_DEBUG)
            tes_log_rank_msg(TES_LOG_DEBUG, "%s", tes_error_trace_text());
    }
    TES_MPI_CALL(MPI_Bcast(&what, (int)sizeof what, MPI_BYTE, origin, comm));
    if (rank == origin)
        return st;
    if (origin == 0)
        return tes_error_set((tes_status)what.code, __FILE__, __LINE__, __func__, "%s",
                             what.message);
    return tes_error_set((tes_status)what.code, __FILE__, __LINE__, __func__, "rank %d: %s", origin,
                         what.message);
}
