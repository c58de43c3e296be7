/* The projection model shared by every backend: where a voxel lands on the
 * detector and with what weight. CPU (.c) and CUDA (.cu) code include this
 * one header, so both compute the same float arithmetic.
 *
 * Model. The system matrix entry for detector pixel (row r, column c) and
 * voxel p is
 *     A = W(p) * hat((col(p) - c) / half_u(p)) * hat((row(p) - r) / half_v(p)),
 * hat(t) = max(0, 1 - |t|), where col/row are the voxel centre's detector
 * coordinates (geometry.h) and half_u, half_v the footprint half-widths in
 * pixels. The footprint widths on the detector (mm) are the voxel's projected
 * size, but at least one pixel, so that neither direction leaves gaps:
 *     s_u = max(pixel_u, w_u),  s_v = max(pixel_v, M dz),
 *     half_u = max(1, w_u / pixel_u),  half_v = max(1, M dz / pixel_v)
 * (each exactly 1 where the pixel is the larger), with M the voxel's
 * magnification (1 for parallel beams) and w_u the voxel's in-plane width
 * perpendicular to the ray through its centre, projected onto the detector:
 *     parallel3d  rays run along e_d = (-sin a, cos a):
 *                 w_u = dx |cos a| + dy |sin a|
 *     cone3d      the ray from the source S = -sod e_d to the voxel runs
 *                 in-plane along d = p - S = t e_u + L e_d (t = p.e_u, depth
 *                 L = sod + p.e_d, M = sdd / L), in world coordinates
 *                 d = (x - sod sin a, y + sod cos a). The perpendicular width
 *                 (dx |d_y| + dy |d_x|) / |d| lands on the flat detector
 *                 magnified by M / cos(gamma) = M |d| / L:
 *                 w_u = M (dx |d_y| + dy |d_x|) / L
 * W normalises the sum over a ray to the line integral:
 *     parallel3d  W = dx dy dz / (s_u s_v)
 *     cone3d      W = dx dy dz M^2 sqrt(1 + (u^2 + v^2)/sdd^2) / (s_u s_v)
 * with (u, v) = M (t, z) the voxel's detector position in mm.
 *
 * Why the perpendicular width: along a ray, the voxels of a row along the
 * major axis land dx |cos a| / pixel_u columns apart (parallel beams, |cos a|
 * >= |sin a|), and hats of half-width h sum to a constant over such a row
 * exactly when h is a whole multiple of that spacing: h / spacing is
 * 1 + (dy / dx) |tan a|, 1 at 0 and 2 at 45 degrees, and between them the
 * rows a ray crosses sample every phase and average out. A fixed width
 * (max(dx, dy)) left a ripple of up to 11 % at 45 degrees. Cone beams follow
 * the same rule along each ray, with one difference: a voxel's width comes
 * from its own ray, so on a ray through voxel centres the two voxels beside
 * it, seen from the source at an angle about voxel / L off the ray, reach it
 * with about voxel / L of their weight each (tests/kernels/t103-edges.c has
 * the closed form).
 *
 * The in-plane quantities (column, half-widths, magnification, the weight
 * but for its z-dependent obliquity) are the same for every voxel of a
 * column (x, y): tes_column_footprint_of computes them once, and
 * tes_footprint_at adds a voxel's z. Kernels that hoist the in-plane part
 * out of their z loops call these two, so every backend evaluates the same
 * float expressions. The forward projector A and the backprojector A^T use
 * the same entries, so the pair is matched: <A x, y> = <x, A^T y> to float
 * rounding. */
#ifndef TES_KERNELS_FOOTPRINT_H
#define TES_KERNELS_FOOTPRINT_H

#include <math.h>
#include <stdint.h>

#ifdef __CUDACC__
#define TES_HD __host__ __device__ static inline
#else
#define TES_HD static inline
#endif

/* What a kernel needs about one rank's part of the problem, in float. */
typedef struct tes_kernel_geom {
    int cone;                       /* 0 parallel3d, 1 cone3d */
    int64_t nx, ny, nz;             /* local volume (the slab): nz slices */
    int64_t nviews, nrows, ncols;   /* local sinogram: views, rows held, columns */
    int64_t row_first;              /* detector row of local row 0 */
    float dx, dy, dz;               /* voxel size, mm */
    float x0, y0, z0;               /* centre of local voxel (0, 0, 0), mm */
    float pixel_u, pixel_v;         /* detector pixel size, mm */
    float inv_pixel_u, inv_pixel_v; /* 1 / pixel sizes */
    float sod, sdd;                 /* cone: source-origin, source-detector distance, mm */
    float inv_sdd2;                 /* 1 / sdd^2 */
    float voxel_volume;             /* dx dy dz, mm^3 */
} tes_kernel_geom;

/* One local view. col0/row0 already include the view's shifts. */
typedef struct tes_view_params {
    float cos_a, sin_a;
    float col0, row0;
} tes_view_params;

/* Where a voxel lands, its footprint half-widths (pixels) and weight. */
typedef struct tes_footprint {
    float col, row;
    float half_u, half_v;
    float weight;
} tes_footprint;

/* The part of the footprint shared by the voxels of one column (x, y). */
typedef struct tes_column_footprint {
    float col;            /* detector column of the voxel centres */
    float half_u, half_v; /* half-widths, pixels, >= 1 */
    float m;              /* magnification M: 1 (parallel3d), 0 at or behind the source */
    float weight;         /* W but for the obliquity: dx dy dz M^2 / (s_u s_v) */
    float obliquity2;     /* cone3d: 1 + u^2 / sdd^2 (the obliquity's in-plane part) */
} tes_column_footprint;

/* max(a, b) without fmaxf's NaN handling (a library call in some builds). */
TES_HD float tes_maxf(float a, float b) {
    return a > b ? a : b;
}

TES_HD float tes_hat(float t) {
    float a = 1.0f - fabsf(t);
    return a > 0.0f ? a : 0.0f;
}

/* In-plane footprint of the voxel column at (x, y) mm on view v. M, and with
 * it the weight, is 0 for a column at or behind the source (never the case in
 * a validated geometry). */
TES_HD tes_column_footprint tes_column_footprint_of(const tes_kernel_geom *g, tes_view_params v,
                                                    float x, float y) {
    tes_column_footprint c;
    const float t = x * v.cos_a + y * v.sin_a; /* along e_u */
    if (!g->cone) {
        const float wu = g->dx * fabsf(v.cos_a) + g->dy * fabsf(v.sin_a);
        const float su = tes_maxf(g->pixel_u, wu), sv = tes_maxf(g->pixel_v, g->dz);
        c.col = v.col0 + t * g->inv_pixel_u;
        c.half_u = tes_maxf(1.0f, wu * g->inv_pixel_u);
        c.half_v = tes_maxf(1.0f, g->dz * g->inv_pixel_v);
        c.m = 1.0f;
        c.weight = g->voxel_volume / (su * sv);
        c.obliquity2 = 1.0f;
        return c;
    }
    const float depth = g->sod + (y * v.cos_a - x * v.sin_a); /* sod + p.e_d */
    const float inv_depth = depth > 0.0f ? 1.0f / depth : 0.0f;
    const float m = g->sdd * inv_depth;
    const float ray_x = x - g->sod * v.sin_a, ray_y = y + g->sod * v.cos_a; /* p - S */
    const float wu = m * (g->dx * fabsf(ray_y) + g->dy * fabsf(ray_x)) * inv_depth;
    const float wv = m * g->dz;
    const float su = tes_maxf(g->pixel_u, wu), sv = tes_maxf(g->pixel_v, wv);
    const float u = m * t;
    c.col = v.col0 + u * g->inv_pixel_u;
    c.half_u = tes_maxf(1.0f, wu * g->inv_pixel_u);
    c.half_v = tes_maxf(1.0f, wv * g->inv_pixel_v);
    c.m = m;
    c.weight = g->voxel_volume * m * m / (su * sv);
    c.obliquity2 = 1.0f + (u * u) * g->inv_sdd2;
    return c;
}

/* The detector row of the voxel at height z (mm) of column c. */
TES_HD float tes_footprint_row(const tes_kernel_geom *g, tes_view_params v,
                               const tes_column_footprint *c, float z) {
    return v.row0 + (c->m * z) * g->inv_pixel_v;
}

/* The weight W of the voxel at height z (mm) of column c. */
TES_HD float tes_footprint_weight(const tes_kernel_geom *g, const tes_column_footprint *c,
                                  float z) {
    if (!g->cone)
        return c->weight;
    const float w = c->m * z; /* v, mm */
    return c->weight * sqrtf(c->obliquity2 + (w * w) * g->inv_sdd2);
}

/* Footprint of the voxel at height z (mm) of column c. */
TES_HD tes_footprint tes_footprint_at(const tes_kernel_geom *g, tes_view_params v,
                                      const tes_column_footprint *c, float z) {
    tes_footprint f;
    f.col = c->col;
    f.row = tes_footprint_row(g, v, c, z);
    f.half_u = c->half_u;
    f.half_v = c->half_v;
    f.weight = tes_footprint_weight(g, c, z);
    return f;
}

/* Footprint of the voxel centred at (x, y, z) mm on view v. */
TES_HD tes_footprint tes_voxel_footprint(const tes_kernel_geom *g, tes_view_params v, float x,
                                         float y, float z) {
    const tes_column_footprint c = tes_column_footprint_of(g, v, x, y);
    return tes_footprint_at(g, v, &c, z);
}

/* Voxel centre coordinates (mm) of local indices. */
TES_HD float tes_voxel_x(const tes_kernel_geom *g, int64_t i) {
    return g->x0 + (float)i * g->dx;
}
TES_HD float tes_voxel_y(const tes_kernel_geom *g, int64_t j) {
    return g->y0 + (float)j * g->dy;
}
TES_HD float tes_voxel_z(const tes_kernel_geom *g, int64_t k) {
    return g->z0 + (float)k * g->dz;
}

/* Bounds on half_u and half_v over every voxel of the slab on every view. */
typedef struct tes_footprint_bound {
    double half_u, half_v; /* pixels; 0 when a voxel reaches the source (cone3d) */
} tes_footprint_bound;

/* Enlargement of the bounds against the float rounding of the half-widths. */
#define TES_FOOTPRINT_BOUND_SLACK 1e-5

/* Every voxel centre lies within radius R of the axis; on a cone3d view its
 * depth is then at least sod - R, so M <= M_max = sdd / (sod - R), and
 * |d| / L = sqrt(1 + t^2 / L^2) <= sqrt(1 + R^2 / (sod - R)^2). Since
 * dx |d_y| + dy |d_x| <= hypot(dx, dy) |d|, w_u <= M_max hypot(dx, dy) |d| / L.
 * parallel3d: w_u <= hypot(dx, dy). Host code (double). */
static inline tes_footprint_bound tes_footprint_bounds(const tes_kernel_geom *g) {
    tes_footprint_bound b = {0.0, 0.0};
    const double width = hypot((double)g->dx, (double)g->dy),
                 slack = 1.0 + TES_FOOTPRINT_BOUND_SLACK;
    double m_max = 1.0, secant = 1.0;
    if (g->cone) {
        const double xs[2] = {g->x0, g->x0 + (double)(g->nx - 1) * g->dx};
        const double ys[2] = {g->y0, g->y0 + (double)(g->ny - 1) * g->dy};
        double radius = 0.0;
        for (int a = 0; a < 2; ++a)
            for (int c = 0; c < 2; ++c)
                radius = fmax(radius, hypot(xs[a], ys[c]));
        if (!(radius < g->sod))
            return b;
        const double near = (double)g->sod - radius;
        m_max = (double)g->sdd / near;
        secant = sqrt(1.0 + radius * radius / (near * near));
    }
    b.half_u = fmax(1.0, m_max * width * secant / g->pixel_u) * slack;
    b.half_v = fmax(1.0, m_max * g->dz / g->pixel_v) * slack;
    return b;
}

#endif
