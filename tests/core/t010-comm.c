/* t010: host allreduce of float32 and float64 arrays equals the exact sum
 * on any rank count, in one MPI call or in many chunks (TES_COMM_CHUNK_BYTES
 * smaller than the array, not a multiple of it, smaller than one element);
 * doubles reduce; bad arrays and settings are refused. */
#include <mpi.h>

#include "testing.h"

#include "core/comm.h"
#include "core/log.h"

/* Element i of rank r: small integers (float32) and halves (float64), so
 * every sum is exact. */
static double value(size_t i, int r, tes_dtype dtype) {
    return dtype == TES_FLOAT32 ? (double)(i % 1000 + (size_t)r) : 0.5 * (double)i + r;
}

static double expected_sum(size_t i, int nranks, tes_dtype dtype) {
    double s = 0.0;
    for (int r = 0; r < nranks; ++r)
        s += value(i, r, dtype);
    return s;
}

static void check_sum(tes_comm *c, tes_dtype dtype, size_t n, const char *label) {
    int rank = tes_comm_rank(c), nranks = tes_comm_size(c);
    tes_array *a = NULL;
    if (!EXPECT_OK(tes_array_create(&a, dtype, TES_HOST, 1, &n)))
        return;
    for (size_t i = 0; i < n; ++i) {
        if (dtype == TES_FLOAT32)
            ((float *)a->data)[i] = (float)value(i, rank, dtype);
        else
            ((double *)a->data)[i] = value(i, rank, dtype);
    }
    tes_comm_stats before = tes_comm_get_stats(c);
    EXPECT_OK(tes_comm_allreduce(c, a));
    size_t wrong = 0, first = 0;
    for (size_t i = 0; i < n; ++i) {
        double got = dtype == TES_FLOAT32 ? ((float *)a->data)[i] : ((double *)a->data)[i];
        if (got != expected_sum(i, nranks, dtype) && !wrong++)
            first = i;
    }
    EXPECT(!wrong, "%s: %s x %zu: %zu wrong sums, the first at %zu", label, tes_dtype_name(dtype),
           n, wrong, first);
    tes_comm_stats after = tes_comm_get_stats(c);
    EXPECT(after.calls == before.calls + 1 &&
               after.bytes == before.bytes + (double)tes_array_bytes(a),
           "%s: stats count %zu calls and %g bytes", label, after.calls, after.bytes);
    tes_array_destroy(&a);
}

/* Sums of several sizes and both types under the chunk size in the
 * environment (NULL: the default). */
static void run_chunking(const char *chunk, size_t expected_chunk, size_t largest) {
    if (chunk)
        setenv("TES_COMM_CHUNK_BYTES", chunk, 1);
    else
        unsetenv("TES_COMM_CHUNK_BYTES");
    tes_comm *c = NULL;
    if (!EXPECT_OK(tes_comm_create(&c, MPI_COMM_WORLD, TES_BACKEND_CPU)))
        return;
    char label[64];
    snprintf(label, sizeof label, "chunk %s", chunk ? chunk : "default");
    EXPECT(tes_comm_chunk_bytes(c) == expected_chunk, "%s: chunk of %zu bytes, expected %zu", label,
           tes_comm_chunk_bytes(c), expected_chunk);
    const size_t sizes[] = {1, 37, 1024, 100003};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0] && sizes[k] <= largest; ++k) {
        check_sum(c, TES_FLOAT32, sizes[k], label);
        check_sum(c, TES_FLOAT64, sizes[k], label);
    }
    tes_comm_destroy(&c);
    EXPECT(c == NULL, "destroy leaves the pointer");
}

static void run_doubles_and_errors(void) {
    unsetenv("TES_COMM_CHUNK_BYTES");
    tes_comm *c = NULL;
    if (!EXPECT_OK(tes_comm_create(&c, MPI_COMM_WORLD, TES_BACKEND_CPU)))
        return;
    int nranks = tes_comm_size(c), rank = tes_comm_rank(c);
    double v[3] = {1.0, 0.25 * rank, -2.0};
    EXPECT_OK(tes_comm_allreduce_doubles(c, v, 3));
    EXPECT(v[0] == nranks && v[1] == 0.125 * nranks * (nranks - 1) && v[2] == -2.0 * nranks,
           "doubles summed to %g %g %g", v[0], v[1], v[2]);
    EXPECT_OK(tes_comm_allreduce_doubles(c, NULL, 0));
    EXPECT_ERROR(tes_comm_allreduce_doubles(c, v, -1), TES_ERR_ARG, "bad count");

    size_t n = 4;
    tes_array *ints = NULL;
    if (EXPECT_OK(tes_array_create(&ints, TES_UINT16, TES_HOST, 1, &n)))
        EXPECT_ERROR(tes_comm_allreduce(c, ints), TES_ERR_SHAPE,
                     "arrays are float32 or float64, not uint16");
    tes_array_destroy(&ints);
    EXPECT_OK(tes_comm_wait(c)); /* nothing in flight */
    tes_comm_destroy(&c);

    const char *bad[] = {"0", "-5", "lots", "12k"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        setenv("TES_COMM_CHUNK_BYTES", bad[i], 1);
        EXPECT_ERROR(tes_comm_create(&c, MPI_COMM_WORLD, TES_BACKEND_CPU), TES_ERR_ARG,
                     "TES_COMM_CHUNK_BYTES");
        EXPECT(c == NULL, "a refused communicator was returned");
    }
    unsetenv("TES_COMM_CHUNK_BYTES");
}

int main(int argc, char **argv) {
    int provided = 0, rank = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    tes_log_set_rank(rank);

    /* The largest array is 100003 elements; one MPI call per element is
     * tried on small arrays only. */
    run_chunking(NULL, TES_COMM_CHUNK_BYTES_DEFAULT, 100003);
    run_chunking("4096", 4096, 100003); /* many chunks per array */
    run_chunking("4098", 4098, 100003); /* not a multiple of either element size */
    run_chunking("3", 3, 1024);         /* less than one element: one element per call */
    run_doubles_and_errors();

    int failures = 0;
    MPI_Allreduce(&tes_test_failures, &failures, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    tes_test_failures = failures;
    MPI_Finalize();
    return rank == 0 ? tes_test_finish("t010-comm") : (failures ? 1 : 0);
}
