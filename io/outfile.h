/* An output file that is not HDF5 (PNG, TIFF), written by one rank: checked
 * before any work (its directory accepts new files; it does not exist
 * unless overwriting is allowed), written under a temporary name in the
 * same directory, and renamed onto its name only when complete, so that a
 * failed write never damages what was on disk. */
#ifndef TES_IO_OUTFILE_H
#define TES_IO_OUTFILE_H

#include <limits.h>
#include <stdio.h>

#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tes_outfile {
    char path[PATH_MAX];
    char temp[PATH_MAX];
    FILE *fp; /* open on temp for writing ("wb"); NULL once closed */
    int overwrite;
    const char *force_hint;
} tes_outfile;

/* Check path (see tes_outfile_begin) without creating anything. force_hint
 * says how a user allows overwriting ("--force"); NULL: generic. */
tes_status tes_outfile_check(const char *path, int overwrite, const char *force_hint);

/* Check path, then create its temporary file and open o->fp on it. */
tes_status tes_outfile_begin(tes_outfile *o, const char *path, int overwrite,
                             const char *force_hint);

/* Close the stream if still open and rename the temporary file onto the
 * output; on failure the temporary file is removed. */
tes_status tes_outfile_commit(tes_outfile *o);

/* Close and remove the temporary file (after a failed write). */
void tes_outfile_abort(tes_outfile *o);

#ifdef __cplusplus
}
#endif

#endif
