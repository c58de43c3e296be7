/* Private to src/solvers/filter*: the CUDA filter (filter_cuda.cu), which
 * filter.c calls for arrays in device memory. */
#ifndef TES_SOLVERS_FILTER_IMPL_H
#define TES_SOLVERS_FILTER_IMPL_H

#include <stddef.h>

#include "core/status.h"
#include "solvers/filter_weights.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tes_filter_cuda tes_filter_cuda;

/* A cuFFT filter for rows of ncols pixels padded to padded samples; response:
 * host, padded / 2 + 1 values, the inverse transform's 1/padded included. */
tes_status tes_filter_cuda_create(tes_filter_cuda **out, size_t ncols, size_t padded,
                                  const float *response);
void tes_filter_cuda_destroy(tes_filter_cuda **f);

/* tes_filter_apply for device data (nviews, nrows, ncols); views on the host.
 * Returns once the filtered data are in place. */
tes_status tes_filter_cuda_apply(tes_filter_cuda *f, float *data, size_t nviews, size_t nrows,
                                 const tes_filter_geom *geom, const tes_filter_view *views);

#ifdef __cplusplus
}
#endif

#endif
