/* tessera info FILE: the datasets of an input file (types, shapes, units,
 * links and their targets) and what tessera would read of it (format,
 * paths, projections, flats, darks, angle range). Rank 0 lists; every rank
 * opens the scan, as a reconstruction would. */
#include "cli/info.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/agree.h"
#include "core/log.h"
#include "io/h5contents.h"
#include "io/scan_geometry.h"

const tes_cli_option tes_cli_scan_options[] = {
    {"--format", NULL, "F", "input format: auto, dxchange or nexus (default auto: detected)"},
    {"--data", NULL, "PATH",
     "frames (frame, row, column) (default /exchange/data; NeXus: the first known layout)"},
    {"--flats", NULL, "PATH", "flat fields, Data Exchange (default /exchange/data_white)"},
    {"--darks", NULL, "PATH", "dark fields, Data Exchange (default /exchange/data_dark)"},
    {"--angles", NULL, "PATH",
     "rotation angles, degrees unless their units attribute says radians (default "
     "/exchange/theta; NeXus: the layout's)"},
    {"--image-key", NULL, "PATH",
     "NeXus image keys: 0 projection, 1 flat, 2 dark, 3 invalid (default: the layout's)"},
    {"--values", NULL, "V",
     "counts, line-integrals or auto (default auto: line integrals when the data's units "
     "attribute says so)"},
    {"--rows", NULL, "A:B", "read detector rows [A, B) only (default all)"},
    {"--cols", NULL, "A:B", "read detector columns [A, B) only (default all)"},
    {"--view-step", NULL, "K", "read every K-th projection (default 1)"},
    {NULL, NULL, NULL, NULL},
};

enum {
    TES_CLI_NUMBER_BYTES = 32,    /* the A of "A:B" */
    TES_INFO_MESSAGE_BYTES = 1024, /* an unusable geometry's reason */
};

#define TES_INFO_GEOMETRY_GROUP "/geometry"

static const tes_cli_option info_options[] = {
    {"--all", NULL, NULL, "list scalar datasets too (instrument positions and the like)"},
    {NULL, NULL, NULL, NULL},
};

static const tes_cli_section info_sections[] = {
    {"Listing", info_options},
    {"Scan", tes_cli_scan_options},
    {"Help", tes_cli_help_options},
    {NULL, NULL},
};

/* "A:B" into [*begin, *end). */
static tes_status parse_range(const tes_cli_args *args, const char *name, size_t *begin,
                              size_t *end) {
    const char *text = tes_cli_get(args, name);
    if (!text)
        return TES_OK;
    const char *colon = strchr(text, ':');
    TES_CHECK(colon && colon != text && colon[1], TES_ERR_ARG,
              "%s: expected A:B (first and one past the last), got '%s'", name, text);
    char first[TES_CLI_NUMBER_BYTES];
    TES_CHECK((size_t)(colon - text) < sizeof first, TES_ERR_ARG, "%s: '%s' is too long", name,
              text);
    snprintf(first, sizeof first, "%.*s", (int)(colon - text), text);
    size_t b = 0, e = 0;
    if (strcmp(first, "0") != 0)
        TES_CALL(tes_cli_parse_count(name, first, &b));
    TES_CALL(tes_cli_parse_count(name, colon + 1, &e));
    TES_CHECK(b < e, TES_ERR_ARG, "%s: the range %s is empty", name, text);
    *begin = b;
    *end = e;
    return TES_OK;
}

static tes_status parse_values(const char *text, tes_scan_values *out) {
    static const struct {
        const char *name;
        tes_scan_values value;
    } names[] = {{"auto", TES_VALUES_AUTO},
                 {"counts", TES_VALUES_COUNTS},
                 {"line-integrals", TES_VALUES_LINE_INTEGRALS}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i)
        if (!strcasecmp(text, names[i].name)) {
            *out = names[i].value;
            return TES_OK;
        }
    TES_FAIL(TES_ERR_ARG, "--values: expected auto, counts or line-integrals, got '%s'", text);
}

tes_status tes_cli_scan_read_options(const tes_cli_args *args, tes_scan_options *opt) {
    *opt = tes_scan_options_default();
    if (tes_cli_has(args, "--format"))
        TES_CALL(tes_scan_format_parse(tes_cli_get(args, "--format"), "--format", &opt->format));
    opt->paths.data = tes_cli_get(args, "--data");
    opt->paths.flats = tes_cli_get(args, "--flats");
    opt->paths.darks = tes_cli_get(args, "--darks");
    opt->paths.angles = tes_cli_get(args, "--angles");
    opt->paths.image_key = tes_cli_get(args, "--image-key");
    if (tes_cli_has(args, "--values"))
        TES_CALL(parse_values(tes_cli_get(args, "--values"), &opt->values));
    TES_CALL(parse_range(args, "--rows", &opt->row_begin, &opt->row_end));
    TES_CALL(parse_range(args, "--cols", &opt->col_begin, &opt->col_end));
    TES_CALL(tes_cli_count(args, "--view-step", 1, &opt->view_step));
    return TES_OK;
}

static tes_status run_info(const tes_cli_args *args, MPI_Comm comm) {
    TES_CHECK(args->npositional == 1, TES_ERR_ARG, "info: expected one input file");
    const char *file = args->positional[0];
    tes_scan_options opt;
    TES_CALL(tes_cli_scan_read_options(args, &opt));
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    tes_status st = TES_OK;
    if (rank == 0) {
        st = tes_h5_contents_print(stdout, file, tes_cli_has(args, "--all"));
        fflush(stdout);
    }
    TES_CALL(tes_status_agree(comm, st));
    tes_scan *scan = NULL;
    st = tes_scan_open(&scan, file, &opt, comm);
    if (st != TES_OK) {
        if (rank == 0) {
            printf("\ntessera would not read %s (the reason follows)\n", file);
            fflush(stdout);
        }
        TES_CALL(st);
    }
    /* The geometry a job may take with [geometry] attributes: on
     * /geometry (htc2022) or on the projections' dataset (tessera's). */
    const char *const geometry_paths[] = {TES_INFO_GEOMETRY_GROUP, scan->data_path};
    tes_scan_geometry geo[2];
    memset(geo, 0, sizeof geo);
    char unusable[2][TES_INFO_MESSAGE_BYTES] = {"", ""};
    for (int i = 0; i < 2; ++i)
        if (tes_scan_geometry_read(scan, geometry_paths[i], 0, &geo[i]) != TES_OK) {
            snprintf(unusable[i], sizeof unusable[i], "%s", tes_error_message());
            tes_error_clear();
        }
    if (rank == 0) {
        printf("\ntessera would read:\n");
        tes_scan_summary(scan, stdout);
        for (int i = 0; i < 2; ++i)
            if (unusable[i][0])
                printf("  geometry %s: not usable: %s\n", geometry_paths[i], unusable[i]);
            else
                tes_scan_geometry_summary(&geo[i], stdout);
        fflush(stdout);
    }
    tes_scan_close(&scan);
    return TES_OK;
}

const tes_cli_command tes_cli_info_command = {
    "info",
    "show the datasets of an input file and what tessera would read of it",
    "tessera info FILE [--all] [--format F] [--data PATH] [--flats PATH] [--darks PATH] "
    "[--angles PATH] [--image-key PATH] [--values V] [--rows A:B] [--cols A:B] "
    "[--view-step K]",
    "Lists the datasets of FILE (HDF5: Data Exchange or NeXus NXtomo) with their stored types, "
    "shapes and units, and its links with their targets (external links to files that do not "
    "exist are marked, never opened). Then opens FILE as tessera reads a scan and shows the "
    "format, the paths, the numbers of projections, flats and darks, the angle range and what "
    "a reconstruction would read; a file tessera would refuse gets the reason and exit status "
    "2.",
    info_sections,
    1,
    run_info,
};
