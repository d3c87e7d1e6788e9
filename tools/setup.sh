#!/usr/bin/env bash
# Installs the Debian packages Outpost needs (only those missing), then
# configures and builds into build/. Idempotent; quiet when all is present.
#   tools/setup.sh            # install + configure + build (Release)
#   OUTPOST_NO_BUILD=1 tools/setup.sh   # install only
#   OUTPOST_FUZZ=1 ...                  # also clang + libFuzzer (tools/fuzz.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake pkg-config clang-format
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libsqlite3-dev libxxhash-dev libssl-dev zlib1g-dev libcsv-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
# tools/fuzz.sh also needs clang and its libFuzzer runtime.
if [ "${OUTPOST_FUZZ:-0}" = 1 ]; then
  PACKAGES+=(clang libclang-rt-14-dev)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "${OUTPOST_NO_BUILD:-0}" = "1" ] && exit 0

BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
JOBS=${JOBS:-2}
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >"$BUILD_DIR.configure.log" 2>&1 || {
    cat "$BUILD_DIR.configure.log" >&2; exit 1; }
  rm -f "$BUILD_DIR.configure.log"
fi
cmake --build "$BUILD_DIR" -j"$JOBS"
