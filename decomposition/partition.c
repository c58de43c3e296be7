#include "decomposition/partition.h"

void tes_slab_rows(const tes_proj_geom *proj, const tes_vol_geom *vol, int p_slab, int s,
                   size_t *row_begin, size_t *row_end) {
    size_t z_begin, z_end;
    tes_partition_range(vol->nz, p_slab, s, &z_begin, &z_end);
    tes_proj_geom_rows_for_slab(proj, vol, z_begin, z_end, row_begin, row_end);
}

void tes_slab_own_rows(const tes_proj_geom *proj, const tes_vol_geom *vol, int p_slab, int s,
                       size_t *own_begin, size_t *own_end) {
    size_t owned_end = 0; /* end of the rows owned by the slabs before */
    for (int t = 0; t <= s; ++t) {
        size_t b, e;
        tes_slab_rows(proj, vol, p_slab, t, &b, &e);
        *own_begin = b > owned_end ? b : owned_end;
        *own_end = e > *own_begin ? e : *own_begin;
        owned_end = *own_end;
    }
}

static int overlap_pairwise(const tes_proj_geom *proj, const tes_vol_geom *vol, int p_slab) {
    for (int s = 0; s < p_slab; ++s) {
        size_t bs, es;
        tes_slab_rows(proj, vol, p_slab, s, &bs, &es);
        for (int t = s + 1; t < p_slab && bs < es; ++t) {
            size_t bt, et;
            tes_slab_rows(proj, vol, p_slab, t, &bt, &et);
            if (bt < et && bs < et && bt < es)
                return 1;
        }
    }
    return 0;
}

int tes_slabs_overlap(const tes_proj_geom *proj, const tes_vol_geom *vol, int p_slab) {
    /* Slabs go up in z and rows run along +z, so the non-empty ranges come
     * sorted by their first row, and a sweep that keeps the largest end so
     * far finds any overlap. Should a geometry ever break that order, compare
     * every pair instead. */
    size_t last_begin = 0, max_end = 0;
    for (int s = 0; s < p_slab; ++s) {
        size_t b, e;
        tes_slab_rows(proj, vol, p_slab, s, &b, &e);
        if (b >= e)
            continue;
        if (b < last_begin)
            return overlap_pairwise(proj, vol, p_slab);
        if (b < max_end)
            return 1;
        last_begin = b;
        max_end = e > max_end ? e : max_end;
    }
    return 0;
}
