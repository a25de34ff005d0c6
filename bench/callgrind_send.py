"""Instructions per OTP send and per verify, counted by callgrind: a
repeatable measure of CPU cost on a machine whose timings are too noisy to
compare two builds by (docs/PERFORMANCE.md §4).

Starts `valgrind --tool=callgrind` on `otpgate serve` with a fresh SQLite
database, the log provider writing to /dev/null and the benchmark's limit
flags (bench/bench.py), makes one prepaid tenant, warms every worker up,
then counts two phases, each between a zeroing and a dump of callgrind's
counters (callgrind_control):

  send    N sends of POST /v1/otp/send from CLIENTS keep-alive clients,
          each to its own phone from its own client_ip, until the
          dispatcher has delivered all N (so a send's cost includes its
          delivery and settlement);
  verify  one wrong-code POST /v1/otp/verify by phone for each of those
          N requests, from the same clients (each is a write: the attempt
          is counted).

Prints instructions per send and per verify (total Ir of the phase / N),
the median of --runs runs.
Delivery is watched by reading the database from this process, so the
watching costs the server nothing. Run it through bench/callgrind_send.sh.

Callgrind counts user-space instructions only, and counts each byte a
`rep stosb` memset clears as one instruction, so a 4 KiB memset weighs
like 4,000 instructions of real work. With --native the same phases run
without valgrind and the server's CPU time (user and system, from
/proc/PID/stat) per send and per verify is printed instead: noisier, but
it sees system calls and real memset costs.
Python standard library only.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HOST = "127.0.0.1"
START_TIMEOUT_S = 300       # valgrind takes a while to start the server
PHASE_TIMEOUT_S = 1800      # the longest one phase may take under callgrind
STOP_TIMEOUT_S = 120
POLL_S = 0.2
WARMUP_PER_CLIENT = 40      # requests per client before counting: every worker's statements get prepared
WARMUP_ROUNDS = 8           # each round on new connections, which may land on other workers
PHONE_BASE = 900_000_000    # phones are +919 then 9 digits (bench/lua/common.lua's scheme)

# bench.py's LIMIT_FLAGS and VERIFY_FLAGS: the defences stay on, with limits
# one benchmark tenant does not reach.
SERVE_FLAGS = ["--limit-tenant-rps", "100000", "--limit-tenant-daily", "1000000000",
               "--pumping-min-conversion-pct", "0", "--limit-per-ip-count", "0"]
WRONG_CODE = "000000"


def log(msg):
    print("callgrind: " + msg, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Client:
    """One keep-alive connection."""

    def __init__(self, port, key):
        self.port, self.key = port, key
        self.conn = http.client.HTTPConnection(HOST, port, timeout=600)

    def call(self, method, path, body=None):
        hdrs = {"X-API-Key": self.key}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=hdrs)
        r = self.conn.getresponse()
        raw = r.read().decode("utf-8", "replace")
        try:
            return r.status, json.loads(raw)
        except ValueError:
            return r.status, raw

    def close(self):
        self.conn.close()


def expect(resp, statuses, what):
    st, body = resp
    if st not in statuses:
        raise RuntimeError("%s: expected %s, got %d %s" % (what, statuses, st, str(body)[:300]))
    return body


def phone(n):
    """The n-th distinct Indian mobile; the counter's low digits lead, so
    consecutive numbers fall in different prefixes (the per-prefix limit)."""
    v = (PHONE_BASE + n) % 1_000_000_000
    return "+919%05d%04d" % (v % 100000, v // 100000)


def client_ip(n):
    return "10.%d.%d.%d" % ((n >> 16) & 255, (n >> 8) & 255, n & 255)


def run_clients(port, key, clients, first, count, make):
    """Sends requests first..first+count-1 from `clients` threads, request n
    built by make(n) as (method, path, body, expected statuses)."""
    errors = []

    def worker(i):
        c = Client(port, key)
        try:
            for n in range(first + i, first + count, clients):
                method, path, body, want = make(n)
                expect(c.call(method, path, body), want, "%s %s #%d" % (method, path, n))
        except Exception as e:  # reported after every thread ends
            errors.append(e)
        finally:
            c.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(PHASE_TIMEOUT_S)
    if errors:
        raise errors[0]


def sent_count(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        return con.execute("SELECT count(*) FROM messages WHERE status = 'sent'").fetchone()[0]
    finally:
        con.close()


def wait_sent(db, want):
    deadline = time.monotonic() + PHASE_TIMEOUT_S
    n = 0
    while time.monotonic() < deadline:
        n = sent_count(db)
        if n >= want:
            return
        time.sleep(POLL_S)
    raise RuntimeError("the dispatcher delivered %d of %d" % (n, want))


def cpu_ms(pid):
    """The process's user and system CPU time so far, in milliseconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks * 1000.0 / os.sysconf("SC_CLK_TCK")


class Server:
    def __init__(self, binary, work, extra, native=False):
        self.binary, self.native = binary, native
        self.db = os.path.join(work, "otpgate.db")
        self.secret = os.path.join(work, "otpgate.secret")
        self.out = os.path.join(work, "callgrind.out")
        self.port = free_port()
        self.cli(["migrate"])
        self.admin = self.cli(["admin-key"]).strip()
        argv = [] if native else ["valgrind", "--tool=callgrind",
                                  "--callgrind-out-file=" + self.out]
        argv += [binary, "serve", "--listen", "%s:%d" % (HOST, self.port), "--db", self.db,
                "--secret-file", self.secret, "--provider", "log", "--sms-log", "/dev/null"]
        argv += SERVE_FLAGS + extra
        self.err = open(os.path.join(work, "server.err"), "wb")
        self.proc = subprocess.Popen(argv, cwd=work, stdout=subprocess.DEVNULL,
                                     stderr=self.err, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        try:
            self.wait_ready()
        except BaseException:
            self.stop()  # nobody else holds this server to stop it
            raise

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("otpgate exited %d" % self.proc.returncode)
            try:
                c = http.client.HTTPConnection(HOST, self.port, timeout=5)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    c.close()
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("otpgate did not start")
            time.sleep(0.5)

    def cli(self, args):
        r = subprocess.run([self.binary] + args + ["--db", self.db, "--secret-file",
                                                   self.secret],
                           capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise RuntimeError("otpgate %s: %s" % (args[0], r.stderr[-600:]))
        return r.stdout

    def control(self, flag):
        if self.native:
            return
        r = subprocess.run(["callgrind_control", flag, str(self.proc.pid)],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise RuntimeError("callgrind_control %s: %s" % (flag, r.stdout + r.stderr))

    def dump(self, label):
        """Dumps the counters since the last zeroing; returns the phase's Ir
        and the dump's path."""
        if self.native:
            return None, None
        before = set(self.dumps())
        self.control("--dump=" + label)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            new = [p for p in self.dumps() if p not in before]
            if new:
                path = new[0]
                time.sleep(0.5)  # the dump is written whole before the next command returns
                with open(path) as f:
                    m = re.search(r"^(?:summary|totals): (\d+)", f.read(), re.M)
                if m:
                    return int(m.group(1)), path
            time.sleep(0.2)
        raise RuntimeError("no callgrind dump for " + label)

    def dumps(self):
        d = os.path.dirname(self.out)
        base = os.path.basename(self.out)
        return sorted(os.path.join(d, f) for f in os.listdir(d)
                      if f.startswith(base + ".") and f[len(base) + 1:].isdigit())

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.err.close()
        return self.proc.returncode


def admin_call(port, admin, method, path, body):
    c = Client(port, admin)
    try:
        return c.call(method, path, body)
    finally:
        c.close()


def setup_tenant(s):
    """bench/benchlib.py's tenant: prepaid, large credit, a default template."""
    tid = "cg_send"
    expect(admin_call(s.port, s.admin, "POST", "/v1/tenants", {
        "id": tid, "name": "Alpha Retail", "sender_header": "ALPHAR",
        "pe_id": "1101234567890123456", "price_paise": 25,
        "billing": {"mode": "prepaid", "credit_limit_paise": 0, "monthly_cap_sms": 0},
        "otp": {"length": 6, "ttl_sec": 600, "max_attempts": 10}}), (201,), "create tenant")
    expect(admin_call(s.port, s.admin, "POST", "/v1/tenants/%s/templates" % tid, {
        "name": "login", "dlt_template_id": "1107160000000012345",
        "body": "Your OTP for {#var#} is {#var#}. Valid for 5 minutes.",
        "vars": ["appName", "otp"], "default": True}), (201,), "create template")
    expect(admin_call(s.port, s.admin, "POST", "/v1/tenants/%s/wallet/credits" % tid, {
        "amount_paise": 10_000_000_000, "reference": "bench-credit"}), (200, 201),
        "credit wallet")
    return expect(admin_call(s.port, s.admin, "POST", "/v1/tenants/%s/keys" % tid,
                             {"name": "bench"}), (201,), "create tenant key")["key"]


def send_req(n):
    return ("POST", "/v1/otp/send", {"phone": phone(n), "client_ip": client_ip(n)}, (202,))


def verify_req(n):
    return ("POST", "/v1/otp/verify", {"phone": phone(n), "code": WRONG_CODE}, (200,))


def top_functions(path, limit):
    r = subprocess.run(["callgrind_annotate", "--inclusive=yes", path], capture_output=True,
                       text=True, timeout=300)
    lines = [ln for ln in r.stdout.splitlines() if re.match(r"^\s*[\d,]+ \(", ln)]
    return lines[:limit]


def one_run(a):
    """One server, warmed up, then the two counted phases; returns
    {"send": (Ir or None, dump path or None, CPU ms), "verify": ...}."""
    work = tempfile.mkdtemp(prefix="otpgate-callgrind-")
    s = None
    try:
        s = Server(os.path.abspath(os.path.join(a.build, "otpgate")), work, a.serve_arg,
                   a.native)
        key = setup_tenant(s)
        # Several rounds of fresh connections, so that most worker threads
        # have opened their database connection before counting starts.
        warm = WARMUP_PER_CLIENT * a.clients
        step = warm // WARMUP_ROUNDS
        for first in range(0, warm, step):
            run_clients(s.port, key, a.clients, first, step, send_req)
        wait_sent(s.db, warm)
        for first in range(0, warm, step):
            run_clients(s.port, key, a.clients, first, step, verify_req)

        results = {}
        s.control("--zero")
        cpu0 = cpu_ms(s.proc.pid)
        run_clients(s.port, key, a.clients, warm, a.n, send_req)
        wait_sent(s.db, warm + a.n)
        cpu1 = cpu_ms(s.proc.pid)
        results["send"] = s.dump("send") + (cpu1 - cpu0,)
        s.control("--zero")
        run_clients(s.port, key, a.clients, warm, a.n, verify_req)
        cpu2 = cpu_ms(s.proc.pid)
        results["verify"] = s.dump("verify") + (cpu2 - cpu1,)
        rc = s.stop()
        if rc != 0:
            raise RuntimeError("otpgate exited %s" % rc)
        if a.top and not a.native:
            for name, (_, path, _) in results.items():
                log("top inclusive functions of the %s phase:" % name)
                for ln in top_functions(path, a.top):
                    log("    " + ln.strip())
        if a.keep:
            log("dumps kept in " + work)
        return results
    finally:
        if s:
            s.stop()
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build-release", help="where otpgate is [build-release]")
    ap.add_argument("-n", type=int, default=1000, help="sends (and verifies) counted [1000]")
    ap.add_argument("--clients", type=int, default=4, help="concurrent clients [4]")
    ap.add_argument("--runs", type=int, default=3,
                    help="runs, each on a fresh server; the median is reported [3]")
    ap.add_argument("--top", type=int, default=0, help="also print the top N inclusive functions")
    ap.add_argument("--keep", action="store_true", help="keep the directory with the dumps")
    ap.add_argument("--native", action="store_true",
                    help="no valgrind: print CPU time per send and per verify instead")
    ap.add_argument("--serve-arg", action="append", default=[],
                    help="an extra argument for otpgate serve (repeatable)")
    a = ap.parse_args()

    # A send's count moves by a few percent from run to run: how many
    # transactions share a group commit, and how many messages the
    # dispatcher claims at once, depend on how the threads interleave.
    per = {"send": [], "verify": []}
    for i in range(a.runs):
        for name, (ir, _, ms) in one_run(a).items():
            value = ms * 1000 / a.n if a.native else ir / a.n
            per[name].append(value)
            log("run %d: %s %.1f %s" % (i + 1, name, value, "us CPU" if a.native else "Ir"))
    for name, values in per.items():
        values.sort()
        unit = "us CPU" if a.native else "instructions"
        print("%-6s median %9.1f %s per %s (runs: %s)" % (
            name, values[len(values) // 2], unit, name,
            ", ".join("%.1f" % v if a.native else "%.0f" % v for v in values)))


if __name__ == "__main__":
    main()
