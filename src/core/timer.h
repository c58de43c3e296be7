/* Wall-clock timers (monotonic clock, seconds). */
#ifndef TES_CORE_TIMER_H
#define TES_CORE_TIMER_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tes_timer {
    double started; /* time of the last start, s; < 0 while stopped */
    double total;   /* accumulated seconds over start/stop pairs */
} tes_timer;

/* Seconds since an arbitrary fixed point. */
double tes_time_now(void);

void tes_timer_reset(tes_timer *t);
void tes_timer_start(tes_timer *t);
/* Stop and return the seconds of this interval (also added to total). */
double tes_timer_stop(tes_timer *t);

#ifdef __cplusplus
}
#endif

#endif
