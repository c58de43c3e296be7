/* t011: reductions started chunk by chunk while the next chunk is computed
 * give the same sums as blocking ones and record their statistics; two
 * communicators reduce at once; doubles reduce while an array is in flight.
 * argv[1] = "funneled" initialises MPI below MPI_THREAD_MULTIPLE: starts
 * then block (no communication thread) and every second counts as waited. */
#include <math.h>
#include <mpi.h>
#include <string.h>

#include "testing.h"

#include "core/comm.h"
#include "core/log.h"

enum { NCHUNKS = 8 };
static const size_t chunk_count = (size_t)1 << 16; /* floats per chunk */

static volatile double work_sink; /* keeps the busy work from being optimised away */

/* Some arithmetic per element (the compute to hide the reduction behind),
 * then a value whose sum over ranks is exact. */
static void compute_chunk(float *x, size_t n, size_t offset, int rank) {
    double t = 0.0;
    for (size_t i = 0; i < n; ++i) {
        for (int k = 0; k < 16; ++k)
            t += sin((double)(offset + i + (size_t)k));
        x[i] = (float)((offset + i) % 512 + (size_t)rank);
    }
    work_sink += t;
}

static void check_sums(const float *x, size_t n, int nranks, const char *label) {
    size_t wrong = 0;
    for (size_t i = 0; i < n; ++i) {
        float expected = (float)(nranks * (int)(i % 512) + nranks * (nranks - 1) / 2);
        wrong += x[i] != expected;
    }
    EXPECT(!wrong, "%s: %zu of %zu sums wrong", label, wrong, n);
}

/* Chunk k reduces while chunk k + 1 is computed. */
static void run_pipeline(tes_comm *c, int threaded) {
    int rank = tes_comm_rank(c), nranks = tes_comm_size(c);
    size_t n = chunk_count * NCHUNKS;
    tes_array *x = NULL, *part[NCHUNKS] = {NULL};
    if (!EXPECT_OK(tes_array_create(&x, TES_FLOAT32, TES_HOST, 1, &n)))
        return;
    float *data = x->data;
    for (int k = 0; k < NCHUNKS; ++k)
        EXPECT_OK(tes_array_alias(&part[k], data + k * chunk_count, TES_FLOAT32, TES_HOST, 1,
                                  &chunk_count));
    tes_comm_reset_stats(c);
    compute_chunk(data, chunk_count, 0, rank);
    for (int k = 0; k < NCHUNKS; ++k) {
        EXPECT_OK(tes_comm_allreduce_start(c, part[k]));
        if (k + 1 < NCHUNKS)
            compute_chunk(data + (k + 1) * chunk_count, chunk_count, (k + 1) * chunk_count, rank);
    }
    EXPECT_OK(tes_comm_wait(c));
    check_sums(data, n, nranks, "pipeline");

    tes_comm_stats st = tes_comm_get_stats(c);
    EXPECT(st.calls == NCHUNKS && st.bytes == (double)(n * sizeof(float)),
           "pipeline: %zu calls of %g bytes, expected %d of %zu", st.calls, st.bytes, NCHUNKS,
           n * sizeof(float));
    EXPECT(st.seconds >= 0.0 && st.wait_seconds >= 0.0, "negative times %g, %g", st.seconds,
           st.wait_seconds);
    if (nranks > 1 && !threaded)
        EXPECT(st.wait_seconds == st.seconds,
               "without a communication thread every second is waited (%g of %g)", st.wait_seconds,
               st.seconds);
    if (rank == 0 && st.seconds > 0.0)
        printf(
            "pipeline of %d chunks on %d ranks: %.3f ms reducing, %.3f ms waited, hidden %.0f%%\n",
            NCHUNKS, nranks, 1e3 * st.seconds, 1e3 * st.wait_seconds,
            100.0 * (1.0 - st.wait_seconds / st.seconds));
    for (int k = 0; k < NCHUNKS; ++k)
        tes_array_destroy(&part[k]);
    tes_array_destroy(&x);
}

/* Two communicators (as slab_comm and view_comm) in flight at once, and a
 * scalar reduction while an array is in flight. */
static void run_concurrent(tes_comm *world) {
    int rank = tes_comm_rank(world), nranks = tes_comm_size(world);
    MPI_Comm half_mpi;
    MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &half_mpi);
    tes_comm *half = NULL;
    tes_array *a = NULL, *b = NULL;
    size_t n = chunk_count;
    if (EXPECT_OK(tes_comm_create(&half, half_mpi, TES_BACKEND_CPU)) &&
        EXPECT_OK(tes_array_create(&a, TES_FLOAT32, TES_HOST, 1, &n)) &&
        EXPECT_OK(tes_array_create(&b, TES_FLOAT32, TES_HOST, 1, &n))) {
        compute_chunk(a->data, n, 0, rank);
        for (size_t i = 0; i < n; ++i)
            ((float *)b->data)[i] = 1.0f;
        EXPECT_OK(tes_comm_allreduce_start(world, a));
        EXPECT_OK(tes_comm_allreduce_start(half, b));
        double d = 1.0;
        EXPECT_OK(tes_comm_allreduce_doubles(world, &d, 1));
        EXPECT(d == nranks, "doubles during a reduction: %g, expected %d", d, nranks);
        EXPECT_OK(tes_comm_wait(half));
        EXPECT_OK(tes_comm_wait(world));
        check_sums(a->data, n, nranks, "world during half");
        float members = (float)tes_comm_size(half);
        size_t wrong = 0;
        for (size_t i = 0; i < n; ++i)
            wrong += ((float *)b->data)[i] != members;
        EXPECT(!wrong, "half: %zu sums differ from %g", wrong, members);
    }
    tes_array_destroy(&a);
    tes_array_destroy(&b);
    tes_comm_destroy(&half);
    MPI_Comm_free(&half_mpi);
}

int main(int argc, char **argv) {
    int funneled = argc > 1 && !strcmp(argv[1], "funneled");
    int provided = 0, rank = 0;
    MPI_Init_thread(&argc, &argv, funneled ? MPI_THREAD_FUNNELED : MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    tes_log_set_rank(rank);
    int threaded = provided == MPI_THREAD_MULTIPLE;
    if (!funneled && !threaded && rank == 0)
        printf("note: MPI gave thread level %d, not MPI_THREAD_MULTIPLE\n", provided);

    tes_comm *world = NULL;
    if (EXPECT_OK(tes_comm_create(&world, MPI_COMM_WORLD, TES_BACKEND_CPU))) {
        run_pipeline(world, threaded);
        run_concurrent(world);
        /* Destroy with a reduction in flight: it completes first. */
        size_t n = 1000;
        tes_array *a = NULL;
        if (EXPECT_OK(tes_array_create(&a, TES_FLOAT32, TES_HOST, 1, &n)))
            EXPECT_OK(tes_comm_allreduce_start(world, a));
        tes_comm_destroy(&world);
        tes_array_destroy(&a);
    }

    int failures = 0;
    MPI_Allreduce(&tes_test_failures, &failures, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    tes_test_failures = failures;
    MPI_Finalize();
    return rank == 0 ? tes_test_finish("t011-comm-overlap") : (failures ? 1 : 0);
}
