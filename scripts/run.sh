#!/usr/bin/env bash
# Starts otpgate for `make run`: the embedded defaults (SQLite in ./var, the
# log provider) unless flags or OTPGATE_* variables say otherwise.
set -euo pipefail
bin="$1"; shift
mkdir -p var
exec "$bin" serve "$@"
