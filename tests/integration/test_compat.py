"""Drop-in compatibility with the seed's StartMessaging-style client: the same
request and response shapes (DOMAIN.md section 2), authenticated with a
tenant key in X-API-Key, with both published field spellings."""

import datetime as dt
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (DLT_TEMPLATE_ID, case, eq, main, ok, stack, unique_phone,  # noqa: E402
                     wait_until)

SEED_PHONE = "+919876543210"


def seed_send(og, key, phone=SEED_PHONE, otp="492811", app="Alpha Retail",
              template=DLT_TEMPLATE_ID):
    variables = {"appName": app}
    if otp is not None:
        variables["otp"] = otp
    return og.call("POST", "/otp/send", {"phoneNumber": phone, "templateId": template,
                                         "variables": variables}, key)


def check_success(resp, status):
    st, _, body = resp
    eq(st, status, "compat status (body %r)" % (body,))
    ok(isinstance(body, dict), "JSON body: %r" % (body,))
    eq(body.get("success"), True, "success")
    eq(body.get("statusCode"), status, "statusCode")
    ok(isinstance(body.get("requestId"), str) and body["requestId"], "requestId")
    ts = body.get("timestamp")
    ok(isinstance(ts, str), "timestamp: %r" % ts)
    dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    ok(isinstance(body.get("data"), dict), "data object")
    return body["data"]


def check_error(resp, what):
    st, _, body = resp
    ok(not 200 <= st < 300, "%s: expected an error status, got %d %r" % (what, st, body))
    ok(isinstance(body, dict) and body.get("success") is False,
       "%s: error body {success:false}: %r" % (what, body))
    ok(isinstance(body.get("message"), str) and body["message"], "%s: message: %r" % (what, body))
    return st


@case
def seed_dispatcher_send():
    gw, og = stack()
    t = og.setup_tenant("tenant_alpha_99")
    data = check_success(seed_send(og, t.key), 201)
    for f in ("otpRequestId", "messageId", "status"):
        ok(isinstance(data.get(f), str) and data[f], "data.%s: %r" % (f, data))
    eq(data["status"], "queued", "data.status")
    sent = gw.wait_sends(SEED_PHONE)[0]
    eq(sent["body"]["variables"]["otp"], "492811", "the client's code went upstream")
    eq(sent["body"]["templateId"], DLT_TEMPLATE_ID, "templateId")
    eq(sent["body"]["variables"]["appName"], "Alpha Retail", "appName")
    # The seed logs result.data.messageId; it is otpgate's message.
    m = og.wait_message(data["messageId"])
    eq(m["request_id"], data["otpRequestId"], "message belongs to the OTP request")
    eq(m["cost_paise"], 25, "charged like any send")


@case
def verify_both_spellings():
    gw, og = stack()
    t = og.setup_tenant()
    p1, p2, p3 = unique_phone(), unique_phone(), unique_phone()
    d1 = check_success(seed_send(og, t.key, p1, otp="112233"), 201)
    d2 = check_success(seed_send(og, t.key, p2, otp="445566"), 201)
    d3 = check_success(seed_send(og, t.key, p3, otp="778899"), 201)
    r = og.call("POST", "/otp/verify", {"requestId": d1["otpRequestId"], "otpCode": "112233"},
                t.key)
    eq(check_success(r, 200).get("verified"), True, "requestId/otpCode")
    r = og.call("POST", "/otp/verify", {"otpRequestId": d2["otpRequestId"], "otp": "445566"},
                t.key)
    eq(check_success(r, 200).get("verified"), True, "otpRequestId/otp")
    r = og.call("POST", "/otp/verify", {"requestId": d3["otpRequestId"], "otp": "000000"}, t.key)
    eq(check_success(r, 200).get("verified"), False, "wrong code")
    r = og.call("POST", "/otp/verify", {"otpRequestId": d1["otpRequestId"], "otpCode": "112233"},
                t.key)
    eq(check_success(r, 200).get("verified"), False, "a code verifies once")
    # The native API sees the same requests.
    st = og.call("GET", "/v1/otp/%s" % d1["otpRequestId"], key=t.key)
    eq((st[0], st[2].get("status")), (200, "approved"), "native status")


@case
def message_status():
    gw, og = stack()
    t = og.setup_tenant()
    gw.control("slow", delay_ms=1000)
    d = check_success(seed_send(og, t.key), 201)
    r = og.call("GET", "/messages/%s" % d["messageId"], key=t.key)
    first = check_success(r, 200)
    ok(first.get("status") in ("initiated", "queued", "sent"), "early status %r" % first)
    data = wait_until(lambda: (lambda x: x if x.get("status") == "sent" else None)(
        check_success(og.call("GET", "/messages/%s" % d["messageId"], key=t.key), 200)),
        timeout=15, what="compat message status sent")
    eq(data["status"], "sent", "final status")
    check_error(og.call("GET", "/messages/msg_nope", key=t.key), "unknown message")


@case
def generated_code_when_absent():
    gw, og = stack()
    t = og.setup_tenant(otp={"length": 7})
    phone = unique_phone()
    d = check_success(seed_send(og, t.key, phone, otp=None), 201)
    code = gw.code_for(phone)
    ok(re.fullmatch(r"\d{7}", code), "generated 7-digit code: %r" % code)
    r = og.call("POST", "/otp/verify", {"requestId": d["otpRequestId"], "otpCode": code}, t.key)
    eq(check_success(r, 200).get("verified"), True, "generated code verifies")


@case
def errors_use_the_seed_shape():
    gw, og = stack()
    t = og.setup_tenant()
    eq(check_error(seed_send(og, None), "no key"), 401, "status without key")
    eq(check_error(seed_send(og, "sm_live_wrong"), "bad key"), 401, "status with a bad key")
    check_error(seed_send(og, t.key, phone="+915876543210"), "invalid phone")
    check_error(seed_send(og, t.key, phone=unique_phone(), template="DLT_TEMP_NOPE_1"),
                "unknown templateId")
    for bad in ("123", "12345678901", "12ab56", ""):
        check_error(seed_send(og, t.key, phone=unique_phone(), otp=bad), "otp %r" % bad)
    check_error(og.call("POST", "/otp/send", "{nope", t.key), "bad JSON")
    check_error(og.call("POST", "/otp/verify", {"requestId": "otp_missing", "otpCode": "123456"},
                        t.key), "unknown request")
    broke = og.setup_tenant(credit=0)
    st = check_error(seed_send(og, broke.key, phone=unique_phone()), "empty wallet")
    eq(st, 402, "status for an empty wallet")
    time.sleep(0.3)
    eq(gw.sends(), [], "no SMS for refused compat sends")


@case
def accepted_codes_4_to_10_digits():
    gw, og = stack()
    t = og.setup_tenant()
    for code in ("4821", "8264019375"):
        phone = unique_phone()
        d = check_success(seed_send(og, t.key, phone, otp=code), 201)
        eq(gw.code_for(phone), code, "code %s sent as given" % code)
        r = og.call("POST", "/otp/verify", {"requestId": d["otpRequestId"], "otpCode": code},
                    t.key)
        eq(check_success(r, 200).get("verified"), True, "code %s verifies" % code)


if __name__ == "__main__":
    main()
