/* Private to kernels/: the projector's state and the backend entry points. */
#ifndef TES_KERNELS_PROJECTOR_IMPL_H
#define TES_KERNELS_PROJECTOR_IMPL_H

#include "core/status.h"
#include "kernels/footprint.h"
#include "kernels/projector.h"

struct tes_projector {
    tes_backend backend;
    tes_geom_kind kind;
    tes_kernel_geom kg;
    tes_view_params *views;        /* nviews, host */
    tes_view_params *views_device; /* nviews, device (cuda backend) */
    size_t vol_shape[3], sino_shape[3];
};

#ifdef __cplusplus
extern "C" {
#endif

/* Host kernels: vol and sino are host float32 arrays of the part's shapes. */
tes_status tes_cpu_parallel3d_forward(const tes_kernel_geom *g, const tes_view_params *views,
                                      const float *vol, float *sino);
tes_status tes_cpu_parallel3d_adjoint(const tes_kernel_geom *g, const tes_view_params *views,
                                      const float *sino, float *vol);
tes_status tes_cpu_cone3d_forward(const tes_kernel_geom *g, const tes_view_params *views,
                                  const float *vol, float *sino);
tes_status tes_cpu_cone3d_adjoint(const tes_kernel_geom *g, const tes_view_params *views,
                                  const float *sino, float *vol);

/* Device kernels: views, vol and sino are device pointers. */
tes_status tes_cuda_parallel3d_forward(const tes_kernel_geom *g, const tes_view_params *views,
                                       const float *vol, float *sino);
tes_status tes_cuda_parallel3d_adjoint(const tes_kernel_geom *g, const tes_view_params *views,
                                       const float *sino, float *vol);
tes_status tes_cuda_cone3d_forward(const tes_kernel_geom *g, const tes_view_params *views,
                                   const float *vol, float *sino);
tes_status tes_cuda_cone3d_adjoint(const tes_kernel_geom *g, const tes_view_params *views,
                                   const float *sino, float *vol);

#ifdef __cplusplus
}
#endif

#endif
