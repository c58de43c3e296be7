#include "core/array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/device.h"

enum { TES_HOST_ALIGNMENT = 64 }; /* bytes: one cache line, any SIMD width */

static const size_t dtype_sizes[TES_DTYPE_COUNT] = {4, 8, 1, 2, 4, 4, 8};
static const char *const dtype_names[TES_DTYPE_COUNT] = {"float32", "float64", "uint8", "uint16",
                                                         "uint32",  "int32",   "int64"};

size_t tes_dtype_size(tes_dtype dtype) {
    return (unsigned)dtype < TES_DTYPE_COUNT ? dtype_sizes[dtype] : 0;
}

const char *tes_dtype_name(tes_dtype dtype) {
    return (unsigned)dtype < TES_DTYPE_COUNT ? dtype_names[dtype] : "unknown";
}

const char *tes_location_name(tes_location loc) {
    return loc == TES_DEVICE ? "device" : "host";
}

const char *tes_shape_text(char *buf, size_t len, int ndim, const size_t *shape) {
    size_t used = 0;
    used += (size_t)snprintf(buf + used, len - used, "(");
    for (int i = 0; i < ndim && used < len; ++i)
        used += (size_t)snprintf(buf + used, len - used, i ? ", %zu" : "%zu", shape[i]);
    if (used < len)
        snprintf(buf + used, len - used, ")");
    return buf;
}

static tes_status descriptor_new(tes_array **out, tes_dtype dtype, tes_location loc, int ndim,
                                 const size_t *shape) {
    TES_CHECK(out, TES_ERR_ARG, "output pointer is NULL");
    TES_CHECK(ndim >= 1 && ndim <= TES_MAX_DIMS, TES_ERR_ARG,
              "an array has 1 to %d dimensions, not %d", TES_MAX_DIMS, ndim);
    TES_CHECK((unsigned)dtype < TES_DTYPE_COUNT, TES_ERR_ARG, "unknown dtype %d", (int)dtype);
    TES_CHECK(loc == TES_HOST || loc == TES_DEVICE, TES_ERR_ARG, "unknown location %d", (int)loc);
    tes_array *a = calloc(1, sizeof *a);
    TES_CHECK(a, TES_ERR_ALLOC, "cannot allocate an array descriptor");
    a->ndim = ndim;
    for (int i = 0; i < TES_MAX_DIMS; ++i)
        a->shape[i] = i < ndim ? shape[i] : 1;
    a->dtype = dtype;
    a->location = loc;
    a->device = -1;
    *out = a;
    return TES_OK;
}

size_t tes_array_count(const tes_array *a) {
    size_t n = 1;
    for (int i = 0; i < a->ndim; ++i)
        n *= a->shape[i];
    return n;
}

size_t tes_array_bytes(const tes_array *a) {
    return tes_array_count(a) * tes_dtype_size(a->dtype);
}

tes_status tes_array_create(tes_array **out, tes_dtype dtype, tes_location loc, int ndim,
                            const size_t *shape) {
    tes_array *a = NULL;
    TES_CALL(descriptor_new(&a, dtype, loc, ndim, shape));
    size_t bytes = tes_array_bytes(a);
    size_t alloc_bytes = bytes ? bytes : 1;
    tes_status st = TES_OK;
    if (loc == TES_HOST) {
        size_t rounded = (alloc_bytes + TES_HOST_ALIGNMENT - 1) / TES_HOST_ALIGNMENT *
                         TES_HOST_ALIGNMENT;
        a->data = aligned_alloc(TES_HOST_ALIGNMENT, rounded);
        if (!a->data) {
            char buf[96];
            free(a);
            TES_FAIL(TES_ERR_ALLOC, "cannot allocate %zu bytes of host memory for an array %s",
                     bytes, tes_shape_text(buf, sizeof buf, ndim, shape));
        }
        memset(a->data, 0, bytes);
    } else {
        TES_CALL_GOTO(st, tes_device_current(&a->device), fail);
        TES_CALL_GOTO(st, tes_device_alloc(&a->data, alloc_bytes), fail);
        TES_CALL_GOTO(st, tes_device_memset_zero(a->data, bytes), fail);
    }
    a->owned = 1;
    *out = a;
    return TES_OK;
fail:
    if (a->data)
        tes_device_free(a->data);
    free(a);
    return st;
}

tes_status tes_array_alias(tes_array **out, void *data, tes_dtype dtype, tes_location loc,
                           int ndim, const size_t *shape) {
    tes_array *a = NULL;
    TES_CALL(descriptor_new(&a, dtype, loc, ndim, shape));
    if (!data && tes_array_bytes(a) > 0) {
        free(a);
        TES_FAIL(TES_ERR_ARG, "cannot alias a NULL pointer as a non-empty array");
    }
    a->data = data;
    a->owned = 0;
    if (loc == TES_DEVICE) {
        tes_status st = tes_device_current(&a->device);
        if (st != TES_OK) {
            free(a);
            TES_CALL(st);
        }
    }
    *out = a;
    return TES_OK;
}

void tes_array_destroy(tes_array **a) {
    if (!a || !*a)
        return;
    if ((*a)->owned) {
        if ((*a)->location == TES_HOST)
            free((*a)->data);
        else
            tes_device_free((*a)->data);
    }
    free(*a);
    *a = NULL;
}

tes_status tes_array_copy(tes_array *dst, const tes_array *src) {
    TES_CHECK(dst && src, TES_ERR_ARG, "NULL array");
    TES_CHECK(dst->dtype == src->dtype, TES_ERR_SHAPE, "cannot copy %s into %s",
              tes_dtype_name(src->dtype), tes_dtype_name(dst->dtype));
    TES_CHECK(tes_array_count(dst) == tes_array_count(src), TES_ERR_SHAPE,
              "cannot copy %zu elements into an array of %zu", tes_array_count(src),
              tes_array_count(dst));
    if (dst->data == src->data)
        return TES_OK;
    size_t bytes = tes_array_bytes(src);
    if (dst->location == TES_HOST && src->location == TES_HOST) {
        memcpy(dst->data, src->data, bytes);
        return TES_OK;
    }
    TES_CALL(tes_device_memcpy(dst->data, dst->location == TES_DEVICE, src->data,
                               src->location == TES_DEVICE, bytes));
    return TES_OK;
}

tes_status tes_array_clone(tes_array **out, const tes_array *src, tes_location loc) {
    TES_CALL(tes_array_create(out, src->dtype, loc, src->ndim, src->shape));
    tes_status st = tes_array_copy(*out, src);
    if (st != TES_OK) {
        tes_array_destroy(out);
        TES_CALL(st);
    }
    return TES_OK;
}

tes_status tes_array_zero(tes_array *a) {
    TES_CHECK(a, TES_ERR_ARG, "NULL array");
    if (a->location == TES_HOST)
        memset(a->data, 0, tes_array_bytes(a));
    else
        TES_CALL(tes_device_memset_zero(a->data, tes_array_bytes(a)));
    return TES_OK;
}

tes_status tes_array_expect(const tes_array *a, const char *what, tes_dtype dtype,
                            tes_location loc, int ndim, const size_t *shape) {
    TES_CHECK(a, TES_ERR_ARG, "%s: no array given", what);
    TES_CHECK(a->dtype == dtype, TES_ERR_SHAPE, "%s: expected %s, got %s", what,
              tes_dtype_name(dtype), tes_dtype_name(a->dtype));
    TES_CHECK(a->location == loc, TES_ERR_SHAPE, "%s: expected %s memory, got %s memory", what,
              tes_location_name(loc), tes_location_name(a->location));
    if (ndim < 0)
        return TES_OK;
    int same = a->ndim == ndim;
    for (int i = 0; same && i < ndim; ++i)
        same = a->shape[i] == shape[i];
    if (!same) {
        char want[96], got[96];
        TES_FAIL(TES_ERR_SHAPE, "%s: expected shape %s, got %s", what,
                 tes_shape_text(want, sizeof want, ndim, shape),
                 tes_shape_text(got, sizeof got, a->ndim, a->shape));
    }
    return TES_OK;
}
