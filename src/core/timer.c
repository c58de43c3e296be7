#include "core/timer.h"

#include <time.h>

double tes_time_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void tes_timer_reset(tes_timer *t) {
    t->started = -1.0;
    t->total = 0.0;
}

void tes_timer_start(tes_timer *t) {
    t->started = tes_time_now();
}

double tes_timer_stop(tes_timer *t) {
    if (t->started < 0.0)
        return 0.0;
    double dt = tes_time_now() - t->started;
    t->total += dt;
    t->started = -1.0;
    return dt;
}
