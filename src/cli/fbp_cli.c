#include "cli/fbp_cli.h"

#include <math.h>
#include <string.h>

#include "core/log.h"
#include "core/vec.h"
#include "solvers/operator.h"

const tes_cli_option tes_cli_filter_options[] = {
    {"--filter", NULL, "W",
     "window of the ramp filter: ram-lak, shepp-logan, cosine, hamming or hann (default "
     "ram-lak)"},
    {"--cutoff", NULL, "C",
     "filter cutoff, a fraction of Nyquist in (0, 1]: higher frequencies are removed "
     "(default 1)"},
    {NULL, NULL, NULL, NULL},
};

const tes_cli_option tes_cli_fbp_scan_options[] = {
    {"--scan", NULL, "auto|full|short",
     "cone beam: a full turn, or a short scan weighted by Parker's weights over the arc "
     "covered (default auto: short when the angles leave a gap of more than a few steps)"},
    {NULL, NULL, NULL, NULL},
};

tes_status tes_cli_filter_read(const tes_cli_args *args, tes_filter_options *opt) {
    *opt = tes_filter_options_default();
    if (tes_cli_has(args, "--filter"))
        TES_CALL(tes_filter_window_parse(tes_cli_get(args, "--filter"), "--filter", &opt->window));
    TES_CALL(tes_cli_real(args, "--cutoff", opt->cutoff, &opt->cutoff));
    TES_CHECK(opt->cutoff > 0.0 && opt->cutoff <= 1.0, TES_ERR_ARG,
              "--cutoff: expected a fraction of Nyquist in (0, 1], got %g", opt->cutoff);
    return TES_OK;
}

static tes_status parse_scan(const char *text, tes_fbp_scan *out) {
    static const struct {
        const char *name;
        tes_fbp_scan scan;
    } names[] = {
        {"auto", TES_FBP_SCAN_AUTO}, {"full", TES_FBP_SCAN_FULL}, {"short", TES_FBP_SCAN_SHORT}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i)
        if (!strcmp(text, names[i].name)) {
            *out = names[i].scan;
            return TES_OK;
        }
    TES_FAIL(TES_ERR_ARG, "--scan: expected auto, full or short, got '%s'", text);
}

tes_status tes_cli_fbp_read(const tes_cli_args *args, tes_fbp_options *opt) {
    *opt = tes_fbp_options_default();
    TES_CALL(tes_cli_filter_read(args, &opt->filter));
    if (tes_cli_has(args, "--scan"))
        TES_CALL(parse_scan(tes_cli_get(args, "--scan"), &opt->scan));
    return TES_OK;
}

/* Options of the iterative solvers that mean nothing to FBP. */
static const char *const iterative_options[] = {
    "--iterations", "--tolerance", "--relaxation", "--subsets", "--min", "--max", "--metrics"};

tes_status tes_cli_recon_fbp_options(const tes_cli_args *args, tes_geom_kind kind, int *is_fbp,
                                     tes_fbp_options *opt) {
    const char *name = tes_cli_get(args, "--algorithm");
    *is_fbp = name && (!strcmp(name, "fbp") || !strcmp(name, "fdk"));
    if (!*is_fbp) {
        TES_CHECK(!tes_cli_has(args, "--filter") && !tes_cli_has(args, "--cutoff") &&
                      !tes_cli_has(args, "--scan"),
                  TES_ERR_ARG,
                  "--filter, --cutoff and --scan apply to --algorithm fbp or fdk only");
        return TES_OK;
    }
    const char *fits = tes_fbp_algorithm_name(kind);
    TES_CHECK(!strcmp(name, fits), TES_ERR_ARG,
              "--algorithm %s: the %s geometry is reconstructed by %s (fbp: parallel3d, fdk: "
              "cone3d)",
              name, tes_geom_kind_name(kind), fits);
    for (size_t i = 0; i < sizeof iterative_options / sizeof iterative_options[0]; ++i)
        TES_CHECK(!tes_cli_has(args, iterative_options[i]), TES_ERR_ARG,
                  "%s: applies to the iterative solvers, not to --algorithm %s",
                  iterative_options[i], name);
    TES_CHECK(kind == TES_GEOM_CONE3D || !tes_cli_has(args, "--scan"), TES_ERR_ARG,
              "--scan: applies to cone beams (--algorithm fdk) only");
    TES_CALL(tes_cli_fbp_read(args, opt));
    return TES_OK;
}

/* r = ||y - A x|| (global). */
static tes_status residual_norm(tes_problem *pb, const tes_array *y, const tes_array *x,
                                double *r) {
    tes_array *ax = NULL;
    TES_CALL(tes_operator_new_data(pb->op, &ax));
    tes_status st = tes_operator_forward(pb->op, x, ax);
    if (st == TES_OK)
        st = tes_vec_sub(ax, y, ax);
    if (st == TES_OK)
        st = tes_operator_data_dot(pb->op, ax, ax, r);
    tes_array_destroy(&ax);
    TES_CALL(st);
    *r = sqrt(*r);
    return TES_OK;
}

tes_status tes_cli_recon_fbp(tes_problem *pb, const tes_array *y, tes_array *x,
                             const tes_fbp_options *opt, tes_solver_result *res) {
    const char *name = tes_fbp_algorithm_name(pb->proj->kind);
    tes_log(TES_LOG_INFO, "%s: %zu views on %d rank(s), filter %s (cutoff %g), backend %s", name,
            pb->proj->nviews, pb->grid->nranks, tes_filter_window_name(opt->filter.window),
            opt->filter.cutoff, tes_backend_name(pb->op_options.backend));
    tes_fbp_stats stats;
    TES_CALL(tes_fbp(pb, y, x, opt, &stats));
    memset(res, 0, sizeof *res);
    res->stop = TES_SOLVER_STOP_ITERATIONS;
    res->seconds = stats.seconds;
    TES_CALL(tes_operator_data_dot(pb->op, y, y, &res->data_norm));
    res->data_norm = sqrt(res->data_norm);
    TES_CALL(residual_norm(pb, y, x, &res->residual));
    res->initial_residual = res->residual;
    res->relative_residual = res->data_norm > 0.0 ? res->residual / res->data_norm : res->residual;
    tes_log(TES_LOG_INFO,
            "recon: %s in %.2f s (filter %.2f s, backprojection %.2f s, stitch %.2f s on rank "
            "0); residual %.5e (relative %.3e)",
            name, stats.seconds, stats.filter_seconds, stats.backproject_seconds,
            stats.reduce_seconds, res->residual, res->relative_residual);
    return TES_OK;
}
