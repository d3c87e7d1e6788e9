#!/usr/bin/env bash
# Builds the fuzz targets (fuzz/) with clang's libFuzzer and AddressSanitizer
# in build-fuzz/ and runs each for SECONDS (default 60), on a copy of the seed
# corpus. Findings (crash-*, leak-*, oom-*, timeout-*) land in
# build-fuzz/findings/TARGET/; the exit code is non-zero if any target found
# something.
#
#   tools/fuzz.sh [SECONDS] [TARGET...]     # targets: remote_apply csv_import
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(remote_apply csv_import)

OUTPOST_FUZZ=1 OUTPOST_NO_BUILD=1 tools/setup.sh
build=$root/build-fuzz
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -DOUTPOST_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address" >/dev/null
fi
cmake --build "$build" -j2 --target "${targets[@]/%/_fuzzer}"

status=0
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t
  findings=$build/findings/$t
  mkdir -p "$corpus" "$findings"
  cp -n fuzz/seeds/$t/* "$corpus/" 2>/dev/null || true
  echo "== $t: ${seconds}s"
  log=$build/findings/$t.log
  if ! (cd "$findings" && "$build/fuzz/${t}_fuzzer" -max_total_time="$seconds" \
          -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 "$corpus" \
          >"$log" 2>&1); then
    status=1
    echo "   FINDING: see $log and $findings" >&2
  fi
  grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|^#[0-9]+.*DONE" "$log" || tail -5 "$log"
done
exit $status
