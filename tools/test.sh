#!/usr/bin/env bash
# Builds (installing missing packages first) and runs the whole ctest suite.
#   tools/test.sh              # everything
#   tools/test.sh -L unit      # extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j2 --timeout 900 "$@"
