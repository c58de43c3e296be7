/* t105: the CUDA projectors compute the same matrix as the CPU ones: forward
 * and adjoint of random data agree to float rounding (relative L2
 * difference), for the geometry argv[2], over sizes, voxel shapes, angles,
 * shifts, offsets and parts. argv[1] must be "cuda"; skips without a device. */
#include "projector_testing.h"

/* Relative L2 difference allowed: float32 rounding of the sums and of the
 * footprint coordinates, which the backends evaluate in different orders. */
#define AGREE_TOLERANCE 1e-5

typedef struct agree_case {
    const char *name;
    size_t nz, ny, nx;
    double dz, dy, dx; /* voxel size, mm */
    double cz, cy, cx; /* volume centre, mm */
    size_t nviews, nrows, ncols;
    double pixel_u, pixel_v;       /* at the rotation axis, mm */
    double col_offset, row_offset; /* detector centre moved, pixels */
    int angles;                    /* UNIFORM, IRREGULAR (with fractional shifts) or AXES */
    int part;                      /* a slab, a view subset and a row subset */
} agree_case;

/* Angles: uniform; irregular with fractional per-view shifts; k pi / 4 (rays
 * along the axes and diagonals, where the kernels switch walking axis). */
enum { UNIFORM = 0, IRREGULAR = 1, AXES = 2 };

static const agree_case cases[] = {
    {"odd non-cubic", 11, 17, 23, 1, 1, 1, 0, 0, 0, 29, 21, 37, 1, 1, 0, 0, UNIFORM, 0},
    {"anisotropic voxels, irregular angles and shifts", 9, 14, 19, 0.8, 1.3, 0.9, 0, 0, 0, 31, 19,
     41, 1.1, 0.9, 0, 0, IRREGULAR, 0},
    {"voxels larger than pixels", 8, 10, 12, 2, 2, 2, 0, 0, 0, 17, 40, 60, 0.7, 0.7, 0, 0,
     IRREGULAR, 0},
    {"voxels smaller than pixels", 12, 16, 20, 0.5, 0.5, 0.5, 0, 0, 0, 23, 12, 16, 1.6, 1.6, 0, 0,
     IRREGULAR, 0},
    {"thin slices (many per detector row)", 21, 12, 14, 0.3, 1, 1, 0, 0, 0, 13, 9, 22, 1, 1.4, 0, 0,
     IRREGULAR, 0},
    {"detector and volume offsets", 10, 13, 15, 1, 1, 1, 0.6, -1.2, 2.1, 19, 20, 30, 1, 1, 3.7,
     -2.3, IRREGULAR, 0},
    {"views on the axes and diagonals", 10, 12, 12, 1, 1, 1, 0, 0, 0, 8, 14, 20, 1, 1, 0, 0, AXES,
     0},
    {"one view", 9, 12, 14, 1, 1, 1, 0, 0, 0, 1, 14, 24, 1, 1, 0, 0, IRREGULAR, 0},
    {"one slice", 1, 18, 21, 1, 1, 1, 0, 0, 0, 25, 5, 33, 1, 1, 0, 0, IRREGULAR, 0},
    {"more views than a block stages", 7, 9, 11, 1, 1, 1, 0, 0, 0, 300, 9, 17, 1, 1, 0, 0,
     IRREGULAR, 0},
    {"larger volume", 36, 40, 48, 1, 1, 1, 0, 0, 0, 45, 40, 70, 1, 1, 0.8, 0.3, IRREGULAR, 0},
    {"slab, view subset and row subset", 13, 15, 17, 1, 1.2, 1, 0, 0, 0, 19, 20, 28, 1, 1, 0, 0,
     IRREGULAR, 1},
};

static const size_t part_views[] = {5, 0, 17, 9, 12, 3};

/* sqrt(sum (a - b)^2 / sum b^2): 0 when equal, 1 when b is all zero but a is not. */
static double rel_l2(const float *a, const float *b, size_t n) {
    double d = 0.0, s = 0.0;
    for (size_t i = 0; i < n; ++i) {
        double e = (double)a[i] - (double)b[i];
        d += e * e;
        s += (double)b[i] * (double)b[i];
    }
    return s > 0.0 ? sqrt(d / s) : (d > 0.0 ? 1.0 : 0.0);
}

/* The same problem on the CPU and on CUDA; NULL projectors on error. */
static void create_pair(const agree_case *c, tes_geom_kind kind, unsigned long long seed,
                        tes_projector *p[2]) {
    tes_vol_geom vol = {c->nz, c->ny, c->nx, c->dz, c->dy, c->dx, c->cz, c->cy, c->cx};
    tes_proj_geom *g =
        tes_test_proj_geom(kind, &vol, c->nviews, c->nrows, c->ncols, c->pixel_u, c->pixel_v);
    if (!g)
        return;
    g->center_col += c->col_offset;
    g->center_row += c->row_offset;
    if (c->angles == IRREGULAR)
        tes_test_irregular(g, seed);
    if (c->angles == AXES)
        for (size_t i = 0; i < g->nviews; ++i)
            g->angles[i] = (double)i * M_PI / 4.0;
    tes_proj_part part = tes_proj_part_whole(&vol, g);
    if (c->part)
        part = (tes_proj_part){3, 9, 4, 15, sizeof part_views / sizeof *part_views, part_views};
    if (EXPECT_OK(tes_projector_create(&p[0], &vol, g, &part, TES_BACKEND_CPU)))
        EXPECT_OK(tes_projector_create(&p[1], &vol, g, &part, TES_BACKEND_CUDA));
    tes_proj_geom_destroy(&g);
}

/* Apply A (adjoint 0) or A^T (adjoint 1) to random data on both backends
 * and compare. */
static void compare(const agree_case *c, tes_projector *p[2], int adjoint,
                    unsigned long long seed) {
    size_t vs[3], ss[3];
    tes_projector_vol_shape(p[0], vs);
    tes_projector_sino_shape(p[0], ss);
    size_t nin = tes_test_count(adjoint ? ss : vs), nout = tes_test_count(adjoint ? vs : ss);
    float *in = tes_test_floats(nin), *cpu = tes_test_floats(nout), *gpu = tes_test_floats(nout);
    tes_test_fill_random(in, nin, seed);
    /* Stale values in the CUDA output must be overwritten, not added to. */
    for (size_t i = 0; i < nout; ++i)
        gpu[i] = 1e3f;
    if (EXPECT_OK(tes_test_apply(p[0], adjoint, in, cpu)) &&
        EXPECT_OK(tes_test_apply(p[1], adjoint, in, gpu))) {
        double err = rel_l2(gpu, cpu, nout);
        printf("%-50s %-7s |cuda - cpu| / |cpu| = %.2e\n", c->name, adjoint ? "adjoint" : "forward",
               err);
        EXPECT(tes_test_max_abs(cpu, nout) > 0, "%s: the CPU projection is all zero", c->name);
        EXPECT(tes_test_all_finite(gpu, nout), "%s: non-finite CUDA values", c->name);
        EXPECT(err < AGREE_TOLERANCE, "%s %s: CUDA and CPU differ by %.3e", c->name,
               adjoint ? "adjoint" : "forward", err);
    }
    free(in);
    free(cpu);
    free(gpu);
}

int main(int argc, char **argv) {
    tes_backend backend = tes_test_backend(argc, argv, 1);
    tes_geom_kind kind = tes_test_geometry(argc, argv, 2);
    if (backend != TES_BACKEND_CUDA) {
        printf("skipped: t105 compares cuda with cpu; run it with the cuda argument\n");
        return TES_TEST_SKIP;
    }
    for (size_t i = 0; i < sizeof cases / sizeof *cases; ++i) {
        tes_projector *p[2] = {NULL, NULL};
        unsigned long long seed = 1000 + 17 * i;
        create_pair(&cases[i], kind, seed, p);
        if (p[0] && p[1]) {
            compare(&cases[i], p, 0, seed + 1);
            compare(&cases[i], p, 1, seed + 2);
        }
        tes_projector_destroy(&p[0]);
        tes_projector_destroy(&p[1]);
    }
    return tes_test_finish(kind == TES_GEOM_CONE3D ? "t105 cone3d" : "t105 parallel3d");
}
