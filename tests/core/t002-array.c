/* t002: arrays are created zeroed, alias without owning, copy across
 * locations (on the backend given as argv[1]), and reject wrong shapes. */
#include "testing.h"

#include "core/array.h"

int main(int argc, char **argv) {
    tes_backend backend = tes_test_backend(argc, argv, 1);
    tes_location loc = tes_backend_location(backend);
    size_t shape[3] = {3, 4, 5};
    tes_array *a = NULL, *b = NULL, *host = NULL, *alias = NULL;

    EXPECT_OK(tes_array_create(&host, TES_FLOAT32, TES_HOST, 3, shape));
    EXPECT(tes_array_count(host) == 60 && tes_array_bytes(host) == 240, "count/bytes");
    float *h = host->data;
    for (size_t i = 0; i < 60; ++i) {
        EXPECT(h[i] == 0.0f, "element %zu not zero", i);
        h[i] = (float)i;
    }

    /* Round trip through the backend's memory. */
    EXPECT_OK(tes_array_clone(&a, host, loc));
    EXPECT_OK(tes_array_create(&b, TES_FLOAT32, loc, 3, shape));
    EXPECT_OK(tes_array_copy(b, a));
    EXPECT_OK(tes_array_zero(host));
    EXPECT_OK(tes_array_copy(host, b));
    for (size_t i = 0; i < 60; ++i)
        EXPECT(h[i] == (float)i, "round trip element %zu = %g", i, h[i]);

    /* An alias never frees what it wraps. */
    float buffer[60] = {0};
    EXPECT_OK(tes_array_alias(&alias, buffer, TES_FLOAT32, TES_HOST, 3, shape));
    EXPECT(alias->owned == 0 && alias->data == buffer, "alias owns its memory");
    EXPECT_OK(tes_array_copy(alias, host));
    tes_array_destroy(&alias);
    EXPECT(alias == NULL && buffer[59] == 59.0f, "alias destroy");

    /* Wrong shapes and types are refused with a message naming the array. */
    size_t other[3] = {3, 4, 6};
    EXPECT_ERROR(tes_array_expect(host, "sinogram", TES_FLOAT32, TES_HOST, 3, other),
                 TES_ERR_SHAPE, "sinogram: expected shape (3, 4, 6), got (3, 4, 5)");
    EXPECT_ERROR(tes_array_expect(host, "volume", TES_UINT16, TES_HOST, 3, shape), TES_ERR_SHAPE,
                 "volume: expected uint16, got float32");
    EXPECT_ERROR(tes_array_create(&b, TES_FLOAT32, TES_HOST, 5, shape), TES_ERR_ARG,
                 "1 to 4 dimensions");

    tes_array_destroy(&a);
    tes_array_destroy(&b);
    tes_array_destroy(&host);
    tes_array_destroy(&host);
    return tes_test_finish("t002-array");
}
