#!/usr/bin/env bash
# Slurm test: the templates' signal and requeue contract, with a stand-in
# for tessera (fake-tessera.sh). For each launcher (srun, mpirun): USR1 sent
# to the batch shell (as --signal=B:USR1@120 does) reaches both ranks, they
# "checkpoint" and exit 3, the template requeues the job, and the requeued
# run "resumes" and completes. Then exit 2 (bad input) and exit 1 end the job
# FAILED with that code and are not requeued.
#
# usage: requeue.sh SRC_DIR TESSERA     (TESSERA unused beyond the checks)
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"
readonly START_TIMEOUT_S=60
readonly JOB_TIMEOUT_S=240
FAKE="$TES_SRC/tests/slurm/fake-tessera.sh"

cluster_up

# Submit the CPU template running the fake tessera in MODE with launcher $2;
# print the job id. Work files go to the directory $3.
submit() {
  local mode=$1 launcher=$2 dir=$3
  rm -rf "$dir"
  mkdir -p "$dir"
  TESSERA=$FAKE TES_LAUNCHER=$launcher sbatch --parsable --chdir="$dir" --output="$dir/job.out" \
    --ntasks=2 --cpus-per-task=1 "$TES_SRC/slurm/tessera-cpu.sbatch" "$mode" "$dir"
}

checkpoint_cycle() {
  local launcher=$1 dir=$PWD/requeue-$1 job state waited=0
  job=$(submit checkpoint "$launcher" "$dir")
  log "$launcher: job $job submitted; waiting until both ranks run"
  until [ -f "$dir/started.0" ] && [ -f "$dir/started.1" ]; do
    [ "$waited" -lt "$START_TIMEOUT_S" ] || fail "$launcher: the ranks did not start in ${START_TIMEOUT_S} s"
    sleep 1
    waited=$((waited + 1))
  done
  scancel --signal=USR1 --batch "$job"
  log "$launcher: SIGUSR1 sent to the batch shell; waiting for the requeued run"
  state=$(job_wait "$job" "$JOB_TIMEOUT_S") || fail "$launcher: job $job still $state after ${JOB_TIMEOUT_S} s"
  expect_completed "$job" "$dir/job.out"
  [ "$(job_field "$job" Restarts)" = 1 ] || fail "$launcher: job $job restarted $(job_field "$job" Restarts) times, expected 1"
  for rank in 0 1; do
    [ -f "$dir/checkpoint.$rank" ] || fail "$launcher: rank $rank never got SIGUSR1 (no checkpoint)"
    [ "$(cat "$dir/resumed.$rank" 2>/dev/null)" = 1 ] || fail "$launcher: rank $rank did not resume in restart 1"
  done
  grep -q "caught SIGUSR1" "$dir/job.out" || fail "$launcher: the template did not report the signal"
  grep -q "requeued" "$dir/job.out" || fail "$launcher: the template did not report the requeue"
  log "$launcher: signal forwarded to both ranks, exit 3 requeued, the requeued run completed"
}

failure_not_requeued() {
  local mode=$1 code=$2 dir=$PWD/requeue-$1 job state
  job=$(submit "$mode" srun "$dir")
  state=$(job_wait "$job" "$JOB_TIMEOUT_S") || fail "$mode: job $job still $state"
  [ "$state" = FAILED ] || fail "$mode: job $job ended $state, expected FAILED"
  [ "$(job_field "$job" ExitCode)" = "$code:0" ] ||
    fail "$mode: job $job exit code $(job_field "$job" ExitCode), expected $code:0"
  [ "$(job_field "$job" Restarts)" = 0 ] || fail "$mode: job $job was requeued"
  log "$mode: exit $code ends the job FAILED ($code:0), not requeued"
}

checkpoint_cycle srun
checkpoint_cycle mpirun
failure_not_requeued bad-input 2
failure_not_requeued fail 1
log "passed"
