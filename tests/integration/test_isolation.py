"""The cross-tenant matrix: tenant A's key on every one of tenant B's objects
answers exactly as for a missing object (404 on routes a tenant key may use;
on admin-only routes the same answer as for a missing tenant), and B's state
is unchanged afterwards."""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (case, eq, expect, local_month, main, ok, stack,  # noqa: E402
                     template_body, unique_phone, wait_until)


def snapshot(og, b, req_id, msg_id):
    """Everything observable about B, read with the admin key."""
    month, start, end = local_month()
    paths = ["/v1/tenants/%s" % b.id, "/v1/tenants/%s/wallet" % b.id,
             "/v1/tenants/%s/templates" % b.id, "/v1/tenants/%s/keys" % b.id,
             "/v1/otp/%s" % req_id, "/v1/messages/%s" % msg_id,
             "/v1/messages?tenant_id=%s" % b.id,
             "/v1/usage?from=%s&to=%s&tenant_id=%s" % (start, end, b.id)]
    snap = {}
    for p in paths:
        st, _, body = og.call("GET", p, key=og.admin)
        eq(st, 200, "admin GET %s" % p)
        snap[p] = body
    return snap


@case(timeout=150)
def cross_tenant_matrix():
    gw, og = stack(["--resend-cooldown-sec", "0"])
    a = og.setup_tenant(name="Alpha Retail")
    b = og.setup_tenant(name="Beta logistics")
    pb = unique_phone()
    rb = b.send_ok(pb)
    code_b = gw.code_for(pb)
    og.wait_message(rb["message_id"])
    wait_until(lambda: b.wallet()["held_paise"] == 0, what="B's hold settled")
    b_key2 = expect(og.call("POST", "/v1/tenants/%s/keys" % b.id, {"name": "k2"}, og.admin), 201)
    pa = unique_phone()
    ra = a.send_ok(pa)
    gw.wait_sends(pa)
    before = snapshot(og, b, rb["request_id"], rb["message_id"])
    sends_before = len(gw.sends())
    month, start, end = local_month()

    missing_tenant = "zz_missing_tenant"
    # Routes a tenant key may use: another tenant's object is 404, like a missing one.
    tenant_routes = [
        ("GET", "/v1/tenants/%s/wallet" % b.id, None),
        ("GET", "/v1/messages/%s" % rb["message_id"], None),
        ("GET", "/v1/otp/%s" % rb["request_id"], None),
        ("POST", "/v1/otp/verify", {"request_id": rb["request_id"], "code": code_b}),
        ("POST", "/v1/otp/verify", {"phone": pb, "code": code_b}),
        ("POST", "/v1/otp/resend", {"request_id": rb["request_id"]}),
        ("GET", "/v1/usage?from=%s&to=%s&tenant_id=%s" % (start, end, b.id), None),
        ("GET", "/messages/%s" % rb["message_id"], None),
    ]
    for method, path, body in tenant_routes:
        st, _, resp = og.call(method, path, body, a.key)
        if path.startswith("/messages/"):
            eq(st, 404, "A's key on %s %s (compat)" % (method, path))
            eq(resp.get("success"), False, "compat error body")
            continue
        expect((st, _, resp), 404, "not_found", "A's key on %s %s %s" % (method, path, body))

    # Compat verify of B's request with A's key.
    st, _, resp = og.call("POST", "/otp/verify", {"requestId": rb["request_id"],
                                                  "otpCode": code_b}, a.key)
    ok(st == 404 or (st == 200 and resp.get("data", {}).get("verified") is False),
       "compat verify of B's request with A's key: %d %r" % (st, resp))

    # Admin-only routes: the same answer as for a missing tenant (403 or 404).
    admin_routes = [
        ("GET", "/v1/tenants/%s", None),
        ("PATCH", "/v1/tenants/%s", {"name": "Hijacked"}),
        ("DELETE", "/v1/tenants/%s", None),
        ("GET", "/v1/tenants/%s/templates", None),
        ("POST", "/v1/tenants/%s/templates", template_body(name="evil")),
        ("DELETE", "/v1/tenants/%s/templates/login", None),
        ("GET", "/v1/tenants/%s/keys", None),
        ("POST", "/v1/tenants/%s/keys", {"name": "evil"}),
        ("DELETE", "/v1/tenants/%s/keys/" + b_key2["id"], None),
        ("POST", "/v1/tenants/%s/wallet/credits", {"amount_paise": 100, "reference": "evil"}),
    ]
    for method, tmpl, body in admin_routes:
        st_b, _, resp_b = og.call(method, tmpl % b.id, body, a.key)
        st_m, _, resp_m = og.call(method, tmpl % missing_tenant, body, a.key)
        ok(st_b in (403, 404), "A's key on %s %s: %d %r" % (method, tmpl % b.id, st_b, resp_b))
        eq((st_b, resp_b.get("error", {}).get("code")),
           (st_m, resp_m.get("error", {}).get("code")),
           "%s %s answers as for a missing tenant" % (method, tmpl))

    # Sending on B's account with A's key.
    st, _, resp = og.call("POST", "/v1/otp/send", {"tenant_id": b.id, "phone": unique_phone()},
                          a.key)
    ok(st in (400, 403, 404), "A's key sending with tenant_id B: %d %r" % (st, resp))
    # A's message log never shows B's messages.
    st, _, resp = og.call("GET", "/v1/messages?tenant_id=%s" % b.id, key=a.key)
    if st == 200:
        ids = [m["id"] for m in resp["data"]]
        ok(rb["message_id"] not in ids, "B's message in A's log")
    else:
        ok(st in (403, 404), "A's log with tenant_id=B: %d" % st)
    lst = expect(og.call("GET", "/v1/messages", key=a.key), 200)
    eq([m["id"] for m in lst["data"]], [ra["message_id"]], "A's own log")
    u = expect(og.call("GET", "/v1/usage?from=%s&to=%s" % (start, end), key=a.key), 200)
    ok(all(x["tenant_id"] == a.id for x in u["tenants"]), "A's usage shows only A: %r" % u)

    # Nothing about B changed, and B's own key still works on all of it.
    time.sleep(0.3)
    after = snapshot(og, b, rb["request_id"], rb["message_id"])
    for p in before:
        eq(json.dumps(after[p], sort_keys=True), json.dumps(before[p], sort_keys=True),
           "B's state at %s" % p)
    eq(len(gw.sends()), sends_before, "no SMS sent by the attempts")
    expect(og.call("GET", "/v1/tenants/%s/wallet" % b.id, key=b_key2["key"]), 200,
           msg="B's second key survived")
    v = b.verify(rb["request_id"], code_b)
    eq(v["verified"], True, "B's code still verifies for B")


@case
def send_key_cannot_read_tenant_objects():
    gw, og = stack()
    b = og.setup_tenant()
    pb = unique_phone()
    rb = b.send_ok(pb)
    sk = expect(og.call("POST", "/v1/keys", {"kind": "send", "name": "m"}, og.admin), 201)["key"]
    for path in ("/v1/tenants/%s" % b.id, "/v1/tenants/%s/keys" % b.id, "/v1/tenants",
                 "/v1/keys"):
        expect(og.call("GET", path, key=sk), 403, "forbidden", "send key on %s" % path)
    # But it verifies for any tenant named in the body.
    v = expect(og.call("POST", "/v1/otp/verify", {"tenant_id": b.id, "request_id": rb["request_id"],
                                                  "code": gw.code_for(pb)}, sk), 200)
    eq(v["verified"], True, "send key verify")


@case
def same_phone_two_tenants():
    gw, og = stack()
    a = og.setup_tenant()
    b = og.setup_tenant()
    phone = unique_phone()
    ra = a.send_ok(phone)
    ca = gw.code_for(phone, 1)
    rb = b.send_ok(phone)
    cb = gw.code_for(phone, 2)
    # Verify by phone stays within the tenant: A's code never approves B's request.
    if ca != cb:
        v = expect(og.call("POST", "/v1/otp/verify", {"phone": phone, "code": cb}, a.key), 200)
        eq(v["verified"], False, "B's code on A's request")
        eq(v["request_id"], ra["request_id"], "A's newest request")
    v = expect(og.call("POST", "/v1/otp/verify", {"phone": phone, "code": cb}, b.key), 200)
    eq((v["verified"], v["request_id"]), (True, rb["request_id"]), "B's code for B")


if __name__ == "__main__":
    main()
