#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite, used by .ci/run and by
# scripts/test.sh when OTPGATE_TEST_PG_URL is not set. No systemd and no
# system cluster: initdb in a fresh directory, pg_ctl start on 127.0.0.1 with
# a free port, stop by the server's own pid.
#
#   pg-test-server.sh start DIR   starts a server in DIR (created, must not
#                                 exist or be empty) and prints its URL; the
#                                 URL is also written to DIR/url
#   pg-test-server.sh stop DIR    stops the server of DIR by its pid and
#                                 removes DIR
#
# The test suite's server trades durability for speed (fsync off): it holds
# test data only and is thrown away. PG_SERVER_SETTINGS replaces those
# settings ("-c name=value ..."); bench/pgserver.py starts a durable server
# that way. Run as root, the server runs as the postgres user (initdb
# refuses root); run as anyone else, as that user.
set -euo pipefail

START_TIMEOUT_S=60
STOP_TIMEOUT_S=60
DB_NAME=otpgate_test
TEST_SETTINGS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 -c shared_buffers=64MB"
SETTINGS=${PG_SERVER_SETTINGS:-$TEST_SETTINGS}

die() { echo "pg-test-server.sh: $*" >&2; exit 1; }

pg_bin() {
  local d
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
  done
  die "no PostgreSQL server binaries (install postgresql-15: bash scripts/deps.sh)"
}

# The psql beside the server, else the one on PATH.
psql_bin() {
  if [ -x "$1/psql" ]; then echo "$1/psql"; else echo psql; fi
}

# Runs a command as the server's user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local dir=$1 bin port url
  bin=$(pg_bin)
  mkdir -p "$dir"
  [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "no postgres user (install postgresql-15)"
    chown postgres "$dir"
  fi
  as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  # A port can be taken between choosing it and binding it; try a few.
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t "$START_TIMEOUT_S" start \
        -o "-h 127.0.0.1 -p $port -k $dir $SETTINGS" \
        >/dev/null 2>&1; then
      url="postgres://postgres@127.0.0.1:$port/$DB_NAME"
      "$(psql_bin "$bin")" -X -q "postgres://postgres@127.0.0.1:$port/postgres" \
        -c "CREATE DATABASE $DB_NAME" >/dev/null
      echo "$url" >"$dir/url"
      echo "$url"
      return 0
    fi
  done
  tail -n 20 "$dir/data/server.log" >&2 || true
  die "the server did not start"
}

stop() {
  local dir=$1 pid
  [ -d "$dir" ] || return 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    pid=$(head -n 1 "$dir/data/postmaster.pid")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      # SIGINT is PostgreSQL's fast shutdown: clients are disconnected.
      kill -INT "$pid" 2>/dev/null || true
      for _ in $(seq 1 $((STOP_TIMEOUT_S * 10))); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      if kill -0 "$pid" 2>/dev/null; then
        echo "pg-test-server.sh: server $pid ignored SIGINT; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) [ $# -eq 2 ] || die "usage: $0 start DIR"; start "$2" ;;
  stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; stop "$2" ;;
  *) die "usage: $0 start|stop DIR" ;;
esac
