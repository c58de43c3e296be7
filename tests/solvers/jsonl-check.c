/* jsonl-check: a metrics file of tessera recon holds exactly N lines, each
 * a JSON object with the report's fields, iterations 1..N in order, and
 * finite non-negative timings.
 *
 * Usage: jsonl-check FILE N */
#include "testing.h"

#include <jansson.h>

enum { LINE_BYTES = 8192 };

static const char *const number_keys[] = {
    "residual",
    "relative_residual",
    "seconds",
    "forward_seconds",
    "adjoint_seconds",
    "reduce_seconds",
    "update_seconds",
    "updates",
    "gups",
    "bytes_reduced",
    "bytes_reduced_total",
};

static void check_line(const char *line, long expected_iteration) {
    json_error_t err;
    json_t *o = json_loads(line, 0, &err);
    EXPECT(o && json_is_object(o), "line %ld is not a JSON object: %s", expected_iteration,
           o ? "another JSON value" : err.text);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return;
    }
    json_t *it = json_object_get(o, "iteration");
    EXPECT(json_is_integer(it) && json_integer_value(it) == expected_iteration,
           "line %ld: iteration is not %ld", expected_iteration, expected_iteration);
    EXPECT(json_is_string(json_object_get(o, "algorithm")), "line %ld: no algorithm",
           expected_iteration);
    EXPECT(json_is_array(json_object_get(o, "grid")), "line %ld: no grid", expected_iteration);
    for (size_t k = 0; k < sizeof number_keys / sizeof number_keys[0]; ++k) {
        json_t *v = json_object_get(o, number_keys[k]);
        EXPECT(json_is_number(v) && json_number_value(v) >= 0.0,
               "line %ld: %s is missing or not a number >= 0", expected_iteration, number_keys[k]);
    }
    json_decref(o);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: jsonl-check FILE N\n");
        return 2;
    }
    long expected = strtol(argv[2], NULL, 10);
    FILE *f = fopen(argv[1], "r");
    EXPECT(f, "cannot open %s", argv[1]);
    long n = 0;
    char line[LINE_BYTES];
    while (f && fgets(line, sizeof line, f))
        check_line(line, ++n);
    if (f)
        fclose(f);
    EXPECT(n == expected, "%s has %ld lines, expected %ld", argv[1], n, expected);
    printf("%s: %ld JSON lines checked\n", argv[1], n);
    return tes_test_finish("jsonl-check");
}
