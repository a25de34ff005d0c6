"""OTP send, verify, resend and status, end to end: the code is learnt the
realistic way, from what the fake gateway received, never from the API."""

import datetime as dt
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (DLT_TEMPLATE_ID, PROVIDER_KEY, Gateway, Otpgate, case, eq,  # noqa: E402
                     expect, main, ok, stack, template_body, unique_phone, wait_until)

NO_COOLDOWN = ["--resend-cooldown-sec", "0"]


def iso_ms(text):
    ok(isinstance(text, str), "timestamp is a string: %r" % (text,))
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    ok(t.tzinfo is not None, "timestamp carries a zone: %r" % text)
    return t.timestamp() * 1000


def wrong(code):
    return "".join(str((int(c) + 1) % 10) for c in code)


@case
def send_verify_happy_path():
    gw, og = stack()
    t = og.setup_tenant()
    phone = unique_phone()
    before = time.time() * 1000
    r = t.send_ok(phone)
    for f in ("request_id", "message_id", "status", "expires_at", "cost_paise"):
        ok(f in r, "send response has %s: %r" % (f, r))
    eq(r["status"], "queued", "send status")
    eq(r["cost_paise"], 25, "cost_paise")
    exp = iso_ms(r["expires_at"])
    ok(before + 295e3 <= exp <= time.time() * 1000 + 305e3, "expires_at about now + 300 s")
    ok("code" not in r and "otp" not in r, "code returned by the API: %r" % r)
    sent = gw.wait_sends(phone)[0]
    b = sent["body"]
    eq(b["phoneNumber"], phone, "peer phoneNumber")
    eq(b["templateId"], DLT_TEMPLATE_ID, "peer templateId")
    eq(b["variables"]["appName"], "Alpha Retail", "peer appName")
    ok(re.fullmatch(r"\d{6}", b["variables"]["otp"]), "6-digit code: %r" % b["variables"])
    eq(sent["api_key"], PROVIDER_KEY, "peer X-API-Key")
    v = t.verify(r["request_id"], b["variables"]["otp"])
    eq(v["verified"], True, "verified")
    eq(v["status"], "approved", "status after verify")
    eq(v["request_id"], r["request_id"], "request_id echoed")
    ok("attempts_left" in v, "attempts_left present: %r" % v)
    m = og.wait_message(r["message_id"], "sent")
    eq(m["tenant_id"], t.id, "message tenant")


@case
def wrong_code_and_max_attempts():
    gw, og = stack()
    t = og.setup_tenant(otp={"max_attempts": 3})
    phone = unique_phone()
    r = t.send_ok(phone)
    code = gw.code_for(phone)
    for i in range(1, 4):
        v = t.verify(r["request_id"], wrong(code))
        eq(v["verified"], False, "wrong code #%d" % i)
        eq(v["attempts_left"], 3 - i, "attempts_left after %d wrong" % i)
    # The attempt past max_attempts fails for good, even with the right code.
    v = t.verify(r["request_id"], code)
    eq(v["verified"], False, "right code after max attempts")
    eq(v["status"], "max_attempts_reached", "status after max attempts")
    v = t.verify(r["request_id"], code)
    eq((v["verified"], v["status"]), (False, "max_attempts_reached"), "still locked")
    st = expect(og.call("GET", "/v1/otp/%s" % r["request_id"], key=t.key), 200)
    eq(st["status"], "max_attempts_reached", "status endpoint")


@case
def wrong_then_right():
    gw, og = stack()
    t = og.setup_tenant()
    phone = unique_phone()
    r = t.send_ok(phone)
    code = gw.code_for(phone)
    v = t.verify(r["request_id"], wrong(code))
    eq((v["verified"], v["status"], v["attempts_left"]), (False, "pending", 4), "one wrong")
    v = t.verify(r["request_id"], code[:-1])
    eq(v["verified"], False, "prefix of the code")
    v = t.verify(r["request_id"], code)
    eq((v["verified"], v["status"]), (True, "approved"), "right code after wrong ones")


@case
def single_use():
    gw, og = stack()
    t = og.setup_tenant()
    phone = unique_phone()
    r = t.send_ok(phone)
    code = gw.code_for(phone)
    eq(t.verify(r["request_id"], code)["verified"], True, "first verify")
    eq(t.verify(r["request_id"], code)["verified"], False, "second verify of the same code")
    v = expect(og.call("POST", "/v1/otp/verify", {"phone": phone, "code": code}, t.key),
               (200, 404))
    if isinstance(v, dict) and "verified" in v:
        eq(v["verified"], False, "verify by phone after use")


@case
def verify_by_phone_uses_newest():
    gw, og = stack()
    t = og.setup_tenant()
    phone = unique_phone()
    r1 = t.send_ok(phone)
    c1 = gw.code_for(phone, 1)
    r2 = t.send_ok(phone)
    c2 = gw.code_for(phone, 2)
    v = expect(og.call("POST", "/v1/otp/verify", {"phone": phone, "code": c2}, t.key), 200)
    eq((v["verified"], v["request_id"]), (True, r2["request_id"]), "newest pending verified")
    # The older request is still pending and verifies on its own id.
    eq(t.verify(r1["request_id"], c1)["verified"], True, "older request by id")
    expect(og.call("POST", "/v1/otp/verify", {"phone": unique_phone(), "code": c1}, t.key), 404,
           "not_found", "no request for this phone")
    expect(og.call("POST", "/v1/otp/verify", {"request_id": "otp_nope", "code": c1}, t.key), 404,
           "not_found", "unknown request id")
    expect(og.call("POST", "/v1/otp/verify", {"request_id": r1["request_id"]}, t.key), 400,
           "invalid_request", "missing code")


@case
def status_shape_and_expiry():
    gw, og = stack()
    t = og.setup_tenant(otp={"ttl_sec": 30})
    phone = "+919876543210"
    r = t.send_ok(phone)
    st = expect(og.call("GET", "/v1/otp/%s" % r["request_id"], key=t.key), 200)
    for f in ("request_id", "tenant_id", "phone", "status", "attempts", "attempts_left",
              "expires_at", "created_at", "messages"):
        ok(f in st, "status has %s: %r" % (f, st))
    eq(st["phone"], "+91******3210", "masked phone")
    eq(st["tenant_id"], t.id, "tenant_id")
    eq((st["status"], st["attempts"], st["attempts_left"]), ("pending", 0, 5), "fresh request")
    diff = iso_ms(st["expires_at"]) - iso_ms(st["created_at"])
    ok(abs(diff - 30000) <= 1500, "expires_at - created_at = %d ms, want 30 s" % diff)
    eq([m["id"] for m in st["messages"]], [r["message_id"]], "messages")
    ok(all("status" in m for m in st["messages"]), "message status present")
    ok("9876543210" not in str(st), "unmasked phone in status")
    m = og.wait_message(r["message_id"])
    eq(m["phone"], "+91******3210", "message phone masked")
    for f in ("id", "tenant_id", "request_id", "phone", "sender_header", "dlt_template_id",
              "status", "provider", "provider_message_id", "cost_paise", "error", "created_at",
              "sent_at"):
        ok(f in m, "message has %s: %r" % (f, m))
    eq((m["sender_header"], m["dlt_template_id"], m["provider"], m["cost_paise"]),
       ("ALPHAR", DLT_TEMPLATE_ID, "startmessaging", 25), "message fields")
    ok(m["provider_message_id"], "provider_message_id from data.messageId")
    expect(og.call("GET", "/v1/otp/otp_missing", key=t.key), 404, "not_found")


@case(timeout=90)
def expiry_after_ttl():
    gw, og = stack(["--resend-cooldown-sec", "0"])
    t = og.setup_tenant(otp={"ttl_sec": 30})
    phone = unique_phone()
    r = t.send_ok(phone)
    code = gw.code_for(phone)
    wrong_first = t.verify(r["request_id"], wrong(code))
    eq(wrong_first["status"], "pending", "pending before the TTL")
    exp = iso_ms(r["expires_at"])
    # Poll (no fixed sleep) until the request reads expired, bounded by TTL + 15 s.
    wait_until(lambda: expect(og.call("GET", "/v1/otp/%s" % r["request_id"], key=t.key),
                              200)["status"] == "expired", timeout=45, interval=0.5,
               what="status expired")
    ok(time.time() * 1000 >= exp - 1000, "expired before expires_at")
    v = t.verify(r["request_id"], code)
    eq((v["verified"], v["status"]), (False, "expired"), "right code after expiry")


@case
def resend_new_code_charged_again():
    gw, og = stack(NO_COOLDOWN)
    t = og.setup_tenant(credit=1000)
    phone = unique_phone()
    r = t.send_ok(phone)
    old = gw.code_for(phone, 1)
    r2 = expect(og.call("POST", "/v1/otp/resend", {"request_id": r["request_id"]}, t.key), 202)
    eq(r2["request_id"], r["request_id"], "same request")
    ok(r2["message_id"] != r["message_id"], "new message")
    eq(r2["status"], "queued", "resend status")
    new = gw.code_for(phone, 2)
    og.wait_message(r2["message_id"])
    og.wait_message(r["message_id"])
    eq(t.verify(r["request_id"], old)["verified"], False, "old code after resend")
    eq(t.verify(r["request_id"], new)["verified"], True, "new code after resend")
    wait_until(lambda: t.wallet()["balance_paise"] == 1000 - 50, what="charged twice")
    st = expect(og.call("GET", "/v1/otp/%s" % r["request_id"], key=t.key), 200)
    eq(sorted(m["id"] for m in st["messages"]), sorted([r["message_id"], r2["message_id"]]),
       "both messages in status")


@case
def too_many_resends():
    gw, og = stack(NO_COOLDOWN)
    t = og.setup_tenant()
    phone = unique_phone()
    r = t.send_ok(phone)
    for i in range(3):
        expect(og.call("POST", "/v1/otp/resend", {"request_id": r["request_id"]}, t.key), 202,
               msg="resend %d" % (i + 1))
    expect(og.call("POST", "/v1/otp/resend", {"request_id": r["request_id"]}, t.key), 429,
           "too_many_resends")
    gw.wait_sends(phone, 4)
    time.sleep(0.3)
    eq(len(gw.sends(phone)), 4, "no SMS for the refused resend")
    expect(og.call("POST", "/v1/otp/resend", {"request_id": "otp_nope"}, t.key), 404, "not_found")


@case
def resend_cooldown():
    gw, og = stack()   # the default cooldown, 30 s
    t = og.setup_tenant()
    phone = unique_phone()
    r = t.send_ok(phone)
    resp = og.call("POST", "/v1/otp/resend", {"request_id": r["request_id"]}, t.key)
    expect(resp, 429, "resend_too_soon")
    ra = resp[1].get("retry-after")
    ok(ra is not None and ra.isdigit() and 1 <= int(ra) <= 30, "Retry-After: %r" % ra)


@case
def resend_of_finished_request():
    gw, og = stack(NO_COOLDOWN)
    t = og.setup_tenant()
    phone = unique_phone()
    r = t.send_ok(phone)
    t.verify(r["request_id"], gw.code_for(phone))
    resp = og.call("POST", "/v1/otp/resend", {"request_id": r["request_id"]}, t.key)
    ok(resp[0] != 202, "resend of an approved request accepted: %r" % (resp,))
    time.sleep(0.3)
    eq(len(gw.sends(phone)), 1, "no SMS for an approved request")


@case
def invalid_phone_and_template():
    gw, og = stack()
    t = og.setup_tenant()
    bad = ["+915876543210", "+91987654321", "919876543210", "+91 9876543210", "+9198765432101",
           "+1234", "", "+91-9876543210", "+910876543210"]
    for p in bad:
        expect(t.send(p), 422, "invalid_phone", "phone %r" % p)
    expect(t.send(unique_phone(), template="nope"), 422, "template_not_found")
    expect(t.send(unique_phone(), template="1107169999999999999"), 422, "template_not_found")
    expect(og.call("POST", "/v1/otp/send", {"phone": 9876543210}, t.key), (400, 422), None,
           "phone as a number")
    expect(og.call("POST", "/v1/otp/send", {"phone": unique_phone(), "extra": 1}, t.key), 400,
           "invalid_request", "unknown field")
    time.sleep(0.3)
    eq(gw.sends(), [], "nothing sent for refused requests")
    w = t.wallet()
    eq((w["balance_paise"], w["held_paise"]), (10000, 0), "nothing held or charged")


@case
def no_default_template():
    gw, og = stack()
    t = og.setup_tenant()
    expect(og.call("POST", "/v1/tenants/%s/templates" % t.id,
                   template_body(name="other", dlt_template_id="1107160000000055555",
                                 default=False), og.admin), 201)
    expect(og.call("DELETE", "/v1/tenants/%s/templates/login" % t.id, key=og.admin), (200, 204))
    expect(t.send(unique_phone()), 422, "template_not_found", "no default template")
    t.send_ok(unique_phone(), template="other")


@case
def key_kinds():
    gw, og = stack()
    t = og.setup_tenant()
    sk = expect(og.call("POST", "/v1/keys", {"kind": "send", "name": "master"}, og.admin), 201)
    p1 = unique_phone()
    r = expect(og.call("POST", "/v1/otp/send", {"tenant_id": t.id, "phone": p1}, sk["key"]), 202,
               msg="send key with tenant_id")
    v = expect(og.call("POST", "/v1/otp/verify", {"tenant_id": t.id, "request_id": r["request_id"],
                                                  "code": gw.code_for(p1)}, sk["key"]), 200)
    eq(v["verified"], True, "send key verifies")
    expect(og.call("POST", "/v1/otp/send", {"phone": unique_phone()}, sk["key"]), 400,
           "invalid_request", "send key without tenant_id")
    expect(og.call("POST", "/v1/otp/send", {"tenant_id": "nobody_x", "phone": unique_phone()},
                   sk["key"]), 404, "not_found", "send key, unknown tenant")
    p2 = unique_phone()
    expect(og.call("POST", "/v1/otp/send", {"tenant_id": t.id, "phone": p2}, og.admin), 202,
           msg="admin key with tenant_id")
    expect(og.call("POST", "/v1/otp/send", {"phone": unique_phone()}, og.admin), 400,
           "invalid_request", "admin key without tenant_id")
    p3 = unique_phone()
    expect(og.call("POST", "/v1/otp/send", {"phone": p3}, t.key, bearer=True), 202,
           msg="tenant key as Bearer")
    eq(gw.wait_sends(p2)[0]["body"]["variables"]["appName"], "Alpha Retail", "admin-sent SMS")
    gw.wait_sends(p3)
    expect(og.call("GET", "/v1/tenants/%s/wallet" % t.id, key=sk["key"]), (403, 404), None,
           "send key reading a wallet")


@case
def variables_and_upstream_per_tenant():
    gw = Gateway()
    og = Otpgate(gateway=gw)
    own = "sm_live_alpha_key_xyz123"
    a = og.setup_tenant(upstream={"provider": "startmessaging", "url": gw.url, "api_key": own})
    b = og.setup_tenant(name="Beta logistics", sender_header="BETALG")
    pa, pb, pc = unique_phone(), unique_phone(), unique_phone()
    a.send_ok(pa)
    b.send_ok(pb)
    b.send_ok(pc, variables={"appName": "Beta App"})
    sa, sb, sc = gw.wait_sends(pa)[0], gw.wait_sends(pb)[0], gw.wait_sends(pc)[0]
    eq(sa["api_key"], own, "tenant's own upstream key")
    eq(sb["api_key"], PROVIDER_KEY, "platform key for a tenant without upstream")
    eq(sb["body"]["variables"]["appName"], "Beta logistics", "appName defaults to tenant name")
    eq(sc["body"]["variables"]["appName"], "Beta App", "appName from the request")
    ok("sm_live_alpha" not in og.all_stderr(), "upstream key logged")
    # Changing the tenant's upstream key applies to the next send.
    expect(og.call("PATCH", "/v1/tenants/%s" % a.id,
                   {"upstream": {"provider": "startmessaging", "url": gw.url,
                                 "api_key": "sm_live_rotated_2"}}, og.admin), 200)
    pd = unique_phone()
    a.send_ok(pd)
    eq(gw.wait_sends(pd)[0]["api_key"], "sm_live_rotated_2", "rotated upstream key")


@case
def message_log():
    gw, og = stack()
    a = og.setup_tenant()
    b = og.setup_tenant()
    sent = [a.send_ok(unique_phone())["message_id"] for _ in range(3)]
    for mid in sent:
        og.wait_message(mid)
    gw.control("4xx", count=1)
    failed = a.send_ok(unique_phone())["message_id"]
    og.wait_message(failed, "failed")
    other = b.send_ok(unique_phone())["message_id"]
    seen, after = [], None
    for _ in range(10):
        page = expect(og.call("GET", "/v1/messages?limit=2" + ("&after=" + after if after else ""),
                              key=a.key), 200)
        ok(len(page["data"]) <= 2, "limit honoured")
        seen += [m["id"] for m in page["data"]]
        after = page.get("next_after")
        if not after:
            break
    eq(sorted(seen), sorted(sent + [failed]), "A's log, paginated")
    for m in expect(og.call("GET", "/v1/messages", key=a.key), 200)["data"]:
        ok(re.fullmatch(r"\+91\*+\d{4}", m["phone"]), "masked phone in log: %r" % m["phone"])
    f = expect(og.call("GET", "/v1/messages?status=failed", key=a.key), 200)
    eq([m["id"] for m in f["data"]], [failed], "status=failed")
    s = expect(og.call("GET", "/v1/messages?status=sent", key=a.key), 200)
    eq(sorted(m["id"] for m in s["data"]), sorted(sent), "status=sent")
    expect(og.call("GET", "/v1/messages?status=bogus", key=a.key), 400, "invalid_request")
    # A bare date is midnight UTC (docs/API.md), so "today" is the UTC day
    # the messages were written on, whatever the billing offset's day is.
    today = dt.date.fromisoformat(og.message(sent[0], key=a.key)["created_at"][:10])
    day = dt.timedelta(days=1)
    r = expect(og.call("GET", "/v1/messages?from=%s&to=%s" % (today, today + day), key=a.key), 200)
    eq(len(r["data"]), 4, "from today to tomorrow")
    r = expect(og.call("GET", "/v1/messages?from=%s" % (today + 2 * day), key=a.key), 200)
    eq(r["data"], [], "from the day after tomorrow")
    r = expect(og.call("GET", "/v1/messages?tenant_id=%s" % b.id, key=og.admin), 200)
    eq([m["id"] for m in r["data"]], [other], "admin filters by tenant_id")
    r = expect(og.call("GET", "/v1/messages?limit=100", key=og.admin), 200)
    ok(set(sent + [failed, other]) <= {m["id"] for m in r["data"]}, "admin sees every tenant")


if __name__ == "__main__":
    main()
