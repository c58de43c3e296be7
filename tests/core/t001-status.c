/* t001: errors carry their message and the frames they passed through. */
#include "testing.h"

static tes_status inner(int n) {
    TES_CHECK(n > 0, TES_ERR_ARG, "n must be positive, got %d", n);
    return TES_OK;
}

static tes_status outer(int n) {
    TES_CALL(inner(n));
    return TES_OK;
}

int main(void) {
    EXPECT_OK(outer(3));
    EXPECT(outer(-2) == TES_ERR_ARG, "outer(-2) should fail with TES_ERR_ARG");
    EXPECT(strstr(tes_error_message(), "n must be positive, got -2"), "message: %s",
           tes_error_message());
    const char *trace = tes_error_trace_text();
    EXPECT(strstr(trace, "(inner)") && strstr(trace, "(outer)"), "trace lacks frames:\n%s",
           trace);
    EXPECT(strcmp(tes_status_name(TES_ERR_SHAPE), "TES_ERR_SHAPE") == 0, "status name");
    tes_error_clear();
    EXPECT(tes_error_message()[0] == '\0', "clear leaves a message");
    return tes_test_finish("t001-status");
}
