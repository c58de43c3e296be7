#!/usr/bin/env bash
# [algorithm] initial = file: a run that starts from an earlier run's volume
# continues it. K iterations, then K more from its volume, end BITWISE equal
# to 2K iterations straight through (SIRT and OSEM keep no state but x; same
# ranks, one thread per rank). A volume of another shape, a missing file or
# dataset, and initial = file without initial_file are refused (exit 2)
# before any work, with a message, and nothing is written.
#
# usage: initial.sh TESSERA H5CHECK VOLUME_CHECK RANKS ALGORITHM GRID
source "$(dirname "$0")/common.sh"
readonly ALGORITHM=$1 GRID=$2 K=4
rm -f ./*.h5 ./*.log ./*.ini

# job NAME ITERATIONS [LINES]: a simulated job of ALGORITHM writing NAME.h5,
# LINES added to [algorithm].
job() {
  cat >"$1.ini" <<INI
[input]
format = simulated
views = 16
noise = 2e4

[geometry]
volume = $4

[algorithm]
name = $ALGORITHM
iterations = $2
$3

[decomposition]
grid = $GRID
backend = cpu

[output]
volume = $1.h5
INI
}

job straight $((2 * K)) "" 24
job first $K "" 24
job second $K $'initial = file\ninitial_file = first.h5:/volume' 24
expect "$EXIT_DONE" straight.log straight.ini
expect "$EXIT_DONE" first.log first.ini
expect "$EXIT_DONE" second.log second.ini
expect_in second.log "initial volume: first.h5:/volume"
"$H5CHECK" second.h5 24,24,24 --like straight.h5 0 ||
  fail "$K + $K iterations from the file are not bitwise $((2 * K)) straight"
"$H5CHECK" second.h5 24,24,24 --like first.h5 1e-3 &&
  fail "the second run did not move from its start"

log "refused: another shape, no file, no dataset, no initial_file"
job small 1 "" 16
expect "$EXIT_DONE" small.log small.ini
# refused NAME LINES MESSAGE: a job of 24^3 with LINES exits 2 saying MESSAGE.
refused() {
  job "$1" "$K" "$2" 24
  expect "$EXIT_INPUT" "$1.log" "$1.ini"
  expect_in "$1.log" "$3"
}
refused shape $'initial = file\ninitial_file = small.h5' \
  "initial_file: small.h5:/volume has shape (16, 16, 16), the job's volume is (24, 24, 24)"
refused nofile $'initial = file\ninitial_file = none.h5' "none.h5"
refused nodataset $'initial = file\ninitial_file = first.h5:/elsewhere' "/elsewhere"
refused bare $'initial = file' "initial = file: give initial_file = FILE[:/dataset] too"
for name in shape nofile nodataset bare; do
  [ ! -e "$name.h5" ] || fail "a refused run ($name) wrote its volume"
done
log "passed: $ALGORITHM from a file on $RANKS rank(s) continues bitwise"
