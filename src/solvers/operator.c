/* The distributed operator: the slab projectors of this rank and the two
 * stitches.
 *
 * Adjoint. The slab is cut into z-chunks with one projector each; after
 * chunk k is backprojected its reduction over slab_comm starts, and chunk
 * k + 1 is computed while it runs, so all but the last chunk's reduction can
 * hide behind compute.
 *
 * Forward. One projector over the whole slab (a single kernel call, no
 * accumulation buffer). Where slabs share detector rows, the partial
 * projections are summed over view_comm through a buffer covering the rows
 * of every slab of the view group, a batch of views at a time so that the
 * buffer stays bounded. */
#include "solvers/operator.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/timer.h"
#include "core/vec.h"
#include "decomposition/memory.h"
#include "decomposition/partition.h"
#include "kernels/projector.h"

/* Chunks of the adjoint stitch of a large slab. */
enum { TES_OPERATOR_CHUNKS = 4 };

/* A slab is cut into chunks no smaller than this: smaller reductions are
 * latency-bound and gain nothing from overlap (bytes). */
#define TES_OPERATOR_MIN_CHUNK_BYTES ((size_t)8 << 20)

/* Upper bound of the forward stitch buffer (bytes; at least one view), kept
 * by each operator with a forward stitch. Reductions this large already run
 * at full bandwidth. The environment variable TES_STITCH_BUFFER_BYTES,
 * read by tes_operator_create, overrides it (tests use it to force
 * batches). */
#define TES_OPERATOR_STITCH_BUFFER_BYTES ((size_t)32 << 20)
_Static_assert(TES_OPERATOR_STITCH_BUFFER_BYTES <= TES_PLAN_STITCH_RESERVE_BYTES,
               "the memory plan reserves room for the forward stitch buffer");
#define TES_OPERATOR_STITCH_BUFFER_ENV   "TES_STITCH_BUFFER_BYTES"

struct tes_operator {
    const tes_grid *grid;
    tes_backend backend;
    tes_location loc;
    size_t nviews, *views;          /* local views, global indices, increasing */
    size_t vol_shape[3];            /* slab: slices, ny, nx */
    size_t data_shape[3];           /* local views, rows held, columns */
    size_t own_begin, own_end;      /* rows counted in data sums, relative to the rows held */
    tes_projector *whole;           /* the slab; NULL without views or rows */
    size_t nchunks;                 /* adjoint chunks */
    size_t *chunk_begin;            /* nchunks + 1 slice boundaries, relative to the slab */
    tes_projector **chunk;          /* per chunk; chunk[0] is whole when nchunks == 1 */
    tes_array **chunk_alias;        /* per chunk: the part of x being reduced */
    int forward_stitch;             /* sum the projections over view_comm */
    size_t union_begin, union_rows; /* rows of all slabs of the view group */
    size_t stitch_views;            /* views per batch of the forward stitch */
    tes_array *stitch_buffer;       /* stitch_views x union_rows x columns */
    tes_comm *slab_comm, *view_comm, *world_comm;
    tes_operator_stats stats;
};

static size_t min_size(size_t a, size_t b) {
    return a < b ? a : b;
}

static size_t max_size(size_t a, size_t b) {
    return a > b ? a : b;
}

static size_t ceil_div(size_t a, size_t b) {
    return (a + b - 1) / b;
}

static size_t volume_count(const tes_operator *op) {
    return op->vol_shape[0] * op->vol_shape[1] * op->vol_shape[2];
}

/* The grid and the communicators must describe the same ranks. */
static tes_status check_comms(const tes_grid *grid, tes_comm *slab_comm, tes_comm *view_comm,
                              tes_comm *world_comm) {
    TES_CHECK(slab_comm && view_comm && world_comm, TES_ERR_ARG,
              "the operator needs the slab, view and world communicators");
    TES_CHECK(tes_comm_size(slab_comm) == grid->p_view, TES_ERR_ARG,
              "slab_comm has %d ranks, the grid has %d view groups sharing a slab",
              tes_comm_size(slab_comm), grid->p_view);
    TES_CHECK(tes_comm_size(view_comm) == grid->p_slab, TES_ERR_ARG,
              "view_comm has %d ranks, the grid has %d slabs sharing a view group",
              tes_comm_size(view_comm), grid->p_slab);
    TES_CHECK(tes_comm_size(world_comm) == grid->nranks, TES_ERR_ARG,
              "world_comm has %d ranks, the grid has %d", tes_comm_size(world_comm), grid->nranks);
    return TES_OK;
}

static tes_status check_options(const tes_grid *grid, const tes_vol_geom *vol,
                                const tes_proj_geom *proj, const tes_operator_options *opt) {
    TES_CHECK(grid && vol && proj && opt, TES_ERR_ARG,
              "the operator needs a grid, geometries and options");
    size_t nsubsets = opt->nsubsets ? opt->nsubsets : 1;
    TES_CHECK(opt->subset < nsubsets, TES_ERR_ARG, "subset %zu of %zu does not exist", opt->subset,
              nsubsets);
    TES_CHECK(tes_backend_usable(opt->backend), TES_ERR_BACKEND,
              "backend %s is not usable here (built without it, or no device)",
              tes_backend_name(opt->backend));
    TES_CHECK(grid->z_begin < grid->z_end && grid->z_end <= vol->nz, TES_ERR_ARG,
              "the grid's slab [%zu, %zu) is not within the volume's %zu slices", grid->z_begin,
              grid->z_end, vol->nz);
    TES_CHECK(grid->row_begin <= grid->row_end && grid->row_end <= proj->nrows, TES_ERR_ARG,
              "the grid's rows [%zu, %zu) are not within the detector's %zu rows", grid->row_begin,
              grid->row_end, proj->nrows);
    TES_CHECK(grid->view_begin <= grid->view_end && grid->view_end <= proj->nviews, TES_ERR_ARG,
              "the grid's views [%zu, %zu) are not within the geometry's %zu views",
              grid->view_begin, grid->view_end, proj->nviews);
    return TES_OK;
}

/* The views of the grid's group in the subset, and the local shapes. */
static tes_status setup_views(tes_operator *op, const tes_vol_geom *vol, const tes_proj_geom *proj,
                              const tes_operator_options *opt) {
    const tes_grid *g = op->grid;
    size_t nsubsets = opt->nsubsets ? opt->nsubsets : 1;
    size_t group = g->view_end - g->view_begin;
    op->views = malloc(max_size(group, 1) * sizeof *op->views);
    TES_CHECK(op->views, TES_ERR_ALLOC, "cannot allocate a list of %zu views", group);
    for (size_t v = g->view_begin; v < g->view_end; ++v)
        if (v % nsubsets == opt->subset)
            op->views[op->nviews++] = v;
    op->vol_shape[0] = g->z_end - g->z_begin;
    op->vol_shape[1] = vol->ny;
    op->vol_shape[2] = vol->nx;
    op->data_shape[0] = op->nviews;
    op->data_shape[1] = g->row_end - g->row_begin;
    op->data_shape[2] = proj->ncols;
    if (g->own_row_begin < g->own_row_end) {
        TES_CHECK(g->own_row_begin >= g->row_begin && g->own_row_end <= g->row_end,
                  TES_ERR_INTERNAL, "the grid's own rows [%zu, %zu) exceed its rows [%zu, %zu)",
                  g->own_row_begin, g->own_row_end, g->row_begin, g->row_end);
        op->own_begin = g->own_row_begin - g->row_begin;
        op->own_end = g->own_row_end - g->row_begin;
    }
    return TES_OK;
}

/* Slices per adjoint chunk: as asked, else TES_OPERATOR_CHUNKS chunks of at
 * least TES_OPERATOR_MIN_CHUNK_BYTES where there is a stitch to hide. */
static size_t chunk_slices(const tes_operator *op, const tes_operator_options *opt) {
    size_t nz = op->vol_shape[0];
    if (opt->chunk_slices)
        return min_size(opt->chunk_slices, nz);
    if (tes_comm_size(op->slab_comm) == 1)
        return nz;
    size_t slice_bytes = op->vol_shape[1] * op->vol_shape[2] * sizeof(float);
    size_t min_slices = ceil_div(TES_OPERATOR_MIN_CHUNK_BYTES, max_size(slice_bytes, 1));
    return min_size(max_size(ceil_div(nz, TES_OPERATOR_CHUNKS), min_slices), nz);
}

static tes_status create_projector(tes_projector **out, const tes_operator *op,
                                   const tes_vol_geom *vol, const tes_proj_geom *proj,
                                   size_t z_begin, size_t z_end) {
    const tes_grid *g = op->grid;
    tes_proj_part part = {z_begin, z_end, g->row_begin, g->row_end, op->nviews, op->views};
    TES_CALL(tes_projector_create(out, vol, proj, &part, op->backend));
    return TES_OK;
}

/* The whole-slab projector and the adjoint chunks (projectors only where
 * the rank has views and rows; the chunks exist anyway, for the stitch). */
static tes_status setup_projectors(tes_operator *op, const tes_vol_geom *vol,
                                   const tes_proj_geom *proj, const tes_operator_options *opt) {
    size_t nz = op->vol_shape[0], slices = chunk_slices(op, opt);
    op->nchunks = ceil_div(nz, slices);
    op->chunk_begin = malloc((op->nchunks + 1) * sizeof *op->chunk_begin);
    op->chunk = calloc(op->nchunks, sizeof *op->chunk);
    op->chunk_alias = calloc(op->nchunks, sizeof *op->chunk_alias);
    TES_CHECK(op->chunk_begin && op->chunk && op->chunk_alias, TES_ERR_ALLOC,
              "cannot allocate %zu adjoint chunks", op->nchunks);
    for (size_t k = 0; k <= op->nchunks; ++k)
        op->chunk_begin[k] = min_size(k * slices, nz);
    if (op->nviews == 0 || op->data_shape[1] == 0)
        return TES_OK;
    size_t z0 = op->grid->z_begin;
    TES_CALL(create_projector(&op->whole, op, vol, proj, z0, z0 + nz));
    if (op->nchunks == 1) {
        op->chunk[0] = op->whole;
        return TES_OK;
    }
    for (size_t k = 0; k < op->nchunks; ++k)
        TES_CALL(create_projector(&op->chunk[k], op, vol, proj, z0 + op->chunk_begin[k],
                                  z0 + op->chunk_begin[k + 1]));
    return TES_OK;
}

static tes_status stitch_buffer_bytes(size_t *bytes) {
    const char *text = getenv(TES_OPERATOR_STITCH_BUFFER_ENV);
    *bytes = TES_OPERATOR_STITCH_BUFFER_BYTES;
    if (!text)
        return TES_OK;
    char *end = NULL;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    TES_CHECK(errno == 0 && end != text && *end == '\0' && value > 0, TES_ERR_ARG,
              "%s = '%s': expected a positive number of bytes", TES_OPERATOR_STITCH_BUFFER_ENV,
              text);
    *bytes = (size_t)value;
    return TES_OK;
}

/* The forward stitch: the union of the rows of the view group's slabs (the
 * grid cuts slabs with tes_slab_rows, so every rank computes the same
 * union) and the bounded buffer. */
static tes_status setup_forward_stitch(tes_operator *op, const tes_vol_geom *vol,
                                       const tes_proj_geom *proj) {
    const tes_grid *g = op->grid;
    if (!g->forward_stitch || g->p_slab == 1 || op->nviews == 0)
        return TES_OK;
    size_t begin = proj->nrows, end = 0;
    for (int s = 0; s < g->p_slab; ++s) {
        size_t rb, re;
        tes_slab_rows(proj, vol, g->p_slab, s, &rb, &re);
        if (rb < re) {
            begin = min_size(begin, rb);
            end = max_size(end, re);
        }
    }
    if (begin >= end)
        return TES_OK;
    TES_CHECK(g->row_begin == g->row_end || (g->row_begin >= begin && g->row_end <= end),
              TES_ERR_INTERNAL, "rows [%zu, %zu) of slab %d lie outside the slabs' rows [%zu, %zu)",
              g->row_begin, g->row_end, g->slab, begin, end);
    op->forward_stitch = 1;
    op->union_begin = begin;
    op->union_rows = end - begin;
    size_t view_bytes = op->union_rows * proj->ncols * sizeof(float), limit = 0;
    TES_CALL(stitch_buffer_bytes(&limit));
    op->stitch_views = min_size(op->nviews, max_size(limit / view_bytes, 1));
    size_t shape[3] = {op->stitch_views, op->union_rows, proj->ncols};
    TES_CALL(tes_array_create(&op->stitch_buffer, TES_FLOAT32, op->loc, 3, shape));
    return TES_OK;
}

tes_status tes_operator_create(tes_operator **out, const tes_grid *grid, const tes_vol_geom *vol,
                               const tes_proj_geom *proj, const tes_operator_options *opt,
                               tes_comm *slab_comm, tes_comm *view_comm, tes_comm *world_comm) {
    TES_CHECK(out, TES_ERR_ARG, "output pointer is NULL");
    TES_CALL(check_options(grid, vol, proj, opt));
    TES_CALL(check_comms(grid, slab_comm, view_comm, world_comm));
    tes_operator *op = calloc(1, sizeof *op);
    TES_CHECK(op, TES_ERR_ALLOC, "cannot allocate an operator");
    op->grid = grid;
    op->backend = opt->backend;
    op->loc = tes_backend_location(opt->backend);
    op->slab_comm = slab_comm;
    op->view_comm = view_comm;
    op->world_comm = world_comm;
    tes_status st = TES_OK;
    TES_CALL_GOTO(st, setup_views(op, vol, proj, opt), fail);
    TES_CALL_GOTO(st, setup_projectors(op, vol, proj, opt), fail);
    TES_CALL_GOTO(st, setup_forward_stitch(op, vol, proj), fail);
    *out = op;
    return TES_OK;
fail:
    tes_operator_destroy(&op);
    return st;
}

void tes_operator_destroy(tes_operator **op) {
    if (!op || !*op)
        return;
    tes_operator *o = *op;
    for (size_t k = 0; o->chunk && k < o->nchunks; ++k)
        if (o->chunk[k] != o->whole)
            tes_projector_destroy(&o->chunk[k]);
    tes_projector_destroy(&o->whole);
    for (size_t k = 0; o->chunk_alias && k < o->nchunks; ++k)
        tes_array_destroy(&o->chunk_alias[k]);
    tes_array_destroy(&o->stitch_buffer);
    free(o->chunk_alias);
    free(o->chunk);
    free(o->chunk_begin);
    free(o->views);
    free(o);
    *op = NULL;
}

tes_status tes_operator_new_volume(const tes_operator *op, tes_array **out) {
    TES_CHECK(op, TES_ERR_ARG, "no operator given");
    TES_CALL(tes_array_create(out, TES_FLOAT32, op->loc, 3, op->vol_shape));
    return TES_OK;
}

tes_status tes_operator_new_data(const tes_operator *op, tes_array **out) {
    TES_CHECK(op, TES_ERR_ARG, "no operator given");
    TES_CALL(tes_array_create(out, TES_FLOAT32, op->loc, 3, op->data_shape));
    return TES_OK;
}

void tes_operator_views(const tes_operator *op, size_t *n, const size_t **views) {
    *n = op->nviews;
    *views = op->views;
}

static tes_status check_volume(const tes_operator *op, const tes_array *x, const char *what) {
    TES_CALL(tes_array_expect(x, what, TES_FLOAT32, op->loc, 3, op->vol_shape));
    return TES_OK;
}

static tes_status check_data(const tes_operator *op, const tes_array *y, const char *what) {
    TES_CALL(tes_array_expect(y, what, TES_FLOAT32, op->loc, 3, op->data_shape));
    return TES_OK;
}

/* Kernel timings must cover the kernels, not their launches; a reduction
 * in flight on the communicator's stream is not waited for. */
static tes_status sync_backend(const tes_operator *op) {
    TES_CALL(tes_vec_synchronize(op->loc));
    return TES_OK;
}

/* Index of global view v in the increasing list views[0, n); n if absent. */
static size_t find_view(const size_t *views, size_t n, size_t v) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (views[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && views[lo] == v ? lo : n;
}

/* Position in full's list of each of sub's views; 1 if they are equally
 * spaced (then one strided copy moves them all). */
static tes_status map_views(const tes_operator *sub, const tes_operator *full, size_t *index,
                            int *uniform) {
    *uniform = 1;
    for (size_t i = 0; i < sub->nviews; ++i) {
        index[i] = find_view(full->views, full->nviews, sub->views[i]);
        TES_CHECK(index[i] < full->nviews, TES_ERR_ARG,
                  "view %zu of the subset operator is not a view of the full operator",
                  sub->views[i]);
        if (i >= 2 && index[i] - index[i - 1] != index[1] - index[0])
            *uniform = 0;
    }
    return TES_OK;
}

static tes_status copy_views(const tes_operator *sub, const size_t *index, int uniform,
                             const tes_array *y_full, tes_array *y_sub) {
    size_t per_view = sub->data_shape[1] * sub->data_shape[2];
    if (uniform) {
        size_t stride = sub->nviews > 1 ? index[1] - index[0] : 1;
        TES_CALL(tes_vec_copy_blocks(y_sub, 0, per_view, y_full, index[0] * per_view,
                                     stride * per_view, per_view, sub->nviews));
        return TES_OK;
    }
    for (size_t i = 0; i < sub->nviews; ++i)
        TES_CALL(tes_vec_copy_blocks(y_sub, i * per_view, per_view, y_full, index[i] * per_view,
                                     per_view, per_view, 1));
    return TES_OK;
}

tes_status tes_operator_extract_views(const tes_operator *sub, const tes_operator *full,
                                      const tes_array *y_full, tes_array *y_sub) {
    TES_CHECK(sub && full, TES_ERR_ARG, "extracting views needs both operators");
    TES_CHECK(sub->grid == full->grid && sub->loc == full->loc, TES_ERR_ARG,
              "the subset and the full operator must share the grid and the backend");
    TES_CALL(check_data(full, y_full, "data of the full operator"));
    TES_CALL(check_data(sub, y_sub, "data of the subset operator"));
    if (sub->nviews == 0)
        return TES_OK;
    size_t *index = malloc(sub->nviews * sizeof *index);
    TES_CHECK(index, TES_ERR_ALLOC, "cannot allocate %zu view indices", sub->nviews);
    int uniform = 0;
    tes_status st = map_views(sub, full, index, &uniform);
    if (st == TES_OK)
        st = copy_views(sub, index, uniform, y_full, y_sub);
    free(index);
    TES_CALL(st);
    return TES_OK;
}

/* Sum views [v0, v0 + nv) of y over view_comm through the union buffer. */
static tes_status stitch_batch(tes_operator *op, tes_array *y, size_t v0, size_t nv) {
    size_t ncols = op->data_shape[2], rows = op->data_shape[1];
    size_t held = rows * ncols, union_view = op->union_rows * ncols;
    size_t offset = rows ? (op->grid->row_begin - op->union_begin) * ncols : 0;
    size_t shape[3] = {nv, op->union_rows, ncols};
    tes_array *buf = NULL;
    TES_CALL(tes_array_alias(&buf, op->stitch_buffer->data, TES_FLOAT32, op->loc, 3, shape));
    tes_status st = TES_OK;
    TES_CALL_GOTO(st, tes_array_zero(buf), done);
    TES_CALL_GOTO(st, tes_vec_copy_blocks(buf, offset, union_view, y, v0 * held, held, held, nv),
                  done);
    TES_CALL_GOTO(st, tes_comm_allreduce(op->view_comm, buf), done);
    TES_CALL_GOTO(st, tes_vec_copy_blocks(y, v0 * held, held, buf, offset, union_view, held, nv),
                  done);
    op->stats.bytes_reduced += (double)tes_array_bytes(buf);
done:
    tes_array_destroy(&buf);
    return st;
}

static tes_status forward_stitch(tes_operator *op, tes_array *y) {
    tes_timer t;
    tes_timer_reset(&t);
    tes_timer_start(&t);
    for (size_t v0 = 0; v0 < op->nviews; v0 += op->stitch_views)
        TES_CALL(stitch_batch(op, y, v0, min_size(op->stitch_views, op->nviews - v0)));
    double seconds = tes_timer_stop(&t);
    op->stats.reduce_seconds += seconds;
    op->stats.reduce_total_seconds += seconds;
    return TES_OK;
}

tes_status tes_operator_forward(tes_operator *op, const tes_array *x, tes_array *y) {
    TES_CHECK(op, TES_ERR_ARG, "no operator given");
    TES_CALL(check_volume(op, x, "volume x of the forward projection"));
    TES_CALL(check_data(op, y, "data y of the forward projection"));
    if (op->whole) {
        tes_timer t;
        tes_timer_reset(&t);
        tes_timer_start(&t);
        TES_CALL(tes_projector_forward(op->whole, x, y));
        TES_CALL(sync_backend(op));
        op->stats.forward_seconds += tes_timer_stop(&t);
        op->stats.updates += (double)volume_count(op) * (double)op->nviews;
    }
    if (op->forward_stitch)
        TES_CALL(forward_stitch(op, y));
    return TES_OK;
}

/* Backproject chunk k into its part of x (zeros where the rank has no
 * projector) and start its reduction over slab_comm. */
static tes_status adjoint_chunk(tes_operator *op, const tes_array *y, tes_array *x, size_t k,
                                int reduce) {
    size_t plane = op->vol_shape[1] * op->vol_shape[2];
    size_t shape[3] = {op->chunk_begin[k + 1] - op->chunk_begin[k], op->vol_shape[1],
                       op->vol_shape[2]};
    float *data = (float *)x->data + op->chunk_begin[k] * plane;
    TES_CALL(tes_array_alias(&op->chunk_alias[k], data, TES_FLOAT32, op->loc, 3, shape));
    tes_array *part = op->chunk_alias[k];
    tes_timer t;
    tes_timer_reset(&t);
    tes_timer_start(&t);
    if (op->chunk[k]) {
        TES_CALL(tes_projector_adjoint(op->chunk[k], y, part));
        op->stats.updates += (double)tes_array_count(part) * (double)op->nviews;
    } else {
        TES_CALL(tes_array_zero(part));
    }
    TES_CALL(sync_backend(op));
    op->stats.adjoint_seconds += tes_timer_stop(&t);
    if (!reduce)
        return TES_OK;
    tes_timer_start(&t);
    TES_CALL(tes_comm_allreduce_start(op->slab_comm, part));
    op->stats.reduce_seconds += tes_timer_stop(&t);
    op->stats.bytes_reduced += (double)tes_array_bytes(part);
    return TES_OK;
}

/* After an error: let a reduction in flight finish before its alias goes. */
static void adjoint_release(tes_operator *op, int in_flight) {
    if (in_flight && tes_comm_wait(op->slab_comm) != TES_OK)
        tes_error_trace(__FILE__, __LINE__, __func__);
    for (size_t k = 0; k < op->nchunks; ++k)
        tes_array_destroy(&op->chunk_alias[k]);
}

tes_status tes_operator_adjoint(tes_operator *op, const tes_array *y, tes_array *x) {
    TES_CHECK(op, TES_ERR_ARG, "no operator given");
    TES_CALL(check_data(op, y, "data y of the backprojection"));
    TES_CALL(check_volume(op, x, "volume x of the backprojection"));
    int reduce = tes_comm_size(op->slab_comm) > 1;
    tes_comm_stats before = tes_comm_get_stats(op->slab_comm);
    tes_status st = TES_OK;
    size_t k = 0;
    for (; k < op->nchunks; ++k)
        TES_CALL_GOTO(st, adjoint_chunk(op, y, x, k, reduce), fail);
    if (reduce) {
        tes_timer t;
        tes_timer_reset(&t);
        tes_timer_start(&t);
        TES_CALL_GOTO(st, tes_comm_wait(op->slab_comm), fail);
        op->stats.reduce_seconds += tes_timer_stop(&t);
        tes_comm_stats after = tes_comm_get_stats(op->slab_comm);
        op->stats.reduce_total_seconds += after.seconds - before.seconds;
    }
    adjoint_release(op, 0);
    return TES_OK;
fail:
    adjoint_release(op, reduce && k > 0);
    return st;
}

tes_status tes_operator_volume_dot(tes_operator *op, const tes_array *a, const tes_array *b,
                                   double *out) {
    TES_CHECK(op && out, TES_ERR_ARG, "volume_dot needs an operator and an output");
    TES_CALL(check_volume(op, a, "volume a of the inner product"));
    TES_CALL(check_volume(op, b, "volume b of the inner product"));
    TES_CALL(tes_vec_dot(a, b, out));
    /* One rank per slab: view_comm holds each slab once. */
    TES_CALL(tes_comm_allreduce_doubles(op->view_comm, out, 1));
    return TES_OK;
}

tes_status tes_operator_data_dot(tes_operator *op, const tes_array *a, const tes_array *b,
                                 double *out) {
    TES_CHECK(op && out, TES_ERR_ARG, "data_dot needs an operator and an output");
    TES_CALL(check_data(op, a, "data a of the inner product"));
    TES_CALL(check_data(op, b, "data b of the inner product"));
    /* Each view lives in one group, each row is owned by one slab of it. */
    TES_CALL(tes_vec_dot_rows(a, b, op->own_begin, op->own_end, out));
    TES_CALL(tes_comm_allreduce_doubles(op->world_comm, out, 1));
    return TES_OK;
}

tes_operator_stats tes_operator_get_stats(const tes_operator *op) {
    return op->stats;
}

void tes_operator_reset_stats(tes_operator *op) {
    memset(&op->stats, 0, sizeof op->stats);
}
