/* A measured scan as tessera reads it: which file and datasets hold the
 * projections, flats and darks, which frames are which, the rotation
 * angles, and what tessera will read of it (after an optional crop of rows
 * and columns and a subsampling of views).
 *
 * Formats: Data Exchange (APS; io/dxchange.c) and NeXus NXtomo (io/nexus.c).
 * The format is detected (Data Exchange when /exchange/data exists, NeXus
 * when an NXtomo image_key is found) or given.
 *
 * Everything here is collective over the scan's communicator (parallel
 * HDF5, MPI-IO driver): every rank opens, reads and closes, with the same
 * arguments except for the views and rows it reads. A rank with nothing to
 * read passes an empty range and joins with an empty selection. Data are
 * read in their stored type (uint16, float32, ...) so the transfer stays
 * collective; io/preprocess.h converts in memory.
 *
 * Axis order of everything read: (view, row, column). Angles in radians
 * (files give degrees; the unit found is recorded). */
#ifndef TES_IO_SCAN_H
#define TES_IO_SCAN_H

#include <mpi.h>
#include <stddef.h>
#include <stdio.h>

#include "core/array.h"
#include "core/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tes_scan_format {
    TES_SCAN_AUTO = 0, /* detect */
    TES_SCAN_DXCHANGE, /* Data Exchange */
    TES_SCAN_NEXUS,    /* NeXus NXtomo */
} tes_scan_format;

/* Whether the stored data are already line integrals (-log of normalised
 * intensity). */
typedef enum tes_scan_values {
    TES_VALUES_AUTO = 0,       /* from the data's "units" attribute */
    TES_VALUES_COUNTS,         /* raw counts: flats and darks are needed */
    TES_VALUES_LINE_INTEGRALS, /* already normalised */
} tes_scan_values;

/* Dataset paths inside the file; NULL means the format's default. For
 * NeXus, flats and darks are frames of data chosen by image_key. */
typedef struct tes_scan_paths {
    const char *data;      /* frames (frame, row, column) */
    const char *flats;     /* Data Exchange only */
    const char *darks;     /* Data Exchange only */
    const char *angles;    /* rotation angles, degrees unless an attribute says otherwise */
    const char *image_key; /* NeXus only: 0 projection, 1 flat, 2 dark, 3 invalid */
} tes_scan_paths;

/* An end of a range meaning "to the end". */
#define TES_SCAN_TO_END ((size_t)-1)

typedef struct tes_scan_options {
    tes_scan_format format;
    tes_scan_values values;
    tes_scan_paths paths;
    size_t row_begin, row_end; /* crop: detector rows [begin, end); end TES_SCAN_TO_END */
    size_t col_begin, col_end; /* crop: detector columns */
    size_t view_step;          /* keep every view_step-th projection (0 or 1: all) */
    size_t max_transfer;       /* bytes of one rank's largest single HDF5 read; 0: 1 GiB */
} tes_scan_options;

/* Defaults: detect the format and the values, default paths, no crop,
 * every view. */
tes_scan_options tes_scan_options_default(void);

enum { TES_SCAN_PATH_BYTES = 1024, TES_SCAN_UNIT_BYTES = 64, TES_SCAN_IO_MODE_BYTES = 64 };

typedef struct tes_scan_h5 tes_scan_h5; /* open HDF5 handles (io/scan_impl.h) */

typedef struct tes_scan {
    tes_scan_format format;
    char file[TES_SCAN_PATH_BYTES];
    char data_path[TES_SCAN_PATH_BYTES];
    char flats_path[TES_SCAN_PATH_BYTES];     /* "" when there are none */
    char darks_path[TES_SCAN_PATH_BYTES];     /* "" when there are none */
    char angles_path[TES_SCAN_PATH_BYTES];    /* "" when generated */
    char image_key_path[TES_SCAN_PATH_BYTES]; /* "" for Data Exchange */

    /* As stored. */
    tes_dtype dtype;                      /* stored type of the frames */
    size_t frames;                        /* frames in the data dataset */
    size_t rows, cols;                    /* detector size */
    size_t projections;                   /* projection frames in the file (before subsampling) */
    size_t invalid;                       /* NeXus frames with image_key 3, skipped */
    int line_integrals;                   /* 1: data are already line integrals */
    char angle_unit[TES_SCAN_UNIT_BYTES]; /* unit found in the file, e.g. "degrees" */
    int angles_generated; /* 1: no angles in the file; equally spaced over 180 deg */

    /* What tessera reads: views after subsampling, rows and columns after
     * the crop. Row and column arguments below count within the crop. */
    size_t nviews, nrows, ncols;
    size_t row_begin, col_begin; /* the crop's first stored row and column */
    double *angles;              /* nviews angles, radians */
    size_t *view_frames;         /* nviews frame indices in the data dataset, increasing */
    size_t nflats, ndarks;
    size_t *flat_frames; /* frame indices in the flats dataset (NeXus: in data) */
    size_t *dark_frames;

    int last_collective; /* 1: every transfer of this rank's last read was collective */
    char last_io_mode[TES_SCAN_IO_MODE_BYTES]; /* HDF5's words for the least collective one */
    size_t max_transfer;                       /* bytes per HDF5 read call of one rank */
    MPI_Comm comm;
    tes_scan_h5 *h5;
} tes_scan;

/* Open file, detect or take the format, read and check the layout: shapes
 * of data, flats and darks, the angles (finite, one per projection), the
 * image keys. Collective over comm. opt may be NULL (defaults). Errors
 * (TES_ERR_INPUT) name the file, the dataset and what was expected. */
tes_status tes_scan_open(tes_scan **out, const char *file, const tes_scan_options *opt,
                         MPI_Comm comm);

/* Close (collective) and set *s to NULL. NULL is fine. */
void tes_scan_close(tes_scan **s);

/* Read views [view_begin, view_end) and rows [row_begin, row_end) (both
 * within what tessera reads: after subsampling and crop) into a new host
 * array of the stored type, shape (views, rows, ncols). Collective; an
 * empty range joins with an empty selection. */
tes_status tes_scan_read_projections(tes_scan *s, size_t view_begin, size_t view_end,
                                     size_t row_begin, size_t row_end, tes_array **out);

/* The same for a strictly increasing list of n views. */
tes_status tes_scan_read_views(tes_scan *s, const size_t *views, size_t n, size_t row_begin,
                               size_t row_end, tes_array **out);

/* All flats (darks) for rows [row_begin, row_end): shape (nflats, rows,
 * ncols) in the stored type; nflats may be 0. Collective. */
tes_status tes_scan_read_flats(tes_scan *s, size_t row_begin, size_t row_end, tes_array **out);
tes_status tes_scan_read_darks(tes_scan *s, size_t row_begin, size_t row_end, tes_array **out);

/* An attribute of any object in the scan's file (e.g. the fan-beam
 * distances of htc2022_ta_fan.h5 on /geometry): a number, or a string into
 * text (len bytes). *found = 0 when there is none. Collective. */
tes_status tes_scan_attr_double(tes_scan *s, const char *path, const char *name, double *value,
                                int *found);
tes_status tes_scan_attr_text(tes_scan *s, const char *path, const char *name, char *text,
                              size_t len, int *found);

const char *tes_scan_format_name(tes_scan_format format);

/* Parse "auto", "dxchange" or "nexus"; the message names option. */
tes_status tes_scan_format_parse(const char *text, const char *option, tes_scan_format *out);

/* Write what will be read (format, paths, shapes, counts, angle range) to
 * out, a few lines. */
void tes_scan_summary(const tes_scan *s, FILE *out);

/* The summary on rank 0's log (info level). */
void tes_scan_print(const tes_scan *s);

#ifdef __cplusplus
}
#endif

#endif
