"""HTTP behaviour and operations: keep-alive (also across error answers),
/healthz, /metrics, JSON logs with nothing secret or personal in them, and
the log provider's SMS lines."""

import http.client
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (DLT_TEMPLATE_ID, HOST, PHONE_RE, PROVIDER_KEY, Otpgate, case, eq,  # noqa
                     expect, http_call, main, ok, stack, unique_phone, wait_until)


def same_socket_calls(og, calls):
    """Runs calls on one connection; asserts the socket is never replaced."""
    conn = http.client.HTTPConnection(HOST, og.port, timeout=15)
    conn.connect()
    sock, local = conn.sock, conn.sock.getsockname()
    out = []
    try:
        for i, (method, path, body, key) in enumerate(calls):
            st, hdrs, resp = http_call(og.port, method, path, body, key, conn=conn)
            ok(hdrs.get("connection", "").lower() != "close",
               "request %d (%s %s -> %d) answered Connection: close" % (i, method, path, st))
            ok(conn.sock is sock and conn.sock.getsockname() == local,
               "request %d (%s %s -> %d) needed a new connection" % (i, method, path, st))
            out.append((st, resp))
    finally:
        conn.close()
    return out


@case
def keep_alive_50_requests():
    gw, og = stack()
    t = og.setup_tenant()
    calls = []
    for i in range(25):
        calls.append(("GET", "/healthz", None, None))
        calls.append(("POST", "/v1/otp/send", {"phone": unique_phone()}, t.key))
    res = same_socket_calls(og, calls)
    eq([st for st, _ in res], [200, 202] * 25, "statuses on one connection")


@case
def keep_alive_across_errors():
    gw, og = stack()
    t = og.setup_tenant()
    calls = [
        ("POST", "/v1/otp/send", {"phone": unique_phone()}, "wrong-key"),      # 401
        ("POST", "/v1/otp/send", {"phone": "+915555555555"}, t.key),           # 422
        ("POST", "/v1/otp/send", {"phone": unique_phone(), "x": 1}, t.key),    # 400
        ("POST", "/v1/tenants", {"id": "abc_def"}, t.key),                     # 403
        ("GET", "/v1/otp/otp_missing", None, t.key),                           # 404
        ("POST", "/v1/otp/send", "{broken", t.key),                            # 400
        ("POST", "/v1/otp/send", {"phone": unique_phone()}, t.key),            # 202
    ] * 3
    res = same_socket_calls(og, calls)
    eq([st for st, _ in res], [401, 422, 400, 403, 404, 400, 202] * 3, "statuses")


def chunked_post(og, path, data, key):
    conn = http.client.HTTPConnection(HOST, og.port, timeout=15)
    try:
        pieces = (data[i:i + 4096] for i in range(0, len(data), 4096))
        conn.request("POST", path, body=pieces, encode_chunked=True,
                     headers={"Content-Type": "application/json", "X-API-Key": key,
                              "Transfer-Encoding": "chunked"})
        r = conn.getresponse()
        raw = r.read()
        return r.status, json.loads(raw or b"null")
    finally:
        conn.close()


@case
def chunked_bodies():
    gw, og = stack()
    t = og.setup_tenant()
    body = json.dumps({"phone": unique_phone()}).encode()
    st, resp = chunked_post(og, "/v1/otp/send", body, t.key)
    eq(st, 202, "chunked send (%r)" % (resp,))
    big = json.dumps({"phone": unique_phone()}).encode() + b" " * (70 * 1024)
    st, resp = chunked_post(og, "/v1/otp/send", big, t.key)
    eq((st, resp["error"]["code"]), (413, "payload_too_large"), "chunked body over 64 KiB")
    expect(og.call("GET", "/healthz"), 200)


@case
def healthz_and_unknown_route():
    gw, og = stack()
    st, _, body = og.call("GET", "/healthz")
    eq(st, 200, "healthz")
    expect(og.call("GET", "/v1/nothing-here", key=og.admin), 404, "not_found")


def metric_lines(text, name_re):
    return [ln for ln in text.splitlines() if ln and not ln.startswith("#") and
            re.match(name_re, ln)]


@case
def metrics():
    gw, og = stack()
    t = og.setup_tenant()
    gw.control("5xx", count=1)
    p = unique_phone()
    r = t.send_ok(p)
    og.wait_message(r["message_id"], timeout=20)
    expect(t.send("+915555555555"), 422)
    st, hdrs, text = og.call("GET", "/metrics")
    eq(st, 200, "metrics status")
    ok("text/plain" in hdrs.get("content-type", ""), "content type %r" % hdrs.get("content-type"))
    reqs = metric_lines(text, r"otpgate_http_requests_total\{")
    ok(reqs, "otpgate_http_requests_total present")
    ok(any('status="202"' in ln for ln in reqs) and any('status="422"' in ln for ln in reqs),
       "requests by status: %r" % reqs[:10])
    ok(all("route=" in ln for ln in reqs), "requests by route: %r" % reqs[:5])
    for ln in reqs:  # routes are templates, not raw paths carrying ids
        ok(r["request_id"] not in ln and r["message_id"] not in ln, "id in a route label: %r" % ln)
    buckets = [ln for ln in metric_lines(text, r"otpgate_\w*send\w*_bucket\{")]
    ok(buckets and any('le="+Inf"' in ln for ln in buckets), "send latency histogram buckets")
    ok(metric_lines(text, r"otpgate_\w*send\w*_(sum|count)"), "histogram _sum/_count")
    ok(metric_lines(text, r"otpgate_\w*outbox\w*(\{| )"), "outbox depth gauge")
    # Everything was delivered: nothing is waiting, so the wait gauge is 0.
    eq(metric_lines(text, r"otpgate_outbox_oldest_wait_seconds "),
       ["otpgate_outbox_oldest_wait_seconds 0"], "outbox wait gauge")
    errs = metric_lines(text, r"otpgate_\w*upstream\w*error\w*\{")
    ok(any('provider="startmessaging"' in ln for ln in errs),
       "upstream errors by provider: %r" % errs)
    sms = metric_lines(text, r"otpgate_\w*sms\w*\{")
    ok(any("outcome=" in ln for ln in sms), "SMS by outcome: %r" % sms)
    for ln in metric_lines(text, r"otpgate_"):
        ok(re.fullmatch(r'[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+0-9.eEInfNa]+( \d+)?', ln),
           "Prometheus sample line: %r" % ln)
    ok(p not in text and p[1:] not in text, "phone number in metrics")


@case
def logs_are_json_and_clean():
    gw, og = stack()
    secret_upstream = "sm_live_tenant_secret_998877"
    t = og.setup_tenant(otp={"length": 10},
                        upstream={"provider": "startmessaging", "url": gw.url,
                                  "api_key": secret_upstream})
    codes, phones = [], []
    for _ in range(3):
        p = unique_phone()
        phones.append(p)
        r = t.send_ok(p)
        code = gw.code_for(p)
        codes.append(code)
        t.verify(r["request_id"], "0000000000" if code != "0000000000" else "1111111111")
        t.verify(r["request_id"], code)
    expect(t.send("+915555555555"), 422)
    expect(og.call("GET", "/v1/tenants", key="not-a-real-key-123456789"), 401)
    p = unique_phone()
    phones.append(p)
    og.call("POST", "/otp/send", {"phoneNumber": p, "templateId": DLT_TEMPLATE_ID,
                                  "variables": {"otp": "8264019375"}}, t.key)
    codes.append("8264019375")
    gw.wait_sends(p)  # settled before the 4xx below, which must hit the next send
    gw.control("4xx", count=1)
    p = unique_phone()
    phones.append(p)
    r = t.send_ok(p)
    og.wait_message(r["message_id"], "failed")
    og.stop()
    log = og.all_stderr()
    lines = [ln for ln in log.splitlines() if ln.strip()]
    ok(lines, "some log lines on stderr")
    for ln in lines:
        try:
            obj = json.loads(ln)
        except ValueError:
            raise AssertionError("stderr line is not JSON: %r" % ln[:200])
        ok(isinstance(obj, dict), "log line is an object: %r" % ln[:200])
    m = PHONE_RE.search(log)
    ok(m is None, "unmasked phone in logs: %r" % (m and log[max(0, m.start() - 80):m.end() + 20]))
    for c in codes:
        ok(c not in log, "OTP code %s in logs" % c)
    for k in (og.admin, t.key, PROVIDER_KEY, secret_upstream, "not-a-real-key-123456789"):
        ok(k not in log, "key %s... in logs" % k[:12])
    ok(og.admin[-12:] not in log and t.key[-12:] not in log, "key tail in logs")


@case
def log_provider_sms_lines():
    og = Otpgate(provider="log")
    t = og.setup_tenant(name="Alpha Retail", sender_header="ALPHAR")
    phones = [unique_phone(), unique_phone()]
    msgs = [t.send_ok(p)["message_id"] for p in phones]
    for mid in msgs:
        m = og.wait_message(mid)
        eq(m["provider"], "log", "provider")

    def lines():
        try:
            with open(og.sms_log) as f:
                return [ln for ln in f.read().splitlines() if ln.strip()]
        except OSError:
            return []
    got = wait_until(lambda: (lambda x: x if len(x) >= 2 else None)(lines()), what="2 SMS lines")
    eq(len(got), 2, "one line per SMS")
    seen = set()
    for ln in got:
        sms = json.loads(ln)
        for f in ("ts", "tenant_id", "to", "sender_header", "pe_id", "dlt_template_id", "text"):
            ok(f in sms, "SMS line has %s: %r" % (f, sms))
        eq((sms["tenant_id"], sms["sender_header"], sms["pe_id"], sms["dlt_template_id"]),
           (t.id, "ALPHAR", "1101234567890123456", DLT_TEMPLATE_ID), "SMS line fields")
        ok(re.fullmatch(r"Your OTP for Alpha Retail is \d{6}\. Valid for 5 minutes\.", sms["text"]),
           "rendered text %r" % sms["text"])
        seen.add(sms["to"][-4:])
    eq(seen, {p[-4:] for p in phones}, "one line per recipient")
    # Template variables other than otp and appName come from the request, in order.
    expect(og.call("POST", "/v1/tenants/%s/templates" % t.id,
                   {"name": "custom", "dlt_template_id": "1107160000000066666",
                    "body": "Use {#var#} to log in to {#var#}, valid {#var#} min",
                    "vars": ["otp", "appName", "minutes"], "default": False}, og.admin), 201)
    m = t.send_ok(unique_phone(), template="custom", variables={"minutes": "7"})
    og.wait_message(m["message_id"])
    got = wait_until(lambda: (lambda x: x if len(x) >= 3 else None)(lines()), what="3rd line")
    ok(re.fullmatch(r"Use \d{6} to log in to Alpha Retail, valid 7 min",
                    json.loads(got[2])["text"]), "custom render: %r" % got[2])
    ok(og.stdout() == "" or "Your OTP" not in og.stdout(), "SMS went to stdout despite --sms-log")


if __name__ == "__main__":
    main()
