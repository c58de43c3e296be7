/* t503: FBP and FDK on the GPU agree with the CPU: the filtered sinograms
 * (FFTW against cuFFT) and the reconstructions, for parallel beams with an
 * off-centre axis and per-view shifts, cone-beam full and short scans, and
 * every window: max |cuda - cpu| / max |cpu| <= 1e-4. Skips without a
 * device. argv: cuda (the backend under test). */
#include "fbp_testing.h"

enum { N = 64, VIEWS = 96, SLICES = 6 };
#define TOLERANCE 1e-4

static double max_relative(const tes_array *a, const tes_array *b) {
    const float *x = a->data, *y = b->data;
    double diff = 0.0, scale = 0.0;
    for (size_t i = 0; i < tes_array_count(a); ++i) {
        diff = fmax(diff, fabs((double)x[i] - y[i]));
        scale = fmax(scale, fabs((double)y[i]));
    }
    return scale > 0.0 ? diff / scale : diff;
}

/* The filtered sinogram of part on backend, back on the host. */
static tes_array *filtered(const tes_proj_geom *proj, const tes_proj_part *part,
                           const tes_fbp_options *opt, tes_backend backend,
                           const tes_array *host_sino) {
    tes_array *s = NULL, *host = NULL;
    if (EXPECT_OK(tes_array_clone(&s, host_sino, tes_backend_location(backend))) &&
        EXPECT_OK(tes_fbp_filter(proj, part, opt, backend, s)))
        EXPECT_OK(tes_array_clone(&host, s, TES_HOST));
    tes_array_destroy(&s);
    return host;
}

static void compare(const char *name, const tes_vol_geom *vol, const tes_proj_geom *proj,
                    const tes_fbp_options *opt) {
    tes_proj_part part = tes_fbp_test_part(vol, proj, N / 2 - SLICES / 2, N / 2 + SLICES / 2);
    tes_array *sino = tes_fbp_test_sinogram(vol, proj, &part);
    if (!sino)
        return;
    tes_array *fc = filtered(proj, &part, opt, TES_BACKEND_CPU, sino);
    tes_array *fg = filtered(proj, &part, opt, TES_BACKEND_CUDA, sino);
    tes_array *xc = tes_fbp_test_reconstruct(vol, proj, &part, opt, TES_BACKEND_CPU, sino);
    tes_array *xg = tes_fbp_test_reconstruct(vol, proj, &part, opt, TES_BACKEND_CUDA, sino);
    if (fc && fg && xc && xg) {
        double df = max_relative(fg, fc), dx = max_relative(xg, xc);
        printf("%-24s %-12s filtered %.3g  reconstruction %.3g\n", name,
               tes_filter_window_name(opt->filter.window), df, dx);
        EXPECT(df <= TOLERANCE, "%s: filtered sinograms differ by %.3g", name, df);
        EXPECT(dx <= TOLERANCE, "%s: reconstructions differ by %.3g", name, dx);
    }
    tes_array_destroy(&fc);
    tes_array_destroy(&fg);
    tes_array_destroy(&xc);
    tes_array_destroy(&xg);
    tes_array_destroy(&sino);
}

int main(int argc, char **argv) {
    tes_test_backend(argc, argv, 1); /* skips without a device */
    tes_vol_geom vol;
    tes_proj_geom *par = NULL, *cone = NULL;
    if (tes_fbp_test_geometry(0, N, VIEWS, &vol, &par) &&
        tes_fbp_test_geometry(1, N, VIEWS, &vol, &cone)) {
        par->center_col += 1.25;
        for (size_t v = 0; v < VIEWS; ++v) {
            par->shift_u[v] = 0.5 * sin(0.1 * (double)v);
            par->shift_v[v] = 0.25 * cos(0.1 * (double)v);
        }
        tes_fbp_options opt = tes_fbp_options_default();
        for (int w = 0; w < TES_WINDOW_COUNT; ++w) {
            opt.filter.window = (tes_filter_window)w;
            opt.filter.cutoff = w == 0 ? 1.0 : 0.8;
            compare("parallel (shifted axis)", &vol, par, &opt);
        }
        opt = tes_fbp_options_default();
        compare("cone, full scan", &vol, cone, &opt);
        tes_proj_geom_set_uniform_angles(cone, 0.3, 1.4 * M_PI);
        opt.scan = TES_FBP_SCAN_SHORT;
        compare("cone, short scan", &vol, cone, &opt);
    }
    tes_proj_geom_destroy(&par);
    tes_proj_geom_destroy(&cone);
    return tes_test_finish("t503-fbp-cuda-cpu");
}
