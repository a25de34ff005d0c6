"""otpgate's benchmark (docs/PERFORMANCE.md): every scenario is measured in
the same run as its baseline, with the same wrk settings, on loopback.

  1 send     POST /v1/otp/send                 vs nginx `return 200`
  2 verify   POST /v1/otp/verify               vs nginx `return 200`
  3 e2e      messages accepted by the upstream per second (fakegw)
                                               vs Kannel sendsms -> fakesmsc
  4 growth   send with 1 tenant / 10k tenants; 10k / 5M ledger rows
  5 invoice  GET /v1/invoices/YYYY-MM over 5M ledger rows (and the RSS check:
             10k tenants, 100k pending OTPs)

Scenarios 1-3 run on every --db backend (SQLite and a durable PostgreSQL
server of the run's own by default), 4 and 5 on those that can make a
database with history (SQLite). bench/run.sh builds the release binary and
installs wrk, nginx and Kannel, then runs this; see `python3 bench/bench.py
--help`.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from backends import make_backend  # noqa: E402
from benchlib import (KANNEL_PASS, KANNEL_USER, Fakegw, Kannel, Nginx, Otpgate,  # noqa: E402
                      WRK_TIMEOUT, WrkBackground, expect, http_call, log, stop_all, wrk)
import report  # noqa: E402

SCENARIOS = ("send", "verify", "e2e", "growth", "invoice")
PHONE_BLOCK = 2_000_000     # phone numbers reserved per wrk run (per thread)
PRESEND_CODE = "123456"     # the code verify.lua's requests were created with
WRONG_CODE = "654321"       # the code it sends: wrong, so every check is a write
VERIFY_ATTEMPTS = 10        # the tenant's max_attempts (the most otpgate allows)
SEND_TENANTS = 64           # scenario 1s spreads the send load over this many tenants
SEND_TENANT_PREFIX = "bs_"  # their ids: bs_00000, bs_00001, ...
DRAIN_MAX_S = 30            # how long scenario 3 watches the backlog drain
INVOICE_SAMPLES = 5         # single timed invoice requests before the wrk run
PRESEND_MAX_S = 60          # the longest scenario 2 spends making its pending requests
PRESEND_MIN = 500           # fewer pending requests per wrk thread than this is a failure
SETTLE_MAX_S = 15           # how long the sends wrk left in flight may take to finish

# The abuse defences stay on, with their checks and bookkeeping, but one
# benchmark tenant sends far more than a tenant may by default, so these
# limits are raised to their maxima; sends go to distinct numbers in
# distinct prefixes from distinct client_ips (bench/lua/common.lua), so the
# per-phone, per-prefix and per-IP limits keep their defaults and are never
# reached. The pumping detector is off: synthetic traffic never verifies
# (or verifies wrong codes), which is exactly what it blocks. Applied only
# when `otpgate help` lists the flag.
LIMIT_FLAGS = {
    "--limit-tenant-rps": "100000",
    "--limit-tenant-daily": "1000000000",
    "--pumping-min-conversion-pct": "0",
}
# Scenario 2 makes its pending requests through the gateway-compatible
# endpoint, which has no client_ip field, so they all come from 127.0.0.1.
VERIFY_FLAGS = {"--limit-per-ip-count": "0"}


class Ctx:
    """What every scenario needs: options, binaries, the run directory,
    the nginx baseline, and a counter handing out phone-number blocks."""

    def __init__(self, a, work):
        self.a, self.work = a, work
        self.otpgate = os.path.join(a.build, "otpgate")
        self.fakegw = os.path.join(a.build, "fakegw")
        self.secret = os.path.join(work, "otpgate.secret")
        self.nginx = None
        self._block = 0
        self.extra = serve_flags(self.otpgate) + a.otpgate_arg

    def base(self):
        self._block += 1
        return self._block * PHONE_BLOCK

    def wrk(self, port, script, args, label, duration=None, threads=None, conns=None):
        r = wrk(port, script, args, duration or self.a.duration, threads or self.a.threads,
                conns or self.a.connections, self.work, label)
        log("%-28s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  non-2xx %d  errors %d" % (
            label, r["rps"], r["p50_ms"], r["p99_ms"], r["non2xx"], r["errors"]))
        return r

    def server(self, name, db, extra=(), secret=None, **kw):
        return Otpgate(self.otpgate, self.work, name, db, secret or self.secret,
                       extra=self.extra + list(extra), **kw)


def serve_flags(binary, table=None):
    """The flags of table (LIMIT_FLAGS) that this otpgate has, as arguments."""
    text = subprocess.run([binary, "help"], capture_output=True, text=True).stdout
    flags = []
    for flag, value in (table or LIMIT_FLAGS).items():
        if flag + " " in text:
            flags += [flag, value]
    return flags


def row(scenario, measure, subject, r, rss_kib, base_name=None, base=None, ratio=None,
        target=None, met=None, note=""):
    return {"scenario": scenario, "measure": measure, "subject": subject, "rps": r["rps"],
            "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"], "non2xx": r["non2xx"],
            "errors": r["errors"], "rss_mib": rss_kib / 1024.0 if rss_kib else None,
            "baseline": base_name, "base_rps": base["rps"] if base else None,
            "base_p50_ms": base["p50_ms"] if base else None,
            "base_p99_ms": base["p99_ms"] if base else None,
            "base_rss_mib": base.get("rss_kib", 0) / 1024.0 if base else None,
            "ratio": ratio, "target": target, "met": met, "note": note}


def ratio_of(a, b):
    return a / b if b else 0.0


# ------------------------------------------------------------ scenarios ----

def sc_send(ctx, be):
    og = ctx.server("send-" + be.name, be.fresh("send"))
    key = og.setup_tenant("bench_send")
    base = ctx.wrk(ctx.nginx.port, "send.lua", {"key": key, "base": ctx.base()}, "nginx-send")
    base["rss_kib"] = ctx.nginx.proc.peak_rss_kib()
    r = ctx.wrk(og.port, "send.lua", {"key": key, "base": ctx.base()}, "send-" + be.name)
    rss = og.proc.peak_rss_kib()
    rows = be.scalar(og.db_url, "SELECT count(*) FROM otp_requests")
    # The same load spread over SEND_TENANTS tenants through a send key:
    # one tenant's sends serialise on its wallet and its rate-limit
    # buckets (exact money across nodes), different tenants' do not.
    for i in range(SEND_TENANTS):
        og.setup_tenant("%s%05d" % (SEND_TENANT_PREFIX, i))
    spread = ctx.wrk(og.port, "send.lua", {"key": og.send_key(), "base": ctx.base(),
                                           "tenants": SEND_TENANTS,
                                           "prefix": SEND_TENANT_PREFIX},
                     "send-spread-" + be.name)
    rss = max(rss, og.proc.peak_rss_kib())
    og.stop()
    q = ratio_of(r["rps"], base["rps"])
    qs = ratio_of(spread["rps"], base["rps"])
    return [row("1", "POST /v1/otp/send (%s)" % be.name, "otpgate", r, rss,
                "nginx return 200", base, q, ">= 0.4x", q >= 0.4,
                "one tenant; %d requests stored for %d answered 202" % (
                    rows, r["requests"] - r["non2xx"])),
            row("1s", "POST /v1/otp/send, %d tenants (%s)" % (SEND_TENANTS, be.name),
                "otpgate", spread, rss, "nginx return 200", base, qs, ">= 0.4x", qs >= 0.4,
                "the load spread over %d tenants (send key)" % SEND_TENANTS)]


def sc_verify(ctx, be):
    og = ctx.server("verify-" + be.name, be.fresh("verify"),
                    extra=serve_flags(ctx.otpgate, VERIFY_FLAGS))
    key = og.setup_tenant("bench_verify", max_attempts=VERIFY_ATTEMPTS)
    per_thread = max(2000, 1000 * ctx.a.duration)
    vbase = ctx.base()
    want = ctx.a.threads * per_thread
    w = WrkBackground(og.port, "presend.lua", {"key": key, "base": vbase,
                                               "per_thread": per_thread, "code": PRESEND_CODE},
                      PRESEND_MAX_S, ctx.a.threads, ctx.a.connections, ctx.work, "verify-presend")
    t0 = time.monotonic()
    while og.answered("/otp/send", 201) < want and time.monotonic() < t0 + PRESEND_MAX_S:
        time.sleep(0.2)
    took = time.monotonic() - t0
    w.interrupt()
    pre = w.result()
    made = settle(og)
    log("verify: %d pending requests made (%.0f/s), per thread %s" % (
        made, pre["rps"], pre["created"]))
    # Verify only phones every thread has reached: a backend that sends
    # slowly (one tenant's sends queue on its row lock) is cut short, and
    # serves the threads unevenly.
    reached = min(pre["created"] or [0])
    short = reached < per_thread
    if short:
        if reached < PRESEND_MIN:
            raise RuntimeError("creating pending requests failed: %s of %d per thread in %.0f s,"
                               " %s" % (pre["created"], per_thread, took, pre))
        per_thread = reached
        log("verify: verifying phones 0..%d of each thread's block" % (per_thread - 1))
    args = {"key": key, "base": vbase, "per_thread": per_thread, "code": WRONG_CODE}
    base = ctx.wrk(ctx.nginx.port, "verify.lua", args, "nginx-verify")
    base["rss_kib"] = ctx.nginx.proc.peak_rss_kib()
    r = ctx.wrk(og.port, "verify.lua", args, "verify-" + be.name)
    rss = og.proc.peak_rss_kib()
    og.stop()
    q = ratio_of(r["rps"], base["rps"])
    note = ("wrong code against %d pending requests (max_attempts %d): every verify "
            "counts an attempt in a write transaction" % (ctx.a.threads * per_thread,
                                                          VERIFY_ATTEMPTS))
    if short:
        note += "; made at %.0f/s for %.0f s, the slowest wrk thread's %d each" % (
            pre["rps"], took, per_thread)
    if pre["errors"]:
        note += "; wrk counted %d socket errors (timeouts: answers after %s) making them" % (
            pre["errors"], WRK_TIMEOUT)
    if r["non2xx"]:
        note += "; %d answers were not 2xx (pool ran dry?)" % r["non2xx"]
    return [row("2", "POST /v1/otp/verify (%s)" % be.name, "otpgate", r, rss,
                "nginx return 200", base, q, ">= 0.6x", q >= 0.6, note)]


def settle(og):
    """The sends answered once those wrk left in flight have finished."""
    last, deadline = -1, time.monotonic() + SETTLE_MAX_S
    while time.monotonic() < deadline:
        n = og.answered("/otp/send", 201)
        if n == last:
            return n
        last = n
        time.sleep(0.5)
    return last


def sc_e2e(ctx, be):
    gw = Fakegw(ctx.fakegw, ctx.work)
    og = ctx.server("e2e-" + be.name, be.fresh("e2e"), gateway_url=gw.url)
    key = og.setup_tenant("bench_e2e")
    s0, t0 = og.sent(), time.monotonic()
    w = WrkBackground(og.port, "send.lua", {"key": key, "base": ctx.base()}, ctx.a.duration,
                      ctx.a.threads, ctx.a.connections, ctx.work, "e2e-" + be.name)
    r = w.result()
    s1, t1 = og.sent(), time.monotonic()
    delivered = (s1 - s0) / (t1 - t0)
    accepted = r["requests"] - r["non2xx"]
    # With the load gone, the dispatcher alone drains what is left.
    backlog = max(0, accepted - (s1 - s0))
    d0 = time.monotonic()
    while og.sent() - s0 < accepted and time.monotonic() - d0 < DRAIN_MAX_S:
        time.sleep(0.2)
    drained, d1 = og.sent() - s1, time.monotonic()
    rss = og.proc.peak_rss_kib()
    og.stop()
    gw.stop()
    log("e2e-%s: %.0f delivered/s under load; backlog %d, drained %d in %.1f s" % (
        be.name, delivered, backlog, drained, d1 - d0))

    k = Kannel(ctx.work)
    c0, t0 = k.received(), time.monotonic()
    kr = ctx.wrk(k.port, "sendsms.lua", {"user": KANNEL_USER, "pass": KANNEL_PASS,
                                         "base": ctx.base()}, "kannel-sendsms")
    c1, t1 = k.received(), time.monotonic()
    kannel = (c1 - c0) / (t1 - t0)
    kr["rss_kib"] = k.peak_rss_kib()
    k.stop()
    log("kannel: %.0f delivered/s (%d accepted/s)" % (kannel, kr["rps"]))
    q = ratio_of(delivered, kannel)
    mine = dict(r, rps=delivered)
    theirs = dict(kr, rps=kannel)
    note = ("messages/s accepted upstream (otpgate_sms_total sent) while wrk sent %.0f/s; "
            "p50/p99 are of the sends. Kannel: messages fakesmsc printed per second, "
            "p50/p99 of sendsms" % r["rps"])
    if backlog:
        note += "; backlog after the window %d, then %.0f/s with no load" % (
            backlog, drained / (d1 - d0) if d1 > d0 else 0)
    return [row("3", "delivered messages/s (%s)" % be.name, "otpgate + fakegw", mine, rss,
                "Kannel sendsms -> fakesmsc", theirs, q, ">= 1.5x", q >= 1.5, note)]


def growth_run(ctx, be, label, tenants, ledger_rows, pending=0, then=None):
    db, info = be.populated("growth-%d-%d" % (tenants, ledger_rows), tenants, ledger_rows,
                            pending)
    og = ctx.server("growth-%s-%s" % (be.name, label), db, secret=info["secret"])
    key = og.send_key()
    expect(http_call(og.port, "POST", "/v1/otp/send",
                     {"tenant_id": info["prefix"] + "00000", "phone": "+919999999999"}, key),
           202, "a send to a generated tenant")
    r = ctx.wrk(og.port, "send.lua", {"key": key, "base": ctx.base(), "tenants": tenants,
                                      "prefix": info["prefix"]}, "growth-" + label)
    extra = then(og, info) if then else []
    r["rss_kib"] = og.proc.peak_rss_kib()
    r["pending"] = be.scalar(db, "SELECT count(*) FROM otp_requests WHERE status = 'pending'")
    r["info"] = info
    og.stop()
    return r, extra


def sc_growth(ctx, be):
    g1, _ = growth_run(ctx, be, "1t-10k", 1, 10_000)
    g2, _ = growth_run(ctx, be, "10kt-10k", 10_000, 10_000)
    want_invoice = "invoice" in ctx.scenarios
    g3, inv = growth_run(ctx, be, "10kt-5M", 10_000, ctx.a.big_rows, 100_000,
                         then=lambda og, info: sc_invoice(ctx, be, og, info)
                         if want_invoice else [])
    qt = ratio_of(g2["rps"], g1["rps"])
    qr = ratio_of(g3["rps"], g2["rps"])
    rows = [
        row("4a", "send, 1 tenant, 10k ledger rows (%s)" % be.name, "otpgate", g1,
            g1["rss_kib"], note="the reference for 4b"),
        row("4b", "send, 10k tenants, 10k ledger rows", "otpgate", g2, g2["rss_kib"],
            "4a", g1, qt, "(none)", None, "load spread over all tenants (send key)"),
        row("4c", "send, 10k tenants, %s ledger rows" % _count(g3["info"]["ledger_rows"]),
            "otpgate", g3, g3["rss_kib"], "4b", g2, qr, ">= 0.8x", qr >= 0.8),
    ]
    rss_mib = g3["rss_kib"] / 1024.0
    rows.append({"scenario": "RSS", "measure": "peak RSS, 10k tenants, %d pending OTPs" %
                 g3["pending"], "subject": "otpgate", "rps": None, "p50_ms": None,
                 "p99_ms": None, "non2xx": 0, "errors": 0, "rss_mib": rss_mib,
                 "baseline": None, "base_rps": None, "base_p50_ms": None, "base_p99_ms": None,
                 "base_rss_mib": None, "ratio": None, "target": "<= 200 MiB",
                 "met": rss_mib <= 200 and g3["pending"] >= 100_000,
                 "note": "VmHWM of the 4c server, after its send load and the invoices"})
    return rows + inv


def sc_invoice(ctx, be, og, info):
    path = "/v1/invoices/%s" % info["month"]
    single = []
    for _ in range(INVOICE_SAMPLES):
        t = time.monotonic()
        body = expect(og.call("GET", path), 200, "invoice")
        single.append((time.monotonic() - t) * 1000)
    r = ctx.wrk(og.port, "get.lua", {"path": path, "key": og.admin}, "invoice",
                duration=max(3, ctx.a.duration // 2), threads=1, conns=1)
    lines = len(body.get("lines", body.get("tenants", []))) if isinstance(body, dict) else 0
    met = r["p99_ms"] <= 100
    return [row("5", "GET /v1/invoices/%s over %s ledger rows" % (
        info["month"], _count(info["ledger_rows"])), "otpgate", r, None, target="<= 100 ms",
        met=met, note="one client, back to back; %d tenants on the invoice; first requests "
        "took %s ms" % (lines, ", ".join("%.0f" % s for s in single)))]


def _count(n):
    return "%gM" % (n / 1e6) if n >= 1_000_000 else "%gk" % (n / 1e3)


RUNNERS = {"send": sc_send, "verify": sc_verify, "e2e": sc_e2e, "growth": sc_growth}
NEED_HISTORY = ("growth", "invoice")  # need a backend with populated()


def run_backend(ctx, be, scenarios):
    """Every chosen scenario on one backend, in SCENARIOS' order."""
    rows = []
    for name in SCENARIOS:
        if name not in scenarios or name not in RUNNERS:
            continue
        if name in NEED_HISTORY and not hasattr(be, "populated"):
            rows.append(row("4, 5, RSS", "(%s) not run" % be.name, "otpgate",
                            {"rps": None, "p50_ms": None, "p99_ms": None, "non2xx": 0,
                             "errors": 0}, None,
                            note="the %s backend has no database with history "
                            "(gen_db.py writes SQLite only)" % be.name))
            continue
        log("scenario %s on %s" % (name, be.name))
        rows += RUNNERS[name](ctx, be)
    for r in rows:
        if r["rss_mib"] is not None and getattr(be, "rss_note", ""):
            r["note"] = "; ".join(x for x in (r["note"], be.rss_note) if x)
    return rows


def main():
    ap = argparse.ArgumentParser(description="otpgate benchmark (see docs/PERFORMANCE.md)")
    ap.add_argument("--build", default="build-release", help="where otpgate and fakegw are")
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run [10]")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads [2]")
    ap.add_argument("--connections", type=int, default=64, help="wrk connections [64]")
    ap.add_argument("--db", default="sqlite,postgres",
                    help="comma-separated backends to measure: sqlite; postgres (a durable "
                    "server started for the run); or postgres://USER@HOST:PORT/DB, an "
                    "existing server [sqlite,postgres]")
    ap.add_argument("--only", default=",".join(SCENARIOS),
                    help="comma-separated scenarios: %s" % ",".join(SCENARIOS))
    ap.add_argument("--big-rows", type=int, default=5_000_000,
                    help="ledger rows of the large database [5000000]")
    ap.add_argument("--otpgate-arg", action="append", default=[],
                    help="an extra argument for otpgate serve (repeatable)")
    ap.add_argument("--out", default=None, help="results directory [BUILD/bench]")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    a = ap.parse_args()
    a.build = os.path.abspath(a.build)
    scenarios = [s for s in a.only.split(",") if s]
    bad = [s for s in scenarios if s not in SCENARIOS]
    if bad:
        ap.error("unknown scenario %s" % ",".join(bad))
    if "invoice" in scenarios and "growth" not in scenarios:
        scenarios.append("growth")  # the invoice runs on the growth's large database
    out = a.out or os.path.join(a.build, "bench")
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="og_bench_")
    os.chmod(work, 0o755)  # nginx workers run as nobody
    ctx = Ctx(a, work)
    ctx.scenarios = scenarios
    results, started, load_before = [], time.monotonic(), report.loadavg()
    backends = [make_backend(s, ctx.otpgate, work, os.path.join(a.build, "bench-cache"))
                for s in a.db.split(",") if s]
    log("run directory %s" % work)
    # A kill runs the cleanup below as Ctrl-C does: no server outlives the run.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        ctx.nginx = Nginx(work)
        for be in backends:
            results += run_backend(ctx, be, scenarios)
    finally:
        stop_all()  # otpgate first: it holds connections to a database server
        for be in backends:
            try:
                be.close()
            except Exception as e:  # the other backends still close
                log("closing %s: %s" % (be.name, e))
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    took = time.monotonic() - started
    env = report.machine(a, [be.describe() for be in backends], took, load_before)
    text = report.markdown(results, env)
    print(text)
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"machine": env, "results": results}, f, indent=1)
    log("wrote %s/report.md and results.json (%.0f s)" % (out, took))
    return 0


if __name__ == "__main__":
    sys.exit(main())
