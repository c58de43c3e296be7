/* The GPU seen from host code: device count and selection, raw memory. In a
 * build without CUDA every call reports that no device exists, so callers
 * need no #ifdef. */
#ifndef TES_CORE_DEVICE_H
#define TES_CORE_DEVICE_H

#include <stddef.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 if this build has the CUDA backend compiled in. */
int tes_device_built(void);

/* Number of usable CUDA devices (0 without CUDA or without a driver). */
int tes_device_count(void);

tes_status tes_device_select(int device);
tes_status tes_device_current(int *device);

/* A one-line description of the current device ("NVIDIA H100 ..., 80 GiB"). */
tes_status tes_device_describe(char *buf, size_t len);

tes_status tes_device_alloc(void **ptr, size_t bytes);
void tes_device_free(void *ptr);

/* Copy bytes; the flags say whether dst / src are device memory. */
tes_status tes_device_memcpy(void *dst, int dst_on_device, const void *src, int src_on_device,
                             size_t bytes);
tes_status tes_device_memset_zero(void *ptr, size_t bytes);
tes_status tes_device_synchronize(void);

/* Free and total memory of the current device, bytes. */
tes_status tes_device_memory(size_t *free_bytes, size_t *total_bytes);

#ifdef __cplusplus
}
#endif

#endif
