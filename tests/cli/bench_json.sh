#!/usr/bin/env bash
# Usage: bench_json.sh TESSERA
# 'bench projector' prints one JSON object per (geometry, op, size) on
# stdout, each with every field, and its progress on stderr.
set -eu
tessera=$1
fail() { echo "bench_json.sh: $*" >&2; exit 1; }
num='-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?'
line="^\{\"bench\":\"projector\",\"geometry\":\"(parallel3d|cone3d)\",\"backend\":\"(cpu|cuda)\",\
\"op\":\"(forward|adjoint)\",\"volume\":\[32,32,32\],\"views\":16,\"detector\":\[32,32\],\
\"threads\":[0-9]+,\"repeats\":1,\"warmup\":[0-9]+,\"seconds_median\":$num,\"seconds_min\":$num,\
\"gups\":$num,\"device\":\"[^\"]+\"\}$"

"$tessera" bench projector --sizes 32:16 --repeats 1 --backend cpu > bench.out 2> bench.err
cat bench.out bench.err
[ "$(wc -l < bench.out)" -eq 4 ] || fail "expected 4 JSON lines on stdout"
[ "$(grep -Ec "$line" bench.out)" -eq 4 ] || fail "a line on stdout is not the expected JSON object"
for g in parallel3d cone3d; do
  for op in forward adjoint; do
    grep -q "\"geometry\":\"$g\",\"backend\":\"cpu\",\"op\":\"$op\"" bench.out || fail "no $g $op line"
  done
done
grep -q "bench projector" bench.err || fail "no progress on stderr"
echo "bench_json.sh: passed"
