/* t507: the FBP backprojector (kernels/backproject.h) against a direct
 * evaluation of its definition in double precision, written from the
 * conventions of kernels/geometry.h: every voxel centre projected onto
 * every view (axis offset, per-view shifts, cone magnification), the
 * detector read bilinearly (0 beyond one pixel outside the rows held and
 * the detector), FDK's distance weight for cone beams. On a part: a slab
 * inside the volume, a list of views, a subset of the detector rows; random
 * data; an anisotropic, off-centre volume. max |kernel - direct| / max
 * |direct| <= 1e-5. FBP's backprojection in batches of one slice (as long
 * reconstructions run it, reporting progress) equals one batch to float
 * rounding (each batch places its first slice in float: <= 1e-5;
 * measured 2e-6).
 * argv: backend, geometry (parallel|cone). */
#include "fbp_testing.h"

#include "kernels/backproject.h"
#include "solvers/fbp.h"

enum { NX = 37, NY = 29, NZ = 17, VIEWS = 23, ROWS = 40, COLS = 61 };
enum { Z_BEGIN = 4, Z_END = 13, ROW_BEGIN = 6, ROW_END = 31 };
#define TOLERANCE       1e-5
#define BATCH_TOLERANCE 1e-5

/* The detector of local view data (rows held x COLS) at (row, col),
 * bilinear, 0 outside. */
static double sample(const float *view, long nrows, double row, double col) {
    double r0 = floor(row), c0 = floor(col), fr = row - r0, fc = col - c0, sum = 0.0;
    for (int dr = 0; dr < 2; ++dr)
        for (int dc = 0; dc < 2; ++dc) {
            long r = (long)r0 + dr, c = (long)c0 + dc;
            if (r < 0 || r >= nrows || c < 0 || c >= COLS)
                continue;
            sum += (dr ? fr : 1.0 - fr) * (dc ? fc : 1.0 - fc) * view[r * COLS + c];
        }
    return sum;
}

/* out = the backprojection by its definition. */
static void direct(const tes_vol_geom *vol, const tes_proj_geom *g, const tes_proj_part *part,
                   const float *sino, double *out) {
    long nrows = (long)(part->row_end - part->row_begin);
    for (size_t k = part->z_begin; k < part->z_end; ++k)
        for (size_t j = 0; j < vol->ny; ++j)
            for (size_t i = 0; i < vol->nx; ++i) {
                double x = vol->cx + ((double)i - 0.5 * (double)(vol->nx - 1)) * vol->dx;
                double y = vol->cy + ((double)j - 0.5 * (double)(vol->ny - 1)) * vol->dy;
                double z = vol->cz + ((double)k - 0.5 * (double)(vol->nz - 1)) * vol->dz;
                double sum = 0.0;
                for (size_t n = 0; n < part->nviews; ++n) {
                    size_t v = part->views[n];
                    double a = g->angles[v], t = x * cos(a) + y * sin(a);
                    double d = y * cos(a) - x * sin(a), m = 1.0, w = 1.0;
                    if (g->kind == TES_GEOM_CONE3D) {
                        m = (g->sod + g->odd) / (g->sod + d);
                        w = (g->sod / (g->sod + d)) * (g->sod / (g->sod + d));
                    }
                    double col = g->center_col + g->shift_u[v] + m * t / g->pixel_u;
                    double row = g->center_row + g->shift_v[v] + m * z / g->pixel_v -
                                 (double)part->row_begin;
                    sum += w * sample(sino + n * (size_t)nrows * COLS, nrows, row, col);
                }
                out[((k - part->z_begin) * vol->ny + j) * vol->nx + i] = sum;
            }
}

int main(int argc, char **argv) {
    tes_backend backend = tes_test_backend(argc, argv, 1);
    int cone = argc > 2 && !strcmp(argv[2], "cone");
    tes_vol_geom vol = {NZ, NY, NX, 0.9, 1.1, 1.3, 0.7, -1.2, 2.1};
    tes_proj_geom *g = NULL;
    if (!EXPECT_OK(tes_proj_geom_create(&g, cone ? TES_GEOM_CONE3D : TES_GEOM_PARALLEL3D, 3 * VIEWS,
                                        ROWS, COLS)))
        return tes_test_finish("t507-backproject");
    g->pixel_u = 1.2;
    g->pixel_v = 0.8;
    g->center_col += 2.7;
    g->center_row -= 1.9;
    g->sod = 120.0;
    g->odd = 45.0;
    unsigned long long state = 3;
    for (size_t v = 0; v < g->nviews; ++v) {
        g->shift_u[v] = 2.0 * tes_test_random(&state);
        g->shift_v[v] = tes_test_random(&state);
    }
    size_t views[VIEWS];
    for (size_t n = 0; n < VIEWS; ++n)
        views[n] = 3 * n + n % 3; /* every third view, varied */
    tes_proj_part part = {Z_BEGIN, Z_END, ROW_BEGIN, ROW_END, VIEWS, views};
    size_t sshape[3] = {VIEWS, ROW_END - ROW_BEGIN, COLS}, vshape[3] = {Z_END - Z_BEGIN, NY, NX};
    tes_array *sino = NULL, *dsino = NULL, *x = NULL, *hx = NULL;
    double *ref = calloc((size_t)(Z_END - Z_BEGIN) * NY * NX, sizeof *ref);
    tes_location loc = tes_backend_location(backend);
    if (ref && EXPECT_OK(tes_array_create(&sino, TES_FLOAT32, TES_HOST, 3, sshape)) &&
        EXPECT_OK(tes_array_create(&x, TES_FLOAT32, loc, 3, vshape))) {
        float *s = sino->data;
        for (size_t e = 0; e < tes_array_count(sino); ++e)
            s[e] = tes_test_random(&state);
        direct(&vol, g, &part, s, ref);
        if (EXPECT_OK(tes_array_clone(&dsino, sino, loc)) &&
            EXPECT_OK(tes_backproject_fbp(&vol, g, &part, backend, dsino, x)) &&
            EXPECT_OK(tes_array_clone(&hx, x, TES_HOST))) {
            const float *got = hx->data;
            double diff = 0.0, scale = 0.0;
            for (size_t e = 0; e < tes_array_count(hx); ++e) {
                diff = fmax(diff, fabs(got[e] - ref[e]));
                scale = fmax(scale, fabs(ref[e]));
            }
            printf("%s backprojection (%s) against its definition: max difference %.3g of %.3g\n",
                   cone ? "cone3d" : "parallel3d", tes_backend_name(backend), diff, scale);
            EXPECT(scale > 0.0 && diff <= TOLERANCE * scale, "difference %.3g of %.3g", diff,
                   scale);
        }
        /* FBP in one batch, then in batches of one slice. */
        tes_array *one = NULL, *batched = NULL;
        unsetenv("TES_FBP_BATCH_UPDATES");
        if (EXPECT_OK(tes_fbp_part(&vol, g, &part, NULL, backend, dsino, x, NULL)))
            EXPECT_OK(tes_array_clone(&one, x, TES_HOST));
        setenv("TES_FBP_BATCH_UPDATES", "1", 1);
        if (EXPECT_OK(tes_fbp_part(&vol, g, &part, NULL, backend, dsino, x, NULL)))
            EXPECT_OK(tes_array_clone(&batched, x, TES_HOST));
        unsetenv("TES_FBP_BATCH_UPDATES");
        if (one && batched) {
            const float *a = one->data, *b = batched->data;
            double diff = 0.0, scale = 0.0;
            for (size_t e = 0; e < tes_array_count(one); ++e) {
                diff = fmax(diff, fabs((double)a[e] - (double)b[e]));
                scale = fmax(scale, fabs((double)a[e]));
            }
            printf("FBP in batches of one slice against one batch: max difference %.3g of %.3g\n",
                   diff, scale);
            EXPECT(scale > 0.0 && diff <= BATCH_TOLERANCE * scale,
                   "FBP in batches of one slice differs from one batch: %.3g of %.3g", diff,
                   scale);
        }
        tes_array_destroy(&one);
        tes_array_destroy(&batched);
    }
    free(ref);
    tes_array_destroy(&hx);
    tes_array_destroy(&dsino);
    tes_array_destroy(&x);
    tes_array_destroy(&sino);
    tes_proj_geom_destroy(&g);
    return tes_test_finish("t507-backproject");
}
