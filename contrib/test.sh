#!/bin/sh
# Install what is missing, build, and run the whole test suite (unit tests
# and the namespace integration tests).  Needs root.
set -eu
cd "$(dirname "$0")/.."
sh contrib/install-deps.sh
[ -d build ] || meson setup build
meson compile -C build
log=$(mktemp)
rc=0
meson test -C build --print-errorlogs --num-processes 2 >"$log" 2>&1 || rc=$?
cat "$log"
ok=$(awk '/^Ok:/ {print $2}' "$log")
bad=$(awk '/^(Fail|Timeout|Unexpected Pass):/ {n += $NF} END {print n + 0}' "$log")
rm -f "$log"
echo "${ok:-0} passed, $bad failed"
exit "$rc"
