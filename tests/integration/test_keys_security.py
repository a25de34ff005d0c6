"""API key expiry, source-IP allow-lists and rotation (docs/SECURITY.md
SEC-10..SEC-13), and their audit trail with who, what, when and from which
address. Each case fails if its defence is removed: an expired key must get
401, a key used from outside its allow-list 403, and the trail must name
the limits and the caller's address."""

import datetime as dt
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (case, eq, expect, free_port, main, ok, stack, unique_phone,  # noqa: E402
                     wait_until)


def iso(seconds_from_now):
    t = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds_from_now)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def audit(og, query=""):
    return expect(og.call("GET", "/v1/audit" + query, key=og.admin), 200)["data"]


def new_tenant_key(og, t, **body):
    return expect(og.call("POST", "/v1/tenants/%s/keys" % t.id, body, og.admin), 201,
                  msg="create tenant key %r" % body)


def listed(og, path, key_id):
    page = expect(og.call("GET", path + "?limit=100", key=og.admin), 200)["data"]
    found = [k for k in page if k["id"] == key_id]
    eq(len(found), 1, "key %s in %s" % (key_id, path))
    return found[0]


@case
def allowed_ips_refuse_other_addresses():
    gw, og = stack()
    t = og.setup_tenant()
    outside = new_tenant_key(og, t, name="office", allowed_ips=["10.0.0.0/8", "::1/128"])
    inside = new_tenant_key(og, t, name="local", allowed_ips=["10.0.0.0/8", "127.0.0.1/32"])
    eq(outside["allowed_ips"], ["10.0.0.0/8", "::1/128"], "allowed_ips echoed on creation")

    body = expect(og.call("GET", "/v1/tenants/%s/wallet" % t.id, key=outside["key"]), 403,
                  "forbidden", "a key used from outside its allow-list")
    ok("127.0.0.1" in body["error"]["message"], "the refusal names the address: %r" % body)
    expect(og.call("POST", "/v1/otp/send", {"phone": unique_phone()}, outside["key"]), 403,
           "forbidden", "an OTP send from outside the list")
    expect(og.call("GET", "/v1/tenants/%s/wallet" % t.id, key=inside["key"]), 200,
           msg="a key used from inside its allow-list")
    expect(og.call("POST", "/v1/otp/send", {"phone": unique_phone()}, inside["key"]), 202,
           msg="an OTP send from inside the list")

    # Host bits are cleared and a bare address is a host block.
    odd = new_tenant_key(og, t, allowed_ips=["127.1.2.3/8", "2001:db8::1"])
    eq(odd["allowed_ips"], ["127.0.0.0/8", "2001:db8::1/128"], "canonical blocks")
    expect(og.call("GET", "/v1/tenants/%s/wallet" % t.id, key=odd["key"]), 200,
           msg="127.0.0.1 lies in 127.0.0.0/8")

    # Platform keys take the same limits.
    admin_far = expect(og.call("POST", "/v1/keys", {"kind": "admin",
                                                      "allowed_ips": ["192.0.2.0/24"]},
                               og.admin), 201)
    expect(og.call("GET", "/v1/tenants", key=admin_far["key"]), 403, "forbidden",
           "an admin key from outside its list")
    listing = listed(og, "/v1/keys", admin_far["id"])
    eq(listing["allowed_ips"], ["192.0.2.0/24"], "allowed_ips in the platform key listing")
    eq(listed(og, "/v1/tenants/%s/keys" % t.id, inside["id"])["allowed_ips"],
       ["10.0.0.0/8", "127.0.0.1/32"], "allowed_ips in the tenant key listing")
    eq(listed(og, "/v1/tenants/%s/keys" % t.id, t.key_id)["allowed_ips"], None,
       "a key without a list shows null")

    # The limits are in the database, not in memory.
    og.restart()
    expect(og.call("GET", "/v1/tenants/%s/wallet" % t.id, key=outside["key"]), 403,
           "forbidden", "after a restart")
    expect(og.call("GET", "/v1/tenants/%s/wallet" % t.id, key=inside["key"]), 200,
           msg="after a restart")


@case
def ipv6_clients_match_ipv6_blocks():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        print("    (no IPv6 loopback here; case skipped)")
        return
    gw, og = stack()
    t = og.setup_tenant()
    v6 = new_tenant_key(og, t, allowed_ips=["::1/128"])
    v4 = new_tenant_key(og, t, allowed_ips=["127.0.0.1"])
    og.stop()
    port = free_port()
    og.extra = ["--listen", "[::1]:%d" % port]
    og.start(check_ready=False)

    def v6call(key):
        import http.client
        c = http.client.HTTPConnection("::1", port, timeout=10)
        try:
            c.request("GET", "/v1/tenants/%s/wallet" % t.id, headers={"X-API-Key": key})
            r = c.getresponse()
            r.read()
            return r.status
        finally:
            c.close()

    def ready():
        try:
            return v6call(v6["key"])
        except OSError:
            return None
    eq(wait_until(ready, 20, what="otpgate on [::1]"), 200, "::1 inside ::1/128")
    eq(v6call(v4["key"]), 403, "::1 outside 127.0.0.1/32")


@case
def expired_keys_are_refused():
    gw, og = stack()
    t = og.setup_tenant()
    soon = new_tenant_key(og, t, name="short", expires_at=iso(2))
    ok(soon["expires_at"].endswith("Z"), "expires_at echoed: %r" % soon)
    expect(og.call("GET", "/v1/tenants/%s/wallet" % t.id, key=soon["key"]), 200,
           msg="before its expiry")
    body = wait_until(lambda: (lambda r: r if r[0] == 401 else None)(
        og.call("GET", "/v1/tenants/%s/wallet" % t.id, key=soon["key"])), 20,
        interval=0.2, what="the key to expire")
    expect(body, 401, "unauthorized", "an expired key")
    ok("expired" in body[2]["error"]["message"], "the refusal says why: %r" % (body[2],))
    expect(og.call("POST", "/v1/otp/send", {"phone": unique_phone()}, soon["key"]), 401,
           "unauthorized", "an expired key cannot send")
    eq(listed(og, "/v1/tenants/%s/keys" % t.id, soon["id"])["expires_at"], soon["expires_at"],
       "expires_at in the listing")
    # A far expiry is just a key.
    later = new_tenant_key(og, t, expires_at="2099-01-01T00:00:00Z")
    expect(og.call("GET", "/v1/tenants/%s/wallet" % t.id, key=later["key"]), 200,
           msg="a key that expires in 2099")
    eq(later["expires_at"], "2099-01-01T00:00:00.000Z", "expiry normalised to UTC")
    # An offset is honoured: 2099-01-01T05:30+05:30 is midnight UTC.
    off = new_tenant_key(og, t, expires_at="2099-01-01T05:30:00+05:30")
    eq(off["expires_at"], "2099-01-01T00:00:00.000Z", "an offset expiry")


@case
def bad_limits_are_refused():
    gw, og = stack()
    t = og.setup_tenant()
    path = "/v1/tenants/%s/keys" % t.id
    for body, field in (({"expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
                        ({"expires_at": "tomorrow"}, "expires_at"),
                        ({"expires_at": 5}, "expires_at"),
                        ({"allowed_ips": ["300.1.1.1/8"]}, "allowed_ips"),
                        ({"allowed_ips": ["10.0.0.0/33"]}, "allowed_ips"),
                        ({"allowed_ips": ["example.com"]}, "allowed_ips"),
                        ({"allowed_ips": []}, "allowed_ips"),
                        ({"allowed_ips": "10.0.0.0/8"}, "allowed_ips"),
                        ({"allowed_ips": ["10.%d.0.0/16" % i for i in range(17)]},
                         "allowed_ips")):
        got = expect(og.call("POST", path, body, og.admin), 400, "invalid_request",
                     "bad limits %r" % (body,))
        eq(got["error"].get("field"), field, "the field named for %r" % (body,))
        got = expect(og.call("POST", "/v1/keys", dict(body, kind="send"), og.admin), 400,
                     "invalid_request", "bad platform key limits %r" % (body,))
        eq(got["error"].get("field"), field, "the field named for a platform key")
    # Sixteen blocks is the limit, and allowed.
    expect(og.call("POST", path, {"allowed_ips": ["10.%d.0.0/16" % i for i in range(16)]},
                   og.admin), 201, msg="sixteen blocks")


@case
def rotation_overlaps_then_ends():
    gw, og = stack()
    t = og.setup_tenant()
    old = new_tenant_key(og, t, name="prod", allowed_ips=["127.0.0.0/8"])
    rot = expect(og.call("POST", "/v1/tenants/%s/keys/%s/rotate" % (t.id, old["id"]),
                         {"old_expires_at": iso(3)}, og.admin), 201, msg="rotate")
    ok(rot["key"].startswith("ogt_") and rot["key"] != old["key"], "a new tenant key")
    eq(rot["replaces"]["id"], old["id"], "the rotation names the key it replaces")
    eq(rot["allowed_ips"], ["127.0.0.0/8"], "the new key keeps the old key's allow-list")
    wallet = "/v1/tenants/%s/wallet" % t.id
    # Both work during the overlap.
    expect(og.call("GET", wallet, key=old["key"]), 200, msg="old key during the overlap")
    expect(og.call("GET", wallet, key=rot["key"]), 200, msg="new key during the overlap")
    eq(listed(og, "/v1/tenants/%s/keys" % t.id, old["id"])["expires_at"],
       rot["replaces"]["expires_at"], "the old key's listing shows its end")
    wait_until(lambda: og.call("GET", wallet, key=old["key"])[0] == 401, 20, interval=0.2,
               what="the old key to run out")
    expect(og.call("GET", wallet, key=rot["key"]), 200, msg="the new key after the overlap")
    # A rotation without a body keeps the old key for a day.
    again = expect(og.call("POST", "/v1/tenants/%s/keys/%s/rotate" % (t.id, rot["id"]),
                           key=og.admin), 201, msg="rotate with defaults")
    end = dt.datetime.strptime(again["replaces"]["expires_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    left = (end.replace(tzinfo=dt.timezone.utc) - dt.datetime.now(dt.timezone.utc))
    ok(dt.timedelta(hours=23) < left <= dt.timedelta(hours=24), "a day's overlap: %s" % left)
    # New limits for the new key, and a rotation never lengthens the old key's life.
    third = expect(og.call("POST", "/v1/tenants/%s/keys/%s/rotate" % (t.id, again["id"]),
                           {"old_expires_at": "2099-01-01T00:00:00Z",
                            "allowed_ips": ["10.0.0.0/8"], "expires_at": iso(3600)},
                           og.admin), 201)
    eq(third["allowed_ips"], ["10.0.0.0/8"], "the new key's own list")
    ok(third["expires_at"] is not None, "the new key's own expiry")
    expect(og.call("GET", wallet, key=third["key"]), 403, "forbidden", "its list applies")
    # Revoked or expired keys are not rotated; other tenants' keys are not found.
    expect(og.call("POST", "/v1/tenants/%s/keys/%s/rotate" % (t.id, old["id"]), key=og.admin),
           409, "conflict", "rotating an expired key")
    expect(og.call("DELETE", "/v1/tenants/%s/keys/%s" % (t.id, rot["id"]), key=og.admin), 204)
    expect(og.call("POST", "/v1/tenants/%s/keys/%s/rotate" % (t.id, rot["id"]), key=og.admin),
           409, "conflict", "rotating a revoked key")
    other = og.setup_tenant()
    expect(og.call("POST", "/v1/tenants/%s/keys/%s/rotate" % (other.id, again["id"]),
                   key=og.admin), 404, "not_found", "another tenant's key")
    expect(og.call("POST", "/v1/tenants/%s/keys/%s/rotate" % (t.id, again["id"]),
                   key=t.key), 403, "forbidden", "a tenant key may not rotate keys")
    # Platform keys rotate the same way.
    send = expect(og.call("POST", "/v1/keys", {"kind": "send", "name": "s"}, og.admin), 201)
    new_send = expect(og.call("POST", "/v1/keys/%s/rotate" % send["id"],
                              {"old_expires_at": iso(600)}, og.admin), 201)
    eq(new_send["kind"], "send", "the successor keeps the kind")
    for k in (send["key"], new_send["key"]):
        expect(og.call("POST", "/v1/otp/send", {"tenant_id": t.id, "phone": unique_phone()},
                       k), 202, msg="both send keys work during the overlap")


@case
def limits_and_rotations_are_audited_with_the_address():
    gw, og = stack()
    t = og.setup_tenant()
    k = new_tenant_key(og, t, name="audited", expires_at=iso(3600),
                       allowed_ips=["127.0.0.1/32"])
    rot = expect(og.call("POST", "/v1/tenants/%s/keys/%s/rotate" % (t.id, k["id"]),
                         {"old_expires_at": iso(60)}, og.admin), 201)
    trail = audit(og, "?tenant_id=%s&limit=100" % t.id)
    by = {(e["action"], e["target"]): e for e in trail}
    created = by[("key.create", k["id"])]
    eq(created["detail"]["allowed_ips"], ["127.0.0.1/32"], "the allow-list is recorded")
    eq(created["detail"]["expires_at"], k["expires_at"], "the expiry is recorded")
    eq(created["detail"]["kind"], "tenant", "the kind is recorded")
    rotated = by[("key.rotate", k["id"])]
    eq(rotated["detail"]["new_key_id"], rot["id"], "the rotation names the new key")
    eq(rotated["detail"]["old_expires_at"], rot["replaces"]["expires_at"],
       "the rotation names the old key's end")
    successor = by[("key.create", rot["id"])]
    eq(successor["detail"]["rotates"], k["id"], "the successor names what it replaces")
    for e in (created, rotated, successor):
        eq(e["actor"]["kind"], "admin", "who")
        eq(e["actor"]["ip"], "127.0.0.1", "from which address")
        ok(e["actor"]["key_id"].startswith("key_"), "which key")
        ok(e["created_at"].endswith("Z"), "when")
    # Refused calls change nothing, so they leave no entry.
    n = len(audit(og, "?limit=100"))
    expect(og.call("POST", "/v1/tenants/%s/keys" % t.id, {"allowed_ips": ["bad"]}, og.admin),
           400)
    eq(len(audit(og, "?limit=100")), n, "a refused creation leaves no entry")
    # Nothing secret reaches the trail.
    everything = str(audit(og, "?limit=100"))
    for secret in (k["key"], rot["key"], t.key, og.admin):
        ok(secret not in everything, "a key's text in the audit trail")


if __name__ == "__main__":
    main()
