#!/usr/bin/env bash
# The end-to-end suite, and a concurrent load on the broker, under a
# sanitizer:
#   scripts/sanitize-e2e.sh thread    # ThreadSanitizer, build-tsan/
#   scripts/sanitize-e2e.sh address   # AddressSanitizer + UBSan + LeakSanitizer, build-asan-full/
# Builds the full `tern` product with TERN_SANITIZE=<kind> (-O1, debug info,
# no benchmarks), runs the CTest label e2e against it with every report
# written to <build>/sanitizer-artifacts/, then tests/e2e/sanitizer_load.py,
# and exits non-zero if a test failed or the sanitizer reported anything at
# all. Each e2e test already fails on a report about its own brokers
# (tests/e2e/sanitizer_reports.py); the count at the end also catches one
# written while no test was looking.
#
# Sanitized brokers run 2-10x slower: TERN_E2E_TIME_SCALE (default 4)
# stretches the suite's waits. Opt-in stage of scripts/test.sh
# (TERN_SANITIZE_E2E=1); README "Testing" has the timings.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-thread}
case "$kind" in
  thread) build=build-tsan ;;
  address) build=build-asan-full ;;
  *) echo "usage: $0 [thread|address]" >&2; exit 2 ;;
esac
jobs=${TERN_SANITIZE_JOBS:-$(nproc)}
root=$(pwd)
artifacts="$root/$build/sanitizer-artifacts"

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"
fi

start=$SECONDS
echo "== $kind sanitizer: building tern in $build/"
cmake -S . -B "$build" -G Ninja -DTERN_SANITIZE="$kind" -DTERN_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  "${launcher[@]}" >/dev/null
cmake --build "$build" -j"$jobs" --target tern
echo "build: $((SECONDS - start)) s"

rm -rf "$artifacts"
mkdir -p "$artifacts"
# halt_on_error=0 (TSan): one run lists every race, not only the first.
# exitcode: a report also makes the broker's exit status non-zero.
export TSAN_OPTIONS="halt_on_error=0:second_deadlock_stack=1:history_size=4:exitcode=66:suppressions=$root/tests/sanitizer/tsan.supp:log_path=$artifacts/tsan"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:log_path=$artifacts/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$artifacts/ubsan"
export TERN_E2E_TIME_SCALE="${TERN_E2E_TIME_SCALE:-4}"
export TERN_E2E_SANITIZER="$kind"  # memory bounds are not checked against a sanitizer's RSS

status=0
start=$SECONDS
echo "== $kind sanitizer: end-to-end suite (TERN_E2E_TIME_SCALE=$TERN_E2E_TIME_SCALE)"
# CTest passes the environment on; it sets TERN_E2E_BROKER to $build's tern.
ctest --test-dir "$build" -L e2e --output-on-failure -j"$jobs" --timeout 900 \
  | tee "$artifacts/e2e.txt" || status=1
echo "e2e suite: $((SECONDS - start)) s"

start=$SECONDS
echo "== $kind sanitizer: concurrent load (tests/e2e/sanitizer_load.py)"
(cd tests/e2e && TERN_E2E_BROKER="$root/$build/app/tern" PYTHONDONTWRITEBYTECODE=1 \
  /usr/bin/python3 sanitizer_load.py) || status=1
echo "load stage: $((SECONDS - start)) s"

# Everything the sanitizer wrote, reported during a test or not.
mapfile -t reports < <(find "$artifacts" -type f \( -name 'tsan.*' -o -name 'asan.*' -o -name 'ubsan.*' \) -size +0)
if ((${#reports[@]} > 0)); then
  echo "== $kind sanitizer: ${#reports[@]} report file(s) in $artifacts:"
  for f in "${reports[@]}"; do
    echo "--- $f"
    head -n 60 "$f"
  done
  status=1
else
  echo "== $kind sanitizer: no reports"
fi
exit "$status"
