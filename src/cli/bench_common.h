/* What the tessera bench subcommands share: the cases of --sizes
 * (N:V[,N:V...]), the --geometry list, the benchmark geometry and the
 * median of timings.
 *
 * bench projector, bench sirt and bench fbp time the same problems, so
 * that their figures compare: 1 mm voxels, a detector as wide as the
 * volume and, in cone beam, the source 2N mm before the axis and the
 * detector N mm behind it (N: the volume's width), so the magnification is
 * 1.5 and the volume fills the detector of 1.5 mm pixels. One definition
 * here keeps them the same problems, and their options read the same. */
#ifndef TES_CLI_BENCH_COMMON_H
#define TES_CLI_BENCH_COMMON_H

#include <jansson.h>
#include <mpi.h>
#include <stddef.h>

#include "core/array.h"
#include "core/backend.h"
#include "core/status.h"
#include "decomposition/grid.h"
#include "kernels/geometry.h"
#include "solvers/problem.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { TES_BENCH_MAX_CASES = 16 }; /* most items of --sizes and --geometry */

/* A case of --sizes: an N^3 volume (n voxels a side) from views views. */
typedef struct tes_bench_case {
    size_t n, views;
} tes_bench_case;

/* Parse --sizes "N:V[,N:V...]" (positive integers, at most
 * TES_BENCH_MAX_CASES cases) into cases[0 .. *ncases). */
tes_status tes_bench_parse_sizes(const char *text, tes_bench_case *cases, int *ncases);

/* Parse --geometry, a comma-separated list of parallel3d and cone3d (at
 * most TES_BENCH_MAX_CASES), into kinds[0 .. *nkinds). */
tes_status tes_bench_parse_geometries(const char *text, tes_geom_kind *kinds, int *nkinds);

/* The benchmark geometry: an nz x n x n volume (z, y, x) of 1 mm voxels and
 * views views of nz rows x n columns; cone3d with the distances above (from
 * n, whatever nz). The caller destroys *proj. */
tes_status tes_bench_geometry(tes_geom_kind kind, size_t n, size_t nz, size_t views,
                              tes_vol_geom *vol, tes_proj_geom **proj);

/* A benchmark problem on the rank grid: the benchmark geometry, its grid,
 * the distributed problem, and this rank's data y and volume x (contents
 * undefined). */
typedef struct tes_bench_problem {
    tes_vol_geom vol;
    tes_proj_geom *proj;
    tes_grid *grid;
    tes_problem *pb;
    tes_array *y, *x;
} tes_bench_problem;

/* Collective over comm: create b for tes_bench_geometry(kind, n, nz, views)
 * on the grid req asks for, with the projectors on backend. Every rank
 * returns the same status; on failure b holds nothing. */
tes_status tes_bench_problem_create(tes_bench_problem *b, MPI_Comm comm, tes_geom_kind kind,
                                    size_t n, size_t nz, size_t views, const tes_grid_request *req,
                                    tes_backend backend);

void tes_bench_problem_destroy(tes_bench_problem *b);

/* Print o (a benchmark's figures, whose reference this takes) as one JSON
 * line on stdout when print is non-zero; flags: json_dumps's, JSON_COMPACT
 * added. Every caller gets the same status. */
tes_status tes_bench_print_line(json_t *o, size_t flags, int print);

/* Sort values[0 .. n) in place (n >= 1) and return their median, the mean
 * of the middle two when n is even; values[0] is then the smallest. */
double tes_bench_median(double *values, size_t n);

#ifdef __cplusplus
}
#endif

#endif
