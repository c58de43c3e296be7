/* The FBP backprojector on the GPU (kernels/backproject.h).
 *
 * One thread per voxel column (i, j) and kSlices slices; every block loops
 * over all views, staged a tile at a time through shared memory (one float4
 * per view, read by every thread: a broadcast). The in-plane part of a
 * voxel's projection (column; for cone3d also the magnification and the
 * FDK weight) is computed once per view and shared by the thread's slices,
 * which read the view bilinearly. Taps outside the held rows or the
 * detector read 0, as on the CPU. */
#include <cuda_runtime.h>
#include <stdint.h>

#include "core/check.h"
#include "kernels/backproject_impl.h"

namespace {

constexpr int kWarp = 32;
constexpr int kBlockRows = 8;
constexpr int kBlockThreads = kWarp * kBlockRows;
constexpr int kSlices = 8;            /* slices per thread */
constexpr int64_t kMaxGridYZ = 65535; /* largest gridDim.y / gridDim.z */

__host__ __device__ inline int64_t min64(int64_t a, int64_t b) {
    return a < b ? a : b;
}

__host__ __device__ inline int64_t ceil_div(int64_t a, int64_t b) {
    return (a + b - 1) / b;
}

/* Pixel (r, c) of a view, 0 outside [0, nrows) x [0, ncols). */
__device__ inline float pixel(const float *__restrict__ view, int nrows, int ncols, int r, int c) {
    return (r >= 0 && r < nrows && c >= 0 && c < ncols) ? __ldg(view + (int64_t)r * ncols + c)
                                                        : 0.0f;
}

/* Bilinear read of a view at (row, col); 0 beyond one pixel outside. */
__device__ inline float bilinear(const float *__restrict__ view, int nrows, int ncols, float row,
                                 float col) {
    const float rf = floorf(row), cf = floorf(col);
    if (!(rf >= -1.0f && rf <= (float)(nrows - 1) && cf >= -1.0f && cf <= (float)(ncols - 1)))
        return 0.0f; /* also refuses NaN */
    const int r = (int)rf, c = (int)cf;
    const float fv = row - rf, fu = col - cf;
    const float a = pixel(view, nrows, ncols, r, c), b = pixel(view, nrows, ncols, r, c + 1);
    const float d = pixel(view, nrows, ncols, r + 1, c),
                e = pixel(view, nrows, ncols, r + 1, c + 1);
    const float top = a + fu * (b - a), bottom = d + fu * (e - d);
    return top + fv * (bottom - top);
}

template <int kCone>
__global__ void __launch_bounds__(kBlockThreads)
    backproject_kernel(const tes_bp_geom g, const tes_view_params *__restrict__ views,
                       const float *__restrict__ sino, float *__restrict__ vol) {
    __shared__ float4 tile[kBlockThreads];
    const int tid = (int)(threadIdx.y * kWarp + threadIdx.x);
    const int i = (int)(blockIdx.x * kWarp + threadIdx.x);
    const int nrows = (int)g.nrows, ncols = (int)g.ncols;
    const int64_t view_size = g.nrows * g.ncols, slice_size = g.nx * g.ny;
    for (int64_t jb = blockIdx.y; jb * kBlockRows < g.ny; jb += gridDim.y) {
        const int j = (int)(jb * kBlockRows + threadIdx.y);
        for (int64_t kb = blockIdx.z; kb * kSlices < g.nz; kb += gridDim.z) {
            const int64_t k0 = kb * kSlices;
            const int nk = (int)min64(kSlices, g.nz - k0);
            const bool active = i < g.nx && j < g.ny;
            const float x = g.x0 + (float)i * g.dx, y = g.y0 + (float)j * g.dy;
            float acc[kSlices];
#pragma unroll
            for (int s = 0; s < kSlices; ++s)
                acc[s] = 0.0f;
            for (int64_t t0 = 0; t0 < g.nviews; t0 += kBlockThreads) {
                const int n = (int)min64(kBlockThreads, g.nviews - t0);
                __syncthreads(); /* the previous tile is consumed */
                if (tid < n) {
                    const tes_view_params w = views[t0 + tid];
                    tile[tid] = make_float4(w.cos_a, w.sin_a, w.col0, w.row0);
                }
                __syncthreads();
                if (!active)
                    continue;
                for (int t = 0; t < n; ++t) {
                    const float4 q = tile[t];
                    const float *view = sino + (t0 + t) * view_size;
                    const float u = x * q.x + y * q.y; /* along e_u, mm */
                    float col, mz, weight;
                    if (kCone) {
                        const float inv_depth = 1.0f / (g.sod + (y * q.x - x * q.y));
                        const float m = g.sdd * inv_depth, s = g.sod * inv_depth;
                        col = q.z + m * u * g.inv_pixel_u;
                        mz = m * g.inv_pixel_v;
                        weight = s * s;
                    } else {
                        col = q.z + u * g.inv_pixel_u;
                        mz = g.inv_pixel_v;
                        weight = 1.0f;
                    }
#pragma unroll
                    for (int s = 0; s < kSlices; ++s) {
                        if (s >= nk)
                            break;
                        const float z = g.z0 + (float)(k0 + s) * g.dz;
                        acc[s] += weight * bilinear(view, nrows, ncols, q.w + mz * z, col);
                    }
                }
            }
            if (!active)
                continue;
            float *out = vol + k0 * slice_size + (int64_t)j * g.nx + i;
#pragma unroll
            for (int s = 0; s < kSlices; ++s)
                if (s < nk)
                    out[s * slice_size] = acc[s];
        }
    }
}

} // namespace

extern "C" tes_status tes_cuda_backproject_fbp(const tes_bp_geom *g, const tes_view_params *views,
                                               const float *sino, float *vol) {
    TES_CHECK(g && views && sino && vol, TES_ERR_ARG, "CUDA FBP backprojection: a NULL argument");
    TES_CHECK(g->nx <= INT32_MAX && g->ny <= INT32_MAX && g->nrows <= INT32_MAX &&
                  g->ncols <= INT32_MAX,
              TES_ERR_ARG, "CUDA FBP backprojection: sizes beyond 32-bit indices");
    if (g->nx <= 0 || g->ny <= 0 || g->nz <= 0)
        return TES_OK;
    const dim3 block(kWarp, kBlockRows);
    const dim3 grid((unsigned)ceil_div(g->nx, kWarp),
                    (unsigned)min64(ceil_div(g->ny, kBlockRows), kMaxGridYZ),
                    (unsigned)min64(ceil_div(g->nz, kSlices), kMaxGridYZ));
    if (g->cone)
        backproject_kernel<1><<<grid, block>>>(*g, views, sino, vol);
    else
        backproject_kernel<0><<<grid, block>>>(*g, views, sino, vol);
    TES_CUDA_CALL(cudaGetLastError());
    TES_CUDA_CALL(cudaDeviceSynchronize());
    return TES_OK;
}
