/* volume_check: figures of a reconstructed volume for the real-data tests.
 *
 *   volume_check edge VOLUME.h5 RADIUS MAXFRAC
 *     The share of the volume's positive mass (summed over the z slices)
 *     that lies outside RADIUS (a fraction of half the slice's width,
 *     measured from the slice's centre) is at most MAXFRAC: the sample
 *     sits inside the field of view.
 *   volume_check corr VOLUME.h5 REF.h5 /DATASET ORIENTATION MIN
 *     Pearson correlation of slice 0 of the volume with the 2-D reference
 *     (same size) seen in ORIENTATION (0..7: bit 0 flips its rows, bit 1
 *     its columns, bit 2 transposes it; packages differ in the direction of
 *     the slice's axes) is at least MIN. Prints every orientation's
 *     correlation, so a changed convention shows. */
#include <float.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testing.h"

enum { ORIENTATIONS = 8, MAX_DIMS = 3 };

/* dataset into a new float array; dims receives its shape. */
static float *read_all(const char *file, const char *dset, int *ndim, hsize_t *dims) {
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = f >= 0 ? H5Dopen2(f, dset, H5P_DEFAULT) : -1;
    hid_t s = d >= 0 ? H5Dget_space(d) : -1;
    float *data = NULL;
    if (s >= 0 && (*ndim = H5Sget_simple_extent_ndims(s)) > 0 && *ndim <= MAX_DIMS) {
        H5Sget_simple_extent_dims(s, dims, NULL);
        size_t n = 1;
        for (int i = 0; i < *ndim; ++i)
            n *= dims[i];
        data = malloc(n * sizeof *data);
        if (data && H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
            free(data);
            data = NULL;
        }
    }
    if (s >= 0)
        H5Sclose(s);
    if (d >= 0)
        H5Dclose(d);
    if (f >= 0)
        H5Fclose(f);
    EXPECT(data, "cannot read %s:%s", file, dset);
    return data;
}

static int edge(const char *file, double radius, double maxfrac) {
    int ndim = 0;
    hsize_t dims[MAX_DIMS] = {0};
    float *v = read_all(file, "/volume", &ndim, dims);
    if (!v || ndim != 3)
        return 1;
    double inside = 0.0, outside = 0.0, cy = (dims[1] - 1) / 2.0, cx = (dims[2] - 1) / 2.0;
    double r = radius * fmin(dims[1], dims[2]) / 2.0;
    for (hsize_t z = 0; z < dims[0]; ++z)
        for (hsize_t y = 0; y < dims[1]; ++y)
            for (hsize_t x = 0; x < dims[2]; ++x) {
                double value = v[(z * dims[1] + y) * dims[2] + x];
                if (value <= 0.0)
                    continue;
                if (hypot(y - cy, x - cx) > r)
                    outside += value;
                else
                    inside += value;
            }
    double frac = outside / fmax(inside + outside, DBL_MIN);
    printf("mass outside %.2f of the half width: %.4f of %g (bound %g)\n", radius, frac,
           inside + outside, maxfrac);
    EXPECT(inside > 0.0, "no positive mass");
    EXPECT(frac <= maxfrac, "mass near the edge %.4f > %g", frac, maxfrac);
    free(v);
    return tes_test_failures ? 1 : 0;
}

/* Element (i, j) of an n x n image seen in orientation o. */
static float oriented(const float *a, size_t n, int o, size_t i, size_t j) {
    size_t r = i, c = j;
    if (o & 4) {
        r = j;
        c = i;
    }
    if (o & 1)
        r = n - 1 - r;
    if (o & 2)
        c = n - 1 - c;
    return a[r * n + c];
}

static double pearson(const float *a, const float *b, size_t n, int o) {
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, m = (double)n * n;
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < n; ++j) {
            double x = a[i * n + j], y = oriented(b, n, o, i, j);
            sa += x;
            sb += y;
            saa += x * x;
            sbb += y * y;
            sab += x * y;
        }
    double cov = sab / m - sa / m * sb / m;
    double va = saa / m - sa / m * sa / m, vb = sbb / m - sb / m * sb / m;
    return cov / sqrt(fmax(va * vb, DBL_MIN));
}

static int corr(const char *file, const char *ref, const char *dset, int orientation, double min) {
    int nv = 0, nr = 0;
    hsize_t dv[MAX_DIMS] = {0}, dr[MAX_DIMS] = {0};
    float *v = read_all(file, "/volume", &nv, dv);
    float *r = read_all(ref, dset, &nr, dr);
    if (!v || !r)
        return 1;
    EXPECT(nv == 3 && nr == 2 && dv[1] == dr[0] && dv[2] == dr[1] && dr[0] == dr[1],
           "slice %llux%llu, reference %llux%llu: expected the same square size",
           (unsigned long long)dv[1], (unsigned long long)dv[2], (unsigned long long)dr[0],
           (unsigned long long)dr[1]);
    if (tes_test_failures)
        return 1;
    double chosen = -1.0;
    for (int o = 0; o < ORIENTATIONS; ++o) {
        double c = pearson(v, r, dr[0], o);
        printf("orientation %d (flip rows %d, flip columns %d, transpose %d): correlation %.4f\n",
               o, o & 1, (o >> 1) & 1, (o >> 2) & 1, c);
        if (o == orientation)
            chosen = c;
    }
    printf("correlation in orientation %d: %.4f (bound %g)\n", orientation, chosen, min);
    EXPECT(chosen >= min, "correlation %.4f < %g", chosen, min);
    free(v);
    free(r);
    return tes_test_failures ? 1 : 0;
}

int main(int argc, char **argv) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (argc == 5 && !strcmp(argv[1], "edge"))
        return edge(argv[2], atof(argv[3]), atof(argv[4]));
    if (argc == 7 && !strcmp(argv[1], "corr"))
        return corr(argv[2], argv[3], argv[4], atoi(argv[5]), atof(argv[6]));
    fprintf(stderr, "usage: volume_check edge VOLUME RADIUS MAXFRAC | corr VOLUME REF /DSET "
                    "ORIENTATION MIN\n");
    return 2;
}
