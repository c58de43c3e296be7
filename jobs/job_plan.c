#include "jobs/job_plan.h"

#include "decomposition/memory.h"
#include "decomposition/partition.h"

#define TES_BYTES_PER_MIB 1048576.0

tes_status tes_job_solver_options(const tes_job *job, tes_solver_algorithm *alg,
                                  tes_solver_options *opt) {
    static const tes_solver_algorithm algs[] = {
        [TES_JOB_SIRT] = TES_SOLVER_SIRT,
        [TES_JOB_OSEM] = TES_SOLVER_OSEM,
        [TES_JOB_MLEM] = TES_SOLVER_MLEM,
        [TES_JOB_CGLS] = TES_SOLVER_CGLS,
    };
    const tes_job_algorithm_options *a = &job->algorithm;
    TES_CHECK(tes_job_iterative(job), TES_ERR_ARG, "[algorithm] name = %s: not an iterative solver",
              tes_job_algorithm_name(a->name));
    *alg = algs[a->name];
    tes_solver_options_default(opt);
    opt->iterations = a->iterations;
    opt->tolerance = a->tolerance;
    opt->relaxation = (float)a->relaxation;
    opt->min = (float)a->min;
    opt->max = (float)a->max;
    opt->subsets = a->subsets ? a->subsets : 1;
    if (a->initial == TES_JOB_INITIAL_FBP || a->initial == TES_JOB_INITIAL_FILE) {
        opt->init = TES_SOLVER_INIT_GIVEN;
    } else if (a->initial == TES_JOB_INITIAL_ZEROS || a->initial == TES_JOB_INITIAL_CONSTANT) {
        opt->init = TES_SOLVER_INIT_CONSTANT;
        opt->init_value = a->initial == TES_JOB_INITIAL_ZEROS ? 0.0f : (float)a->initial_value;
    }
    return TES_OK;
}

tes_fbp_options tes_job_fbp_options(const tes_job *job) {
    tes_fbp_options opt = tes_fbp_options_default();
    opt.filter.window = job->algorithm.window;
    opt.filter.cutoff = job->algorithm.cutoff;
    opt.scan = job->algorithm.scan;
    return opt;
}

tes_status tes_job_grid_request(const tes_job *job, tes_grid_request *req) {
    tes_grid_request r = {0};
    r.p_slab = job->decomposition.p_slab;
    r.p_view = job->decomposition.p_view;
    r.mem_per_rank = (size_t)(job->decomposition.mem_per_rank * TES_BYTES_PER_MIB);
    r.volume_vectors = 1;
    r.data_vectors = 1;
    if (tes_job_iterative(job)) {
        tes_solver_algorithm alg;
        tes_solver_options opt;
        TES_CALL(tes_job_solver_options(job, &alg, &opt));
        tes_solver_vectors(alg, &opt, &r.volume_vectors, &r.data_vectors);
    }
    *req = r;
    return TES_OK;
}

void tes_job_plan_rank_of(const tes_job_plan *plan, const tes_vol_geom *vol,
                          const tes_proj_geom *proj, const tes_grid_request *req, int rank,
                          tes_job_plan_rank *out) {
    tes_plan_input in = {vol, proj, req->volume_vectors, req->data_vectors, req->mem_per_rank};
    tes_job_plan_rank r = {0};
    r.slab = rank / plan->p_view;
    r.group = rank % plan->p_view;
    tes_partition_range(vol->nz, plan->p_slab, r.slab, &r.z_begin, &r.z_end);
    tes_partition_range(proj->nviews, plan->p_view, r.group, &r.view_begin, &r.view_end);
    tes_slab_rows(proj, vol, plan->p_slab, r.slab, &r.row_begin, &r.row_end);
    int stitches = (plan->p_view > 1) + plan->forward_stitch;
    r.memory = tes_memory_plan_rank(&in, r.z_end - r.z_begin, r.view_end - r.view_begin,
                                    r.row_end - r.row_begin, stitches);
    *out = r;
}

tes_status tes_job_plan_grid(const tes_vol_geom *vol, const tes_proj_geom *proj,
                             const tes_grid_request *req, int nranks, tes_job_plan *plan) {
    TES_CHECK(vol && proj && req && plan, TES_ERR_ARG, "tes_job_plan_grid: NULL argument");
    TES_CALL(tes_proj_geom_validate(proj, vol));
    TES_CHECK(nranks >= 1, TES_ERR_ARG, "plan: %d ranks; expected at least 1", nranks);
    tes_plan_input in = {vol, proj, req->volume_vectors, req->data_vectors, req->mem_per_rank};
    int p_slab = 0, p_view = 0;
    TES_CALL(tes_memory_plan_grid(&in, req, nranks, &p_slab, &p_view));
    tes_job_plan p = {nranks, p_slab, p_view, tes_slabs_overlap(proj, vol, p_slab), 0, {0}};
    /* Group 0 holds the most views: the largest rank is in it. */
    for (int r = 0; r < nranks; r += p_view) {
        tes_job_plan_rank part;
        tes_job_plan_rank_of(&p, vol, proj, req, r, &part);
        if (r == 0 || part.memory.total_bytes > p.largest.total_bytes) {
            p.largest = part.memory;
            p.largest_rank = r;
        }
    }
    *plan = p;
    return TES_OK;
}
