/* The device side of tes_vec: grid-stride kernels on the default stream. */
#include <climits>
#include <cuda_runtime_api.h>

#include "core/check.h"
#include "core/vec_impl.h"

enum {
    TES_VEC_THREADS = 256,         /* threads per block (a power of two: the tree reduction) */
    TES_VEC_MAP_MAX_BLOCKS = 8192, /* grid-stride beyond this many blocks */
    TES_VEC_DOT_MAX_BLOCKS = 1024  /* partial sums of a dot product, added on the host */
};

static unsigned vec_blocks(size_t n, unsigned max_blocks) {
    size_t blocks = (n + TES_VEC_THREADS - 1) / TES_VEC_THREADS;
    return blocks < max_blocks ? (unsigned)blocks : max_blocks;
}

template <tes_vec_op OP>
__global__ void vec_map_kernel(float *y, const float *a, const float *b, size_t n, float p,
                               float q) {
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
        y[i] = tes_vec_apply(OP, y[i], a[i], b[i], p, q);
}

#define TES_VEC_MAP_CASE(OP)                                                                       \
    case OP:                                                                                       \
        vec_map_kernel<OP><<<blocks, TES_VEC_THREADS>>>(y, a, b, n, p, q);                         \
        break

extern "C" tes_status tes_cuda_vec_map(tes_vec_op op, float *y, const float *a, const float *b,
                                       size_t n, float p, float q) {
    if (n == 0)
        return TES_OK;
    unsigned blocks = vec_blocks(n, TES_VEC_MAP_MAX_BLOCKS);
    switch (op) {
        TES_VEC_MAP_CASE(TES_VEC_FILL);
        TES_VEC_MAP_CASE(TES_VEC_SCALE);
        TES_VEC_MAP_CASE(TES_VEC_RECIP_GUARDED);
        TES_VEC_MAP_CASE(TES_VEC_CLAMP);
        TES_VEC_MAP_CASE(TES_VEC_AXPY);
        TES_VEC_MAP_CASE(TES_VEC_XPBY);
        TES_VEC_MAP_CASE(TES_VEC_MUL);
        TES_VEC_MAP_CASE(TES_VEC_SUB);
        TES_VEC_MAP_CASE(TES_VEC_DIV_GUARDED);
    default:
        TES_FAIL(TES_ERR_INTERNAL, "unknown element-wise operation %d", (int)op);
    }
    TES_CUDA_LAUNCH_CHECK("element-wise vector operation");
    return TES_OK;
}

/* Each thread sums a fixed set of elements in a fixed order, the block adds
 * its threads' sums in a fixed tree: the partial of each block depends on
 * the sizes only. Logical element i is element (i / seg_len) pitch +
 * i % seg_len; the thread tracks (segment, offset) and divides only when it
 * crosses a segment boundary. */
__global__ void vec_dot_kernel(const float *a, const float *b, size_t nseg, size_t seg_len,
                               size_t pitch, double *partial) {
    __shared__ double cache[TES_VEC_THREADS];
    size_t n = nseg * seg_len, stride = (size_t)gridDim.x * blockDim.x;
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    size_t seg = i / seg_len, j = i % seg_len;
    double sum = 0.0;
    for (; i < n; i += stride) {
        size_t k = seg * pitch + j;
        sum += (double)a[k] * (double)b[k];
        j += stride;
        if (j >= seg_len) {
            seg += j / seg_len;
            j %= seg_len;
        }
    }
    cache[threadIdx.x] = sum;
    __syncthreads();
    for (unsigned half = blockDim.x / 2; half > 0; half /= 2) {
        if (threadIdx.x < half)
            cache[threadIdx.x] += cache[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0)
        partial[blockIdx.x] = cache[0];
}

extern "C" tes_status tes_cuda_vec_dot(const float *a, const float *b, size_t nseg, size_t seg_len,
                                       size_t pitch, double *out) {
    *out = 0.0;
    size_t n = nseg * seg_len;
    if (n == 0)
        return TES_OK;
    unsigned blocks = vec_blocks(n, TES_VEC_DOT_MAX_BLOCKS);
    double host_partial[TES_VEC_DOT_MAX_BLOCKS];
    double *partial = NULL;
    /* Stream-ordered allocation: no device-wide synchronization, so a
     * reduction running on another stream is not waited for. */
    TES_CUDA_CALL(cudaMallocAsync((void **)&partial, blocks * sizeof *partial, 0));
    vec_dot_kernel<<<blocks, TES_VEC_THREADS>>>(a, b, nseg, seg_len, pitch, partial);
    cudaError_t rc = cudaGetLastError();
    if (rc == cudaSuccess)
        rc = cudaMemcpy(host_partial, partial, blocks * sizeof *partial, cudaMemcpyDeviceToHost);
    cudaError_t free_rc = cudaFreeAsync(partial, 0);
    TES_CUDA_CALL(rc);
    TES_CUDA_CALL(free_rc);
    double total = 0.0;
    for (unsigned k = 0; k < blocks; ++k)
        total += host_partial[k];
    *out = total;
    return TES_OK;
}

extern "C" tes_status tes_cuda_vec_copy_blocks(float *dst, size_t dst_pitch, const float *src,
                                               size_t src_pitch, size_t block, size_t nblocks) {
    size_t width = block * sizeof *dst;
    /* One block has no pitch; cudaMemcpy2D still wants pitch >= width. */
    size_t dpitch = nblocks > 1 ? dst_pitch * sizeof *dst : width;
    size_t spitch = nblocks > 1 ? src_pitch * sizeof *src : width;
    if (dpitch <= INT_MAX && spitch <= INT_MAX) {
        TES_CUDA_CALL(cudaMemcpy2DAsync(dst, dpitch, src, spitch, width, nblocks,
                                        cudaMemcpyDeviceToDevice, 0));
        return TES_OK;
    }
    for (size_t k = 0; k < nblocks; ++k)
        TES_CUDA_CALL(cudaMemcpyAsync(dst + k * dst_pitch, src + k * src_pitch, width,
                                      cudaMemcpyDeviceToDevice, 0));
    return TES_OK;
}

extern "C" tes_status tes_cuda_vec_synchronize(void) {
    TES_CUDA_CALL(cudaStreamSynchronize(0));
    return TES_OK;
}
