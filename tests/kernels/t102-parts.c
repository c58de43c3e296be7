/* t102: parts of a problem agree with the whole. argv: backend, geometry.
 * Forwards of slabs sum to the whole forward; a slab's adjoint is that slab
 * of the whole adjoint (also holding only the rows it needs); view and row
 * subsets give those views and rows. */
#include "projector_testing.h"

/* Largest difference allowed, relative to the largest value compared:
 * float32 rounding of sums taken in another order or with shifted local
 * row coordinates. */
#define PART_TOLERANCE 1e-5

typedef struct problem {
    tes_vol_geom vol;
    tes_proj_geom *g;
    tes_backend backend;
    size_t slice_size, view_size; /* voxels per slice, pixels per whole view */
    float *x, *y;                 /* random volume and sinogram */
    float *ax, *aty;              /* their whole forward and adjoint */
} problem;

/* out = A_part in (adjoint 0) or A_part^T in (adjoint 1); a new buffer, or
 * NULL after counting a failure. */
static float *apply_part(const problem *pb, const tes_proj_part *pt, int adjoint, const float *in) {
    tes_projector *p = NULL;
    if (!EXPECT_OK(tes_projector_create(&p, &pb->vol, pb->g, pt, pb->backend)))
        return NULL;
    size_t shape[3];
    if (adjoint)
        tes_projector_vol_shape(p, shape);
    else
        tes_projector_sino_shape(p, shape);
    float *out = tes_test_floats(tes_test_count(shape));
    if (!EXPECT_OK(tes_test_apply(p, adjoint, in, out))) {
        free(out);
        out = NULL;
    }
    tes_projector_destroy(&p);
    return out;
}

/* The part's views and rows cut out of a whole sinogram; a new buffer. */
static float *cut_sino(const problem *pb, const float *whole, const tes_proj_part *pt) {
    size_t nr = pt->row_end - pt->row_begin, ncols = pb->g->ncols;
    float *out = tes_test_floats(pt->nviews * nr * ncols);
    for (size_t lv = 0; lv < pt->nviews; ++lv) {
        size_t v = pt->views ? pt->views[lv] : lv;
        memcpy(out + lv * nr * ncols, whole + v * pb->view_size + pt->row_begin * ncols,
               nr * ncols * sizeof *out);
    }
    return out;
}

static void expect_close(const char *what, const float *got, const float *want, size_t n) {
    double d = tes_test_rel_diff(got, want, n);
    printf("%-58s rel %.2e\n", what, d);
    EXPECT(tes_test_max_abs(want, n) > 0, "%s: the reference is all zero", what);
    EXPECT(d < PART_TOLERANCE, "%s: differs by %.3e", what, d);
}

static tes_proj_part slab_part(const problem *pb, size_t z0, size_t z1) {
    tes_proj_part pt = tes_proj_part_whole(&pb->vol, pb->g);
    pt.z_begin = z0;
    pt.z_end = z1;
    return pt;
}

/* Slabs [0, 5), [5, 6), [6, nz): forwards sum to the whole; adjoints are slabs. */
static void check_slabs(const problem *pb) {
    const size_t bounds[] = {0, 5, 6, pb->vol.nz};
    size_t ns = pb->g->nviews * pb->view_size;
    float *sum = tes_test_floats(ns);
    for (size_t s = 0; s + 1 < sizeof bounds / sizeof *bounds; ++s) {
        tes_proj_part pt = slab_part(pb, bounds[s], bounds[s + 1]);
        size_t nvox = (bounds[s + 1] - bounds[s]) * pb->slice_size;
        float *fwd = apply_part(pb, &pt, 0, pb->x + bounds[s] * pb->slice_size);
        float *adj = apply_part(pb, &pt, 1, pb->y);
        if (fwd)
            for (size_t i = 0; i < ns; ++i)
                sum[i] += fwd[i];
        if (adj)
            expect_close("adjoint of a slab = that slab of the whole adjoint", adj,
                         pb->aty + bounds[s] * pb->slice_size, nvox);
        free(fwd);
        free(adj);
    }
    expect_close("forward projections of the slabs sum to the whole", sum, pb->ax, ns);
    free(sum);
}

/* A view list gives those views; adjoints over a partition of views sum up. */
static void check_views(const problem *pb) {
    static const size_t some[] = {3, 17, 0, 11, 23};
    tes_proj_part pt = tes_proj_part_whole(&pb->vol, pb->g);
    pt.nviews = sizeof some / sizeof *some;
    pt.views = some;
    float *fwd = apply_part(pb, &pt, 0, pb->x), *want = cut_sino(pb, pb->ax, &pt);
    if (fwd)
        expect_close("a view subset gives those views", fwd, want, pt.nviews * pb->view_size);
    free(fwd);
    free(want);

    size_t nviews = pb->g->nviews, nvox = pb->vol.nz * pb->slice_size;
    size_t *group = calloc(nviews, sizeof *group);
    float *sum = tes_test_floats(nvox);
    for (size_t parity = 0; parity < 2; ++parity) {
        pt.nviews = 0;
        for (size_t v = parity; v < nviews; v += 2)
            group[pt.nviews++] = v;
        pt.views = group;
        float *in = cut_sino(pb, pb->y, &pt), *adj = apply_part(pb, &pt, 1, in);
        if (adj)
            for (size_t i = 0; i < nvox; ++i)
                sum[i] += adj[i];
        free(in);
        free(adj);
    }
    expect_close("adjoints over even and odd views sum to the whole", sum, pb->aty, nvox);
    free(sum);
    free(group);
}

/* Rows [5, 13) of the detector give those rows. */
static void check_rows(const problem *pb) {
    tes_proj_part pt = tes_proj_part_whole(&pb->vol, pb->g);
    pt.row_begin = 5;
    pt.row_end = 13;
    float *fwd = apply_part(pb, &pt, 0, pb->x), *want = cut_sino(pb, pb->ax, &pt);
    if (fwd)
        expect_close("a row subset gives those rows", fwd, want,
                     pb->g->nviews * (pt.row_end - pt.row_begin) * pb->g->ncols);
    free(fwd);
    free(want);
}

/* [first, end) of the rows where a whole-detector forward of the slab of
 * ones is nonzero on any view: the rows the slab needs. */
static void rows_needed(const problem *pb, const tes_proj_part *slab, size_t *first, size_t *end) {
    size_t nvox = (slab->z_end - slab->z_begin) * pb->slice_size, nrows = pb->g->nrows;
    float *ones = tes_test_floats(nvox);
    for (size_t i = 0; i < nvox; ++i)
        ones[i] = 1.0f;
    float *fwd = apply_part(pb, slab, 0, ones);
    *first = nrows;
    *end = 0;
    for (size_t i = 0; fwd && i < pb->g->nviews * pb->view_size; ++i) {
        size_t r = i / pb->g->ncols % nrows;
        if (fwd[i] != 0.0f) {
            *first = r < *first ? r : *first;
            *end = r + 1 > *end ? r + 1 : *end;
        }
    }
    free(ones);
    free(fwd);
}

/* A slab holding only the rows it needs, on a few views: its adjoint is the
 * slab of those views' adjoint, its forward those rows of the slab's. */
static void check_slab_rows_views(const problem *pb) {
    static const size_t some[] = {2, 9, 20, 14};
    tes_proj_part slab = slab_part(pb, 6, 10);
    size_t first = 0, end = 0;
    rows_needed(pb, &slab, &first, &end);
    EXPECT(first > 0 && end < pb->g->nrows && first < end,
           "slab [6, 10) should need some rows, not all: [%zu, %zu)", first, end);
    if (!(first < end))
        return;
    slab.nviews = sizeof some / sizeof *some;
    slab.views = some;
    tes_proj_part part = slab;
    part.row_begin = first;
    part.row_end = end;
    const float *x = pb->x + 6 * pb->slice_size;
    float *y_views = cut_sino(pb, pb->y, &slab), *y_part = cut_sino(pb, pb->y, &part);
    float *adj_slab = apply_part(pb, &slab, 1, y_views), *adj = apply_part(pb, &part, 1, y_part);
    if (adj_slab && adj)
        expect_close("slab on its rows: adjoint = the slab's adjoint", adj, adj_slab,
                     4 * pb->slice_size);
    float *fwd_slab = apply_part(pb, &slab, 0, x), *fwd = apply_part(pb, &part, 0, x);
    if (fwd_slab && fwd) {
        tes_proj_part cut = part;
        cut.views = NULL; /* fwd_slab holds just these views, in this order */
        float *want = cut_sino(pb, fwd_slab, &cut);
        expect_close("slab on its rows: forward = the slab's forward", fwd, want,
                     part.nviews * (end - first) * pb->g->ncols);
        free(want);
    }
    free(y_views);
    free(y_part);
    free(adj_slab);
    free(adj);
    free(fwd_slab);
    free(fwd);
}

int main(int argc, char **argv) {
    problem pb = {.backend = tes_test_backend(argc, argv, 1)};
    tes_geom_kind kind = tes_test_geometry(argc, argv, 2);
    pb.vol = (tes_vol_geom){14, 18, 22, 1.0, 1.1, 0.9, 0.0, 0.0, 0.0};
    pb.g = tes_test_proj_geom(kind, &pb.vol, 24, 30, 34, 1.0, 1.0);
    if (!pb.g)
        return tes_test_finish("t102-parts");
    tes_test_irregular(pb.g, 11);
    pb.slice_size = pb.vol.ny * pb.vol.nx;
    pb.view_size = pb.g->nrows * pb.g->ncols;
    size_t nvox = pb.vol.nz * pb.slice_size, npix = pb.g->nviews * pb.view_size;
    pb.x = tes_test_floats(nvox);
    pb.y = tes_test_floats(npix);
    tes_test_fill_random(pb.x, nvox, 1);
    tes_test_fill_random(pb.y, npix, 2);
    tes_proj_part whole = tes_proj_part_whole(&pb.vol, pb.g);
    pb.ax = apply_part(&pb, &whole, 0, pb.x);
    pb.aty = apply_part(&pb, &whole, 1, pb.y);
    if (pb.ax && pb.aty) {
        check_slabs(&pb);
        check_views(&pb);
        check_rows(&pb);
        check_slab_rows_views(&pb);
    }
    free(pb.x);
    free(pb.y);
    free(pb.ax);
    free(pb.aty);
    tes_proj_geom_destroy(&pb.g);
    return tes_test_finish("t102-parts");
}
