# shellcheck shell=bash
# Shared by the Slurm tests (sourced): bring the single-node test cluster up
# for one test and down again whatever happens, and read job states.
#
# A test script is called as  SCRIPT SRC_DIR TESSERA [more...]  from its
# work directory (CTest's WORKING_DIRECTORY); it sources this file, which
# sets TES_SRC (the repository), TESSERA (the executable, absolute) and
# TES_TEST (the script's name, for messages), and calls cluster_up.
set -euo pipefail

readonly TES_SKIP=77
TES_SRC=$(cd "$1" && pwd -P)
TESSERA=$(cd "$(dirname "$2")" && pwd -P)/$(basename "$2")
TES_TEST=$(basename "$0" .sh)
export TESSERA
# The test cluster runs jobs as root (cluster.sh); the jobs inherit this
# environment, and Open MPI's mpirun refuses root without it.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
readonly CLUSTER="$TES_SRC/tests/slurm/cluster.sh"
readonly JOB_POLL_S=1

log() { echo "[$TES_TEST] $*"; }
fail() {
  echo "[$TES_TEST] FAIL: $*" >&2
  exit 1
}
skip() {
  echo "[$TES_TEST] skipped: $*"
  exit "$TES_SKIP"
}

[ -x "$TESSERA" ] || fail "no tessera executable at $TESSERA"

# A cluster that a killed run of this test left behind is stopped first: its
# directory is recorded in the work directory.
cluster_down() {
  local rc=$?
  if [ -n "${TES_CLUSTER_DIR:-}" ]; then
    if [ "$rc" -ne 0 ] && [ "$rc" -ne "$TES_SKIP" ]; then
      log "failed (exit $rc): the cluster's logs"
      for f in "$TES_CLUSTER_DIR"/log/*.log; do
        [ -s "$f" ] && { echo "---- $f (last 20 lines)"; tail -n 20 "$f"; }
      done
    fi
    "$CLUSTER" stop "$TES_CLUSTER_DIR" || true
    rm -rf "$TES_CLUSTER_DIR"
    rm -f cluster.dir
  fi
  exit "$rc"
}

cluster_up() {
  local stale
  if [ -f cluster.dir ]; then
    stale=$(cat cluster.dir)
    if [ -d "$stale" ]; then
      log "stopping the cluster a previous run left in $stale"
      "$CLUSTER" stop "$stale" || true
      rm -rf "$stale"
    fi
    rm -f cluster.dir
  fi
  TES_CLUSTER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tes-slurm.XXXXXX")
  echo "$TES_CLUSTER_DIR" >cluster.dir
  trap cluster_down EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  local rc=0
  "$CLUSTER" start "$TES_CLUSTER_DIR" || rc=$?
  [ "$rc" -eq 0 ] || exit "$rc" # 77: skipped (no Slurm); cluster_down cleans up
  export SLURM_CONF="$TES_CLUSTER_DIR/slurm.conf"
}

# sbatch --wait "$@", bounded: a test killed without its traps (SIGKILL)
# must not leave it polling a controller that is gone.
readonly SBATCH_WAIT_TIMEOUT_S=600
sbatch_wait() {
  timeout "$SBATCH_WAIT_TIMEOUT_S" sbatch --wait "$@"
}

# The value of FIELD in `scontrol show job JOBID` (JobState, ExitCode, Restarts...).
job_field() {
  scontrol show job -o "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# Wait until job $1 has finished (any final state) or $2 seconds passed;
# print its state.
job_wait() {
  local job=$1 timeout=$2 state="" waited=0
  while [ "$waited" -lt "$timeout" ]; do
    state=$(job_field "$job" JobState)
    case $state in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED)
        echo "$state"
        return 0
        ;;
    esac
    sleep "$JOB_POLL_S"
    waited=$((waited + JOB_POLL_S))
  done
  echo "${state:-UNKNOWN}"
  return 1
}

# Fail unless job $1 ended COMPLETED with exit code 0:0; show its log ($2).
expect_completed() {
  local job=$1 out=$2 state code
  state=$(job_field "$job" JobState)
  code=$(job_field "$job" ExitCode)
  if [ "$state" != COMPLETED ] || [ "$code" != 0:0 ]; then
    [ -f "$out" ] && { echo "---- $out"; cat "$out"; }
    fail "job $job ended $state with exit code $code (expected COMPLETED, 0:0)"
  fi
}
