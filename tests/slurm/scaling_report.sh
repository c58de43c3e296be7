#!/usr/bin/env bash
# tessera scaling-report on a made-up study (no cluster needed): medians,
# speedup and efficiency in both modes, a run without metrics left out,
# outputs refused without --force, a directory that holds no study.
#
# usage: scaling_report.sh TESSERA      (run in an empty work directory)
set -euo pipefail
TESSERA=$1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fail() {
  echo "[scaling_report] FAIL: $*" >&2
  exit 1
}

# One metrics line per "seconds reduce_seconds bytes_reduced_total" triple.
metrics() {
  local file=$1 i=0
  shift
  mkdir -p "$(dirname "$file")"
  : >"$file"
  while [ $# -gt 0 ]; do
    i=$((i + 1))
    printf '{"algorithm":"sirt","iteration":%d,"seconds":%s,"reduce_seconds":%s,"bytes_reduced_total":%s,"gradient_norm":null}\n' \
      "$i" "$1" "$2" "$3" >>"$file"
    shift 3
  done
}

rm -rf study
mkdir study
cat >study/runs.csv <<'CSV'
ranks,nodes,size,job,metrics
4,2,64x64x64,13,r4/metrics.jsonl
1,1,64x64x64,11,r1/metrics.jsonl
2,1,64x64x64,12,r2/metrics.jsonl
8,2,64x64x64,14,r8/metrics.jsonl
CSV
# medians: r1 2 s, r2 1 s, r4 0.8 s; r8 has no metrics (its job failed)
metrics study/r1/metrics.jsonl 1.0 0.0 0 3.0 0.0 0 2.0 0.0 0
metrics study/r2/metrics.jsonl 1.0 0.2 100 1.2 0.3 100 0.9 0.1 100
metrics study/r4/metrics.jsonl 0.8 0.4 300 0.8 0.4 300

out=$("$TESSERA" scaling-report study 2>&1) || fail "strong report failed: $out"
echo "$out"
grep -q "run on 8 ranks (job 14): no metrics" <<<"$out" || fail "no warning for the run without metrics"
expected="ranks,nodes,size,seconds_per_iteration,speedup,efficiency,bytes_reduced,reduction_share
1,1,64x64x64,2,1,1,0,0
2,1,64x64x64,1,2,1,100,0.2
4,2,64x64x64,0.8,2.5,0.625,300,0.5
8,2,64x64x64,,,,,"
[ "$(cat study/scaling.csv)" = "$expected" ] || fail "strong scaling.csv:
$(cat study/scaling.csv)
expected:
$expected"
for png in speedup efficiency; do
  [ "$(head -c 4 "study/$png.png" | od -An -c | tr -d ' ')" = '211PNG' ] || fail "study/$png.png is not a PNG"
done

out=$("$TESSERA" scaling-report study --mode weak 2>&1) && fail "outputs replaced without --force"
grep -q "already exists" <<<"$out" || fail "unexpected refusal: $out"
"$TESSERA" scaling-report study --mode weak --force >/dev/null 2>&1 || fail "weak report failed"
grep -qx "4,2,64x64x64,0.8,10,2.5,300,0.5" study/scaling.csv || fail "weak scaling.csv: $(cat study/scaling.csv)"

mkdir -p empty
out=$("$TESSERA" scaling-report empty 2>&1) && fail "a directory without runs.csv was accepted"
grep -q "is '.*empty' a study directory" <<<"$out" || fail "unexpected message: $out"
echo "[scaling_report] passed"
