#include "decomposition/memory.h"

#include <limits.h>
#include <stdio.h>

#include "decomposition/partition.h"

enum { TES_PLAN_MESSAGE_BYTES = 1536, TES_BYTES_TEXT = 32 };

tes_memory_plan tes_memory_plan_rank(const tes_plan_input *in, size_t nslices, size_t nviews,
                                     size_t nrows, int stitches) {
    const tes_vol_geom *vol = in->vol;
    tes_memory_plan p = {0};
    p.volume_bytes =
        (size_t)in->volume_vectors * nslices * vol->ny * vol->nx * TES_PLAN_VALUE_BYTES;
    p.data_bytes =
        (size_t)in->data_vectors * nviews * nrows * in->proj->ncols * TES_PLAN_VALUE_BYTES;
    p.reduce_bytes = (size_t)stitches * TES_PLAN_STITCH_RESERVE_BYTES;
    p.total_bytes = p.volume_bytes + p.data_bytes + p.reduce_bytes;
    p.limit_bytes = in->limit;
    return p;
}

/* The slabs of a p_slab split come in at most two sizes (balanced); what
 * matters for the largest rank is, per size, the most rows such a slab
 * reaches. */
typedef struct slab_sizes {
    int n;            /* distinct sizes: 1 or 2 */
    size_t slices[2]; /* slab size */
    size_t rows[2];   /* most rows reached by a slab of that size */
    int overlap;      /* the slabs share rows: a forward stitch */
} slab_sizes;

static slab_sizes slab_sizes_of(const tes_plan_input *in, const tes_proj_geom *rows_geom,
                                int p_slab) {
    slab_sizes c = {0};
    for (int s = 0; s < p_slab; ++s) {
        size_t z_begin, z_end, row_begin, row_end;
        tes_partition_range(in->vol->nz, p_slab, s, &z_begin, &z_end);
        tes_proj_geom_rows_for_slab(rows_geom, in->vol, z_begin, z_end, &row_begin, &row_end);
        size_t slices = z_end - z_begin, rows = row_end - row_begin;
        int k = 0;
        while (k < c.n && c.slices[k] != slices)
            ++k;
        if (k == c.n) {
            c.slices[c.n] = slices;
            c.rows[c.n++] = rows;
        } else if (rows > c.rows[k]) {
            c.rows[k] = rows;
        }
    }
    c.overlap = tes_slabs_overlap(rows_geom, in->vol, p_slab);
    return c;
}

/* The largest rank: group 0 holds the most views (ceil(nviews / p_view)),
 * and every slab meets it. */
static tes_memory_plan largest_of(const tes_plan_input *in, const slab_sizes *c, long long p_view) {
    size_t nviews = in->proj->nviews;
    size_t views = (nviews + (size_t)p_view - 1) / (size_t)p_view;
    int stitches = (p_view > 1) + c->overlap;
    tes_memory_plan best = tes_memory_plan_rank(in, c->slices[0], views, c->rows[0], stitches);
    for (int k = 1; k < c->n; ++k) {
        tes_memory_plan p = tes_memory_plan_rank(in, c->slices[k], views, c->rows[k], stitches);
        if (p.total_bytes > best.total_bytes)
            best = p;
    }
    return best;
}

tes_memory_plan tes_memory_plan_largest(const tes_plan_input *in, int p_slab, int p_view) {
    slab_sizes c = slab_sizes_of(in, in->proj, p_slab);
    return largest_of(in, &c, p_view);
}

static int fits(const tes_plan_input *in, const tes_memory_plan *p) {
    return in->limit == 0 || p->total_bytes <= in->limit;
}

/* The grid of nranks ranks whose largest rank needs the least. */
static int least_memory_grid(const tes_plan_input *in, int nranks, tes_memory_plan *plan) {
    int best = 0;
    for (int d = 1; d <= nranks && (size_t)d <= in->vol->nz; ++d) {
        if (nranks % d)
            continue;
        tes_memory_plan p = tes_memory_plan_largest(in, d, nranks / d);
        if (!best || p.total_bytes < plan->total_bytes) {
            best = d;
            *plan = p;
        }
    }
    return best;
}

/* Smallest p_view >= lo whose largest rank fits, or 0. More view groups
 * never need more memory once there are two (the slab stitch is then
 * paid), and nothing shrinks past one view per group. */
static long long smallest_fitting_views(const tes_plan_input *in, const slab_sizes *c,
                                        long long lo) {
    tes_memory_plan p;
    if (lo <= 1) {
        p = largest_of(in, c, 1);
        if (fits(in, &p))
            return 1;
        lo = 2;
    }
    long long hi = lo > (long long)in->proj->nviews ? lo : (long long)in->proj->nviews;
    p = largest_of(in, c, hi);
    if (!fits(in, &p))
        return 0;
    while (lo < hi) {
        long long mid = lo + (hi - lo) / 2;
        p = largest_of(in, c, mid);
        if (fits(in, &p))
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Smallest rank count above nranks whose automatic grid fits the limit
 * (0: none up to INT_MAX); its grid in *p_slab x *p_view. When none fits,
 * *least_bytes is the least any grid needs per rank. The rows a slab
 * reaches depend on the views only through their vertical shifts (the axis
 * is z: the angle never moves a slice up or down the detector), so the
 * search uses a two-view geometry with the extreme shifts: it costs
 * O(nz^2) row ranges, not O(nz^2 nviews). */
static long long smallest_fitting_ranks(const tes_plan_input *in, int nranks, int *p_slab,
                                        int *p_view, size_t *least_bytes) {
    const tes_proj_geom *g = in->proj;
    double shift_v[2] = {g->shift_v[0], g->shift_v[0]}, zeros[2] = {0.0, 0.0};
    for (size_t i = 1; i < g->nviews; ++i) {
        shift_v[0] = g->shift_v[i] < shift_v[0] ? g->shift_v[i] : shift_v[0];
        shift_v[1] = g->shift_v[i] > shift_v[1] ? g->shift_v[i] : shift_v[1];
    }
    tes_proj_geom extremes = *g;
    extremes.nviews = 2;
    extremes.angles = zeros;
    extremes.shift_u = zeros;
    extremes.shift_v = shift_v;

    long long best = 0, want = (long long)nranks + 1, max_ranks = INT_MAX;
    for (long long d = 1; (size_t)d <= in->vol->nz && (!best || d < best) && d <= max_ranks; ++d) {
        slab_sizes c = slab_sizes_of(in, &extremes, (int)d);
        /* The least this slab count needs: one group, or one view per group. */
        tes_memory_plan one_group = largest_of(in, &c, 1);
        tes_memory_plan one_view = largest_of(in, &c, (long long)g->nviews + 1);
        size_t least = one_group.total_bytes < one_view.total_bytes ? one_group.total_bytes
                                                                    : one_view.total_bytes;
        if (d == 1 || least < *least_bytes)
            *least_bytes = least;
        long long pv = smallest_fitting_views(in, &c, (want + d - 1) / d);
        if (pv && d * pv <= max_ranks && (!best || d * pv < best)) {
            best = d * pv;
            *p_slab = (int)d;
            *p_view = (int)pv;
        }
    }
    return best;
}

const char *tes_bytes_text(char *buf, size_t len, double bytes) {
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    const double step = 1024.0;
    if (bytes < step) {
        snprintf(buf, len, "%.0f B", bytes);
        return buf;
    }
    int u = 0;
    bytes /= step;
    while (bytes >= step && u + 1 < (int)(sizeof units / sizeof units[0])) {
        bytes /= step;
        ++u;
    }
    snprintf(buf, len, "%.2f %s", bytes, units[u]);
    return buf;
}

/* Append to the message; snprintf keeps it terminated when it is full. */
#define APPEND(...)                                                                                \
    do {                                                                                           \
        if (used < sizeof msg)                                                                     \
            used += (size_t)snprintf(msg + used, sizeof msg - used, __VA_ARGS__);                  \
    } while (0)

static tes_status refuse(const tes_plan_input *in, int nranks, int p_slab, int p_view,
                         int automatic) {
    char msg[TES_PLAN_MESSAGE_BYTES], a[TES_BYTES_TEXT], b[TES_BYTES_TEXT], c[TES_BYTES_TEXT],
        d[TES_BYTES_TEXT], limit[TES_BYTES_TEXT];
    size_t used = 0;
    tes_memory_plan p = tes_memory_plan_largest(in, p_slab, p_view);
    tes_bytes_text(limit, sizeof limit, (double)in->limit);
    if (automatic)
        APPEND("no grid of %d ranks fits mem_per_rank = %s: the best, %d x %d (P_slab x P_view), "
               "needs ",
               nranks, limit, p_slab, p_view);
    else
        APPEND("grid %d x %d (P_slab x P_view) does not fit mem_per_rank = %s: it needs ", p_slab,
               p_view, limit);
    APPEND("%s per rank (volume %s, data %s, stitch %s)",
           tes_bytes_text(a, sizeof a, (double)p.total_bytes),
           tes_bytes_text(b, sizeof b, (double)p.volume_bytes),
           tes_bytes_text(c, sizeof c, (double)p.data_bytes),
           tes_bytes_text(d, sizeof d, (double)p.reduce_bytes));
    if (!automatic) {
        tes_memory_plan least = {0};
        int least_slab = least_memory_grid(in, nranks, &least);
        if (fits(in, &least)) {
            APPEND("; grid %d x %d fits these %d ranks (or leave the grid automatic)", least_slab,
                   nranks / least_slab, nranks);
            TES_FAIL(TES_ERR_PLAN, "%s", msg);
        }
        APPEND("; %d ranks need at least %s per rank (grid %d x %d)", nranks,
               tes_bytes_text(a, sizeof a, (double)least.total_bytes), least_slab,
               nranks / least_slab);
    }
    /* Every rank holds at least one slice: when that alone is too much, skip
     * the search (on a large volume it is the longest path). */
    tes_memory_plan one_slice = tes_memory_plan_rank(in, 1, 0, 0, 0);
    if (!fits(in, &one_slice)) {
        APPEND("; no rank count fits %s per rank (one slice of the volume alone needs %s)", limit,
               tes_bytes_text(a, sizeof a, (double)one_slice.total_bytes));
        TES_FAIL(TES_ERR_PLAN, "%s", msg);
    }
    int fit_slab = 0, fit_view = 0;
    size_t least_bytes = 0;
    long long fit_ranks = smallest_fitting_ranks(in, nranks, &fit_slab, &fit_view, &least_bytes);
    if (fit_ranks)
        APPEND("; %s per rank fits from %lld ranks (grid %d x %d)", limit, fit_ranks, fit_slab,
               fit_view);
    else
        APPEND("; no rank count fits %s per rank (the least any grid needs is %s per rank)", limit,
               tes_bytes_text(a, sizeof a, (double)least_bytes));
    TES_FAIL(TES_ERR_PLAN, "%s", msg);
}

tes_status tes_memory_plan_refuse(const tes_plan_input *in, int nranks, int p_slab, int p_view) {
    TES_CALL(refuse(in, nranks, p_slab, p_view, 0));
    return TES_OK;
}

tes_status tes_memory_plan_choose(const tes_plan_input *in, int nranks, int *p_slab) {
    tes_memory_plan least = {0};
    int least_slab = 0;
    for (int d = 1; d <= nranks && (size_t)d <= in->vol->nz; ++d) {
        if (nranks % d)
            continue;
        tes_memory_plan p = tes_memory_plan_largest(in, d, nranks / d);
        if (fits(in, &p)) {
            *p_slab = d;
            return TES_OK;
        }
        if (!least_slab || p.total_bytes < least.total_bytes) {
            least_slab = d;
            least = p;
        }
    }
    TES_CALL(refuse(in, nranks, least_slab, nranks / least_slab, 1));
    return TES_OK;
}

/* What a request asks that no memory can give. */
static tes_status check_request(const tes_grid_request *req, int nranks, size_t nz) {
    TES_CHECK(req->volume_vectors >= 1 && req->data_vectors >= 1, TES_ERR_ARG,
              "grid request: volume_vectors (%d) and data_vectors (%d) must be at least 1",
              req->volume_vectors, req->data_vectors);
    TES_CHECK(req->p_slab >= 0 && req->p_view >= 0, TES_ERR_ARG,
              "grid request: p_slab (%d) and p_view (%d) must not be negative", req->p_slab,
              req->p_view);
    if (req->p_slab == 0 && req->p_view == 0)
        return TES_OK;
    TES_CHECK(req->p_slab > 0 && req->p_view > 0, TES_ERR_PLAN,
              "grid %d x %d (P_slab x P_view): give both or neither (0 x 0 chooses from memory)",
              req->p_slab, req->p_view);
    TES_CHECK((long long)req->p_slab * req->p_view == nranks, TES_ERR_PLAN,
              "grid %d x %d (P_slab x P_view) has %lld ranks, the job runs on %d", req->p_slab,
              req->p_view, (long long)req->p_slab * req->p_view, nranks);
    if ((size_t)req->p_slab > nz) {
        int fit = 1; /* the largest slab count that divides nranks and fits nz */
        for (int d = 1; d <= nranks && (size_t)d <= nz; ++d)
            fit = nranks % d ? fit : d;
        TES_FAIL(TES_ERR_PLAN,
                 "grid %d x %d (P_slab x P_view): %d slabs for a volume of %zu slices; P_slab "
                 "must be at most nz, put the other ranks into view groups (e.g. grid %d x %d)",
                 req->p_slab, req->p_view, req->p_slab, nz, fit, nranks / fit);
    }
    return TES_OK;
}

tes_status tes_memory_plan_grid(const tes_plan_input *in, const tes_grid_request *req, int nranks,
                                int *p_slab, int *p_view) {
    TES_CALL(check_request(req, nranks, in->vol->nz));
    int ps = req->p_slab, pv = req->p_view;
    if (ps == 0) {
        TES_CALL(tes_memory_plan_choose(in, nranks, &ps));
        pv = nranks / ps;
    } else if (in->limit) {
        tes_memory_plan largest = tes_memory_plan_largest(in, ps, pv);
        if (largest.total_bytes > in->limit)
            TES_CALL(tes_memory_plan_refuse(in, nranks, ps, pv));
    }
    *p_slab = ps;
    *p_view = pv;
    return TES_OK;
}
