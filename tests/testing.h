/* Helpers for tessera's test programs: checks that count failures, the
 * backend taken from argv, and exit 77 (CTest "skipped") when a GPU test
 * finds no usable device. */
#ifndef TES_TESTS_TESTING_H
#define TES_TESTS_TESTING_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "core/status.h"

#define TES_TEST_SKIP 77

static int tes_test_failures;

/* Record a failure (with a message) unless cond holds; never aborts. */
#define EXPECT(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            ++tes_test_failures;                                                                   \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
        }                                                                                          \
    } while (0)

/* A tessera call that must succeed; prints the error trace and counts a
 * failure otherwise. Evaluates to 1 on success. */
#define EXPECT_OK(expr) tes_test_expect_ok((expr), #expr, __FILE__, __LINE__)

/* A tessera call that must fail with code and a message containing text. */
#define EXPECT_ERROR(expr, code, text)                                                             \
    tes_test_expect_error((expr), (code), (text), #expr, __FILE__, __LINE__)

static inline int tes_test_expect_ok(tes_status st, const char *what, const char *file,
                                     int line) {
    if (st == TES_OK)
        return 1;
    ++tes_test_failures;
    fprintf(stderr, "FAIL %s:%d: %s returned %s:\n%s", file, line, what, tes_status_name(st),
            tes_error_trace_text());
    return 0;
}

static inline int tes_test_expect_error(tes_status st, tes_status code, const char *text,
                                        const char *what, const char *file, int line) {
    if (st == code && strstr(tes_error_message(), text)) {
        tes_error_clear();
        return 1;
    }
    ++tes_test_failures;
    fprintf(stderr, "FAIL %s:%d: %s returned %s (\"%s\"), expected %s with \"%s\"\n", file, line,
            what, tes_status_name(st), tes_error_message(), tes_status_name(code), text);
    return 0;
}

/* The backend named by argv[i] ("cpu" or "cuda"; default cpu). Exits with
 * TES_TEST_SKIP when cuda is asked for and not usable. */
static inline tes_backend tes_test_backend(int argc, char **argv, int i) {
    const char *name = argc > i ? argv[i] : "cpu";
    if (!strcmp(name, "cuda")) {
        if (!tes_backend_usable(TES_BACKEND_CUDA)) {
            printf("skipped: no usable CUDA device\n");
            exit(TES_TEST_SKIP);
        }
        return TES_BACKEND_CUDA;
    }
    return TES_BACKEND_CPU;
}

/* Print the verdict and return the exit code for main. */
static inline int tes_test_finish(const char *name) {
    if (tes_test_failures) {
        printf("%s: %d check(s) failed\n", name, tes_test_failures);
        return 1;
    }
    printf("%s: passed\n", name);
    return 0;
}

/* Deterministic pseudo-random numbers in [-1, 1) (xorshift64*). */
static inline float tes_test_random(unsigned long long *state) {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    unsigned long long r = *state * 2685821657736338717ULL;
    return (float)((double)(r >> 11) * (1.0 / 9007199254740992.0) * 2.0 - 1.0);
}

#endif
