/* tessera phantom: the voxelized 3D Shepp-Logan phantom, each rank
 * voxelizing and writing its own slab of z slices. */
#include <mpi.h>

#include "cli/command.h"
#include "cli/geometry_options.h"
#include "core/agree.h"
#include "core/check.h"
#include "core/log.h"
#include "decomposition/partition.h"
#include "io/geometry_attrs.h"
#include "phantom/shepp_logan.h"

#define TES_PHANTOM_DEFAULT_SUPERSAMPLE 2

static const tes_cli_option phantom_options[] = {
    {"--supersample", NULL, "S",
     "each voxel is the mean of S^3 points spread over it (1 to 8; default 2; 1: the voxel "
     "centre)"},
    {NULL, NULL, NULL, NULL},
};

static const tes_cli_section phantom_sections[] = {
    {"Volume", tes_cli_volume_options}, {"Phantom", phantom_options},
    {"Output", tes_cli_output_options}, {"Run", tes_cli_threads_options},
    {"Help", tes_cli_help_options},     {NULL, NULL},
};

/* Voxelize this rank's slab and write it collectively. */
static tes_status write_phantom(MPI_Comm comm, const tes_vol_geom *vol, int supersample,
                                const tes_h5_name *name, tes_h5_write_options *opt) {
    int rank = 0, nranks = 1;
    TES_MPI_CALL(MPI_Comm_rank(comm, &rank));
    TES_MPI_CALL(MPI_Comm_size(comm, &nranks));
    size_t z_begin, z_end;
    tes_partition_range(vol->nz, nranks, rank, &z_begin, &z_end);
    size_t shape[3] = {z_end - z_begin, vol->ny, vol->nx};
    tes_array *slab = NULL;
    tes_status st = tes_array_create(&slab, TES_FLOAT32, TES_HOST, 3, shape);
    if (st == TES_OK && z_end > z_begin)
        st = tes_phantom_voxelize(vol, z_begin, z_end, supersample, slab);
    tes_geometry_attrs attrs = {0};
    if (st == TES_OK)
        st = tes_geometry_attrs_build(&attrs, vol, NULL);
    TES_CALL_GOTO(st, tes_status_agree(comm, st), done);
    opt->attrs = attrs.attrs;
    opt->nattrs = attrs.nattrs;
    TES_CALL_GOTO(st, tes_h5_write(comm, name, vol->nz, z_begin, slab, opt, NULL), done);
done:
    tes_geometry_attrs_free(&attrs);
    tes_array_destroy(&slab);
    return st;
}

static tes_status run_phantom(const tes_cli_args *args, MPI_Comm comm) {
    tes_vol_geom vol;
    size_t supersample = 0;
    TES_CALL(tes_cli_volume_geom(args, NULL, NULL, &vol));
    TES_CALL(tes_cli_count_range(args, "--supersample", TES_PHANTOM_DEFAULT_SUPERSAMPLE, 1,
                                 TES_PHANTOM_MAX_SUPERSAMPLE, &supersample));
    TES_CALL(tes_cli_setup_threads(args));
    tes_h5_name name;
    tes_h5_write_options opt;
    TES_CALL(tes_cli_output(args, comm, TES_H5_VOLUME_DATASET, &name, &opt));

    double t0 = MPI_Wtime();
    TES_CALL(write_phantom(comm, &vol, (int)supersample, &name, &opt));
    tes_log(TES_LOG_INFO, "wrote the Shepp-Logan phantom (%zu, %zu, %zu) to %s:%s in %.2f s",
            vol.nz, vol.ny, vol.nx, name.file, name.dataset, MPI_Wtime() - t0);
    return TES_OK;
}

const tes_cli_command tes_cli_phantom_command = {
    "phantom",
    "write the voxelized 3D Shepp-Logan phantom",
    "tessera phantom --volume N|NZ,NY,NX [--voxel MM] [--supersample S] -o FILE[:/DATASET] "
    "[--force]",
    "Writes the modified (high-contrast) 3D Shepp-Logan phantom, scaled to fill the volume, as "
    "a float32 (z, y, x) dataset with the geometry as attributes. Under mpiexec each rank "
    "voxelizes and writes its own slab of slices.",
    phantom_sections,
    0,
    run_phantom,
};
