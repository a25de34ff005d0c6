"""Databases for the benchmark, one class per otpgate store driver. A
scenario asks its backend for a fresh database or for one already holding
history, and gets back the --db URL to start otpgate with; it never knows
which database is behind it. bench.py's --db option names the backends to
run; each is one class here and one entry in BACKENDS. A backend without
populated() (PostgreSQL: gen_db.py writes SQLite only) skips the scenarios
that need history. close() releases what the backend started.
"""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import urllib.parse

import gen_db
from benchlib import BENCH_DIR, log
from pgserver import PgServer, psql

SOURCE_DIR = os.path.dirname(BENCH_DIR)
SQLITE_MIGRATIONS = os.path.join(SOURCE_DIR, "src", "store", "migrations", "sqlite")
CACHE_MIN_LEDGER_ROWS = 1_000_000  # smaller databases are quicker to make than to copy


class SqliteBackend:
    """Database files in the run's directory. Large populated databases are
    generated once into cache_dir, keyed by the schema (every migration
    file) and the generator, and copied for each run, so a run never sees
    rows an earlier run added."""

    name = "sqlite"

    def __init__(self, spec, binary, workdir, cache_dir):
        self.binary, self.workdir, self.cache_dir = binary, workdir, cache_dir

    def describe(self):
        return "SQLite %s (WAL, synchronous=NORMAL: the driver's own settings)" % \
            sqlite3.sqlite_version

    def fresh(self, label):
        """The URL of a new, empty database."""
        path = os.path.join(self.workdir, label + ".db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return path

    def populated(self, label, tenants, ledger_rows, pending=0):
        """The URL of a database holding gen_db's history, and its description;
        info["secret"] is the secret file the database was made with (otpgate
        refuses to open a database with another)."""
        path = self.fresh(label)
        secret = path + ".secret"
        if ledger_rows < CACHE_MIN_LEDGER_ROWS:
            self._migrate(path, secret)
            info = gen_db.generate(path, tenants, ledger_rows, pending, log=log)
            return path, dict(info, secret=secret)
        os.makedirs(self.cache_dir, exist_ok=True)
        key = self._cache_key(tenants, ledger_rows, pending)
        cached = os.path.join(self.cache_dir, "sqlite-%s.db" % key)
        meta = cached + ".json"
        if not all(os.path.exists(x) for x in (cached, meta, cached + ".secret")):
            self._drop_stale(keep=cached)
            log("generating %d tenants and %d ledger rows into %s (cached for later runs)"
                % (tenants, ledger_rows, cached))
            tmp = cached + ".tmp"
            if os.path.exists(tmp):
                os.remove(tmp)
            self._migrate(tmp, cached + ".secret")
            info = gen_db.generate(tmp, tenants, ledger_rows, pending, log=log)
            with open(meta, "w") as f:
                json.dump(info, f)
            os.replace(tmp, cached)
        with open(meta) as f:
            info = json.load(f)
        log("copying the cached database (%d MiB)" % (os.path.getsize(cached) >> 20))
        shutil.copyfile(cached, path)
        shutil.copyfile(cached + ".secret", secret)
        os.chmod(secret, 0o600)
        return path, dict(info, secret=secret)

    def scalar(self, url, sql):
        """One number from the database, read while otpgate may be running."""
        con = sqlite3.connect("file:%s?mode=ro" % url, uri=True, timeout=30)
        try:
            return con.execute(sql).fetchone()[0]
        finally:
            con.close()

    def close(self):
        pass

    def _migrate(self, path, secret):
        r = subprocess.run([self.binary, "migrate", "--db", path, "--secret-file", secret],
                           capture_output=True, text=True, timeout=300,
                           stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise RuntimeError("otpgate migrate failed: %s" % r.stderr[-600:])

    def _cache_key(self, tenants, ledger_rows, pending):
        h = hashlib.sha256()
        for name in sorted(os.listdir(SQLITE_MIGRATIONS)):
            with open(os.path.join(SQLITE_MIGRATIONS, name), "rb") as f:
                h.update(name.encode() + b"\0" + f.read())
        with open(gen_db.__file__, "rb") as f:
            h.update(f.read())
        h.update(("%d/%d/%d" % (tenants, ledger_rows, pending)).encode())
        return h.hexdigest()[:16]

    def _drop_stale(self, keep):
        """Removes cached databases of other schemas: each is gigabytes."""
        for name in os.listdir(self.cache_dir):
            path = os.path.join(self.cache_dir, name)
            if name.startswith("sqlite-") and not path.startswith(keep):
                os.remove(path)


class PostgresBackend:
    """A database per scenario (bench_<label>) on a PostgreSQL server: the
    one --db names (postgres://USER@HOST:PORT/DB, whose DB runs the CREATE
    DATABASE; the databases made are dropped at the end), or, for a bare
    `postgres`, a durable server the run starts on first use and stops at
    its end (pgserver.py). otpgate's own peak RSS does not include the
    server's memory."""

    name = "postgres"
    rss_note = ("peak RSS is otpgate's alone; the PostgreSQL server's memory "
                "(shared_buffers and a backend per connection) is separate")

    def __init__(self, spec, binary, workdir, cache_dir):
        self.given = spec if "://" in spec else None
        self.workdir = workdir
        self.server = None
        self.made = []
        self.about = None

    def describe(self):
        return self.about or "PostgreSQL (no scenario ran on it)"

    def fresh(self, label):
        """The URL of a new, empty database."""
        base = self._server_url()
        name = "bench_" + re.sub(r"[^a-z0-9_]", "_", label.lower())
        psql(base, 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
        psql(base, 'CREATE DATABASE "%s"' % name)
        url = urllib.parse.urlunsplit(urllib.parse.urlsplit(base)._replace(path="/" + name))
        self.made.append(url)
        return url

    def scalar(self, url, sql):
        """One number from the database, read while otpgate may be running."""
        return int(psql(url, sql))

    def close(self):
        """Stops the run's own server, or drops the databases made on the given one."""
        if self.server:
            self.server.stop()
            return
        for url in self.made:
            name = urllib.parse.urlsplit(url).path.lstrip("/")
            try:
                psql(self.given, 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
                log("dropping %s: %s" % (name, e))

    def _server_url(self):
        if self.given:
            if not self.about:
                self.about = "PostgreSQL %s at the --db URL (%s)" % (
                    psql(self.given, "SHOW server_version").split()[0],
                    ", ".join("%s=%s" % (n, psql(self.given, "SHOW " + n)) for n in (
                        "fsync", "synchronous_commit", "shared_buffers", "max_connections")))
            return self.given
        if not self.server:
            self.server = PgServer(self.workdir)
            self.server.start()
            self.about = self.server.describe()
        return self.server.url


BACKENDS = {
    "sqlite": SqliteBackend,
    "postgres": PostgresBackend,
    "postgresql": PostgresBackend,
}


def make_backend(spec, binary, workdir, cache_dir):
    """The backend for one --db value: "sqlite", "postgres" (a server of the
    run's own), or a URL whose scheme names a backend."""
    name = spec.split(":", 1)[0] if "://" in spec else spec
    if name not in BACKENDS:
        raise SystemExit("bench: no benchmark backend for --db %s (have: %s)" %
                         (spec, ", ".join(sorted(BACKENDS))))
    return BACKENDS[name](spec, binary, workdir, cache_dir)
