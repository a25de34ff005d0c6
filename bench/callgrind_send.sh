#!/usr/bin/env bash
# Instructions per OTP send and per verify under callgrind (valgrind), the
# repeatable CPU measure docs/PERFORMANCE.md §4 uses: builds the release
# binary into build-release and runs bench/callgrind_send.py, which prints
#   send   <Ir> Ir / N = <n> instructions per send
#   verify <Ir> Ir / N = <n> instructions per verify
# Arguments go to callgrind_send.py, e.g. `-n 1000 --clients 4 --top 30`.
# Takes a few minutes: callgrind runs the server about 50 times slower.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
command -v valgrind >/dev/null || { echo "callgrind_send: valgrind is not installed" >&2; exit 1; }
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j 2 --target otpgate
exec python3 bench/callgrind_send.py --build build-release "$@"
