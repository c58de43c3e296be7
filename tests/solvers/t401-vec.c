/* t401: every vector operation against a plain loop, on the backend given
 * as argv[1]; dot products of large arrays (double accumulation, the same
 * bits on every call and thread count), dot_rows, block copies, and the
 * messages of mismatched operands. */
#include "testing.h"

#include <stdint.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/vec.h"

enum { SMALL_N = 1000 + 37, LARGE_N = 5000011 };

/* Element-wise results may differ from the plain loop by a contraction
 * (fma on the device). */
#define MAP_TOLERANCE 1e-6
/* Dot products in double: relative to sum |a b|. */
#define DOT_TOLERANCE 1e-12

static tes_location loc;

static void fill_random(float *a, size_t n, unsigned long long seed) {
    unsigned long long state = seed;
    for (size_t i = 0; i < n; ++i)
        a[i] = tes_test_random(&state);
}

/* Host arrays h[0..2] with random values (some exactly 0 and below eps for
 * the guarded operations) and their copies d[0..2] at loc. */
static void make_operands(tes_array *h[3], tes_array *d[3], size_t n) {
    for (int k = 0; k < 3; ++k) {
        EXPECT_OK(tes_array_create(&h[k], TES_FLOAT32, TES_HOST, 1, &n));
        fill_random(h[k]->data, n, 1234567ULL * (unsigned long long)(k + 1));
        ((float *)h[k]->data)[k] = 0.0f;
        EXPECT_OK(tes_array_clone(&d[k], h[k], loc));
    }
}

static void destroy3(tes_array *a[3]) {
    for (int k = 0; k < 3; ++k)
        tes_array_destroy(&a[k]);
}

/* Compare d[0] (at loc) with the expected host values. */
static void expect_near(const char *what, const tes_array *d, const float *want, size_t n) {
    tes_array *got = NULL;
    if (!EXPECT_OK(tes_array_clone(&got, d, TES_HOST)))
        return;
    const float *g = got->data;
    size_t bad = 0;
    for (size_t i = 0; i < n; ++i) {
        double tol = MAP_TOLERANCE * (1.0 + fabs((double)want[i]));
        if (!(fabs((double)g[i] - (double)want[i]) <= tol) && bad++ < 3)
            EXPECT(0, "%s: element %zu is %.9g, expected %.9g", what, i, g[i], want[i]);
    }
    tes_array_destroy(&got);
}

typedef enum op_kind { FILL, AXPY, XPBY, SCALE, MUL, SUB, RECIP, DIV, CLAMP, OP_KINDS } op_kind;
static const char *const op_names[OP_KINDS] = {"fill", "axpy",  "xpby", "scale", "mul",
                                               "sub",  "recip", "div",  "clamp"};

static const float ALPHA = 0.75f, EPS = 0.125f, LO = -0.5f, HI = 0.25f;

static float plain(op_kind op, float y, float a, float b) {
    switch (op) {
    case FILL:
        return ALPHA;
    case AXPY:
        return y + ALPHA * a;
    case XPBY:
        return a + ALPHA * y;
    case SCALE:
        return ALPHA * y;
    case MUL:
        return y * a;
    case SUB:
        return a - b;
    case RECIP:
        return y > EPS ? 1.0f / y : 0.0f;
    case DIV:
        return b > EPS ? a / b : 0.0f;
    case CLAMP:
        return y < LO ? LO : (y > HI ? HI : y);
    default:
        return y;
    }
}

static tes_status run_op(op_kind op, tes_array *y, const tes_array *a, const tes_array *b) {
    switch (op) {
    case FILL:
        return tes_vec_fill(y, ALPHA);
    case AXPY:
        return tes_vec_axpy(y, ALPHA, a);
    case XPBY:
        return tes_vec_xpby(y, a, ALPHA);
    case SCALE:
        return tes_vec_scale(y, ALPHA);
    case MUL:
        return tes_vec_mul(y, a);
    case SUB:
        return tes_vec_sub(y, a, b);
    case RECIP:
        return tes_vec_recip_guarded(y, EPS);
    case DIV:
        return tes_vec_div_guarded(y, a, b, EPS);
    case CLAMP:
        return tes_vec_clamp(y, LO, HI);
    default:
        return TES_ERR_INTERNAL;
    }
}

static void test_map(size_t n) {
    for (int op = 0; op < OP_KINDS; ++op) {
        tes_array *h[3] = {0}, *d[3] = {0};
        make_operands(h, d, n);
        float *want = malloc(n * sizeof *want);
        const float *y = h[0]->data, *a = h[1]->data, *b = h[2]->data;
        for (size_t i = 0; i < n; ++i)
            want[i] = plain((op_kind)op, y[i], a[i], b[i]);
        if (EXPECT_OK(run_op((op_kind)op, d[0], d[1], d[2])))
            expect_near(op_names[op], d[0], want, n);
        free(want);
        destroy3(h);
        destroy3(d);
    }
}

static double plain_dot(const float *a, const float *b, size_t n, double *abs_sum) {
    long double sum = 0.0L, abs = 0.0L;
    for (size_t i = 0; i < n; ++i) {
        sum += (long double)a[i] * b[i];
        abs += fabsl((long double)a[i] * b[i]);
    }
    *abs_sum = (double)abs;
    return (double)sum;
}

static void set_threads(int n) {
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}

/* Large dot products: accurate, and bitwise the same on every call and for
 * 1, 2 and 3 host threads. */
static void test_dot(size_t n) {
    tes_array *h[3] = {0}, *d[3] = {0};
    make_operands(h, d, n);
    double abs_sum = 0.0, want = plain_dot(h[0]->data, h[1]->data, n, &abs_sum);
    double got[3] = {0};
    for (int t = 0; t < 3; ++t) {
        set_threads(t + 1);
        EXPECT_OK(tes_vec_dot(d[0], d[1], &got[t]));
    }
    set_threads(tes_backend_threads());
    EXPECT(fabs(got[0] - want) <= DOT_TOLERANCE * abs_sum, "dot of %zu: %.17g, expected %.17g", n,
           got[0], want);
    EXPECT(got[0] == got[1] && got[1] == got[2],
           "dot of %zu depends on the thread count: %.17g %.17g %.17g", n, got[0], got[1], got[2]);
    destroy3(h);
    destroy3(d);
}

static void test_dot_rows(void) {
    size_t shape[3] = {5, 7, 9}, n = 5 * 7 * 9;
    tes_array *h[3] = {0}, *d[3] = {0}, *a3 = NULL, *b3 = NULL;
    make_operands(h, d, n);
    EXPECT_OK(tes_array_alias(&a3, d[0]->data, TES_FLOAT32, loc, 3, shape));
    EXPECT_OK(tes_array_alias(&b3, d[1]->data, TES_FLOAT32, loc, 3, shape));
    const float *a = h[0]->data, *b = h[1]->data;
    size_t ranges[3][2] = {{2, 5}, {0, 7}, {3, 3}};
    for (int r = 0; r < 3; ++r) {
        double want = 0.0, got = -1.0;
        for (size_t v = 0; v < shape[0]; ++v)
            for (size_t row = ranges[r][0]; row < ranges[r][1]; ++row)
                for (size_t c = 0; c < shape[2]; ++c) {
                    size_t i = (v * shape[1] + row) * shape[2] + c;
                    want += (double)a[i] * b[i];
                }
        EXPECT_OK(tes_vec_dot_rows(a3, b3, ranges[r][0], ranges[r][1], &got));
        EXPECT(fabs(got - want) <= 1e-12 * (1.0 + fabs(want)),
               "dot_rows [%zu, %zu): %.17g vs %.17g", ranges[r][0], ranges[r][1], got, want);
    }
    double out = 0.0;
    EXPECT_ERROR(tes_vec_dot_rows(a3, b3, 4, 8, &out), TES_ERR_ARG,
                 "rows [4, 8) are not within the arrays' 7 rows");
    tes_array_destroy(&a3);
    tes_array_destroy(&b3);
    destroy3(h);
    destroy3(d);
}

/* Three blocks of 4 elements, pitch 5 in src, into pitch 6 from offset 2. */
static void test_copy_blocks(void) {
    size_t nsrc = 15, ndst = 20;
    tes_array *hs = NULL, *ds = NULL, *dd = NULL, *back = NULL;
    EXPECT_OK(tes_array_create(&hs, TES_FLOAT32, TES_HOST, 1, &nsrc));
    for (size_t i = 0; i < nsrc; ++i)
        ((float *)hs->data)[i] = (float)i;
    EXPECT_OK(tes_array_clone(&ds, hs, loc));
    EXPECT_OK(tes_array_create(&dd, TES_FLOAT32, loc, 1, &ndst));
    EXPECT_OK(tes_vec_copy_blocks(dd, 2, 6, ds, 0, 5, 4, 3));
    EXPECT_OK(tes_array_clone(&back, dd, TES_HOST));
    const float *g = back ? back->data : NULL;
    for (size_t i = 0; g && i < ndst; ++i) {
        size_t k = i < 2 ? 3 : (i - 2) / 6, j = i < 2 ? 0 : (i - 2) % 6;
        float want = k < 3 && j < 4 ? (float)(k * 5 + j) : 0.0f;
        EXPECT(g[i] == want, "copy_blocks element %zu is %g, expected %g", i, g[i], want);
    }
    EXPECT_ERROR(tes_vec_copy_blocks(dd, 5, 6, ds, 0, 5, 4, 3), TES_ERR_ARG,
                 "reach element 21 of dst, which has 20");
    tes_array_destroy(&hs);
    tes_array_destroy(&ds);
    tes_array_destroy(&dd);
    tes_array_destroy(&back);
}

static void test_errors(void) {
    size_t n3 = 3, n4 = 4;
    tes_array *a = NULL, *b = NULL, *host = NULL, *i32 = NULL;
    EXPECT_OK(tes_array_create(&a, TES_FLOAT32, loc, 1, &n3));
    EXPECT_OK(tes_array_create(&b, TES_FLOAT32, loc, 1, &n4));
    EXPECT_OK(tes_array_create(&i32, TES_INT32, loc, 1, &n3));
    EXPECT_ERROR(tes_vec_axpy(a, 1.0f, b), TES_ERR_SHAPE,
                 "tes_vec_axpy: y has 3 elements, x has 4");
    EXPECT_ERROR(tes_vec_scale(i32, 2.0f), TES_ERR_SHAPE,
                 "tes_vec_scale: a is int32, expected float32");
    EXPECT_ERROR(tes_vec_clamp(a, 1.0f, 0.0f), TES_ERR_ARG, "lower bound 1 exceeds upper bound 0");
    double out = 0.0;
    EXPECT_ERROR(tes_vec_dot(a, NULL, &out), TES_ERR_ARG, "tes_vec_dot: no array b given");
    if (loc == TES_DEVICE) {
        EXPECT_OK(tes_array_create(&host, TES_FLOAT32, TES_HOST, 1, &n3));
        EXPECT_ERROR(tes_vec_mul(a, host), TES_ERR_SHAPE,
                     "tes_vec_mul: y is in device memory, x in host memory");
    }
    /* Empty arrays are fine. */
    size_t zero = 0;
    tes_array *e = NULL;
    EXPECT_OK(tes_array_create(&e, TES_FLOAT32, loc, 1, &zero));
    EXPECT_OK(tes_vec_fill(e, 1.0f));
    EXPECT_OK(tes_vec_dot(e, e, &out));
    EXPECT(out == 0.0, "dot of empty arrays is %g", out);
    tes_array_destroy(&e);
    tes_array_destroy(&a);
    tes_array_destroy(&b);
    tes_array_destroy(&i32);
    tes_array_destroy(&host);
}

int main(int argc, char **argv) {
    loc = tes_backend_location(tes_test_backend(argc, argv, 1));
    test_map(SMALL_N);
    test_map(LARGE_N);
    test_dot(SMALL_N);
    test_dot(LARGE_N);
    test_dot_rows();
    test_copy_blocks();
    test_errors();
    EXPECT_OK(tes_vec_synchronize(loc));
    return tes_test_finish("t401-vec");
}
