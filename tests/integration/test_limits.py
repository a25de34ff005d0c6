"""Layered rate limits, geo permissions and the daily spend cap
(docs/SECURITY.md §8). Each case proves a defence by watching it refuse:
429 rate_limited naming the limit, with Retry-After; no SMS at the gateway
and no charge for a refused send; and the counters still holding after a
restart. The defaults must never refuse a burst of 100 sends to distinct
numbers."""

import os
import random
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Otpgate, case, eq, expect, main, ok, run_cli, stack,  # noqa: E402
                     tempdir, unique_phone, wait_until)

PRICE = 25


def patch(og, tid, body):
    return expect(og.call("PATCH", "/v1/tenants/%s" % tid, body, og.admin), 200,
                  msg="PATCH %s" % body)


def prefix_phones(n, prefix=None):
    """n distinct Indian mobiles sharing one prefix (all but the last 4 digits)."""
    prefix = prefix or "+919%05d" % random.randrange(100000)
    return prefix, ["%s%04d" % (prefix, i) for i in random.sample(range(10000), n)]


def refused(resp, limit, msg):
    """Asserts a 429 rate_limited naming limit, with a sane Retry-After; returns it."""
    st, headers, body = resp
    expect(resp, 429, "rate_limited", msg)
    eq(body["error"].get("limit"), limit, "%s: the limit named" % msg)
    ra = headers.get("retry-after")
    ok(ra is not None and ra.isdigit() and int(ra) >= 1, "%s: Retry-After %r" % (msg, ra))
    return int(ra)


def settled(og, t, accepted):
    """Waits until every hold settled; asserts the charge is accepted sends only."""
    wait_until(lambda: t.wallet()["held_paise"] == 0, what="holds settled")
    w = t.wallet()
    eq(w["balance_paise"], 10000 - accepted * PRICE, "charged for accepted sends only")


@case(timeout=120)
def per_phone_limit_survives_restart():
    gw, og = stack()
    t = og.setup_tenant()
    phone = unique_phone()
    for i in range(5):
        t.send_ok(phone)
    ra = refused(t.send(phone), "per_phone", "6th send in 10 minutes")
    ok(ra <= 600, "Retry-After within the window: %d" % ra)
    gw.wait_sends(phone, 5)
    settled(og, t, 5)
    og.restart()
    refused(t.send(phone), "per_phone", "after a restart")
    t.send_ok(unique_phone())  # other numbers are not affected
    eq(len(gw.sends(phone)), 5, "no SMS for refused sends")
    settled(og, t, 6)
    ok("per_phone" in og.call("GET", "/metrics")[2], "otpgate_rate_limited_total names the limit")


@case(timeout=120)
def per_prefix_limit_survives_restart():
    gw, og = stack()
    t = og.setup_tenant()
    got = patch(og, t.id, {"limits": {"per_prefix": {"count": 3, "window_sec": 3600}}})
    eq(got["limits"]["per_prefix"], {"count": 3, "window_sec": 3600}, "override shown")
    eq(got["limits"]["per_phone"], {"count": 5, "window_sec": 600}, "defaults shown")
    prefix, phones = prefix_phones(5)
    for p in phones[:3]:
        t.send_ok(p)
    refused(t.send(phones[3]), "per_prefix", "4th send to one prefix")
    t.send_ok(unique_phone())
    og.restart()
    refused(t.send(phones[4]), "per_prefix", "after a restart")
    settled(og, t, 4)
    eq(sum(len(gw.sends(p)) for p in phones), 3, "SMS to the prefix")


@case(timeout=150)
def per_ip_limit_and_trusted_proxies():
    gw, og = stack(["--trusted-proxies", "127.0.0.1/32,::1"])
    t = og.setup_tenant()
    patch(og, t.id, {"limits": {"per_ip": {"count": 2, "window_sec": 600}}})
    for _ in range(2):
        t.send_ok(unique_phone(), client_ip="203.0.113.5")
    refused(t.send(unique_phone(), client_ip="203.0.113.5"), "per_ip", "client_ip")
    t.send_ok(unique_phone(), client_ip="203.0.113.6")
    # One IPv6 /64 is one client.
    t.send_ok(unique_phone(), client_ip="2001:db8:7:7::1")
    t.send_ok(unique_phone(), client_ip="2001:db8:7:7::2")
    refused(t.send(unique_phone(), client_ip="2001:db8:7:7::3"), "per_ip", "same /64")
    expect(t.send(unique_phone(), client_ip="not-an-address"), 400, "invalid_request")

    # Through a trusted proxy, X-Forwarded-For names the client, read from the right.
    xff = {"X-Forwarded-For": "198.51.100.7"}
    t.send_ok(unique_phone(), headers=xff)
    expect(t.send(unique_phone(), headers=xff), 202)
    refused(t.send(unique_phone(), headers=xff), "per_ip", "X-Forwarded-For")
    spoof = {"X-Forwarded-For": "198.51.100.7, 198.51.100.99"}
    expect(t.send(unique_phone(), headers=spoof), 202, msg="the right-most address is the client")
    # The address a trusted proxy forwarded is who acted, in the audit trail.
    expect(og.call("PATCH", "/v1/tenants/%s" % t.id, {"name": "Alpha"}, og.admin,
                   headers={"X-Forwarded-For": "192.0.2.44"}), 200)
    trail = expect(og.call("GET", "/v1/audit?tenant_id=%s&limit=1" % t.id, key=og.admin), 200)
    eq(trail["data"][0]["actor"]["ip"], "192.0.2.44", "audit IP through a trusted proxy")

    og.restart()
    refused(t.send(unique_phone(), client_ip="203.0.113.5"), "per_ip", "after a restart")

    # Without trusted proxies the header is ignored: no per-IP count, peer's address audited.
    og.extra = []
    og.restart()
    for _ in range(3):
        t.send_ok(unique_phone(), headers=xff)
    expect(og.call("PATCH", "/v1/tenants/%s" % t.id, {"name": "Alpha"}, og.admin,
                   headers={"X-Forwarded-For": "192.0.2.44"}), 200)
    trail = expect(og.call("GET", "/v1/audit?tenant_id=%s&limit=1" % t.id, key=og.admin), 200)
    eq(trail["data"][0]["actor"]["ip"], "127.0.0.1", "X-Forwarded-For from an untrusted peer")


@case(timeout=120)
def tenant_rps_and_daily_count():
    gw, og = stack()
    t = og.setup_tenant()
    patch(og, t.id, {"limits": {"tenant_rps": 1}})
    statuses = []
    for _ in range(20):  # one send a second passes; back-to-back sends cannot all
        st, h, body = t.send(unique_phone())
        statuses.append(st)
        if st == 429:
            eq(body["error"]["limit"], "tenant_rps", "the limit named")
            eq(h.get("retry-after"), "1", "Retry-After for a one-per-second bucket")
            break
    ok(429 in statuses, "tenant_rps=1 refused a back-to-back send: %r" % statuses)
    accepted = statuses.count(202)

    patch(og, t.id, {"limits": {"tenant_rps": 200, "tenant_daily": accepted + 2}})
    t.send_ok(unique_phone())
    t.send_ok(unique_phone())
    ra = refused(t.send(unique_phone()), "tenant_daily", "the daily count")
    ok(ra <= 86400, "Retry-After until the next billing day: %d" % ra)
    og.restart()
    refused(t.send(unique_phone()), "tenant_daily", "after a restart")
    settled(og, t, accepted + 2)
    eq(len(gw.sends()), accepted + 2, "SMS sent")


@case(timeout=120)
def verify_failures_lock_the_phone():
    gw, og = stack()
    t = og.setup_tenant()
    patch(og, t.id, {"limits": {"verify_failures_per_phone": 3, "verify_lock_sec": 900}})
    phone = unique_phone()
    r = t.send_ok(phone)
    code = gw.code_for(phone)
    wrong = "000000" if code != "000000" else "111111"
    for i in range(3):
        eq(t.verify(r["request_id"], wrong)["verified"], False, "wrong code %d" % (i + 1))
    body = {"request_id": r["request_id"], "code": code}
    ra = refused(og.call("POST", "/v1/otp/verify", body, t.key), "verify_failures_per_phone",
                 "the right code while locked")
    ok(ra <= 900, "Retry-After within the lock: %d" % ra)
    og.restart()
    refused(og.call("POST", "/v1/otp/verify", {"phone": phone, "code": code}, t.key),
            "verify_failures_per_phone", "after a restart, by phone")
    # The lock spent no attempt: unlocking (an admin shortens it) lets the code verify.
    patch(og, t.id, {"limits": {"verify_lock_sec": 1}})
    # The lock in force was set with the old length; a fresh failure run uses the new one.
    other = unique_phone()
    r2 = t.send_ok(other)
    code2 = gw.code_for(other)
    for _ in range(3):
        t.verify(r2["request_id"], "000000" if code2 != "000000" else "111111")
    refused(og.call("POST", "/v1/otp/verify", {"request_id": r2["request_id"], "code": code2},
                    t.key), "verify_failures_per_phone", "locked for 1 s")
    got = wait_until(lambda: (lambda x: x if x[0] == 200 else None)(
        og.call("POST", "/v1/otp/verify", {"request_id": r2["request_id"], "code": code2},
                t.key)), timeout=10, interval=0.3, what="the lock to expire")
    eq(got[2]["verified"], True, "the right code verifies once the lock expires")


@case
def geo_refusal():
    gw, og = stack()
    t = og.setup_tenant()
    eq(t.obj["allowed_countries"], ["91"], "India only by default")
    us = "+14155552671"
    expect(t.send(us), 422, "country_not_allowed")
    expect(t.send("+447911123456"), 422, "country_not_allowed")
    got = patch(og, t.id, {"allowed_countries": ["91", "1"]})
    eq(got["allowed_countries"], ["91", "1"], "allow-list shown")
    t.send_ok(us)
    expect(t.send("+447911123456"), 422, "country_not_allowed")
    for bad in (["0"], ["1234"], ["9a"], [], [1]):
        expect(og.call("PATCH", "/v1/tenants/%s" % t.id, {"allowed_countries": bad}, og.admin),
               400, "invalid_request", "allowed_countries %r" % bad)
    patch(og, t.id, {"allowed_countries": None})
    expect(t.send("+14155552672"), 422, "country_not_allowed", "back to the default")
    settled(og, t, 1)
    eq([s["body"]["phoneNumber"] for s in gw.sends()], [us], "only the allowed send went out")


@case(timeout=120)
def daily_spend_cap():
    gw, og = stack()
    t = og.setup_tenant()
    got = patch(og, t.id, {"billing": {"daily_spend_cap_paise": 3 * PRICE}})
    eq(got["billing"]["daily_spend_cap_paise"], 75, "cap shown under billing")
    eq(got["billing"]["monthly_cap_sms"], 0, "the rest of billing is kept")
    for _ in range(3):
        t.send_ok(unique_phone())
    expect(t.send(unique_phone()), 402, "daily_spend_cap_reached")
    ok("guard.daily_spend_cap_reached" in og.stderr(), "a structured log line")
    og.restart()
    expect(t.send(unique_phone()), 402, "daily_spend_cap_reached", "after a restart")
    settled(og, t, 3)
    eq(len(gw.sends()), 3, "SMS sent")
    patch(og, t.id, {"billing": {"daily_spend_cap_paise": 0}})
    t.send_ok(unique_phone())


@case(timeout=150)
def burst_of_100_distinct_numbers_passes_the_defaults():
    gw, og = stack()
    t = og.setup_tenant()
    phones = [unique_phone() for _ in range(100)]
    gate = threading.Barrier(100, timeout=30)

    def one(i):
        gate.wait()
        return t.send(phones[i])[0]
    with ThreadPoolExecutor(max_workers=100) as ex:
        codes = list(ex.map(one, range(100), timeout=120))
    eq(codes.count(202), 100, "every send of the burst accepted (statuses %r)" % sorted(set(codes)))


@case
def limits_validation_and_audit():
    gw, og = stack()
    t = og.setup_tenant()
    bad = [({"limits": {"per_phone": {"window_sec": 0}}}, "limits.per_phone.window_sec"),
           ({"limits": {"per_phone": {"count": -1}}}, "limits.per_phone.count"),
           ({"limits": {"per_foo": {}}}, "limits.per_foo"),
           ({"limits": {"tenant_rps": "10"}}, "limits.tenant_rps"),
           ({"limits": {"test_numbers_exempt": 1}}, "limits.test_numbers_exempt"),
           ({"pumping": {"grace_sec": 7200}}, "pumping.grace_sec"),
           ({"pumping": {"min_conversion_pct": 101}}, "pumping.min_conversion_pct"),
           ({"billing": {"daily_spend_cap_paise": -5}}, "billing.daily_spend_cap_paise")]
    for body, field in bad:
        r = expect(og.call("PATCH", "/v1/tenants/%s" % t.id, body, og.admin), 400,
                   "invalid_request", "PATCH %s" % body)
        eq(r["error"].get("field"), field, "field of %s" % body)
    got = patch(og, t.id, {"limits": {"per_phone": {"count": 2}, "tenant_daily": 50}})
    eq(got["limits"]["per_phone"], {"count": 2, "window_sec": 600}, "partial override")
    eq(got["limits"]["tenant_daily"], 50, "tenant_daily")
    got = expect(og.call("GET", "/v1/tenants/%s" % t.id, key=og.admin), 200)
    eq(got["limits"]["per_phone"]["count"], 2, "GET shows it")
    got = patch(og, t.id, {"limits": None})
    eq(got["limits"]["per_phone"]["count"], 5, "null returns to the defaults")
    trail = expect(og.call("GET", "/v1/audit?tenant_id=%s" % t.id, key=og.admin), 200)["data"]
    limit_changes = [e for e in trail if e["action"] == "tenant.update" and
                     "limits" in e["detail"].get("fields", [])]
    eq(len(limit_changes), 2, "each limit change audited")
    eq(limit_changes[0]["actor"]["kind"], "admin", "by the admin")


@case(timeout=120)
def deployment_defaults_from_flags_and_env():
    d = tempdir()
    env = dict(os.environ, OTPGATE_LIMIT_PER_PHONE_WINDOW_SEC="900")
    gw, og = stack(["--limit-per-phone-count", "2", "--allowed-countries", "91,44"], env=env)
    t = og.setup_tenant()
    eq(t.obj["limits"]["per_phone"], {"count": 2, "window_sec": 900}, "flag and variable")
    eq(t.obj["allowed_countries"], ["91", "44"], "--allowed-countries")
    phone = unique_phone()
    t.send_ok(phone)
    t.send_ok(phone)
    refused(t.send(phone), "per_phone", "the deployment's per-phone limit")
    t.send_ok("+447911123456")
    # A tenant override beats the flag.
    patch(og, t.id, {"limits": {"per_phone": {"count": 3}}})
    t.send_ok(phone)
    for argv, what in ((["--limit-per-phone-window-sec", "0"], "a zero window"),
                       (["--pumping-grace-sec", "3600"], "a grace as long as the window"),
                       (["--allowed-countries", "91,0"], "a bad calling code"),
                       (["--trusted-proxies", "10.0.0.0/33"], "a bad CIDR")):
        r = run_cli(["serve", "--db", os.path.join(d, "x.db"), "--listen", "127.0.0.1:1"] + argv)
        ok(r.returncode != 0, "serve refuses %s" % what)
        ok(argv[0] in r.stderr, "the message names %s: %r" % (argv[0], r.stderr))


if __name__ == "__main__":
    main()
