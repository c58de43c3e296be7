#!/usr/bin/env bash
# Slurm test: a small tessera reconstruction (simulated 32^3 Shepp-Logan,
# 24 views, SIRT, 4 iterations, 2 ranks) submitted with `sbatch --wait`
# through the real templates: the CPU template launched with srun and with
# mpirun, and the GPU template on the test cluster's stand-in GPUs (gres
# without devices; tessera runs --backend cpu). Each job must end COMPLETED
# with exit code 0:0 and write a 32^3 volume; the three volumes agree.
#
# usage: recon.sh SRC_DIR TESSERA H5CHECK
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"
H5CHECK=$3
readonly SAME_RTOL=1e-6 # the same grid and reductions: equal but for rounding
readonly RECON=(--volume 32 --views 24 --algorithm sirt --iterations 4 --backend cpu)

cluster_up

# run NAME TEMPLATE LAUNCHER [sbatch options...]: submit, wait, check.
run() {
  local name=$1 template=$2 launcher=$3 job rc=0
  shift 3
  rm -f "$name".*
  job=$(TES_LAUNCHER=$launcher sbatch_wait --parsable --chdir="$PWD" --output="$PWD/$name.out" \
    --job-name="$name" "$@" "$TES_SRC/slurm/$template" \
    "${RECON[@]}" -o "$PWD/$name.h5" --metrics "$PWD/$name.jsonl" --force) || rc=$?
  [ -n "$job" ] || fail "$name: sbatch did not submit (exit $rc)"
  expect_completed "$job" "$name.out"
  [ "$rc" -eq 0 ] || fail "$name: sbatch --wait exited $rc for a completed job"
  grep -q "2 rank(s) x 1 thread(s)" "$name.out" || fail "$name: expected 2 ranks x 1 thread in $name.out"
  grep -q "tessera finished" "$name.out" || fail "$name: no 'tessera finished' in $name.out"
  [ "$(wc -l <"$name.jsonl")" -eq 4 ] || fail "$name: expected 4 lines of metrics in $name.jsonl"
  "$H5CHECK" "$name.h5" 32,32,32 --attr algorithm --attr iterations || fail "$name: the volume is wrong"
  log "$name: job $job COMPLETED 0:0, volume $name.h5 (32, 32, 32)"
}

run cpu-srun tessera-cpu.sbatch srun --ntasks=2 --cpus-per-task=1
run cpu-mpirun tessera-cpu.sbatch mpirun --ntasks=2 --cpus-per-task=1
run gpu-srun tessera-gpu.sbatch srun --ntasks-per-node=2 --gpus-per-node=2 --cpus-per-task=1
for name in cpu-mpirun gpu-srun; do
  "$H5CHECK" "$name.h5" 32,32,32 --like cpu-srun.h5 "$SAME_RTOL" || fail "$name.h5 differs from cpu-srun.h5"
done
log "passed"
