/*
 * Money in the SQLite store: the ledger entries, the wallet that caches
 * their sums, and the per-day usage aggregate that captures feed. Partial
 * unique indexes (see 0001_init.sql) make a credit reference and a
 * message's settlement happen at most once, whatever the caller does, and
 * the tenant_sms_ledger view over captures is what the seed's billing query
 * reads. Optional text (message_id, reference, billed_local) is stored as
 * NULL when empty, so the CHECKs can say which kind carries what.
 */
#include "store/store_sqliteInt.h"

#include <assert.h>
#include <string.h>

/* The SQL below also spells these names where the planner needs a literal
 * to use a partial index; the migration's CHECK lists them too. */
static const char *const ledger_kind_names[] = {
	[STORE_LEDGER_CREDIT] = "credit",
	[STORE_LEDGER_HOLD] = "hold",
	[STORE_LEDGER_CAPTURE] = "capture",
	[STORE_LEDGER_RELEASE] = "release",
};
static const struct store_sqlite_enum ledger_kind = {
	ledger_kind_names, sizeof ledger_kind_names / sizeof ledger_kind_names[0]};

#define WALLET_COLS "tenant_id, balance_paise, held_paise, held_count, updated_at_ms"
#define LEDGER_COLS \
	"tenant_id, id, kind, amount_paise, message_id, reference, created_at_ms, billed_local"

static const char sql_wallet_get[] = "SELECT " WALLET_COLS " FROM wallets WHERE tenant_id = ?1";
static const char sql_wallet_put[] =
	"INSERT INTO wallets (" WALLET_COLS ") VALUES (?1, ?2, ?3, ?4, ?5)"
	" ON CONFLICT (tenant_id) DO UPDATE SET balance_paise = excluded.balance_paise,"
	" held_paise = excluded.held_paise, held_count = excluded.held_count,"
	" updated_at_ms = excluded.updated_at_ms";
static const char sql_ledger_insert[] =
	"INSERT INTO ledger_entries (" LEDGER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char sql_ledger_find_credit[] =
	"SELECT " LEDGER_COLS " FROM ledger_entries"
	" WHERE tenant_id = ?1 AND reference = ?2 AND kind = 'credit'";
/* The same arithmetic as ledger_apply: captures leave both the balance and
 * the holds; releases only the holds. */
static const char sql_ledger_sums[] =
	"SELECT"
	" COALESCE(SUM(CASE kind WHEN 'credit' THEN amount_paise"
	"                        WHEN 'capture' THEN -amount_paise ELSE 0 END), 0),"
	" COALESCE(SUM(CASE kind WHEN 'hold' THEN amount_paise"
	"                        WHEN 'capture' THEN -amount_paise"
	"                        WHEN 'release' THEN -amount_paise ELSE 0 END), 0),"
	" COALESCE(SUM(CASE kind WHEN 'hold' THEN 1 WHEN 'capture' THEN -1"
	"                        WHEN 'release' THEN -1 ELSE 0 END), 0)"
	" FROM ledger_entries WHERE tenant_id = ?1";
static const char sql_usage_add[] =
	"INSERT INTO usage_daily (tenant_id, day, sms_count, cost_paise) VALUES (?1, ?2, ?3, ?4)"
	" ON CONFLICT (tenant_id, day) DO UPDATE SET"
	" sms_count = sms_count + excluded.sms_count,"
	" cost_paise = cost_paise + excluded.cost_paise";
/* Two texts rather than "?3 IS NULL OR tenant_id = ?3", which would keep
 * the planner from using the primary key for one tenant. */
#define USAGE_RANGE_SQL(where)                                                          \
	"SELECT tenant_id, SUM(sms_count), SUM(cost_paise) FROM usage_daily"            \
	" WHERE " where "day BETWEEN ?1 AND ?2"                                         \
	" GROUP BY tenant_id HAVING SUM(sms_count) > 0 ORDER BY tenant_id"
static const char sql_usage_range_all[] = USAGE_RANGE_SQL("");
static const char sql_usage_range_tenant[] = USAGE_RANGE_SQL("tenant_id = ?3 AND ");

/* Reads a row selected as WALLET_COLS. */
static void wallet_read(struct store_sqlite_row *r, void *record)
{
	struct store_wallet *w = record;

	memset(w, 0, sizeof *w);
	STORE_SQLITE_ROW_TEXT(r, w->tenant_id);
	w->balance_paise = store_sqlite__row_int64(r);
	w->held_paise = store_sqlite__row_int64(r);
	w->held_count = store_sqlite__row_int64(r);
	w->updated_at_ms = store_sqlite__row_int64(r);
}

/* Reads a row selected as LEDGER_COLS. */
static void ledger_read(struct store_sqlite_row *r, void *record)
{
	struct store_ledger_entry *e = record;

	memset(e, 0, sizeof *e);
	STORE_SQLITE_ROW_TEXT(r, e->tenant_id);
	STORE_SQLITE_ROW_TEXT(r, e->id);
	e->kind = store_sqlite__row_enum(r, &ledger_kind);
	e->amount_paise = store_sqlite__row_int64(r);
	STORE_SQLITE_ROW_TEXT(r, e->message_id);
	STORE_SQLITE_ROW_TEXT(r, e->reference);
	e->created_at_ms = store_sqlite__row_int64(r);
	STORE_SQLITE_ROW_TEXT(r, e->billed_local);
}

/* Reads a usage row: tenant_id, total_sms, total_cost_paise. */
static void usage_read(struct store_sqlite_row *r, void *record)
{
	struct store_usage_row *u = record;

	memset(u, 0, sizeof *u);
	STORE_SQLITE_ROW_TEXT(r, u->tenant_id);
	u->total_sms = store_sqlite__row_int64(r);
	u->total_cost_paise = store_sqlite__row_int64(r);
}

enum og_err store_sqlite_ledger_wallet_get(struct store_conn *base, const char *tenant_id,
					   struct store_wallet *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	size_t len = tenant_id ? strlen(tenant_id) : 0;
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && out);
	rc = store_sqlite__prepare(c, SQ_WALLET_GET, sql_wallet_get, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	rc = store_sqlite__fetch(c, st, wallet_read, out);
	if (rc != OG_ERR_NOT_FOUND)
		goto out;
	/* No entry has touched the wallet yet: every sum is zero. */
	if (len >= sizeof out->tenant_id) {
		rc = OG_ERR_STORE;
		goto out;
	}
	memset(out, 0, sizeof *out);
	memcpy(out->tenant_id, tenant_id, len + 1);
	rc = OG_OK;
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_ledger_wallet_put(struct store_conn *base, const struct store_wallet *w)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(w);
	rc = store_sqlite__prepare(c, SQ_WALLET_PUT, sql_wallet_put, &st);
	if (rc != OG_OK)
		goto out;
	STORE_SQLITE_BIND_FIELD(st, 1, w->tenant_id);
	store_sqlite__bind_int64(st, 2, w->balance_paise);
	store_sqlite__bind_int64(st, 3, w->held_paise);
	store_sqlite__bind_int64(st, 4, w->held_count);
	store_sqlite__bind_int64(st, 5, w->updated_at_ms);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_ledger_insert(struct store_conn *base, const struct store_ledger_entry *e)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(e && memchr(e->message_id, '\0', sizeof e->message_id) &&
	       memchr(e->reference, '\0', sizeof e->reference) &&
	       memchr(e->billed_local, '\0', sizeof e->billed_local));
	rc = store_sqlite__prepare(c, SQ_LEDGER_INSERT, sql_ledger_insert, &st);
	if (rc != OG_OK)
		goto out;
	STORE_SQLITE_BIND_FIELD(st, 1, e->tenant_id);
	STORE_SQLITE_BIND_FIELD(st, 2, e->id);
	store_sqlite__bind_enum(st, 3, &ledger_kind, e->kind);
	store_sqlite__bind_int64(st, 4, e->amount_paise);
	store_sqlite__bind_text_or_null(st, 5, e->message_id);
	store_sqlite__bind_text_or_null(st, 6, e->reference);
	store_sqlite__bind_int64(st, 7, e->created_at_ms);
	store_sqlite__bind_text_or_null(st, 8, e->billed_local);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_ledger_find_credit(struct store_conn *base, const char *tenant_id,
					    const char *reference,
					    struct store_ledger_entry *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && reference && out);
	rc = store_sqlite__prepare(c, SQ_LEDGER_FIND_CREDIT, sql_ledger_find_credit, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, reference);
	rc = store_sqlite__fetch(c, st, ledger_read, out);
out:
	store_sqlite__reset(st);
	return rc;
}

/* Reads the one row of sql_ledger_sums. */
static void ledger_sums_read(struct store_sqlite_row *r, void *record)
{
	struct store_ledger_sums *s = record;

	s->balance_paise = store_sqlite__row_int64(r);
	s->held_paise = store_sqlite__row_int64(r);
	s->held_count = store_sqlite__row_int64(r);
}

enum og_err store_sqlite_ledger_sums(struct store_conn *base, const char *tenant_id,
				     struct store_ledger_sums *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && out);
	memset(out, 0, sizeof *out);
	rc = store_sqlite__prepare(c, SQ_LEDGER_SUMS, sql_ledger_sums, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	rc = store_sqlite__fetch(c, st, ledger_sums_read, out);
	/* An aggregate always yields a row. */
	if (rc == OG_ERR_NOT_FOUND)
		rc = OG_ERR_STORE;
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_ledger_usage_add(struct store_conn *base, const char *tenant_id,
					  const char *day, int64_t sms, int64_t cost_paise)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && day && strlen(day) == CLOCK_DATE_MAX - 1);
	rc = store_sqlite__prepare(c, SQ_USAGE_ADD, sql_usage_add, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, day);
	store_sqlite__bind_int64(st, 3, sms);
	store_sqlite__bind_int64(st, 4, cost_paise);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

/* fn runs while the statement is open: it may use this connection for
 * other operations, but not for another usage_range. */
enum og_err store_sqlite_ledger_usage_range(struct store_conn *base, const char *tenant_id,
					    const char *from_day, const char *to_day,
					    store_usage_fn fn, void *arg)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	struct store_usage_row row;
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(from_day && to_day && fn);
	if (tenant_id)
		rc = store_sqlite__prepare(c, SQ_USAGE_RANGE_TENANT, sql_usage_range_tenant, &st);
	else
		rc = store_sqlite__prepare(c, SQ_USAGE_RANGE_ALL, sql_usage_range_all, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, from_day);
	store_sqlite__bind_text(st, 2, to_day);
	if (tenant_id)
		store_sqlite__bind_text(st, 3, tenant_id);
	for (;;) {
		rc = store_sqlite__fetch(c, st, usage_read, &row);
		if (rc == OG_ERR_NOT_FOUND) {
			rc = OG_OK;
			break;
		}
		if (rc != OG_OK)
			break;
		rc = fn(arg, &row);
		if (rc != OG_OK)
			break;
	}
out:
	store_sqlite__reset(st);
	return rc;
}
