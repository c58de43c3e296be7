/* t104: the projectors compute the model of kernels/footprint.h, checked
 * against a reference built here in double from the documented formulas.
 * argv: backend, geometry. Two-tap, three-tap and wide footprints, whole
 * and part. */
#include "projector_testing.h"

/* Largest difference allowed, relative to the largest reference value:
 * float32 detector coordinates against double ones. */
#define MODEL_TOLERANCE 1e-5

typedef struct model_case {
    const char *name;
    double pixel; /* at the rotation axis, mm */
    double col_offset, row_offset;
    int part;
} model_case;

static const model_case cases[] = {
    {"pixels larger than voxels (two taps)", 1.4, 0.0, 0.0, 0},
    {"pixels as large as voxels (three taps)", 1.0, 0.4, 0.2, 0},
    {"pixels smaller than voxels (wide), part", 0.45, 1.3, -0.6, 1},
};

static const size_t part_views[] = {4, 1, 6};

static double hat(double t) {
    return fmax(0.0, 1.0 - fabs(t));
}

/* The voxel's in-plane width perpendicular to the ray through it, projected
 * onto the detector (mm): for cone3d the ray from the source runs along
 * t e_u + L e_d with depth L, magnified by m. */
static double width_u(const tes_proj_geom *g, const tes_vol_geom *vol, double a, double t,
                      double depth, double m) {
    if (g->kind != TES_GEOM_CONE3D)
        return vol->dx * fabs(cos(a)) + vol->dy * fabs(sin(a));
    double ray_x = t * cos(a) - depth * sin(a), ray_y = t * sin(a) + depth * cos(a);
    return m * (vol->dx * fabs(ray_y) + vol->dy * fabs(ray_x)) / depth;
}

/* The entry A[(view v, row r, col c), voxel centre p] in double. */
static double entry(const tes_proj_geom *g, const tes_vol_geom *vol, size_t v, double r, double c,
                    const double p[3]) {
    double a = g->angles[v], x = p[0], y = p[1], z = p[2];
    double t = x * cos(a) + y * sin(a), d = -x * sin(a) + y * cos(a);
    double m = 1.0, sdd = g->sod + g->odd, depth = g->sod + d;
    if (g->kind == TES_GEOM_CONE3D)
        m = sdd / depth;
    double u = m * t, w = m * z;
    double su = fmax(g->pixel_u, width_u(g, vol, a, t, depth, m));
    double sv = fmax(g->pixel_v, m * vol->dz);
    double col = g->center_col + g->shift_u[v] + u / g->pixel_u;
    double row = g->center_row + g->shift_v[v] + w / g->pixel_v;
    double weight = vol->dx * vol->dy * vol->dz / (su * sv);
    if (g->kind == TES_GEOM_CONE3D)
        weight *= m * m * sqrt(1.0 + (u * u + w * w) / (sdd * sdd));
    return weight * hat((col - c) / (su / g->pixel_u)) * hat((row - r) / (sv / g->pixel_v));
}

/* ref_fwd = A x and ref_adj = A^T y over the part, in double. */
static void reference(const tes_proj_geom *g, const tes_vol_geom *vol, const tes_proj_part *pt,
                      const float *x, const float *y, double *ref_fwd, double *ref_adj) {
    size_t nz = pt->z_end - pt->z_begin, nr = pt->row_end - pt->row_begin;
    size_t nvox = nz * vol->ny * vol->nx, npix = pt->nviews * nr * g->ncols;
    memset(ref_fwd, 0, npix * sizeof *ref_fwd);
    memset(ref_adj, 0, nvox * sizeof *ref_adj);
    for (size_t q = 0; q < nvox; ++q) {
        size_t k = q / (vol->ny * vol->nx), j = q / vol->nx % vol->ny, i = q % vol->nx;
        double p[3] = {vol->cx + ((double)i - 0.5 * (double)(vol->nx - 1)) * vol->dx,
                       vol->cy + ((double)j - 0.5 * (double)(vol->ny - 1)) * vol->dy,
                       vol->cz +
                           ((double)(k + pt->z_begin) - 0.5 * (double)(vol->nz - 1)) * vol->dz};
        for (size_t pix = 0; pix < npix; ++pix) {
            size_t lv = pix / (nr * g->ncols), r = pix / g->ncols % nr, c = pix % g->ncols;
            size_t v = pt->views ? pt->views[lv] : lv;
            double a = entry(g, vol, v, (double)(r + pt->row_begin), (double)c, p);
            ref_fwd[pix] += a * x[q];
            ref_adj[q] += a * y[pix];
        }
    }
}

static double rel_diff_double(const float *a, const double *ref, size_t n) {
    double d = 0.0, m = 0.0;
    for (size_t i = 0; i < n; ++i) {
        d = fmax(d, fabs((double)a[i] - ref[i]));
        m = fmax(m, fabs(ref[i]));
    }
    return m > 0.0 ? d / m : d;
}

static void run_case(const model_case *mc, tes_geom_kind kind, tes_backend backend) {
    tes_vol_geom vol = {6, 7, 5, 1.1, 0.9, 1.3, 0.4, -0.3, 0.2};
    tes_proj_geom *g = tes_test_proj_geom(kind, &vol, 7, 12, 17, mc->pixel, mc->pixel);
    if (!g)
        return;
    tes_test_irregular(g, 77);
    g->center_col += mc->col_offset;
    g->center_row += mc->row_offset;
    tes_proj_part pt = tes_proj_part_whole(&vol, g);
    if (mc->part)
        pt = (tes_proj_part){1, 4, 2, 10, sizeof part_views / sizeof *part_views, part_views};
    tes_projector *p = NULL;
    if (EXPECT_OK(tes_projector_create(&p, &vol, g, &pt, backend))) {
        size_t vs[3], ss[3];
        tes_projector_vol_shape(p, vs);
        tes_projector_sino_shape(p, ss);
        size_t nv = tes_test_count(vs), ns = tes_test_count(ss);
        float *x = tes_test_floats(nv), *y = tes_test_floats(ns);
        float *ax = tes_test_floats(ns), *aty = tes_test_floats(nv);
        double *ref_fwd = calloc(ns, sizeof *ref_fwd), *ref_adj = calloc(nv, sizeof *ref_adj);
        tes_test_fill_random(x, nv, 5);
        tes_test_fill_random(y, ns, 6);
        reference(g, &vol, &pt, x, y, ref_fwd, ref_adj);
        if (EXPECT_OK(tes_test_apply(p, 0, x, ax)) && EXPECT_OK(tes_test_apply(p, 1, y, aty))) {
            double ef = rel_diff_double(ax, ref_fwd, ns), ea = rel_diff_double(aty, ref_adj, nv);
            printf("%-42s forward %.2e  adjoint %.2e\n", mc->name, ef, ea);
            EXPECT(ef < MODEL_TOLERANCE, "%s: forward differs from the model by %.3e", mc->name,
                   ef);
            EXPECT(ea < MODEL_TOLERANCE, "%s: adjoint differs from the model by %.3e", mc->name,
                   ea);
        }
        free(x);
        free(y);
        free(ax);
        free(aty);
        free(ref_fwd);
        free(ref_adj);
    }
    tes_projector_destroy(&p);
    tes_proj_geom_destroy(&g);
}

int main(int argc, char **argv) {
    tes_backend backend = tes_test_backend(argc, argv, 1);
    tes_geom_kind kind = tes_test_geometry(argc, argv, 2);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; ++i)
        run_case(&cases[i], kind, backend);
    return tes_test_finish("t104-model");
}
