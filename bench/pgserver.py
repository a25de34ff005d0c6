"""The PostgreSQL server a benchmark run starts for itself when --db names
`postgres` without a URL. It is the test suite's throwaway server
(scripts/pg-test-server.sh: initdb in the run's directory, pg_ctl start on
127.0.0.1 on a free port, stopped by the postmaster's own pid when the run
ends, fails or is interrupted) with other settings: unlike the tests', it
keeps PostgreSQL's durability defaults, so a send is answered only after
its commit is flushed to disk, as it would be in production. Also psql,
for the backend's statements. Python standard library only.
"""

import os
import subprocess

from benchlib import BENCH_DIR, log

SERVER_SCRIPT = os.path.join(os.path.dirname(BENCH_DIR), "scripts", "pg-test-server.sh")
START_TIMEOUT_S = 180       # initdb and up to five tries of pg_ctl start
STOP_TIMEOUT_S = 90         # the script waits 60 s for a fast shutdown, then kills
PSQL_TIMEOUT_S = 600        # CREATE DATABASE and counts over large tables

# What the server runs with, and why; describe() prints each as the server
# reports it. Everything else is PostgreSQL's default.
SETTINGS = (
    # Durability: the defaults, named so that no later default can change
    # them unseen. Every commit waits for its WAL flush (fdatasync).
    ("fsync", "on"),
    ("synchronous_commit", "on"),
    ("full_page_writes", "on"),
    # otpgate holds one connection per thread: 8 HTTP workers per core by
    # default (--workers allows 256) and its background threads. The
    # default 100 would refuse a large --workers.
    ("max_connections", "300"),
    # Twice the default: a run's tables and indexes stay in memory, and the
    # server stays modest for a 2-core machine shared with otpgate and wrk.
    ("shared_buffers", "256MB"),
    # The default 1GB of WAL forces a checkpoint within a long write-heavy
    # run; with 2GB checkpoints come from checkpoint_timeout (5 min) only.
    ("max_wal_size", "2GB"),
)
REPORTED = ("fsync", "synchronous_commit", "full_page_writes", "wal_sync_method",
            "shared_buffers", "max_connections", "max_wal_size")


def psql(url, sql):
    """Runs sql on url; returns psql's unaligned, tuples-only output."""
    r = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                       capture_output=True, text=True, timeout=PSQL_TIMEOUT_S,
                       stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise RuntimeError("psql: %s" % r.stderr.strip()[-600:])
    return r.stdout.strip()


def fs_type(path):
    """The type of the filesystem path is on (fsync means little on tmpfs)."""
    best, kind = "", "?"
    try:
        with open("/proc/mounts") as f:
            for line in f:
                parts = line.split()
                mnt = parts[1]
                under = path == mnt or path.startswith(mnt.rstrip("/") + "/")
                if under and len(mnt) > len(best):
                    best, kind = mnt, parts[2]
    except OSError:
        pass
    return kind


class PgServer:
    """One cluster in workdir/pg; start() returns the URL of its postgres
    database, stop() ends it and may be called any number of times."""

    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "pg")
        self.url = None

    def _script(self, action, timeout):
        env = dict(os.environ, PG_SERVER_SETTINGS=" ".join(
            "-c %s=%s" % (name, value) for name, value in SETTINGS))
        r = subprocess.run(["bash", SERVER_SCRIPT, action, self.dir], env=env,
                           capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise RuntimeError("pg-test-server.sh %s: %s" % (action, r.stderr.strip()[-600:]))
        return r.stdout.strip()

    def start(self):
        url = self._script("start", START_TIMEOUT_S)
        # The script names its test database; the bench makes its own.
        self.url = url.rsplit("/", 1)[0] + "/postgres"
        log("PostgreSQL listening at %s" % self.url)
        return self.url

    def describe(self):
        """The server's version and the settings it runs with, as it reports them."""
        version = psql(self.url, "SHOW server_version").split()[0]
        shown = ", ".join("%s=%s" % (n, psql(self.url, "SHOW " + n)) for n in REPORTED)
        return ("PostgreSQL %s, a server of the run's own (%s; data on %s; otherwise "
                "PostgreSQL's defaults)" % (version, shown, fs_type(self.dir)))

    def stop(self):
        """Fast shutdown by the postmaster's pid (the script kills it if it
        ignores that); removes the cluster. Also after a failed start."""
        self.url = None
        if os.path.isdir(self.dir):
            self._script("stop", STOP_TIMEOUT_S)
