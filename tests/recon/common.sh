# shellcheck shell=bash
# Shared by the tests/recon scripts: arguments, the launcher and checks.
#   script TESSERA H5CHECK VOLUME_CHECK RANKS [extra...]
set -u
readonly TESSERA=$1 H5CHECK=$2 VOLUME_CHECK=$3
RANKS=$4 # a call may run on other ranks: RANKS=1 expect ...
shift 4
readonly SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
# One thread per rank: bitwise comparisons need the same threads in every run.
export OMP_NUM_THREADS=1
readonly EXIT_DONE=0 EXIT_INPUT=2 EXIT_CHECKPOINTED=3

log() { echo "== $*"; }
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
skip() {
  echo "skipped: $*"
  exit 77
}

# The measured data folder, or skip.
need_data() {
  local dir=${TES_SHARED_DATA:-}
  for f in "$@"; do
    [ -n "$dir" ] && [ -e "$dir/$f" ] || skip "no $f in \$TES_SHARED_DATA (${dir:-unset})"
  done
}

# tessera recon ARGS on RANKS ranks (environment passed on).
recon() {
  "${TES_MPIEXEC:-mpiexec}" -n "$RANKS" --oversubscribe "$TESSERA" recon "$@"
}

# expect STATUS LOG ARGS...: tessera recon ARGS exits with STATUS; its
# output goes to LOG (shown on failure).
expect() {
  local status=$1 out=$2
  shift 2
  local got=0
  recon "$@" >"$out" 2>&1 || got=$?
  if [ "$got" != "$status" ]; then
    cat "$out" >&2
    fail "tessera recon $* exited $got, expected $status"
  fi
}

# expect_in LOG TEXT: LOG contains TEXT (fixed string).
expect_in() {
  grep -qF -- "$2" "$1" || {
    cat "$1" >&2
    fail "'$2' not in $1"
  }
}

# expect_re LOG REGEX: LOG has a line matching the extended REGEX.
expect_re() {
  grep -qE -- "$2" "$1" || {
    cat "$1" >&2
    fail "no line matching '$2' in $1"
  }
}
