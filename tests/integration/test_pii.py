"""Personal data and secrets at rest (docs/SECURITY.md SEC-20..SEC-26).

The leak test runs a full flow against the fake gateway (tenants, platform
and tenant keys, a tenant upstream with its own credential, sends, verifies
right and wrong, resends, the compatible endpoints, failed and retried
deliveries), then greps the database, its -wal and -shm files, the server's
stderr log and its stdout for any OTP code (read from the gateway), API key,
upstream credential or unmasked phone number. The log provider's SMS log is
the simulated SMS itself, so this runs with the startmessaging provider.

The retention cases show that `otpgate purge` and the background job delete
OTP requests and message details past each tenant's retention, wipe the
sealed contexts of dead codes, and keep the ledger, usage and audit trail.
"""

import datetime as dt
import json
import os
import re
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (PROVIDER_KEY, case, db_exec, db_raw, db_rows, db_tables, eq,  # noqa: E402
                     expect, main, ok, pg_backend, run_cli, stack, unique_phone, wait_until)

DAY_MS = 24 * 3600 * 1000
CODE_LENGTH = 10  # long codes: a chance match in the files is out of the question


def iso_in(days=0, seconds=0):
    t = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=days, seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def read_bytes(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def find_leaks(blobs, needles):
    """[(needle label, file)] for every needle found in any blob."""
    found = []
    for label, needle in needles:
        for name, blob in blobs.items():
            if needle.encode() in blob:
                found.append((label, name))
    return found


def settled(og, mid):
    return wait_until(lambda: (lambda m: m if m["status"] in ("sent", "failed") else None)(
        og.message(mid)), 60, interval=0.1, what="message %s to settle" % mid)


@case(timeout=240)
def no_code_key_credential_or_number_leaks():
    gw, og = stack(extra=["--resend-cooldown-sec", "0"])
    upstream_secret = "sm_live_leak_" + secrets.token_hex(12)
    a = og.setup_tenant(otp={"length": CODE_LENGTH, "ttl_sec": 300, "max_attempts": 5},
                        upstream={"provider": "startmessaging", "url": gw.url,
                                  "api_key": upstream_secret})
    b = og.setup_tenant(otp={"length": CODE_LENGTH, "ttl_sec": 300, "max_attempts": 3})
    send_key = expect(og.call("POST", "/v1/keys", {"kind": "send", "name": "s"}, og.admin),
                      201)["key"]
    limited = expect(og.call("POST", "/v1/tenants/%s/keys" % a.id,
                             {"allowed_ips": ["127.0.0.1"], "expires_at": iso_in(days=1)},
                             og.admin), 201)
    rotated = expect(og.call("POST", "/v1/tenants/%s/keys/%s/rotate" % (a.id, limited["id"]),
                             key=og.admin), 201)
    keys = [og.admin, send_key, a.key, b.key, limited["key"], rotated["key"]]
    phones = []

    def phone():
        p = unique_phone()
        phones.append(p)
        return p

    # Sends, verified right and wrong, by id and by phone.
    p1 = phone()
    r1 = a.send_ok(p1)
    a.verify(r1["request_id"], gw.code_for(p1))
    p2 = phone()
    r2 = expect(og.call("POST", "/v1/otp/send", {"tenant_id": b.id, "phone": p2}, send_key),
                202)
    code2 = gw.code_for(p2)
    wrong = ("1" if code2[0] != "1" else "2") + code2[1:]
    eq(b.verify(r2["request_id"], wrong)["verified"], False, "a wrong code")
    expect(og.call("POST", "/v1/otp/verify", {"phone": p2, "code": code2}, b.key), 200)
    # Resends: the old code and the new one both reach the gateway.
    p3 = phone()
    r3 = a.send_ok(p3)
    gw.code_for(p3)
    expect(og.call("POST", "/v1/otp/resend", {"request_id": r3["request_id"]}, a.key), 202)
    gw.code_for(p3, 2)
    # A request worn out by wrong codes.
    p4 = phone()
    r4 = b.send_ok(p4)
    gw.code_for(p4)
    for _ in range(4):
        og.call("POST", "/v1/otp/verify", {"request_id": r4["request_id"], "code": "0" * 10},
                b.key)
    # The gateway-compatible endpoints, with a caller's own code.
    p5 = phone()
    own_code = "".join(secrets.choice("0123456789") for _ in range(CODE_LENGTH))
    st, _, body = og.call("POST", "/otp/send", {"phoneNumber": p5, "variables": {"otp": own_code}},
                          a.key)
    ok(st in (200, 201, 202), "compat send: %d %r" % (st, body))
    gw.wait_sends(p5)
    st, _, body = og.call("POST", "/otp/verify", {"otpRequestId": body["data"]["otpRequestId"],
                                                  "otp": own_code}, a.key)
    ok(st == 200 and body["data"]["verified"], "compat verify: %d %r" % (st, body))
    # Idempotent send, replayed.
    p6 = phone()
    idem = "leak-%s" % secrets.token_hex(4)
    first = expect(og.call("POST", "/v1/otp/send", {"phone": p6}, b.key,
                           headers={"Idempotency-Key": idem}), 202)
    again = expect(og.call("POST", "/v1/otp/send", {"phone": p6}, b.key,
                           headers={"Idempotency-Key": idem}), 202)
    eq(again["message_id"], first["message_id"], "the replay sends nothing new")
    gw.wait_sends(p6)
    # A permanent failure and a retried one (nothing else is in flight now).
    gw.control("4xx", count=1)
    p7 = phone()
    r7 = a.send_ok(p7)
    eq(settled(og, r7["message_id"])["status"], "failed", "a rejected message")
    gw.control("5xx", count=2)
    p8 = phone()
    r8 = b.send_ok(p8)
    eq(settled(og, r8["message_id"])["status"], "sent", "a retried message")
    for r in (r1, r2, r3, r4):
        settled(og, r["message_id"])

    codes = sorted({it["body"]["variables"]["otp"] for it in gw.received()
                    if isinstance(it.get("body"), dict) and "variables" in it["body"]})
    ok(len(codes) >= 9 and own_code in codes, "codes seen by the gateway: %d" % len(codes))
    ok(all(len(c) == CODE_LENGTH for c in codes), "codes of %d digits" % CODE_LENGTH)
    needles = [("code", c) for c in codes]
    needles += [("api key", k) for k in keys] + [("api key secret", k[4:]) for k in keys]
    needles += [("upstream credential", upstream_secret),
                ("platform credential", PROVIDER_KEY)]
    for p in phones:
        needles += [("phone", p), ("phone digits", p[1:]), ("national number", p[3:])]

    def files():
        # SQLite: the file, its WAL and its shared-memory index, read raw.
        # PostgreSQL: a dump of the data with every bytea decoded as well.
        if pg_backend():
            out = {"db": db_raw(og)}
        else:
            out = {"db": read_bytes(og.db), "db-wal": read_bytes(og.db + "-wal"),
                   "db-shm": read_bytes(og.db + "-shm")}
        for i in range(1, og.runs + 1):
            out["stderr.%d" % i] = og.stderr(i).encode()
            out["stdout.%d" % i] = og.stdout(i).encode()
        return out

    live = files()
    # The grep looks at real data: the files hold the masked numbers and the log
    # recorded the traffic, so an empty or wrong file cannot pass by accident.
    ok(len(live["db"]) > 0 and (pg_backend() or len(live["db-wal"]) > 0),
       "database and WAL present")
    masked = "+91******" + phones[0][-4:]
    ok(masked.encode() in live["db"] + live.get("db-wal", b""), "masked numbers are stored")
    ok(b"otp.sent" in live["stderr.1"], "the log recorded the sends")
    eq(find_leaks(live, needles), [], "secrets or numbers in the files of a running server")

    # Stopped, the WAL is checkpointed into the database: look again.
    og.stop()
    eq(find_leaks(files(), needles), [], "secrets or numbers after shutdown")
    # Every table is covered: no text value anywhere holds an Indian mobile
    # number. The DLT whitelists hold a business's own callback numbers,
    # which DLT needs in the clear and every SMS prints: not an end user's.
    if pg_backend():
        tables = db_tables(og)
    else:
        tables = {n for (n,) in db_rows(og, "SELECT name FROM sqlite_master"
                                            " WHERE type IN ('table', 'view')")}
    for table in sorted(t for t in tables if not t.endswith("whitelist")):
        for row in db_rows(og, "SELECT * FROM %s" % table):
            for v in row:
                if isinstance(v, str) and not v.startswith("\\x"):
                    ok(not re.search(r"(?<!\d)\+?91[6-9]\d{9}(?!\d)", v),
                       "%s holds a phone number: %r" % (table, v))


def purge(og, now_iso, *extra):
    r = run_cli(["purge", "--db", og.db, "--secret-file", og.secret, "--now", now_iso] +
                list(extra))
    eq(r.returncode, 0, "otpgate purge (stderr: %s)" % r.stderr[-400:])
    return json.loads(r.stdout)


@case(timeout=180)
def purge_follows_each_tenants_retention_and_keeps_the_ledger():
    gw, og = stack()
    short = og.setup_tenant(retention_days=30)
    default = og.setup_tenant()
    eq(short.obj["retention_days"], 30, "retention_days on creation")
    eq(expect(og.call("GET", "/v1/tenants/%s" % default.id, key=og.admin), 200)
       ["retention_days"], 365, "the default retention")
    sent = {}
    for t in (short, default):
        rs = []
        for _ in range(3):
            p = unique_phone()
            r = t.send_ok(p)
            rs.append(r)
            t.verify(r["request_id"], gw.code_for(p))
        for r in rs:
            og.wait_message(r["message_id"])
        sent[t.id] = rs
    wallets = {t.id: t.wallet() for t in (short, default)}
    month = dt.datetime.now(dt.timezone(dt.timedelta(hours=5, minutes=30))).strftime("%Y-%m")
    invoice = expect(og.call("GET", "/v1/invoices/%s" % month, key=og.admin), 200)

    # 31 days on: only the 30-day tenant's data is old enough.
    out = purge(og, iso_in(days=31))
    eq((out["otp_requests_deleted"], out["messages_scrubbed"]), (3, 3), "purged at +31 days")
    for r in sent[short.id]:
        expect(og.call("GET", "/v1/otp/%s" % r["request_id"], key=short.key), 404,
               msg="a purged request")
        m = og.message(r["message_id"])
        eq((m["status"], m["cost_paise"]), ("sent", 25), "a scrubbed message keeps its billing")
        ok(m.get("phone") in (None, ""), "a scrubbed message has no number: %r" % m)
    for r in sent[default.id]:
        expect(og.call("GET", "/v1/otp/%s" % r["request_id"], key=default.key), 200,
               msg="a request within retention")
        ok(og.message(r["message_id"]).get("phone"), "a message within retention")
    for t in (short, default):
        eq(t.wallet(), wallets[t.id], "the wallet after the purge")
    eq(expect(og.call("GET", "/v1/invoices/%s" % month, key=og.admin), 200), invoice,
       "the invoice after the purge")

    # A year and a day on, the default tenant's too; a second run finds nothing.
    out = purge(og, iso_in(days=366))
    eq((out["otp_requests_deleted"], out["messages_scrubbed"]), (3, 3), "purged at +366 days")
    out = purge(og, iso_in(days=366))
    eq((out["otp_requests_deleted"], out["messages_scrubbed"]), (0, 0), "nothing left")
    eq(expect(og.call("GET", "/v1/invoices/%s" % month, key=og.admin), 200), invoice,
       "the ledger survives every purge")

    # Every run, and every batch that deleted, is in the audit trail.
    trail = expect(og.call("GET", "/v1/audit?limit=100", key=og.admin), 200)["data"]
    runs = [e for e in trail if e["action"] == "retention.purge"]
    eq(len(runs), 3, "one entry per purge run")
    ok(all(e["actor"]["kind"] == "cli" and e["detail"]["source"] == "cli" for e in runs),
       "the runs name their source")
    batches = [e for e in trail if e["action"] == "retention.purge_batch"]
    eq(sorted(e["tenant_id"] for e in batches), sorted([short.id, default.id]),
       "each tenant's deletions are recorded under the tenant")


@case
def retention_is_validated_and_audited():
    gw, og = stack()
    t = og.setup_tenant()
    path = "/v1/tenants/%s" % t.id
    for bad in (0, 3651, -1, "30", 1.5, None):
        got = expect(og.call("PATCH", path, {"retention_days": bad}, og.admin), 400,
                     msg="retention_days %r" % (bad,))
        eq(got["error"].get("field"), "retention_days", "the field named for %r" % (bad,))
    eq(expect(og.call("GET", path, key=og.admin), 200)["retention_days"], 365, "unchanged")
    eq(expect(og.call("PATCH", path, {"retention_days": 90}, og.admin), 200)["retention_days"],
       90, "retention_days patched")
    og.restart()
    eq(expect(og.call("GET", path, key=og.admin), 200)["retention_days"], 90, "after a restart")
    trail = expect(og.call("GET", "/v1/audit?tenant_id=%s" % t.id, key=og.admin), 200)["data"]
    eq(trail[0]["action"], "tenant.update", "the change is audited")
    eq(trail[0]["detail"]["fields"], ["retention_days"], "naming the field")
    eq(trail[0]["actor"]["ip"], "127.0.0.1", "from the caller's address")


@case
def dead_codes_lose_their_context():
    gw, og = stack(extra=["--resend-cooldown-sec", "0"])
    quick = og.setup_tenant(otp={"ttl_sec": 30})
    slow = og.setup_tenant(otp={"ttl_sec": 600})
    p = unique_phone()
    dead = quick.send_ok(p)
    gw.code_for(p)
    q = unique_phone()
    alive = slow.send_ok(q)
    gw.code_for(q)
    out = purge(og, iso_in(seconds=120))
    eq(out["contexts_wiped"], 1, "the dead code's context wiped, the live one kept")
    rows = {rid: (bool(gone), st) for rid, gone, st in db_rows(
        og, "SELECT id, context_sealed IS NULL, status FROM otp_requests")}
    eq(rows[dead["request_id"]], (True, "expired"), "dead context gone, the request final")
    eq(rows[alive["request_id"]], (False, "pending"), "live context kept")
    expect(og.call("POST", "/v1/otp/resend", {"request_id": dead["request_id"]}, quick.key),
           409, "conflict", "a request without its context cannot be resent")
    expect(og.call("POST", "/v1/otp/resend", {"request_id": alive["request_id"]}, slow.key),
           202, msg="a live request still can")


@case(timeout=120)
def the_background_job_purges_while_serving():
    gw, og = stack(extra=["--purge-interval-sec", "1"])
    t = og.setup_tenant()
    rs = []
    for _ in range(3):
        p = unique_phone()
        r = t.send_ok(p)
        t.verify(r["request_id"], gw.code_for(p))
        og.wait_message(r["message_id"])
        rs.append(r)
    wallet = t.wallet()
    og.stop()
    # Age the data by 400 days, as if the server had been up all that time.
    age = 400 * DAY_MS
    db_exec(og, "UPDATE otp_requests SET created_at_ms = created_at_ms - %d,"
                " expires_at_ms = expires_at_ms - %d" % (age, age))
    db_exec(og, "UPDATE messages SET created_at_ms = created_at_ms - %d" % age)
    og.start()

    def purged():
        for r in rs:
            if og.call("GET", "/v1/otp/%s" % r["request_id"], key=t.key)[0] != 404:
                return False
        return all(not og.message(r["message_id"]).get("phone") for r in rs)
    wait_until(purged, 30, interval=0.3, what="the background job to purge")
    eq(t.wallet(), wallet, "the ledger is kept")
    trail = expect(og.call("GET", "/v1/audit?limit=50", key=og.admin), 200)["data"]
    runs = [e for e in trail if e["action"] == "retention.purge"]
    ok(runs and runs[0]["detail"]["source"] == "serve", "the job's run is audited: %r" % runs)
    ok(runs[0]["detail"]["otp_requests_deleted"] == 3, "with its counts: %r" % runs[0])


if __name__ == "__main__":
    main()
