#include "io/table.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    TES_TABLE_LINE_BYTES = 1024,  /* longest line */
    TES_TABLE_INITIAL_ROWS = 256, /* rows allocated first; doubled as needed */
};

/* One line's numbers into row; *got of them. */
static tes_status parse_line(const char *who, const char *path, size_t line_no, char *line,
                             int ncols, double *row, int *got) {
    char *save = NULL;
    *got = 0;
    for (char *tok = strtok_r(line, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
        char *end = NULL;
        errno = 0;
        double x = strtod(tok, &end);
        TES_CHECK(*got < ncols && end != tok && *end == '\0' && errno == 0 && isfinite(x),
                  TES_ERR_INPUT, "%s: %s line %zu: expected %d finite number%s per line, got '%s'",
                  who, path, line_no, ncols, ncols > 1 ? "s" : "", tok);
        row[(*got)++] = x;
    }
    TES_CHECK(*got == 0 || *got == ncols, TES_ERR_INPUT,
              "%s: %s line %zu: expected %d numbers per line, got %d", who, path, line_no, ncols,
              *got);
    return TES_OK;
}

tes_status tes_table_read(const char *who, const char *path, int ncols, double **values,
                          size_t *rows) {
    TES_CHECK(who && path && values && rows && ncols >= 1 && ncols <= TES_TABLE_MAX_COLUMNS,
              TES_ERR_ARG, "tes_table_read: bad arguments");
    FILE *f = fopen(path, "r");
    TES_CHECK(f, TES_ERR_INPUT, "%s: cannot open '%s': %s", who, path, strerror(errno));
    tes_status st = TES_OK;
    size_t n = 0, cap = 0, line_no = 0;
    double *v = NULL;
    char line[TES_TABLE_LINE_BYTES];
    while (st == TES_OK && fgets(line, sizeof line, f)) {
        ++line_no;
        TES_CHECK_GOTO(st, strchr(line, '\n') || feof(f), TES_ERR_INPUT, done,
                       "%s: %s line %zu is longer than %d bytes", who, path, line_no,
                       TES_TABLE_LINE_BYTES - 2);
        line[strcspn(line, "#\r\n")] = '\0';
        double row[TES_TABLE_MAX_COLUMNS];
        int got = 0;
        TES_CALL_GOTO(st, parse_line(who, path, line_no, line, ncols, row, &got), done);
        if (got == 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : TES_TABLE_INITIAL_ROWS;
            double *grown = realloc(v, cap * (size_t)ncols * sizeof *v);
            TES_CHECK_GOTO(st, grown, TES_ERR_ALLOC, done, "%s: out of memory reading '%s'", who,
                           path);
            v = grown;
        }
        memcpy(v + n * (size_t)ncols, row, (size_t)ncols * sizeof *row);
        ++n;
    }
    TES_CHECK_GOTO(st, !ferror(f), TES_ERR_INPUT, done, "%s: error reading '%s'", who, path);
    TES_CHECK_GOTO(st, n > 0, TES_ERR_INPUT, done, "%s: '%s' holds no values", who, path);
done:
    fclose(f);
    if (st != TES_OK) {
        free(v);
        return st;
    }
    *values = v;
    *rows = n;
    return TES_OK;
}
