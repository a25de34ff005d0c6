"""A small integration-test framework for otpgate (Python standard library only).

Each tests/integration/test_*.py registers cases with @case and calls main().
A case starts whatever servers it needs through the classes here: Gateway runs
the fake StartMessaging gateway (tests/peers/fakegw), Otpgate runs the real
binary on 127.0.0.1 with a temporary database. Every process a case starts is
recorded and stopped by its own pid when the case ends, even if it failed.
Every wait is bounded in both count and time.

Environment: OTPGATE_BIN, FAKEGW_BIN (paths to the binaries), OG_SOURCE_DIR.
"""

import http.client
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HOST = "127.0.0.1"
OTPGATE_BIN = os.environ.get("OTPGATE_BIN", "build/otpgate")
FAKEGW_BIN = os.environ.get("FAKEGW_BIN", "build/fakegw")
SOURCE_DIR = os.environ.get("OG_SOURCE_DIR", os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))
PROVIDER_KEY = "sm_live_platform_key_test01"
SANITIZER_RE = re.compile(r"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|"
                          r"ThreadSanitizer|runtime error:")
START_TIMEOUT_S = 20
STOP_TIMEOUT_S = 20

# ---------------------------------------------------------------- cases ----

_CASES = []
_live = []          # processes and temp dirs started by the running case
_live_lock = threading.Lock()


def case(fn=None, *, timeout=90):
    """Registers a test case; timeout is its limit in seconds."""
    def register(f):
        _CASES.append((f.__name__, f, timeout))
        return f
    return register(fn) if fn is not None else register


def _track(obj):
    with _live_lock:
        _live.append(obj)
    return obj


def _cleanup():
    """Stops what the case started; returns problems found (crashes, sanitizer reports)."""
    with _live_lock:
        objs = list(reversed(_live))
        _live.clear()
    problems = []
    for obj in objs:
        try:
            p = obj.close()
            if p:
                problems.append(p)
        except Exception:  # cleanup must go on whatever happened
            problems.append(traceback.format_exc())
    return problems


def main():
    """Runs the registered cases (or those named on the command line)."""
    only = set(sys.argv[1:])
    passed = failed = 0
    if os.environ.get("OG_TEST_BACKEND") == "postgres" and not os.environ.get(
            "OTPGATE_TEST_PG_URL"):
        print("SKIP: OG_TEST_BACKEND=postgres without OTPGATE_TEST_PG_URL")
        sys.stdout.flush()
        os._exit(1 if os.environ.get("OG_TEST_PG_REQUIRED") else 77)
    for name, fn, timeout in _CASES:
        if only and name not in only:
            continue
        err = []
        t = threading.Thread(target=_run_case, args=(fn, err), daemon=True)
        start = time.monotonic()
        t.start()
        t.join(timeout)
        if t.is_alive():
            err.append("timed out after %ss" % timeout)
        problems = _cleanup()
        if problems and not err:
            err.append("after the case: " + "\n".join(problems))
        took = time.monotonic() - start
        if err:
            failed += 1
            print("FAIL %s (%.1fs)" % (name, took))
            for line in err[0].rstrip().splitlines():
                print("    " + line)
        else:
            passed += 1
            print("PASS %s (%.1fs)" % (name, took))
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    sys.stdout.flush()
    os._exit(0 if failed == 0 and passed > 0 else 1)


def _run_case(fn, err):
    try:
        fn()
    except AssertionError as e:
        tb = traceback.extract_tb(e.__traceback__)
        where = ["%s:%d" % (os.path.basename(f.filename), f.lineno)
                 for f in tb if os.path.basename(f.filename) != "harness.py"]
        err.append("%s\n  at %s" % (e, " <- ".join(reversed(where)) or "?"))
    except Exception:
        err.append(traceback.format_exc())


# ----------------------------------------------------------- assertions ----

def ok(cond, msg="condition failed"):
    if not cond:
        raise AssertionError(msg)


def eq(got, want, msg=""):
    if got != want:
        raise AssertionError("%s: expected %r, got %r" % (msg or "value", want, got))


def expect(resp, status, code=None, msg=""):
    """Asserts an API response's status (an int or a set) and error code."""
    st, _, body = resp
    want = status if isinstance(status, (set, tuple, list)) else {status}
    if st not in want:
        raise AssertionError("%s: expected status %s, got %d %s" %
                             (msg or "response", sorted(want), st, _short(body)))
    if code is not None:
        got = body.get("error", {}).get("code") if isinstance(body, dict) else None
        if got != code:
            raise AssertionError("%s: expected error code %r, got %d %s" %
                                 (msg or "response", code, st, _short(body)))
        ok(isinstance(body["error"].get("message"), str) and body["error"]["message"],
           "%s: error.message missing: %s" % (msg, _short(body)))
    return body


def _short(body, limit=400):
    text = body if isinstance(body, str) else json.dumps(body)
    return text if len(text) <= limit else text[:limit] + "..."


def wait_until(fn, timeout=15.0, interval=0.05, what="condition"):
    """Polls fn until it returns a truthy value (returned); bounded by time and count."""
    deadline = time.monotonic() + timeout
    last = None
    for _ in range(int(timeout / interval) + 2):
        last = fn()
        if last:
            return last
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    raise AssertionError("timed out after %.0fs waiting for %s (last: %s)" %
                         (timeout, what, _short(repr(last))))


# ---------------------------------------------------------------- http ----

def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def http_call(port, method, path, body=None, key=None, headers=None, bearer=False,
              timeout=15.0, conn=None):
    """One request; returns (status, headers as lowercase dict, JSON or text).

    body: a dict/list is sent as JSON; str/bytes are sent as they are.
    key: sent as X-API-Key (or Authorization: Bearer with bearer=True).
    conn: an open HTTPConnection to reuse; otherwise a fresh one is used.
    """
    hdrs = {}
    data = None
    if body is not None:
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body
        hdrs["Content-Type"] = "application/json"
    if key is not None:
        if bearer:
            hdrs["Authorization"] = "Bearer " + key
        else:
            hdrs["X-API-Key"] = key
    for k, v in (headers or {}).items():
        if v is None:
            hdrs.pop(k, None)
        else:
            hdrs[k] = v
    own = conn is None
    c = http.client.HTTPConnection(HOST, port, timeout=timeout) if own else conn
    try:
        c.request(method, path, body=data, headers=hdrs)
        r = c.getresponse()
        raw = r.read()
        rh = {k.lower(): v for k, v in r.getheaders()}
    finally:
        if own:
            c.close()
    return r.status, rh, parse_body(raw, rh)


def parse_body(raw, rh):
    text = raw.decode("utf-8", "replace")
    if "json" in rh.get("content-type", "") or text[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


# ------------------------------------------------------------- processes ----

class _Proc:
    """A child process stopped by its own pid at cleanup."""

    def __init__(self, argv, cwd, stdout, stderr, env=None, err_path=None):
        self.argv = argv
        self.err_path = err_path  # when set, close() checks the exit and stderr
        self.expected_death = False
        self.p = subprocess.Popen(argv, cwd=cwd, stdout=stdout, stderr=stderr,
                                  stdin=subprocess.DEVNULL, env=env)
        self.pid = self.p.pid

    def alive(self):
        return self.p.poll() is None

    def signal(self, sig):
        if self.alive():
            self.expected_death = True
            os.kill(self.pid, sig)

    def wait(self, timeout):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def close(self):
        """Stops the process; for a checked one, returns a problem or None."""
        problem = None
        if not self.alive() and not self.expected_death:
            problem = "%s exited on its own with %s" % (os.path.basename(self.argv[0]),
                                                        self.p.returncode)
        elif self.alive():
            self.signal(signal.SIGTERM)
            rc = self.wait(STOP_TIMEOUT_S)
            if rc is None:
                problem = "%s ignored SIGTERM for %ds" % (os.path.basename(self.argv[0]),
                                                          STOP_TIMEOUT_S)
                os.kill(self.pid, signal.SIGKILL)
                self.wait(5)
            elif rc != 0:
                problem = "%s exited %s after SIGTERM" % (os.path.basename(self.argv[0]), rc)
        if self.err_path is None:
            return None
        text = _read_text(self.err_path)
        if problem:
            problem += " (stderr tail: %s)" % text[-300:].strip()
        m = SANITIZER_RE.search(text)
        if m:
            problem = (problem + "; " if problem else "") + "sanitizer report: " + \
                text[m.start():m.start() + 1500]
        return problem


class _TempDir:
    def __init__(self, prefix):
        self.path = tempfile.mkdtemp(prefix=prefix)

    def close(self):
        if os.environ.get("OG_KEEP_TMP"):
            return
        shutil.rmtree(self.path, ignore_errors=True)


def tempdir(prefix="og_it_"):
    """A temporary directory removed when the case ends."""
    return _track(_TempDir(prefix)).path


def run_cli(args, env=None, timeout=30, cwd=None):
    """Runs otpgate with args; returns CompletedProcess (text)."""
    return subprocess.run([OTPGATE_BIN] + list(args), capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=cwd, stdin=subprocess.DEVNULL)


class Gateway:
    """The fake StartMessaging gateway on a free loopback port."""

    def __init__(self, key=None):
        self.dir = tempdir("og_gw_")
        self.key = key
        # Port 0: fakegw binds a free port itself and reports it, so no race.
        argv = [FAKEGW_BIN, "--listen", "%s:0" % HOST]
        if key:
            argv += ["--key", key]
        out = open(os.path.join(self.dir, "gw.out"), "wb")
        err = open(os.path.join(self.dir, "gw.err"), "wb")
        self.proc = _track(_Proc(argv, self.dir, out, err))
        out.close()
        err.close()
        self.port = self._wait_listening()
        if not self.port:
            raise AssertionError("fakegw did not start: %s" % self._read("gw.err"))

    def _read(self, name):
        try:
            with open(os.path.join(self.dir, name), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _wait_listening(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        for _ in range(START_TIMEOUT_S * 20):
            m = re.search(r"listening (\d+)", self._read("gw.out"))
            if m:
                return int(m.group(1))
            if not self.proc.alive() or time.monotonic() > deadline:
                return 0
            time.sleep(0.05)
        return 0

    @property
    def url(self):
        return "http://%s:%d" % (HOST, self.port)

    def call(self, method, path, body=None):
        return http_call(self.port, method, path, body=body)

    def received(self):
        """Everything received so far: [{"api_key","body","mode","status"}], body parsed."""
        st, _, body = self.call("GET", "/_received")
        eq(st, 200, "fakegw GET /_received")
        items = body
        if isinstance(body, dict):
            items = next((v for v in body.values() if isinstance(v, list)), [])
        out = []
        for it in items:
            it = dict(it)
            if isinstance(it.get("body"), str):
                try:
                    it["body"] = json.loads(it["body"])
                except ValueError:
                    pass
            out.append(it)
        return out

    def sends(self, phone=None, accepted_only=False):
        """Received /otp/send bodies, optionally for one phone / only those answered 2xx."""
        out = []
        for it in self.received():
            b = it.get("body")
            if not isinstance(b, dict) or "phoneNumber" not in b:
                continue
            if phone is not None and b.get("phoneNumber") != phone:
                continue
            if accepted_only and not (200 <= int(it.get("status") or 0) < 300):
                continue
            out.append(it)
        return out

    def wait_sends(self, phone, count=1, timeout=20, accepted_only=True):
        """Waits until at least count sends for phone arrived; returns them all."""
        return wait_until(lambda: (lambda s: s if len(s) >= count else None)(
            self.sends(phone, accepted_only)), timeout,
            what="%d upstream send(s) to %s" % (count, phone))

    def code_for(self, phone, nth=1, timeout=20):
        """The OTP in the nth accepted upstream send to phone (1-based)."""
        s = self.wait_sends(phone, nth, timeout)
        return s[nth - 1]["body"]["variables"]["otp"]

    def control(self, mode, delay_ms=0, count=0):
        st, _, body = self.call("POST", "/_control",
                                {"mode": mode, "delay_ms": delay_ms, "count": count})
        ok(200 <= st < 300, "fakegw /_control %s: %d %s" % (mode, st, body))

    def reset(self):
        st, _, body = self.call("POST", "/_reset")
        ok(200 <= st < 300, "fakegw /_reset: %d %s" % (st, body))


class Otpgate:
    """The real otpgate binary serving on a free loopback port with a temp DB."""

    def __init__(self, gateway=None, extra=(), provider=None, env=None, dirpath=None,
                 provider_key=PROVIDER_KEY, check_ready=True):
        self.dir = dirpath or tempdir("og_srv_")
        self.db = db_for(self.dir)  # a fresh PostgreSQL database on that backend
        self.secret = os.path.join(self.dir, "secret")
        self.sms_log = os.path.join(self.dir, "sms.log")
        self.gateway = gateway
        self.provider = provider or ("startmessaging" if gateway else "log")
        self.provider_key = provider_key
        self.extra = list(extra)
        self.env = env
        self.runs = 0
        self.proc = None
        self._admin = None
        self.start(check_ready)

    def argv(self):
        a = [OTPGATE_BIN, "serve", "--listen", "%s:%d" % (HOST, self.port), "--db", self.db,
             "--secret-file", self.secret, "--provider", self.provider,
             "--sms-log", self.sms_log]
        if self.gateway is not None:
            a += ["--provider-url", self.gateway.url]
        if self.provider_key and self.provider == "startmessaging":
            a += ["--provider-key", self.provider_key]
        return a + self.extra

    def start(self, check_ready=True):
        last = ""
        for _ in range(3):
            self.port = free_port()
            self.runs += 1
            self.out_path = os.path.join(self.dir, "stdout.%d" % self.runs)
            self.err_path = os.path.join(self.dir, "stderr.%d" % self.runs)
            out = open(self.out_path, "wb")
            err = open(self.err_path, "wb")
            self.proc = _track(_Proc(self.argv(), self.dir, out, err, env=self.env,
                                     err_path=self.err_path))
            out.close()
            err.close()
            if not check_ready or self._wait_ready():
                return
            last = self.stderr()[-2000:]
            self.proc.close()
            if "address" not in last.lower() and "bind" not in last.lower():
                break
        raise AssertionError("otpgate did not become ready: %s" % last)

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        for _ in range(START_TIMEOUT_S * 20):
            if not self.proc.alive():
                return False
            try:
                st, _, _ = http_call(self.port, "GET", "/healthz", timeout=2)
                if st == 200:
                    return True
            except OSError:
                pass
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return False

    def stderr(self, run=None):
        return _read_text(self.err_path if run is None else
                          os.path.join(self.dir, "stderr.%d" % run))

    def stdout(self, run=None):
        return _read_text(self.out_path if run is None else
                          os.path.join(self.dir, "stdout.%d" % run))

    def all_stderr(self):
        return "".join(self.stderr(i) for i in range(1, self.runs + 1))

    def stop(self, sig=signal.SIGTERM, expect_code=0):
        """Signals the server and waits for it; asserts the exit code."""
        self.proc.signal(sig)
        rc = self.proc.wait(STOP_TIMEOUT_S)
        ok(rc is not None, "otpgate did not exit within %ds of signal %d" %
           (STOP_TIMEOUT_S, sig))
        if expect_code is not None:
            eq(rc, expect_code, "otpgate exit code after signal %d (stderr tail: %s)" %
               (sig, self.stderr()[-600:]))
        return rc

    def kill9(self):
        self.proc.signal(signal.SIGKILL)
        self.proc.wait(10)

    def restart(self):
        if self.proc.alive():
            self.stop()
        self.start()

    def admin_key(self):
        """A new admin key from `otpgate admin-key` (the first is cached as .admin)."""
        r = run_cli(["admin-key", "--db", self.db, "--secret-file", self.secret])
        eq(r.returncode, 0, "otpgate admin-key exit code (stderr: %s)" % r.stderr[-500:])
        key = r.stdout.strip()
        ok(key and len(key.split()) == 1, "admin-key printed more than a key: %r" % r.stdout)
        return key

    @property
    def admin(self):
        if self._admin is None:
            self._admin = self.admin_key()
        return self._admin

    def call(self, method, path, body=None, key=None, headers=None, bearer=False,
             timeout=15.0, conn=None):
        return http_call(self.port, method, path, body, key, headers, bearer, timeout, conn)

    # ------------------------------------------------ domain shortcuts ----

    def create_tenant(self, tid=None, key=None, **over):
        body = tenant_body(tid, **over)
        return expect(self.call("POST", "/v1/tenants", body, key or self.admin), 201,
                      msg="create tenant %s" % tid)

    def setup_tenant(self, tid=None, credit=10000, template=True, **over):
        """Creates a tenant, a default 'login' template, credit, and a tenant key."""
        t = self.create_tenant(tid, **over)
        tid = t["id"]
        tpl = None
        if template:
            tpl = expect(self.call("POST", "/v1/tenants/%s/templates" % tid,
                                   template_body(), self.admin), 201, msg="create template")
        if credit:
            self.credit(tid, credit)
        k = expect(self.call("POST", "/v1/tenants/%s/keys" % tid, {"name": "test"},
                             self.admin), 201, msg="create tenant key")
        return Tenant(self, t, k["key"], k["id"], tpl)

    def credit(self, tid, amount, reference=None):
        ref = reference or "ref-%s-%d" % (tid, next(_counter))
        return expect(self.call("POST", "/v1/tenants/%s/wallet/credits" % tid,
                                {"amount_paise": amount, "reference": ref}, self.admin),
                      (200, 201), msg="credit wallet")

    def wallet(self, tid):
        return expect(self.call("GET", "/v1/tenants/%s/wallet" % tid, key=self.admin), 200,
                      msg="wallet")

    def message(self, mid, key=None):
        return expect(self.call("GET", "/v1/messages/%s" % mid, key=key or self.admin), 200,
                      msg="message %s" % mid)

    def wait_message(self, mid, status="sent", timeout=20):
        return wait_until(lambda: (lambda m: m if m.get("status") == status else None)(
            self.message(mid)), timeout, interval=0.1,
            what="message %s to be %s" % (mid, status))


class Tenant:
    """A tenant made by Otpgate.setup_tenant, with shortcuts for its key."""

    def __init__(self, og, obj, key, key_id, template):
        self.og, self.obj, self.key, self.key_id, self.template = og, obj, key, key_id, template
        self.id = obj["id"]
        self.name = obj["name"]

    def send(self, phone, headers=None, **extra):
        body = {"phone": phone}
        body.update(extra)
        return self.og.call("POST", "/v1/otp/send", body, self.key, headers)

    def send_ok(self, phone, **extra):
        return expect(self.send(phone, **extra), 202, msg="send to %s" % phone)

    def verify(self, request_id, code):
        return expect(self.og.call("POST", "/v1/otp/verify",
                                   {"request_id": request_id, "code": code}, self.key), 200,
                      msg="verify")

    def wallet(self):
        return self.og.wallet(self.id)


def _read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


# ------------------------------------------------------------ test data ----

_counter = itertools.count(1)
DLT_TEMPLATE_ID = "1107160000000012345"
TEMPLATE_TEXT = "Your OTP for {#var#} is {#var#}. Valid for 5 minutes."


def unique_id(prefix="tenant"):
    return "%s_%d_%d" % (prefix, os.getpid() % 10000, next(_counter))


def unique_phone():
    """A fresh valid Indian mobile number, +91 then 10 digits starting with 9."""
    return "+919%09d" % ((os.getpid() % 1000) * 100000 + next(_counter))


def tenant_body(tid=None, **over):
    body = {"id": unique_id() if tid is None else tid, "name": "Alpha Retail", "sender_header": "ALPHAR",
            "pe_id": "1101234567890123456", "price_paise": 25,
            "billing": {"mode": "prepaid", "credit_limit_paise": 0, "monthly_cap_sms": 0},
            "otp": {"length": 6, "ttl_sec": 300, "max_attempts": 5}}
    for k, v in over.items():
        if v is None:
            body.pop(k, None)
        elif isinstance(v, dict) and isinstance(body.get(k), dict):
            body[k] = dict(body[k], **v)
        else:
            body[k] = v
    return body


def template_body(**over):
    body = {"name": "login", "dlt_template_id": DLT_TEMPLATE_ID, "body": TEMPLATE_TEXT,
            "vars": ["appName", "otp"], "default": True}
    body.update(over)
    return body


def stack(extra=(), gw_key=None, **kw):
    """A fake gateway plus an otpgate sending to it."""
    gw = Gateway(key=gw_key)
    og = Otpgate(gateway=gw, extra=extra, **kw)
    return gw, og


def local_month(offset_min=330, now=None):
    """(YYYY-MM, first day, first day of next month) in the billing offset."""
    import datetime as dt
    t = dt.datetime.fromtimestamp(now or time.time(), dt.timezone(dt.timedelta(minutes=offset_min)))
    first = t.date().replace(day=1)
    nxt = (first.replace(year=first.year + 1, month=1) if first.month == 12
           else first.replace(month=first.month + 1))
    return first.strftime("%Y-%m"), first.isoformat(), nxt.isoformat()


PHONE_RE = re.compile(r"\+91[6-9]\d{9}")


# ------------------------------------------------------ both backends ----
# tests/CMakeLists.txt registers every integration test twice: integration/X
# on SQLite and integration_pg/X with OG_TEST_BACKEND=postgres, where every
# Otpgate gets a fresh database on the server at OTPGATE_TEST_PG_URL (made
# with the psql CLI, since Python's standard library has no PostgreSQL
# client), dropped when the case ends. Tests that read the database
# directly use db_rows / db_exec / db_raw, which speak to either backend.

BACKEND = os.environ.get("OG_TEST_BACKEND", "sqlite")
PG_URL = os.environ.get("OTPGATE_TEST_PG_URL", "")
PSQL_BIN = os.environ.get("PSQL_BIN", "psql")
PG_DUMP_BIN = os.environ.get("PG_DUMP_BIN", "pg_dump")


def pg_backend():
    """True when this run's Otpgate servers use PostgreSQL."""
    if BACKEND == "postgres" and not PG_URL:
        raise AssertionError("OG_TEST_BACKEND=postgres needs OTPGATE_TEST_PG_URL")
    return BACKEND == "postgres"


def pg_url_with_db(url, dbname):
    """url with its database name replaced by dbname."""
    base, sep, query = url.partition("?")
    head, _, _ = base.rpartition("/")
    return head + "/" + dbname + (sep + query if sep else "")


def psql(url, sql, timeout=60):
    """Runs sql through psql against url; returns stdout (unaligned, tuples only)."""
    r = subprocess.run([PSQL_BIN, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url,
                        "-c", sql], capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise DbError(r.stderr.strip() or "psql exited %d" % r.returncode)
    return r.stdout


class DbError(Exception):
    """A statement the database refused (sqlite3.DatabaseError or a psql error)."""


class _PgDatabase:
    """A fresh database on the test server, dropped at cleanup (after the
    servers using it, which were started later and so are stopped first)."""

    def __init__(self, prefix):
        self.name = "%s_%d_%d_%d" % (prefix, os.getpid(), int(time.time() * 1000) % 10**8,
                                     next(_counter))
        psql(pg_url_with_db(PG_URL, "postgres"), 'CREATE DATABASE "%s"' % self.name)
        self.url = pg_url_with_db(PG_URL, self.name)

    def close(self):
        if os.environ.get("OG_KEEP_TMP"):
            return None
        psql(pg_url_with_db(PG_URL, "postgres"),
             'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % self.name)
        return None


def pg_database(prefix="og_it"):
    """The URL of a fresh PostgreSQL database, dropped when the case ends."""
    return _track(_PgDatabase(prefix)).url


def db_for(dirpath, name="otpgate.db"):
    """A fresh database for one otpgate: a file in dirpath, or a new PG database."""
    if pg_backend():
        return pg_database()
    return os.path.join(dirpath, name)


def _db_url(db):
    return db.db if hasattr(db, "db") else db


def _sql_literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, bytes):
        return "'\\x%s'::bytea" % v.hex()
    return "'" + str(v).replace("'", "''") + "'"


def _pg_bind(sql, args):
    """Replaces each ? in sql (outside quotes) by the next argument as a literal."""
    out, args, quoted = [], list(args), False
    for ch in sql:
        if ch == "'":
            quoted = not quoted
        if ch == "?" and not quoted:
            ok(args, "more ? than arguments in %r" % sql)
            out.append(_sql_literal(args.pop(0)))
        else:
            out.append(ch)
    ok(not args, "more arguments than ? in %r" % sql)
    return "".join(out)


def db_rows(db, sql, args=()):
    """Rows of a query as tuples, on either backend; db is an Otpgate or a db path/URL.

    The SQL is written for SQLite with ? placeholders; on PostgreSQL each row
    comes back through JSON, so integers are ints and numerics are numbers."""
    url = _db_url(db)
    if "://" in url:
        wrapped = ("SELECT COALESCE(json_agg(row_to_json(q)), '[]'::json) FROM (%s) q"
                   % _pg_bind(sql.rstrip().rstrip(";"), args))
        text = psql(url, wrapped).strip()
        rows = json.loads(text or "[]", object_pairs_hook=lambda pairs: tuple(v for _, v in pairs))
        return [tuple(r) for r in rows]
    import sqlite3
    con = sqlite3.connect("file:%s?mode=ro" % url, uri=True, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def db_exec(db, sql):
    """Runs one writing statement; raises DbError with the database's message if refused."""
    url = _db_url(db)
    if "://" in url:
        psql(url, sql)
        return
    import sqlite3
    con = sqlite3.connect(url, timeout=10)
    try:
        con.execute(sql)
        con.commit()
    except sqlite3.DatabaseError as e:
        raise DbError(str(e))
    finally:
        con.close()


def db_tables(db):
    """The names of the tables and views in the database."""
    url = _db_url(db)
    if "://" in url:
        return {n for (n,) in db_rows(url, "SELECT table_name FROM information_schema.tables"
                                           " WHERE table_schema = 'public'")}
    return {n for (n,) in db_rows(url, "SELECT name FROM sqlite_master")}


def db_exists(db):
    """True if the database exists (the file, or the PostgreSQL database)."""
    url = _db_url(db)
    if "://" in url:
        name = url.partition("?")[0].rpartition("/")[2]
        return bool(db_rows(pg_url_with_db(url, "postgres"),
                            "SELECT 1 FROM pg_database WHERE datname = ?", (name,)))
    return os.path.exists(url)


def db_raw(db):
    """Everything the database stores, as bytes, to grep for secrets: the
    SQLite file and its WAL, or a pg_dump of the data with every bytea also
    decoded, so a value stored in the clear inside a blob is found too."""
    url = _db_url(db)
    if "://" not in url:
        raw = b""
        for suffix in ("", "-wal"):
            if os.path.exists(url + suffix):
                with open(url + suffix, "rb") as f:
                    raw += f.read()
        return raw
    r = subprocess.run([PG_DUMP_BIN, "--data-only", "-d", url], capture_output=True,
                       timeout=120, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise DbError(r.stderr.decode("utf-8", "replace").strip())
    raw = r.stdout
    decoded = [bytes.fromhex(m.group(1).decode()) for m in
               re.finditer(rb"\\x([0-9a-f]+)", raw) if len(m.group(1)) % 2 == 0]
    return raw + b"\n" + b"\n".join(decoded)


def another_node(og, gateway=None, extra=None):
    """Another otpgate node serving og's database with og's secret file (so
    both read each other's hashes and seals), in a directory of its own."""
    n = Otpgate.__new__(Otpgate)
    n.dir = tempdir("og_node_")
    n.db, n.secret = og.db, og.secret
    n.sms_log = os.path.join(n.dir, "sms.log")
    n.gateway = gateway if gateway is not None else og.gateway
    n.provider, n.provider_key = og.provider, og.provider_key
    n.extra = list(og.extra if extra is None else extra)
    n.env, n.runs, n.proc, n._admin = og.env, 0, None, og._admin
    n.start()
    return n
