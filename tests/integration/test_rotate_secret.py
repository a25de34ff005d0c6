"""`otpgate rotate-secret` (docs/SECURITY.md SEC-03..SEC-07): every sealed
value is re-encrypted under the new secret and the phone lookups rehashed,
so after a rotation a tenant's own upstream credential still opens, a queued
message is still delivered, a pending request can still be verified by id
or by phone and resent, and test numbers still match; API keys keep working
through the previous secret and are rehashed on use; the previous secret is
retired only when nothing needs it. A rotation killed at any step leaves a
server that refuses to start, and running the command again finishes it.
"""

import json
import os
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (PROVIDER_KEY, Gateway, Otpgate, case, eq, expect, main, ok,  # noqa: E402
                     run_cli, unique_phone, wait_until)

STEPS = ["staged", "batch:1", "batch:2", "batch:3", "recorded", "prev"]


def read(path):
    with open(path, "rb") as f:
        return f.read()


def rotate(og, *extra, env=None, expect_rc=0):
    e = dict(os.environ)
    e.pop("OTPGATE_ROTATE_CRASH_AT", None)
    e.update(env or {})
    r = run_cli(["rotate-secret", "--db", og.db, "--secret-file", og.secret] + list(extra),
                env=e)
    eq(r.returncode, expect_rc, "rotate-secret %r exit code (stderr: %s)" %
       (extra, r.stderr[-600:]))
    return json.loads(r.stdout) if expect_rc == 0 and r.stdout.strip() else r


class World:
    """A deployment with something in every sealed column and every kind of key."""

    def __init__(self):
        self.gw = Gateway(key=PROVIDER_KEY)
        self.upstream_secret = "sm_live_rot_" + secrets.token_hex(10)
        self.own = Gateway(key=self.upstream_secret)
        self.og = Otpgate(gateway=self.gw, extra=["--resend-cooldown-sec", "0"])
        og = self.og
        self.t = og.setup_tenant(upstream={"provider": "startmessaging", "url": self.own.url,
                                           "api_key": self.upstream_secret})
        self.unused = expect(og.call("POST", "/v1/tenants/%s/keys" % self.t.id, {"name": "u"},
                                     og.admin), 201)
        self.later = expect(og.call("POST", "/v1/tenants/%s/keys" % self.t.id, {"name": "l"},
                                    og.admin), 201)
        self.send_key = expect(og.call("POST", "/v1/keys", {"kind": "send"}, og.admin),
                               201)["key"]
        # A pending request verified by id after the rotation, one by phone, one resent.
        self.p_id, self.p_phone, self.p_resend = unique_phone(), unique_phone(), unique_phone()
        self.r_id = self.t.send_ok(self.p_id)
        self.code_id = self.own.code_for(self.p_id)
        self.r_phone = self.t.send_ok(self.p_phone)
        self.code_phone = self.own.code_for(self.p_phone)
        self.r_resend = self.t.send_ok(self.p_resend)
        self.own.code_for(self.p_resend)
        # A test number: its number and code are sealed, its lookup hashed.
        self.test_phone = unique_phone()
        st, _, body = og.call("POST", "/v1/tenants/%s/test-numbers" % self.t.id,
                              {"phone": self.test_phone, "code": "246810"}, og.admin)
        ok(st == 201, "test number: %d %r" % (st, body))
        # A message still queued: the tenant's gateway fails until told otherwise.
        self.own.control("5xx", count=0)
        self.p_queued = unique_phone()
        self.r_queued = self.t.send_ok(self.p_queued)
        og.stop()
        self.own.control("ok")

    def check_after(self):
        """Everything sealed or hashed before the rotation still works after it."""
        og, t = self.og, self.t
        expect(og.call("GET", "/v1/tenants", key=og.admin), 200, msg="the admin key")
        expect(og.call("GET", "/v1/tenants/%s/wallet" % t.id, key=t.key), 200,
               msg="a tenant key")
        eq(t.verify(self.r_id["request_id"], self.code_id)["verified"], True,
           "a code sent before the rotation, by request id")
        body = expect(og.call("POST", "/v1/otp/verify", {"phone": self.p_phone,
                                                         "code": self.code_phone}, t.key), 200)
        eq(body["verified"], True, "a code sent before the rotation, by phone")
        expect(og.call("POST", "/v1/otp/resend", {"request_id": self.r_resend["request_id"]},
                       t.key), 202, msg="a resend needs the sealed context")
        self.own.wait_sends(self.p_resend, 2)
        og.wait_message(self.r_queued["message_id"], timeout=60)
        eq(len(self.own.sends(self.p_queued, accepted_only=True)), 1,
           "the queued message went out with the tenant's own credential")
        r = t.send_ok(self.test_phone)
        eq(t.verify(r["request_id"], "246810")["verified"], True, "the test number's code")
        p = unique_phone()
        t.send_ok(p)
        self.own.wait_sends(p)


@case(timeout=240)
def rotation_keeps_every_secret_usable():
    w = World()
    og = w.og
    old = read(og.secret)
    out = rotate(og)
    new = read(og.secret)
    ok(new != old and len(new) == 32, "the secret file holds a new secret")
    eq(read(og.secret + ".prev"), old, "the old secret is kept as SECRET.prev")
    ok(not os.path.exists(og.secret + ".next"), "nothing staged is left")
    eq(out["resealed"]["tenant_upstream_key"], 1, "the upstream credential re-encrypted")
    eq(out["resealed"]["message_payload"], 1, "the queued message's payload")
    ok(out["resealed"]["otp_context"] >= 4, "the pending requests' contexts: %r" % out)
    eq(out["resealed"]["test_number"], 1, "the test number")
    ok(out["phones_rehashed"] >= 5, "phone lookups rehashed: %r" % out)
    eq(sum(out["unreadable"].values()), 0, "nothing unreadable")
    og.start()
    w.check_after()
    trail = expect(og.call("GET", "/v1/audit?limit=100", key=og.admin), 200)["data"]
    rot = [e for e in trail if e["action"] == "secret.rotate"]
    eq(len(rot), 1, "the rotation is audited")
    eq((rot[0]["detail"]["from"], rot[0]["detail"]["to"]), (out["from"], out["to"]),
       "naming both fingerprints")
    eq(rot[0]["actor"]["kind"], "cli", "by otpgate's own command")

    # The previous secret stays while a live key still needs it.
    og.stop()
    r = rotate(og, "--retire-previous", expect_rc=1)
    ok("still needed" in r.stderr, "retire refused: %s" % r.stderr)
    r = rotate(og, expect_rc=1)
    ok("--force" in r.stderr, "a new rotation refused while keys need SECRET.prev: %s" %
       r.stderr)
    og.start()
    # Using a key rehashes it under the new secret.
    expect(og.call("GET", "/v1/tenants/%s/wallet" % w.t.id, key=w.later["key"]), 200,
           msg="a key made before the rotation, used after it")
    # Forced, the previous secret goes, and so does every key not yet used since.
    out = rotate(og, "--retire-previous", "--force")
    eq(out["retired"], True, "retired")
    ok(out["keys_on_previous_secret"] >= 1, "the unused key is counted: %r" % out)
    ok(not os.path.exists(og.secret + ".prev"), "SECRET.prev deleted")
    og.restart()
    expect(og.call("GET", "/v1/tenants/%s/wallet" % w.t.id, key=w.later["key"]), 200,
           msg="a rehashed key survives the retirement")
    expect(og.call("GET", "/v1/tenants/%s/wallet" % w.t.id, key=w.unused["key"]), 401,
           "unauthorized", "a key never used since the rotation dies with the old secret")
    trail = expect(og.call("GET", "/v1/audit?limit=100", key=og.admin), 200)["data"]
    ok([e for e in trail if e["action"] == "secret.retire_previous"], "the retirement is audited")


@case(timeout=600)
def a_rotation_killed_at_any_step_is_finished_by_a_rerun():
    for step in STEPS:
        w = World()
        og = w.og
        old = read(og.secret)
        r = rotate(og, env={"OTPGATE_ROTATE_CRASH_AT": step}, expect_rc=137)
        ok(os.path.exists(og.secret + ".next"), "%s: the staged secret is left" % step)
        # Nothing may run on a half-rotated database.
        r = run_cli(["admin-key", "--db", og.db, "--secret-file", og.secret])
        ok(r.returncode != 0 and "rotate-secret" in r.stderr,
           "%s: admin-key refused: %s" % (step, r.stderr))
        og.start(check_ready=False)
        ok(og.proc.wait(20) not in (None, 0), "%s: serve refused to start" % step)
        ok("rotate-secret" in og.stderr(), "%s: and says how to finish" % step)
        og.proc.expected_death = True
        out = rotate(og)
        eq(out["resumed"], True, "%s: the rerun resumed" % step)
        ok(read(og.secret) != old, "%s: the new secret is installed" % step)
        eq(read(og.secret + ".prev"), old, "%s: the old one kept" % step)
        eq(sum(out["unreadable"].values()), 0, "%s: nothing left unreadable" % step)
        og.start()
        w.check_after()
        trail = expect(og.call("GET", "/v1/audit?limit=100", key=og.admin), 200)["data"]
        eq(len([e for e in trail if e["action"] == "secret.rotate"]), 1,
           "%s: one rotation recorded, not two" % step)
        og.stop()


@case(timeout=120)
def rotation_guards():
    gw = Gateway()
    og = Otpgate(gateway=gw)
    t = og.setup_tenant()
    # A running server holds the secret: no rotation under it.
    r = rotate(og, expect_rc=1)
    ok("in use" in r.stderr, "refused while serving: %s" % r.stderr)
    ok(not os.path.exists(og.secret + ".next"), "and nothing was staged")
    expect(og.call("GET", "/v1/tenants", key=og.admin), 200, msg="the server is unaffected")
    og.stop()
    # An operator-supplied secret must be 32 bytes, and is used as given.
    bad = os.path.join(og.dir, "short.secret")
    with open(bad, "wb") as f:
        f.write(os.urandom(31))
    r = rotate(og, "--new-secret-file", bad, expect_rc=1)
    ok("32 bytes" in r.stderr, "a short secret refused: %s" % r.stderr)
    given = os.path.join(og.dir, "given.secret")
    material = os.urandom(32)
    with open(given, "wb") as f:
        f.write(material)
    rotate(og, "--new-secret-file", given)
    eq(read(og.secret), material, "the given secret is installed")
    og.start()
    expect(og.call("GET", "/v1/tenants/%s/wallet" % t.id, key=t.key), 200,
           msg="the tenant key through the previous secret")
    og.stop()
    # Another deployment's secret file is refused, not silently used.
    stranger = os.path.join(og.dir, "stranger.secret")
    with open(stranger, "wb") as f:
        f.write(os.urandom(32))
    r = run_cli(["migrate", "--db", og.db, "--secret-file", stranger])
    ok(r.returncode != 0 and "fingerprint" in r.stderr,
       "a foreign secret refused: %s" % r.stderr)
    r = run_cli(["rotate-secret", "--db", og.db, "--secret-file", stranger])
    ok(r.returncode != 0 and "fingerprint" in r.stderr,
       "rotating from a foreign secret refused: %s" % r.stderr)
    ok(not os.path.exists(stranger + ".next"), "and nothing was staged for it")
    og.start()
    expect(og.call("GET", "/healthz"), 200)
    wait_until(lambda: og.call("GET", "/v1/tenants", key=og.admin)[0] == 200, 5,
               what="the admin key")


if __name__ == "__main__":
    main()
