#!/bin/sh
# The README's demo (`make demo` runs `jobs/demo.sh $(BUILD) $(RANKS)`) on
# RANKS MPI ranks, written to out/demo/:
#  - with ../shared/data/tooth.h5 (the APS tooth: 181 views, 2 rows x 640
#    columns of raw counts, flats and darks): a job file reconstructs it
#    with SIRT (centre of rotation 296 px, 40 iterations, non-negative);
#  - without it: SIRT on a simulated 128^3 Shepp-Logan parallel-beam
#    acquisition (96 views, photon noise of 1e5 photons per pixel).
# Both write the volume, previews of the central slices and the metrics.
# Rerunning replaces the previous results (--force).
#
# usage: jobs/demo.sh [BUILD] [RANKS]     (defaults: build 2)
set -eu

BUILD=${1:-build}
RANKS=${2:-2}
OUT=out/demo
EXE="$BUILD/tessera"
DATA=../shared/data/tooth.h5

if [ ! -x "$EXE" ]; then
    echo "demo: $EXE not found: build first (make build, or cmake --build $BUILD)" >&2
    exit 1
fi
mkdir -p "$OUT"

# Share the cores among the ranks; more ranks than cores oversubscribe.
CORES=$(nproc)
THREADS=$((CORES / RANKS))
[ "$THREADS" -ge 1 ] || THREADS=1

# Open MPI refuses to run as root, or more ranks than cores, unless told;
# and it binds each of two or fewer ranks to a single core, where its
# THREADS threads would take turns: leave the ranks unbound.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_hwloc_base_binding_policy=none

if [ -f "$DATA" ]; then
    cat >"$OUT/tooth.ini" <<INI
; written by jobs/demo.sh: the APS tooth, SIRT
[input]
file = $DATA
format = dxchange
values = counts

[geometry]
kind = parallel3d
center_col = 296

[algorithm]
name = sirt
iterations = 40
min = 0

[output]
volume = $OUT/volume.h5
previews = $OUT/preview
metrics = $OUT/metrics.jsonl
INI
    mpiexec -n "$RANKS" --oversubscribe "$EXE" recon "$OUT/tooth.ini" --threads "$THREADS" \
        --force
    WHAT="the APS tooth (tooth.h5), SIRT, job file $OUT/tooth.ini"
else
    mpiexec -n "$RANKS" --oversubscribe "$EXE" recon \
        --volume 128 --views 96 --geometry parallel3d --noise 1e5 \
        --algorithm sirt --iterations 25 --min 0 --threads "$THREADS" \
        -o "$OUT/volume.h5" --metrics "$OUT/metrics.jsonl" --force
    WHAT="a simulated Shepp-Logan acquisition, SIRT (no ../shared/data/tooth.h5 here)"
fi

cat <<EOF

demo results in $OUT/: $WHAT
  volume.h5      the reconstruction, dataset /volume (z, y, x) float32, with the
                 geometry and the run as attributes:  h5dump -A $OUT/volume.h5
  metrics.jsonl  one JSON object per iteration (residual, seconds split into
                 forward/adjoint/reduce/update, GUPS, bytes reduced)
EOF
if [ -f "$DATA" ]; then
    cat <<EOF
  preview_z.png, preview_y.png, preview_x.png   the central slices
  preview_convergence.png                        the residual per iteration
EOF
fi
