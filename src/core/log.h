/* Logging: rank 0 speaks for the job; any rank may report something of its
 * own with tes_log_rank. The level comes from TES_LOG_LEVEL (error, warn,
 * info, debug) or tes_log_set_level. */
#ifndef TES_CORE_LOG_H
#define TES_CORE_LOG_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tes_log_level {
    TES_LOG_ERROR = 0,
    TES_LOG_WARN = 1,
    TES_LOG_INFO = 2,
    TES_LOG_DEBUG = 3
} tes_log_level;

/* Set this process's MPI rank (call once after MPI_Init; default 0). */
void tes_log_set_rank(int rank);
int tes_log_rank(void);

void tes_log_set_level(tes_log_level level);
tes_log_level tes_log_get_level(void);

/* Print on rank 0 only, to stderr, prefixed by the level. */
void tes_log(tes_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print on this rank, prefixed by host and rank. */
void tes_log_rank_msg(tes_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "host:rank N", for error messages. */
const char *tes_where(void);

#ifdef __cplusplus
}
#endif

#endif
