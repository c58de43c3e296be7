#!/usr/bin/env bash
# Usage: expect.sh STATUS REGEX COMMAND [ARGS...]
# Runs COMMAND and passes when it exits with STATUS and its output (stdout
# and stderr together) matches the extended regular expression REGEX.
set -u
want=$1
regex=$2
shift 2
out=$("$@" 2>&1)
got=$?
printf '%s\n' "$out"
if [ "$got" -ne "$want" ]; then
  echo "expect.sh: exit status $got, expected $want" >&2
  exit 1
fi
if ! printf '%s\n' "$out" | grep -Eq -- "$regex"; then
  echo "expect.sh: the output does not match '$regex'" >&2
  exit 1
fi
