/* t101: <A x, y> = <x, A^T y> to float rounding (the adjoint is the
 * transpose). argv: backend, geometry. Cases: odd non-cubic sizes,
 * anisotropic voxels, irregular angles and shifts, voxels larger and smaller
 * than pixels, detector and volume offsets, one view, one slice, a part. */
#include "projector_testing.h"

/* Relative dot-product mismatch allowed: float32 rounding of the sums. */
#define DOT_TOLERANCE 1e-5

typedef struct dot_case {
    const char *name;
    size_t nz, ny, nx;
    double dz, dy, dx; /* voxel size, mm */
    double cz, cy, cx; /* volume centre, mm */
    size_t nviews, nrows, ncols;
    double pixel_u, pixel_v;       /* at the rotation axis, mm */
    double col_offset, row_offset; /* detector centre moved, pixels */
    int irregular;                 /* irregular angles, fractional per-view shifts */
    int part;                      /* a slab, a view subset and a row subset */
} dot_case;

static const dot_case cases[] = {
    {"odd non-cubic", 11, 17, 23, 1, 1, 1, 0, 0, 0, 29, 21, 37, 1, 1, 0, 0, 0, 0},
    {"anisotropic voxels, irregular angles and shifts", 9, 14, 19, 0.8, 1.3, 0.9, 0, 0, 0, 31, 19,
     41, 1.1, 0.9, 0, 0, 1, 0},
    {"voxels larger than pixels", 8, 10, 12, 2, 2, 2, 0, 0, 0, 17, 40, 60, 0.7, 0.7, 0, 0, 1, 0},
    {"voxels smaller than pixels", 12, 16, 20, 0.5, 0.5, 0.5, 0, 0, 0, 23, 12, 16, 1.6, 1.6, 0, 0,
     1, 0},
    {"detector and volume offsets", 10, 13, 15, 1, 1, 1, 0.6, -1.2, 2.1, 19, 20, 30, 1, 1, 3.7,
     -2.3, 1, 0},
    {"one view", 9, 12, 14, 1, 1, 1, 0, 0, 0, 1, 14, 24, 1, 1, 0, 0, 1, 0},
    {"one slice", 1, 18, 21, 1, 1, 1, 0, 0, 0, 25, 5, 33, 1, 1, 0, 0, 1, 0},
    {"slab, view subset and row subset", 13, 15, 17, 1, 1.2, 1, 0, 0, 0, 19, 20, 28, 1, 1, 0, 0, 1,
     1},
};

static const size_t part_views[] = {5, 0, 17, 9, 12, 3};

static void run_case(const dot_case *c, tes_geom_kind kind, tes_backend backend,
                     unsigned long long seed) {
    tes_vol_geom vol = {c->nz, c->ny, c->nx, c->dz, c->dy, c->dx, c->cz, c->cy, c->cx};
    tes_proj_geom *g =
        tes_test_proj_geom(kind, &vol, c->nviews, c->nrows, c->ncols, c->pixel_u, c->pixel_v);
    if (!g)
        return;
    g->center_col += c->col_offset;
    g->center_row += c->row_offset;
    if (c->irregular)
        tes_test_irregular(g, seed);
    tes_proj_part part = tes_proj_part_whole(&vol, g);
    if (c->part) {
        part = (tes_proj_part){3, 9, 4, 15, sizeof part_views / sizeof *part_views, part_views};
    }
    tes_projector *p = NULL;
    if (EXPECT_OK(tes_projector_create(&p, &vol, g, &part, backend))) {
        size_t vs[3], ss[3];
        tes_projector_vol_shape(p, vs);
        tes_projector_sino_shape(p, ss);
        size_t nv = tes_test_count(vs), ns = tes_test_count(ss);
        float *x = tes_test_floats(nv), *y = tes_test_floats(ns);
        float *ax = tes_test_floats(ns), *aty = tes_test_floats(nv);
        /* Positive values: the sums have no cancellation, so 1e-5 is far
         * above their rounding, while any entry that differs between A and
         * A^T in more than a 1e-5 share of the matrix shows. */
        tes_test_fill_positive(x, nv, seed + 1);
        tes_test_fill_positive(y, ns, seed + 2);
        if (EXPECT_OK(tes_test_apply(p, 0, x, ax)) && EXPECT_OK(tes_test_apply(p, 1, y, aty))) {
            double lhs = tes_test_dot(ax, y, ns), rhs = tes_test_dot(x, aty, nv);
            double err = fabs(lhs - rhs) / fabs(lhs);
            printf("%-50s <Ax,y> = %12.6e  <x,A^T y> = %12.6e  rel %.2e\n", c->name, lhs, rhs, err);
            EXPECT(tes_test_max_abs(ax, ns) > 0 && tes_test_max_abs(aty, nv) > 0,
                   "%s: a projection is all zero", c->name);
            EXPECT(err < DOT_TOLERANCE, "%s: dot-product mismatch %.3e", c->name, err);
        }
        free(x);
        free(y);
        free(ax);
        free(aty);
    }
    tes_projector_destroy(&p);
    tes_proj_geom_destroy(&g);
}

int main(int argc, char **argv) {
    tes_backend backend = tes_test_backend(argc, argv, 1);
    tes_geom_kind kind = tes_test_geometry(argc, argv, 2);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; ++i)
        run_case(&cases[i], kind, backend, 1000 + 17 * i);
    return tes_test_finish("t101-dot");
}
