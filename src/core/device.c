#include "core/device.h"

#include <stdio.h>

#ifdef TES_HAVE_CUDA
#include <cuda_runtime_api.h>

#include "core/check.h"

int tes_device_built(void) {
    return 1;
}

int tes_device_count(void) {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        cudaGetLastError(); /* clear the sticky "no driver" error */
        return 0;
    }
    return n;
}

tes_status tes_device_select(int device) {
    int n = tes_device_count();
    TES_CHECK(device >= 0 && device < n, TES_ERR_BACKEND,
              "[%s] CUDA device %d requested, %d usable", tes_where(), device, n);
    TES_CUDA_CALL(cudaSetDevice(device));
    return TES_OK;
}

tes_status tes_device_current(int *device) {
    TES_CUDA_CALL(cudaGetDevice(device));
    return TES_OK;
}

tes_status tes_device_describe(char *buf, size_t len) {
    int dev = 0;
    struct cudaDeviceProp prop;
    TES_CUDA_CALL(cudaGetDevice(&dev));
    TES_CUDA_CALL(cudaGetDeviceProperties(&prop, dev));
    snprintf(buf, len, "%s (device %d, sm_%d%d, %.1f GiB)", prop.name, dev, prop.major,
             prop.minor, (double)prop.totalGlobalMem / (1024.0 * 1024.0 * 1024.0));
    return TES_OK;
}

tes_status tes_device_alloc(void **ptr, size_t bytes) {
    cudaError_t rc = cudaMalloc(ptr, bytes);
    if (rc != cudaSuccess) {
        *ptr = NULL;
        TES_FAIL(TES_ERR_ALLOC, "[%s] cannot allocate %zu bytes of device memory: %s",
                 tes_where(), bytes, cudaGetErrorString(rc));
    }
    return TES_OK;
}

void tes_device_free(void *ptr) {
    if (ptr)
        cudaFree(ptr);
}

tes_status tes_device_memcpy(void *dst, int dst_on_device, const void *src, int src_on_device,
                             size_t bytes) {
    enum cudaMemcpyKind kind = dst_on_device ? (src_on_device ? cudaMemcpyDeviceToDevice
                                                              : cudaMemcpyHostToDevice)
                                             : (src_on_device ? cudaMemcpyDeviceToHost
                                                              : cudaMemcpyHostToHost);
    TES_CUDA_CALL(cudaMemcpy(dst, src, bytes, kind));
    return TES_OK;
}

tes_status tes_device_memset_zero(void *ptr, size_t bytes) {
    TES_CUDA_CALL(cudaMemset(ptr, 0, bytes));
    return TES_OK;
}

tes_status tes_device_synchronize(void) {
    TES_CUDA_CALL(cudaDeviceSynchronize());
    return TES_OK;
}

tes_status tes_device_memory(size_t *free_bytes, size_t *total_bytes) {
    TES_CUDA_CALL(cudaMemGetInfo(free_bytes, total_bytes));
    return TES_OK;
}

#else /* no CUDA in this build */

#include "core/log.h"

#define TES_NO_CUDA(what)                                                                          \
    TES_FAIL(TES_ERR_BACKEND, "[%s] %s: this tessera was built without CUDA", tes_where(), what)

int tes_device_built(void) {
    return 0;
}

int tes_device_count(void) {
    return 0;
}

tes_status tes_device_select(int device) {
    (void)device;
    TES_NO_CUDA("selecting a GPU");
}

tes_status tes_device_current(int *device) {
    *device = -1;
    TES_NO_CUDA("querying the GPU");
}

tes_status tes_device_describe(char *buf, size_t len) {
    snprintf(buf, len, "none");
    TES_NO_CUDA("describing the GPU");
}

tes_status tes_device_alloc(void **ptr, size_t bytes) {
    (void)bytes;
    *ptr = NULL;
    TES_NO_CUDA("device memory");
}

void tes_device_free(void *ptr) {
    (void)ptr;
}

tes_status tes_device_memcpy(void *dst, int dst_on_device, const void *src, int src_on_device,
                             size_t bytes) {
    (void)dst, (void)dst_on_device, (void)src, (void)src_on_device, (void)bytes;
    TES_NO_CUDA("a device copy");
}

tes_status tes_device_memset_zero(void *ptr, size_t bytes) {
    (void)ptr, (void)bytes;
    TES_NO_CUDA("device memory");
}

tes_status tes_device_synchronize(void) {
    return TES_OK;
}

tes_status tes_device_memory(size_t *free_bytes, size_t *total_bytes) {
    *free_bytes = *total_bytes = 0;
    TES_NO_CUDA("device memory");
}

#endif
