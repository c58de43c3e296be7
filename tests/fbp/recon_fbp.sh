#!/usr/bin/env bash
# Usage: recon_fbp.sh WORKDIR LAUNCH...   (LAUNCH: tessera, or mpiexec ... tessera)
# tessera recon --algorithm fbp|fdk: reconstructs the simulated phantom
# (error below a bound), records the algorithm in the output, and refuses
# options that do not fit (exit 2, the option named).
set -u
work=$1
shift
fail() { echo "recon_fbp.sh: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work" || fail "cannot create $work"

# The relative error to the phantom printed by recon, checked below bound.
check() {
  local bound=$1 out=$2
  local err
  err=$(printf '%s\n' "$out" | sed -nE 's/.*\|\| \/ \|\|phantom\|\|: ([0-9.]+).*/\1/p')
  [ -n "$err" ] || fail "no relative error printed"
  awk -v e="$err" -v b="$bound" 'BEGIN { exit !(e < b) }' || fail "relative error $err >= $bound"
}

# 64^3 from 128 views, relative errors measured: fbp 0.193 (ram-lak), 0.220
# (shepp-logan window); fdk 0.214 (ram-lak; cone angle +-17 deg).
out=$("$@" recon --volume 64 --views 128 --algorithm fbp -o "$work/fbp.h5" 2>&1) || {
  printf '%s\n' "$out"; fail "fbp failed"; }
printf '%s\n' "$out"
check 0.22 "$out"
h5dump -a /volume/algorithm "$work/fbp.h5" | grep -q '"fbp"' || fail "no algorithm attribute fbp"
out=$("$@" recon --volume 64 --views 128 --algorithm fbp --filter shepp-logan \
      -o "$work/fbp-sl.h5" 2>&1) || { printf '%s\n' "$out"; fail "fbp shepp-logan failed"; }
check 0.24 "$out"
out=$("$@" recon --volume 64 --views 128 --geometry cone3d --sod 200 --odd 100 \
      --detector 100,130 --pixel 1.5 --algorithm fdk -o "$work/fdk.h5" 2>&1) || {
  printf '%s\n' "$out"; fail "fdk failed"; }
printf '%s\n' "$out"
check 0.25 "$out"

expect_usage() {
  local text=$1
  shift
  local out rc
  out=$("$@" 2>&1); rc=$?
  [ "$rc" -eq 2 ] || { printf '%s\n' "$out"; fail "exit status $rc for: $*"; }
  printf '%s\n' "$out" | grep -q -- "$text" || { printf '%s\n' "$out"; fail "no '$text'"; }
}
expect_usage "reconstructed by fbp" "$@" recon --volume 16 --views 8 --algorithm fdk -o "$work/x.h5"
expect_usage "--iterations: applies" "$@" recon --volume 16 --views 8 --algorithm fbp \
  --iterations 3 -o "$work/x.h5"
expect_usage "--scan: applies to cone" "$@" recon --volume 16 --views 8 --algorithm fbp \
  --scan short -o "$work/x.h5"
expect_usage "apply to --algorithm fbp or fdk only" "$@" recon --volume 16 --views 8 \
  --cutoff 0.5 -o "$work/x.h5"
[ ! -e "$work/x.h5" ] || fail "a refused run wrote its output"
echo "recon_fbp.sh: passed"
