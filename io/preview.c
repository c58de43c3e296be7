#include "io/preview.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/agree.h"
#include "core/check.h"
#include "core/log.h"
#include "io/outfile.h"
#include "io/png.h"

static const double TES_PREVIEW_LOW_PERCENT = 0.5;
static const double TES_PREVIEW_HIGH_PERCENT = 99.5;
static const double TES_PERCENT = 100.0;
enum { TES_GREY_MAX = 255, TES_GREY_CHANNELS = 1 };

/* Slice suffixes, in the order z, y, x. */
static const char *const slice_names[TES_PREVIEW_SLICES] = {"z", "y", "x"};

tes_preview_options tes_preview_options_default(void) {
    tes_preview_options opt = {TES_PREVIEW_LOW_PERCENT, TES_PREVIEW_HIGH_PERCENT, 0, NULL};
    return opt;
}

tes_status tes_preview_names(const char *prefix, char names[TES_PREVIEW_SLICES][PATH_MAX]) {
    TES_CHECK(prefix && prefix[0], TES_ERR_ARG, "no preview file prefix given");
    for (int i = 0; i < TES_PREVIEW_SLICES; ++i) {
        int n = snprintf(names[i], PATH_MAX, "%s_%s.png", prefix, slice_names[i]);
        TES_CHECK(n > 0 && n < PATH_MAX, TES_ERR_ARG, "preview prefix '%s' is too long", prefix);
    }
    return TES_OK;
}

/* The k-th smallest of v[0..n) (v is reordered): Hoare's selection. */
static float select_kth(float *v, size_t n, size_t k) {
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        float pivot = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                ++i;
            while (v[j] > pivot)
                --j;
            if (i <= j) {
                float t = v[i];
                v[i] = v[j];
                v[j] = t;
                ++i;
                if (j == 0)
                    break;
                --j;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

/* Percentile p (0..100) of v[0..n), n > 0, linear between order statistics. */
static float percentile(float *v, size_t n, double p) {
    double pos = p / TES_PERCENT * (double)(n - 1);
    size_t k = (size_t)floor(pos);
    if (k >= n - 1)
        return select_kth(v, n, n - 1);
    float a = select_kth(v, n, k);
    float b = v[k + 1];
    for (size_t i = k + 2; i < n; ++i) /* the smallest above the k-th */
        b = v[i] < b ? v[i] : b;
    return (float)(a + (pos - (double)k) * (b - a));
}

tes_status tes_preview_window(const float *values, size_t n, double low_percent,
                              double high_percent, float *low, float *high) {
    TES_CHECK(low_percent >= 0 && low_percent < high_percent && high_percent <= TES_PERCENT,
              TES_ERR_ARG,
              "preview window: percentiles must satisfy 0 <= low < high <= 100, got %g and %g",
              low_percent, high_percent);
    float *finite = malloc((n ? n : 1) * sizeof *finite);
    TES_CHECK(finite, TES_ERR_ALLOC, "cannot allocate %zu values", n);
    size_t m = 0;
    for (size_t i = 0; i < n; ++i)
        if (isfinite(values[i]))
            finite[m++] = values[i];
    *low = *high = 0.0f;
    if (m) {
        *low = percentile(finite, m, low_percent);
        *high = percentile(finite, m, high_percent);
    }
    free(finite);
    return TES_OK;
}

void tes_preview_grey(const float *values, size_t n, float low, float high, unsigned char *grey) {
    double scale = high > low ? TES_GREY_MAX / ((double)high - (double)low) : 0.0;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; ++i) {
        double g = isfinite(values[i]) ? ((double)values[i] - low) * scale : 0.0;
        g = g < 0.0 ? 0.0 : (g > TES_GREY_MAX ? TES_GREY_MAX : g);
        grey[i] = (unsigned char)lround(g);
    }
}

/* One rank's slab as the others see it. */
typedef struct slab_info {
    unsigned long long z_begin, n, ny, nx;
} slab_info;

static int compare_begin(const void *a, const void *b) {
    const slab_info *x = a, *y = b;
    return (x->z_begin > y->z_begin) - (x->z_begin < y->z_begin);
}

/* Check that the slabs tile [0, nz) and agree on (ny, nx). The same
 * verdict on every rank: it is computed from the gathered layout. */
static tes_status check_tiling(const slab_info *all, int nranks, size_t nz, size_t *ny,
                               size_t *nx) {
    slab_info *sorted = malloc((size_t)nranks * sizeof *sorted);
    TES_CHECK(sorted, TES_ERR_ALLOC, "cannot allocate %d slab descriptors", nranks);
    memcpy(sorted, all, (size_t)nranks * sizeof *sorted);
    qsort(sorted, (size_t)nranks, sizeof *sorted, compare_begin);
    tes_status st = TES_OK;
    unsigned long long next = 0;
    *ny = *nx = 0;
    for (int r = 0; r < nranks && st == TES_OK; ++r) {
        const slab_info *s = &sorted[r];
        if (!s->n)
            continue;
        if (!*ny) {
            *ny = s->ny;
            *nx = s->nx;
        }
        if (s->z_begin != next)
            st = tes_error_set(TES_ERR_ARG, __FILE__, __LINE__, __func__,
                               "preview: the slabs do not tile the volume: slices from %llu "
                               "expected, a slab starts at %llu",
                               next, s->z_begin);
        else if (s->ny != *ny || s->nx != *nx)
            st = tes_error_set(TES_ERR_ARG, __FILE__, __LINE__, __func__,
                               "preview: slabs of (%llu, %llu) and (%zu, %zu) slices", s->ny, s->nx,
                               *ny, *nx);
        next = s->z_begin + s->n;
    }
    if (st == TES_OK && next != nz)
        st = tes_error_set(TES_ERR_ARG, __FILE__, __LINE__, __func__,
                           "preview: the slabs cover %llu of the volume's %zu slices", next, nz);
    free(sorted);
    return st;
}

static tes_status check_slab(const tes_array *slab) {
    if (!slab)
        return TES_OK;
    TES_CHECK(slab->dtype == TES_FLOAT32 && slab->location == TES_HOST && slab->ndim == 3,
              TES_ERR_SHAPE, "preview: the slab must be a host float32 array (z, y, x)");
    return TES_OK;
}

/* The three central slices gathered on rank 0, one buffer after another:
 * z (ny, nx), y (nz, nx), x (nz, ny). */
typedef struct slices {
    size_t nz, ny, nx;
    float *all; /* rank 0 only */
    size_t count[TES_PREVIEW_SLICES];
} slices;

/* This rank's part of slice kind (0 z, 1 y, 2 x). */
static void local_part(const tes_array *slab, const slices *s, size_t z_begin, int kind, float *out,
                       size_t *count) {
    size_t n = slab ? slab->shape[0] : 0, ny = s->ny, nx = s->nx;
    const float *v = slab ? slab->data : NULL;
    *count = 0;
    if (!n)
        return;
    if (kind == 0) {
        size_t zc = s->nz / 2;
        if (zc >= z_begin && zc < z_begin + n) {
            memcpy(out, v + (zc - z_begin) * ny * nx, ny * nx * sizeof *out);
            *count = ny * nx;
        }
    } else if (kind == 1) {
        for (size_t k = 0; k < n; ++k)
            memcpy(out + k * nx, v + (k * ny + ny / 2) * nx, nx * sizeof *out);
        *count = n * nx;
    } else {
        for (size_t k = 0; k < n; ++k)
            for (size_t j = 0; j < ny; ++j)
                out[k * ny + j] = v[(k * ny + j) * nx + nx / 2];
        *count = n * ny;
    }
}

static tes_status gather(MPI_Comm comm, const tes_array *slab, size_t z_begin, const slab_info *all,
                         slices *s) {
    int rank = 0, nranks = 1;
    TES_MPI_CALL(MPI_Comm_rank(comm, &rank));
    TES_MPI_CALL(MPI_Comm_size(comm, &nranks));
    size_t n = slab ? slab->shape[0] : 0;
    size_t biggest = s->ny * s->nx;
    biggest = biggest > n * s->nx ? biggest : n * s->nx;
    biggest = biggest > n * s->ny ? biggest : n * s->ny;
    float *mine = malloc((biggest ? biggest : 1) * sizeof *mine);
    int *counts = calloc((size_t)nranks, sizeof *counts);
    int *displs = calloc((size_t)nranks, sizeof *displs);
    tes_status st = mine && counts && displs
                        ? TES_OK
                        : tes_error_set(TES_ERR_ALLOC, __FILE__, __LINE__, __func__,
                                        "cannot allocate the preview slices");
    st = tes_status_agree(comm, st);
    size_t offset = 0, zc = s->nz / 2;
    for (int kind = 0; kind < TES_PREVIEW_SLICES && st == TES_OK; ++kind) {
        size_t count = 0;
        local_part(slab, s, z_begin, kind, mine, &count);
        size_t row = kind == 1 ? s->nx : s->ny; /* values per z of the y and x slices */
        for (int r = 0; r < nranks; ++r) {
            int holds = all[r].n && zc >= all[r].z_begin && zc < all[r].z_begin + all[r].n;
            counts[r] = kind == 0 ? (holds ? (int)(s->ny * s->nx) : 0) : (int)(all[r].n * row);
            displs[r] = kind == 0 ? 0 : (int)(all[r].z_begin * row);
        }
        float *recv = rank == 0 ? s->all + offset : NULL;
        if (MPI_Gatherv(mine, (int)count, MPI_FLOAT, recv, counts, displs, MPI_FLOAT, 0, comm) !=
            MPI_SUCCESS)
            st = tes_error_set(TES_ERR_MPI, __FILE__, __LINE__, __func__,
                               "[%s] preview: MPI_Gatherv of the %s slice failed", tes_where(),
                               slice_names[kind]);
        offset += s->count[kind];
    }
    free(mine);
    free(counts);
    free(displs);
    return st;
}

static tes_status write_images(const slices *s, char names[TES_PREVIEW_SLICES][PATH_MAX],
                               const tes_preview_options *opt) {
    size_t total = s->count[0] + s->count[1] + s->count[2];
    float low = 0.0f, high = 0.0f;
    TES_CALL(tes_preview_window(s->all, total, opt->low_percent, opt->high_percent, &low, &high));
    unsigned char *grey = malloc(total ? total : 1);
    TES_CHECK(grey, TES_ERR_ALLOC, "cannot allocate %zu preview pixels", total);
    tes_preview_grey(s->all, total, low, high, grey);
    size_t rows[TES_PREVIEW_SLICES] = {s->ny, s->nz, s->nz};
    size_t cols[TES_PREVIEW_SLICES] = {s->nx, s->nx, s->ny};
    tes_status st = TES_OK;
    size_t offset = 0;
    for (int i = 0; i < TES_PREVIEW_SLICES && st == TES_OK; ++i) {
        st = tes_png_write(names[i], grey + offset, rows[i], cols[i], TES_GREY_CHANNELS,
                           opt->overwrite, opt->force_hint);
        offset += s->count[i];
    }
    free(grey);
    TES_CALL(st);
    tes_log(TES_LOG_INFO, "previews %s, %s, %s (grey window %g .. %g)", names[0], names[1],
            names[2], (double)low, (double)high);
    return TES_OK;
}

/* Rank 0: are the three outputs writable? */
static tes_status check_outputs(char names[TES_PREVIEW_SLICES][PATH_MAX],
                                const tes_preview_options *opt) {
    for (int i = 0; i < TES_PREVIEW_SLICES; ++i)
        TES_CALL(tes_outfile_check(names[i], opt->overwrite, opt->force_hint));
    return TES_OK;
}

tes_status tes_preview_write_slices(MPI_Comm comm, const tes_array *slab, size_t z_begin, size_t nz,
                                    const char *prefix, const tes_preview_options *opt) {
    tes_preview_options defaults = tes_preview_options_default();
    if (!opt)
        opt = &defaults;
    int rank = 0, nranks = 1;
    TES_MPI_CALL(MPI_Comm_rank(comm, &rank));
    TES_MPI_CALL(MPI_Comm_size(comm, &nranks));
    char names[TES_PREVIEW_SLICES][PATH_MAX];
    tes_status st = tes_preview_names(prefix, names);
    if (st == TES_OK)
        st = check_slab(slab);
    if (st == TES_OK && rank == 0)
        st = check_outputs(names, opt);
    TES_CALL(tes_status_agree(comm, st));

    slab_info me = {z_begin, slab ? slab->shape[0] : 0, slab ? slab->shape[1] : 0,
                    slab ? slab->shape[2] : 0};
    slab_info *all = malloc((size_t)nranks * sizeof *all);
    TES_CHECK(all, TES_ERR_ALLOC, "cannot allocate %d slab descriptors", nranks);
    enum { WORDS = sizeof(slab_info) / sizeof(unsigned long long) };
    if (MPI_Allgather(&me, WORDS, MPI_UNSIGNED_LONG_LONG, all, WORDS, MPI_UNSIGNED_LONG_LONG,
                      comm) != MPI_SUCCESS) {
        free(all);
        TES_FAIL(TES_ERR_MPI, "[%s] preview: MPI_Allgather of the slab layout failed", tes_where());
    }
    slices s = {nz, 0, 0, NULL, {0, 0, 0}};
    st = check_tiling(all, nranks, nz, &s.ny, &s.nx);
    if (st == TES_OK && (s.ny * s.nx > INT_MAX || nz * s.nx > INT_MAX || nz * s.ny > INT_MAX))
        st = tes_error_set(TES_ERR_ARG, __FILE__, __LINE__, __func__,
                           "preview: slices of %zu x %zu x %zu are too large to gather", nz, s.ny,
                           s.nx);
    s.count[0] = s.ny * s.nx;
    s.count[1] = nz * s.nx;
    s.count[2] = nz * s.ny;
    if (st == TES_OK && rank == 0) {
        s.all = malloc((s.count[0] + s.count[1] + s.count[2] + 1) * sizeof *s.all);
        if (!s.all)
            st = tes_error_set(TES_ERR_ALLOC, __FILE__, __LINE__, __func__,
                               "cannot allocate the preview slices");
    }
    st = tes_status_agree(comm, st);
    if (st == TES_OK)
        st = tes_status_agree(comm, gather(comm, slab, z_begin, all, &s));
    if (st == TES_OK)
        st = tes_status_agree(comm, rank == 0 ? write_images(&s, names, opt) : TES_OK);
    free(all);
    free(s.all);
    TES_CALL(st);
    return TES_OK;
}
