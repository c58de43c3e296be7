/* Agreement on a status across the ranks of a communicator.
 *
 * Collective calls (parallel HDF5, reductions) hang if one rank returns
 * early while the others wait. Code that may fail on some ranks only calls
 * tes_status_agree before its next collective step: afterwards every rank
 * holds the same status and the message of the lowest failing rank, so the
 * error is printed once (by rank 0) and every rank exits the same way. */
#ifndef TES_CORE_AGREE_H
#define TES_CORE_AGREE_H

#include <mpi.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Collective over comm. Returns TES_OK when st is TES_OK on every rank;
 * otherwise the status of the lowest failing rank, whose message every
 * other rank records too (prefixed "rank N: "). The failing rank logs its
 * whole trace at debug level. */
tes_status tes_status_agree(MPI_Comm comm, tes_status st);

#ifdef __cplusplus
}
#endif

#endif
