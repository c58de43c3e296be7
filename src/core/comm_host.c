/* Host reductions: MPI_Allreduce in chunks, on the caller's thread or on a
 * communication thread that overlaps them with the caller's compute. */
#include <limits.h>
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/check.h"
#include "core/comm_impl.h"
#include "core/timer.h"

enum { TES_COMM_MESSAGE_BYTES = 2048 };

tes_status tes_comm_host_reduce(MPI_Comm mpi, void *data, size_t count, tes_dtype dtype,
                                size_t chunk_bytes) {
    MPI_Datatype type = dtype == TES_FLOAT64 ? MPI_DOUBLE : MPI_FLOAT;
    size_t elem = tes_dtype_size(dtype);
    size_t chunk = chunk_bytes / elem;
    chunk = chunk == 0 ? 1 : chunk;
    chunk = chunk > (size_t)INT_MAX ? (size_t)INT_MAX : chunk;
    char *bytes = data;
    for (size_t first = 0; first < count; first += chunk) {
        size_t n = count - first < chunk ? count - first : chunk;
        TES_MPI_CALL(MPI_Allreduce(MPI_IN_PLACE, bytes + first * elem, (int)n, type, MPI_SUM, mpi));
    }
    return TES_OK;
}

struct tes_comm_host {
    MPI_Comm mpi; /* the thread's own duplicate: never matched against the caller's calls */
    size_t chunk_bytes;
    pthread_t thread;
    int thread_started;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* a job, or quit, for the thread */
    pthread_cond_t done; /* the job is done, for the caller */
    /* Under lock: */
    int has_job, job_done, quit;
    void *data;
    size_t count;
    tes_dtype dtype;
    tes_status status;
    char message[TES_COMM_MESSAGE_BYTES];
    double finished;
};

static void *host_thread(void *arg) {
    tes_comm_host *h = arg;
    pthread_mutex_lock(&h->lock);
    for (;;) {
        while (!h->has_job && !h->quit)
            pthread_cond_wait(&h->wake, &h->lock);
        if (!h->has_job)
            break;
        pthread_mutex_unlock(&h->lock);
        tes_status st = tes_comm_host_reduce(h->mpi, h->data, h->count, h->dtype, h->chunk_bytes);
        double finished = tes_time_now();
        pthread_mutex_lock(&h->lock);
        h->status = st;
        /* The error trace is per thread: hand the message to the caller. */
        if (st != TES_OK)
            snprintf(h->message, sizeof h->message, "%s", tes_error_message());
        h->finished = finished;
        h->has_job = 0;
        h->job_done = 1;
        pthread_cond_signal(&h->done);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

tes_status tes_comm_host_create(tes_comm_host **out, MPI_Comm mpi, size_t chunk_bytes) {
    tes_comm_host *h = calloc(1, sizeof *h);
    TES_CHECK(h, TES_ERR_ALLOC, "cannot allocate the communication thread's state");
    h->chunk_bytes = chunk_bytes;
    h->mpi = MPI_COMM_NULL;
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->wake, NULL);
    pthread_cond_init(&h->done, NULL);
    *out = h;
    TES_MPI_CALL(MPI_Comm_dup(mpi, &h->mpi));
    int rc = pthread_create(&h->thread, NULL, host_thread, h);
    TES_CHECK(rc == 0, TES_ERR_INTERNAL, "[%s] cannot start the communication thread: %s",
              tes_where(), strerror(rc));
    h->thread_started = 1;
    return TES_OK;
}

void tes_comm_host_destroy(tes_comm_host **hp) {
    if (!hp || !*hp)
        return;
    tes_comm_host *h = *hp;
    if (h->thread_started) {
        pthread_mutex_lock(&h->lock);
        h->quit = 1;
        pthread_cond_signal(&h->wake);
        pthread_mutex_unlock(&h->lock);
        pthread_join(h->thread, NULL); /* finishes a job in flight first */
    }
    if (h->mpi != MPI_COMM_NULL)
        MPI_Comm_free(&h->mpi);
    pthread_cond_destroy(&h->done);
    pthread_cond_destroy(&h->wake);
    pthread_mutex_destroy(&h->lock);
    free(h);
    *hp = NULL;
}

tes_status tes_comm_host_start(tes_comm_host *h, void *data, size_t count, tes_dtype dtype) {
    pthread_mutex_lock(&h->lock);
    int busy = h->has_job || h->job_done;
    if (!busy) {
        h->data = data;
        h->count = count;
        h->dtype = dtype;
        h->has_job = 1;
        pthread_cond_signal(&h->wake);
    }
    pthread_mutex_unlock(&h->lock);
    TES_CHECK(!busy, TES_ERR_INTERNAL,
              "a host reduction was started while another was in flight (wait first)");
    return TES_OK;
}

tes_status tes_comm_host_wait(tes_comm_host *h, double *finished) {
    pthread_mutex_lock(&h->lock);
    int started = h->has_job || h->job_done;
    while (h->has_job)
        pthread_cond_wait(&h->done, &h->lock);
    tes_status st = h->status;
    *finished = h->finished;
    h->job_done = 0;
    h->status = TES_OK;
    pthread_mutex_unlock(&h->lock);
    TES_CHECK(started, TES_ERR_INTERNAL, "waited for a host reduction that was never started");
    TES_CHECK(st == TES_OK, st, "%s (on the communication thread)", h->message);
    return TES_OK;
}
