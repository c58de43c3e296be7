#!/usr/bin/env bash
# Usage: bench_io_json.sh TESSERA
# 'bench io' prints one JSON object per operation (read, write) on stdout,
# each with every field, its progress on stderr, and removes its files.
set -eu
tessera=$1
fail() { echo "bench_io_json.sh: $*" >&2; exit 1; }
num='-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?'
line="^\{\"bench\":\"io\",\"op\":\"(read|write)\",\"ranks\":1,\"bytes\":[0-9]+,\
\"seconds_median\":$num,\"gbps\":$num,\"io_module\":\"[^\"]+\",\"cache\":\"(warm|dropped)\"\}$"

rm -rf bench-io && mkdir bench-io
"$tessera" bench io --gib 0.01 --repeats 1 --dir bench-io > bench-io.out 2> bench-io.err
cat bench-io.out bench-io.err
[ "$(wc -l < bench-io.out)" -eq 2 ] || fail "expected 2 JSON lines on stdout"
[ "$(grep -Ec "$line" bench-io.out)" -eq 2 ] || fail "a line on stdout is not the expected JSON object"
for op in read write; do
  grep -q "\"op\":\"$op\"" bench-io.out || fail "no $op line"
done
grep -q "bench io" bench-io.err || fail "no progress on stderr"
[ -z "$(ls -A bench-io)" ] || fail "the generated files were not removed"
echo "bench_io_json.sh: passed"
