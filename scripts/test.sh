#!/usr/bin/env bash
# README's second command (and CI's): install what is missing, build, and
# run the whole suite:
#   1. the product build: unit, component and end-to-end tests (CTest);
#   2. the I/O-free libraries' unit tests again under ASan + UBSan;
#   3. the libFuzzer targets (tests/fuzz/README.md) under ASan + UBSan, for
#      TERN_FUZZ_SECONDS (default 60) in all, split evenly between them;
#   4. an arm64 cross build (cross/build.sh): its unit tests and a broker
#      smoke test under qemu-user (about 9 minutes on 2 cores; TERN_CROSS=0
#      leaves it out). If apt cannot install the arm64 libraries (a
#      mirror's arm64 index broken mid-sync), the step says so and is
#      skipped; a build or test failure fails the run;
#   5. the end-to-end suite and a concurrent load under ThreadSanitizer,
#      then under ASan + UBSan (scripts/sanitize-e2e.sh), when
#      TERN_SANITIZE_E2E=1 (opt-in for the same reason; README "Testing").
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
jobs=$(nproc)
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

echo "== formatting"
./scripts/check-format.sh

echo "== product build and tests"
./scripts/build.sh
ctest --test-dir build --output-on-failure -j"$jobs" --timeout 300 | tee "$logs/product.txt"

echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -G Ninja -DTERN_UNIT_ONLY=ON -DTERN_SANITIZE=ON \
  -DTERN_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan --output-on-failure -j"$jobs" | tee "$logs/asan.txt"

echo "== fuzzing: decoder, broker core, config, password/ACL files, WebSocket frames"
tests/fuzz/run.sh "${TERN_FUZZ_SECONDS:-60}"

if [[ "${TERN_CROSS:-1}" == 0 ]]; then
  echo "== arm64 cross build skipped (TERN_CROSS=0)"
elif ! cross/install-deps.sh arm64; then
  echo "== arm64 cross build SKIPPED: apt could not install the arm64 packages (above)" >&2
else
  echo "== arm64 cross build, unit tests and smoke test under qemu-user"
  start=$SECONDS
  TERN_CROSS_JOBS=$jobs cross/build.sh aarch64 | tee "$logs/cross.txt"
  echo "arm64 cross step: $((SECONDS - start)) s"
fi

if [[ "${TERN_SANITIZE_E2E:-0}" == 1 ]]; then
  for kind in thread address; do
    echo "== end-to-end suite and load under the $kind sanitizer"
    start=$SECONDS
    TERN_SANITIZE_JOBS=$jobs scripts/sanitize-e2e.sh "$kind" | tee "$logs/sanitize-$kind.txt"
    echo "$kind sanitizer step: $((SECONDS - start)) s"
  done
else
  echo "== sanitized end-to-end suite skipped (set TERN_SANITIZE_E2E=1 to run it)"
fi

# One closing line for the whole run (each ctest above already failed the
# script on any failure, so reaching here means none failed).
total=0
for f in "$logs"/*.txt; do
  n=$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\).*/\1/p' "$f" | tail -1)
  total=$((total + ${n:-0}))
done
echo "tests: $total passed, 0 failed"
