#!/usr/bin/env bash
# A stand-in for `tessera recon` that keeps its contract with the sbatch
# templates, to test their signal forwarding and requeueing on their own:
#
#   fake-tessera.sh recon MODE DIR
#     checkpoint  mark DIR/started.RANK, run until SIGUSR1 (at most 120 s),
#                 then write DIR/checkpoint.RANK and exit 3 (checkpointed);
#                 when DIR/checkpoint.RANK exists, write DIR/resumed.RANK and
#                 exit 0 (resumed and finished)
#     bad-input   exit 2
#     fail        exit 1
# RANK is OMPI_COMM_WORLD_RANK (mpirun) or SLURM_PROCID (srun).
set -euo pipefail
readonly RUN_LIMIT_S=120

[ "${1:-}" = recon ] || { echo "fake-tessera: expected 'recon', got '${1:-}'" >&2; exit 2; }
mode=$2
dir=$3
# Under mpirun in a batch job SLURM_PROCID is the batch step's (0) on every rank.
rank=${OMPI_COMM_WORLD_RANK:-${SLURM_PROCID:-0}}

case $mode in
  bad-input) echo "fake-tessera: error: bad input" >&2; exit 2 ;;
  fail) echo "fake-tessera: error: failed" >&2; exit 1 ;;
  checkpoint) ;;
  *) echo "fake-tessera: unknown mode '$mode'" >&2; exit 2 ;;
esac

if [ -f "$dir/checkpoint.$rank" ]; then
  echo "fake-tessera: rank $rank resumed from $dir/checkpoint.$rank (restart ${SLURM_RESTART_COUNT:-0})"
  echo "${SLURM_RESTART_COUNT:-0}" >"$dir/resumed.$rank"
  exit 0
fi
signalled=0
trap 'signalled=1' USR1
touch "$dir/started.$rank"
for _ in $(seq 1 $((RUN_LIMIT_S * 10))); do
  [ "$signalled" -eq 1 ] && break
  # Slurm signals every process of the task: sleep too, which then fails.
  sleep 0.1 || true
done
[ "$signalled" -eq 1 ] || { echo "fake-tessera: rank $rank: no SIGUSR1 in ${RUN_LIMIT_S} s" >&2; exit 1; }
echo "fake-tessera: rank $rank got SIGUSR1: checkpoint written, exit 3"
echo "${SLURM_RESTART_COUNT:-0}" >"$dir/checkpoint.$rank"
exit 3
