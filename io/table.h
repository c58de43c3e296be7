/* Text tables of numbers: the per-view angles and detector shifts that
 * users keep beside their scans (one line per view). ncols numbers per
 * line, separated by blanks, tabs or commas; '#' starts a comment; blank
 * lines are skipped. */
#ifndef TES_IO_TABLE_H
#define TES_IO_TABLE_H

#include <stddef.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { TES_TABLE_MAX_COLUMNS = 4 };

/* Read path into *values (malloc'ed, *rows x ncols, row-major). At least
 * one row; every value finite. Errors (TES_ERR_INPUT) start with who (the
 * option or job key that named the file) and name the file and the line. */
tes_status tes_table_read(const char *who, const char *path, int ncols, double **values,
                          size_t *rows);

#ifdef __cplusplus
}
#endif

#endif
