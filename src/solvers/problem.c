#include "solvers/problem.h"

#include <stdlib.h>

tes_status tes_problem_create(tes_problem **out, const tes_grid *grid, const tes_vol_geom *vol,
                              const tes_proj_geom *proj, const tes_operator_options *opt) {
    TES_CHECK(out && grid && vol && proj, TES_ERR_ARG, "problem: NULL output, grid or geometry");
    tes_problem *pb = calloc(1, sizeof *pb);
    TES_CHECK(pb, TES_ERR_ALLOC, "cannot allocate a problem");
    pb->grid = grid;
    pb->vol = vol;
    pb->proj = proj;
    if (opt)
        pb->op_options = *opt;
    pb->op_options.subset = 0;
    pb->op_options.nsubsets = 0;
    tes_backend backend = pb->op_options.backend;

    tes_status st = TES_OK;
    TES_CALL_GOTO(st, tes_comm_create(&pb->slab_comm, grid->slab_comm, backend), fail);
    TES_CALL_GOTO(st, tes_comm_create(&pb->view_comm, grid->view_comm, backend), fail);
    TES_CALL_GOTO(st, tes_comm_create(&pb->world_comm, grid->world, backend), fail);
    TES_CALL_GOTO(st,
                  tes_operator_create(&pb->op, grid, vol, proj, &pb->op_options, pb->slab_comm,
                                      pb->view_comm, pb->world_comm),
                  fail);
    *out = pb;
    return TES_OK;
fail:
    tes_problem_destroy(&pb);
    return st;
}

void tes_problem_destroy(tes_problem **pb) {
    if (!pb || !*pb)
        return;
    tes_operator_destroy(&(*pb)->op);
    tes_comm_destroy(&(*pb)->world_comm);
    tes_comm_destroy(&(*pb)->view_comm);
    tes_comm_destroy(&(*pb)->slab_comm);
    free(*pb);
    *pb = NULL;
}

tes_status tes_problem_subset_create(const tes_problem *pb, size_t subset, size_t nsubsets,
                                     tes_operator **out) {
    TES_CHECK(nsubsets >= 1 && subset < nsubsets, TES_ERR_ARG, "subset %zu of %zu does not exist",
              subset, nsubsets);
    tes_operator_options opt = pb->op_options;
    opt.subset = subset;
    opt.nsubsets = nsubsets;
    TES_CALL(tes_operator_create(out, pb->grid, pb->vol, pb->proj, &opt, pb->slab_comm,
                                 pb->view_comm, pb->world_comm));
    return TES_OK;
}

size_t tes_problem_voxels(const tes_problem *pb) {
    return pb->vol->nz * pb->vol->ny * pb->vol->nx;
}
