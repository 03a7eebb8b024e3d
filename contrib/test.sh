#!/bin/sh
# Install what is missing, build, and run the whole test suite (unit tests
# and the namespace integration tests).  Needs root.
set -eu
cd "$(dirname "$0")/.."
sh contrib/install-deps.sh
[ -d build ] || meson setup build
meson compile -C build
meson test -C build --print-errorlogs --num-processes 2
