/* t402: the distributed operator on the grid P_slab x P_view given as argv
 * (backend geometry p_slab p_view [nviews]) against the single-rank
 * operator (an MPI_COMM_SELF grid) on every rank's part:
 *   (a) forward and adjoint agree to 1e-5 relative;
 *   (b) <A x, y> = <x, A^T y> through the operator's global inner products,
 *       which also match the single-rank sums;
 *   (c) a subset operator's forward equals those views of the full forward
 *       (and extract_views picks them out);
 *   (d) ranks without views (e.g. 1 x 4 with 3 views) take part;
 *   (e) the chunked adjoint equals the unchunked one;
 *   (f) the forward stitch in batches of views equals the stitch at once. */
#include "testing.h"

#include <mpi.h>

#include "core/comm.h"
#include "core/log.h"
#include "decomposition/grid.h"
#include "solvers/operator.h"

enum { N = 16, DEFAULT_VIEWS = 12, NSUBSETS = 3, SUBSET = 1, CHUNK_SLICES = 2 };

#define TOLERANCE 1e-5

typedef struct problem {
    tes_backend backend;
    tes_vol_geom vol;
    tes_proj_geom *proj;
    float *x, *y; /* global volume and data, the same on every rank */
} problem;

/* A grid, its communicators and the full operator. */
typedef struct dist {
    tes_grid *grid;
    tes_comm *slab, *view, *world;
    tes_operator *op;
} dist;

static int rank;

static size_t volume_size(const problem *p) {
    return p->vol.nz * p->vol.ny * p->vol.nx;
}

static size_t data_size(const problem *p) {
    return p->proj->nviews * p->proj->nrows * p->proj->ncols;
}

/* A cube of N voxels of 1 mm, detector shifts off the pixel grid; cone beam
 * with a detector that sees the whole cube. */
static int problem_create(problem *p, const char *kind, size_t nviews) {
    p->vol = tes_vol_geom_cube(N, 1.0);
    int cone = !strcmp(kind, "cone3d");
    size_t rows = cone ? 30 : N, cols = cone ? 42 : 24;
    if (!EXPECT_OK(tes_proj_geom_create(&p->proj, cone ? TES_GEOM_CONE3D : TES_GEOM_PARALLEL3D,
                                        nviews, rows, cols)))
        return 0;
    p->proj->sod = cone ? 3.0 * N : 0.0;
    p->proj->odd = cone ? 1.0 * N : 0.0;
    for (size_t v = 0; v < nviews; ++v) {
        p->proj->shift_u[v] = 0.3 * sin((double)v);
        p->proj->shift_v[v] = 0.25 * cos((double)v);
    }
    unsigned long long state = 42;
    p->x = malloc(volume_size(p) * sizeof *p->x);
    p->y = malloc(data_size(p) * sizeof *p->y);
    /* Values in [0, 1): the inner products do not cancel, so they can be
     * compared relative to their own size. */
    for (size_t i = 0; i < volume_size(p); ++i)
        p->x[i] = 0.5f * (tes_test_random(&state) + 1.0f);
    for (size_t i = 0; i < data_size(p); ++i)
        p->y[i] = 0.5f * (tes_test_random(&state) + 1.0f);
    return 1;
}

static void problem_destroy(problem *p) {
    tes_proj_geom_destroy(&p->proj);
    free(p->x);
    free(p->y);
}

static int op_create(tes_operator **op, const dist *d, const problem *p, size_t chunk_slices,
                     size_t subset, size_t nsubsets) {
    tes_operator_options opt = {p->backend, chunk_slices, subset, nsubsets};
    return EXPECT_OK(
        tes_operator_create(op, d->grid, &p->vol, p->proj, &opt, d->slab, d->view, d->world));
}

static int dist_create(dist *d, MPI_Comm comm, const problem *p, int p_slab, int p_view) {
    memset(d, 0, sizeof *d);
    tes_grid_request req = {p_slab, p_view, 0, 1, 1};
    return EXPECT_OK(tes_grid_create(&d->grid, comm, &p->vol, p->proj, &req)) &&
           EXPECT_OK(tes_comm_create(&d->slab, d->grid->slab_comm, p->backend)) &&
           EXPECT_OK(tes_comm_create(&d->view, d->grid->view_comm, p->backend)) &&
           EXPECT_OK(tes_comm_create(&d->world, d->grid->world, p->backend)) &&
           op_create(&d->op, d, p, 0, 0, 0);
}

static void dist_destroy(dist *d) {
    tes_operator_destroy(&d->op);
    tes_comm_destroy(&d->slab);
    tes_comm_destroy(&d->view);
    tes_comm_destroy(&d->world);
    tes_grid_destroy(&d->grid);
}

static size_t plane(const problem *p) {
    return p->vol.ny * p->vol.nx;
}

static size_t detector_view(const problem *p) {
    return p->proj->nrows * p->proj->ncols;
}

/* Element of global data (view v, detector row 0) of local view i. */
static size_t data_offset(const problem *p, const tes_grid *g, size_t v) {
    return v * detector_view(p) + g->row_begin * p->proj->ncols;
}

/* The rank's part of the global volume, at the backend's location. */
static tes_array *local_volume(const problem *p, const dist *d, const tes_operator *op) {
    tes_array *host = NULL, *out = NULL;
    EXPECT_OK(tes_operator_new_volume(op, &out));
    EXPECT_OK(tes_array_clone(&host, out, TES_HOST));
    memcpy(host->data, p->x + d->grid->z_begin * plane(p), tes_array_bytes(host));
    EXPECT_OK(tes_array_copy(out, host));
    tes_array_destroy(&host);
    return out;
}

/* The rank's part of the global data: its views, the rows it holds. */
static tes_array *local_data(const problem *p, const dist *d, const tes_operator *op) {
    tes_array *host = NULL, *out = NULL;
    EXPECT_OK(tes_operator_new_data(op, &out));
    EXPECT_OK(tes_array_clone(&host, out, TES_HOST));
    size_t n = 0, held = out->shape[1] * out->shape[2];
    const size_t *views = NULL;
    tes_operator_views(op, &n, &views);
    for (size_t i = 0; i < n; ++i)
        memcpy((float *)host->data + i * held, p->y + data_offset(p, d->grid, views[i]),
               held * sizeof(float));
    EXPECT_OK(tes_array_copy(out, host));
    tes_array_destroy(&host);
    return out;
}

static tes_array *to_host(const tes_array *a) {
    tes_array *h = NULL;
    EXPECT_OK(tes_array_clone(&h, a, TES_HOST));
    return h;
}

static double max_abs(const float *a, size_t n) {
    double m = 0.0;
    for (size_t i = 0; i < n; ++i)
        m = fmax(m, fabs((double)a[i]));
    return m;
}

static double max_diff(const float *a, const float *b, size_t n) {
    double m = 0.0;
    for (size_t i = 0; i < n; ++i)
        m = fmax(m, fabs((double)a[i] - (double)b[i]));
    return m;
}

/* The slab of x against the global volume want. */
static void expect_volume(const char *what, const problem *p, const dist *d, const tes_array *x,
                          const float *want) {
    tes_array *h = to_host(x);
    double scale = max_abs(want, volume_size(p));
    double err = max_diff(h->data, want + d->grid->z_begin * plane(p), tes_array_count(h));
    EXPECT(err <= TOLERANCE * scale, "rank %d: %s differs by %.3g (scale %.3g)", rank, what, err,
           scale);
    tes_array_destroy(&h);
}

/* op's views of y against the global data want (full detector). */
static void expect_data(const char *what, const problem *p, const dist *d, const tes_operator *op,
                        const tes_array *y, const float *want) {
    tes_array *h = to_host(y);
    size_t n = 0, held = h->shape[1] * h->shape[2];
    const size_t *views = NULL;
    tes_operator_views(op, &n, &views);
    double scale = max_abs(want, data_size(p)), err = 0.0;
    for (size_t i = 0; i < n; ++i)
        err = fmax(err, max_diff((float *)h->data + i * held,
                                 want + data_offset(p, d->grid, views[i]), held));
    EXPECT(err <= TOLERANCE * scale, "rank %d: %s differs by %.3g (scale %.3g)", rank, what, err,
           scale);
    tes_array_destroy(&h);
}

/* The single-rank results as global arrays: A x (zero on rows no slice
 * reaches), A^T y, and A_sub^T y of the subset. */
typedef struct reference {
    float *ax, *aty, *aty_sub;
    double ax_y, ax_ax, y_y, x_x;
} reference;

static void scatter_data(const problem *p, const dist *d, const tes_array *y, float *out) {
    tes_array *h = to_host(y);
    size_t held = h->shape[1] * h->shape[2];
    for (size_t v = 0; v < h->shape[0]; ++v)
        memcpy(out + data_offset(p, d->grid, v), (float *)h->data + v * held, held * sizeof(float));
    tes_array_destroy(&h);
}

static void copy_volume(const tes_array *x, float *out) {
    tes_array *h = to_host(x);
    memcpy(out, h->data, tes_array_bytes(h));
    tes_array_destroy(&h);
}

static void reference_compute(reference *r, const problem *p) {
    dist d;
    tes_operator *sub = NULL;
    r->ax = calloc(data_size(p), sizeof(float));
    r->aty = calloc(volume_size(p), sizeof(float));
    r->aty_sub = calloc(volume_size(p), sizeof(float));
    if (!dist_create(&d, MPI_COMM_SELF, p, 1, 1) || !op_create(&sub, &d, p, 0, SUBSET, NSUBSETS))
        return;
    tes_array *x = local_volume(p, &d, d.op), *y = local_data(p, &d, d.op);
    tes_array *ax = NULL, *aty = NULL;
    EXPECT_OK(tes_operator_new_data(d.op, &ax));
    EXPECT_OK(tes_operator_new_volume(d.op, &aty));
    EXPECT_OK(tes_operator_forward(d.op, x, ax));
    scatter_data(p, &d, ax, r->ax);
    EXPECT_OK(tes_operator_data_dot(d.op, ax, y, &r->ax_y));
    EXPECT_OK(tes_operator_data_dot(d.op, ax, ax, &r->ax_ax));
    EXPECT_OK(tes_operator_data_dot(d.op, y, y, &r->y_y));
    EXPECT_OK(tes_operator_volume_dot(d.op, x, x, &r->x_x));
    EXPECT_OK(tes_operator_adjoint(d.op, y, aty));
    copy_volume(aty, r->aty);
    tes_array *y_sub = local_data(p, &d, sub);
    EXPECT_OK(tes_operator_adjoint(sub, y_sub, aty));
    copy_volume(aty, r->aty_sub);
    tes_array_destroy(&y_sub);
    tes_array_destroy(&x);
    tes_array_destroy(&y);
    tes_array_destroy(&ax);
    tes_array_destroy(&aty);
    tes_operator_destroy(&sub);
    dist_destroy(&d);
}

static void reference_destroy(reference *r) {
    free(r->ax);
    free(r->aty);
    free(r->aty_sub);
}

static int close_to(double a, double b, double scale) {
    return fabs(a - b) <= TOLERANCE * scale;
}

/* (a) and (b) on the full operator; returns A^T y for (e). */
static tes_array *test_full(const problem *p, const dist *d, const reference *r) {
    tes_array *x = local_volume(p, d, d->op), *y = local_data(p, d, d->op);
    tes_array *ax = NULL, *aty = NULL;
    EXPECT_OK(tes_operator_new_data(d->op, &ax));
    EXPECT_OK(tes_operator_new_volume(d->op, &aty));
    EXPECT_OK(tes_operator_forward(d->op, x, ax));
    EXPECT_OK(tes_operator_adjoint(d->op, y, aty));
    expect_data("forward", p, d, d->op, ax, r->ax);
    expect_volume("adjoint", p, d, aty, r->aty);

    double ax_y = 0, x_aty = 0, ax_ax = 0, y_y = 0, x_x = 0;
    EXPECT_OK(tes_operator_data_dot(d->op, ax, y, &ax_y));
    EXPECT_OK(tes_operator_volume_dot(d->op, x, aty, &x_aty));
    EXPECT_OK(tes_operator_data_dot(d->op, ax, ax, &ax_ax));
    EXPECT_OK(tes_operator_data_dot(d->op, y, y, &y_y));
    EXPECT_OK(tes_operator_volume_dot(d->op, x, x, &x_x));
    double dot_error = fabs(ax_y - x_aty) / fabs(ax_y);
    if (rank == 0)
        printf("<Ax, y> = %.9g, <x, A^T y> = %.9g: relative difference %.2e\n", ax_y, x_aty,
               dot_error);
    EXPECT(dot_error <= TOLERANCE, "<Ax, y> = %.9g, <x, A^T y> = %.9g", ax_y, x_aty);
    EXPECT(close_to(ax_y, r->ax_y, fabs(r->ax_y)), "<Ax, y> = %.9g on the grid, %.9g on one rank",
           ax_y, r->ax_y);
    EXPECT(close_to(ax_ax, r->ax_ax, r->ax_ax), "<Ax, Ax> = %.9g on the grid, %.9g on one rank",
           ax_ax, r->ax_ax);
    EXPECT(fabs(y_y - r->y_y) <= 1e-12 * r->y_y, "<y, y> = %.17g on the grid, %.17g on one rank",
           y_y, r->y_y);
    EXPECT(fabs(x_x - r->x_x) <= 1e-12 * r->x_x, "<x, x> = %.17g on the grid, %.17g on one rank",
           x_x, r->x_x);

    /* Wrong shapes are refused with a message naming the array. */
    EXPECT_ERROR(tes_operator_forward(d->op, ax, ax), TES_ERR_SHAPE,
                 "volume x of the forward projection: expected shape");
    tes_array_destroy(&x);
    tes_array_destroy(&y);
    tes_array_destroy(&ax);
    return aty;
}

/* The subset's local views: those of the group with v % NSUBSETS == SUBSET. */
static void expect_subset_views(const dist *d, const tes_operator *sub) {
    size_t n = 0, k = 0;
    const size_t *views = NULL;
    tes_operator_views(sub, &n, &views);
    for (size_t v = d->grid->view_begin; v < d->grid->view_end; ++v)
        if (v % NSUBSETS == SUBSET) {
            EXPECT(k < n && views[k] == v, "rank %d: subset view %zu is %zu, expected %zu", rank, k,
                   k < n ? views[k] : (size_t)-1, v);
            ++k;
        }
    EXPECT(k == n, "rank %d: the subset has %zu views, expected %zu", rank, n, k);
}

/* (c) the subset operator: forward, extract_views and adjoint. */
static void test_subset(const problem *p, const dist *d, const reference *r) {
    tes_operator *sub = NULL;
    if (!op_create(&sub, d, p, 0, SUBSET, NSUBSETS))
        return;
    expect_subset_views(d, sub);
    tes_array *x = local_volume(p, d, d->op), *y = local_data(p, d, sub);
    tes_array *ax = NULL, *ax_sub = NULL, *picked = NULL, *aty = NULL;
    EXPECT_OK(tes_operator_new_data(d->op, &ax));
    EXPECT_OK(tes_operator_new_data(sub, &ax_sub));
    EXPECT_OK(tes_operator_new_data(sub, &picked));
    EXPECT_OK(tes_operator_new_volume(sub, &aty));
    EXPECT_OK(tes_operator_forward(d->op, x, ax));
    EXPECT_OK(tes_operator_forward(sub, x, ax_sub));
    EXPECT_OK(tes_operator_extract_views(sub, d->op, ax, picked));
    expect_data("subset forward", p, d, sub, ax_sub, r->ax);
    expect_data("extracted views", p, d, sub, picked, r->ax);
    EXPECT_OK(tes_operator_adjoint(sub, y, aty));
    expect_volume("subset adjoint", p, d, aty, r->aty_sub);
    tes_array *objects[] = {x, y, ax, ax_sub, picked, aty};
    for (size_t i = 0; i < sizeof objects / sizeof objects[0]; ++i)
        tes_array_destroy(&objects[i]);
    tes_operator_destroy(&sub);
}

/* (e) chunks of CHUNK_SLICES slices against the unchunked adjoint. */
static void test_chunked(const problem *p, const dist *d, const tes_array *aty_whole) {
    tes_operator *chunked = NULL;
    if (!op_create(&chunked, d, p, CHUNK_SLICES, 0, 0))
        return;
    tes_array *y = local_data(p, d, chunked), *aty = NULL;
    EXPECT_OK(tes_operator_new_volume(chunked, &aty));
    tes_operator_reset_stats(chunked);
    EXPECT_OK(tes_operator_adjoint(chunked, y, aty));
    tes_array *a = to_host(aty), *b = to_host(aty_whole);
    double scale = max_abs(b->data, tes_array_count(b));
    double err = max_diff(a->data, b->data, tes_array_count(a));
    EXPECT(err <= TOLERANCE * fmax(scale, 1e-30), "rank %d: chunked adjoint differs by %.3g", rank,
           err);

    tes_operator_stats s = tes_operator_get_stats(chunked);
    size_t nviews = 0;
    const size_t *views = NULL;
    tes_operator_views(chunked, &nviews, &views);
    double bytes = d->grid->p_view > 1 ? (double)tes_array_bytes(aty) : 0.0;
    double updates = y->shape[1] ? (double)tes_array_count(aty) * (double)nviews : 0.0;
    EXPECT(s.bytes_reduced == bytes, "rank %d: %g bytes reduced, expected %g", rank,
           s.bytes_reduced, bytes);
    EXPECT(s.updates == updates, "rank %d: %g updates, expected %g", rank, s.updates, updates);
    EXPECT(s.reduce_seconds >= 0.0 && s.adjoint_seconds >= 0.0, "negative seconds");
    tes_array_destroy(&a);
    tes_array_destroy(&b);
    tes_array_destroy(&y);
    tes_array_destroy(&aty);
    tes_operator_destroy(&chunked);
}

/* The forward stitch a view at a time (a buffer bound of one byte) gives
 * the same projections; a bound that is no number is refused. */
static void test_stitch_batches(const problem *p, const dist *d, const reference *r) {
    tes_operator *batched = NULL;
    setenv("TES_STITCH_BUFFER_BYTES", "1", 1);
    int made = op_create(&batched, d, p, 0, 0, 0);
    unsetenv("TES_STITCH_BUFFER_BYTES");
    if (!made)
        return;
    tes_array *x = local_volume(p, d, batched), *ax = NULL;
    EXPECT_OK(tes_operator_new_data(batched, &ax));
    EXPECT_OK(tes_operator_forward(batched, x, ax));
    expect_data("forward stitched a view at a time", p, d, batched, ax, r->ax);
    tes_array_destroy(&x);
    tes_array_destroy(&ax);
    tes_operator_destroy(&batched);

    size_t nviews = 0;
    const size_t *views = NULL;
    tes_operator_views(d->op, &nviews, &views);
    if (!d->grid->forward_stitch || d->grid->p_slab == 1 || nviews == 0)
        return;
    tes_operator_options opt = {p->backend, 0, 0, 0};
    setenv("TES_STITCH_BUFFER_BYTES", "lots", 1);
    EXPECT_ERROR(
        tes_operator_create(&batched, d->grid, &p->vol, p->proj, &opt, d->slab, d->view, d->world),
        TES_ERR_ARG, "TES_STITCH_BUFFER_BYTES = 'lots': expected a positive number");
    unsetenv("TES_STITCH_BUFFER_BYTES");
}

int main(int argc, char **argv) {
    /* Before MPI: a GPU test without a device exits 77 on every rank. */
    problem p = {tes_test_backend(argc, argv, 1), {0}, NULL, NULL, NULL};
    int provided = 0, p_slab = 1, p_view = 1;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    tes_log_set_rank(rank);
    const char *kind = argc > 2 ? argv[2] : "parallel3d";
    if (argc > 4) {
        p_slab = atoi(argv[3]);
        p_view = atoi(argv[4]);
    }
    size_t nviews = argc > 5 ? (size_t)atoi(argv[5]) : DEFAULT_VIEWS;
    reference r = {0};
    if (problem_create(&p, kind, nviews)) {
        reference_compute(&r, &p);
        dist d;
        if (dist_create(&d, MPI_COMM_WORLD, &p, p_slab, p_view)) {
            tes_array *aty = test_full(&p, &d, &r);
            test_subset(&p, &d, &r);
            test_chunked(&p, &d, aty);
            test_stitch_batches(&p, &d, &r);
            tes_array_destroy(&aty);
        }
        dist_destroy(&d);
    }
    reference_destroy(&r);
    problem_destroy(&p);
    MPI_Allreduce(MPI_IN_PLACE, &tes_test_failures, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Finalize();
    return tes_test_finish("t402-operator");
}
