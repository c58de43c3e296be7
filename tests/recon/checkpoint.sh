#!/usr/bin/env bash
# Checkpoint/restart: a run stopped by SIGUSR1 after iteration K (the test
# hook TES_CHECKPOINT_AFTER=K) checkpoints and exits 3; rerun with the same
# command it resumes and ends BITWISE equal to a run straight through (same
# ranks, one thread per rank). The tolerance is on (never met), so the
# stagnation rule's state is restored too. The checkpoint is removed at the
# end.
#
# usage: checkpoint.sh TESSERA H5CHECK VOLUME_CHECK RANKS ALGORITHM GRID
source "$(dirname "$0")/common.sh"
readonly ALGORITHM=$1 GRID=$2
readonly N=32 SHAPE=32,32,32 ITERATIONS=12 SIGNAL_AFTER=5 EVERY=4
readonly RUN=(--volume "$N" --views 24 --algorithm "$ALGORITHM" --iterations "$ITERATIONS"
  --tolerance 1e-9 --grid "$GRID" --backend cpu)
rm -f ./*.h5 ./*.log

log "$ALGORITHM on $RANKS rank(s), grid $GRID: straight through"
expect "$EXIT_DONE" straight.log "${RUN[@]}" -o straight.h5

log "interrupted after iteration $SIGNAL_AFTER"
TES_CHECKPOINT_AFTER=$SIGNAL_AFTER expect "$EXIT_CHECKPOINTED" interrupted.log "${RUN[@]}" \
  -o resumed.h5 --checkpoint ck.h5 --checkpoint-every "$EVERY"
expect_in interrupted.log "caught SIGUSR1: stopped after iteration $SIGNAL_AFTER"
expect_in interrupted.log "checkpoint ck.h5 written after iteration $EVERY"
[ -f ck.h5 ] || fail "no checkpoint written"
[ ! -e resumed.h5 ] || fail "an interrupted run wrote its volume"

log "resumed"
expect "$EXIT_DONE" resumed.log "${RUN[@]}" -o resumed.h5 --checkpoint ck.h5
expect_in resumed.log "resuming from checkpoint ck.h5 after iteration $SIGNAL_AFTER"
expect_re resumed.log "^$ALGORITHM +$((SIGNAL_AFTER + 1))/$ITERATIONS "
[ ! -e ck.h5 ] || fail "the checkpoint was left after a finished run"

"$H5CHECK" resumed.h5 "$SHAPE" --like straight.h5 0 ||
  fail "the resumed volume is not bitwise the uninterrupted one"
log "passed: resumed $ALGORITHM on $RANKS rank(s) equals the straight run bitwise"
