/* A tessera job: what `tessera recon JOB` and `tessera plan JOB` do, read
 * from an INI file (inih) into one plain struct with typed fields.
 *
 * Sections and keys (jobs/README.md documents each with its unit, default
 * and accepted values):
 *   [input]          file, format, data, flats, darks, angles, image_key,
 *                    values; simulated acquisitions: phantom, views,
 *                    detector, noise, seed
 *   [geometry]       kind, volume, voxel, pixel, center_col, center_row,
 *                    sod, odd, offset_u, offset_v, angles, first_angle,
 *                    angle_range, angles_file, shifts, attributes
 *   [preprocess]     rows, cols, view_step, flat_floor, min_transmission
 *   [algorithm]      name, iterations, tolerance, relaxation, subsets, min,
 *                    max, initial, initial_value, initial_file, window,
 *                    cutoff, scan
 *   [decomposition]  grid, mem_per_rank, backend, threads
 *   [output]         volume, overwrite, tiff, previews, metrics
 *   [checkpoint]     file, every, keep
 *
 * Units: lengths in mm, angles in degrees (as written; the job keeps
 * degrees, the geometry builder converts to radians), detector positions
 * in pixels, memory in MiB.
 *
 * Relative paths in a job are kept as written and resolved by the file
 * system against the working directory of the process (the directory
 * `tessera` and `sbatch` run in), not against the job file's folder: the
 * examples in jobs/examples are written to run from the repository root.
 *
 * Errors (TES_ERR_ARG) start with "FILE:LINE:" where a line is known and
 * name the section, the key, the value and what is accepted; an unknown
 * section or key names the closest valid one. */
#ifndef TES_JOBS_JOB_H
#define TES_JOBS_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "io/scan.h"
#include "kernels/geometry.h"
#include "solvers/fbp.h"
#include "solvers/filter.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    TES_JOB_PATH_BYTES = 1024, /* longest path or dataset name, with its NUL */
    TES_JOB_MAX_KEYS = 96,     /* keys of the schema (jobs/job.c asserts it holds them) */
};

/* [input] format: a measured file or a simulated acquisition. */
typedef enum tes_job_format {
    TES_JOB_FORMAT_AUTO = 0, /* detect Data Exchange or NeXus */
    TES_JOB_FORMAT_DXCHANGE,
    TES_JOB_FORMAT_NEXUS,
    TES_JOB_FORMAT_SIMULATED, /* closed-form projections of a phantom; no file */
} tes_job_format;

/* [input] phantom (simulated input only). */
typedef enum tes_job_phantom { TES_JOB_PHANTOM_SHEPP_LOGAN = 0 } tes_job_phantom;

/* [geometry] center_col / center_row. */
typedef enum tes_job_center {
    TES_JOB_CENTER_MIDDLE = 0, /* (n - 1) / 2 of the detector */
    TES_JOB_CENTER_VALUE,      /* the pixel given */
    TES_JOB_CENTER_AUTO,       /* center_col only: estimated from the data (tessera center) */
} tes_job_center;

/* [geometry] angles: where the view angles come from. */
typedef enum tes_job_angles {
    TES_JOB_ANGLES_AUTO = 0, /* the file's when it has them, else uniform */
    TES_JOB_ANGLES_FILE,     /* the input file's (an error when it has none) */
    TES_JOB_ANGLES_UNIFORM,  /* first_angle + i angle_range / views */
} tes_job_angles;

/* [algorithm] name. */
typedef enum tes_job_algorithm {
    TES_JOB_SIRT = 0,
    TES_JOB_OSEM,
    TES_JOB_MLEM,
    TES_JOB_CGLS,
    TES_JOB_FBP, /* parallel3d */
    TES_JOB_FDK, /* cone3d */
} tes_job_algorithm;

/* [algorithm] initial: the iterative solvers' first volume. */
typedef enum tes_job_initial {
    TES_JOB_INITIAL_DEFAULT = 0, /* "auto": tes_job_parse makes it zeros (sirt, cgls) or
                                  * constant 1 (osem, mlem) */
    TES_JOB_INITIAL_ZEROS,
    TES_JOB_INITIAL_CONSTANT, /* initial_value everywhere */
    TES_JOB_INITIAL_FBP,      /* FBP (parallel3d) or FDK (cone3d) of the data */
    TES_JOB_INITIAL_FILE,     /* the volume in initial_file */
} tes_job_initial;

/* [decomposition] backend. */
typedef enum tes_job_backend {
    TES_JOB_BACKEND_AUTO = 0, /* cuda when usable, else cpu */
    TES_JOB_BACKEND_CPU,
    TES_JOB_BACKEND_CUDA,
} tes_job_backend;

typedef struct tes_job_input {
    char file[TES_JOB_PATH_BYTES]; /* required unless simulated; "" otherwise */
    tes_job_format format;         /* default auto */
    /* Dataset paths inside file; "" means the format's default. */
    char data[TES_JOB_PATH_BYTES];
    char flats[TES_JOB_PATH_BYTES];
    char darks[TES_JOB_PATH_BYTES];
    char angles[TES_JOB_PATH_BYTES];
    char image_key[TES_JOB_PATH_BYTES];
    tes_scan_values values; /* default auto (from the data's units attribute) */
    /* Simulated acquisitions only. */
    tes_job_phantom phantom; /* default shepp-logan */
    size_t views;            /* required when simulated */
    size_t detector[2];      /* rows, cols; default {nz, nx} of the volume */
    double noise;            /* photons per pixel in the open beam; 0 (default): noise-free */
    uint64_t seed;           /* default 1 */
} tes_job_input;

typedef struct tes_job_geometry {
    tes_geom_kind kind;             /* default parallel3d */
    size_t volume[3];               /* nz, ny, nx voxels; {0,0,0} (default "auto"): rows, cols, cols
                                     * of the detector read (required when simulated) */
    double voxel[3];                /* dz, dy, dx, mm; default 1 */
    double pixel[2];                /* detector pixel height (v) and width (u), mm; {0,0} (default
                                     * "auto"): (dz, dx) of the voxel times the magnification
                                     * (sod + odd) / sod, resolved by tes_job_parse */
    tes_job_center center_col_mode; /* default middle */
    double center_col;              /* pixels from the left edge, 0-based (mode value) */
    tes_job_center center_row_mode; /* default middle (auto is refused) */
    double center_row;
    double sod, odd;                 /* mm; cone3d: sod required, odd default 0 */
    double offset_u, offset_v;       /* detector offsets, mm; default 0 */
    tes_job_angles angles;           /* default auto */
    double first_angle;              /* degrees; default 0 */
    double angle_range;              /* degrees; default NaN ("auto"), which tes_job_parse resolves
                                      * to 180 (parallel3d) or 360 (cone3d) */
    char angles_file[TES_JOB_PATH_BYTES]; /* text, degrees, one line per projection of the input
                                           * (view_step applies); "" none */
    char shifts[TES_JOB_PATH_BYTES]; /* per-view "DU DV" pixels, one line per view; "" none */
    char attributes[TES_JOB_PATH_BYTES]; /* an object of the input file whose attributes give
                                          * sod, odd and pixel where the job does not
                                          * (io/scan_geometry.h); "" none */
} tes_job_geometry;

typedef struct tes_job_preprocess {
    size_t row_begin, row_end; /* crop [begin, end); end TES_SCAN_TO_END; default all */
    size_t col_begin, col_end;
    size_t view_step;        /* keep every view_step-th projection; default 1 */
    double flat_floor;       /* epsilon of max(f - d, epsilon), counts */
    double min_transmission; /* the log floor: t <= 0 becomes this */
} tes_job_preprocess;

typedef struct tes_job_algorithm_options {
    tes_job_algorithm name; /* default sirt */
    int iterations;         /* >= 1; default 50 */
    double tolerance;       /* >= 0 (0, the default: run every iteration) */
    double relaxation;      /* sirt: (0, 2); default 1 */
    size_t subsets;         /* osem: 1..views; 0 (default "auto"): min(8, views); mlem: 1 */
    double min, max;        /* sirt box; -inf / +inf (default "none") */
    tes_job_initial initial;
    double initial_value;     /* initial = constant; default 0 */
    char initial_file[TES_JOB_PATH_BYTES]; /* initial = file: FILE[:/dataset] (default dataset
                                            * /volume) of shape (nz, ny, nx); "" none */
    tes_filter_window window; /* fbp, fdk, initial = fbp: default ram-lak */
    double cutoff;            /* (0, 1] of Nyquist; default 1 */
    tes_fbp_scan scan;        /* fdk: auto (default), full, short */
} tes_job_algorithm_options;

typedef struct tes_job_decomposition {
    int p_slab, p_view;      /* "PSxPV"; both 0 (default "auto"): chosen from the memory */
    double mem_per_rank;     /* MiB a rank may use for its arrays; 0 (default): no limit */
    tes_job_backend backend; /* default auto */
    int threads;             /* OpenMP threads per rank; 0 (default): OpenMP's choice */
} tes_job_decomposition;

typedef struct tes_job_output {
    char volume[TES_JOB_PATH_BYTES];   /* FILE[:/dataset]; required */
    int overwrite;                     /* 1: replace existing outputs; default 0 */
    char tiff[TES_JOB_PATH_BYTES];     /* folder of a TIFF stack; "" none */
    char previews[TES_JOB_PATH_BYTES]; /* PNG prefix (PREFIX-z.png ...); "" none */
    char metrics[TES_JOB_PATH_BYTES];  /* JSON lines per iteration; "" none */
} tes_job_output;

typedef struct tes_job_checkpoint {
    char file[TES_JOB_PATH_BYTES]; /* "" (default): no checkpoints */
    int every;                     /* iterations between checkpoints; default 10 */
    int keep;                      /* 1: keep the file after a finished run; default 0 */
} tes_job_checkpoint;

typedef struct tes_job {
    tes_job_input input;
    tes_job_geometry geometry;
    tes_job_preprocess preprocess;
    tes_job_algorithm_options algorithm;
    tes_job_decomposition decomposition;
    tes_job_output output;
    tes_job_checkpoint checkpoint;
    /* Where it came from, for messages: the job file's name ("" for a job
     * built in code) and the line of each key set there (0: default). */
    char source[TES_JOB_PATH_BYTES];
    int line[TES_JOB_MAX_KEYS];
} tes_job;

/* Fill job with every default (documented above and in jobs/README.md). */
void tes_job_defaults(tes_job *job);

/* Parse the INI file path into job (defaults for the keys not given), then
 * validate it (tes_job_validate). Nothing is opened but the job file. */
tes_status tes_job_parse(const char *path, tes_job *job);

/* The same for INI text held in memory; name stands for the file in
 * messages. */
tes_status tes_job_parse_string(const char *text, const char *name, tes_job *job);

/* Required keys and consistency across keys (fbp needs parallel3d, fdk
 * cone3d, osem subsets <= views, crops that are not empty, ...), before any
 * work. tes_job_parse calls it; call it again after changing a job in
 * code. */
tes_status tes_job_validate(const tes_job *job);

/* Check the job against the data's shape and fill in what depends on it:
 * views, rows, cols as stored in the input file (before the crop and the
 * view step). Crops within the detector, osem subsets at most the views
 * read; volume "auto" becomes (rows, cols, cols) of the crop, subsets
 * "auto" min(8, views read). tes_job_parse does this itself for a
 * simulated input (views and detector of [input]); call it for a file
 * once its shape is known (tes_scan_open). */
tes_status tes_job_resolve(tes_job *job, size_t views, size_t rows, size_t cols);

/* [geometry] attributes: sod, odd and pixel from the attributes of that
 * object of the scan's file where the job leaves them out (a value the job
 * gives wins; the log says so when they differ), then pixel "auto" (the
 * voxel times the magnification) and, where the file gave the pixel and
 * the job gives no voxel, the voxel (the pixel at the rotation axis:
 * pixel / magnification). Checks that cone3d has its sod. Without the key
 * it does nothing. Collective over the scan's communicator. Call it after
 * tes_scan_open, before tes_job_resolve. */
tes_status tes_job_geometry_from_scan(tes_job *job, tes_scan *scan);

/* The resolved job (every key, defaults included) as a JSON object of
 * sections, keys as in the file; *json is malloc'ed (free it). For output
 * attributes and metrics. */
tes_status tes_job_to_json(const tes_job *job, char **json);

/* A stable 64-bit hash (FNV-1a over the canonical JSON) of the keys that
 * change the reconstruction: [input], [geometry], [preprocess] and
 * [algorithm] except iterations and tolerance (a checkpoint may resume with
 * a new stopping rule). [decomposition], [output] and [checkpoint] are left
 * out: the volume does not depend on the grid, backend or file names. */
uint64_t tes_job_hash(const tes_job *job);

/* Names of the enum values, as written in a job file. */
const char *tes_job_format_name(tes_job_format f);
const char *tes_job_algorithm_name(tes_job_algorithm a);
const char *tes_job_backend_name(tes_job_backend b);

/* Key i of the schema (0-based, in file order) and its section; NULL past
 * the last key. */
const char *tes_job_key_name(size_t i, const char **section);

/* 1 for the iterative algorithms (sirt, osem, mlem, cgls), 0 for fbp, fdk. */
int tes_job_iterative(const tes_job *job);

/* Bridges to the modules that do the work. */

/* The scan options of a file input (paths point into job). */
tes_scan_options tes_job_scan_options(const tes_job *job);

/* The volume geometry of a resolved job (tes_job_resolve), centred at the
 * origin. */
tes_status tes_job_vol_geom(const tes_job *job, tes_vol_geom *vol);

/* The projection geometry of nviews x nrows x ncols data (after crop and
 * view step) for vol; angles: the file's nviews angles in radians, or NULL
 * for uniform angles; [geometry] angles_file, when given, is read instead
 * (one angle per projection; every view_step-th taken). Centres given in
 * pixels of the stored detector are moved into the crop. Reads [geometry]
 * shifts (one line per view read) when given. A center_col of "auto" is set to the middle here: the caller
 * estimates it. */
tes_status tes_job_proj_geom(const tes_job *job, const tes_vol_geom *vol, size_t nviews,
                             size_t nrows, size_t ncols, const double *angles, tes_proj_geom **out);

#ifdef __cplusplus
}
#endif

#endif
