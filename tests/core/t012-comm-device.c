/* t012: device arrays reduce through NCCL to the same sums as host arrays
 * through MPI, blocking and started while the default stream works on; a
 * host array over the cuda backend's communicator still goes through MPI.
 * Needs one GPU per rank: skips (77) without. */
#include <mpi.h>

#include "testing.h"

#include "core/comm.h"
#include "core/device.h"
#include "core/log.h"
#include "decomposition/device.h"

static void fill(tes_array *host, int rank) {
    size_t n = tes_array_count(host);
    for (size_t i = 0; i < n; ++i) {
        double v = (double)(i % 777) + 0.5 * rank;
        if (host->dtype == TES_FLOAT32)
            ((float *)host->data)[i] = (float)v;
        else
            ((double *)host->data)[i] = v;
    }
}

static size_t count_differences(const tes_array *a, const tes_array *b) {
    size_t n = tes_array_count(a), wrong = 0;
    for (size_t i = 0; i < n; ++i)
        wrong += a->dtype == TES_FLOAT32 ? ((float *)a->data)[i] != ((float *)b->data)[i]
                                         : ((double *)a->data)[i] != ((double *)b->data)[i];
    return wrong;
}

/* NCCL's sum of a device array equals MPI's sum of the same host array. */
static void check_dtype(tes_comm *c, tes_dtype dtype, size_t n, int started) {
    int rank = tes_comm_rank(c);
    tes_array *host = NULL, *dev = NULL, *back = NULL, *busy = NULL;
    if (EXPECT_OK(tes_array_create(&host, dtype, TES_HOST, 1, &n)) &&
        EXPECT_OK(tes_array_create(&back, dtype, TES_HOST, 1, &n)) &&
        EXPECT_OK(tes_array_create(&busy, TES_FLOAT32, TES_DEVICE, 1, &n))) {
        fill(host, rank);
        EXPECT_OK(tes_array_clone(&dev, host, TES_DEVICE));
        if (started) {
            EXPECT_OK(tes_comm_allreduce_start(c, dev));
            EXPECT_OK(tes_array_zero(busy)); /* default-stream work meanwhile */
            EXPECT_OK(tes_comm_wait(c));
        } else {
            EXPECT_OK(tes_comm_allreduce(c, dev));
        }
        EXPECT_OK(tes_comm_allreduce(c, host)); /* host array: MPI */
        EXPECT_OK(tes_array_copy(back, dev));
        size_t wrong = count_differences(back, host);
        EXPECT(!wrong, "%s x %zu (%s): %zu NCCL sums differ from MPI's", tes_dtype_name(dtype), n,
               started ? "started" : "blocking", wrong);
    }
    tes_array_destroy(&host);
    tes_array_destroy(&dev);
    tes_array_destroy(&back);
    tes_array_destroy(&busy);
}

int main(int argc, char **argv) {
    int provided = 0, rank = 0, nranks = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    tes_log_set_rank(rank);

    /* Every rank must agree to skip, or NCCL would wait for the absent. */
    int device = -1, local_rank = 0, local_size = 0;
    int usable = EXPECT_OK(tes_device_bind(MPI_COMM_WORLD, &device)) &&
                 EXPECT_OK(tes_node_local_rank(MPI_COMM_WORLD, &local_rank, &local_size)) &&
                 device >= 0 && local_size <= tes_device_count();
    int all_usable = 0;
    MPI_Allreduce(&usable, &all_usable, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (!all_usable) {
        if (rank == 0)
            printf("skipped: needs one CUDA device per rank (%d ranks)\n", nranks);
        MPI_Finalize();
        return TES_TEST_SKIP;
    }

    tes_comm *c = NULL;
    if (EXPECT_OK(tes_comm_create(&c, MPI_COMM_WORLD, TES_BACKEND_CUDA))) {
        const size_t sizes[] = {1, 4097, (size_t)1 << 22};
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; ++k)
            for (int started = 0; started < 2; ++started) {
                check_dtype(c, TES_FLOAT32, sizes[k], started);
                check_dtype(c, TES_FLOAT64, sizes[k], started);
            }
        tes_comm_stats st = tes_comm_get_stats(c);
        EXPECT(st.calls == 24 && st.seconds >= 0.0 && st.wait_seconds >= 0.0,
               "stats: %zu calls, %g s, %g s waited", st.calls, st.seconds, st.wait_seconds);
        if (rank == 0)
            printf("%zu reductions, %.3f ms, %.3f ms waited\n", st.calls, 1e3 * st.seconds,
                   1e3 * st.wait_seconds);
    }
    tes_comm_destroy(&c);

    int failures = 0;
    MPI_Allreduce(&tes_test_failures, &failures, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    tes_test_failures = failures;
    MPI_Finalize();
    return rank == 0 ? tes_test_finish("t012-comm-device") : (failures ? 1 : 0);
}
