/* How the grid cuts the problem: balanced contiguous ranges (slabs of z
 * slices, groups of views), the detector rows each slab reaches, and the
 * rows each slab counts in data-space sums. Shared by the grid and its
 * memory plan, so both see the same layout. */
#ifndef TES_DECOMPOSITION_PARTITION_H
#define TES_DECOMPOSITION_PARTITION_H

#include <stddef.h>

#include "kernels/geometry.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Part i of n items cut into parts contiguous pieces whose sizes differ by
 * at most one (the first n % parts pieces are the larger ones). A piece may
 * be empty when parts > n. */
static inline void tes_partition_range(size_t n, int parts, int i, size_t *begin, size_t *end) {
    size_t base = n / (size_t)parts, rem = n % (size_t)parts, k = (size_t)i;
    *begin = k * base + (k < rem ? k : rem);
    *end = *begin + base + (k < rem ? 1 : 0);
}

/* Detector rows [*row_begin, *row_end) that slab s of p_slab reaches. */
void tes_slab_rows(const tes_proj_geom *proj, const tes_vol_geom *vol, int p_slab, int s,
                   size_t *row_begin, size_t *row_end);

/* Rows slab s counts in data-space sums: in slab order, each slab owns the
 * rows it reaches that no earlier slab owns, so the own ranges partition
 * the union of all slabs' rows and every row is counted once. */
void tes_slab_own_rows(const tes_proj_geom *proj, const tes_vol_geom *vol, int p_slab, int s,
                       size_t *own_begin, size_t *own_end);

/* 1 if the rows of any two of the p_slab slabs overlap (rays cross slabs:
 * the forward projection needs a stitch), else 0. */
int tes_slabs_overlap(const tes_proj_geom *proj, const tes_vol_geom *vol, int p_slab);

#ifdef __cplusplus
}
#endif

#endif
