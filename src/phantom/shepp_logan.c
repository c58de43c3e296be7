#include "phantom/shepp_logan.h"

#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>

/* One ellipsoid in the normalized cube [-1, 1]^3: rotated by angle_deg about
 * z (counter-clockwise from +x to the a semi-axis), then moved to its centre. */
typedef struct tes_ellipsoid {
    double value;
    double a, b, c;    /* semi-axes along the rotated x, y and z */
    double x0, y0, z0; /* centre */
    double angle_deg;  /* rotation about z, degrees as published */
} tes_ellipsoid;

/* The 3D Shepp-Logan head: semi-axes and centres as in Schabel's phantom3d
 * and TomoPy's shepp3d, with Toft's high-contrast values. Rotations are
 * about z only: the two tilted ellipsoids keep the -+18 degrees of the 2D
 * phantom (those codes add small Euler tilts to them), so the slice z = 0 is
 * the familiar 2D picture. */
enum { TES_SHEPP_LOGAN_COUNT = 10 };
/* clang-format off */
static const tes_ellipsoid shepp_logan[TES_SHEPP_LOGAN_COUNT] = {
    /* value    a       b      c       x0      y0      z0    angle */
    { 1.0,  0.6900, 0.920, 0.810,  0.00,  0.0000,  0.00,   0.0}, /* skull */
    {-0.8,  0.6624, 0.874, 0.780,  0.00, -0.0184,  0.00,   0.0}, /* brain */
    {-0.2,  0.1100, 0.310, 0.220,  0.22,  0.0000,  0.00, -18.0},
    {-0.2,  0.1600, 0.410, 0.280, -0.22,  0.0000,  0.00,  18.0},
    { 0.1,  0.2100, 0.250, 0.410,  0.00,  0.3500, -0.15,   0.0},
    { 0.1,  0.0460, 0.046, 0.050,  0.00,  0.1000,  0.25,   0.0},
    { 0.1,  0.0460, 0.046, 0.050,  0.00, -0.1000,  0.25,   0.0},
    { 0.1,  0.0460, 0.023, 0.050, -0.08, -0.6050,  0.00,   0.0},
    { 0.1,  0.0230, 0.023, 0.020,  0.00, -0.6060,  0.00,   0.0},
    { 0.1,  0.0230, 0.046, 0.020,  0.06, -0.6050,  0.00,   0.0},
};
/* clang-format on */

/* An ellipsoid in volume coordinates: u = m (p - centre) maps a point p (mm,
 * (x, y, z)) into the ellipsoid's frame, where it is the unit ball. */
typedef struct tes_ellipsoid_frame {
    double value;
    double centre[3]; /* mm */
    double m[3][3];   /* 1/mm */
} tes_ellipsoid_frame;

typedef struct tes_phantom_frames {
    tes_ellipsoid_frame e[TES_SHEPP_LOGAN_COUNT];
} tes_phantom_frames;

/* m = S^-1 R(-angle) H^-1: undo the stretch onto the volume (H, half
 * extents), the rotation (R) and the semi-axes (S). */
static tes_ellipsoid_frame ellipsoid_frame(const tes_ellipsoid *e, const tes_vol_geom *vol) {
    const double half[3] = {0.5 * (double)vol->nx * vol->dx, 0.5 * (double)vol->ny * vol->dy,
                            0.5 * (double)vol->nz * vol->dz};
    const double angle = e->angle_deg * (M_PI / 180.0);
    const double c = cos(angle), s = sin(angle);
    const double rot[3][3] = {{c, s, 0.0}, {-s, c, 0.0}, {0.0, 0.0, 1.0}};
    const double axes[3] = {e->a, e->b, e->c};
    tes_ellipsoid_frame f;
    f.value = e->value;
    f.centre[0] = vol->cx + e->x0 * half[0];
    f.centre[1] = vol->cy + e->y0 * half[1];
    f.centre[2] = vol->cz + e->z0 * half[2];
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            f.m[i][j] = rot[i][j] / (axes[i] * half[j]);
    return f;
}

static void phantom_frames(tes_phantom_frames *frames, const tes_vol_geom *vol) {
    for (int i = 0; i < TES_SHEPP_LOGAN_COUNT; ++i)
        frames->e[i] = ellipsoid_frame(&shepp_logan[i], vol);
}

/* Where the line origin + t dir crosses the ellipsoid: returns 1 and the
 * parameters t1 <= t2 if it does, 0 if it misses or only touches it. */
static int ellipsoid_crossing(const tes_ellipsoid_frame *f, const double origin[3],
                              const double dir[3], double *t1, double *t2) {
    double p[3], q[3];
    for (int i = 0; i < 3; ++i) {
        p[i] = q[i] = 0.0;
        for (int j = 0; j < 3; ++j) {
            p[i] += f->m[i][j] * (origin[j] - f->centre[j]);
            q[i] += f->m[i][j] * dir[j];
        }
    }
    /* |p + t q|^2 = 1, written with the half linear coefficient. */
    double qq = q[0] * q[0] + q[1] * q[1] + q[2] * q[2];
    double pq = p[0] * q[0] + p[1] * q[1] + p[2] * q[2];
    double pp = p[0] * p[0] + p[1] * p[1] + p[2] * p[2];
    double disc = pq * pq - qq * (pp - 1.0);
    if (!(qq > 0.0) || !(disc > 0.0))
        return 0;
    double root = sqrt(disc);
    *t1 = (-pq - root) / qq;
    *t2 = (-pq + root) / qq;
    return 1;
}

static double frames_line_integral(const tes_phantom_frames *frames, const double origin[3],
                                   const double dir[3]) {
    double length = sqrt(dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]);
    double sum = 0.0, t1, t2;
    for (int i = 0; i < TES_SHEPP_LOGAN_COUNT; ++i)
        if (ellipsoid_crossing(&frames->e[i], origin, dir, &t1, &t2))
            sum += frames->e[i].value * (t2 - t1);
    return sum * length;
}

double tes_phantom_line_integral(const tes_vol_geom *vol, const tes_ray *ray) {
    tes_phantom_frames frames;
    phantom_frames(&frames, vol);
    return frames_line_integral(&frames, ray->origin, ray->dir);
}

/* Offset of sub-sample s of n from the centre of a cell of width 1. */
static double sub_offset(int s, int n) {
    return ((double)s + 0.5) / (double)n - 0.5;
}

/* Add value to the voxels of a row for each of its sub-points with x in
 * [lo, hi] (mm). Sub-point q = i ss + s of the row (voxel i, sub-sample s)
 * sits at x_edge + (q + 1/2) dx / ss, so those inside form one range of q. */
static void add_interval(double *acc, size_t nx, int ss, double x_edge, double dx, double lo,
                         double hi, double value) {
    const double step = dx / ss;
    const double q_lo = ceil((lo - x_edge) / step - 0.5), q_hi = floor((hi - x_edge) / step - 0.5);
    const double q_last = (double)nx * ss - 1.0;
    if (q_hi < 0.0 || q_lo > q_last || q_lo > q_hi)
        return;
    const size_t first = q_lo > 0.0 ? (size_t)q_lo : 0, last = (size_t)fmin(q_hi, q_last);
    for (size_t i = first / (size_t)ss; i <= last / (size_t)ss; ++i) {
        size_t begin = i * (size_t)ss, end = begin + (size_t)ss - 1;
        begin = begin > first ? begin : first;
        end = end < last ? end : last;
        acc[i] += value * (double)(end - begin + 1);
    }
}

/* Voxelize one row of voxels (slice k, row j, global indices) into row.
 * The sub-points of a row lie on supersample^2 lines parallel to x, and each
 * line crosses an ellipsoid in one interval of x, found in closed form: the
 * cost goes with the lines, not with the supersample^3 sub-points. acc holds
 * nx doubles of scratch. */
static void voxelize_row(const tes_phantom_frames *frames, const tes_vol_geom *vol, size_t k,
                         size_t j, int ss, double *acc, float *row) {
    const double x_edge = vol->cx - 0.5 * (double)vol->nx * vol->dx;
    const double y = vol->cy + ((double)j - 0.5 * (double)(vol->ny - 1)) * vol->dy;
    const double z = vol->cz + ((double)k - 0.5 * (double)(vol->nz - 1)) * vol->dz;
    const double along_x[3] = {1.0, 0.0, 0.0};
    for (size_t i = 0; i < vol->nx; ++i)
        acc[i] = 0.0;
    for (int sz = 0; sz < ss; ++sz)
        for (int sy = 0; sy < ss; ++sy) {
            double origin[3] = {0.0, y + sub_offset(sy, ss) * vol->dy,
                                z + sub_offset(sz, ss) * vol->dz};
            double lo, hi;
            for (int e = 0; e < TES_SHEPP_LOGAN_COUNT; ++e)
                if (ellipsoid_crossing(&frames->e[e], origin, along_x, &lo, &hi))
                    add_interval(acc, vol->nx, ss, x_edge, vol->dx, lo, hi, frames->e[e].value);
        }
    const double weight = 1.0 / ((double)ss * ss * ss);
    for (size_t i = 0; i < vol->nx; ++i)
        row[i] = (float)(acc[i] * weight);
}

tes_status tes_phantom_voxelize(const tes_vol_geom *vol, size_t z_begin, size_t z_end,
                                int supersample, tes_array *out) {
    TES_CALL(tes_vol_geom_validate(vol));
    TES_CHECK(z_begin < z_end && z_end <= vol->nz, TES_ERR_ARG,
              "phantom slab [%zu, %zu) is empty or outside the volume's %zu slices", z_begin, z_end,
              vol->nz);
    TES_CHECK(supersample >= 1 && supersample <= TES_PHANTOM_MAX_SUPERSAMPLE, TES_ERR_ARG,
              "phantom supersample %d must be between 1 and %d", supersample,
              TES_PHANTOM_MAX_SUPERSAMPLE);
    const size_t shape[3] = {z_end - z_begin, vol->ny, vol->nx};
    TES_CALL(tes_array_expect(out, "phantom volume", TES_FLOAT32, TES_HOST, 3, shape));

    /* One row of double accumulators per thread. */
    const size_t threads = (size_t)omp_get_max_threads();
    double *scratch = malloc(threads * vol->nx * sizeof *scratch);
    TES_CHECK(scratch, TES_ERR_ALLOC, "cannot allocate %zu bytes of phantom scratch",
              threads * vol->nx * sizeof *scratch);
    tes_phantom_frames frames;
    phantom_frames(&frames, vol);
    float *data = out->data;
    const int64_t nrows = (int64_t)(shape[0] * shape[1]);
#pragma omp parallel
    {
        double *acc = scratch + (size_t)omp_get_thread_num() * vol->nx;
#pragma omp for schedule(dynamic)
        for (int64_t r = 0; r < nrows; ++r) {
            size_t k = z_begin + (size_t)r / vol->ny, j = (size_t)r % vol->ny;
            voxelize_row(&frames, vol, k, j, supersample, acc, data + (size_t)r * vol->nx);
        }
    }
    free(scratch);
    return TES_OK;
}

/* Mean line integral over sub x sub rays spread over pixel (row, col). */
static double pixel_integral(const tes_phantom_frames *frames, const tes_proj_geom *proj,
                             size_t view, size_t row, size_t col, int sub) {
    double sum = 0.0;
    for (int sr = 0; sr < sub; ++sr)
        for (int sc = 0; sc < sub; ++sc) {
            tes_ray ray = tes_proj_geom_ray(proj, view, (double)row + sub_offset(sr, sub),
                                            (double)col + sub_offset(sc, sub));
            sum += frames_line_integral(frames, ray.origin, ray.dir);
        }
    return sum / ((double)sub * sub);
}

tes_status tes_phantom_project(const tes_vol_geom *vol, const tes_proj_geom *proj,
                               const tes_proj_part *part, int subpixels, tes_array *sino) {
    TES_CALL(tes_vol_geom_validate(vol));
    TES_CALL(tes_proj_geom_validate(proj, vol));
    tes_proj_part whole = tes_proj_part_whole(vol, proj);
    if (!part)
        part = &whole;
    /* The slab plays no part in the phantom's line integrals. */
    TES_CALL(tes_proj_part_check(NULL, proj, part, "phantom projection"));
    TES_CHECK(subpixels >= 1 && subpixels <= TES_PHANTOM_MAX_SUBPIXELS, TES_ERR_ARG,
              "phantom projection subpixels %d must be between 1 and %d", subpixels,
              TES_PHANTOM_MAX_SUBPIXELS);
    const size_t nrows = part->row_end - part->row_begin;
    const size_t shape[3] = {part->nviews, nrows, proj->ncols};
    TES_CALL(tes_array_expect(sino, "phantom sinogram", TES_FLOAT32, TES_HOST, 3, shape));

    tes_phantom_frames frames;
    phantom_frames(&frames, vol);
    float *data = sino->data;
    const int64_t npixels = (int64_t)(shape[0] * shape[1] * shape[2]);
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < npixels; ++p) {
        size_t col = (size_t)p % proj->ncols, rest = (size_t)p / proj->ncols;
        size_t row = part->row_begin + rest % nrows, local_view = rest / nrows;
        size_t view = part->views ? part->views[local_view] : local_view;
        data[p] = (float)pixel_integral(&frames, proj, view, row, col, subpixels);
    }
    return TES_OK;
}
