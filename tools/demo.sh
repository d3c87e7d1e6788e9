#!/usr/bin/env bash
# The reference office end to end on this machine (README "The reference
# office"): installs what is missing and builds (tools/setup.sh), then runs
# `scenario demo`: central and the community nodes as real outpostd
# processes, the generated office (161,771 residents) loaded through gRPC, a
# day of work with a network cut for some communities mid-day, conflicts made
# and resolved, and central's consolidated totals against the ground truth.
#
#   tools/demo.sh                         # all 18 communities, one node each
#   DEMO_DIR=/tmp/office tools/demo.sh    # another data folder
#   tools/demo.sh --nodes=6 --days=2      # extra flags go to `scenario demo`
#
# Its data (truth.json, nodes/*.db, nodes/*.log) stays in DEMO_DIR (default
# ./demo-data), wiped at the start so a second run starts afresh. Every
# process it starts stops with it, also on Ctrl-C or an error.
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO_DIR=${DEMO_DIR:-demo-data}
BUILD_DIR=${BUILD_DIR:-build}

echo "demo: setting up (packages, build) ..." >&2
tools/setup.sh

# Wipe only a folder that is empty or was made by an earlier demo.
if [ -e "$DEMO_DIR" ]; then
  if [ -n "$(ls -A "$DEMO_DIR")" ] && [ ! -e "$DEMO_DIR/id.key" ]; then
    echo "demo: $DEMO_DIR exists and is not a demo folder; choose DEMO_DIR" >&2
    exit 2
  fi
  rm -rf "$DEMO_DIR"
fi
mkdir -p "$DEMO_DIR"

# The outpostd children die with `scenario` (PR_SET_PDEATHSIG); on Ctrl-C the
# whole process group gets the signal, so nothing outlives the script.
exec "$BUILD_DIR/tools/scenario/scenario" demo --dir="$DEMO_DIR" "$@"
