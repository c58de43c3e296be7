#include "cli/bench_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/options.h"
#include "core/agree.h"
#include "solvers/operator.h"

#define TES_BENCH_VOXEL_MM 1.0
/* cone3d: the source-axis and axis-detector distances per voxel of the
 * volume's width (2N mm and N mm: a magnification of 1.5). */
#define TES_BENCH_SOD_PER_VOXEL 2.0
#define TES_BENCH_ODD_PER_VOXEL 1.0
enum { TES_BENCH_ITEM_BYTES = 64 }; /* longest item of a list, with its '\0' */
#define TES_BENCH_SIZES_FORM "N:V[,N:V...] of positive integers (e.g. 256:256,512:512)"

/* Split the value text of option at commas into items, at most
 * TES_BENCH_MAX_CASES of them, none empty or too long; form, what the
 * option accepts, goes into the message. */
static tes_status split_option(const char *option, const char *form, const char *text,
                               char items[][TES_BENCH_ITEM_BYTES], int *nitems) {
    int n = 0;
    for (const char *p = text;; ++n) {
        size_t len = strcspn(p, ",");
        TES_CHECK(n < TES_BENCH_MAX_CASES && len > 0 && len < TES_BENCH_ITEM_BYTES, TES_ERR_ARG,
                  "%s: expected %s, at most %d items, got '%s'", option, form, TES_BENCH_MAX_CASES,
                  text);
        memcpy(items[n], p, len);
        items[n][len] = '\0';
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    *nitems = n + 1;
    return TES_OK;
}

/* "N:V" into c; 1 if it is two positive integers. */
static int parse_case(const char *item, tes_bench_case *c) {
    char n[TES_BENCH_ITEM_BYTES];
    size_t len = strcspn(item, ":");
    if (item[len] != ':')
        return 0;
    memcpy(n, item, len);
    n[len] = '\0';
    /* The message of a failing count is replaced by the caller's. */
    return tes_cli_parse_count("--sizes", n, &c->n) == TES_OK &&
           tes_cli_parse_count("--sizes", item + len + 1, &c->views) == TES_OK;
}

tes_status tes_bench_parse_sizes(const char *text, tes_bench_case *cases, int *ncases) {
    char items[TES_BENCH_MAX_CASES][TES_BENCH_ITEM_BYTES];
    TES_CALL(split_option("--sizes", TES_BENCH_SIZES_FORM, text, items, ncases));
    for (int i = 0; i < *ncases; ++i) {
        int several = *ncases > 1; /* then name the bad case too */
        TES_CHECK(parse_case(items[i], &cases[i]), TES_ERR_ARG,
                  "--sizes: expected %s, got '%s'%s%s%s", TES_BENCH_SIZES_FORM, text,
                  several ? " (case '" : "", several ? items[i] : "", several ? "')" : "");
    }
    return TES_OK;
}

tes_status tes_bench_parse_geometries(const char *text, tes_geom_kind *kinds, int *nkinds) {
    char items[TES_BENCH_MAX_CASES][TES_BENCH_ITEM_BYTES];
    TES_CALL(split_option("--geometry", "a comma-separated list of parallel3d, cone3d", text, items,
                          nkinds));
    for (int i = 0; i < *nkinds; ++i)
        TES_CALL(tes_geom_kind_parse(items[i], "--geometry", &kinds[i]));
    return TES_OK;
}

tes_status tes_bench_geometry(tes_geom_kind kind, size_t n, size_t nz, size_t views,
                              tes_vol_geom *vol, tes_proj_geom **proj) {
    *vol = tes_vol_geom_cube(n, TES_BENCH_VOXEL_MM);
    vol->nz = nz;
    TES_CALL(tes_proj_geom_create(proj, kind, views, nz, n));
    if (kind == TES_GEOM_CONE3D) {
        tes_proj_geom *g = *proj;
        g->sod = TES_BENCH_SOD_PER_VOXEL * (double)n * TES_BENCH_VOXEL_MM;
        g->odd = TES_BENCH_ODD_PER_VOXEL * (double)n * TES_BENCH_VOXEL_MM;
        g->pixel_u = g->pixel_v = TES_BENCH_VOXEL_MM * (g->sod + g->odd) / g->sod;
    }
    return TES_OK;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double tes_bench_median(double *values, size_t n) {
    qsort(values, n, sizeof *values, compare_doubles);
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

tes_status tes_bench_problem_create(tes_bench_problem *b, MPI_Comm comm, tes_geom_kind kind,
                                    size_t n, size_t nz, size_t views, const tes_grid_request *req,
                                    tes_backend backend) {
    memset(b, 0, sizeof *b);
    tes_status st = TES_OK;
    TES_CALL_GOTO(st, tes_bench_geometry(kind, n, nz, views, &b->vol, &b->proj), fail);
    TES_CALL_GOTO(st, tes_grid_create(&b->grid, comm, &b->vol, b->proj, req), fail);
    tes_operator_options oo = {backend, 0, 0, 0};
    TES_CALL_GOTO(st, tes_problem_create(&b->pb, b->grid, &b->vol, b->proj, &oo), fail);
    /* The arrays may fail on some ranks only. */
    st = tes_operator_new_data(b->pb->op, &b->y);
    if (st == TES_OK)
        st = tes_operator_new_volume(b->pb->op, &b->x);
    TES_CALL_GOTO(st, tes_status_agree(comm, st), fail);
    return TES_OK;
fail:
    tes_bench_problem_destroy(b);
    return st;
}

void tes_bench_problem_destroy(tes_bench_problem *b) {
    tes_array_destroy(&b->x);
    tes_array_destroy(&b->y);
    tes_problem_destroy(&b->pb);
    tes_grid_destroy(&b->grid);
    tes_proj_geom_destroy(&b->proj);
}

tes_status tes_bench_print_line(json_t *o, size_t flags, int print) {
    char *line = o ? json_dumps(o, JSON_COMPACT | flags) : NULL;
    json_decref(o);
    TES_CHECK(line, TES_ERR_ALLOC, "cannot format the benchmark's JSON line");
    if (print) {
        printf("%s\n", line);
        fflush(stdout);
    }
    free(line);
    return TES_OK;
}
