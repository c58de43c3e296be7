/* tes_array: an n-dimensional array (C order, up to 4 dimensions) in host or
 * device memory, either owned (tessera allocates and frees it) or an alias
 * of memory that somebody else owns (numpy, PyTorch, another buffer), which
 * tessera never frees. */
#ifndef TES_CORE_ARRAY_H
#define TES_CORE_ARRAY_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TES_MAX_DIMS 4

typedef enum tes_dtype {
    TES_FLOAT32 = 0,
    TES_FLOAT64,
    TES_UINT8,
    TES_UINT16,
    TES_UINT32,
    TES_INT32,
    TES_INT64,
    TES_DTYPE_COUNT
} tes_dtype;

typedef enum tes_location { TES_HOST = 0, TES_DEVICE = 1 } tes_location;

typedef struct tes_array {
    void *data;
    int ndim;
    size_t shape[TES_MAX_DIMS]; /* shape[ndim..] are 1 */
    tes_dtype dtype;
    tes_location location;
    int device; /* CUDA device of a device array, else -1 */
    int owned;  /* 1: destroy frees data; 0: alias */
} tes_array;

size_t tes_dtype_size(tes_dtype dtype);
const char *tes_dtype_name(tes_dtype dtype);
const char *tes_location_name(tes_location loc);

/* Allocate a zero-filled array. On the device this uses the current device. */
tes_status tes_array_create(tes_array **out, tes_dtype dtype, tes_location loc, int ndim,
                            const size_t *shape);

/* Wrap memory owned elsewhere; destroy frees the descriptor, never data. */
tes_status tes_array_alias(tes_array **out, void *data, tes_dtype dtype, tes_location loc,
                           int ndim, const size_t *shape);

/* Free the array (its memory too if owned) and set *a to NULL. NULL is fine. */
void tes_array_destroy(tes_array **a);

/* Number of elements and bytes. */
size_t tes_array_count(const tes_array *a);
size_t tes_array_bytes(const tes_array *a);

/* Copy src into dst: same dtype and element count, any pair of locations. */
tes_status tes_array_copy(tes_array *dst, const tes_array *src);

/* A new owned array at loc with src's shape, dtype and contents. */
tes_status tes_array_clone(tes_array **out, const tes_array *src, tes_location loc);

/* Set every element to zero. */
tes_status tes_array_zero(tes_array *a);

/* Check that a has the given dtype, location and shape; the message names
 * what ("sinogram", "volume") and what was expected. ndim < 0 skips the
 * shape check. */
tes_status tes_array_expect(const tes_array *a, const char *what, tes_dtype dtype,
                            tes_location loc, int ndim, const size_t *shape);

/* Write the shape as "(a, b, c)" into buf. */
const char *tes_shape_text(char *buf, size_t len, int ndim, const size_t *shape);

#ifdef __cplusplus
}
#endif

#endif
