"""Tenants, platform keys, tenant keys and templates: the admin API, its
validation and error bodies, and that configuration changes apply to the
very next request without a restart."""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (DLT_TEMPLATE_ID, case, db_raw, eq, expect, main, ok,  # noqa: E402
                     stack, template_body, tenant_body, unique_phone, wait_until)

DELETED = (200, 204)


@case
def create_read_duplicate():
    gw, og = stack()
    body = tenant_body("tenant_alpha_99")
    t = expect(og.call("POST", "/v1/tenants", body, og.admin), 201)
    for k in ("id", "name", "sender_header", "pe_id", "price_paise"):
        eq(t.get(k), body[k], "created tenant field %s" % k)
    eq(t["billing"]["mode"], "prepaid", "billing.mode")
    eq(t["otp"]["length"], 6, "otp.length")
    eq(t["otp"]["ttl_sec"], 300, "otp.ttl_sec")
    eq(t["otp"]["max_attempts"], 5, "otp.max_attempts")
    got = expect(og.call("GET", "/v1/tenants/tenant_alpha_99", key=og.admin), 200)
    eq(got["id"], "tenant_alpha_99", "GET id")
    eq(got["name"], "Alpha Retail", "GET name")
    expect(og.call("POST", "/v1/tenants", body, og.admin), 409, "conflict", "duplicate id")
    expect(og.call("GET", "/v1/tenants/no_such_tenant", key=og.admin), 404, "not_found")
    # The id is optional: one is generated.
    gen = expect(og.call("POST", "/v1/tenants", tenant_body(None, id=None), og.admin), 201)
    ok(isinstance(gen.get("id"), str) and gen["id"], "generated id: %r" % gen)
    expect(og.call("GET", "/v1/tenants/%s" % gen["id"], key=og.admin), 200)


@case
def id_regex():
    gw, og = stack()
    bad = ["ab", "AB_upper", "_abc", "-abc", "a" * 65, "has space", "tenant.dot", "ténant",
           "", "abc/def"]
    for tid in bad:
        expect(og.call("POST", "/v1/tenants", tenant_body(tid), og.admin), 400,
               "invalid_request", "tenant id %r" % tid)
    for tid in ["abc", "a" * 64, "0ab", "a_b-c_9"]:
        expect(og.call("POST", "/v1/tenants", tenant_body(tid), og.admin), 201,
               msg="tenant id %r" % tid)


@case
def validation_ranges():
    gw, og = stack()
    cases_bad = [
        {"otp": {"length": 3}}, {"otp": {"length": 11}}, {"otp": {"ttl_sec": 29}},
        {"otp": {"ttl_sec": 601}}, {"otp": {"length": "6"}}, {"billing": {"mode": "credit"}},
        {"billing": {"mode": "PREPAID"}}, {"price_paise": -1}, {"name": 42},
        {"billing": {"credit_limit_paise": -5}}, {"billing": {"monthly_cap_sms": -1}},
    ]
    for over in cases_bad:
        expect(og.call("POST", "/v1/tenants", tenant_body(None, **over), og.admin), 400,
               "invalid_request", "tenant with %s" % json.dumps(over))
    for over in [{"otp": {"length": 4}}, {"otp": {"length": 10}}, {"otp": {"ttl_sec": 30}},
                 {"otp": {"ttl_sec": 600}}, {"billing": {"mode": "postpaid",
                                                         "credit_limit_paise": 500}}]:
        expect(og.call("POST", "/v1/tenants", tenant_body(None, **over), og.admin), 201,
               msg="tenant with %s" % json.dumps(over))


@case
def request_body_errors():
    gw, og = stack()
    expect(og.call("POST", "/v1/tenants", tenant_body(None, color="blue"), og.admin), 400,
           "invalid_request", "unknown top-level field")
    expect(og.call("POST", "/v1/tenants", tenant_body(None, otp={"digits": 6}), og.admin), 400,
           "invalid_request", "unknown nested field")
    expect(og.call("POST", "/v1/tenants", '{"id":"abc_def",', og.admin), 400, "invalid_json",
           "truncated JSON")
    expect(og.call("POST", "/v1/tenants", "[1,2]", og.admin), 400, None, "JSON array body")
    expect(og.call("POST", "/v1/tenants", json.dumps(tenant_body(None)), og.admin,
                   headers={"Content-Type": "text/plain"}), 415, "unsupported_media_type")
    big = tenant_body(None, name="x" * (65 * 1024))
    expect(og.call("POST", "/v1/tenants", big, og.admin), 413, "payload_too_large")
    # The cap is 64 KiB: a body of exactly 65536 bytes is read, one more byte is not.
    text = json.dumps(tenant_body("exactly_64k"))
    expect(og.call("POST", "/v1/tenants", text + " " * (65536 - len(text)), og.admin), 201,
           msg="a body of exactly 64 KiB")
    text = json.dumps(tenant_body("over_64k"))
    expect(og.call("POST", "/v1/tenants", text + " " * (65537 - len(text)), og.admin), 413,
           "payload_too_large", "64 KiB + 1")
    expect(og.call("POST", "/v1/tenants", json.dumps(tenant_body(None)), og.admin,
                   headers={"Content-Type": "application/json; charset=utf-8"}), 201,
           msg="application/json with a charset")
    # The server is still healthy and the connection logic intact afterwards.
    expect(og.call("GET", "/healthz"), 200)
    t = og.setup_tenant()
    # Unknown fields are refused on every route that takes a body.
    for path, body in (("/v1/otp/send", {"phone": unique_phone(), "tenant": "x"}),
                       ("/v1/otp/verify", {"request_id": "otp_x", "code": "123456", "x": 1}),
                       ("/v1/otp/resend", {"request_id": "otp_x", "x": 1})):
        expect(og.call("POST", path, body, t.key), 400, "invalid_request", "unknown field on " + path)
    for path, body in (("/v1/tenants/%s/wallet/credits" % t.id,
                        {"amount_paise": 5, "reference": "r", "note": "x"}),
                       ("/v1/tenants/%s/keys" % t.id, {"name": "k", "kind": "tenant", "x": 1}),
                       ("/v1/keys", {"kind": "send", "name": "k", "scope": "all"}),
                       ("/v1/tenants/%s/templates" % t.id, template_body(name="t2", lang="en"))):
        expect(og.call("POST", path, body, og.admin), 400, "invalid_request",
               "unknown field on " + path)
    eq(t.wallet()["balance_paise"], 10000, "refused credit changed nothing")


@case
def auth_required():
    gw, og = stack()
    for key in (None, "", "not-a-key", og.admin + "x", og.admin[:-1]):
        expect(og.call("GET", "/v1/tenants", key=key), 401, "unauthorized", "key %r" % key)
    expect(og.call("GET", "/v1/tenants", key="nope", bearer=True), 401, "unauthorized")
    expect(og.call("GET", "/v1/tenants", key=og.admin, bearer=True), 200, msg="Bearer admin")
    t = og.setup_tenant()
    # A tenant key on admin-only routes is 403 forbidden.
    expect(og.call("GET", "/v1/tenants", key=t.key), 403, "forbidden")
    expect(og.call("POST", "/v1/tenants", tenant_body(None), t.key), 403, "forbidden")
    expect(og.call("POST", "/v1/keys", {"kind": "admin", "name": "x"}, t.key), 403, "forbidden")
    expect(og.call("GET", "/v1/invoices/2026-06", key=t.key), 403, "forbidden")


@case
def list_pagination():
    gw, og = stack()
    made = set()
    for i in range(7):
        made.add(og.create_tenant("page_%02d" % i)["id"])
    seen, after, pages = [], None, 0
    for _ in range(20):
        path = "/v1/tenants?limit=2" + ("&after=%s" % after if after else "")
        page = expect(og.call("GET", path, key=og.admin), 200)
        ok(isinstance(page.get("data"), list), "list has data[]: %r" % page)
        ok(len(page["data"]) <= 2, "limit=2 honoured: %d items" % len(page["data"]))
        seen += [t["id"] for t in page["data"]]
        pages += 1
        after = page.get("next_after")
        if not after:
            break
    eq(len(seen), len(set(seen)), "no tenant listed twice")
    eq(set(seen), made, "all tenants listed once")
    ok(pages >= 4, "7 tenants in pages of 2 took %d pages" % pages)
    for bad in ("limit=0", "limit=-1", "limit=abc"):
        expect(og.call("GET", "/v1/tenants?" + bad, key=og.admin), 400, "invalid_request", bad)


@case
def patch_tenant():
    gw, og = stack()
    t = og.create_tenant("patch_me")
    p = expect(og.call("PATCH", "/v1/tenants/patch_me", {"name": "Renamed", "otp": {"length": 8}},
                       og.admin), 200)
    eq(p["name"], "Renamed", "patched name")
    eq(p["otp"]["length"], 8, "patched otp.length")
    eq(p["otp"]["ttl_sec"], 300, "untouched otp.ttl_sec kept")
    eq(p["sender_header"], t["sender_header"], "untouched field kept")
    g = expect(og.call("GET", "/v1/tenants/patch_me", key=og.admin), 200)
    eq(g["name"], "Renamed", "GET after PATCH")
    expect(og.call("PATCH", "/v1/tenants/patch_me", {"otp": {"length": 11}}, og.admin), 400,
           "invalid_request", "PATCH out of range")
    expect(og.call("PATCH", "/v1/tenants/patch_me", {"bogus": 1}, og.admin), 400,
           "invalid_request", "PATCH unknown field")
    expect(og.call("PATCH", "/v1/tenants/nobody_here", {"name": "x"}, og.admin), 404,
           "not_found")
    eq(expect(og.call("GET", "/v1/tenants/patch_me", key=og.admin), 200)["otp"]["length"], 8,
       "failed PATCH changed nothing")


@case
def delete_suspends():
    gw, og = stack()
    t = og.setup_tenant()
    phone = unique_phone()
    t.send_ok(phone)
    gw.wait_sends(phone)
    expect(og.call("DELETE", "/v1/tenants/%s" % t.id, key=og.admin), DELETED)
    n = len(gw.sends())
    expect(t.send(unique_phone()), 403, "tenant_suspended", "send by suspended tenant")
    expect(og.call("POST", "/v1/otp/send", {"tenant_id": t.id, "phone": unique_phone()},
                   og.admin), 403, "tenant_suspended", "admin send for suspended tenant")
    # Its data is kept.
    expect(og.call("GET", "/v1/tenants/%s" % t.id, key=og.admin), 200)
    wait_until(lambda: t.wallet()["balance_paise"] == 10000 - 25, what="wallet kept and charged")
    time.sleep(0.3)
    eq(len(gw.sends()), n, "nothing sent for a suspended tenant")


@case
def upstream_key_never_returned():
    gw, og = stack()
    secret = "sm_live_alpha_key_xyz123_SECRET"
    up = {"provider": "startmessaging", "url": gw.url, "api_key": secret}
    texts = []
    r = og.call("POST", "/v1/tenants", tenant_body("with_upstream", upstream=up), og.admin)
    expect(r, 201)
    texts.append(json.dumps(r[2]))
    texts.append(json.dumps(expect(og.call("GET", "/v1/tenants/with_upstream", key=og.admin),
                                   200)))
    texts.append(json.dumps(expect(og.call("GET", "/v1/tenants", key=og.admin), 200)))
    texts.append(json.dumps(expect(og.call("PATCH", "/v1/tenants/with_upstream",
                                           {"name": "Up"}, og.admin), 200)))
    for t in texts:
        ok(secret not in t, "upstream api_key returned: %s" % t[:300])
        ok("xyz123" not in t, "part of upstream api_key returned: %s" % t[:300])
    # Encrypted at rest: the credential is nowhere in the database files.
    raw = db_raw(og)
    ok(raw and secret.encode() not in raw, "upstream api_key stored in clear in the database")
    ok(og.admin.encode() not in raw, "admin key stored in clear in the database")


@case
def platform_keys():
    gw, og = stack()
    t = og.setup_tenant()
    for kind in ("send", "admin"):
        k = expect(og.call("POST", "/v1/keys", {"kind": kind, "name": "k-" + kind}, og.admin), 201)
        for f in ("id", "key", "kind", "created_at"):
            ok(f in k, "platform key has %s: %r" % (f, k))
        eq(k["kind"], kind, "kind")
        if kind == "send":
            send_key = k
        else:
            admin2 = k
    # Keys carry a type prefix: both admin keys share one the others lack.
    pa = os.path.commonprefix([og.admin, admin2["key"]])
    ok(len(pa) >= 2 and not send_key["key"].startswith(pa) and not t.key.startswith(pa),
       "type prefixes: admin %r, send %r, tenant %r" % (og.admin[:8], send_key["key"][:8],
                                                        t.key[:8]))
    expect(og.call("POST", "/v1/keys", {"kind": "tenant", "name": "x"}, og.admin), 400,
           "invalid_request", "kind tenant on /v1/keys")
    expect(og.call("POST", "/v1/keys", {"kind": "root", "name": "x"}, og.admin), 400,
           "invalid_request", "unknown kind")
    lst = expect(og.call("GET", "/v1/keys", key=og.admin), 200)
    ids = [k["id"] for k in lst["data"]]
    ok(send_key["id"] in ids and admin2["id"] in ids, "keys listed: %r" % ids)
    ok(send_key["key"] not in json.dumps(lst), "full key text in the key list")
    # The new keys work.
    expect(og.call("GET", "/v1/tenants", key=admin2["key"]), 200, msg="new admin key")
    phone = unique_phone()
    expect(og.call("POST", "/v1/otp/send", {"tenant_id": t.id, "phone": phone},
                   send_key["key"]), 202, msg="send key")
    expect(og.call("GET", "/v1/tenants", key=send_key["key"]), 403, "forbidden",
           "send key on admin route")
    # Revoked keys get 401 on their next use.
    expect(og.call("DELETE", "/v1/keys/%s" % send_key["id"], key=og.admin), DELETED)
    expect(og.call("POST", "/v1/otp/send", {"tenant_id": t.id, "phone": unique_phone()},
                   send_key["key"]), 401, "unauthorized", "revoked send key")
    expect(og.call("DELETE", "/v1/keys/%s" % admin2["id"], key=og.admin), DELETED)
    expect(og.call("GET", "/v1/tenants", key=admin2["key"]), 401, "unauthorized",
           "revoked admin key")
    expect(og.call("DELETE", "/v1/keys/no_such_key", key=og.admin), 404, "not_found")
    expect(og.call("GET", "/v1/tenants", key=og.admin), 200, msg="original admin key still works")


@case
def tenant_keys():
    gw, og = stack()
    t = og.setup_tenant()
    k2 = expect(og.call("POST", "/v1/tenants/%s/keys" % t.id, {"name": "second"}, og.admin), 201)
    for f in ("id", "key", "created_at"):
        ok(f in k2, "tenant key has %s: %r" % (f, k2))
    ok(k2["key"] != t.key, "keys differ")
    lst = expect(og.call("GET", "/v1/tenants/%s/keys" % t.id, key=og.admin), 200)
    ids = {k["id"] for k in lst["data"]}
    eq(ids, {t.key_id, k2["id"]}, "listed key ids")
    text = json.dumps(lst)
    ok(t.key not in text and k2["key"] not in text, "full key shown in list")
    for k in lst["data"]:
        ok(k.get("prefix") and (t.key.startswith(k["prefix"]) or k2["key"].startswith(k["prefix"])),
           "key listed with its prefix: %r" % k)
    expect(og.call("GET", "/v1/tenants/%s/wallet" % t.id, key=k2["key"]), 200, msg="second key")
    expect(og.call("DELETE", "/v1/tenants/%s/keys/%s" % (t.id, k2["id"]), key=og.admin), DELETED)
    expect(og.call("GET", "/v1/tenants/%s/wallet" % t.id, key=k2["key"]), 401, "unauthorized",
           "revoked tenant key")
    r = og.call("POST", "/v1/otp/send", {"phone": unique_phone()}, k2["key"])
    expect(r, 401, "unauthorized", "send with revoked tenant key")
    expect(og.call("GET", "/v1/tenants/%s/wallet" % t.id, key=t.key), 200, msg="other key kept")
    expect(og.call("DELETE", "/v1/tenants/%s/keys/nokey" % t.id, key=og.admin), 404, "not_found")
    expect(og.call("POST", "/v1/tenants/no_tenant_x/keys", {"name": "x"}, og.admin), 404,
           "not_found")


@case
def templates():
    gw, og = stack()
    t = og.setup_tenant()
    path = "/v1/tenants/%s/templates" % t.id
    expect(og.call("POST", path, template_body(), og.admin), 409, "conflict", "duplicate name")
    alt = template_body(name="signup", dlt_template_id="1107160000000099999", default=False,
                        body="Signup code {#var#} for {#var#}", vars=["otp", "appName"])
    expect(og.call("POST", path, alt, og.admin), 201)
    expect(og.call("POST", path, template_body(name="bad1", vars=["otp"]), og.admin), 400,
           "invalid_request", "vars count differs from {#var#} count")
    expect(og.call("POST", path, template_body(name="bad2", extra=1), og.admin), 400,
           "invalid_request", "unknown template field")
    lst = expect(og.call("GET", path, key=og.admin), 200)
    eq(sorted(x["name"] for x in lst["data"]), ["login", "signup"], "template list")
    # By name, by DLT id, and the default.
    p1, p2, p3 = unique_phone(), unique_phone(), unique_phone()
    t.send_ok(p1, template="signup")
    t.send_ok(p2, template="1107160000000099999")
    t.send_ok(p3)
    eq(gw.wait_sends(p1)[0]["body"]["templateId"], "1107160000000099999", "by name")
    eq(gw.wait_sends(p2)[0]["body"]["templateId"], "1107160000000099999", "by DLT id")
    eq(gw.wait_sends(p3)[0]["body"]["templateId"], DLT_TEMPLATE_ID, "default template")
    expect(og.call("DELETE", path + "/signup", key=og.admin), DELETED)
    expect(t.send(unique_phone(), template="signup"), 422, "template_not_found",
           "deleted template")
    expect(og.call("DELETE", path + "/signup", key=og.admin), 404, "not_found", "deleted twice")
    eq([x["name"] for x in expect(og.call("GET", path, key=og.admin), 200)["data"]], ["login"],
       "list after delete")


@case
def changes_apply_without_restart():
    gw, og = stack()
    t = og.setup_tenant()
    p1 = unique_phone()
    t.send_ok(p1)
    b1 = gw.wait_sends(p1)[0]["body"]
    eq(b1["variables"]["appName"], "Alpha Retail", "appName before")
    eq(len(b1["variables"]["otp"]), 6, "code length before")
    expect(og.call("PATCH", "/v1/tenants/%s" % t.id,
                   {"name": "Alpha Renamed", "otp": {"length": 8}}, og.admin), 200)
    p2 = unique_phone()
    t.send_ok(p2)
    b2 = gw.wait_sends(p2)[0]["body"]
    eq(b2["variables"]["appName"], "Alpha Renamed", "appName after PATCH")
    eq(len(b2["variables"]["otp"]), 8, "code length after PATCH")
    # A new default template applies to the next send.
    expect(og.call("POST", "/v1/tenants/%s/templates" % t.id,
                   template_body(name="v2", dlt_template_id="1107160000000077777", default=True),
                   og.admin), 201)
    p3 = unique_phone()
    t.send_ok(p3)
    eq(gw.wait_sends(p3)[0]["body"]["templateId"], "1107160000000077777", "new default")
    # A monthly cap set now refuses the next send.
    w = t.wallet()
    expect(og.call("PATCH", "/v1/tenants/%s" % t.id,
                   {"billing": {"monthly_cap_sms": w["month_sms"]}}, og.admin), 200)
    expect(t.send(unique_phone()), 402, "monthly_cap_reached", "cap applied without restart")


if __name__ == "__main__":
    main()
