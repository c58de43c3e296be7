#include "core/backend.h"

#include <sched.h>
#include <string.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/device.h"

const char *tes_backend_name(tes_backend b) {
    return b == TES_BACKEND_CUDA ? "cuda" : "cpu";
}

int tes_backend_usable(tes_backend b) {
    if (b == TES_BACKEND_CPU)
        return 1;
    return tes_device_built() && tes_device_count() > 0;
}

tes_location tes_backend_location(tes_backend b) {
    return b == TES_BACKEND_CUDA ? TES_DEVICE : TES_HOST;
}

tes_status tes_backend_parse(const char *text, const char *option, tes_backend *out) {
    TES_CHECK(text, TES_ERR_ARG, "%s: no backend given (cpu, cuda or auto)", option);
    if (!strcmp(text, "cpu")) {
        *out = TES_BACKEND_CPU;
    } else if (!strcmp(text, "cuda")) {
        TES_CHECK(tes_device_built(), TES_ERR_BACKEND,
                  "%s = cuda, but this tessera was built without CUDA (use cpu or auto)", option);
        TES_CHECK(tes_device_count() > 0, TES_ERR_BACKEND,
                  "%s = cuda, but no CUDA device is usable here (use cpu or auto)", option);
        *out = TES_BACKEND_CUDA;
    } else if (!strcmp(text, "auto")) {
        *out = tes_backend_usable(TES_BACKEND_CUDA) ? TES_BACKEND_CUDA : TES_BACKEND_CPU;
    } else {
        TES_FAIL(TES_ERR_ARG, "%s: unknown backend '%s' (accepted: cpu, cuda, auto)", option, text);
    }
    return TES_OK;
}

int tes_backend_cpus(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}

int tes_backend_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}
