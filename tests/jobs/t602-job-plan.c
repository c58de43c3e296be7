/* The planner of `tessera plan` chooses the grid tes_grid_create chooses:
 * on the ranks this runs on (RANKS 4), for jobs whose grid comes from the
 * memory, from [decomposition] grid, and for limits that refuse them, the
 * plan's grid, each rank's slab, views, rows and memory, and the refusals
 * agree. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "decomposition/grid.h"
#include "jobs/job.h"
#include "jobs/job_plan.h"
#include "testing.h"

static void compare(const char *text, MPI_Comm comm) {
    int rank = 0, nranks = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &nranks);
    tes_job job;
    tes_vol_geom vol;
    tes_proj_geom *proj = NULL;
    tes_grid_request req;
    if (!EXPECT_OK(tes_job_parse_string(text, "plan.ini", &job)) ||
        !EXPECT_OK(tes_job_vol_geom(&job, &vol)) ||
        !EXPECT_OK(tes_job_proj_geom(&job, &vol, job.input.views, job.input.detector[0],
                                     job.input.detector[1], NULL, &proj)) ||
        !EXPECT_OK(tes_job_grid_request(&job, &req))) {
        tes_proj_geom_destroy(&proj);
        return;
    }
    tes_job_plan plan;
    tes_status planned = tes_job_plan_grid(&vol, proj, &req, nranks, &plan);
    tes_error_clear();
    tes_grid *grid = NULL;
    tes_status created = tes_grid_create(&grid, comm, &vol, proj, &req);
    tes_error_clear();
    EXPECT(planned == created, "%s: plan %s, grid %s", text, tes_status_name(planned),
           tes_status_name(created));
    if (planned == TES_OK && created == TES_OK) {
        EXPECT(plan.p_slab == grid->p_slab && plan.p_view == grid->p_view, "plan %dx%d, grid %dx%d",
               plan.p_slab, plan.p_view, grid->p_slab, grid->p_view);
        EXPECT(plan.forward_stitch == grid->forward_stitch, "forward stitch");
        tes_job_plan_rank mine;
        tes_job_plan_rank_of(&plan, &vol, proj, &req, rank, &mine);
        EXPECT(mine.slab == grid->slab && mine.group == grid->group &&
                   mine.z_begin == grid->z_begin && mine.z_end == grid->z_end &&
                   mine.view_begin == grid->view_begin && mine.view_end == grid->view_end &&
                   mine.row_begin == grid->row_begin && mine.row_end == grid->row_end,
               "rank %d: the plan's part differs from the grid's", rank);
        EXPECT(mine.memory.total_bytes == grid->plan.total_bytes, "rank %d: memory %zu vs %zu",
               rank, mine.memory.total_bytes, grid->plan.total_bytes);
        unsigned long long most = grid->plan.total_bytes, all = 0;
        MPI_Allreduce(&most, &all, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, comm);
        EXPECT(plan.largest.total_bytes == all, "largest %zu vs %llu", plan.largest.total_bytes,
               all);
    }
    tes_grid_destroy(&grid);
    tes_proj_geom_destroy(&proj);
}

#define SIM(views, vol)                                                                            \
    "[input]\nformat = simulated\nviews = " views "\n[geometry]\nvolume = " vol "\n"
#define OUT "[output]\nvolume = out.h5\n"

int main(int argc, char **argv) {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    static const char *const jobs[] = {
        SIM("40", "32") OUT,
        SIM("40", "32") "[decomposition]\ngrid = 2x2\n" OUT,
        SIM("40", "32") "[decomposition]\ngrid = 4x1\n" OUT,
        /* a limit that needs slabs: 64^3 x 4 B x 2 vectors = 2 MiB of volume */
        SIM("64", "64") "[decomposition]\nmem_per_rank = 65.8\n" OUT,
        SIM("64", "64,32,32") "[algorithm]\nname = cgls\n[decomposition]\nmem_per_rank = 70\n" OUT,
        /* cone beams: slabs share rows (a forward stitch) */
        SIM("48", "32") "[geometry]\nkind = cone3d\nsod = 64\nodd = 32\n"
                        "[decomposition]\ngrid = 2x2\n" OUT,
        SIM("48", "32") "[geometry]\nkind = cone3d\nsod = 64\nodd = 32\n"
                        "[decomposition]\nmem_per_rank = 64.5\n" OUT,
        /* refused by both: too little memory, too many slabs */
        SIM("40", "32") "[decomposition]\nmem_per_rank = 1\n" OUT,
        SIM("40", "32") "[decomposition]\ngrid = 2x2\nmem_per_rank = 1\n" OUT,
        SIM("40", "2,32,32") "[decomposition]\ngrid = 4x1\n" OUT,
    };
    for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; ++i)
        compare(jobs[i], MPI_COMM_WORLD);
    int failures = tes_test_failures, all = 0;
    MPI_Allreduce(&failures, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    tes_test_failures = all;
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int rc = rank == 0 ? tes_test_finish("t602-job-plan") : (all ? 1 : 0);
    MPI_Finalize();
    return rc;
}
