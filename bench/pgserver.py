"""The PostgreSQL server a benchmark run starts for itself when --db names
`postgres` without a URL: initdb in the run's directory, pg_ctl start on
127.0.0.1 on a free port, stopped by the postmaster's own pid (fast
shutdown) when the run ends, fails or is interrupted. Unlike the test
suite's server (scripts/pg-test-server.sh, fsync off), this one keeps
PostgreSQL's durability defaults: a send is answered only after its commit
is flushed to disk, as it would be in production. Run as root, the server
runs as the postgres user (initdb refuses root). Also psql, for the
backend's statements. Python standard library only.
"""

import glob
import os
import signal
import subprocess
import time

from benchlib import HOST, free_port, log

START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 60
PORT_TRIES = 5              # a free port can be taken before the server binds it
PSQL_TIMEOUT_S = 600        # CREATE DATABASE and counts over large tables
OWNER = "postgres"          # the server's user when the run is root's

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
    ("listen_addresses", "'%s'" % HOST),
)
REPORTED = ("fsync", "synchronous_commit", "full_page_writes", "wal_sync_method",
            "shared_buffers", "max_connections", "max_wal_size")


def bin_dir():
    """PostgreSQL 15's server binaries (scripts/deps.sh installs them), else the newest."""
    dirs = ["/usr/lib/postgresql/15/bin"]
    dirs += sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                   key=lambda d: [int(x) for x in d.split("/")[-2].split(".") if x.isdigit()],
                   reverse=True)
    for d in dirs:
        if os.access(os.path.join(d, "initdb"), os.X_OK) and \
                os.access(os.path.join(d, "pg_ctl"), os.X_OK):
            return d
    raise RuntimeError("no PostgreSQL server binaries (install postgresql-15: "
                       "bash scripts/deps.sh)")


def psql(url, sql):
    """Runs sql on url; returns psql's unaligned, tuples-only output."""
    try:
        exe = os.path.join(bin_dir(), "psql")  # the server's own, when it has one
    except RuntimeError:
        exe = "psql"
    if not os.access(exe, os.X_OK):
        exe = "psql"
    r = subprocess.run([exe, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
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
        self.data = os.path.join(self.dir, "data")
        self.log_path = os.path.join(self.dir, "server.log")
        self.bin = bin_dir()
        self.url = None
        self.as_root = os.getuid() == 0

    def _run(self, argv, what, timeout):
        if self.as_root:
            argv = ["runuser", "-u", OWNER, "--"] + argv
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise RuntimeError("%s failed: %s" % (what, (r.stdout + r.stderr).strip()[-600:]))

    def start(self):
        os.makedirs(self.dir)
        if self.as_root:
            subprocess.run(["chown", OWNER, self.dir], check=True)
        log("initdb %s (PostgreSQL from %s)" % (self.data, self.bin))
        self._run([os.path.join(self.bin, "initdb"), "-D", self.data, "-A", "trust", "-U",
                   "postgres", "-E", "UTF8", "--no-locale"], "initdb", START_TIMEOUT_S)
        # Appended to the postgresql.conf initdb wrote: the last setting wins.
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("\n# bench/pgserver.py\n")
            f.write("unix_socket_directories = '%s'\n" % self.dir)
            for name, value in SETTINGS:
                f.write("%s = %s\n" % (name, value))
        for attempt in range(PORT_TRIES):
            port = free_port()
            try:
                self._run([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-l",
                           self.log_path, "-w", "-t", str(START_TIMEOUT_S), "-o",
                           "-p %d" % port, "start"], "pg_ctl start", START_TIMEOUT_S + 10)
            except RuntimeError:
                if attempt + 1 == PORT_TRIES:
                    raise RuntimeError("PostgreSQL did not start: %s" % self._log_tail())
                continue
            self.url = "postgres://postgres@%s:%d/postgres" % (HOST, port)
            log("PostgreSQL listening on %s:%d (pid %d)" % (HOST, port, self._pid()))
            return self.url
        raise AssertionError("unreachable")

    def describe(self):
        """The server's version and the settings it runs with, as it reports them."""
        version = psql(self.url, "SHOW server_version").split()[0]
        shown = ", ".join("%s=%s" % (n, psql(self.url, "SHOW " + n)) for n in REPORTED)
        return ("PostgreSQL %s, a server of the run's own (%s; data on %s; otherwise "
                "PostgreSQL's defaults)" % (version, shown, fs_type(self.data)))

    def _pid(self):
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                return int(f.readline().strip())
        except (OSError, ValueError):
            return 0

    def _log_tail(self, n=800):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(max(0, os.path.getsize(self.log_path) - n))
                return f.read().decode("utf-8", "replace").strip()
        except OSError:
            return ""

    def stop(self):
        """Fast shutdown (SIGINT: clients are disconnected) by the
        postmaster's pid, SIGKILL if it ignores that."""
        pid = self._pid()
        self.url = None
        if not pid or not _alive(pid):
            return
        os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            log("PostgreSQL %d ignored SIGINT; killing it" % pid)
            os.kill(pid, signal.SIGKILL)


def _alive(pid):
    """Whether pid runs; a zombie (its parent, pg_ctl, is gone, and whoever
    inherited it may not reap it soon) has stopped."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
