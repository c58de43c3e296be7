#!/usr/bin/env bash
# tessera recon end to end: a tiny simulated reconstruction on 1 and 2 ranks
# writes the volume (checked by h5check: shape, attributes, the 2-rank
# volume equals the 1-rank one) and the metrics (valid JSON lines, one per
# iteration); every algorithm runs; bad options exit with status 2 and a
# message naming the option; existing outputs are refused without --force
# and left untouched.
#
# Usage: recon-cli.sh TESSERA H5CHECK JSONL_CHECK WORKDIR MPIEXEC [MPIEXEC_FLAGS...]
set -u
TESSERA=$1
H5CHECK=$2
JSONL_CHECK=$3
WORK=$4
shift 4
MPIEXEC=("$@")

ITERATIONS=3
TINY=(--volume 16 --views 12 --iterations "$ITERATIONS")
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# run RANKS STATUS REGEX ARGS...: tessera on RANKS ranks must exit with
# STATUS and print something matching REGEX. One rank runs without mpiexec
# (an MPI singleton starts several times faster).
run() {
    local ranks=$1 want=$2 regex=$3
    shift 3
    local out got
    if [ "$ranks" -eq 1 ]; then
        out=$("$TESSERA" recon "$@" 2>&1)
    else
        out=$("${MPIEXEC[0]}" -n "$ranks" "${MPIEXEC[@]:1}" "$TESSERA" recon "$@" 2>&1)
    fi
    got=$?
    if [ "$got" -ne "$want" ]; then
        fail "recon $* on $ranks rank(s): exit status $got, expected $want"
        printf '%s\n' "$out" >&2
    elif ! printf '%s\n' "$out" | grep -Eq -- "$regex"; then
        fail "recon $* on $ranks rank(s): output does not match '$regex'"
        printf '%s\n' "$out" >&2
    else
        echo "ok: recon $* on $ranks rank(s)"
    fi
}

rm -rf "$WORK" && mkdir -p "$WORK" || exit 1

# --- tiny runs: volume and metrics on 1 and 2 ranks ------------------------------
run 1 0 "relative error to the phantom" "${TINY[@]}" --noise 1e4 --seed 7 \
    -o "$WORK/r1.h5" --metrics "$WORK/r1.jsonl"
run 2 0 "relative error to the phantom" "${TINY[@]}" --noise 1e4 --seed 7 --grid 1x2 \
    -o "$WORK/r2.h5" --metrics "$WORK/r2.jsonl"
"$JSONL_CHECK" "$WORK/r1.jsonl" "$ITERATIONS" || fail "metrics of the 1-rank run"
"$JSONL_CHECK" "$WORK/r2.jsonl" "$ITERATIONS" || fail "metrics of the 2-rank run"
"$H5CHECK" "$WORK/r1.h5" 16,16,16 --attr geometry --attr algorithm --attr iterations ||
    fail "volume of the 1-rank run"
# Same noise on every grid: the volumes agree to float32 rounding.
"$H5CHECK" "$WORK/r2.h5" 16,16,16 --like "$WORK/r1.h5" 1e-5 || fail "2-rank volume != 1-rank"

for algorithm in osem mlem cgls; do
    run 2 0 "stopped" "${TINY[@]}" --algorithm "$algorithm" --grid 2x1 -o "$WORK/$algorithm.h5"
done
run 2 0 "stopped" "${TINY[@]}" --geometry cone3d --sod 48 --odd 16 --grid 2x1 \
    -o "$WORK/cone.h5"
run 2 0 "stopped: converged|stopped: stagnated" --volume 16 --views 12 --iterations 500 \
    --tolerance 1e-3 -o "$WORK/tol.h5"

# --- bad options: exit 2, the option named, before any work ------------------------
out=(-o "$WORK/bad.h5")
run 1 2 "--algorithm" "${TINY[@]}" --algorithm art "${out[@]}"
run 1 2 "--subsets" "${TINY[@]}" --subsets 4 "${out[@]}"
run 1 2 "--subsets" "${TINY[@]}" --algorithm osem --subsets 13 "${out[@]}"
run 1 2 "--relaxation" "${TINY[@]}" --relaxation 2.5 "${out[@]}"
run 1 2 "--relaxation" "${TINY[@]}" --algorithm cgls --relaxation 0.5 "${out[@]}"
run 1 2 "--min" "${TINY[@]}" --algorithm cgls --min 0 "${out[@]}"
run 1 2 "--min" "${TINY[@]}" --min 1 --max 0 "${out[@]}"
run 1 2 "--iterations" "${TINY[@]}" --iterations 0 "${out[@]}"
run 1 2 "--tolerance" "${TINY[@]}" --tolerance -1 "${out[@]}"
run 1 2 "--noise" "${TINY[@]}" --noise -5 "${out[@]}"
run 1 2 "--seed" "${TINY[@]}" --seed 3 "${out[@]}"
run 1 2 "--grid" "${TINY[@]}" --grid 2x "${out[@]}"
run 2 2 "--grid" "${TINY[@]}" --grid 3x1 "${out[@]}"
run 1 2 "--volume" --views 12 "${out[@]}"
run 1 2 "--output" "${TINY[@]}"
run 1 2 "--frobnicate" "${TINY[@]}" --frobnicate "${out[@]}"
[ ! -e "$WORK/bad.h5" ] || fail "a refused run wrote $WORK/bad.h5"

# --- existing outputs: refused without --force, untouched --------------------------
before_volume=$(cksum < "$WORK/r1.h5")
before_metrics=$(cksum < "$WORK/r1.jsonl")
run 1 2 "--force" "${TINY[@]}" -o "$WORK/r1.h5"
run 1 2 "--force" "${TINY[@]}" -o "$WORK/new.h5" --metrics "$WORK/r1.jsonl"
run 1 2 "--metrics" "${TINY[@]}" -o "$WORK/new.h5" --metrics "$WORK/new.h5"
[ "$(cksum < "$WORK/r1.h5")" = "$before_volume" ] || fail "a refused run changed r1.h5"
[ "$(cksum < "$WORK/r1.jsonl")" = "$before_metrics" ] || fail "a refused run changed r1.jsonl"
[ ! -e "$WORK/new.h5" ] || fail "a refused run wrote new.h5"
run 1 0 "relative error" "${TINY[@]}" -o "$WORK/r1.h5" --metrics "$WORK/r1.jsonl" --force

if [ "$failures" -ne 0 ]; then
    echo "recon-cli: $failures check(s) failed"
    exit 1
fi
echo "recon-cli: passed"
