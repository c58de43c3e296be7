/* The ramp filter on the GPU (filter.h): cuFFT real-to-complex transforms
 * batched over the rows of many views. A chunk of rows is pre-weighted and
 * zero-padded into the transform buffer, transformed, multiplied by the
 * response, transformed back and written with its view's scale. The plan
 * and buffers grow to the largest chunk asked for, at most
 * kMaxChunkBytes of padded rows. */
#include <cuda_runtime.h>
#include <cufft.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/check.h"
#include "solvers/filter_impl.h"

#define TES_CUFFT_CALL(expr)                                                                       \
    do {                                                                                           \
        cufftResult tes_cufft_rc_ = (expr);                                                        \
        if (tes_cufft_rc_ != CUFFT_SUCCESS)                                                        \
            TES_FAIL(TES_ERR_CUDA, "[%s] %s failed: cuFFT error %d", tes_where(), #expr,           \
                     (int)tes_cufft_rc_);                                                          \
    } while (0)

namespace {

constexpr int kThreads = 256;
constexpr size_t kMaxChunkBytes = (size_t)256 << 20; /* padded real rows per chunk */
constexpr int64_t kMaxGridX = 2147483647;

int64_t ceil_div(int64_t a, int64_t b) {
    return (a + b - 1) / b;
}

/* Rows [start, start + nb) of data into buf (chunk rows of padded samples):
 * pre-weighted, zero-padded; the chunk's other rows are 0. */
__global__ void load_kernel(const float *__restrict__ data, float *__restrict__ buf, int64_t start,
                            int64_t nb, int64_t chunk, int64_t nrows, int64_t ncols, int64_t padded,
                            int weighted, tes_filter_geom geom,
                            const tes_filter_view *__restrict__ views) {
    const int64_t total = chunk * padded;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < total;
         e += (int64_t)gridDim.x * blockDim.x) {
        const int64_t b = e / padded, c = e % padded;
        float value = 0.0f;
        if (b < nb && c < ncols) {
            const int64_t line = start + b;
            value = data[line * ncols + c];
            if (weighted)
                value *= tes_filter_preweight(&geom, views[line / nrows], line % nrows, c);
        }
        buf[e] = value;
    }
}

__global__ void multiply_kernel(cufftComplex *__restrict__ spectrum,
                                const float *__restrict__ response, int64_t nb, int64_t bins) {
    const int64_t total = nb * bins;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < total;
         e += (int64_t)gridDim.x * blockDim.x) {
        const float h = response[e % bins];
        spectrum[e].x *= h;
        spectrum[e].y *= h;
    }
}

__global__ void store_kernel(float *__restrict__ data, const float *__restrict__ buf, int64_t start,
                             int64_t nb, int64_t nrows, int64_t ncols, int64_t padded,
                             const tes_filter_view *__restrict__ views) {
    const int64_t total = nb * ncols;
    for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < total;
         e += (int64_t)gridDim.x * blockDim.x) {
        const int64_t b = e / ncols, c = e % ncols, line = start + b;
        data[line * ncols + c] = buf[b * padded + c] * views[line / nrows].scale;
    }
}

unsigned blocks_for(int64_t n) {
    int64_t b = ceil_div(n, kThreads);
    return (unsigned)(b < 1 ? 1 : (b > kMaxGridX ? kMaxGridX : b));
}

} // namespace

struct tes_filter_cuda {
    size_t ncols, padded, bins;
    float *response; /* device, bins */
    int64_t chunk;   /* rows of the plan and buffers; 0: none yet */
    cufftHandle r2c, c2r;
    float *buf;             /* chunk x padded */
    cufftComplex *spectrum; /* chunk x bins */
};

static void release_chunk(tes_filter_cuda *f) {
    if (f->chunk) {
        cufftDestroy(f->r2c);
        cufftDestroy(f->c2r);
    }
    cudaFree(f->buf);
    cudaFree(f->spectrum);
    f->buf = NULL;
    f->spectrum = NULL;
    f->chunk = 0;
}

/* Plans and buffers for chunks of rows rows. */
static tes_status ensure_chunk(tes_filter_cuda *f, int64_t rows) {
    if (rows <= f->chunk)
        return TES_OK;
    release_chunk(f);
    int n = (int)f->padded, bins = (int)f->bins;
    TES_CUDA_CALL(cudaMalloc((void **)&f->buf, (size_t)rows * f->padded * sizeof(float)));
    TES_CUDA_CALL(cudaMalloc((void **)&f->spectrum, (size_t)rows * f->bins * sizeof(cufftComplex)));
    TES_CUFFT_CALL(cufftPlanMany(&f->r2c, 1, &n, NULL, 1, n, NULL, 1, bins, CUFFT_R2C, (int)rows));
    cufftResult rc = cufftPlanMany(&f->c2r, 1, &n, NULL, 1, bins, NULL, 1, n, CUFFT_C2R, (int)rows);
    if (rc != CUFFT_SUCCESS) {
        cufftDestroy(f->r2c);
        TES_FAIL(TES_ERR_CUDA, "[%s] cufftPlanMany (C2R, %lld rows of %d) failed: cuFFT error %d",
                 tes_where(), (long long)rows, n, (int)rc);
    }
    f->chunk = rows;
    return TES_OK;
}

extern "C" tes_status tes_filter_cuda_create(tes_filter_cuda **out, size_t ncols, size_t padded,
                                             const float *response) {
    tes_filter_cuda *f = (tes_filter_cuda *)calloc(1, sizeof *f);
    TES_CHECK(f, TES_ERR_ALLOC, "cannot allocate a CUDA filter");
    f->ncols = ncols;
    f->padded = padded;
    f->bins = padded / 2 + 1;
    cudaError_t rc = cudaMalloc((void **)&f->response, f->bins * sizeof(float));
    if (rc == cudaSuccess)
        rc = cudaMemcpy(f->response, response, f->bins * sizeof(float), cudaMemcpyHostToDevice);
    if (rc != cudaSuccess) {
        tes_filter_cuda_destroy(&f);
        TES_FAIL(TES_ERR_CUDA, "[%s] cannot upload the filter response: %s", tes_where(),
                 cudaGetErrorString(rc));
    }
    *out = f;
    return TES_OK;
}

extern "C" void tes_filter_cuda_destroy(tes_filter_cuda **f) {
    if (!f || !*f)
        return;
    release_chunk(*f);
    cudaFree((*f)->response);
    free(*f);
    *f = NULL;
}

static tes_status run_chunks(tes_filter_cuda *f, float *data, int64_t nrows, int64_t lines,
                             const tes_filter_geom *geom, const tes_filter_view *views) {
    const int64_t ncols = (int64_t)f->ncols, padded = (int64_t)f->padded;
    const int64_t bins = (int64_t)f->bins;
    tes_filter_geom g = {};
    if (geom)
        g = *geom;
    for (int64_t start = 0; start < lines; start += f->chunk) {
        const int64_t nb = lines - start < f->chunk ? lines - start : f->chunk;
        load_kernel<<<blocks_for(f->chunk * padded), kThreads>>>(
            data, f->buf, start, nb, f->chunk, nrows, ncols, padded, geom != NULL, g, views);
        TES_CUDA_CALL(cudaGetLastError());
        TES_CUFFT_CALL(cufftExecR2C(f->r2c, f->buf, f->spectrum));
        multiply_kernel<<<blocks_for(nb * bins), kThreads>>>(f->spectrum, f->response, nb, bins);
        TES_CUDA_CALL(cudaGetLastError());
        TES_CUFFT_CALL(cufftExecC2R(f->c2r, f->spectrum, f->buf));
        store_kernel<<<blocks_for(nb * ncols), kThreads>>>(data, f->buf, start, nb, nrows, ncols,
                                                           padded, views);
        TES_CUDA_CALL(cudaGetLastError());
    }
    TES_CUDA_CALL(cudaDeviceSynchronize());
    return TES_OK;
}

extern "C" tes_status tes_filter_cuda_apply(tes_filter_cuda *f, float *data, size_t nviews,
                                            size_t nrows, const tes_filter_geom *geom,
                                            const tes_filter_view *views) {
    TES_CHECK(f && data && views, TES_ERR_ARG, "CUDA filter: a NULL argument");
    const int64_t lines = (int64_t)(nviews * nrows);
    if (lines == 0)
        return TES_OK;
    int64_t most = (int64_t)(kMaxChunkBytes / (f->padded * sizeof(float)));
    most = most < 1 ? 1 : most;
    TES_CALL(ensure_chunk(f, lines < most ? lines : most));
    tes_filter_view *device_views = NULL;
    size_t bytes = nviews * sizeof *views;
    TES_CUDA_CALL(cudaMalloc((void **)&device_views, bytes));
    tes_status st = TES_OK;
    cudaError_t rc = cudaMemcpy(device_views, views, bytes, cudaMemcpyHostToDevice);
    if (rc != cudaSuccess)
        st = tes_error_set(TES_ERR_CUDA, __FILE__, __LINE__, __func__,
                           "[%s] cannot upload %zu filter views: %s", tes_where(), nviews,
                           cudaGetErrorString(rc));
    if (st == TES_OK)
        st = run_chunks(f, data, (int64_t)nrows, lines, geom, device_views);
    cudaFree(device_views);
    TES_CALL(st);
    return TES_OK;
}
