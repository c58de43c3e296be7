#include "io/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/h5array.h"

/* Permissions of a new output before the umask, as fopen gives. */
#define TES_OUTFILE_MODE 0666
enum { TES_OUTFILE_TEMP_ATTEMPTS = 100 };

tes_status tes_outfile_check(const char *path, int overwrite, const char *force_hint) {
    TES_CHECK(path && path[0], TES_ERR_ARG, "no output file given");
    tes_h5_write_options opt = {0};
    opt.overwrite = overwrite;
    opt.force_hint = force_hint;
    /* The same checks (and messages) as every other tessera output. */
    TES_CALL(tes_h5_check_output(MPI_COMM_SELF, path, &opt));
    return TES_OK;
}

/* A fresh name beside path (same directory, so the rename is atomic). */
static tes_status create_temp(tes_outfile *o, int *fd) {
    const char *slash = strrchr(o->path, '/');
    int dirlen = slash ? (int)(slash - o->path) + 1 : 0;
    const char *base = slash ? slash + 1 : o->path;
    for (int attempt = 0; attempt < TES_OUTFILE_TEMP_ATTEMPTS; ++attempt) {
        int n = snprintf(o->temp, sizeof o->temp, "%.*s.%s.tessera-%ld-%d.tmp", dirlen, o->path,
                         base, (long)getpid(), attempt);
        TES_CHECK(n > 0 && (size_t)n < sizeof o->temp, TES_ERR_INPUT,
                  "cannot write '%s': the path is too long", o->path);
        *fd = open(o->temp, O_WRONLY | O_CREAT | O_EXCL, TES_OUTFILE_MODE);
        if (*fd >= 0)
            return TES_OK;
        TES_CHECK(errno == EEXIST, TES_ERR_INPUT, "cannot write '%s': cannot create '%s' (%s)",
                  o->path, o->temp, strerror(errno));
    }
    TES_FAIL(TES_ERR_IO, "cannot write '%s': no free temporary name after %d attempts", o->path,
             TES_OUTFILE_TEMP_ATTEMPTS);
}

tes_status tes_outfile_begin(tes_outfile *o, const char *path, int overwrite,
                             const char *force_hint) {
    memset(o, 0, sizeof *o);
    TES_CALL(tes_outfile_check(path, overwrite, force_hint));
    TES_CHECK(strlen(path) < sizeof o->path, TES_ERR_INPUT, "output path '%s' is too long", path);
    snprintf(o->path, sizeof o->path, "%s", path);
    o->overwrite = overwrite;
    o->force_hint = force_hint;
    int fd = -1;
    TES_CALL(create_temp(o, &fd));
    o->fp = fdopen(fd, "wb");
    if (!o->fp) {
        int err = errno;
        close(fd);
        unlink(o->temp);
        TES_FAIL(TES_ERR_IO, "cannot write '%s': %s", o->temp, strerror(err));
    }
    return TES_OK;
}

tes_status tes_outfile_commit(tes_outfile *o) {
    if (o->fp) {
        int failed = ferror(o->fp) != 0;
        failed |= fclose(o->fp) != 0;
        o->fp = NULL;
        if (failed) {
            unlink(o->temp);
            TES_FAIL(TES_ERR_IO, "cannot write '%s': %s", o->path, strerror(errno));
        }
    }
    struct stat sb;
    if (!o->overwrite && stat(o->path, &sb) == 0) {
        unlink(o->temp);
        TES_FAIL(TES_ERR_INPUT,
                 "output '%s' appeared while it was being written and was left untouched (use "
                 "%s to replace it)",
                 o->path, o->force_hint ? o->force_hint : "the overwrite option");
    }
    if (rename(o->temp, o->path) != 0) {
        int err = errno;
        unlink(o->temp);
        TES_FAIL(TES_ERR_IO, "cannot rename the finished '%s' to '%s': %s", o->temp, o->path,
                 strerror(err));
    }
    return TES_OK;
}

void tes_outfile_abort(tes_outfile *o) {
    if (o->fp) {
        fclose(o->fp);
        o->fp = NULL;
    }
    if (o->temp[0])
        unlink(o->temp);
    o->temp[0] = '\0';
}
