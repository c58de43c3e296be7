/* Private to kernels/cpu: per-thread scratch memory for the OpenMP kernels.
 * Each thread gets its own block of floats, cache-line aligned and padded so
 * that no two threads write to the same line. */
#ifndef TES_KERNELS_CPU_SCRATCH_H
#define TES_KERNELS_CPU_SCRATCH_H

#include <omp.h>
#include <stdlib.h>

#include "core/status.h"

enum { TES_CPU_LINE_FLOATS = 16 }; /* floats per 64-byte cache line */

typedef struct tes_cpu_scratch {
    float *base;
    size_t stride; /* floats per thread, a whole number of cache lines */
    int threads;
} tes_cpu_scratch;

/* Room for floats_per_thread floats on each thread OpenMP may start. */
static inline tes_status tes_cpu_scratch_create(tes_cpu_scratch *s, size_t floats_per_thread) {
    s->threads = omp_get_max_threads();
    size_t lines = (floats_per_thread + TES_CPU_LINE_FLOATS - 1) / TES_CPU_LINE_FLOATS;
    s->stride = (lines ? lines : 1) * TES_CPU_LINE_FLOATS;
    size_t count = s->stride * (size_t)s->threads;
    s->base = aligned_alloc(TES_CPU_LINE_FLOATS * sizeof(float), count * sizeof(float));
    TES_CHECK(s->base, TES_ERR_ALLOC, "cannot allocate %zu bytes of scratch for %d threads",
              count * sizeof(float), s->threads);
    return TES_OK;
}

/* The calling thread's block; call inside the parallel region. */
static inline float *tes_cpu_scratch_mine(const tes_cpu_scratch *s) {
    return s->base + s->stride * (size_t)omp_get_thread_num();
}

static inline void tes_cpu_scratch_destroy(tes_cpu_scratch *s) {
    free(s->base);
    s->base = NULL;
}

#endif
