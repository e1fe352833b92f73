#!/usr/bin/env bash
# Cross-builds tern for an ARM target with Debian 12's cross compiler and
# tests it under qemu-user (no ARM hardware, no binfmt_misc needed):
#   1. installs what is missing (cross/install-deps.sh, apt, idempotent);
#   2. configures and builds build-TARGET/ with cross/TRIPLE.cmake;
#   3. runs the unit tests (CTest label "unit": no network) under qemu;
#   4. unless --no-smoke: cross/smoke.sh, the ARM tern under qemu serving
#      the host's mosquitto_pub/mosquitto_sub, restarted with a queued
#      message.
# Usage: cross/build.sh aarch64|armhf [--no-smoke]
# Environment: TERN_CROSS_BUILD_TYPE (default MinSizeRel), TERN_CROSS_JOBS
# (default 2), TERN_CROSS_TARGETS (build only these targets, e.g. the unit
# tests without tern; default: everything but the benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: cross/build.sh aarch64|armhf [--no-smoke]}
smoke=1
if [[ "${2:-}" == "--no-smoke" ]]; then smoke=0; fi
case "$target" in
  aarch64 | arm64) target=aarch64 arch=arm64 triple=aarch64-linux-gnu qemu=qemu-aarch64 ;;
  armhf | armv7) target=armhf arch=armhf triple=arm-linux-gnueabihf qemu=qemu-arm ;;
  *) echo "cross/build.sh: unknown target '$target' (aarch64 or armhf)" >&2; exit 2 ;;
esac
build=build-$target
jobs=${TERN_CROSS_JOBS:-2}

cross/install-deps.sh "$arch"

echo "== cross build for $triple in $build"
cmake -S . -B "$build" -G Ninja -DCMAKE_TOOLCHAIN_FILE="cross/$triple.cmake" \
  -DCMAKE_BUILD_TYPE="${TERN_CROSS_BUILD_TYPE:-MinSizeRel}" -DTERN_BUILD_BENCH=OFF >/dev/null
# shellcheck disable=SC2086
cmake --build "$build" -j"$jobs" ${TERN_CROSS_TARGETS:+--target $TERN_CROSS_TARGETS}

echo "== unit tests for $triple under $qemu"
ctest --test-dir "$build" -L unit --output-on-failure -j"$jobs" --timeout 300

if ((smoke)); then
  echo "== smoke test: $triple tern under $qemu with mosquitto_pub/mosquitto_sub"
  cross/smoke.sh "$build/app/tern" "$qemu"
fi
