"""Money: prepaid and postpaid refusals, hold/capture/release against what the
gateway answered, idempotent top-ups, usage, invoices, the seed's billing
query run unchanged against the database file, and balances equal to the
sums of the ledger entries."""

import csv
import io
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (case, eq, expect, local_month, main, ok, stack,  # noqa: E402
                     unique_phone, wait_until)
from harness import db_exec, db_raw, db_rows as harness_db_rows  # noqa: E402

SEED_QUERY = """SELECT tenant_id, COUNT(id) as total_sms, SUM(cost) as total_cost
FROM tenant_sms_ledger
WHERE created_at >= '{start}' AND created_at < '{end}'
GROUP BY tenant_id;"""


def db_rows(og, sql, args=()):
    return harness_db_rows(og, sql, args)  # SQLite or PostgreSQL, as the run's backend


def ledger_sums(og, tid):
    """(credits, holds, captures, releases) in paise from ledger_entries."""
    rows = dict(db_rows(og, "SELECT kind, COALESCE(SUM(amount_paise),0) FROM ledger_entries "
                            "WHERE tenant_id = ? GROUP BY kind", (tid,)))
    return tuple(rows.get(k, 0) for k in ("credit", "hold", "capture", "release"))


def check_ledger(og, tid):
    """The wallet equals the sums of its entries; every message settled at most once."""
    w = og.wallet(tid)
    credit, hold, capture, release = ledger_sums(og, tid)
    eq(w["balance_paise"], credit - capture, "balance == credits - captures")
    eq(w["held_paise"], hold - capture - release, "held == holds - captures - releases")
    eq(w["available_paise"], w["balance_paise"] - w["held_paise"], "available")
    dup = db_rows(og, "SELECT message_id, COUNT(*) FROM ledger_entries WHERE tenant_id = ? AND "
                      "kind IN ('capture','release') GROUP BY message_id HAVING COUNT(*) > 1",
                  (tid,))
    eq(dup, [], "messages settled more than once")
    return w


def settled(og, tid):
    return lambda: og.wallet(tid)["held_paise"] == 0


@case
def prepaid_hold_then_capture():
    gw, og = stack()
    t = og.setup_tenant(credit=100)
    gw.control("slow", delay_ms=1500)
    phone = unique_phone()
    r = t.send_ok(phone)
    eq(r["cost_paise"], 25, "cost")
    w = t.wallet()
    for f in ("mode", "balance_paise", "held_paise", "available_paise", "credit_limit_paise",
              "month_sms", "monthly_cap_sms"):
        ok(f in w, "wallet has %s: %r" % (f, w))
    eq((w["mode"], w["balance_paise"], w["held_paise"], w["available_paise"]),
       ("prepaid", 100, 25, 75), "wallet while the SMS is in flight")
    expect(og.call("GET", "/v1/tenants/%s/wallet" % t.id, key=t.key), 200,
           msg="a tenant key reads its own wallet")
    og.wait_message(r["message_id"], timeout=20)
    wait_until(settled(og, t.id), what="hold settled")
    w = check_ledger(og, t.id)
    eq((w["balance_paise"], w["held_paise"], w["available_paise"]), (75, 0, 75), "after capture")
    eq(w["month_sms"], 1, "month_sms")


@case
def insufficient_funds():
    gw, og = stack()
    t = og.setup_tenant(credit=0)
    expect(t.send(unique_phone()), 402, "insufficient_funds", "empty wallet")
    og.credit(t.id, 30)
    p = unique_phone()
    t.send_ok(p)
    expect(t.send(unique_phone()), 402, "insufficient_funds", "5 paise available")
    gw.wait_sends(p)
    time.sleep(0.3)
    eq(len(gw.sends()), 1, "refused sends reached the peer")
    wait_until(settled(og, t.id), what="hold settled")
    w = check_ledger(og, t.id)
    eq((w["balance_paise"], w["month_sms"]), (5, 1), "one charge only")


@case
def postpaid_credit_limit():
    gw, og = stack()
    t = og.setup_tenant(credit=0, billing={"mode": "postpaid", "credit_limit_paise": 50})
    for _ in range(2):
        t.send_ok(unique_phone())
    expect(t.send(unique_phone()), 402, "credit_limit_reached")
    wait_until(lambda: len(gw.sends(accepted_only=True)) == 2, what="2 SMS at the peer")
    wait_until(lambda: t.wallet()["balance_paise"] == -50, what="balance -50")
    w = check_ledger(og, t.id)
    eq((w["mode"], w["credit_limit_paise"], w["held_paise"]), ("postpaid", 50, 0), "wallet")
    og.credit(t.id, 25)
    t.send_ok(unique_phone())


@case
def monthly_cap():
    gw, og = stack()
    t = og.setup_tenant(billing={"monthly_cap_sms": 2})
    t.send_ok(unique_phone())
    t.send_ok(unique_phone())
    expect(t.send(unique_phone()), 402, "monthly_cap_reached")
    w = t.wallet()
    eq((w["month_sms"], w["monthly_cap_sms"]), (2, 2), "counted against the cap")
    time.sleep(0.3)
    eq(len(gw.sends()), 2, "peer received only the accepted sends")


@case
def permanent_failure_releases():
    gw, og = stack()
    t = og.setup_tenant(credit=1000)
    gw.control("4xx", count=1)
    phone = unique_phone()
    r = t.send_ok(phone)
    m = og.wait_message(r["message_id"], "failed")
    ok(m["error"], "failed message carries an error: %r" % m)
    wait_until(settled(og, t.id), what="hold released")
    w = check_ledger(og, t.id)
    eq(w["balance_paise"], 1000, "balance unchanged after a permanent failure")
    credit, hold, capture, release = ledger_sums(og, t.id)
    eq((capture, release), (0, 25), "one release, no capture")
    eq(len(gw.sends(phone)), 1, "a permanent 4xx is not retried")
    _, start, end = local_month()
    eq(db_rows(og, SEED_QUERY.format(start=start, end=end)), [], "nothing in tenant_sms_ledger")


@case
def transient_failure_retried_captured_once():
    gw, og = stack()
    t = og.setup_tenant(credit=1000)
    gw.control("5xx", count=2)
    phone = unique_phone()
    r = t.send_ok(phone)
    og.wait_message(r["message_id"], "sent", timeout=40)
    wait_until(settled(og, t.id), what="hold captured")
    statuses = [int(x.get("status") or 0) for x in gw.sends(phone)]
    eq(len(statuses), 3, "two 5xx then one success at the peer: %r" % statuses)
    ok(all(s >= 500 for s in statuses[:2]) and 200 <= statuses[2] < 300, "statuses %r" % statuses)
    w = check_ledger(og, t.id)
    eq(w["balance_paise"], 975, "charged exactly once")
    eq(ledger_sums(og, t.id)[2:], (25, 0), "one capture")


@case
def credits_idempotent_by_reference():
    gw, og = stack()
    t = og.setup_tenant(credit=0)
    path = "/v1/tenants/%s/wallet/credits" % t.id
    body = {"amount_paise": 100000, "reference": "topup-2026-06"}
    w1 = expect(og.call("POST", path, body, og.admin), 201)
    eq(w1["balance_paise"], 100000, "credited")
    w2 = expect(og.call("POST", path, body, og.admin), 200)
    eq(w2["balance_paise"], 100000, "same reference credits nothing")
    expect(og.call("POST", path, {"amount_paise": 5, "reference": "topup-2026-06"}, og.admin), 200,
           msg="same reference, other amount")
    eq(t.wallet()["balance_paise"], 100000, "still credited once")
    expect(og.call("POST", path, {"amount_paise": 0, "reference": "zero"}, og.admin), 400,
           "invalid_request", "zero amount")
    expect(og.call("POST", path, {"amount_paise": -5, "reference": "neg"}, og.admin), 400,
           "invalid_request", "negative amount")
    expect(og.call("POST", path, {"amount_paise": 5}, og.admin), 400, "invalid_request",
           "missing reference")
    expect(og.call("POST", path, {"amount_paise": 5, "reference": "t"}, t.key), (403, 404),
           None, "tenant key crediting itself")
    check_ledger(og, t.id)
    eq(db_rows(og, "SELECT COUNT(*) FROM ledger_entries WHERE tenant_id=? AND kind='credit'",
               (t.id,)), [(1,)], "one credit entry")


def _two_tenants_with_traffic(gw, og):
    a = og.setup_tenant(name="Alpha Retail")
    b = og.setup_tenant(name="Beta logistics", price_paise=18)
    msgs = [a.send_ok(unique_phone()) for _ in range(3)] + [b.send_ok(unique_phone())
                                                            for _ in range(2)]
    for m in msgs:
        og.wait_message(m["message_id"])
    wait_until(lambda: og.wallet(a.id)["held_paise"] == 0 and og.wallet(b.id)["held_paise"] == 0,
               what="holds captured")
    return a, b


@case
def usage_and_invoices():
    gw, og = stack()
    a, b = _two_tenants_with_traffic(gw, og)
    month, start, end = local_month()
    q = "/v1/usage?from=%s&to=%s" % (start, end)
    u = expect(og.call("GET", q, key=a.key), 200)
    for f in ("from", "to", "tenants"):
        ok(f in u, "usage has %s" % f)
    eq([(x["tenant_id"], x["total_sms"], x["total_cost_paise"]) for x in u["tenants"]],
       [(a.id, 3, 75)], "tenant key sees only its own usage")
    u = expect(og.call("GET", q, key=og.admin), 200)
    got = sorted((x["tenant_id"], x["total_sms"], x["total_cost_paise"]) for x in u["tenants"])
    eq(got, sorted([(a.id, 3, 75), (b.id, 2, 36)]), "admin sees all tenants")
    u = expect(og.call("GET", q + "&tenant_id=" + b.id, key=og.admin), 200)
    eq([(x["tenant_id"], x["total_sms"]) for x in u["tenants"]], [(b.id, 2)], "admin tenant_id=")
    expect(og.call("GET", "/v1/usage?from=2026-02-30&to=%s" % end, key=og.admin), 400,
           "invalid_request", "impossible date")
    inv = expect(og.call("GET", "/v1/invoices/%s" % month, key=og.admin), 200)
    eq((inv["month"], inv["currency"]), (month, "INR"), "invoice header")
    lines = sorted((x["tenant_id"], x["name"], x["total_sms"], x["total_cost_paise"])
                   for x in inv["lines"])
    eq(lines, sorted([(a.id, "Alpha Retail", 3, 75), (b.id, "Beta logistics", 2, 36)]),
       "invoice lines")
    eq(inv["total_cost_paise"], 111, "invoice total")
    st, hdrs, text = og.call("GET", "/v1/invoices/%s?format=csv" % month, key=og.admin)
    eq(st, 200, "CSV invoice status")
    ok("csv" in hdrs.get("content-type", ""), "CSV content type: %r" % hdrs.get("content-type"))
    rows = list(csv.reader(io.StringIO(text)))
    ok(len(rows) >= 3, "CSV has a header and two lines: %r" % rows)
    header = [h.strip() for h in rows[0]]
    for col in ("tenant_id", "total_sms", "total_cost_paise"):
        ok(col in header, "CSV column %s in %r" % (col, header))
    by_tenant = {r[header.index("tenant_id")]: r for r in rows[1:] if r}
    for tid, n, cost in ((a.id, 3, 75), (b.id, 2, 36)):
        r = by_tenant.get(tid)
        ok(r is not None, "CSV row for %s: %r" % (tid, rows))
        eq((int(r[header.index("total_sms")]), int(r[header.index("total_cost_paise")])),
           (n, cost), "CSV row for %s" % tid)
    total = by_tenant.get("")
    ok(total is not None and total[header.index("name")] == "TOTAL", "CSV total row: %r" % rows)
    eq(int(total[header.index("total_cost_paise")]), 111, "CSV invoice total")
    eq({r[header.index("month")] for r in rows[1:]}, {month}, "every CSV row names the month")
    expect(og.call("GET", "/v1/invoices/2026-13", key=og.admin), 400, "invalid_request")
    expect(og.call("GET", "/v1/invoices/%s" % month, key=a.key), 403, "forbidden")


@case
def seed_query_matches_usage():
    gw, og = stack()
    a, b = _two_tenants_with_traffic(gw, og)
    month, start, end = local_month()
    rows = db_rows(og, SEED_QUERY.format(start=start, end=end))
    seed = sorted((tid, n, round(cost * 100)) for tid, n, cost in rows)
    u = expect(og.call("GET", "/v1/usage?from=%s&to=%s" % (start, end), key=og.admin), 200)
    api = sorted((x["tenant_id"], x["total_sms"], x["total_cost_paise"]) for x in u["tenants"]
                 if x["total_sms"])
    eq(seed, api, "seed query vs /v1/usage")
    eq(seed, sorted([(a.id, 3, 75), (b.id, 2, 36)]), "seed query totals")
    # One row per charged SMS, cost in rupees, created_at in +05:30.
    detail = db_rows(og, "SELECT tenant_id, message_id, cost, created_at FROM tenant_sms_ledger")
    eq(len(detail), 5, "rows in tenant_sms_ledger")
    import datetime as dt
    now_local = dt.datetime.now(dt.timezone(dt.timedelta(hours=5, minutes=30))).replace(
        tzinfo=None)
    for tid, mid, cost, created in detail:
        eq(cost, 0.25 if tid == a.id else 0.18, "cost in rupees")
        t = dt.datetime.strptime(created, "%Y-%m-%d %H:%M:%S")
        ok(abs((now_local - t).total_seconds()) < 300, "created_at %s is local +05:30 time" %
           created)
    eq(len({d[1] for d in detail}), 5, "one row per message")


@case
def ledger_consistency_after_mixed_outcomes():
    gw, og = stack()
    t = og.setup_tenant(credit=500)
    ids = [t.send_ok(unique_phone())["message_id"] for _ in range(3)]
    for mid in ids:
        og.wait_message(mid, "sent")
    gw.control("4xx", count=2)
    ids += [t.send_ok(unique_phone())["message_id"] for _ in range(2)]
    for mid in ids[3:]:
        og.wait_message(mid, "failed")
    gw.control("ok")
    ids += [t.send_ok(unique_phone())["message_id"] for _ in range(2)]
    for mid in ids[5:]:
        og.wait_message(mid, "sent")
    wait_until(settled(og, t.id), what="all holds settled")
    w = check_ledger(og, t.id)
    eq(w["balance_paise"], 500 - 5 * 25, "five charged, two released")
    n = db_rows(og, "SELECT COUNT(DISTINCT message_id) FROM ledger_entries WHERE tenant_id=? AND "
                    "kind IN ('capture','release')", (t.id,))
    eq(n, [(7,)], "every message settled exactly once")


MONTHLY_ROWS = ("SELECT tenant_id, month, route, sms_count, cost_paise FROM usage_monthly"
                " ORDER BY tenant_id, month, route")
DAILY_BY_MONTH = ("SELECT tenant_id, substr(day, 1, 7), route, CAST(SUM(sms_count) AS INTEGER),"
                  " CAST(SUM(cost_paise) AS INTEGER) FROM usage_daily_route"
                  " GROUP BY tenant_id, substr(day, 1, 7), route ORDER BY 1, 2, 3")


@case
def monthly_aggregate_and_its_backfill():
    """Invoices read the monthly aggregate (migration 0006): every capture
    adds to it beside the day rows, and a database from before 0006 gets it
    filled from the per-route day rows, month by month."""
    gw, og = stack()
    a, b = _two_tenants_with_traffic(gw, og)
    month, _, _ = local_month()
    eq(db_rows(og, MONTHLY_ROWS), db_rows(og, DAILY_BY_MONTH), "monthly = sum of the day rows")
    eq(sorted(r[:3] for r in db_rows(og, MONTHLY_ROWS)),
       sorted([(a.id, month, "own"), (b.id, month, "own")]), "one row per tenant and route")
    before = expect(og.call("GET", "/v1/invoices/%s" % month, key=og.admin), 200)
    og.stop()
    # An older month's captures, on both routes, as 0005 would have left them.
    for day, route, n, paise in (("2026-01-05", "own", 2, 50), ("2026-01-20", "own", 1, 25),
                                 ("2026-01-31", "shared", 4, 120)):
        db_exec(og, "INSERT INTO usage_daily_route (tenant_id, day, route, sms_count, cost_paise)"
                    " VALUES ('%s', '%s', '%s', %d, %d)" % (a.id, day, route, n, paise))
        db_exec(og, "INSERT INTO usage_daily (tenant_id, day, sms_count, cost_paise)"
                    " VALUES ('%s', '%s', %d, %d) ON CONFLICT (tenant_id, day) DO UPDATE SET"
                    " sms_count = usage_daily.sms_count + excluded.sms_count,"
                    " cost_paise = usage_daily.cost_paise + excluded.cost_paise"
                    % (a.id, day, n, paise))
    db_exec(og, "DROP TABLE usage_monthly")
    db_exec(og, "DELETE FROM schema_migrations WHERE version = 6")
    og.start()
    eq(db_rows(og, MONTHLY_ROWS), db_rows(og, DAILY_BY_MONTH), "backfilled from the day rows")
    eq(expect(og.call("GET", "/v1/invoices/%s" % month, key=og.admin), 200), before,
       "the same invoice after the backfill")
    old = expect(og.call("GET", "/v1/invoices/2026-01", key=og.admin), 200)
    eq(old["lines"], [{"tenant_id": a.id, "name": "Alpha Retail", "total_sms": 7,
                       "total_cost_paise": 195,
                       "routes": {"own": {"total_sms": 3, "total_cost_paise": 75},
                                  "shared": {"total_sms": 4, "total_cost_paise": 120}}}],
       "an older month, both routes")
    eq(old["total_cost_paise"], 195, "its total")
    # New captures add to the backfilled month row.
    m = a.send_ok(unique_phone())
    og.wait_message(m["message_id"])
    wait_until(lambda: og.wallet(a.id)["held_paise"] == 0, what="capture")
    eq(db_rows(og, MONTHLY_ROWS), db_rows(og, DAILY_BY_MONTH), "still equal after a capture")


@case
def invoice_escapes_names():
    """Names are free text: the invoice's JSON and CSV carry them exactly."""
    gw, og = stack()
    name = 'Ünïcode "Quoted" \\ Co, Ltd\t€'
    t = og.setup_tenant(name=name)
    m = t.send_ok(unique_phone(), variables={"appName": "Shop"})  # DLT-17: ASCII only
    og.wait_message(m["message_id"])
    wait_until(lambda: t.wallet()["held_paise"] == 0, what="capture")
    month, _, _ = local_month()
    inv = expect(og.call("GET", "/v1/invoices/%s" % month, key=og.admin), 200)
    eq([(x["tenant_id"], x["name"]) for x in inv["lines"]], [(t.id, name)], "JSON name")
    st, _, text = og.call("GET", "/v1/invoices/%s?format=csv" % month, key=og.admin)
    eq(st, 200, "CSV status")
    rows = list(csv.reader(io.StringIO(text)))
    eq(rows[1][2:4], [t.id, name], "CSV name")


@case
def billing_offset_flag_and_empty_month():
    gw, og = stack(["--billing-utc-offset", "-04:00"])
    t = og.setup_tenant()
    r = t.send_ok(unique_phone())
    og.wait_message(r["message_id"])
    wait_until(settled(og, t.id), what="hold captured")
    import datetime as dt
    now_local = dt.datetime.now(dt.timezone(dt.timedelta(hours=-4))).replace(tzinfo=None)
    (created,), = db_rows(og, "SELECT created_at FROM tenant_sms_ledger")
    t_row = dt.datetime.strptime(created, "%Y-%m-%d %H:%M:%S")
    ok(abs((now_local - t_row).total_seconds()) < 300,
       "created_at %s is in the -04:00 billing offset (now there: %s)" % (created, now_local))
    month, start, end = local_month(offset_min=-240)
    rows = db_rows(og, SEED_QUERY.format(start=start, end=end))
    eq([(tid, n) for tid, n, _ in rows], [(t.id, 1)], "seed query in the -04:00 month")
    inv = expect(og.call("GET", "/v1/invoices/2020-01", key=og.admin), 200)
    eq((inv["month"], inv["lines"], inv["total_cost_paise"]), ("2020-01", [], 0), "empty month")


@case
def codes_and_keys_not_stored_in_clear():
    gw, og = stack()
    t = og.setup_tenant(otp={"length": 10})
    phone = unique_phone()
    r = t.send_ok(phone)
    code = gw.code_for(phone)
    og.wait_message(r["message_id"])
    og.stop()
    raw = db_raw(og)
    ok(raw, "database files readable")
    ok(code.encode() not in raw, "the OTP code is stored in clear")
    ok(t.key.encode() not in raw, "the tenant key is stored in clear")


if __name__ == "__main__":
    main()
