# shellcheck shell=bash
# The body of tessera's sbatch templates (tessera-gpu.sbatch,
# tessera-cpu.sbatch), sourced by both: run `tessera recon` as the job's
# step, forward SIGUSR1 to it, and requeue the job when tessera says it
# checkpointed. A template sets its defaults, sources this file and calls
#
#     tes_step_main "$@"        # "$@": the job file, or `tessera recon` options
#
# The contract with `tessera recon` (its exit status):
#   0  done                      -> the job ends, COMPLETED
#   2  bad input                 -> the job ends, FAILED with exit code 2
#   3  checkpointed on a signal  -> scontrol requeue: the job runs again from the
#                                   start of this script and tessera resumes
#                                   from its checkpoint
#   *  any other failure         -> the job ends, FAILED with that exit code
#
# Signals: the templates ask for --signal=B:USR1@120, i.e. SIGUSR1 to this
# batch shell 120 s before the time limit. The trap below forwards it to the
# step (srun passes it on to every task; mpirun likewise), and tessera
# checkpoints at the end of its current iteration and exits 3. Only SIGUSR1
# is forwarded: on scancel and at the time limit Slurm sends SIGTERM to
# every task itself.
#
# Environment (all optional):
#   TESSERA           the tessera executable (default: `tessera` on PATH)
#   TES_JOB           the job file, when no arguments are given
#   TES_LAUNCHER      srun (default) or mpirun
#   TES_SRUN_FLAGS    extra srun options, split on blanks (e.g. "--mpi=pmix")
#   TES_MPIRUN_FLAGS  mpirun options, split on blanks (default "--bind-to none":
#                     each rank's OpenMP threads may use all its CPUs)
#   OMP_NUM_THREADS   threads per rank: SLURM_CPUS_PER_TASK where the job sets
#                     --cpus-per-task, else as given, else 1

readonly TES_EXIT_DONE=0
readonly TES_EXIT_INPUT=2
readonly TES_EXIT_CHECKPOINTED=3

tes_step_pid=""     # the launcher (srun or mpirun) running tessera
tes_step_signal=""  # a signal that came before the step started
tes_step_caught=0   # a trapped signal interrupted `wait`

tes_step_log() {
  echo "tessera-step: $*"
}

tes_step_fail() {
  local code=$1
  shift
  echo "tessera-step: error: $*" >&2
  exit "$code"
}

# Forward signal $1 to the step, or remember it until the step starts.
tes_step_forward() {
  tes_step_caught=1
  if [ -z "$tes_step_pid" ]; then
    tes_step_log "caught SIG$1 before tessera started; it gets it once launched"
    tes_step_signal=$1
    return
  fi
  tes_step_log "caught SIG$1 at $(date +%T): forwarding it to tessera (pid $tes_step_pid)," \
    "which checkpoints at the end of its current iteration"
  kill -s "$1" "$tes_step_pid" 2>/dev/null || true
}

# The launcher command line for tessera recon "$@", into the array tes_step_cmd.
tes_step_command() {
  local exe=$1
  shift
  local -a flags
  case ${TES_LAUNCHER:-srun} in
    srun)
      # shellcheck disable=SC2206 # user flags, split on blanks by design
      flags=(${TES_SRUN_FLAGS:-})
      # Since Slurm 22.05 srun does not inherit sbatch's --cpus-per-task.
      [ -n "${SLURM_CPUS_PER_TASK:-}" ] && export SRUN_CPUS_PER_TASK=$SLURM_CPUS_PER_TASK
      tes_step_cmd=(srun --kill-on-bad-exit=1 "${flags[@]}" "$exe" recon "$@")
      ;;
    mpirun)
      # shellcheck disable=SC2206
      flags=(${TES_MPIRUN_FLAGS---bind-to none})
      tes_step_cmd=(mpirun -np "${SLURM_NTASKS:?SLURM_NTASKS is not set}" -x OMP_NUM_THREADS
        "${flags[@]}" "$exe" recon "$@")
      ;;
    *) tes_step_fail "$TES_EXIT_INPUT" "TES_LAUNCHER='$TES_LAUNCHER': expected srun or mpirun" ;;
  esac
}

# Wait for the step; a trapped signal interrupts `wait` (status > 128) while
# the step runs on, so wait again. Bash keeps a finished child's status, so
# a repeated wait returns it.
tes_step_wait() {
  local rc
  while :; do
    tes_step_caught=0
    rc=0
    wait "$tes_step_pid" || rc=$?
    if [ "$tes_step_caught" -eq 1 ] && [ "$rc" -gt 128 ]; then
      continue
    fi
    return "$rc"
  done
}

tes_step_requeue() {
  local job=${SLURM_JOB_ID:?SLURM_JOB_ID is not set}
  if scontrol requeue "$job"; then
    tes_step_log "tessera checkpointed (exit $TES_EXIT_CHECKPOINTED): job $job requeued;" \
      "it resumes from the checkpoint when it runs again"
    exit "$TES_EXIT_DONE"
  fi
  tes_step_fail "$TES_EXIT_CHECKPOINTED" "tessera checkpointed (exit $TES_EXIT_CHECKPOINTED)," \
    "but 'scontrol requeue $job' failed: submit the same job again to resume"
}

tes_step_main() {
  trap 'tes_step_forward USR1' USR1
  local -a args=("$@")
  if [ ${#args[@]} -eq 0 ]; then
    [ -n "${TES_JOB:-}" ] ||
      tes_step_fail "$TES_EXIT_INPUT" "no job: pass the job file (or tessera recon options)" \
        "after the script, or set TES_JOB"
    args=("$TES_JOB")
  fi
  local exe=${TESSERA:-tessera}
  command -v "$exe" >/dev/null 2>&1 ||
    tes_step_fail "$TES_EXIT_INPUT" "TESSERA='$exe' is not an executable" \
      "(set TESSERA=/path/to/tessera, or put tessera on PATH)"
  export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-${OMP_NUM_THREADS:-1}}

  local -a tes_step_cmd
  tes_step_command "$exe" "${args[@]}"
  tes_step_log "job ${SLURM_JOB_ID:-?} (restart ${SLURM_RESTART_COUNT:-0}) on" \
    "${SLURM_JOB_NUM_NODES:-?} node(s): ${SLURM_NTASKS:-?} rank(s) x $OMP_NUM_THREADS thread(s)"
  [ -z "${CUDA_VISIBLE_DEVICES:-}" ] || tes_step_log "GPUs visible to each rank: $CUDA_VISIBLE_DEVICES"
  tes_step_log "running: ${tes_step_cmd[*]}"
  "${tes_step_cmd[@]}" &
  tes_step_pid=$!
  if [ -n "$tes_step_signal" ]; then
    tes_step_forward "$tes_step_signal"
  fi
  local rc=0
  tes_step_wait || rc=$?
  trap '' USR1 # too late to checkpoint: a late signal must not kill the script
  case $rc in
    "$TES_EXIT_DONE") tes_step_log "tessera finished" ;;
    "$TES_EXIT_CHECKPOINTED") tes_step_requeue ;;
    "$TES_EXIT_INPUT") tes_step_fail "$rc" "tessera refused its input (exit $rc): see its message above" ;;
    *) tes_step_fail "$rc" "tessera failed (exit $rc)" ;;
  esac
}
