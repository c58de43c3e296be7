/* tessera scaling-report DIR: per run the median seconds per iteration,
 * bytes reduced per iteration and reduction share from its metrics; speedup
 * and efficiency against the run with the fewest ranks; the CSV and the two
 * plots. Rank 0 does the work; the other ranks wait for its status. */
#include "cli/scaling_report.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/agree.h"
#include "core/log.h"
#include "io/outfile.h"
#include "io/scaling_plot.h"

enum {
    TES_SCALING_MAX_RUNS = 256,
    TES_SCALING_TEXT_BYTES = 64,
    TES_SCALING_LINE_BYTES = PATH_MAX + 256, /* a line of runs.csv */
    TES_SCALING_METRICS_LINE_BYTES = 65536,  /* a JSON line of the metrics */
};

#define TES_SCALING_RUNS           "runs.csv"
#define TES_SCALING_CSV            "scaling.csv"
#define TES_SCALING_SPEEDUP_PNG    "speedup.png"
#define TES_SCALING_EFFICIENCY_PNG "efficiency.png"
#define TES_SCALING_RUNS_HEADER    "ranks,nodes,size,job,metrics"

typedef enum { SCALING_STRONG, SCALING_WEAK } scaling_mode;

typedef struct scaling_run {
    int ranks, nodes;
    char size[TES_SCALING_TEXT_BYTES]; /* "NZxNYxNX", as the study states it */
    char job[TES_SCALING_TEXT_BYTES];  /* Slurm job id */
    char metrics[PATH_MAX];
    size_t iterations;      /* 0: no metrics (the run failed or has not finished) */
    double seconds;         /* median seconds per iteration */
    double bytes_reduced;   /* median bytes reduced per iteration, summed over the ranks */
    double reduction_share; /* median share of an iteration blocked in reductions */
    double speedup, efficiency;
} scaling_run;

typedef struct scaling_study {
    const char *dir;
    scaling_mode mode;
    int overwrite;
    size_t nruns;
    scaling_run runs[TES_SCALING_MAX_RUNS];
} scaling_study;

static const tes_cli_option report_options[] = {
    {"--mode", NULL, "strong|weak",
     "strong: the same problem on every rank count (speedup T1/TR, efficiency speedup x R1/R); "
     "weak: the problem grows with the ranks (efficiency T1/TR, scaled speedup efficiency x "
     "R/R1). Default strong"},
    {"--force", NULL, NULL, "replace the CSV and plots if they exist (default: refuse)"},
    {NULL, NULL, NULL, NULL},
};

static const tes_cli_section report_sections[] = {
    {"Report", report_options},
    {"Help", tes_cli_help_options},
    {NULL, NULL},
};

/* ---- the runs ----------------------------------------------------------------- */

static void join_path(char *out, const char *dir, const char *name) {
    if (name[0] == '/')
        snprintf(out, PATH_MAX, "%s", name);
    else
        snprintf(out, PATH_MAX, "%s/%s", dir, name);
}

/* One line of runs.csv: ranks,nodes,size,job,metrics. */
static tes_status parse_run(const char *path, int lineno, char *line, const char *dir,
                            scaling_run *run) {
    line[strcspn(line, "\r\n")] = '\0';
    char *fields[5];
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(line, ",", &save); tok && n < 5;
         tok = strtok_r(NULL, ",", &save))
        fields[n++] = tok;
    TES_CHECK(n == 5, TES_ERR_INPUT, "%s:%d: expected %s", path, lineno, TES_SCALING_RUNS_HEADER);
    char *end1 = NULL, *end2 = NULL;
    long ranks = strtol(fields[0], &end1, 10), nodes = strtol(fields[1], &end2, 10);
    TES_CHECK(*end1 == '\0' && *end2 == '\0' && ranks >= 1 && nodes >= 1 && ranks <= INT_MAX &&
                  nodes <= INT_MAX,
              TES_ERR_INPUT, "%s:%d: ranks and nodes must be positive integers, got '%s', '%s'",
              path, lineno, fields[0], fields[1]);
    memset(run, 0, sizeof *run);
    run->ranks = (int)ranks;
    run->nodes = (int)nodes;
    snprintf(run->size, sizeof run->size, "%s", fields[2]);
    snprintf(run->job, sizeof run->job, "%s", fields[3]);
    join_path(run->metrics, dir, fields[4]);
    run->seconds = run->bytes_reduced = run->reduction_share = NAN; /* until read */
    return TES_OK;
}

static tes_status check_new_ranks(const char *path, int lineno, const scaling_study *s, int ranks) {
    for (size_t i = 0; i < s->nruns; ++i)
        TES_CHECK(s->runs[i].ranks != ranks, TES_ERR_INPUT,
                  "%s:%d: a second run on %d ranks (one run per rank count)", path, lineno, ranks);
    return TES_OK;
}

static tes_status read_runs_file(FILE *fp, const char *path, scaling_study *s) {
    char line[TES_SCALING_LINE_BYTES];
    int lineno = 0;
    while (fgets(line, sizeof line, fp)) {
        ++lineno;
        if (lineno == 1 && !strncmp(line, TES_SCALING_RUNS_HEADER, strlen(TES_SCALING_RUNS_HEADER)))
            continue;
        if (line[strspn(line, " \t\r\n")] == '\0')
            continue;
        TES_CHECK(s->nruns < TES_SCALING_MAX_RUNS, TES_ERR_INPUT, "%s: more than %d runs", path,
                  TES_SCALING_MAX_RUNS);
        scaling_run *run = &s->runs[s->nruns];
        TES_CALL(parse_run(path, lineno, line, s->dir, run));
        TES_CALL(check_new_ranks(path, lineno, s, run->ranks));
        ++s->nruns;
    }
    TES_CHECK(!ferror(fp), TES_ERR_IO, "cannot read %s", path);
    TES_CHECK(s->nruns > 0, TES_ERR_INPUT, "%s lists no runs", path);
    return TES_OK;
}

static int by_ranks(const void *a, const void *b) {
    const scaling_run *x = a, *y = b;
    return (x->ranks > y->ranks) - (x->ranks < y->ranks);
}

static tes_status read_runs(scaling_study *s) {
    char path[PATH_MAX];
    join_path(path, s->dir, TES_SCALING_RUNS);
    FILE *fp = fopen(path, "r");
    TES_CHECK(fp, TES_ERR_INPUT,
              "'%s' does not exist: is '%s' a study directory of slurm/scaling submit?", path,
              s->dir);
    tes_status st = read_runs_file(fp, path, s);
    fclose(fp);
    TES_CALL(st);
    qsort(s->runs, s->nruns, sizeof s->runs[0], by_ranks);
    return TES_OK;
}

/* ---- the metrics -------------------------------------------------------------- */

typedef struct samples {
    double *v;
    size_t n, cap;
} samples;

static tes_status samples_push(samples *s, double v) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        double *grown = realloc(s->v, cap * sizeof *grown);
        TES_CHECK(grown, TES_ERR_ALLOC, "cannot hold %zu metrics values", cap);
        s->v = grown;
        s->cap = cap;
    }
    s->v[s->n++] = v;
    return TES_OK;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of the samples (sorted in place); NaN when there are none. */
static double median(samples *s) {
    if (s->n == 0)
        return NAN;
    qsort(s->v, s->n, sizeof *s->v, by_value);
    return s->n % 2 ? s->v[s->n / 2] : 0.5 * (s->v[s->n / 2 - 1] + s->v[s->n / 2]);
}

/* The number under key, or NaN where it is absent or null. */
static double json_get(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

typedef struct run_samples {
    samples seconds, bytes, share;
} run_samples;

static tes_status add_metrics_line(const scaling_run *run, int lineno, const char *line,
                                   run_samples *rs) {
    json_error_t err;
    json_t *o = json_loads(line, 0, &err);
    TES_CHECK(json_is_object(o), TES_ERR_INPUT, "%s:%d: not a JSON object (%s)", run->metrics,
              lineno, err.text);
    double seconds = json_get(o, "seconds");
    double reduce = json_get(o, "reduce_seconds");
    double bytes = json_get(o, "bytes_reduced_total");
    json_decref(o);
    tes_status st = TES_OK;
    if (isfinite(seconds) && seconds > 0.0) {
        st = samples_push(&rs->seconds, seconds);
        if (st == TES_OK && isfinite(reduce))
            st = samples_push(&rs->share, reduce / seconds);
    }
    if (st == TES_OK && isfinite(bytes))
        st = samples_push(&rs->bytes, bytes);
    return st;
}

static tes_status read_metrics_file(FILE *fp, const scaling_run *run, run_samples *rs) {
    char line[TES_SCALING_METRICS_LINE_BYTES];
    int lineno = 0;
    while (fgets(line, sizeof line, fp)) {
        ++lineno;
        if (line[strspn(line, " \t\r\n")] == '\0')
            continue;
        TES_CALL(add_metrics_line(run, lineno, line, rs));
    }
    TES_CHECK(!ferror(fp), TES_ERR_IO, "cannot read %s", run->metrics);
    return TES_OK;
}

/* The medians of one run; a run without a metrics file is left with no
 * iterations and a warning (its job failed or is still running). */
static tes_status read_metrics(scaling_run *run) {
    FILE *fp = fopen(run->metrics, "r");
    if (!fp) {
        tes_log(TES_LOG_WARN, "run on %d ranks (job %s): no metrics in %s: left out", run->ranks,
                run->job, run->metrics);
        return TES_OK;
    }
    run_samples rs = {0};
    tes_status st = read_metrics_file(fp, run, &rs);
    fclose(fp);
    if (st == TES_OK) {
        run->iterations = rs.seconds.n;
        run->seconds = median(&rs.seconds);
        run->bytes_reduced = median(&rs.bytes);
        run->reduction_share = median(&rs.share);
    }
    free(rs.seconds.v);
    free(rs.bytes.v);
    free(rs.share.v);
    TES_CALL(st);
    return TES_OK;
}

/* Speedup and efficiency of every run against the first run with metrics. */
static tes_status compare_runs(scaling_study *s) {
    const scaling_run *base = NULL;
    for (size_t i = 0; i < s->nruns && !base; ++i)
        if (s->runs[i].iterations > 0)
            base = &s->runs[i];
    TES_CHECK(base, TES_ERR_INPUT, "no run of the study in '%s' has metrics yet", s->dir);
    for (size_t i = 0; i < s->nruns; ++i) {
        scaling_run *r = &s->runs[i];
        double growth = (double)r->ranks / base->ranks, ratio = base->seconds / r->seconds;
        if (r->iterations == 0) {
            r->speedup = r->efficiency = NAN;
        } else if (s->mode == SCALING_STRONG) {
            r->speedup = ratio;
            r->efficiency = ratio / growth;
        } else {
            r->efficiency = ratio;
            r->speedup = ratio * growth;
        }
    }
    return TES_OK;
}

/* ---- the outputs ------------------------------------------------------------- */

static void csv_number(FILE *fp, double v, const char *sep) {
    if (isfinite(v))
        fprintf(fp, "%.6g%s", v, sep);
    else
        fprintf(fp, "%s", sep);
}

static tes_status write_csv(const scaling_study *s, const char *path) {
    tes_outfile o;
    TES_CALL(tes_outfile_begin(&o, path, s->overwrite, "--force"));
    fprintf(o.fp, "ranks,nodes,size,seconds_per_iteration,speedup,efficiency,bytes_reduced,"
                  "reduction_share\n");
    for (size_t i = 0; i < s->nruns; ++i) {
        const scaling_run *r = &s->runs[i];
        fprintf(o.fp, "%d,%d,%s,", r->ranks, r->nodes, r->size);
        csv_number(o.fp, r->seconds, ",");
        csv_number(o.fp, r->speedup, ",");
        csv_number(o.fp, r->efficiency, ",");
        csv_number(o.fp, r->bytes_reduced, ",");
        csv_number(o.fp, r->reduction_share, "\n");
    }
    if (ferror(o.fp)) {
        tes_outfile_abort(&o);
        TES_FAIL(TES_ERR_IO, "cannot write %s", path);
    }
    TES_CALL(tes_outfile_commit(&o));
    return TES_OK;
}

static tes_status write_plots(const scaling_study *s, const char *speedup_path,
                              const char *efficiency_path) {
    double ranks[TES_SCALING_MAX_RUNS], speedup[TES_SCALING_MAX_RUNS],
        efficiency[TES_SCALING_MAX_RUNS], ideal_speedup[TES_SCALING_MAX_RUNS],
        ideal_efficiency[TES_SCALING_MAX_RUNS];
    for (size_t i = 0; i < s->nruns; ++i) {
        ranks[i] = s->runs[i].ranks;
        speedup[i] = s->runs[i].speedup;
        efficiency[i] = s->runs[i].efficiency;
        ideal_speedup[i] = ranks[i] / ranks[0];
        ideal_efficiency[i] = 1.0;
    }
    const char *mode = s->mode == SCALING_STRONG ? "strong" : "weak";
    char title[TES_SCALING_TEXT_BYTES];
    snprintf(title, sizeof title, "%s scaling: %s", mode,
             s->mode == SCALING_STRONG ? "speedup" : "scaled speedup");
    tes_scaling_plot p = {.title = title,
                          .ylabel = "speedup",
                          .ranks = ranks,
                          .measured = speedup,
                          .ideal = ideal_speedup,
                          .n = s->nruns,
                          .overwrite = s->overwrite,
                          .force_hint = "--force"};
    TES_CALL(tes_scaling_plot_write(speedup_path, &p));
    snprintf(title, sizeof title, "%s scaling: parallel efficiency", mode);
    p.ylabel = "efficiency";
    p.measured = efficiency;
    p.ideal = ideal_efficiency;
    TES_CALL(tes_scaling_plot_write(efficiency_path, &p));
    return TES_OK;
}

static void print_table(const scaling_study *s) {
    printf("%6s %6s %16s %12s %9s %11s %14s %10s\n", "ranks", "nodes", "size", "s/iteration",
           "speedup", "efficiency", "bytes reduced", "reduction");
    for (size_t i = 0; i < s->nruns; ++i) {
        const scaling_run *r = &s->runs[i];
        if (r->iterations == 0) {
            printf("%6d %6d %16s %12s\n", r->ranks, r->nodes, r->size, "(no metrics)");
            continue;
        }
        printf("%6d %6d %16s %12.4g %9.3f %11.3f %14.4g %9.0f%%\n", r->ranks, r->nodes, r->size,
               r->seconds, r->speedup, r->efficiency, r->bytes_reduced, 100.0 * r->reduction_share);
    }
}

/* ---- the command ------------------------------------------------------------- */

static tes_status report(scaling_study *s) {
    char csv[PATH_MAX], speedup[PATH_MAX], efficiency[PATH_MAX];
    join_path(csv, s->dir, TES_SCALING_CSV);
    join_path(speedup, s->dir, TES_SCALING_SPEEDUP_PNG);
    join_path(efficiency, s->dir, TES_SCALING_EFFICIENCY_PNG);
    /* Refuse outputs that exist before reading anything. */
    TES_CALL(tes_outfile_check(csv, s->overwrite, "--force"));
    TES_CALL(tes_outfile_check(speedup, s->overwrite, "--force"));
    TES_CALL(tes_outfile_check(efficiency, s->overwrite, "--force"));
    TES_CALL(read_runs(s));
    for (size_t i = 0; i < s->nruns; ++i)
        TES_CALL(read_metrics(&s->runs[i]));
    TES_CALL(compare_runs(s));
    TES_CALL(write_csv(s, csv));
    TES_CALL(write_plots(s, speedup, efficiency));
    print_table(s);
    printf("wrote %s, %s, %s\n", csv, speedup, efficiency);
    return TES_OK;
}

static tes_status read_mode(const tes_cli_args *args, scaling_mode *mode) {
    const char *text = tes_cli_get(args, "--mode");
    *mode = SCALING_STRONG;
    if (!text || !strcmp(text, "strong"))
        return TES_OK;
    TES_CHECK(!strcmp(text, "weak"), TES_ERR_ARG, "--mode: expected strong or weak, got '%s'",
              text);
    *mode = SCALING_WEAK;
    return TES_OK;
}

static tes_status run_report(const tes_cli_args *args, MPI_Comm comm) {
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    tes_status st = TES_OK;
    if (rank == 0) {
        scaling_study *s = calloc(1, sizeof *s);
        st = s ? TES_OK
               : tes_error_set(TES_ERR_ALLOC, __FILE__, __LINE__, __func__,
                               "cannot hold a scaling study");
        if (st == TES_OK && args->npositional != 1)
            st = tes_error_set(TES_ERR_ARG, __FILE__, __LINE__, __func__,
                               "expected the study directory (slurm/scaling submit --dir DIR)");
        if (st == TES_OK) {
            s->dir = args->positional[0];
            s->overwrite = tes_cli_has(args, "--force");
            st = read_mode(args, &s->mode);
        }
        if (st == TES_OK)
            st = report(s);
        free(s);
    }
    TES_CALL(tes_status_agree(comm, st));
    return TES_OK;
}

const tes_cli_command tes_cli_scaling_report_command = {
    "scaling-report",
    "summarise a scaling study (slurm/scaling): CSV, speedup and efficiency plots",
    "tessera scaling-report DIR [--mode strong|weak] [--force]",
    "Reads DIR/runs.csv (ranks,nodes,size,job,metrics: one line per run, written by "
    "slurm/scaling submit) and each run's metrics (the JSON lines of tessera recon --metrics). "
    "Per run: the median seconds per iteration, the median bytes reduced per iteration (summed "
    "over the ranks) and the median share of an iteration spent blocked in reductions; speedup "
    "and efficiency against the run with the fewest ranks. Writes DIR/scaling.csv (ranks, "
    "nodes, size, seconds_per_iteration, speedup, efficiency, bytes_reduced, reduction_share), "
    "DIR/speedup.png and DIR/efficiency.png (ranks on a log2 axis, the ideal dashed), and "
    "prints the table. Runs without metrics yet (failed, or still running) are left out with a "
    "warning.",
    report_sections,
    1,
    run_report,
};
