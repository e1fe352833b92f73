#!/usr/bin/env bash
# Builds fuzz_decoder with clang (libFuzzer + ASan + UBSan) and runs it for
# SECONDS (default 60) from a copy of the seed corpus.
#
#   tests/fuzz/run.sh [SECONDS] [extra libFuzzer flags...]
#
# The working corpus is build-fuzz/corpus: libFuzzer adds the inputs it
# finds there, so the seeds in tests/fuzz/corpus/decoder stay as committed
# (regenerate them with tests/fuzz/make_corpus.py). A crash, leak or
# timeout is written to build-fuzz/artifacts/ and makes this script exit
# non-zero (libFuzzer's own exit status). Reproduce one with
#   build-fuzz/tests/fuzz/fuzz_decoder build-fuzz/artifacts/crash-...
#
# Assertions stay on (NDEBUG is not defined): the codec and the engine
# assert their own invariants, and a fuzzer is where those should fire.
# Environment: JOBS (build parallelism, default 2), CC/CXX (clang-14).
set -euo pipefail

seconds="${1:-60}"
shift || true
case "$seconds" in
  '' | *[!0-9]*)
    echo "usage: $0 [SECONDS] [libFuzzer flags...]" >&2
    exit 2
    ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$root/build-fuzz"
cd "$root"

CC="${CC:-clang-14}" CXX="${CXX:-clang++-14}" cmake -S . -B "$build" -G Ninja \
  -DTERN_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g"
cmake --build "$build" --target fuzz_decoder -j "${JOBS:-2}"

corpus="$build/corpus"
artifacts="$build/artifacts"
mkdir -p "$corpus" "$artifacts"
cp "$root"/tests/fuzz/corpus/decoder/* "$corpus"/

echo "fuzz_decoder: ${seconds}s, working corpus $corpus"
exec "$build/tests/fuzz/fuzz_decoder" "$corpus" \
  -max_total_time="$seconds" -print_final_stats=1 -max_len=4096 -timeout=10 \
  -artifact_prefix="$artifacts/" "$@"
