/* t202: each rank finds its node-local rank (all ranks of a test share one
 * node) and binds device local_rank % device_count, or -1 without a
 * device; SLURM_LOCALID is the fallback. */
#include <mpi.h>

#include "testing.h"

#include "core/device.h"
#include "core/log.h"
#include "decomposition/device.h"

int main(int argc, char **argv) {
    int provided = 0, rank = 0, nranks = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    tes_log_set_rank(rank);

    int local_rank = -1, local_size = -1;
    if (EXPECT_OK(tes_node_local_rank(MPI_COMM_WORLD, &local_rank, &local_size)))
        EXPECT(local_rank == rank && local_size == nranks,
               "rank %d of %d is node-local rank %d of %d (one node)", rank, nranks, local_rank,
               local_size);

    int device = -2, count = tes_device_count();
    if (EXPECT_OK(tes_device_bind(MPI_COMM_WORLD, &device))) {
        int expected = count ? rank % count : -1;
        EXPECT(device == expected, "rank %d bound device %d, expected %d of %d", rank, device,
               expected, count);
        int current = -1;
        if (count && EXPECT_OK(tes_device_current(&current)))
            EXPECT(current == device, "device %d bound, %d current", device, current);
    }

    setenv("SLURM_LOCALID", "3", 1);
    EXPECT(tes_slurm_local_rank() == 3, "SLURM_LOCALID=3 read as %d", tes_slurm_local_rank());
    const char *bad[] = {"", "-1", "two", "3x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        setenv("SLURM_LOCALID", bad[i], 1);
        EXPECT(tes_slurm_local_rank() == -1, "SLURM_LOCALID='%s' read as %d", bad[i],
               tes_slurm_local_rank());
    }
    unsetenv("SLURM_LOCALID");
    EXPECT(tes_slurm_local_rank() == -1, "unset SLURM_LOCALID read as %d", tes_slurm_local_rank());

    int failures = 0;
    MPI_Allreduce(&tes_test_failures, &failures, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    tes_test_failures = failures;
    MPI_Finalize();
    return rank == 0 ? tes_test_finish("t202-device-bind") : (failures ? 1 : 0);
}
