/* Command-line options of the tessera subcommands: tables that describe
 * them (and print --help), a parser that checks every name against the
 * tables, and typed readers whose errors name the option and what it
 * accepts ("--views: expected a positive integer, got 'abc'"). */
#ifndef TES_CLI_OPTIONS_H
#define TES_CLI_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One option. help states the meaning, the unit and the default. */
typedef struct tes_cli_option {
    const char *name;    /* "--views" */
    const char *alias;   /* short form ("-o"), or NULL */
    const char *metavar; /* the value's name in the help ("N"); NULL: a flag without a value */
    const char *help;
} tes_cli_option;

/* A titled group of options, ended by an entry whose name is NULL. A list
 * of sections ends with a section whose options are NULL. */
typedef struct tes_cli_section {
    const char *title;
    const tes_cli_option *options;
} tes_cli_section;

enum { TES_CLI_MAX_GIVEN = 64, TES_CLI_MAX_POSITIONAL = 4 };

/* The options given on one command line, checked against the sections. */
typedef struct tes_cli_args {
    const char *command; /* "project", for messages */
    int count;
    const tes_cli_option *option[TES_CLI_MAX_GIVEN];
    const char *value[TES_CLI_MAX_GIVEN]; /* "" for a flag */
    int npositional;
    const char *positional[TES_CLI_MAX_POSITIONAL];
} tes_cli_args;

/* Parse argv[0..argc) ("--name value", "--name=value", aliases, at most
 * max_positional arguments that are not options). Unknown options, missing
 * values, repeated options are TES_ERR_ARG; an unknown option's message
 * names the closest valid one. */
tes_status tes_cli_parse(tes_cli_args *args, const char *command, const tes_cli_section *sections,
                         int max_positional, int argc, char **argv);

/* Print text wrapped to the help width; the cursor is at column, where
 * continuation lines start too. Ends the line. */
void tes_cli_print_wrapped(FILE *out, const char *text, int column);

/* Print the options of sections, one per line, under their titles. */
void tes_cli_print_options(FILE *out, const tes_cli_section *sections);

/* The closest of n candidate words to word (edit distance). */
const char *tes_cli_closest(const char *word, const char *const *candidates, size_t n);

/* The value of option name, or NULL when it was not given. */
const char *tes_cli_get(const tes_cli_args *args, const char *name);
int tes_cli_has(const tes_cli_args *args, const char *name);

/* Typed values of option name; fallback when it was not given. */
tes_status tes_cli_count(const tes_cli_args *args, const char *name, size_t fallback,
                         size_t *out); /* integer >= 1 */
tes_status tes_cli_count_range(const tes_cli_args *args, const char *name, size_t fallback,
                               size_t lo, size_t hi, size_t *out); /* integer in [lo, hi] */
tes_status tes_cli_real(const tes_cli_args *args, const char *name, double fallback,
                        double *out); /* finite number */
tes_status tes_cli_length(const tes_cli_args *args, const char *name, double fallback,
                          double *out); /* positive finite number */

/* An option holding nvalues comma-separated values ("NZ,NY,NX"), or one
 * value used for all of them when single_ok ("N"); form shows the accepted
 * forms in messages ("N or NZ,NY,NX"). *given is 0, and out untouched,
 * when the option is absent. Counts are integers >= 1, lengths positive
 * finite numbers. */
tes_status tes_cli_counts(const tes_cli_args *args, const char *name, const char *form,
                          int single_ok, int nvalues, size_t *out, int *given);
tes_status tes_cli_lengths(const tes_cli_args *args, const char *name, const char *form,
                           int single_ok, int nvalues, double *out, int *given);

/* Text-level readers for the items of lists; option names the option. */
tes_status tes_cli_parse_count(const char *option, const char *text, size_t *out);
tes_status tes_cli_parse_real(const char *option, const char *text, double *out);

#ifdef __cplusplus
}
#endif

#endif
