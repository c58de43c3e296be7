/* Status codes, the error trace, and the macros that propagate them.
 *
 * Every fallible call returns a tes_status. The first failure records a
 * message (tes_error_set); each caller that passes the status on adds its
 * frame (file, line, function), so a user sees the whole chain. Library code
 * never calls exit(). */
#ifndef TES_CORE_STATUS_H
#define TES_CORE_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tes_status {
    TES_OK = 0,
    TES_ERR_ARG,      /* a bad argument or option value */
    TES_ERR_SHAPE,    /* an array of the wrong shape, type or location */
    TES_ERR_ALLOC,    /* out of host or device memory */
    TES_ERR_IO,       /* file system or HDF5 failure */
    TES_ERR_INPUT,    /* bad input data (NaN, missing dataset, ...) */
    TES_ERR_BACKEND,  /* backend not built or no usable device */
    TES_ERR_CUDA,     /* CUDA runtime, cuFFT */
    TES_ERR_MPI,      /* MPI */
    TES_ERR_NCCL,     /* NCCL */
    TES_ERR_PLAN,     /* a decomposition that does not fit */
    TES_ERR_INTERNAL, /* a broken invariant: a bug in tessera */
    TES_STATUS_COUNT
} tes_status;

/* Short name of a status ("TES_ERR_SHAPE"). */
const char *tes_status_name(tes_status st);

/* Record a new error (clears any earlier trace) and return code. The message
 * is printf-formatted. */
tes_status tes_error_set(tes_status code, const char *file, int line, const char *func,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Add a frame to the current trace while the status propagates. */
void tes_error_trace(const char *file, int line, const char *func);

/* The first message recorded ("what went wrong"), or "" if none. */
const char *tes_error_message(void);

/* The whole trace, message first, then one frame per line. */
const char *tes_error_trace_text(void);

/* Forget the recorded error (after it has been handled). */
void tes_error_clear(void);

/* Return code with a formatted message unless cond holds. */
#define TES_CHECK(cond, code, ...)                                                                 \
    do {                                                                                           \
        if (!(cond))                                                                               \
            return tes_error_set((code), __FILE__, __LINE__, __func__, __VA_ARGS__);               \
    } while (0)

/* Return a new error unconditionally. */
#define TES_FAIL(code, ...) return tes_error_set((code), __FILE__, __LINE__, __func__, __VA_ARGS__)

/* Call a fallible function; on failure add this frame and return its status. */
#define TES_CALL(expr)                                                                             \
    do {                                                                                           \
        tes_status tes_call_st_ = (expr);                                                          \
        if (tes_call_st_ != TES_OK) {                                                              \
            tes_error_trace(__FILE__, __LINE__, __func__);                                         \
            return tes_call_st_;                                                                   \
        }                                                                                          \
    } while (0)

/* For functions that must release resources: store the status in st and jump
 * to label on failure. */
#define TES_CALL_GOTO(st, expr, label)                                                             \
    do {                                                                                           \
        (st) = (expr);                                                                             \
        if ((st) != TES_OK) {                                                                      \
            tes_error_trace(__FILE__, __LINE__, __func__);                                         \
            goto label;                                                                            \
        }                                                                                          \
    } while (0)

#define TES_CHECK_GOTO(st, cond, code, label, ...)                                                 \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            (st) = tes_error_set((code), __FILE__, __LINE__, __func__, __VA_ARGS__);               \
            goto label;                                                                            \
        }                                                                                          \
    } while (0)

#ifdef __cplusplus
}
#endif

#endif
