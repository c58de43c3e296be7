/* tessera project and tessera backproject: the forward projector A and its
 * adjoint A^T applied once, from HDF5 to HDF5.
 *
 * Under mpiexec the views are split across the ranks and every rank holds
 * the whole volume: project writes each rank's views; backproject sums the
 * ranks' partial backprojections into slabs (a reduction onto each slab's
 * owner) and writes each rank's slab. */
#include <math.h>
#include <stdlib.h>

#include <mpi.h>

#include "cli/command.h"
#include "cli/geometry_options.h"
#include "core/agree.h"
#include "core/check.h"
#include "core/log.h"
#include "decomposition/partition.h"
#include "io/geometry_attrs.h"
#include "kernels/projector.h"
#include "phantom/shepp_logan.h"

#define TES_PROJECT_DEFAULT_SUPERSAMPLE 2
#define TES_PROJECT_DEFAULT_SUBPIXELS   1
/* Largest MPI count of one reduction call (MPI counts are int). */
#define TES_REDUCE_MAX_COUNT ((size_t)1 << 30)
#define TES_GIGA             1e9
/* The angles' dataset beside the projections (Data Exchange's name). */
#define TES_PROJECT_ANGLES_NAME         "theta"
#define TES_PROJECT_DEGREES_PER_RADIAN  (180.0 / M_PI)

static const tes_cli_option project_input_options[] = {
    {"--input", "-i", "FILE[:/DATASET]",
     "volume to project, (z, y, x), any numeric type (default dataset /volume)"},
    {"--phantom", NULL, NULL,
     "project the 3D Shepp-Logan phantom instead: voxelized (see --supersample), then "
     "projected"},
    {"--analytic", NULL, NULL,
     "with --phantom: the phantom's exact line integrals instead of projecting its voxels"},
    {"--supersample", NULL, "S",
     "with --phantom: each voxel is the mean of S^3 points (1 to 8; default 2)"},
    {"--subpixels", NULL, "S",
     "with --analytic: each pixel is the mean of S x S rays (1 to 8; default 1)"},
    {NULL, NULL, NULL, NULL},
};

static const tes_cli_option backproject_input_options[] = {
    {"--input", "-i", "FILE[:/DATASET]",
     "projections to backproject, (view, row, col), any numeric type (default dataset "
     "/projections)"},
    {NULL, NULL, NULL, NULL},
};

static const tes_cli_section project_sections[] = {
    {"Input", project_input_options},
    {"Volume", tes_cli_volume_options},
    {"Projection geometry", tes_cli_projection_options},
    {"Output", tes_cli_output_options},
    {"Run", tes_cli_run_options},
    {"Help", tes_cli_help_options},
    {NULL, NULL},
};

static const tes_cli_section backproject_sections[] = {
    {"Input", backproject_input_options},
    {"Volume", tes_cli_volume_options},
    {"Projection geometry", tes_cli_projection_options},
    {"Output", tes_cli_output_options},
    {"Run", tes_cli_run_options},
    {"Help", tes_cli_help_options},
    {NULL, NULL},
};

/* ---- shared steps ------------------------------------------------------------ */

typedef enum projector_op { OP_FORWARD, OP_ADJOINT } projector_op;

/* This rank's views [*begin, *end) and the part of the problem they make. */
static tes_status view_part(MPI_Comm comm, const tes_vol_geom *vol, const tes_proj_geom *proj,
                            size_t *begin, size_t *end, size_t **views, tes_proj_part *part) {
    int rank = 0, nranks = 1;
    TES_MPI_CALL(MPI_Comm_rank(comm, &rank));
    TES_MPI_CALL(MPI_Comm_size(comm, &nranks));
    tes_partition_range(proj->nviews, nranks, rank, begin, end);
    *part = tes_proj_part_whole(vol, proj);
    part->nviews = *end - *begin;
    *views = malloc((part->nviews ? part->nviews : 1) * sizeof **views);
    TES_CHECK(*views, TES_ERR_ALLOC, "cannot allocate a list of %zu views", part->nviews);
    for (size_t i = 0; i < part->nviews; ++i)
        (*views)[i] = *begin + i;
    part->views = *views;
    return TES_OK;
}

/* Apply A (volume to sino) or A^T (sino to volume) for part on backend;
 * volume and sino are host arrays, staged through the device for cuda. */
static tes_status apply_projector(projector_op op, const tes_vol_geom *vol,
                                  const tes_proj_geom *proj, const tes_proj_part *part,
                                  tes_backend backend, tes_array *volume, tes_array *sino) {
    tes_projector *p = NULL;
    tes_array *dev_vol = NULL, *dev_sino = NULL;
    tes_status st = TES_OK;
    TES_CALL(tes_projector_create(&p, vol, proj, part, backend));
    tes_array *v = volume, *s = sino;
    if (backend == TES_BACKEND_CUDA) {
        TES_CALL_GOTO(st, tes_array_clone(&dev_vol, volume, TES_DEVICE), done);
        TES_CALL_GOTO(st, tes_array_clone(&dev_sino, sino, TES_DEVICE), done);
        v = dev_vol;
        s = dev_sino;
    }
    if (op == OP_FORWARD)
        TES_CALL_GOTO(st, tes_projector_forward(p, v, s), done);
    else
        TES_CALL_GOTO(st, tes_projector_adjoint(p, s, v), done);
    if (backend == TES_BACKEND_CUDA)
        TES_CALL_GOTO(
            st,
            tes_array_copy(op == OP_FORWARD ? sino : volume, op == OP_FORWARD ? dev_sino : dev_vol),
            done);
done:
    tes_array_destroy(&dev_sino);
    tes_array_destroy(&dev_vol);
    tes_projector_destroy(&p);
    return st;
}

static void log_done(const char *what, const tes_vol_geom *vol, const tes_proj_geom *proj,
                     const tes_h5_name *out, double seconds) {
    double updates = (double)vol->nz * (double)vol->ny * (double)vol->nx * (double)proj->nviews;
    tes_log(TES_LOG_INFO,
            "%s: (%zu, %zu, %zu) voxels, %zu views of %zu x %zu pixels -> %s:%s "
            "in %.2f s (%.2f GUPS)",
            what, vol->nz, vol->ny, vol->nx, proj->nviews, proj->nrows, proj->ncols, out->file,
            out->dataset, seconds, updates / seconds / TES_GIGA);
}

/* ---- project ------------------------------------------------------------------ */

typedef struct project_source {
    int phantom, analytic;
    size_t supersample, subpixels;
    tes_h5_name input;
} project_source;

static tes_status read_source(const tes_cli_args *args, project_source *src) {
    const char *input = tes_cli_get(args, "--input");
    src->phantom = tes_cli_has(args, "--phantom");
    src->analytic = tes_cli_has(args, "--analytic");
    TES_CHECK(!input != !src->phantom, TES_ERR_ARG,
              input ? "--input and --phantom: give one of them, not both"
                    : "--input: required (the volume to project), or give --phantom");
    TES_CHECK(src->phantom || !src->analytic, TES_ERR_ARG, "--analytic: applies to --phantom only");
    TES_CHECK(!tes_cli_has(args, "--supersample") || (src->phantom && !src->analytic), TES_ERR_ARG,
              "--supersample: applies to --phantom without --analytic only");
    TES_CHECK(!tes_cli_has(args, "--subpixels") || src->analytic, TES_ERR_ARG,
              "--subpixels: applies to --phantom --analytic only");
    TES_CALL(tes_cli_count_range(args, "--supersample", TES_PROJECT_DEFAULT_SUPERSAMPLE, 1,
                                 TES_PHANTOM_MAX_SUPERSAMPLE, &src->supersample));
    TES_CALL(tes_cli_count_range(args, "--subpixels", TES_PROJECT_DEFAULT_SUBPIXELS, 1,
                                 TES_PHANTOM_MAX_SUBPIXELS, &src->subpixels));
    if (input)
        TES_CALL(tes_h5_name_parse(input, TES_H5_VOLUME_DATASET, "--input", &src->input));
    return TES_OK;
}

/* The whole volume on every rank: read (collectively) or voxelized. */
static tes_status load_volume(MPI_Comm comm, const project_source *src, const tes_vol_geom *vol,
                              tes_array **out) {
    if (!src->phantom) {
        TES_CALL(tes_h5_read(comm, &src->input, 3, NULL, out, NULL));
        return TES_OK;
    }
    size_t shape[3] = {vol->nz, vol->ny, vol->nx};
    tes_status st = tes_array_create(out, TES_FLOAT32, TES_HOST, 3, shape);
    if (st == TES_OK)
        st = tes_phantom_voxelize(vol, 0, vol->nz, (int)src->supersample, *out);
    TES_CALL(tes_status_agree(comm, st));
    return TES_OK;
}

/* This rank's views of the projections. */
static tes_status project_views(MPI_Comm comm, const project_source *src, const tes_vol_geom *vol,
                                const tes_proj_geom *proj, const tes_proj_part *part,
                                tes_backend backend, tes_array *sino) {
    tes_array *volume = NULL;
    tes_status st = TES_OK;
    if (src->analytic) {
        if (part->nviews > 0)
            st = tes_phantom_project(vol, proj, part, (int)src->subpixels, sino);
        TES_CALL(tes_status_agree(comm, st));
        return TES_OK;
    }
    TES_CALL(load_volume(comm, src, vol, &volume));
    if (part->nviews > 0)
        st = apply_projector(OP_FORWARD, vol, proj, part, backend, volume, sino);
    tes_array_destroy(&volume);
    TES_CALL(tes_status_agree(comm, st));
    return TES_OK;
}

static tes_status project(MPI_Comm comm, const project_source *src, const tes_vol_geom *vol,
                          const tes_proj_geom *proj, tes_backend backend, const tes_h5_name *out,
                          tes_h5_write_options *opt) {
    size_t begin = 0, end = 0, *views = NULL;
    tes_proj_part part;
    tes_array *sino = NULL;
    tes_geometry_attrs attrs = {0};
    /* The angles beside the projections, as Data Exchange keeps them
     * (/exchange/data and /exchange/theta), so that the file reads back as
     * a scan with its own angles. */
    double *degrees = malloc(proj->nviews * sizeof *degrees);
    tes_status st = degrees ? TES_OK
                            : tes_error_set(TES_ERR_ALLOC, __FILE__, __LINE__, __func__,
                                            "cannot allocate %zu angles", proj->nviews);
    for (size_t v = 0; degrees && v < proj->nviews; ++v)
        degrees[v] = proj->angles[v] * TES_PROJECT_DEGREES_PER_RADIAN;
    const tes_h5_vector theta = {TES_PROJECT_ANGLES_NAME, degrees, proj->nviews, "degrees"};
    if (st == TES_OK)
        st = view_part(comm, vol, proj, &begin, &end, &views, &part);
    if (st == TES_OK) {
        size_t shape[3] = {end - begin, proj->nrows, proj->ncols};
        st = tes_array_create(&sino, TES_FLOAT32, TES_HOST, 3, shape);
    }
    if (st == TES_OK)
        st = tes_geometry_attrs_build(&attrs, vol, proj);
    TES_CALL_GOTO(st, tes_status_agree(comm, st), done);
    TES_CALL_GOTO(st, project_views(comm, src, vol, proj, &part, backend, sino), done);
    opt->attrs = attrs.attrs;
    opt->nattrs = attrs.nattrs;
    opt->vectors = &theta;
    opt->nvectors = 1;
    TES_CALL_GOTO(st, tes_h5_write(comm, out, proj->nviews, begin, sino, opt, NULL), done);
done:
    opt->vectors = NULL;
    opt->nvectors = 0;
    tes_geometry_attrs_free(&attrs);
    tes_array_destroy(&sino);
    free(views);
    free(degrees);
    return st;
}

static tes_status run_project(const tes_cli_args *args, MPI_Comm comm) {
    project_source src;
    TES_CALL(read_source(args, &src));
    tes_h5_info info;
    const size_t *input_shape = NULL;
    if (!src.phantom) {
        TES_CALL(tes_h5_query(comm, &src.input, 3, &info));
        input_shape = info.shape;
    }
    tes_vol_geom vol;
    tes_proj_geom *proj = NULL;
    tes_backend backend;
    TES_CALL(tes_cli_volume_geom(args, input_shape, NULL, &vol));
    TES_CALL(tes_cli_setup_run(args, &backend));
    TES_CALL(tes_cli_proj_geom(args, &vol, NULL, &proj));
    tes_h5_name out;
    tes_h5_write_options opt;
    tes_status st = TES_OK;
    TES_CALL_GOTO(st, tes_cli_output(args, comm, TES_H5_PROJECTIONS_DATASET, &out, &opt), done);
    double t0 = MPI_Wtime();
    TES_CALL_GOTO(st, project(comm, &src, &vol, proj, backend, &out, &opt), done);
    log_done(src.analytic ? "project (analytic phantom)" : "project", &vol, proj, &out,
             MPI_Wtime() - t0);
done:
    tes_proj_geom_destroy(&proj);
    return st;
}

/* ---- backproject ----------------------------------------------------------------- */

/* Sum the ranks' whole-volume partial backprojections so that each rank's
 * slab of partial holds the total (MPI_Reduce onto each slab's owner, in
 * pieces small enough for int counts). */
static tes_status reduce_to_slabs(MPI_Comm comm, tes_array *partial) {
    int rank = 0, nranks = 1;
    TES_MPI_CALL(MPI_Comm_rank(comm, &rank));
    TES_MPI_CALL(MPI_Comm_size(comm, &nranks));
    size_t slice = partial->shape[1] * partial->shape[2];
    float *data = partial->data;
    for (int owner = 0; owner < nranks; ++owner) {
        size_t z_begin, z_end;
        tes_partition_range(partial->shape[0], nranks, owner, &z_begin, &z_end);
        size_t count = (z_end - z_begin) * slice;
        for (size_t done = 0; done < count; done += TES_REDUCE_MAX_COUNT) {
            size_t n = count - done < TES_REDUCE_MAX_COUNT ? count - done : TES_REDUCE_MAX_COUNT;
            float *piece = data + z_begin * slice + done;
            TES_MPI_CALL(MPI_Reduce(rank == owner ? MPI_IN_PLACE : piece,
                                    rank == owner ? piece : NULL, (int)n, MPI_FLOAT, MPI_SUM, owner,
                                    comm));
        }
    }
    return TES_OK;
}

static tes_status backproject(MPI_Comm comm, const tes_h5_name *input, const tes_vol_geom *vol,
                              const tes_proj_geom *proj, tes_backend backend,
                              const tes_h5_name *out, tes_h5_write_options *opt) {
    int rank = 0, nranks = 1;
    TES_MPI_CALL(MPI_Comm_rank(comm, &rank));
    TES_MPI_CALL(MPI_Comm_size(comm, &nranks));
    size_t begin = 0, end = 0, *views = NULL;
    tes_proj_part part;
    tes_array *sino = NULL, *volume = NULL, *slab = NULL;
    tes_geometry_attrs attrs = {0};
    size_t shape[3] = {vol->nz, vol->ny, vol->nx}, z_begin, z_end;
    tes_partition_range(vol->nz, nranks, rank, &z_begin, &z_end);

    tes_status st = view_part(comm, vol, proj, &begin, &end, &views, &part);
    TES_CALL_GOTO(st, tes_status_agree(comm, st), done);
    tes_h5_block block = {begin, end, 0, TES_H5_TO_END};
    TES_CALL_GOTO(st, tes_h5_read(comm, input, 3, &block, &sino, NULL), done);
    st = tes_array_create(&volume, TES_FLOAT32, TES_HOST, 3, shape);
    if (st == TES_OK && part.nviews > 0)
        st = apply_projector(OP_ADJOINT, vol, proj, &part, backend, volume, sino);
    if (st == TES_OK)
        st = tes_geometry_attrs_build(&attrs, vol, NULL);
    TES_CALL_GOTO(st, tes_status_agree(comm, st), done);
    tes_array_destroy(&sino);
    TES_CALL_GOTO(st, reduce_to_slabs(comm, volume), done);

    size_t slab_shape[3] = {z_end - z_begin, vol->ny, vol->nx};
    float *slab_data = (float *)volume->data + z_begin * vol->ny * vol->nx;
    st = tes_array_alias(&slab, slab_data, TES_FLOAT32, TES_HOST, 3, slab_shape);
    TES_CALL_GOTO(st, tes_status_agree(comm, st), done);
    opt->attrs = attrs.attrs;
    opt->nattrs = attrs.nattrs;
    TES_CALL_GOTO(st, tes_h5_write(comm, out, vol->nz, z_begin, slab, opt, NULL), done);
done:
    tes_geometry_attrs_free(&attrs);
    tes_array_destroy(&slab);
    tes_array_destroy(&volume);
    tes_array_destroy(&sino);
    free(views);
    return st;
}

static tes_status run_backproject(const tes_cli_args *args, MPI_Comm comm) {
    const char *text = tes_cli_get(args, "--input");
    TES_CHECK(text, TES_ERR_ARG, "--input: required (the projections to backproject)");
    tes_h5_name input;
    tes_h5_info info;
    TES_CALL(tes_h5_name_parse(text, TES_H5_PROJECTIONS_DATASET, "--input", &input));
    TES_CALL(tes_h5_query(comm, &input, 3, &info));
    size_t default_volume[3] = {info.shape[1], info.shape[2], info.shape[2]};
    tes_vol_geom vol;
    tes_proj_geom *proj = NULL;
    tes_backend backend;
    TES_CALL(tes_cli_volume_geom(args, NULL, default_volume, &vol));
    TES_CALL(tes_cli_setup_run(args, &backend));
    TES_CALL(tes_cli_proj_geom(args, &vol, info.shape, &proj));
    tes_h5_name out;
    tes_h5_write_options opt;
    tes_status st = TES_OK;
    TES_CALL_GOTO(st, tes_cli_output(args, comm, TES_H5_VOLUME_DATASET, &out, &opt), done);
    double t0 = MPI_Wtime();
    TES_CALL_GOTO(st, backproject(comm, &input, &vol, proj, backend, &out, &opt), done);
    log_done("backproject", &vol, proj, &out, MPI_Wtime() - t0);
done:
    tes_proj_geom_destroy(&proj);
    return st;
}

/* ---- the commands ------------------------------------------------------------------ */

const tes_cli_command tes_cli_project_command = {
    "project",
    "forward-project a volume (or the phantom) into projections",
    "tessera project (--input FILE[:/DATASET] | --phantom [--analytic]) [geometry options] "
    "-o FILE[:/DATASET] [--force]",
    "Computes the projections (view, row, col) of a volume (z, y, x) with tessera's projector "
    "and writes them as float32, with the geometry as attributes (JSON text \"geometry\" and "
    "numeric attributes). Under mpiexec the views are split across the ranks; every rank holds "
    "the whole volume.",
    project_sections,
    0,
    run_project,
};

const tes_cli_command tes_cli_backproject_command = {
    "backproject",
    "apply the adjoint projector (backprojection) to projections",
    "tessera backproject --input FILE[:/DATASET] [geometry options] -o FILE[:/DATASET] "
    "[--force]",
    "Computes A^T y, the matched adjoint of 'tessera project', for projections y (view, row, "
    "col) and writes the volume (z, y, x) as float32. The geometry options must describe the "
    "projections as 'tessera project' made them (views, detector size from the input). Under "
    "mpiexec the views are split across the ranks, the partial volumes summed and every rank "
    "writes its slab; every rank holds the whole volume.",
    backproject_sections,
    0,
    run_backproject,
};
