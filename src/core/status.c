#include "core/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { TES_ERROR_TEXT_BYTES = 8192, TES_ERROR_MESSAGE_BYTES = 2048 };

/* One trace per thread: OpenMP workers may fail independently. */
static _Thread_local char error_message[TES_ERROR_MESSAGE_BYTES];
static _Thread_local char error_text[TES_ERROR_TEXT_BYTES];
static _Thread_local size_t error_text_len;

static const char *const status_names[TES_STATUS_COUNT] = {
    "TES_OK",          "TES_ERR_ARG",     "TES_ERR_SHAPE", "TES_ERR_ALLOC",
    "TES_ERR_IO",      "TES_ERR_INPUT",   "TES_ERR_BACKEND", "TES_ERR_CUDA",
    "TES_ERR_MPI",     "TES_ERR_NCCL",    "TES_ERR_PLAN",  "TES_ERR_INTERNAL",
};

const char *tes_status_name(tes_status st) {
    if ((int)st < 0 || st >= TES_STATUS_COUNT)
        return "TES_ERR_UNKNOWN";
    return status_names[st];
}

static void text_append(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void text_append(const char *fmt, ...) {
    if (error_text_len + 1 >= sizeof error_text)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(error_text + error_text_len, sizeof error_text - error_text_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        error_text_len += (size_t)n;
    if (error_text_len >= sizeof error_text)
        error_text_len = sizeof error_text - 1;
}

tes_status tes_error_set(tes_status code, const char *file, int line, const char *func,
                         const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error_message, sizeof error_message, fmt, ap);
    va_end(ap);
    error_text_len = 0;
    error_text[0] = '\0';
    text_append("%s\n  at %s:%d (%s) [%s]\n", error_message, file, line, func,
                tes_status_name(code));
    return code;
}

void tes_error_trace(const char *file, int line, const char *func) {
    text_append("  from %s:%d (%s)\n", file, line, func);
}

const char *tes_error_message(void) {
    return error_message;
}

const char *tes_error_trace_text(void) {
    return error_text;
}

void tes_error_clear(void) {
    error_message[0] = '\0';
    error_text[0] = '\0';
    error_text_len = 0;
}
