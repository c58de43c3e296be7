#include "core/comm.h"

#include <errno.h>
#include <stdlib.h>

#include "core/check.h"
#include "core/comm_impl.h"
#include "core/log.h"
#include "core/timer.h"

typedef enum flight { FLIGHT_NONE = 0, FLIGHT_HOST, FLIGHT_DEVICE } flight;

struct tes_comm {
    MPI_Comm mpi; /* the caller's thread's collectives */
    int size, rank;
    tes_backend backend;
    size_t chunk_bytes;
    tes_comm_host *host; /* the communication thread; NULL: host reductions block */
    tes_comm_nccl *nccl; /* cuda backend on more than one rank */
    tes_comm_stats stats;
    flight in_flight;
    double started; /* tes_time_now at the start of the reduction in flight */
    size_t bytes;   /* its payload */
};

static tes_status chunk_bytes_from_env(size_t *bytes) {
    const char *text = getenv("TES_COMM_CHUNK_BYTES");
    *bytes = TES_COMM_CHUNK_BYTES_DEFAULT;
    if (!text)
        return TES_OK;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    TES_CHECK(!errno && end != text && !*end && v > 0 && text[0] != '-', TES_ERR_ARG,
              "TES_COMM_CHUNK_BYTES = '%s': expected a positive number of bytes", text);
    *bytes = (size_t)v;
    return TES_OK;
}

static const char *thread_level_name(int level) {
    switch (level) {
    case MPI_THREAD_SINGLE:
        return "MPI_THREAD_SINGLE";
    case MPI_THREAD_FUNNELED:
        return "MPI_THREAD_FUNNELED";
    case MPI_THREAD_SERIALIZED:
        return "MPI_THREAD_SERIALIZED";
    default:
        return "MPI_THREAD_MULTIPLE";
    }
}

/* The communication thread needs MPI_THREAD_MULTIPLE; say once per process
 * when reductions will not overlap instead. */
static int threads_allowed(void) {
    static int warned;
    int provided = MPI_THREAD_SINGLE;
    MPI_Query_thread(&provided);
    if (provided == MPI_THREAD_MULTIPLE)
        return 1;
    if (!warned) {
        warned = 1;
        tes_log(TES_LOG_WARN,
                "MPI provides %s, not MPI_THREAD_MULTIPLE: host reductions will not overlap "
                "computation (initialise MPI with MPI_Init_thread and MPI_THREAD_MULTIPLE)",
                thread_level_name(provided));
    }
    return 0;
}

static tes_status comm_setup(tes_comm *c, MPI_Comm mpi) {
    TES_MPI_CALL(MPI_Comm_dup(mpi, &c->mpi));
    TES_MPI_CALL(MPI_Comm_size(c->mpi, &c->size));
    TES_MPI_CALL(MPI_Comm_rank(c->mpi, &c->rank));
    if (c->size == 1)
        return TES_OK;
    if (threads_allowed())
        TES_CALL(tes_comm_host_create(&c->host, c->mpi, c->chunk_bytes));
    if (c->backend == TES_BACKEND_CUDA) {
#ifdef TES_HAVE_CUDA
        TES_CALL(tes_comm_nccl_create(&c->nccl, c->mpi));
#else
        TES_FAIL(TES_ERR_BACKEND,
                 "[%s] communicator for the cuda backend: this tessera was "
                 "built without CUDA",
                 tes_where());
#endif
    }
    return TES_OK;
}

tes_status tes_comm_create(tes_comm **out, MPI_Comm mpi, tes_backend backend) {
    TES_CHECK(out, TES_ERR_ARG, "tes_comm_create: NULL output pointer");
    *out = NULL;
    size_t chunk_bytes = 0;
    TES_CALL(chunk_bytes_from_env(&chunk_bytes));
    tes_comm *c = calloc(1, sizeof *c);
    TES_CHECK(c, TES_ERR_ALLOC, "cannot allocate a communicator");
    c->mpi = MPI_COMM_NULL;
    c->backend = backend;
    c->chunk_bytes = chunk_bytes;
    tes_status st = comm_setup(c, mpi);
    if (st != TES_OK) {
        tes_comm_destroy(&c);
        TES_CALL(st);
    }
    *out = c;
    return TES_OK;
}

void tes_comm_destroy(tes_comm **cp) {
    if (!cp || !*cp)
        return;
    tes_comm *c = *cp;
    tes_comm_host_destroy(&c->host); /* joins the thread, after its reduction */
#ifdef TES_HAVE_CUDA
    tes_comm_nccl_destroy(&c->nccl);
#endif
    if (c->mpi != MPI_COMM_NULL)
        MPI_Comm_free(&c->mpi);
    free(c);
    *cp = NULL;
}

int tes_comm_size(const tes_comm *c) {
    return c->size;
}

int tes_comm_rank(const tes_comm *c) {
    return c->rank;
}

MPI_Comm tes_comm_mpi(const tes_comm *c) {
    return c->mpi;
}

size_t tes_comm_chunk_bytes(const tes_comm *c) {
    return c->chunk_bytes;
}

static void record(tes_comm *c, size_t bytes, double seconds, double wait_seconds) {
    c->stats.calls += 1;
    c->stats.bytes += (double)bytes;
    c->stats.seconds += seconds;
    c->stats.wait_seconds += wait_seconds;
}

static tes_status check_array(const tes_comm *c, const tes_array *a) {
    TES_CHECK(a, TES_ERR_ARG, "allreduce: NULL array");
    TES_CHECK(a->dtype == TES_FLOAT32 || a->dtype == TES_FLOAT64, TES_ERR_SHAPE,
              "allreduce: arrays are float32 or float64, not %s", tes_dtype_name(a->dtype));
    TES_CHECK(a->location == TES_HOST || c->nccl || c->size == 1, TES_ERR_BACKEND,
              "allreduce of a device array over a communicator created for the %s backend "
              "(device arrays need the cuda backend's NCCL)",
              tes_backend_name(c->backend));
    return TES_OK;
}

tes_status tes_comm_allreduce_start(tes_comm *c, tes_array *a) {
    TES_CHECK(c, TES_ERR_ARG, "allreduce: NULL communicator");
    TES_CALL(check_array(c, a));
    TES_CALL(tes_comm_wait(c));
    size_t count = tes_array_count(a), bytes = tes_array_bytes(a);
    if (c->size == 1 || count == 0) {
        record(c, bytes, 0.0, 0.0);
        return TES_OK;
    }
    c->started = tes_time_now();
    c->bytes = bytes;
    if (a->location == TES_DEVICE) {
#ifdef TES_HAVE_CUDA
        TES_CALL(tes_comm_nccl_start(c->nccl, a));
        c->in_flight = FLIGHT_DEVICE;
#endif
    } else if (c->host) {
        TES_CALL(tes_comm_host_start(c->host, a->data, count, a->dtype));
        c->in_flight = FLIGHT_HOST;
    } else {
        /* No communication thread: reduce now; the caller is blocked throughout. */
        TES_CALL(tes_comm_host_reduce(c->mpi, a->data, count, a->dtype, c->chunk_bytes));
        double seconds = tes_time_now() - c->started;
        record(c, bytes, seconds, seconds);
    }
    return TES_OK;
}

tes_status tes_comm_wait(tes_comm *c) {
    TES_CHECK(c, TES_ERR_ARG, "wait: NULL communicator");
    if (c->in_flight == FLIGHT_NONE)
        return TES_OK;
    double waited = tes_time_now(), seconds = 0.0;
    tes_status st = TES_OK;
    if (c->in_flight == FLIGHT_HOST) {
        double finished = 0.0;
        st = tes_comm_host_wait(c->host, &finished);
        seconds = finished - c->started;
    } else {
#ifdef TES_HAVE_CUDA
        st = tes_comm_nccl_wait(c->nccl, &seconds);
#endif
    }
    waited = tes_time_now() - waited;
    c->in_flight = FLIGHT_NONE;
    TES_CALL(st);
    record(c, c->bytes, seconds, waited);
    return TES_OK;
}

tes_status tes_comm_allreduce(tes_comm *c, tes_array *a) {
    TES_CALL(tes_comm_allreduce_start(c, a));
    TES_CALL(tes_comm_wait(c));
    return TES_OK;
}

tes_status tes_comm_allreduce_doubles(tes_comm *c, double *values, int n) {
    TES_CHECK(c, TES_ERR_ARG, "allreduce: NULL communicator");
    TES_CHECK(n >= 0 && (values || n == 0), TES_ERR_ARG,
              "allreduce of %d doubles at %p: bad count or NULL values", n, (void *)values);
    double started = tes_time_now();
    if (c->size > 1 && n > 0)
        TES_MPI_CALL(MPI_Allreduce(MPI_IN_PLACE, values, n, MPI_DOUBLE, MPI_SUM, c->mpi));
    double seconds = tes_time_now() - started;
    record(c, (size_t)n * sizeof *values, seconds, seconds);
    return TES_OK;
}

tes_comm_stats tes_comm_get_stats(const tes_comm *c) {
    return c->stats;
}

void tes_comm_reset_stats(tes_comm *c) {
    tes_comm_stats zero = {0};
    c->stats = zero;
}
