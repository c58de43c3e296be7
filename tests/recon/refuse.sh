#!/usr/bin/env bash
# Checkpoints that belong to another run are refused (exit 2) with a
# message, before any data are read, and nothing is written: other options
# (the options' hash), another grid or rank count, another job file (the
# job's hash). The right run then resumes from the same checkpoint.
#
# usage: refuse.sh TESSERA H5CHECK VOLUME_CHECK RANKS   (RANKS = 2)
source "$(dirname "$0")/common.sh"
readonly COMMON=(--volume 24 --algorithm cgls --iterations 8 --backend cpu)
readonly RUN=("${COMMON[@]}" --views 16)
rm -f ./*.h5 ./*.log ./*.ini

# job NAME NOISE: a simulated job file whose checkpoint is ck-job.h5.
job() {
  cat >"$1.ini" <<INI
[input]
format = simulated
views = 16
noise = $2

[geometry]
volume = 24

[algorithm]
name = sirt
iterations = 8

[output]
volume = $1.h5

[checkpoint]
file = ck-job.h5
every = 100
INI
}

log "options: a checkpoint after iteration 3 on $RANKS ranks, grid 1x$RANKS"
TES_CHECKPOINT_AFTER=3 expect "$EXIT_CHECKPOINTED" first.log "${RUN[@]}" --grid "1x$RANKS" \
  -o out.h5 --checkpoint ck.h5
expect "$EXIT_INPUT" other-options.log "${COMMON[@]}" --views 20 --grid "1x$RANKS" -o out.h5 \
  --checkpoint ck.h5
expect_in other-options.log "checkpoint ck.h5 belongs to another job"
expect "$EXIT_INPUT" other-grid.log "${RUN[@]}" --grid "${RANKS}x1" -o out.h5 --checkpoint ck.h5
expect_in other-grid.log "checkpoint ck.h5 was written on another grid ($RANKS ranks, 1x$RANKS)"
RANKS=1 expect "$EXIT_INPUT" other-ranks.log "${RUN[@]}" -o out.h5 --checkpoint ck.h5
expect_in other-ranks.log "this run has 1 ranks"
[ ! -e out.h5 ] || fail "a refused run wrote its volume"
log "the same options resume"
expect "$EXIT_DONE" resume.log "${RUN[@]}" --grid "1x$RANKS" -o out.h5 --checkpoint ck.h5
expect_in resume.log "resuming from checkpoint ck.h5 after iteration 3"

log "jobs: a checkpoint of job a refused for job b"
job a 0
job b 1e5
TES_CHECKPOINT_AFTER=2 expect "$EXIT_CHECKPOINTED" job-a.log a.ini
expect "$EXIT_INPUT" job-b.log b.ini
expect_in job-b.log "checkpoint ck-job.h5 belongs to another job"
[ ! -e b.h5 ] || fail "a refused job wrote its volume"
expect "$EXIT_DONE" job-a-resumed.log a.ini
expect_in job-a-resumed.log "resuming from checkpoint ck-job.h5 after iteration 2"
log "passed: checkpoints of other options, grids and jobs refused"
