"""The machinery bench.py's scenarios share: loopback ports, child processes
stopped by their own pid, peak RSS from /proc, wrk runs parsed from the
summary line bench/lua/common.lua prints, and the servers under test or
used as baselines (otpgate, fakegw, nginx, Kannel), each started on
127.0.0.1 in the run's temporary directory. Python standard library only.
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

HOST = "127.0.0.1"
BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
LUA_DIR = os.path.join(BENCH_DIR, "lua")
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 30
WRK_TIMEOUT = "5s"          # a request slower than this counts as a wrk timeout error
KANNEL_USER = "bench"
KANNEL_PASS = "bench"
FAKESMSC = "/usr/lib/kannel/test/fakesmsc"

_live = []                  # every process started, stopped by stop_all


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def http_call(port, method, path, body=None, key=None, timeout=30.0):
    """One request; returns (status, parsed JSON or text)."""
    hdrs = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    if key:
        hdrs["X-API-Key"] = key
    c = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        c.request(method, path, body=data, headers=hdrs)
        r = c.getresponse()
        raw = r.read().decode("utf-8", "replace")
    finally:
        c.close()
    try:
        return r.status, json.loads(raw)
    except ValueError:
        return r.status, raw


def expect(resp, status, what):
    st, body = resp
    ok = st in status if isinstance(status, (tuple, list, set)) else st == status
    if not ok:
        raise RuntimeError("%s: expected %s, got %d %s" % (what, status, st, str(body)[:300]))
    return body


def wait_for(fn, what, timeout=START_TIMEOUT_S, interval=0.05):
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / interval) + 1):
        try:
            v = fn()
            if v:
                return v
        except OSError:
            pass
        if time.monotonic() > deadline:
            break
        time.sleep(interval)
    raise RuntimeError("timed out after %ds waiting for %s" % (timeout, what))


# ------------------------------------------------------------ processes ----

class Proc:
    """A child process, stopped by its own pid (and its process group, for
    servers that fork workers) by stop() or stop_all()."""

    def __init__(self, argv, cwd, name, env=None):
        self.name = name
        self.out_path = os.path.join(cwd, name + ".out")
        self.err_path = os.path.join(cwd, name + ".err")
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.p = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err,
                                      stdin=subprocess.DEVNULL, env=env,
                                      start_new_session=True)
        self.pid = self.p.pid
        _live.append(self)

    def alive(self):
        return self.p.poll() is None

    def tail(self, n=600):
        text = ""
        for path in (self.err_path, self.out_path):
            try:
                with open(path, "rb") as f:
                    f.seek(max(0, os.path.getsize(path) - n))
                    text += f.read().decode("utf-8", "replace")
            except OSError:
                pass
        return text.strip()

    def peak_rss_kib(self):
        """VmHWM of the process and of its descendants (nginx workers)."""
        return sum(_vmhwm(pid) for pid in [self.pid] + _descendants(self.pid))

    def stop(self, sig=signal.SIGTERM):
        if self in _live:
            _live.remove(self)
        if not self.alive():
            return self.p.returncode
        try:
            os.killpg(self.pid, sig)  # its own session: only what it started
        except ProcessLookupError:
            pass
        try:
            return self.p.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            log("%s ignored signal %d; killing it" % (self.name, sig))
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            return self.p.wait(10)


def stop_all():
    for p in list(reversed(_live)):
        try:
            p.stop()
        except Exception as e:  # cleanup goes on whatever happened
            log("stopping %s: %s" % (p.name, e))


def _vmhwm(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(pid):
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out


# ------------------------------------------------------------------ wrk ----

def wrk(port, script, args, duration, threads, conns, workdir, label, path="/"):
    """Runs wrk against 127.0.0.1:port with a bench/lua script; returns its
    numbers: rps (2xx/3xx answers per second), p50/p99 in ms, errors."""
    url = "http://%s:%d%s" % (HOST, port, path)
    argv = ["wrk", "-t", str(threads), "-c", str(conns), "-d", "%ds" % duration, "--latency",
            "--timeout", WRK_TIMEOUT, "-s", os.path.join(LUA_DIR, script), url, "--"]
    argv += ["%s=%s" % kv for kv in args.items()]
    r = subprocess.run(argv, cwd=LUA_DIR, capture_output=True, text=True,
                       timeout=duration + 120, stdin=subprocess.DEVNULL)
    with open(os.path.join(workdir, "wrk-%s.txt" % label), "w") as f:
        f.write(" ".join(a if "key=" not in a else "key=..." for a in argv) + "\n")
        f.write(r.stdout + r.stderr)
    m = re.search(r"^BENCH_JSON (\{.*\})$", r.stdout, re.M)
    if r.returncode != 0 or not m:
        raise RuntimeError("wrk %s failed (%d): %s" % (label, r.returncode,
                                                        (r.stdout + r.stderr)[-600:]))
    j = json.loads(m.group(1))
    secs = j["duration_us"] / 1e6
    errors = j["connect"] + j["read"] + j["write"] + j["timeout"]
    good = j["requests"] - j["status"]
    return {"requests": j["requests"], "secs": secs, "rps": good / secs if secs else 0.0,
            "p50_ms": j["p50_us"] / 1000.0, "p99_ms": j["p99_us"] / 1000.0,
            "max_ms": j["max_us"] / 1000.0, "non2xx": j["status"], "errors": errors}


class WrkBackground:
    """wrk started without waiting, for scenarios that sample a counter
    while it runs; result() waits and parses like wrk()."""

    def __init__(self, port, script, args, duration, threads, conns, workdir, label):
        self.label, self.workdir, self.duration = label, workdir, duration
        url = "http://%s:%d/" % (HOST, port)
        self.argv = ["wrk", "-t", str(threads), "-c", str(conns), "-d", "%ds" % duration,
                     "--latency", "--timeout", WRK_TIMEOUT, "-s",
                     os.path.join(LUA_DIR, script), url, "--"]
        self.argv += ["%s=%s" % kv for kv in args.items()]
        self.p = subprocess.Popen(self.argv, cwd=LUA_DIR, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True,
                                  stdin=subprocess.DEVNULL)

    def interrupt(self):
        """Ends the run now; wrk still prints its summary."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)

    def result(self):
        out, _ = self.p.communicate(timeout=self.duration + 120)
        with open(os.path.join(self.workdir, "wrk-%s.txt" % self.label), "w") as f:
            f.write(out)
        m = re.search(r"^BENCH_JSON (\{.*\})$", out, re.M)
        if self.p.returncode != 0 or not m:
            raise RuntimeError("wrk %s failed: %s" % (self.label, out[-600:]))
        j = json.loads(m.group(1))
        secs = j["duration_us"] / 1e6
        return {"requests": j["requests"], "secs": secs,
                "rps": (j["requests"] - j["status"]) / secs if secs else 0.0,
                "p50_ms": j["p50_us"] / 1000.0, "p99_ms": j["p99_us"] / 1000.0,
                "max_ms": j["max_us"] / 1000.0, "non2xx": j["status"],
                "errors": j["connect"] + j["read"] + j["write"] + j["timeout"],
                "created": j.get("created")}


# -------------------------------------------------------------- servers ----

class Nginx:
    """nginx answering `return 200` to everything: the HTTP ceiling. One
    worker per core, no access log, keep-alive for the whole run."""

    CONF = """worker_processes auto;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 10000000;
    client_body_temp_path %(dir)s/body;
    proxy_temp_path %(dir)s/proxy;
    fastcgi_temp_path %(dir)s/fastcgi;
    uwsgi_temp_path %(dir)s/uwsgi;
    scgi_temp_path %(dir)s/scgi;
    server {
        listen %(host)s:%(port)d;
        location / { return 200; }
    }
}
"""

    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "nginx")
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(self.CONF % {"dir": self.dir, "host": HOST, "port": self.port})
        self.proc = Proc(["nginx", "-p", self.dir, "-e", os.path.join(self.dir, "error.log"),
                          "-c", conf, "-g", "daemon off;"], self.dir, "nginx")
        wait_for(lambda: http_call(self.port, "GET", "/")[0] == 200, "nginx")

    def stop(self):
        self.proc.stop(signal.SIGQUIT)


class Fakegw:
    """tests/peers/fakegw: the StartMessaging-compatible upstream."""

    def __init__(self, binary, workdir):
        self.dir = os.path.join(workdir, "fakegw")
        os.makedirs(self.dir, exist_ok=True)
        self.proc = Proc([binary, "--listen", "%s:0" % HOST], self.dir, "fakegw")

        def port():
            with open(self.proc.out_path) as f:
                m = re.search(r"listening (\d+)", f.read())
            if not m and not self.proc.alive():
                raise RuntimeError("fakegw died: " + self.proc.tail())
            return int(m.group(1)) if m else 0
        self.port = wait_for(port, "fakegw")
        self.url = "http://%s:%d" % (HOST, self.port)

    def stop(self):
        self.proc.stop()


class Otpgate:
    """The release otpgate serving db_url on a free loopback port. The log
    provider writes its SMS to /dev/null unless a gateway URL is given."""

    def __init__(self, binary, workdir, name, db_url, secret, gateway_url=None, extra=()):
        self.binary, self.db_url, self.secret = binary, db_url, secret
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self._run_cli(["migrate"])
        self.admin = self._run_cli(["admin-key"]).strip()
        argv = [binary, "serve", "--listen", "%s:%d" % (HOST, self.port), "--db", db_url,
                "--secret-file", secret]
        if gateway_url:
            argv += ["--provider", "startmessaging", "--provider-url", gateway_url,
                     "--provider-key", "sm_bench_platform_key"]
        else:
            argv += ["--provider", "log", "--sms-log", "/dev/null"]
        self.proc = Proc(argv + list(extra), self.dir, "otpgate")

        def ready():
            if not self.proc.alive():
                raise RuntimeError("otpgate died: " + self.proc.tail())
            return http_call(self.port, "GET", "/healthz", timeout=2)[0] == 200
        wait_for(ready, "otpgate /healthz")

    def _run_cli(self, args):
        r = subprocess.run([self.binary] + args + ["--db", self.db_url, "--secret-file",
                                                   self.secret],
                           capture_output=True, text=True, timeout=600,
                           stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise RuntimeError("otpgate %s failed: %s" % (args[0], r.stderr[-600:]))
        return r.stdout

    def call(self, method, path, body=None, key=None):
        return http_call(self.port, method, path, body, key or self.admin)

    def setup_tenant(self, tid, max_attempts=10):
        """A prepaid tenant with a large credit, a default template and a
        tenant key; returns the key."""
        expect(self.call("POST", "/v1/tenants", {
            "id": tid, "name": "Alpha Retail", "sender_header": "ALPHAR",
            "pe_id": "1101234567890123456", "price_paise": 25,
            "billing": {"mode": "prepaid", "credit_limit_paise": 0, "monthly_cap_sms": 0},
            "otp": {"length": 6, "ttl_sec": 600, "max_attempts": max_attempts}}),
            201, "create tenant")
        expect(self.call("POST", "/v1/tenants/%s/templates" % tid, {
            "name": "login", "dlt_template_id": "1107160000000012345",
            "body": "Your OTP for {#var#} is {#var#}. Valid for 5 minutes.",
            "vars": ["appName", "otp"], "default": True}), 201, "create template")
        expect(self.call("POST", "/v1/tenants/%s/wallet/credits" % tid, {
            "amount_paise": 10_000_000_000, "reference": "bench-credit"}), (200, 201),
            "credit wallet")
        k = expect(self.call("POST", "/v1/tenants/%s/keys" % tid, {"name": "bench"}), 201,
                   "create tenant key")
        return k["key"]

    def send_key(self):
        return expect(self.call("POST", "/v1/keys", {"kind": "send", "name": "bench"}), 201,
                      "create send key")["key"]

    def metric(self, name, labels):
        st, text = http_call(self.port, "GET", "/metrics")
        m = re.search(r"^%s\{%s\} (\d+)" % (re.escape(name), re.escape(labels)), str(text),
                      re.M)
        return int(m.group(1)) if m else 0

    def sent(self):
        return self.metric("otpgate_sms_total", 'outcome="sent"')

    def answered(self, route, status):
        """Requests answered on a route pattern with a status, so far."""
        return self.metric("otpgate_http_requests_total",
                           'route="%s",status="%d"' % (route, status))

    def stop(self):
        rc = self.proc.stop()
        if rc not in (0, None):
            raise RuntimeError("otpgate exited %s: %s" % (rc, self.proc.tail()))


class Kannel:
    """Kannel's bearerbox and smsbox with fakesmsc as the operator, on
    loopback ports, warnings-only logs (its fastest setting)."""

    CONF = """group = core
admin-port = %(admin)d
admin-password = bench
status-password = bench
admin-allow-ip = "127.0.0.1"
smsbox-port = %(smsbox)d
box-allow-ip = "127.0.0.1"
log-file = "%(dir)s/bearerbox.log"
log-level = 2

group = smsc
smsc = fake
smsc-id = fake
port = %(fake)d
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = %(smsbox)d
sendsms-port = %(sendsms)d
log-file = "%(dir)s/smsbox.log"
log-level = 2

group = sendsms-user
username = %(user)s
password = %(pass)s
user-allow-ip = "127.0.0.1"

group = sms-service
keyword = default
text = "No service specified"
"""

    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "kannel")
        os.makedirs(self.dir, exist_ok=True)
        ports = {"admin": free_port(), "smsbox": free_port(), "fake": free_port(),
                 "sendsms": free_port()}
        self.port = ports["sendsms"]
        self.admin_port = ports["admin"]
        conf = os.path.join(self.dir, "kannel.conf")
        with open(conf, "w") as f:
            f.write(self.CONF % dict(ports, dir=self.dir, user=KANNEL_USER, **{"pass": KANNEL_PASS}))
        self.bearerbox = Proc(["bearerbox", "-v", "2", conf], self.dir, "bearerbox")
        wait_for(lambda: http_call(self.admin_port, "GET", "/status.txt?password=bench")[0]
                 == 200, "bearerbox admin port")
        # fakesmsc sends nothing (-m 0; the message is only there to keep
        # it out of its interactive mode) and prints each message it gets.
        self.fakesmsc = Proc([FAKESMSC, "-H", HOST, "-r", str(ports["fake"]), "-m", "0",
                              "-i", "1", "100 200 text nop"], self.dir, "fakesmsc")
        self.smsbox = Proc(["smsbox", "-v", "2", conf], self.dir, "smsbox")
        path = ("/cgi-bin/sendsms?username=%s&password=%s&from=ALPHAR&to=%%2B919000000000"
                "&text=warmup" % (KANNEL_USER, KANNEL_PASS))
        wait_for(lambda: http_call(self.port, "GET", path)[0] == 202, "smsbox sendsms")
        wait_for(lambda: self.received() >= 1, "fakesmsc to get the warm-up message")

    def received(self):
        """Messages fakesmsc has printed as received so far."""
        with open(self.fakesmsc.out_path, "rb") as f:
            n = f.read().count(b"Got message")
        with open(self.fakesmsc.err_path, "rb") as f:
            n += f.read().count(b"Got message")
        return n

    def peak_rss_kib(self):
        return self.bearerbox.peak_rss_kib() + self.smsbox.peak_rss_kib()

    def stop(self):
        self.smsbox.stop()
        self.bearerbox.stop()
        self.fakesmsc.stop()
