#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum { TES_HOSTNAME_BYTES = 256 };

static int log_rank;
static int log_level = -1; /* -1: not read from the environment yet */
static char where_text[TES_HOSTNAME_BYTES + 32];

void tes_log_set_rank(int rank) {
    log_rank = rank;
    where_text[0] = '\0';
}

int tes_log_rank(void) {
    return log_rank;
}

void tes_log_set_level(tes_log_level level) {
    log_level = (int)level;
}

tes_log_level tes_log_get_level(void) {
    if (log_level < 0) {
        const char *env = getenv("TES_LOG_LEVEL");
        log_level = TES_LOG_INFO;
        if (env && !strcasecmp(env, "error"))
            log_level = TES_LOG_ERROR;
        else if (env && !strcasecmp(env, "warn"))
            log_level = TES_LOG_WARN;
        else if (env && !strcasecmp(env, "debug"))
            log_level = TES_LOG_DEBUG;
    }
    return (tes_log_level)log_level;
}

static const char *level_prefix(tes_log_level level) {
    switch (level) {
    case TES_LOG_ERROR:
        return "error: ";
    case TES_LOG_WARN:
        return "warning: ";
    case TES_LOG_DEBUG:
        return "debug: ";
    default:
        return "";
    }
}

static void vlog(tes_log_level level, int with_rank, const char *fmt, va_list ap) {
    if ((int)level > (int)tes_log_get_level())
        return;
    char line[4096];
    vsnprintf(line, sizeof line, fmt, ap);
    if (with_rank)
        fprintf(stderr, "[%s] %s%s\n", tes_where(), level_prefix(level), line);
    else
        fprintf(stderr, "%s%s\n", level_prefix(level), line);
    fflush(stderr);
}

void tes_log(tes_log_level level, const char *fmt, ...) {
    if (log_rank != 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(level, 0, fmt, ap);
    va_end(ap);
}

void tes_log_rank_msg(tes_log_level level, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vlog(level, 1, fmt, ap);
    va_end(ap);
}

const char *tes_where(void) {
    if (!where_text[0]) {
        char host[TES_HOSTNAME_BYTES];
        if (gethostname(host, sizeof host) != 0)
            strcpy(host, "unknown-host");
        host[sizeof host - 1] = '\0';
        snprintf(where_text, sizeof where_text, "%s:rank %d", host, log_rank);
    }
    return where_text;
}
