"""SMS pumping detection and test numbers (docs/SECURITY.md §8).

A simulated pumping run sends to many numbers of one prefix and verifies
none: it must end with the prefix blocked (429 prefix_blocked), the block
shown in /metrics and in GET /v1/tenants/{id}/alerts, debits equal to the
accepted sends only, and no upstream call after the block. A prefix whose
users verify is never blocked. Test numbers reach no upstream, cost nothing,
are marked test in the message log and verify with their fixed code."""

import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import case, eq, expect, main, ok, stack, unique_phone, wait_until  # noqa: E402

PRICE = 25
MIN_SENDS = 20
PUMPING = {"min_sends": MIN_SENDS, "grace_sec": 0, "min_conversion_pct": 20}


def patch(og, tid, body):
    return expect(og.call("PATCH", "/v1/tenants/%s" % tid, body, og.admin), 200,
                  msg="PATCH %s" % body)


def prefix_phones(n):
    prefix = "+919%05d" % random.randrange(100000)
    return prefix, ["%s%04d" % (prefix, i) for i in random.sample(range(10000), n)]


def metric(og, name):
    text = og.call("GET", "/metrics")[2]
    m = re.search(r"^%s(?:\{\})? (\d+)$" % re.escape(name), text, re.M)
    return int(m.group(1)) if m else None


def alerts(og, t, key=None):
    return expect(og.call("GET", "/v1/tenants/%s/alerts" % t.id, key=key or og.admin), 200)["data"]


@case(timeout=180)
def pumping_run_ends_with_the_prefix_blocked():
    gw, og = stack()
    t = og.setup_tenant()
    got = patch(og, t.id, {"pumping": PUMPING})
    eq(got["pumping"], dict(PUMPING, window_sec=3600), "pumping settings shown")
    prefix, phones = prefix_phones(2 * MIN_SENDS)
    statuses = []
    for p in phones:  # nobody ever verifies
        st, _, body = t.send(p)
        statuses.append(st)
        if st != 202:
            eq((st, body["error"]["code"]), (429, "prefix_blocked"), "refusal")
    eq(statuses, [202] * MIN_SENDS + [429] * MIN_SENDS, "blocked once %d sends went unverified"
       % MIN_SENDS)

    # Debits equal the accepted sends, and nothing reached the gateway after the block.
    wait_until(lambda: t.wallet()["held_paise"] == 0, what="holds settled")
    eq(t.wallet()["balance_paise"], 10000 - MIN_SENDS * PRICE, "charged for accepted sends only")
    time.sleep(0.5)
    eq(sorted(s["body"]["phoneNumber"] for s in gw.sends()), sorted(phones[:MIN_SENDS]),
       "upstream calls only before the block")

    a = alerts(og, t)
    eq(len(a), 1, "one alert")
    eq((a[0]["kind"], a[0]["status"], a[0]["prefix"]), ("prefix_blocked", "active",
                                                          prefix + "XXXX"), "the alert")
    eq((a[0]["sent"], a[0]["verified"], a[0]["conversion_pct"]), (MIN_SENDS, 0, 0), "its numbers")
    eq(metric(og, "otpgate_prefix_blocks"), 1, "the block in /metrics")
    eq(metric(og, "otpgate_pumping_alerts_total"), 1, "alerts counted")
    eq(alerts(og, t, t.key), a, "the tenant sees its alerts")
    t.send_ok(unique_phone())  # another prefix still works

    og.restart()
    expect(t.send(phones[0]), 429, "prefix_blocked", "the block survives a restart")
    eq(metric(og, "otpgate_prefix_blocks"), 1, "gauge after a restart")

    expect(og.call("DELETE", "/v1/tenants/%s/alerts/%s" % (t.id, a[0]["id"]), key=t.key), 403,
           "forbidden", "only an admin lifts a block")
    lifted = expect(og.call("DELETE", "/v1/tenants/%s/alerts/%s" % (t.id, a[0]["id"]),
                            key=og.admin), 200)
    eq(lifted["status"], "lifted", "lifted")
    ok(lifted["lifted_at"] and lifted["lifted_by"], "who and when: %r" % lifted)
    expect(og.call("DELETE", "/v1/tenants/%s/alerts/%s" % (t.id, a[0]["id"]), key=og.admin), 409,
           "conflict", "a second lift")
    expect(og.call("DELETE", "/v1/tenants/%s/alerts/alr_nope" % t.id, key=og.admin), 404,
           "not_found")
    eq(metric(og, "otpgate_prefix_blocks"), 0, "gauge after the lift")
    t.send_ok(phones[MIN_SENDS])  # the sends before the lift are not judged again
    trail = expect(og.call("GET", "/v1/audit?tenant_id=%s" % t.id, key=og.admin), 200)["data"]
    lift = [e for e in trail if e["action"] == "alert.lift"]
    eq(len(lift), 1, "the lift is audited")
    eq((lift[0]["target"], lift[0]["actor"]["kind"]), (a[0]["id"], "admin"), "audit entry")


@case(timeout=180)
def verified_prefix_is_never_blocked():
    gw, og = stack()
    t = og.setup_tenant()
    patch(og, t.id, {"pumping": PUMPING})
    prefix, phones = prefix_phones(MIN_SENDS + 10)
    for i, p in enumerate(phones):
        r = t.send_ok(p)
        if i % 3 != 2:  # two users in three verify: an ordinary conversion
            eq(t.verify(r["request_id"], gw.code_for(p))["verified"], True, "verify %d" % i)
    eq(alerts(og, t), [], "no alert")


@case(timeout=120)
def test_numbers_cost_nothing_and_reach_nobody():
    gw, og = stack(["--resend-cooldown-sec", "0"])
    t = og.setup_tenant(credit=0)  # a tenant without a paisa
    base = "/v1/tenants/%s/test-numbers" % t.id
    phone = unique_phone()
    tn = expect(og.call("POST", base, {"phone": phone, "code": "424242"}, t.key), 201)
    ok(tn["id"] and tn["phone"] == "+91******" + phone[-4:], "masked phone: %r" % tn)
    ok("424242" not in str(tn), "the code is never shown")
    expect(og.call("POST", base, {"phone": phone, "code": "111111"}, t.key), 409, "conflict")
    expect(og.call("POST", base, {"phone": "+915555555555", "code": "1111"}, t.key), 422,
           "invalid_phone")
    expect(og.call("POST", base, {"phone": unique_phone(), "code": "12"}, t.key), 400,
           "invalid_request")
    expect(og.call("POST", base, {"phone": unique_phone()}, t.key), 400, "invalid_request")
    listed = expect(og.call("GET", base, key=og.admin), 200)["data"]
    eq([x["id"] for x in listed], [tn["id"]], "listed")

    # Exempt from the rate limits by default: more than 5 sends to one number.
    sends = [t.send_ok(phone) for _ in range(7)]
    for r in sends:
        eq(r["cost_paise"], 0, "no cost")
    m = og.message(sends[-1]["message_id"])
    eq((m["status"], m["provider"], m["test"], m["cost_paise"]), ("sent", "test", True, 0),
       "a test message in the log")
    eq(t.verify(sends[-1]["request_id"], "000000")["verified"], False, "a wrong code")
    # A resend is a test send too, with the same fixed code.
    rs = expect(og.call("POST", "/v1/otp/resend", {"request_id": sends[-1]["request_id"]},
                        t.key), 202)
    eq(rs["cost_paise"], 0, "a free resend")
    eq(og.message(rs["message_id"])["test"], True, "the resend's message is a test")
    eq(t.verify(sends[-1]["request_id"], "424242")["verified"], True, "the fixed code")
    w = t.wallet()
    eq((w["balance_paise"], w["held_paise"]), (0, 0), "nothing held or charged")
    time.sleep(0.5)
    eq(gw.sends(), [], "no upstream call")

    # With the exemption off, the per-phone limit counts test sends too.
    patch(og, t.id, {"limits": {"test_numbers_exempt": False}})
    for _ in range(5):
        t.send_ok(phone)
    expect(t.send(phone), 429, "rate_limited", "test sends limited when not exempt")

    # Another tenant's key cannot see or touch them.
    other = og.setup_tenant()
    expect(og.call("GET", base, key=other.key), 404, "not_found")
    expect(og.call("DELETE", "%s/%s" % (base, tn["id"]), key=other.key), 404, "not_found")

    expect(og.call("DELETE", "%s/%s" % (base, tn["id"]), key=t.key), 204)
    expect(og.call("DELETE", "%s/%s" % (base, tn["id"]), key=t.key), 404, "not_found")
    # Real numbers still cost money, which this tenant does not have.
    expect(t.send(unique_phone()), 402, "insufficient_funds")
    real = og.setup_tenant()
    r = real.send_ok(unique_phone())
    eq(og.wait_message(r["message_id"])["test"], False, "a real message is not a test")
    # The number may also be named in the path.
    expect(og.call("POST", base, {"phone": phone, "code": "9999"}, og.admin), 201)
    expect(og.call("DELETE", "%s/%s" % (base, phone), key=og.admin), 204)
    trail = expect(og.call("GET", "/v1/audit?tenant_id=%s" % t.id, key=og.admin), 200)["data"]
    actions = [e["action"] for e in trail]
    eq((actions.count("test_number.create"), actions.count("test_number.delete")), (2, 2),
       "test-number changes audited")
    ok(phone not in str(trail), "no unmasked phone in the trail")


if __name__ == "__main__":
    main()
