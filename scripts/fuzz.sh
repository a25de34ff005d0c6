#!/usr/bin/env bash
# Runs every libFuzzer target in a build directory for a set time, all at
# once, each over a scratch copy of its corpus (the seeds and the committed
# regressions are read, never written), and fails if any target finds a
# crash, a leak, a timeout or runs out of memory (docs/SECURITY.md SEC-50).
#
# usage: scripts/fuzz.sh BUILD_DIR [SECONDS]
set -uo pipefail

build=${1:?usage: scripts/fuzz.sh BUILD_DIR [SECONDS]}
seconds=${2:-60}
src=$(cd "$(dirname "$0")/.." && pwd)
work="$build/fuzz-work"
per_input_timeout=10   # seconds one input may take: slower is a finding
rss_limit_mb=2048

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

mkdir -p "$work"
pids=()
names=()
for srcfile in "$src"/tests/fuzz/fuzz_*.c; do
  target=$(basename "$srcfile" .c)
  name=${target#fuzz_}
  bin="$build/tests/fuzz/$target"
  if [ ! -x "$bin" ]; then
    echo "fuzz.sh: $bin is missing; build the fuzz_targets target first" >&2
    exit 1
  fi
  seeds="$src/tests/fuzz/corpus/$name"
  [ -d "$seeds" ] || seeds="$src/tests/fuzz/corpus/$target"
  regressions="$src/tests/fuzz/regressions/$name"
  rm -rf "$work/$name"
  mkdir -p "$work/$name/corpus" "$work/$name/artifacts"
  dirs=("$work/$name/corpus")
  [ -d "$seeds" ] && dirs+=("$seeds")
  [ -d "$regressions" ] && dirs+=("$regressions")
  "$bin" -max_total_time="$seconds" -timeout="$per_input_timeout" \
    -rss_limit_mb="$rss_limit_mb" -print_final_stats=1 \
    -artifact_prefix="$work/$name/artifacts/" "${dirs[@]}" \
    >"$work/$name/log" 2>&1 &
  pids+=($!)
  names+=("$name")
done

if [ ${#pids[@]} -eq 0 ]; then
  echo "fuzz.sh: no targets in tests/fuzz" >&2
  exit 1
fi
echo "fuzz.sh: ${#pids[@]} targets running for ${seconds}s each: ${names[*]}"

failed=0
for i in "${!pids[@]}"; do
  name=${names[$i]}
  if wait "${pids[$i]}"; then
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$work/$name/log" | grep -Eo '[0-9]+$')
    echo "fuzz.sh: $name ok (${runs:-?} runs)"
  else
    failed=$((failed + 1))
    echo "fuzz.sh: $name FAILED; the input is in $work/$name/artifacts/" >&2
    tail -n 60 "$work/$name/log" >&2
    echo "fuzz.sh: keep it: cp $work/$name/artifacts/* tests/fuzz/regressions/$name/" >&2
  fi
done
echo "fuzz.sh: $(( ${#pids[@]} - failed )) passed, $failed failed"
[ "$failed" -eq 0 ]
