#!/usr/bin/env bash
# `make bench`: installs what the benchmark needs (bench/deps.sh: the build
# dependencies with PostgreSQL 15, wrk, nginx, Kannel), builds the release
# binary and the fake gateway into build-release, and runs bench/bench.py,
# which starts every server on 127.0.0.1 in a temporary directory (a
# durable PostgreSQL server too, for --db postgres, the default with
# sqlite), measures each scenario next to its baseline, and prints the
# table (also written to build-release/bench/report.md). Arguments go to
# bench.py, e.g.
#   bench/run.sh --duration 30 --only send,e2e --db sqlite
# The large database of scenarios 4 and 5 is generated once and cached in
# build-release/bench-cache (about 3 GB; delete it to regenerate).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash bench/deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j "$(nproc)" --target otpgate fakegw
exec python3 bench/bench.py --build build-release "$@"
