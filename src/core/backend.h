/* The compute backend, chosen at run time: cpu (C11 + OpenMP) or cuda (when
 * built and a device is usable). */
#ifndef TES_CORE_BACKEND_H
#define TES_CORE_BACKEND_H

#include "core/array.h"
#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tes_backend { TES_BACKEND_CPU = 0, TES_BACKEND_CUDA = 1 } tes_backend;

/* Parse "cpu", "cuda" or "auto" (cuda when usable, else cpu). The message
 * of a failure names option and what is accepted; "cuda" without a usable
 * device is an error. */
tes_status tes_backend_parse(const char *text, const char *option, tes_backend *out);

const char *tes_backend_name(tes_backend b);

/* 1 if the backend can run here (cpu always; cuda when built and a device
 * is usable). */
int tes_backend_usable(tes_backend b);

/* Where this backend keeps its arrays. */
tes_location tes_backend_location(tes_backend b);

/* Number of host threads OpenMP will use. */
int tes_backend_threads(void);

/* Number of CPUs this process may run on: its affinity mask, which MPI
 * launchers narrow when they bind ranks (Open MPI binds each rank to one
 * core when it starts two ranks or fewer); the online CPUs when the mask
 * cannot be read. */
int tes_backend_cpus(void);

#ifdef __cplusplus
}
#endif

#endif
