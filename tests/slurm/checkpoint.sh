#!/usr/bin/env bash
# Slurm test: checkpoint and restart of a real reconstruction through the
# CPU template. SIGUSR1 is sent to the batch shell mid-run (as
# --signal=B:USR1@120 does before the time limit): tessera must checkpoint
# at the end of its iteration and exit 3, the template must requeue the
# job, and the requeued job must resume and end with the same volume as an
# uninterrupted run of the same job.
#
# usage: checkpoint.sh SRC_DIR TESSERA H5CHECK
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"
H5CHECK=$3
# The problem runs ~0.04 s per iteration on 2 ranks of a small machine: long
# enough to signal mid-run, short enough for a test.
readonly RECON=(--volume 64 --views 64 --algorithm sirt --iterations 300 --backend cpu)
readonly SHAPE=64,64,64
readonly SIGNAL_AFTER=5        # iterations done before SIGUSR1 is sent
readonly PROGRESS_TIMEOUT_S=120
readonly JOB_TIMEOUT_S=600
readonly SAME_RTOL=1e-6 # the resumed run continues from the checkpointed state

# The checkpoint option of the simulated recon: `--checkpoint FILE` names the
# checkpoint, which a run resumes from when it exists.
checkpoint_options() {
  echo "--checkpoint" "$PWD/$1.ckpt.h5"
}

cluster_up

# submit NAME SBATCH [sbatch options]: submit the CPU template on 2 ranks
# with SBATCH (sbatch or sbatch_wait); print the job id.
submit() {
  local name=$1 submitter=$2
  shift 2
  rm -f "$name".*
  # shellcheck disable=SC2046 # checkpoint_options: two words
  "$submitter" --parsable "$@" --chdir="$PWD" --output="$PWD/$name.out" --job-name="$name" \
    --ntasks=2 --cpus-per-task=1 "$TES_SRC/slurm/tessera-cpu.sbatch" \
    "${RECON[@]}" $(checkpoint_options "$name") -o "$PWD/$name.h5" --force
}

# The last iteration rank 0 reported in a job log ("sirt 7/300 ..."), or 0.
last_iteration() {
  { grep -Eo '^sirt +[0-9]+/' "$1" 2>/dev/null || true; } | tail -n 1 | grep -Eo '[0-9]+' || echo 0
}

log "the uninterrupted run"
job=$(submit reference sbatch_wait) || true
[ -n "$job" ] || fail "the reference job was not submitted"
expect_completed "$job" reference.out

log "the interrupted run"
job=$(submit interrupted sbatch)
waited=0
until [ "$(last_iteration interrupted.out)" -ge "$SIGNAL_AFTER" ]; do
  [ "$waited" -lt "$PROGRESS_TIMEOUT_S" ] ||
    fail "job $job did not reach iteration $SIGNAL_AFTER in ${PROGRESS_TIMEOUT_S} s"
  sleep 0.5
  waited=$((waited + 1))
done
scancel --signal=USR1 --batch "$job"
log "SIGUSR1 sent to job $job after iteration $(last_iteration interrupted.out)"
state=$(job_wait "$job" "$JOB_TIMEOUT_S") || fail "job $job still $state after ${JOB_TIMEOUT_S} s"
expect_completed "$job" interrupted.out
restarts=$(job_field "$job" Restarts)
[ "$restarts" = 1 ] || { cat interrupted.out; fail "job $job restarted $restarts times, expected 1"; }
grep -q "caught SIGUSR1" interrupted.out || fail "the template did not forward the signal"
grep -q "requeued" interrupted.out || fail "tessera did not exit 3 (checkpointed), or the template did not requeue"

"$H5CHECK" interrupted.h5 "$SHAPE" --like reference.h5 "$SAME_RTOL" ||
  fail "the resumed run's volume differs from the uninterrupted run's"
log "passed: checkpointed on SIGUSR1, requeued, resumed, same volume as the uninterrupted run"
