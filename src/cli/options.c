#include "cli/options.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    TES_CLI_HELP_WIDTH = 100, /* columns of --help output */
    TES_CLI_HELP_INDENT = 32, /* column where the option's help starts */
    TES_CLI_WORD_BYTES = 64,  /* longest word compared for suggestions, list item parsed */
    TES_CLI_MAX_CANDIDATES = 128,
    TES_MAX_LIST_VALUES = 4, /* values of one list option ("NZ,NY,NX") */
};

/* ---- parsing the command line -------------------------------------------- */

static int matches(const char *candidate, const char *arg, size_t len) {
    return candidate && strlen(candidate) == len && !strncmp(candidate, arg, len);
}

static const tes_cli_option *find_option(const tes_cli_section *sections, const char *arg,
                                         size_t len) {
    for (const tes_cli_section *s = sections; s->options; ++s)
        for (const tes_cli_option *o = s->options; o->name; ++o)
            if (matches(o->name, arg, len) || matches(o->alias, arg, len))
                return o;
    return NULL;
}

static tes_status unknown_option(const char *command, const tes_cli_section *sections,
                                 const char *arg, size_t len) {
    const char *names[TES_CLI_MAX_CANDIDATES];
    size_t n = 0;
    for (const tes_cli_section *s = sections; s->options; ++s)
        for (const tes_cli_option *o = s->options; o->name && n < TES_CLI_MAX_CANDIDATES; ++o)
            names[n++] = o->name;
    char word[TES_CLI_WORD_BYTES];
    snprintf(word, sizeof word, "%.*s", (int)len, arg);
    const char *best = tes_cli_closest(word, names, n);
    TES_FAIL(TES_ERR_ARG, "unknown option '%s' for 'tessera %s' (did you mean %s?)", word, command,
             best ? best : "--help");
}

static tes_status store(tes_cli_args *args, const tes_cli_option *opt, const char *value) {
    for (int i = 0; i < args->count; ++i)
        TES_CHECK(args->option[i] != opt, TES_ERR_ARG, "%s: given twice ('%s' and '%s')", opt->name,
                  args->value[i], value);
    TES_CHECK(args->count < TES_CLI_MAX_GIVEN, TES_ERR_ARG, "more than %d options given",
              TES_CLI_MAX_GIVEN);
    args->option[args->count] = opt;
    args->value[args->count] = value;
    ++args->count;
    return TES_OK;
}

tes_status tes_cli_parse(tes_cli_args *args, const char *command, const tes_cli_section *sections,
                         int max_positional, int argc, char **argv) {
    memset(args, 0, sizeof *args);
    args->command = command;
    for (int i = 0; i < argc; ++i) {
        const char *arg = argv[i];
        if (arg[0] != '-' || arg[1] == '\0') {
            TES_CHECK(args->npositional < max_positional &&
                          args->npositional < TES_CLI_MAX_POSITIONAL,
                      TES_ERR_ARG,
                      "unexpected argument '%s' for 'tessera %s' (options start "
                      "with --)",
                      arg, command);
            args->positional[args->npositional++] = arg;
            continue;
        }
        const char *eq = !strncmp(arg, "--", 2) ? strchr(arg, '=') : NULL;
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        const tes_cli_option *opt = find_option(sections, arg, len);
        if (!opt)
            TES_CALL(unknown_option(command, sections, arg, len));
        const char *value = "";
        if (!opt->metavar) {
            TES_CHECK(!eq, TES_ERR_ARG, "%s is a flag and takes no value (got '%s')", opt->name,
                      eq + 1);
        } else if (eq) {
            value = eq + 1;
        } else {
            TES_CHECK(i + 1 < argc, TES_ERR_ARG, "%s: expects a value (%s)", opt->name,
                      opt->metavar);
            value = argv[++i];
        }
        TES_CALL(store(args, opt, value));
    }
    return TES_OK;
}

/* ---- suggestions -------------------------------------------------------------- */

static size_t edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la >= TES_CLI_WORD_BYTES)
        la = TES_CLI_WORD_BYTES - 1;
    if (lb >= TES_CLI_WORD_BYTES)
        lb = TES_CLI_WORD_BYTES - 1;
    size_t prev[TES_CLI_WORD_BYTES], cur[TES_CLI_WORD_BYTES];
    for (size_t j = 0; j <= lb; ++j)
        prev[j] = j;
    for (size_t i = 1; i <= la; ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; ++j) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

const char *tes_cli_closest(const char *word, const char *const *candidates, size_t n) {
    const char *best = NULL;
    size_t best_distance = (size_t)-1;
    for (size_t i = 0; i < n; ++i) {
        size_t d = edit_distance(word, candidates[i]);
        /* A prefix ("--vol" for "--volume") is as close as it gets. */
        if (word[0] && !strncmp(candidates[i], word, strlen(word)))
            d = 0;
        if (d < best_distance) {
            best_distance = d;
            best = candidates[i];
        }
    }
    return best;
}

/* ---- help ------------------------------------------------------------------------ */

void tes_cli_print_wrapped(FILE *out, const char *text, int column) {
    int col = column;
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            ++p;
        size_t len = strcspn(p, " ");
        if (col > column && col + 1 + (int)len > TES_CLI_HELP_WIDTH) {
            fprintf(out, "\n%*s", column, "");
            col = column;
        } else if (col > column) {
            fputc(' ', out);
            ++col;
        }
        fprintf(out, "%.*s", (int)len, p);
        col += (int)len;
        p += len;
    }
    fputc('\n', out);
}

void tes_cli_print_options(FILE *out, const tes_cli_section *sections) {
    for (const tes_cli_section *s = sections; s->options; ++s) {
        fprintf(out, "\n%s:\n", s->title);
        for (const tes_cli_option *o = s->options; o->name; ++o) {
            char left[TES_CLI_HELP_WIDTH];
            int n = snprintf(left, sizeof left, "  %s%s%s%s%s", o->alias ? o->alias : "",
                             o->alias ? ", " : "", o->name, o->metavar ? " " : "",
                             o->metavar ? o->metavar : "");
            if (n + 1 >= TES_CLI_HELP_INDENT) {
                fprintf(out, "%s\n%*s", left, TES_CLI_HELP_INDENT, "");
            } else {
                fprintf(out, "%-*s", TES_CLI_HELP_INDENT, left);
            }
            tes_cli_print_wrapped(out, o->help, TES_CLI_HELP_INDENT);
        }
    }
}

/* ---- typed values ------------------------------------------------------------------ */

const char *tes_cli_get(const tes_cli_args *args, const char *name) {
    for (int i = 0; i < args->count; ++i)
        if (!strcmp(args->option[i]->name, name))
            return args->value[i];
    return NULL;
}

int tes_cli_has(const tes_cli_args *args, const char *name) {
    return tes_cli_get(args, name) != NULL;
}

/* A decimal integer >= 0 and nothing else (no sign, no spaces); 1 if it is one. */
static int parse_unsigned(const char *text, size_t *out) {
    char *end = NULL;
    errno = 0;
    unsigned long long v = text[0] >= '0' && text[0] <= '9' ? strtoull(text, &end, 10) : 0;
    if (!end || *end != '\0' || errno != 0)
        return 0;
    *out = (size_t)v;
    return 1;
}

tes_status tes_cli_parse_count(const char *option, const char *text, size_t *out) {
    size_t v = 0;
    TES_CHECK(parse_unsigned(text, &v) && v > 0, TES_ERR_ARG,
              "%s: expected a positive integer, got '%s'", option, text);
    *out = v;
    return TES_OK;
}

tes_status tes_cli_parse_real(const char *option, const char *text, double *out) {
    char *end = NULL;
    double v = text[0] && text[0] != ' ' ? strtod(text, &end) : NAN;
    TES_CHECK(end && *end == '\0' && isfinite(v), TES_ERR_ARG, "%s: expected a number, got '%s'",
              option, text);
    *out = v;
    return TES_OK;
}

tes_status tes_cli_count(const tes_cli_args *args, const char *name, size_t fallback, size_t *out) {
    const char *text = tes_cli_get(args, name);
    *out = fallback;
    if (text)
        TES_CALL(tes_cli_parse_count(name, text, out));
    return TES_OK;
}

tes_status tes_cli_count_range(const tes_cli_args *args, const char *name, size_t fallback,
                               size_t lo, size_t hi, size_t *out) {
    const char *text = tes_cli_get(args, name);
    size_t v = fallback;
    int ok = text ? parse_unsigned(text, &v) : 1;
    TES_CHECK(ok && v >= lo && v <= hi, TES_ERR_ARG,
              "%s: expected an integer from %zu to %zu, got '%s'", name, lo, hi,
              text ? text : "the default");
    *out = v;
    return TES_OK;
}

tes_status tes_cli_real(const tes_cli_args *args, const char *name, double fallback, double *out) {
    const char *text = tes_cli_get(args, name);
    *out = fallback;
    if (text)
        TES_CALL(tes_cli_parse_real(name, text, out));
    return TES_OK;
}

tes_status tes_cli_length(const tes_cli_args *args, const char *name, double fallback,
                          double *out) {
    const char *text = tes_cli_get(args, name);
    double v = fallback;
    tes_status st = text ? tes_cli_parse_real(name, text, &v) : TES_OK;
    TES_CHECK(st == TES_OK && v > 0, TES_ERR_ARG, "%s: expected a positive number, got '%s'", name,
              text ? text : "the default");
    *out = v;
    return TES_OK;
}

/* Split text at commas into at most nvalues items of at most
 * TES_CLI_WORD_BYTES - 1 characters; returns the number of items, or -1. */
static int split_items(const char *text, int nvalues, char items[][TES_CLI_WORD_BYTES]) {
    int n = 0;
    for (const char *p = text;; ++n) {
        size_t len = strcspn(p, ",");
        if (n >= nvalues || len == 0 || len >= TES_CLI_WORD_BYTES)
            return -1;
        memcpy(items[n], p, len);
        items[n][len] = '\0';
        if (p[len] == '\0')
            return n + 1;
        p += len + 1;
    }
}

/* Items of a list option: nvalues of them, or one repeated when single_ok. */
static tes_status list_items(const char *name, const char *text, const char *form, const char *kind,
                             int single_ok, int nvalues, char items[][TES_CLI_WORD_BYTES]) {
    int n = split_items(text, nvalues, items);
    TES_CHECK(n == nvalues || (single_ok && n == 1), TES_ERR_ARG, "%s: expected %s (%s), got '%s'",
              name, form, kind, text);
    for (int i = n; i < nvalues; ++i)
        memcpy(items[i], items[0], TES_CLI_WORD_BYTES);
    return TES_OK;
}

tes_status tes_cli_counts(const tes_cli_args *args, const char *name, const char *form,
                          int single_ok, int nvalues, size_t *out, int *given) {
    const char *text = tes_cli_get(args, name);
    *given = text != NULL;
    if (!text)
        return TES_OK;
    char items[TES_MAX_LIST_VALUES][TES_CLI_WORD_BYTES];
    const char *kind = "positive integers";
    TES_CHECK(nvalues <= TES_MAX_LIST_VALUES, TES_ERR_INTERNAL, "%s: too many values", name);
    TES_CALL(list_items(name, text, form, kind, single_ok, nvalues, items));
    for (int i = 0; i < nvalues; ++i)
        TES_CHECK(tes_cli_parse_count(name, items[i], &out[i]) == TES_OK, TES_ERR_ARG,
                  "%s: expected %s (%s), got '%s'", name, form, kind, text);
    return TES_OK;
}

tes_status tes_cli_lengths(const tes_cli_args *args, const char *name, const char *form,
                           int single_ok, int nvalues, double *out, int *given) {
    const char *text = tes_cli_get(args, name);
    *given = text != NULL;
    if (!text)
        return TES_OK;
    char items[TES_MAX_LIST_VALUES][TES_CLI_WORD_BYTES];
    const char *kind = "positive numbers";
    TES_CHECK(nvalues <= TES_MAX_LIST_VALUES, TES_ERR_INTERNAL, "%s: too many values", name);
    TES_CALL(list_items(name, text, form, kind, single_ok, nvalues, items));
    for (int i = 0; i < nvalues; ++i)
        TES_CHECK(tes_cli_parse_real(name, items[i], &out[i]) == TES_OK && out[i] > 0, TES_ERR_ARG,
                  "%s: expected %s (%s), got '%s'", name, form, kind, text);
    return TES_OK;
}
