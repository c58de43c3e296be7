#!/usr/bin/env bash
# Slurm test: slurm/scaling end to end. A strong and a weak study of a tiny
# reconstruction on 1 and 2 ranks are submitted through the CPU template
# and waited for (--wait), then collected by `tessera scaling-report`: the
# CSV has a row per run with the weak study's slices grown with the ranks,
# the baseline's speedup and efficiency are 1, and both plots are PNGs.
#
# usage: scaling.sh SRC_DIR TESSERA
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"
# shellcheck disable=SC2054 # 16,24,24 is one value
readonly RECON=(--volume 16,24,24 --views 16 --algorithm sirt --iterations 3 --backend cpu)
readonly PNG_MAGIC="89504e470d0a1a0a"
export TES_SCALING_POLL_S=1

cluster_up

# check_study DIR SIZE1 SIZE2: the CSV rows and the plots.
check_study() {
  local dir=$1 size1=$2 size2=$3 png
  [ -f "$dir/scaling.csv" ] || fail "$dir/scaling.csv was not written"
  cat "$dir/scaling.csv"
  [ "$(head -n 1 "$dir/scaling.csv")" = \
    "ranks,nodes,size,seconds_per_iteration,speedup,efficiency,bytes_reduced,reduction_share" ] ||
    fail "$dir/scaling.csv: unexpected header"
  [ "$(wc -l <"$dir/scaling.csv")" -eq 3 ] || fail "$dir/scaling.csv: expected 2 runs"
  grep -Eq "^1,1,$size1,[0-9.e+-]+,1,1,[0-9.e+-]+,[0-9.e+-]+$" "$dir/scaling.csv" ||
    fail "$dir/scaling.csv: the 1-rank row is not '1,1,$size1,T,1,1,B,S'"
  grep -Eq "^2,1,$size2,([0-9.e+-]+,){4}[0-9.e+-]+$" "$dir/scaling.csv" ||
    fail "$dir/scaling.csv: the 2-rank row is not complete"
  for png in speedup efficiency; do
    [ "$(head -c 8 "$dir/$png.png" | od -An -tx1 | tr -d ' \n')" = "$PNG_MAGIC" ] ||
      fail "$dir/$png.png is not a PNG"
  done
}

for mode in strong weak; do
  rm -rf "study-$mode"
  "$TES_SRC/slurm/scaling" submit --dir "study-$mode" --ranks 1,2 --mode "$mode" \
    --cpus-per-task 1 --wait -- "${RECON[@]}" || fail "$mode: slurm/scaling submit --wait failed"
  "$TES_SRC/slurm/scaling" status "study-$mode"
done
check_study study-strong 16x24x24 16x24x24
check_study study-weak 16x24x24 32x24x24
log "passed"
