#!/usr/bin/env bash
# Usage: bench_fbp.sh TESSERA
# 'bench fbp' prints one JSON object per case (fbp, fdk) on stdout with
# every field, and its progress on stderr.
set -eu
tessera=$1
fail() { echo "bench_fbp.sh: $*" >&2; exit 1; }
num='-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?'
fields="\"backend\":\"cpu\",\"ranks\":1,\"grid\":\[1,1\],\"volume\":\[[0-9]+,[0-9]+,[0-9]+\],\
\"views\":[0-9]+,\"detector\":\[[0-9]+,[0-9]+\],\"threads\":[0-9]+,\"repeats\":2,\"warmup\":1,\
\"seconds_median\":$num,\"seconds_min\":$num,\"seconds_per_slice\":$num,\"filter_seconds\":$num,\
\"backproject_seconds\":$num,\"gups\":$num,\"device\":\"[^\"]+\"\}$"
"$tessera" bench fbp --fbp 96:60:2 --fdk 24:30 --repeats 2 --warmup 1 --backend cpu \
  > bench_fbp.out 2> bench_fbp.err
cat bench_fbp.out bench_fbp.err
[ "$(wc -l < bench_fbp.out)" -eq 2 ] || fail "expected 2 JSON lines on stdout"
grep -Eq "^\{\"bench\":\"fbp\",\"algorithm\":\"fbp\",$fields" bench_fbp.out || fail "no fbp line"
grep -Eq "^\{\"bench\":\"fbp\",\"algorithm\":\"fdk\",$fields" bench_fbp.out || fail "no fdk line"
grep -q '"volume":\[2,96,96\],"views":60,"detector":\[2,96\]' bench_fbp.out || fail "fbp sizes"
grep -q '"volume":\[24,24,24\],"views":30,"detector":\[24,24\]' bench_fbp.out || fail "fdk sizes"
grep -q "bench fbp" bench_fbp.err || fail "no progress on stderr"
"$tessera" bench fbp --cases fbp,fdx > /dev/null 2>&1 && fail "an unknown case was accepted"
echo "bench_fbp.sh: passed"
