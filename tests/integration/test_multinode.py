"""Several otpgate nodes on one PostgreSQL database (docs/SCALING.md), run
only against PostgreSQL (integration_pg/test_multinode). Every node serves
the whole API and runs a dispatcher on the shared outbox:

- concurrent sends spread over three nodes against a small prepaid balance:
  exactly the affordable number is accepted, each SMS goes out once;
- a node killed with kill -9 while it holds claimed messages: another node
  retakes them once the lease runs out, and every message is still captured
  or released exactly once (checked in the ledger);
- nodes migrating one fresh database at once apply each migration once;
- a per-phone limit holds across nodes;
- a tenant changed through node A is seen by node B on its next request."""

import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Gateway, Otpgate, another_node, case, db_for, db_rows, eq,  # noqa: E402
                     expect, main, ok, pg_backend, run_cli, tempdir, unique_phone,
                     wait_until)

PRICE = 25          # paise, tenant_body's price
LEASE_S = 30        # OUTBOX_LEASE_MS: a claim not settled by then is retaken
RECOVERY_S = 90     # the lease, the dispatchers' polls and the resends, with room


def three_nodes(gw):
    ok(pg_backend(), "several nodes need the PostgreSQL backend (OG_TEST_BACKEND=postgres)")
    a = Otpgate(gateway=gw)
    return [a, another_node(a), another_node(a)]


def fire(calls):
    """Runs every call at once (released together by a barrier); returns the results."""
    gate = threading.Barrier(len(calls))

    def one(fn):
        gate.wait(timeout=30)
        return fn()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))


def ledger(og, tid):
    """{message_id: [kinds...]} from the ledger, read straight from PostgreSQL."""
    out = {}
    for kind, mid in db_rows(og, "SELECT kind, message_id FROM ledger_entries"
                                 " WHERE tenant_id = ? AND kind <> 'credit'", (tid,)):
        out.setdefault(mid, []).append(kind)
    return out


def settled_once(og, tid, message_ids):
    """Asserts each message has one hold and exactly one capture or release;
    returns how many were captured."""
    entries = ledger(og, tid)
    eq(sorted(entries), sorted(message_ids), "the ledger's messages")
    captured = 0
    for mid in message_ids:
        kinds = sorted(entries[mid])
        ok(kinds in (["capture", "hold"], ["hold", "release"]),
           "message %s settled exactly once: %s" % (mid, kinds))
        captured += kinds == ["capture", "hold"]
    return captured


@case(timeout=180)
def concurrent_sends_spend_the_balance_exactly_once():
    gw = Gateway()
    nodes = three_nodes(gw)
    afford, tries = 7, 30
    t = nodes[0].setup_tenant(credit=afford * PRICE)
    phones = [unique_phone() for _ in range(tries)]
    calls = [(lambda n=nodes[i % 3], p=phones[i]: n.call(
        "POST", "/v1/otp/send", {"phone": p}, t.key)) for i in range(tries)]
    results = fire(calls)
    accepted = [(phones[i], r[2]["message_id"]) for i, r in enumerate(results) if r[0] == 202]
    eq(len(accepted), afford, "sends accepted against %d paise" % (afford * PRICE))
    for r in results:
        if r[0] != 202:
            expect(r, 402, "insufficient_funds", "a send past the balance")
    ok(len({i % 3 for i, r in enumerate(results) if r[0] == 202}) >= 1, "nodes answered")
    # Every accepted message goes out once, whichever node's dispatcher took it.
    wait_until(lambda: nodes[1].wallet(t.id)["held_paise"] == 0, timeout=30,
               what="every hold settled")
    for phone, _ in accepted:
        eq(len(gw.sends(phone)), 1, "SMS to %s sent once" % phone)
    eq(len(gw.sends()), afford, "no SMS for refused sends")
    w = nodes[2].wallet(t.id)
    eq((w["balance_paise"], w["held_paise"]), (0, 0), "the balance spent exactly")
    eq(settled_once(nodes[0], t.id, [m for _, m in accepted]), afford, "captures")


@case(timeout=240)
def many_tenants_on_three_nodes_settle_exactly_once():
    """Sends of several tenants at once on every node, settled by three
    dispatchers in parallel: no request fails, every SMS goes out once, and
    every tenant's ledger and wallet agree to the paisa."""
    gw = Gateway()
    nodes = three_nodes(gw)
    tenants = [nodes[i % 3].setup_tenant(credit=10000) for i in range(4)]
    per_tenant = 15
    jobs = [(tenants[i % 4], nodes[i % 3], unique_phone()) for i in range(4 * per_tenant)]
    results = fire([(lambda t=t, n=n, p=p: (t, p, n.call("POST", "/v1/otp/send", {"phone": p},
                                                           t.key))) for t, n, p in jobs])
    for t, p, r in results:
        expect(r, 202, msg="send for %s to %s" % (t.id, p))
    for t in tenants:
        wait_until(lambda t=t: nodes[2].wallet(t.id)["held_paise"] == 0, timeout=60,
                   what="%s settled" % t.id)
    for t, p, r in results:
        eq(len(gw.sends(p)), 1, "SMS to %s sent once" % p)
    for t in tenants:
        mids = [r[2]["message_id"] for tt, _, r in results if tt is t]
        eq(settled_once(nodes[0], t.id, mids), per_tenant, "%s captures" % t.id)
        w = nodes[1].wallet(t.id)
        eq((w["balance_paise"], w["held_paise"]), (10000 - per_tenant * PRICE, 0),
           "%s wallet" % t.id)


@case(timeout=240)
def kill9_with_claims_is_recovered_by_another_node():
    ok(pg_backend(), "several nodes need the PostgreSQL backend")
    gw = Gateway()
    credit = 1000
    a = Otpgate(gateway=gw)
    t = a.setup_tenant(credit=credit)
    gw.control("slow", delay_ms=5000)
    msgs = [t.send_ok(unique_phone())["message_id"] for _ in range(6)]
    # Only node A runs yet, so what is in flight at the gateway is A's claim.
    wait_until(lambda: len(gw.sends()) >= 1, timeout=15, what="A's sends in flight")
    claimed = db_rows(a, "SELECT count(*) FROM messages WHERE tenant_id = ?"
                         " AND status = 'sending'", (t.id,))[0][0]
    ok(claimed >= 1, "node A holds claimed messages (%d)" % claimed)
    b, c = another_node(a), another_node(a)
    a.kill9()
    killed_at = time.monotonic()
    gw.control("ok")
    # B and C take the orphaned claims once their lease has run out.
    for mid in msgs:
        b.wait_message(mid, "sent", timeout=RECOVERY_S)
    ok(time.monotonic() - killed_at < RECOVERY_S, "recovered within the lease and polls")
    captured = settled_once(b, t.id, msgs)
    eq(captured, len(msgs), "every message captured once")
    w = c.wallet(t.id)
    eq((w["balance_paise"], w["held_paise"]), (credit - len(msgs) * PRICE, 0),
       "wallet after recovery")
    eq(db_rows(b, "SELECT count(*) FROM messages WHERE tenant_id = ?"
                  " AND status IN ('queued', 'sending')", (t.id,))[0][0], 0, "outbox drained")


@case(timeout=120)
def nodes_starting_at_once_migrate_once():
    """Three migrations of one fresh database at the same moment: each waits
    for the advisory lock, one applies every file, the others find nothing
    left, and every version is recorded once."""
    ok(pg_backend(), "several nodes need the PostgreSQL backend")
    d = tempdir()
    db = db_for(d)
    # Nodes share a secret file made beforehand (docs/SCALING.md); three
    # processes creating one file at once is not what is tested here.
    secret = os.path.join(d, "secret")
    fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, os.urandom(32))
    os.close(fd)
    gate = threading.Barrier(3)

    def migrate(_):
        gate.wait(timeout=30)
        return run_cli(["migrate", "--db", db, "--secret-file", secret], timeout=60)

    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = list(pool.map(migrate, range(3)))
    for r in runs:
        eq(r.returncode, 0, "migrate (stderr: %s)" % r.stderr[-400:])
    applied = [r for r in runs if '"event":"store.migrated"' in r.stderr]
    eq(len(applied), 1, "one process applied the migrations")
    versions = db_rows(db, "SELECT version, count(*) FROM schema_migrations GROUP BY version"
                           " ORDER BY version")
    ok(len(versions) >= 5 and all(n == 1 for _, n in versions),
       "each version recorded once: %r" % versions)


@case(timeout=180)
def per_phone_limit_holds_across_nodes():
    gw = Gateway()
    nodes = three_nodes(gw)
    t = nodes[0].setup_tenant()
    limit = 3
    expect(nodes[0].call("PATCH", "/v1/tenants/%s" % t.id,
                         {"limits": {"per_phone": {"count": limit, "window_sec": 600}}},
                         nodes[0].admin), 200, msg="set the per-phone limit on node A")
    phone = unique_phone()
    tries = 12
    calls = [(lambda n=nodes[i % 3]: n.call("POST", "/v1/otp/send", {"phone": phone}, t.key))
             for i in range(tries)]
    results = fire(calls)
    eq(sum(1 for r in results if r[0] == 202), limit, "sends accepted across three nodes")
    for r in results:
        if r[0] != 202:
            body = expect(r, 429, "rate_limited", "a send past the per-phone limit")
            eq(body["error"].get("limit"), "per_phone", "the limit named")
    # And once more, one node after another: each sees the others' sends.
    for n in nodes:
        expect(n.call("POST", "/v1/otp/send", {"phone": phone}, t.key), 429, "rate_limited",
               "node on %d" % n.port)
    wait_until(lambda: len(gw.sends(phone)) >= limit, timeout=30, what="the accepted SMS")
    eq(len(gw.sends(phone)), limit, "no SMS past the limit")


@case(timeout=120)
def tenant_changed_on_a_is_seen_by_b():
    ok(pg_backend(), "several nodes need the PostgreSQL backend")
    gw = Gateway()
    a = Otpgate(gateway=gw)
    b = another_node(a)
    t = a.setup_tenant()
    expect(a.call("PATCH", "/v1/tenants/%s" % t.id, {"name": "Renamed On A"}, a.admin), 200)
    eq(expect(b.call("GET", "/v1/tenants/%s" % t.id, key=b.admin), 200)["name"],
       "Renamed On A", "B reads A's change")
    expect(a.call("PATCH", "/v1/tenants/%s" % t.id, {"suspended": True}, a.admin), 200)
    expect(b.call("POST", "/v1/otp/send", {"phone": unique_phone()}, t.key), 403,
           "tenant_suspended", "B refuses a tenant A suspended")
    expect(b.call("PATCH", "/v1/tenants/%s" % t.id, {"suspended": False}, b.admin), 200)
    expect(a.call("POST", "/v1/otp/send", {"phone": unique_phone()}, t.key), 202,
           msg="A sends for a tenant B resumed")
    # A key revoked on one node no longer works on the other.
    expect(a.call("DELETE", "/v1/tenants/%s/keys/%s" % (t.id, t.key_id), key=a.admin),
           (200, 204), msg="revoke on A")
    expect(b.call("POST", "/v1/otp/send", {"phone": unique_phone()}, t.key), 401,
           msg="B refuses the revoked key")


if __name__ == "__main__":
    main()
