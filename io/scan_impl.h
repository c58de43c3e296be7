/* Inside the scan reader: what io/scan.c shares with the format readers
 * io/dxchange.c and io/nexus.c. Not a public interface.
 *
 * A format reader's describe function fills, for the whole file (before
 * crop and subsampling): the paths, dtype, frames, rows, cols, projections,
 * view_frames and angles (one per projection, radians), the flat and dark
 * frames, and opens the datasets in tes_scan_h5. scan.c then applies the
 * crop and the view step. */
#ifndef TES_IO_SCAN_IMPL_H
#define TES_IO_SCAN_IMPL_H

#include <hdf5.h>

#include "io/h5input.h"
#include "io/scan.h"

struct tes_scan_h5 {
    tes_h5_input *in;
    hid_t data;  /* the frames */
    hid_t flats; /* Data Exchange: its own dataset; NeXus: data */
    hid_t darks;
};

enum { TES_SHAPE_TEXT_BYTES = 96 }; /* "(3201, 2048, 2048)" and longer */

/* Why flats are needed, for messages. */
#define TES_SCAN_FLATS_HINT                                                                        \
    ": raw counts need flats to be normalised (if the data are already line integrals, say so)"

/* 1 when the file looks like this format. Collective. */
tes_status tes_dxchange_detect(tes_h5_input *in, const tes_scan_paths *paths, int *found);
tes_status tes_nexus_detect(tes_h5_input *in, const tes_scan_paths *paths, int *found);

/* Fill s (see above) from the file. Collective. */
tes_status tes_dxchange_describe(tes_scan *s, const tes_scan_options *opt);
tes_status tes_nexus_describe(tes_scan *s, const tes_scan_options *opt);

/* Open a frame stack at path (a 3-D dataset of a supported numeric type)
 * and return its shape; what names it ("projections", "flats"). Checks
 * rows and cols against the scan's detector when rows > 0. */
tes_status tes_scan_open_stack(tes_scan *s, const char *path, const char *what, hid_t *dset,
                               size_t shape[3]);

/* Decide s->line_integrals from opt->values or the data's "units"
 * attribute. */
tes_status tes_scan_decide_values(tes_scan *s, tes_scan_values values);

/* Set s->angles (radians) for the projections from the dataset at path
 * (what it is, for messages): one value per frame (picked by
 * s->view_frames) or one per projection, in the unit of its "units"
 * attribute (degrees when absent). Fails on a count mismatch, an unknown
 * unit and non-finite angles. */
tes_status tes_scan_read_angles(tes_scan *s, const char *path, const char *what);

/* Angles equally spaced over 180 degrees (no angles in the file). */
tes_status tes_scan_generate_angles(tes_scan *s);

/* Allocate n frame indices 0..n-1 (or uninitialised when fill is 0). */
tes_status tes_scan_frames_alloc(size_t **frames, size_t n, int fill);

#endif
