"""Concurrency: a limited balance under 4N concurrent sends, single-use codes
under concurrent verifies, and idempotent replay of send, resend and credits
(sequential and concurrent, with the key scoped to the tenant)."""

import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (case, eq, expect, main, ok, stack, unique_phone,  # noqa: E402
                     wait_until)

N = 10
PRICE = 25


def together(n, fn):
    """Runs fn(i) for i in range(n) on n threads released at once; returns results."""
    gate = threading.Barrier(n, timeout=30)

    def run(i):
        gate.wait()
        return fn(i)
    with ThreadPoolExecutor(max_workers=n) as ex:
        return list(ex.map(run, range(n), timeout=120))


@case(timeout=150)
def limited_balance_exactly_n_accepted():
    gw, og = stack()
    t = og.setup_tenant(credit=N * PRICE)
    phones = [unique_phone() for _ in range(4 * N)]
    res = together(4 * N, lambda i: t.send(phones[i]))
    codes = sorted(r[0] for r in res)
    eq(codes.count(202), N, "accepted sends (statuses %r)" % codes)
    eq(codes.count(402), 3 * N, "refused sends (statuses %r)" % codes)
    for st, _, body in res:
        if st == 402:
            eq(body["error"]["code"], "insufficient_funds", "refusal code")
    accepted = [body["message_id"] for st, _, body in res if st == 202]
    for mid in accepted:
        og.wait_message(mid, timeout=30)
    wait_until(lambda: t.wallet()["held_paise"] == 0, what="holds settled")
    time.sleep(0.5)
    eq(len(gw.sends()), N, "SMS at the peer")
    w = t.wallet()
    eq((w["balance_paise"], w["held_paise"], w["available_paise"]), (0, 0, 0), "wallet drained")
    expect(t.send(unique_phone()), 402, "insufficient_funds", "after the run")


@case
def concurrent_verifies_single_use():
    gw, og = stack()
    t = og.setup_tenant()
    phone = unique_phone()
    r = t.send_ok(phone)
    code = gw.code_for(phone)
    body = {"request_id": r["request_id"], "code": code}
    res = together(20, lambda i: og.call("POST", "/v1/otp/verify", body, t.key))
    statuses = [x[0] for x in res]
    eq(statuses, [200] * 20, "all verifies answered 200")
    eq(sum(1 for x in res if x[2]["verified"] is True), 1, "exactly one verified:true")
    st = expect(og.call("GET", "/v1/otp/%s" % r["request_id"], key=t.key), 200)
    eq(st["status"], "approved", "approved once")


def idem(key):
    return {"Idempotency-Key": key}


@case
def idempotent_send_replay():
    gw, og = stack()
    t = og.setup_tenant(credit=1000)
    phone = unique_phone()
    body = {"phone": phone}
    st1, _, raw1 = og.call("POST", "/v1/otp/send", body, t.key, idem("k-1"))
    eq(st1, 202, "first send")
    st2, _, raw2 = og.call("POST", "/v1/otp/send", body, t.key, idem("k-1"))
    eq((st2, raw2), (st1, raw1), "replay: identical status and body")
    gw.wait_sends(phone)
    og.wait_message(raw1["message_id"])
    wait_until(lambda: t.wallet()["held_paise"] == 0, what="hold settled")
    time.sleep(0.3)
    eq(len(gw.sends(phone)), 1, "one SMS")
    eq(t.wallet()["balance_paise"], 975, "one charge")
    expect(og.call("POST", "/v1/otp/send", {"phone": unique_phone()}, t.key, idem("k-1")), 422,
           "idempotency_key_reused", "same key, other body")
    # A refusal is replayed too, and different keys are different requests.
    r3 = og.call("POST", "/v1/otp/send", {"phone": "+915555555555"}, t.key, idem("k-bad"))
    r4 = og.call("POST", "/v1/otp/send", {"phone": "+915555555555"}, t.key, idem("k-bad"))
    eq((r3[0], r3[2]), (r4[0], r4[2]), "replayed refusal")
    r5 = expect(og.call("POST", "/v1/otp/send", body, t.key, idem("k-2")), 202)
    ok(r5["request_id"] != raw1["request_id"], "another key is another request")


@case
def idempotency_key_scoped_to_tenant():
    gw, og = stack()
    a = og.setup_tenant()
    b = og.setup_tenant()
    pa, pb = unique_phone(), unique_phone()
    ra = expect(og.call("POST", "/v1/otp/send", {"phone": pa}, a.key, idem("shared")), 202)
    rb = expect(og.call("POST", "/v1/otp/send", {"phone": pb}, b.key, idem("shared")), 202,
                msg="same key in another tenant")
    ok(ra["request_id"] != rb["request_id"], "separate requests")
    gw.wait_sends(pa)
    gw.wait_sends(pb)


@case(timeout=120)
def concurrent_same_idempotency_key():
    gw, og = stack()
    t = og.setup_tenant(credit=1000)
    phone = unique_phone()
    body = {"phone": phone}
    res = together(20, lambda i: og.call("POST", "/v1/otp/send", body, t.key, idem("race-1")))
    ok_res = [x for x in res if x[0] == 202]
    ok(ok_res, "at least one 202: %r" % [x[0] for x in res])
    for st, _, b in res:
        if st == 202:
            eq(b, ok_res[0][2], "every 202 carries the identical body")
        else:
            eq(st, 409, "the others are 409 (got %d %r)" % (st, b))
            eq(b["error"]["code"], "conflict", "409 code")
    # Afterwards the key replays the one result.
    again = expect(og.call("POST", "/v1/otp/send", body, t.key, idem("race-1")), 202)
    eq(again, ok_res[0][2], "replay after the race")
    gw.wait_sends(phone)
    og.wait_message(again["message_id"])
    wait_until(lambda: t.wallet()["held_paise"] == 0, what="hold settled")
    time.sleep(0.3)
    eq(len(gw.sends(phone)), 1, "one SMS for 20 racing requests")
    eq(t.wallet()["balance_paise"], 975, "one charge for 20 racing requests")


@case
def idempotent_resend():
    gw, og = stack(["--resend-cooldown-sec", "0"])
    t = og.setup_tenant(credit=1000)
    phone = unique_phone()
    r = t.send_ok(phone)
    body = {"request_id": r["request_id"]}
    s1, _, b1 = og.call("POST", "/v1/otp/resend", body, t.key, idem("rs-1"))
    eq(s1, 202, "resend")
    s2, _, b2 = og.call("POST", "/v1/otp/resend", body, t.key, idem("rs-1"))
    eq((s2, b2), (s1, b1), "replayed resend")
    gw.wait_sends(phone, 2)
    og.wait_message(b1["message_id"])
    wait_until(lambda: t.wallet()["held_paise"] == 0, what="holds settled")
    time.sleep(0.3)
    eq(len(gw.sends(phone)), 2, "one SMS for the send, one for the resend")
    eq(t.wallet()["balance_paise"], 950, "two charges")
    st = expect(og.call("GET", "/v1/otp/%s" % r["request_id"], key=t.key), 200)
    eq(len(st["messages"]), 2, "two messages")


@case
def idempotent_credits():
    gw, og = stack()
    t = og.setup_tenant(credit=0)
    path = "/v1/tenants/%s/wallet/credits" % t.id
    body = {"amount_paise": 500, "reference": "inv-77"}
    s1, _, b1 = og.call("POST", path, body, og.admin, idem("cr-1"))
    eq(s1, 201, "credit")
    s2, _, b2 = og.call("POST", path, body, og.admin, idem("cr-1"))
    eq((s2, b2), (s1, b1), "replayed credit")
    expect(og.call("POST", path, {"amount_paise": 501, "reference": "inv-78"}, og.admin,
                   idem("cr-1")), 422, "idempotency_key_reused")
    res = together(10, lambda i: og.call("POST", path, {"amount_paise": 100, "reference": "inv-9"},
                                         og.admin))
    eq(sorted(x[0] for x in res), [200] * 9 + [201], "one 201 and nine 200 for one reference")
    eq(t.wallet()["balance_paise"], 600, "credited once each")


@case(timeout=150)
def cap_and_credit_limit_under_races():
    gw, og = stack()
    capped = og.setup_tenant(billing={"monthly_cap_sms": 5})
    post = og.setup_tenant(credit=0, billing={"mode": "postpaid", "credit_limit_paise": 5 * PRICE})
    res = together(20, lambda i: capped.send(unique_phone()))
    eq(sorted(r[0] for r in res), [202] * 5 + [402] * 15, "monthly cap 5 under 20 racing sends")
    ok(all(r[2]["error"]["code"] == "monthly_cap_reached" for r in res if r[0] == 402), "code")
    res = together(20, lambda i: post.send(unique_phone()))
    eq(sorted(r[0] for r in res), [202] * 5 + [402] * 15, "credit limit under 20 racing sends")
    ok(all(r[2]["error"]["code"] == "credit_limit_reached" for r in res if r[0] == 402), "code")
    wait_until(lambda: post.wallet()["balance_paise"] == -5 * PRICE, timeout=30,
               what="postpaid balance at -limit")
    wait_until(lambda: len(gw.sends()) == 10, timeout=30, what="10 SMS at the peer")


@case
def concurrent_wrong_verifies_count_every_attempt():
    gw, og = stack()
    t = og.setup_tenant()
    phone = unique_phone()
    r = t.send_ok(phone)
    code = gw.code_for(phone)
    bad = "".join(str((int(c) + 5) % 10) for c in code)
    body = {"request_id": r["request_id"], "code": bad}
    res = together(20, lambda i: og.call("POST", "/v1/otp/verify", body, t.key))
    eq([x[0] for x in res], [200] * 20, "statuses")
    ok(all(x[2]["verified"] is False for x in res), "no wrong code verified")
    left = sorted(x[2]["attempts_left"] for x in res)
    ok(left[0] >= 0, "attempts_left never negative: %r" % left)
    eq(sorted(set(left) - {0}), [1, 2, 3, 4], "each of the 5 attempts counted once: %r" % left)
    v = t.verify(r["request_id"], code)
    eq((v["verified"], v["status"]), (False, "max_attempts_reached"), "right code afterwards")


@case
def concurrent_resends_capped():
    gw, og = stack(["--resend-cooldown-sec", "0"])
    t = og.setup_tenant(credit=10000)
    phones = [unique_phone() for _ in range(3)]
    reqs = [t.send_ok(p)["request_id"] for p in phones]
    refused = []
    for rid in reqs:
        res = together(12, lambda i: og.call("POST", "/v1/otp/resend", {"request_id": rid}, t.key))
        eq(sum(1 for x in res if x[0] == 202), 3, "exactly 3 of 12 racing resends accepted")
        refused += [(x[0], x[2].get("error", {}).get("code")) for x in res if x[0] != 202]
    for p in phones:
        gw.wait_sends(p, 4)
    wait_until(lambda: t.wallet()["held_paise"] == 0, what="holds settled")
    time.sleep(0.3)
    eq([len(gw.sends(p)) for p in phones], [4, 4, 4], "4 SMS per request")
    eq(t.wallet()["balance_paise"], 10000 - 12 * PRICE, "4 charges per request")
    # Racing resends are sent concurrently, so the SMS may reach the peer in
    # any order: exactly one of the four codes (the last committed) works.
    codes = [gw.code_for(phones[0], n) for n in range(1, 5)]
    eq(sum(1 for code in codes if t.verify(reqs[0], code)["verified"]), 1,
       "exactly one of the codes sent (the newest) works")
    # Every refusal past the cap says so: 429 too_many_resends.
    eq(sorted(set(refused)), [(429, "too_many_resends")], "refusals of racing resends")
    # Up to the cap, racing resends are all accepted (no cooldown here).
    reqs = [t.send_ok(unique_phone())["request_id"] for _ in range(4)]
    res = together(12, lambda i: og.call("POST", "/v1/otp/resend",
                                         {"request_id": reqs[i // 3]}, t.key))
    eq([(x[0], x[2].get("error", {}).get("code")) for x in res], [(202, None)] * 12,
       "3 racing resends of each of 4 requests")


@case
def concurrent_credits_distinct_references():
    gw, og = stack()
    t = og.setup_tenant(credit=0)
    path = "/v1/tenants/%s/wallet/credits" % t.id
    res = together(20, lambda i: og.call("POST", path, {"amount_paise": 100 + i,
                                                        "reference": "ref-%d" % i}, og.admin))
    eq([x[0] for x in res], [201] * 20, "statuses")
    eq(t.wallet()["balance_paise"], sum(100 + i for i in range(20)), "every credit counted")


if __name__ == "__main__":
    main()
