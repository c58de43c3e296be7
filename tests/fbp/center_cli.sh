#!/usr/bin/env bash
# Usage: center_cli.sh WORKDIR LAUNCH...   (LAUNCH: tessera, or mpiexec ... tessera)
# tessera center on tooth.h5: prints the centre (296 +- 1), writes the
# preview strip, refuses to overwrite it without --force, refuses preview
# options without -o. Skipped (77) without $TES_SHARED_DATA/tooth.h5.
set -u
work=$1
shift
data=${TES_SHARED_DATA:-../shared/data}/tooth.h5
fail() { echo "center_cli.sh: $*" >&2; exit 1; }
[ -r "$data" ] || { echo "skipped: $data not found"; exit 77; }
rm -rf "$work" && mkdir -p "$work" || fail "cannot create $work"

out=$("$@" center "$data" -o "$work" --range 295:297:1 2>&1); rc=$?
printf '%s\n' "$out"
[ "$rc" -eq 0 ] || fail "exit status $rc"
printf '%s\n' "$out" | grep -Eq '^center: (295\.|296\.|297\.00)' || fail "no centre of 296 +- 1"
for c in 0295.00 0296.00 0297.00; do
  [ -s "$work/center-$c.png" ] || fail "preview center-$c.png missing"
done
[ "$(ls "$work" | wc -l)" -eq 3 ] || fail "expected exactly 3 files in $work"
before=$(cksum "$work/center-0296.00.png")

out=$("$@" center "$data" -o "$work" --range 296:296:1 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "overwriting without --force: exit status $rc, expected 2"
printf '%s\n' "$out" | grep -q "already exists" || fail "no message about the existing preview"
[ "$(cksum "$work/center-0296.00.png")" = "$before" ] || fail "the existing preview was changed"

out=$("$@" center "$data" --range 290:300:1 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "--range without -o: exit status $rc, expected 2"
printf '%s\n' "$out" | grep -q -- "give -o DIR" || fail "no message for --range without -o"
echo "center_cli.sh: passed"
