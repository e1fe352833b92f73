#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (libFuzzer + ASan + UBSan) and
# runs them from their seed corpora.
#
#   tests/fuzz/run.sh [--target NAME] [SECONDS] [extra libFuzzer flags...]
#
# Without --target every target runs, one after the other, SECONDS (default
# 60) split evenly between them; with it, NAME alone runs for SECONDS.
# Targets: decoder engine config auth_files ws_frames (tests/fuzz/README.md).
#
# Seeds come from tests/fuzz/make_corpus.py (written to build-fuzz/seeds/)
# and the committed regression inputs tests/fuzz/corpus/NAME/regress-*.
# libFuzzer adds what it finds to the working corpus build-fuzz/corpus/NAME,
# which is kept between runs. After each target one line gives its figures
# from libFuzzer's final statistics: executions, executions per second,
# coverage (cov: edges) and features (ft). A crash, leak or timeout is
# written to build-fuzz/artifacts/NAME/ and makes this script exit non-zero
# after the remaining targets ran. Reproduce one with
#   build-fuzz/tests/fuzz/fuzz_NAME build-fuzz/artifacts/NAME/crash-...
#
# Assertions stay on (NDEBUG is not defined): the libraries assert their own
# invariants, and a fuzzer is where those should fire.
# Environment: JOBS (build parallelism, default 2), CC/CXX (clang-14),
# TERN_FUZZ_BUILD (the build directory, default build-fuzz: another one lets
# a second run build and fuzz while a long one is still going).
set -euo pipefail

all_targets=(decoder engine config auth_files ws_frames)
targets=("${all_targets[@]}")
if [[ "${1:-}" == --target ]]; then
  [[ $# -ge 2 ]] || { echo "usage: $0 [--target NAME] [SECONDS] [libFuzzer flags...]" >&2; exit 2; }
  case " ${all_targets[*]} " in
    *" $2 "*) targets=("$2") ;;
    *)
      echo "$0: unknown target '$2'; one of: ${all_targets[*]}" >&2
      exit 2
      ;;
  esac
  shift 2
fi
seconds="${1:-60}"
shift || true
case "$seconds" in
  '' | *[!0-9]*)
    echo "usage: $0 [--target NAME] [SECONDS] [libFuzzer flags...]" >&2
    exit 2
    ;;
esac
per_target=$((seconds / ${#targets[@]}))
((per_target > 0)) || per_target=1

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${TERN_FUZZ_BUILD:-$root/build-fuzz}"
cd "$root"

launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
CC="${CC:-clang-14}" CXX="${CXX:-clang++-14}" cmake -S . -B "$build" -G Ninja \
  -DTERN_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g" "${launcher[@]}" >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target "${targets[@]/#/fuzz_}"

python3 "$root/tests/fuzz/make_corpus.py" "$build/seeds" "${targets[@]}"

# libFuzzer flags per target: input size and dictionary.
max_len_of() {
  case "$1" in
    engine) echo 8192 ;;
    config | auth_files) echo 4096 ;;
    *) echo 4096 ;;
  esac
}
dict_of() {
  case "$1" in
    decoder | engine) echo "$root/tests/fuzz/dict/mqtt.dict" ;;
    config | auth_files) echo "$root/tests/fuzz/dict/config.dict" ;;
  esac
}

failed=()
summary=()
for target in "${targets[@]}"; do
  corpus="$build/corpus/$target"
  artifacts="$build/artifacts/$target"
  log="$build/logs/$target.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  regressions=("$root"/tests/fuzz/corpus/"$target"/regress-*)
  [[ -e "${regressions[0]}" ]] || regressions=()
  flags=(-max_total_time="$per_target" -print_final_stats=1 -max_len="$(max_len_of "$target")"
    -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/")
  dict="$(dict_of "$target")"
  [[ -n "$dict" ]] && flags+=(-dict="$dict")
  # The engine's inputs have tens of thousands of features; libFuzzer 14's
  # entropic scheduling spent 58% of the time updating their frequencies
  # (perf); without it the engine ran 1.7x the executions per second and
  # reached more coverage (one run of each, 10 and 12 minutes).
  [[ "$target" == engine ]] && flags+=(-entropic=0)
  # Seeds and regressions are read as extra corpus directories (libFuzzer
  # writes only to the first, the working corpus).
  seed_dirs=("$build/seeds/$target")
  if ((${#regressions[@]})); then
    mkdir -p "$build/regressions/$target"
    cp "${regressions[@]}" "$build/regressions/$target/"
    seed_dirs+=("$build/regressions/$target")
  fi
  echo "== fuzz_$target: ${per_target}s, working corpus $corpus"
  status=0
  "$build/tests/fuzz/fuzz_$target" "$corpus" "${seed_dirs[@]}" "${flags[@]}" "$@" \
    >"$log" 2>&1 || status=$?
  # libFuzzer's final stats: stat::number_of_executed_units, average_exec_per_sec;
  # cov and ft from its last status line.
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  line="fuzz_$target: ${per_target}s, ${execs:-?} executions, ${rate:-?} exec/s, cov ${cov:-?}, ft ${ft:-?}"
  if ((status != 0)); then
    line="$line: FAILED (exit $status); log $log"
    failed+=("$target")
    tail -n 60 "$log"
    ls -1 "$artifacts" | sed "s|^|  reproducer: $artifacts/|"
  fi
  echo "$line"
  summary+=("$line")
done

echo "== fuzzing summary"
printf '%s\n' "${summary[@]}"
if ((${#failed[@]})); then
  echo "failed: ${failed[*]} (reproducers in $build/artifacts/)" >&2
  exit 1
fi
