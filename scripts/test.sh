#!/usr/bin/env bash
# Runs the CTest suite in each build directory given (the release build and
# the ASan+UBSan build), then prints one plain "N passed, N failed" line
# over all of them. Exits non-zero if any test failed.
set -uo pipefail

export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:strict_string_checks=1"

# The integration suite runs on both backends (integration/* on SQLite,
# integration_pg/* on PostgreSQL). Without a server named in
# OTPGATE_TEST_PG_URL, start a throwaway one and stop it on exit.
if [ -z "${OTPGATE_TEST_PG_URL:-}" ]; then
  pg_dir=$(mktemp -d /tmp/otpgate-test-pg.XXXXXX)
  trap 'bash "$(dirname "$0")/pg-test-server.sh" stop "$pg_dir"' EXIT
  OTPGATE_TEST_PG_URL=$(bash "$(dirname "$0")/pg-test-server.sh" start "$pg_dir") || {
    echo "test.sh: could not start a PostgreSQL server (bash scripts/deps.sh installs it)" >&2
    exit 1
  }
  export OTPGATE_TEST_PG_URL
fi
export OG_TEST_PG_REQUIRED=1
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

passed=0
failed=0
skipped=0
for dir in "$@"; do
  echo "== ctest in $dir"
  log="$dir/ctest.log"
  ctest --test-dir "$dir" --output-on-failure --timeout 300 -j 2 2>&1 | tee "$log"
  summary=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
  if [ -z "$summary" ]; then
    echo "test.sh: ctest in $dir printed no summary" >&2
    failed=$((failed + 1))
    continue
  fi
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
  bad=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$summary")
  # ctest counts a skipped test (e.g. PostgreSQL variants with no server)
  # as passed; report it apart so a skip never reads as a pass.
  skip=$(grep -cE '^[[:space:]]+[0-9]+ - .* \(Skipped\)$' "$log" || true)
  passed=$((passed + total - bad - skip))
  failed=$((failed + bad))
  skipped=$((skipped + skip))
done

if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
