#!/usr/bin/env bash
# Usage: overwrite.sh TESSERA MPIEXEC
# An existing output is refused (exit 2, a message naming the file and
# --force, printed once under mpiexec) and left byte-for-byte untouched, no
# temporary file stays behind; with --force it is replaced.
set -eu
tessera=$1
mpiexec=$2
out=overwrite.h5
fail() { echo "overwrite.sh: $*" >&2; exit 1; }
state() { echo "$(cksum < "$out") $(stat -c '%Y %i %s' "$out")"; }

rm -f "$out"
"$tessera" phantom --volume 8 --supersample 2 -o "$out"
before=$(state)

for run in "$tessera" "$mpiexec -n 2 --oversubscribe $tessera"; do
  set +e
  msg=$($run phantom --volume 8 --supersample 1 -o "$out" 2>&1)
  rc=$?
  set -e
  printf '%s\n' "$msg"
  [ "$rc" -eq 2 ] || fail "'$run' exited with $rc, expected 2"
  grep -q "output '$out' already exists and was left untouched (use --force" <<< "$msg" ||
    fail "no message naming the file and --force"
  [ "$(grep -c 'error:' <<< "$msg")" -eq 1 ] || fail "the error was not printed exactly once"
  [ "$(state)" = "$before" ] || fail "the refused run changed $out"
done
if ls -a | grep -q "\.$out\.tessera-"; then fail "a temporary file was left behind"; fi

"$tessera" phantom --volume 8 --supersample 1 -o "$out" --force
[ "$(state)" != "$before" ] || fail "--force did not replace $out"
echo "overwrite.sh: passed"
