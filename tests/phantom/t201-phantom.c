/* t201: the Shepp-Logan phantom's closed-form line integrals match chords
 * worked out by hand from the published ellipsoids (rotation sense
 * included), rays that miss give 0, voxelization puts 0.2 in the brain,
 * slabs equal slices of the whole, voxelized and projected mass agree, and
 * bad arguments are refused. */
#include "testing.h"

#include "phantom/shepp_logan.h"

enum {
    SUPERSAMPLE = 3,
    PART_VIEW_COUNT = 2,
};
static const double INTEGRAL_TOL = 1e-9; /* relative: double arithmetic */
static const double VOXEL_TOL = 1e-6;    /* float32 rounding of a voxel */
static const double MASS_TOL = 2e-3;     /* relative: discretization of the mass (measured 5e-4) */
static const double BRAIN_VALUE = 0.2;   /* skull 1 + brain -0.8 */
static const double DEG = M_PI / 180.0;

/* Half extents of the volume (mm): where the normalized cube's faces land. */
static void half_extents(const tes_vol_geom *v, double h[3]) {
    h[0] = 0.5 * (double)v->nx * v->dx;
    h[1] = 0.5 * (double)v->ny * v->dy;
    h[2] = 0.5 * (double)v->nz * v->dz;
}

/* A ray through the normalized point (X, Y, Z) along dir (mm components). */
static tes_ray normalized_ray(const tes_vol_geom *v, double X, double Y, double Z, double dx,
                              double dy, double dz) {
    double h[3];
    half_extents(v, h);
    tes_ray r = {{v->cx + X * h[0], v->cy + Y * h[1], v->cz + Z * h[2]}, {dx, dy, dz}};
    return r;
}

/* Length of the chord of an axis-aligned ellipse (normalized units) cut by
 * the line parallel to the third axis through (p, q): the ellipsoid has
 * semi-axes (a, b, c) and is centred at (p0, q0); 0 if it misses. */
static double axis_chord(double a, double b, double c, double p0, double q0, double p, double q) {
    double s = 1.0 - (p - p0) * (p - p0) / (a * a) - (q - q0) * (q - q0) / (b * b);
    return s > 0.0 ? 2.0 * c * sqrt(s) : 0.0;
}

/* Chord through the centre of an ellipse with semi-axes a, b along a line
 * at angle theta from the a semi-axis. */
static double central_chord(double a, double b, double theta) {
    double ct = cos(theta), st = sin(theta);
    return 2.0 / sqrt(ct * ct / (a * a) + st * st / (b * b));
}

static void expect_close(double got, double want, const char *what) {
    double scale = fabs(want) > 1.0 ? fabs(want) : 1.0;
    EXPECT(fabs(got - want) <= INTEGRAL_TOL * scale, "%s: line integral %.12g, expected %.12g",
           what, got, want);
}

/* Rays with hand-computed integrals in an anisotropic, off-centre volume. */
static void test_line_integrals(void) {
    tes_vol_geom v = {30, 60, 40, 0.7, 0.4, 0.5, 5.0, -2.0, 3.0};
    double h[3];
    half_extents(&v, h);

    /* Along z through the axis: skull and brain only (the brain is centred
     * at y = -0.0184). A long direction vector must not change the chord. */
    tes_ray r = normalized_ray(&v, 0.0, 0.0, 0.3, 0.0, 0.0, -2.5);
    double want = h[2] * (1.0 * axis_chord(0.69, 0.92, 0.81, 0, 0, 0, 0) -
                          0.8 * axis_chord(0.6624, 0.874, 0.78, 0, -0.0184, 0, 0));
    expect_close(tes_phantom_line_integral(&v, &r), want, "z through the axis");

    /* Along x through the centre plane: skull, brain, and both tilted
     * ellipsoids through their centres at 18 degrees from their a axes. */
    r = normalized_ray(&v, -3.0, 0.0, 0.0, 1.0, 0.0, 0.0);
    want = h[0] * (1.0 * axis_chord(0.92, 0.81, 0.69, 0, 0, 0, 0) -
                   0.8 * axis_chord(0.874, 0.78, 0.6624, -0.0184, 0, 0, 0) -
                   0.2 * central_chord(0.11, 0.31, 18.0 * DEG) -
                   0.2 * central_chord(0.16, 0.41, 18.0 * DEG));
    expect_close(tes_phantom_line_integral(&v, &r), want, "x through the centre plane");

    /* The ellipsoid at x = 0.22 is turned by -18 degrees: its long (b) axis
     * points at 72 degrees. Along z through a point on that axis the ray
     * crosses it; through the mirror point (y -> -y) it does not. */
    const double along_b = 0.29, b_angle = 72.0 * DEG;
    double X = 0.22 + along_b * cos(b_angle), Y = along_b * sin(b_angle);
    double skull = axis_chord(0.69, 0.92, 0.81, 0, 0, X, Y);
    double brain = axis_chord(0.6624, 0.874, 0.78, 0, -0.0184, X, Y);
    double tilted = 2.0 * 0.22 * sqrt(1.0 - (along_b / 0.31) * (along_b / 0.31));
    r = normalized_ray(&v, X, Y, 0.0, 0.0, 0.0, 1.0);
    expect_close(tes_phantom_line_integral(&v, &r), h[2] * (skull - 0.8 * brain - 0.2 * tilted),
                 "z through the tilted ellipsoid's long axis");
    skull = axis_chord(0.69, 0.92, 0.81, 0, 0, X, -Y);
    brain = axis_chord(0.6624, 0.874, 0.78, 0, -0.0184, X, -Y);
    r = normalized_ray(&v, X, -Y, 0.0, 0.0, 0.0, 1.0);
    expect_close(tes_phantom_line_integral(&v, &r), h[2] * (skull - 0.8 * brain),
                 "z through the mirror point");

    /* Rays that miss every ellipsoid: above the skull, outside its corner,
     * and an oblique one beside the volume. */
    r = normalized_ray(&v, 0.0, 0.0, 0.95, 1.0, 0.3, 0.0);
    EXPECT(tes_phantom_line_integral(&v, &r) == 0.0, "a ray above the skull hits something");
    r = normalized_ray(&v, 0.9, 0.9, 0.0, 0.0, 0.0, 1.0);
    EXPECT(tes_phantom_line_integral(&v, &r) == 0.0, "a ray outside the skull hits something");
    r = normalized_ray(&v, 1.5, 0.0, 0.0, 0.0, 1.0, 1.0);
    EXPECT(tes_phantom_line_integral(&v, &r) == 0.0, "a ray beside the volume hits something");

    /* The integral belongs to the line: moving the origin along it changes
     * nothing. */
    r = normalized_ray(&v, 0.1, -0.2, 0.05, 0.3, 0.8, -0.5);
    double base = tes_phantom_line_integral(&v, &r);
    for (int k = 0; k < 3; ++k)
        r.origin[k] += 7.0 * r.dir[k];
    EXPECT(base > 0.0, "an oblique ray through the head integrates to %g", base);
    expect_close(tes_phantom_line_integral(&v, &r), base, "moved origin");
}

static tes_array *new_volume(size_t nz, size_t ny, size_t nx) {
    size_t shape[3] = {nz, ny, nx};
    tes_array *a = NULL;
    EXPECT_OK(tes_array_create(&a, TES_FLOAT32, TES_HOST, 3, shape));
    return a;
}

/* The centre voxel of an odd cube lies in the brain, a corner voxel outside. */
static void test_brain_value(void) {
    enum { N = 33 };
    tes_vol_geom v = tes_vol_geom_cube(N, 1.0);
    tes_array *vol = new_volume(N, N, N);
    if (!vol)
        return;
    EXPECT_OK(tes_phantom_voxelize(&v, 0, N, SUPERSAMPLE, vol));
    const float *x = vol->data;
    size_t centre = ((size_t)(N / 2) * N + N / 2) * N + N / 2;
    EXPECT(fabs(x[centre] - BRAIN_VALUE) < VOXEL_TOL, "centre voxel %g, expected %g", x[centre],
           BRAIN_VALUE);
    EXPECT(x[0] == 0.0f, "corner voxel %g, expected 0", x[0]);
    tes_array_destroy(&vol);
}

/* Slabs voxelized on their own equal the slices of the whole, bit for bit. */
static void test_slabs(void) {
    tes_vol_geom v = {24, 20, 18, 0.8, 1.1, 1.0, -1.0, 0.5, 2.0};
    const size_t cuts[] = {0, 7, 16, 24};
    const size_t slice = v.ny * v.nx;
    tes_array *whole = new_volume(v.nz, v.ny, v.nx);
    if (!whole)
        return;
    EXPECT_OK(tes_phantom_voxelize(&v, 0, v.nz, SUPERSAMPLE, whole));
    for (size_t s = 0; s + 1 < sizeof cuts / sizeof cuts[0]; ++s) {
        tes_array *slab = new_volume(cuts[s + 1] - cuts[s], v.ny, v.nx);
        if (!slab)
            break;
        EXPECT_OK(tes_phantom_voxelize(&v, cuts[s], cuts[s + 1], SUPERSAMPLE, slab));
        const float *a = slab->data, *b = (const float *)whole->data + cuts[s] * slice;
        size_t differ = 0;
        for (size_t i = 0; i < tes_array_count(slab); ++i)
            differ += a[i] != b[i];
        EXPECT(differ == 0, "slab [%zu, %zu): %zu voxels differ from the whole", cuts[s],
               cuts[s + 1], differ);
        tes_array_destroy(&slab);
    }
    tes_array_destroy(&whole);
}

static double array_sum(const tes_array *a) {
    const float *x = a->data;
    double s = 0.0;
    for (size_t i = 0; i < tes_array_count(a); ++i)
        s += x[i];
    return s;
}

/* The mass of the voxelized phantom (sum times voxel volume) equals the
 * integral of any parallel projection over the detector (sum times pixel
 * area): voxelizer and line integrals agree on the whole phantom. A part
 * with a view list and a band of rows equals those entries of the whole. */
static void test_mass_and_parts(void) {
    enum { N = 48, NVIEWS = 3, NROWS = 56, NCOLS = 72, ROW_BEGIN = 10, ROW_END = 30 };
    const double voxel = 1.5, pixel = 1.25;
    tes_vol_geom v = tes_vol_geom_cube(N, voxel);
    tes_proj_geom *g = NULL;
    tes_array *vol = new_volume(N, N, N), *sino = new_volume(NVIEWS, NROWS, NCOLS);
    tes_array *part_sino = new_volume(PART_VIEW_COUNT, ROW_END - ROW_BEGIN, NCOLS);
    if (!vol || !sino || !part_sino ||
        !EXPECT_OK(tes_proj_geom_create(&g, TES_GEOM_PARALLEL3D, NVIEWS, NROWS, NCOLS)))
        goto done;
    g->pixel_u = g->pixel_v = pixel;
    EXPECT_OK(tes_phantom_voxelize(&v, 0, N, SUPERSAMPLE, vol));
    EXPECT_OK(tes_phantom_project(&v, g, NULL, SUPERSAMPLE, sino));
    double mass = array_sum(vol) * voxel * voxel * voxel;
    const size_t per_view = (size_t)NROWS * NCOLS;
    for (size_t view = 0; view < NVIEWS; ++view) {
        const float *p = (const float *)sino->data + view * per_view;
        double projected = 0.0;
        for (size_t i = 0; i < per_view; ++i)
            projected += p[i];
        projected *= pixel * pixel;
        EXPECT(fabs(projected - mass) <= MASS_TOL * mass,
               "view %zu: projected mass %.6g, voxelized mass %.6g", view, projected, mass);
    }

    const size_t views[PART_VIEW_COUNT] = {2, 0};
    tes_proj_part part = {0, N, ROW_BEGIN, ROW_END, PART_VIEW_COUNT, views};
    EXPECT_OK(tes_phantom_project(&v, g, &part, SUPERSAMPLE, part_sino));
    size_t differ = 0;
    for (size_t i = 0; i < PART_VIEW_COUNT; ++i)
        for (size_t r = ROW_BEGIN; r < ROW_END; ++r)
            for (size_t c = 0; c < NCOLS; ++c) {
                float a = ((const float *)part_sino
                               ->data)[(i * (ROW_END - ROW_BEGIN) + (r - ROW_BEGIN)) * NCOLS + c];
                float b = ((const float *)sino->data)[(views[i] * NROWS + r) * NCOLS + c];
                differ += a != b;
            }
    EXPECT(differ == 0, "%zu pixels of the part differ from the whole", differ);
done:
    tes_proj_geom_destroy(&g);
    tes_array_destroy(&vol);
    tes_array_destroy(&sino);
    tes_array_destroy(&part_sino);
}

static void test_bad_arguments(void) {
    enum { N = 8 };
    tes_vol_geom v = tes_vol_geom_cube(N, 1.0);
    tes_array *vol = new_volume(N, N, N), *small = new_volume(2, N, N), *sino = NULL;
    tes_proj_geom *g = NULL;
    if (!vol || !small || !EXPECT_OK(tes_proj_geom_create(&g, TES_GEOM_PARALLEL3D, 4, N, N)))
        goto done;
    EXPECT_ERROR(tes_phantom_voxelize(&v, 0, N, 0, vol), TES_ERR_ARG,
                 "supersample 0 must be between 1 and 8");
    EXPECT_ERROR(tes_phantom_voxelize(&v, 0, N, TES_PHANTOM_MAX_SUPERSAMPLE + 1, vol), TES_ERR_ARG,
                 "supersample 9 must be between 1 and 8");
    EXPECT_ERROR(tes_phantom_voxelize(&v, 3, 3, 1, vol), TES_ERR_ARG,
                 "slab [3, 3) is empty or outside");
    EXPECT_ERROR(tes_phantom_voxelize(&v, 0, N, 1, small), TES_ERR_SHAPE,
                 "phantom volume: expected shape (8, 8, 8), got (2, 8, 8)");
    tes_vol_geom flat = v;
    flat.dz = 0.0;
    EXPECT_ERROR(tes_phantom_voxelize(&flat, 0, N, 1, vol), TES_ERR_ARG, "voxel size");

    size_t shape[3] = {4, N, N};
    if (!EXPECT_OK(tes_array_create(&sino, TES_FLOAT32, TES_HOST, 3, shape)))
        goto done;
    EXPECT_ERROR(tes_phantom_project(&v, g, NULL, 0, sino), TES_ERR_ARG,
                 "subpixels 0 must be between 1 and 8");
    tes_proj_part rows = {0, N, 2, N + 1, 4, NULL};
    EXPECT_ERROR(tes_phantom_project(&v, g, &rows, 1, sino), TES_ERR_ARG,
                 "detector rows [2, 9) are empty or outside");
    const size_t views[1] = {4};
    tes_proj_part bad_view = {0, N, 0, N, 1, views};
    EXPECT_ERROR(tes_phantom_project(&v, g, &bad_view, 1, sino), TES_ERR_ARG,
                 "global view 4, the geometry has 4");
    EXPECT_ERROR(tes_phantom_project(&v, g, NULL, 1, vol), TES_ERR_SHAPE, "phantom sinogram");
done:
    tes_proj_geom_destroy(&g);
    tes_array_destroy(&vol);
    tes_array_destroy(&small);
    tes_array_destroy(&sino);
}

int main(void) {
    test_line_integrals();
    test_brain_value();
    test_slabs();
    test_mass_and_parts();
    test_bad_arguments();
    return tes_test_finish("t201-phantom");
}
