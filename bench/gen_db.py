"""Fills an otpgate SQLite database with history, fast, for the growth and
invoice benchmarks: N tenants (bt_00000, bt_00001, ...) each with a default
"login" template and a large prepaid credit, then as many sent messages as
make the requested number of ledger rows (a credit per tenant, then a hold
and a capture per message), each with its OTP request, plus the usage_daily
rows and wallets those captures imply. The rows are what otpgate itself
would have written (same id shapes, same enum texts, wallets equal to the
ledger sums), so the server reads them as its own.

The work is done inside SQLite by INSERT ... SELECT over a recursive
counter, never row by row in Python: 5 million ledger rows take well under
a minute. The database must already be migrated (`otpgate migrate`); the
columns are named, so migrations that add columns with defaults keep it
working. Secondary indexes of the filled tables are dropped while loading
and rebuilt after, which is faster than maintaining them row by row.

Used by bench.py; also runs on its own:
    python3 bench/gen_db.py DB --tenants 10000 --ledger-rows 5000000
"""

import argparse
import json
import sqlite3
import sys
import time

PREFIX = "bt_"
CREDIT_PAISE = 10_000_000_000      # a credit per tenant that no run can exhaust
PRICE_PAISE = 25
BILLING_OFFSET_MS = 19_800_000     # +05:30, the deployment default
DAY_MS = 86_400_000
CAPTURE_AFTER_MS = 50              # a capture follows its hold by this much
PENDING_TTL_MS = 600_000           # pending requests expire this long after generation
TEMPLATE_BODY = "Your OTP for {#var#} is {#var#}. Valid for 5 minutes."
DLT_TEMPLATE_ID = "1107160000000012345"
FILLED = ("tenants", "templates", "wallets", "ledger_entries", "usage_daily",
          "otp_requests", "messages")
SENDER_HEADER = "BENCHT"

# The 10 Crockford base32 characters of a 48-bit millisecond time, as SQL,
# the way rnd_id spells them (most significant first).
_CROCK = "'0123456789ABCDEFGHJKMNPQRSTVWXYZ'"


def _crock10(expr):
    parts = ["substr(%s, ((%s) >> %d & 31) + 1, 1)" % (_CROCK, expr, s)
             for s in range(45, -1, -5)]
    return " || ".join(parts)


def _id(prefix, time_expr, seq_expr):
    """An rnd_id-shaped id: prefix, '_', 10 time characters, 16 more.
    Upper-case hex digits are Crockford characters too, so a counter in hex
    stands in for the random part and keeps ids unique."""
    return "'%s_' || %s || printf('%%016X', %s)" % (prefix, _crock10(time_expr), seq_expr)


def _local(expr):
    return "strftime('%%Y-%%m-%%d %%H:%%M:%%S', ((%s) + %d) / 1000, 'unixepoch')" % (
        expr, BILLING_OFFSET_MS)


def _counter(limit_param):
    return ("WITH RECURSIVE s(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM s WHERE j + 1 < %s)"
            % limit_param)


def month_bounds(now_ms):
    """The previous billing month: (YYYY-MM, first ms, ms after its last day)."""
    local = time.gmtime((now_ms + BILLING_OFFSET_MS) / 1000)
    year, month = local.tm_year, local.tm_mon - 1
    if month == 0:
        year, month = year - 1, 12
    nyear, nmonth = (year + 1, 1) if month == 12 else (year, month + 1)
    first = _utc_ms(year, month) - BILLING_OFFSET_MS
    after = _utc_ms(nyear, nmonth) - BILLING_OFFSET_MS
    return "%04d-%02d" % (year, month), first, after


def _utc_ms(year, month):
    import calendar
    return calendar.timegm((year, month, 1, 0, 0, 0, 0, 0, 0)) * 1000


def generate(path, tenants, ledger_rows, pending=0, now_ms=None, log=print):
    """Fills the migrated database at path; returns a dict describing it."""
    if tenants < 1 or ledger_rows < tenants:
        raise ValueError("need at least one tenant and one ledger row (its credit) per tenant")
    now_ms = now_ms or int(time.time() * 1000)
    month, first_ms, after_ms = month_bounds(now_ms)
    messages = (ledger_rows - tenants) // 2
    per_tenant = max(1, -(-messages // tenants))  # ceil
    step_ms = max(1, (after_ms - first_ms - DAY_MS // 24) // per_tenant)
    pending = min(pending, messages)
    p = {"T": tenants, "M": messages, "per": per_tenant, "first": first_ms, "step": step_ms,
         "now": now_ms, "credit": CREDIT_PAISE, "price": PRICE_PAISE,
         # One more per tenant than an even share: the last tenant may be short.
         "pending_k": max(0, per_tenant - (-(-pending // tenants) + 1)) if pending
         else per_tenant,
         "expires": now_ms + PENDING_TTL_MS,
         "after": CAPTURE_AFTER_MS}
    started = time.monotonic()
    con = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -1000000",
                       "temp_store = MEMORY", "foreign_keys = OFF"):
            con.execute("PRAGMA " + pragma)
        for t in FILLED:
            if con.execute("SELECT count(*) FROM %s" % t).fetchone()[0]:
                raise ValueError("table %s is not empty; generate into a fresh database" % t)
        indexes = con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND tbl_name IN (%s)" % ",".join("'%s'" % t for t in FILLED)).fetchall()
        con.execute("BEGIN")
        for name, _ in indexes:
            con.execute('DROP INDEX "%s"' % name)
        _fill(con, p, log)
        pending = con.execute(
            "SELECT count(*) FROM otp_requests WHERE status = 'pending'").fetchone()[0]
        log("gen_db: rebuilding %d indexes" % len(indexes))
        for _, sql in indexes:
            con.execute(sql)
        con.execute("COMMIT")
        con.execute("PRAGMA journal_mode = WAL")
    finally:
        con.close()
    info = {"tenants": tenants, "ledger_rows": tenants + 2 * messages, "messages": messages,
            "pending": pending, "month": month, "prefix": PREFIX,
            "seconds": round(time.monotonic() - started, 1)}
    log("gen_db: %s" % json.dumps(info))
    return info


def _fill(con, p, log):
    # Two small tables carry everything computed per tenant (gt) and per
    # point in time (gk: the k-th message of every tenant is sent at the
    # same time), so the big inserts below only join them and concatenate.
    # Rows come out of "gt CROSS JOIN gk" tenant by tenant, in time order:
    # the primary keys' order, so every insert appends.
    con.execute("CREATE TEMP TABLE gt (i INTEGER PRIMARY KEY, tid TEXT NOT NULL)")
    con.execute(_counter(":T") + """
        INSERT INTO gt SELECT j, printf('%s%%05d', j) FROM s""" % PREFIX, p)
    con.execute("""CREATE TEMP TABLE gk (k INTEGER PRIMARY KEY, t INTEGER NOT NULL,
        c TEXT NOT NULL, c2 TEXT NOT NULL, billed TEXT NOT NULL)""")
    con.execute(_counter(":per") + """
        , g(k, t) AS (SELECT j, :first + j * :step FROM s)
        INSERT INTO gk SELECT k, t, %s, %s, %s FROM g""" % (
        _crock10("t"), _crock10("t + :after"), _local("t + :after")), p)
    con.execute("""
        INSERT INTO tenants (id, name, sender_header, pe_id, price_paise, billing_mode,
            credit_limit_paise, monthly_cap_sms, otp_length, otp_ttl_sec, otp_max_attempts,
            upstream_provider, upstream_url, upstream_key_sealed, suspended, created_at_ms,
            updated_at_ms)
        SELECT tid, printf('Bench Tenant %d', i), 'BENCHT', '1101234567890123456', :price,
            'prepaid', 0, 0, 6, 600, 10, '', '', NULL, 0, :first, :first FROM gt""", p)
    con.execute("""
        INSERT INTO templates (tenant_id, name, dlt_template_id, body, vars, is_default,
            created_at_ms)
        SELECT tid, 'login', '%s', '%s', '["appName","otp"]', 1, :first FROM gt""" % (
        DLT_TEMPLATE_ID, TEMPLATE_BODY), p)
    con.execute("""
        INSERT INTO ledger_entries (tenant_id, id, kind, amount_paise, message_id, reference,
            created_at_ms, billed_local)
        SELECT tid, 'led_' || %s || printf('%%016X', i), 'credit', :credit, NULL,
            'bench-credit', :first - 1000, NULL FROM gt""" % _crock10(":first - 1000"), p)
    log("gen_db: %d tenants; writing %d messages" % (p["T"], p["M"]))
    # Message j = i * per + k is tenant i's k-th; j makes the id's last 16
    # characters, so ids are unique in each tenant and across tenants.
    j = "(gt.i * :per + gk.k)"
    both = "FROM gt CROSS JOIN gk WHERE %s < :M" % j
    con.execute("""
        INSERT INTO messages (tenant_id, id, request_id, phone_masked, sender_header, pe_id,
            dlt_template_id, status, provider, provider_message_id, cost_paise, error,
            payload_sealed, attempts, next_attempt_at_ms, lease_until_ms, created_at_ms,
            sent_at_ms, updated_at_ms)
        SELECT tid, 'msg_' || c || printf('%%016X', %(j)s), 'req_' || c || printf('%%016X', %(j)s),
            printf('+91******%%04d', %(j)s %% 10000), 'BENCHT', '1101234567890123456', '%(dlt)s',
            'sent', 'startmessaging', printf('fgw_%%d', %(j)s), :price, '', NULL, 1, t,
            t + 30000, t, t + :after, t + :after %(both)s""" % {
        "j": j, "dlt": DLT_TEMPLATE_ID, "both": both}, p)
    pend = "gk.k >= :pending_k"  # the newest messages of every tenant
    con.execute("""
        INSERT INTO otp_requests (tenant_id, id, phone_hash, phone_masked, template_name,
            code_hash, status, attempts, max_attempts, resend_count, context_sealed,
            expires_at_ms, last_sent_at_ms, created_at_ms, updated_at_ms)
        SELECT tid, 'req_' || c || printf('%%016X', %(j)s), randomblob(32),
            printf('+91******%%04d', %(j)s %% 10000), 'login', randomblob(32),
            CASE WHEN %(pend)s THEN 'pending' ELSE 'approved' END,
            CASE WHEN %(pend)s THEN 0 ELSE 1 END, 10, 0, NULL,
            CASE WHEN %(pend)s THEN :expires ELSE t + 600000 END,
            t, t, t + :after %(both)s""" % {"j": j, "pend": pend, "both": both}, p)
    log("gen_db: writing %d ledger entries" % (2 * p["M"]))
    con.execute("""
        INSERT INTO ledger_entries (tenant_id, id, kind, amount_paise, message_id, reference,
            created_at_ms, billed_local)
        SELECT tid, 'led_' || CASE kind WHEN 0 THEN c ELSE c2 END
                || printf('%%016X', 2 * %(j)s + kind),
            CASE kind WHEN 0 THEN 'hold' ELSE 'capture' END, :price,
            'msg_' || c || printf('%%016X', %(j)s), NULL, t + kind * :after,
            CASE kind WHEN 0 THEN NULL ELSE billed END
        FROM gt CROSS JOIN gk CROSS JOIN (SELECT 0 AS kind UNION ALL SELECT 1)
        WHERE %(j)s < :M""" % {"j": j}, p)
    con.execute("""
        INSERT INTO usage_daily (tenant_id, day, sms_count, cost_paise)
        SELECT tenant_id, substr(billed_local, 1, 10), count(*), sum(amount_paise)
        FROM ledger_entries WHERE kind = 'capture' GROUP BY 1, 2""")
    con.execute("""
        INSERT INTO wallets (tenant_id, balance_paise, held_paise, held_count, updated_at_ms)
        SELECT gt.tid, :credit - coalesce(u.cost, 0), 0, 0, :now FROM gt
        LEFT JOIN (SELECT tenant_id, sum(cost_paise) AS cost FROM usage_daily
                   GROUP BY tenant_id) u ON u.tenant_id = gt.tid""", p)
    _dlt(con)
    con.execute("DROP TABLE gt")
    con.execute("DROP TABLE gk")


def _dlt(con):
    """Registers each tenant's sender header under its PE-ID and maps its
    template to it, as POST /v1/tenants does (registry_tenant_sync); without
    them the DLT pre-scrub refuses every send. Counts the captures per route
    (all on the tenant's own route), as ledger_capture_route does. Skipped
    on a schema without the DLT registry (migration 0003)."""
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "dlt_headers" in tables:
        con.execute("""
            INSERT INTO dlt_headers (tenant_id, header, category, status, pe_id,
                created_at_ms, updated_at_ms)
            SELECT t.id, t.sender_header, 'service_implicit', 'active', t.pe_id,
                t.created_at_ms, t.updated_at_ms
            FROM gt JOIN tenants t ON t.id = gt.tid""")
    if "usage_daily_route" in tables:  # captures count per route too
        con.execute("""
            INSERT INTO usage_daily_route (tenant_id, day, route, sms_count, cost_paise)
            SELECT tenant_id, day, 'own', sms_count, cost_paise FROM usage_daily
            WHERE tenant_id IN (SELECT tid FROM gt)""")
    if "usage_monthly" in tables:  # and per billing month, which invoices read
        con.execute("""
            INSERT INTO usage_monthly (tenant_id, month, route, sms_count, cost_paise)
            SELECT tenant_id, substr(day, 1, 7), 'own', sum(sms_count), sum(cost_paise)
            FROM usage_daily WHERE tenant_id IN (SELECT tid FROM gt)
            GROUP BY tenant_id, substr(day, 1, 7)""")
    columns = {r[1] for r in con.execute("PRAGMA table_info(templates)")}
    if "headers" in columns:
        con.execute("""
            UPDATE templates SET headers = json_array('BENCHT')
            WHERE tenant_id IN (SELECT tid FROM gt)""")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("db", help="a migrated, empty otpgate SQLite database")
    ap.add_argument("--tenants", type=int, default=1)
    ap.add_argument("--ledger-rows", type=int, default=10_000)
    ap.add_argument("--pending", type=int, default=0,
                    help="how many of the newest OTP requests stay pending")
    a = ap.parse_args()
    try:
        generate(a.db, a.tenants, a.ledger_rows, a.pending)
    except (ValueError, sqlite3.Error) as e:
        print("gen_db: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
