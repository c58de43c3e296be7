#!/usr/bin/env bash
# Usage: info.sh STATUS REGEX DATA_FILE COMMAND [ARGS...]
# Like tests/cli/expect.sh, but exits 77 (CTest "skipped") when DATA_FILE,
# a shared data set the command reads, does not exist.
set -u
if [ ! -e "$3" ]; then
  echo "skipped: $3 not found"
  exit 77
fi
want=$1
regex=$2
shift 3
exec bash "$(dirname "$0")/../cli/expect.sh" "$want" "$regex" "$@"
