/*
 * Money in the PostgreSQL store: the ledger entries, the wallet that caches
 * their sums, and the per-day usage aggregate that captures feed. Partial
 * unique indexes (see migrations/pg/0001_init.sql) make a credit reference
 * and a message's settlement happen at most once, whatever the caller does,
 * and the tenant_sms_ledger view over captures is what the seed's billing
 * query reads. Optional text (message_id, reference, billed_local) is
 * stored as NULL when empty, so the CHECKs can say which kind carries what.
 *
 * Atomic money: the domain reads the wallet, decides, and writes it back in
 * one transaction. Read inside a transaction, the wallet is row-locked
 * (FOR NO KEY UPDATE) after an advisory lock on the tenant's wallet key
 * (which also covers a wallet that has no row yet), so no two transactions
 * on any nodes can both read one balance and both spend it.
 */
#include "store/store_pgInt.h"

#include <assert.h>
#include <string.h>

#define WALLET_COLS "tenant_id, balance_paise, held_paise, held_count, updated_at_ms"
#define LEDGER_COLS \
	"tenant_id, id, kind, amount_paise, message_id, reference, created_at_ms, billed_local"

static const char sql_wallet_get[] = "SELECT " WALLET_COLS " FROM wallets WHERE tenant_id = $1";
static const char sql_wallet_get_lock[] =
	"SELECT " WALLET_COLS " FROM wallets WHERE tenant_id = $1 FOR NO KEY UPDATE";
static const char sql_wallet_put[] =
	"INSERT INTO wallets (" WALLET_COLS ") VALUES ($1, $2, $3, $4, $5)"
	" ON CONFLICT (tenant_id) DO UPDATE SET balance_paise = excluded.balance_paise,"
	" held_paise = excluded.held_paise, held_count = excluded.held_count,"
	" updated_at_ms = excluded.updated_at_ms";
static const char sql_ledger_insert[] =
	"INSERT INTO ledger_entries (" LEDGER_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
	" ON CONFLICT DO NOTHING";
static const char sql_ledger_find_credit[] =
	"SELECT " LEDGER_COLS " FROM ledger_entries"
	" WHERE tenant_id = $1 AND reference = $2 AND kind = 'credit'";
/* The same arithmetic as ledger_apply: captures leave both the balance and
 * the holds; releases only the holds. */
static const char sql_ledger_sums[] =
	"SELECT"
	" COALESCE(SUM(CASE kind WHEN 'credit' THEN amount_paise"
	"                        WHEN 'capture' THEN -amount_paise ELSE 0 END), 0)::bigint,"
	" COALESCE(SUM(CASE kind WHEN 'hold' THEN amount_paise"
	"                        WHEN 'capture' THEN -amount_paise"
	"                        WHEN 'release' THEN -amount_paise ELSE 0 END), 0)::bigint,"
	" COALESCE(SUM(CASE kind WHEN 'hold' THEN 1 WHEN 'capture' THEN -1"
	"                        WHEN 'release' THEN -1 ELSE 0 END), 0)::bigint"
	" FROM ledger_entries WHERE tenant_id = $1";
static const char sql_usage_add[] =
	"INSERT INTO usage_daily (tenant_id, day, sms_count, cost_paise) VALUES ($1, $2, $3, $4)"
	" ON CONFLICT (tenant_id, day) DO UPDATE SET"
	" sms_count = usage_daily.sms_count + excluded.sms_count,"
	" cost_paise = usage_daily.cost_paise + excluded.cost_paise";
/* Two texts rather than "$3 IS NULL OR tenant_id = $3", which would keep
 * the planner from using the primary key for one tenant. */
#define USAGE_RANGE_SQL(where)                                                                \
	"SELECT tenant_id, SUM(sms_count)::bigint, SUM(cost_paise)::bigint FROM usage_daily"  \
	" WHERE " where "day BETWEEN $1 AND $2"                                               \
	" GROUP BY tenant_id HAVING SUM(sms_count) > 0 ORDER BY tenant_id"
static const char sql_usage_range_all[] = USAGE_RANGE_SQL("");
static const char sql_usage_range_tenant[] = USAGE_RANGE_SQL("tenant_id = $3 AND ");

/* Reads a row selected as WALLET_COLS. */
static void wallet_read(struct store_pg_row *r, void *record)
{
	struct store_wallet *w = record;

	memset(w, 0, sizeof *w);
	STORE_PG_ROW_TEXT(r, w->tenant_id);
	w->balance_paise = store_pg__row_int64(r);
	w->held_paise = store_pg__row_int64(r);
	w->held_count = store_pg__row_int64(r);
	w->updated_at_ms = store_pg__row_int64(r);
}

/* Reads a row selected as LEDGER_COLS. */
static void ledger_read(struct store_pg_row *r, void *record)
{
	struct store_ledger_entry *e = record;

	memset(e, 0, sizeof *e);
	STORE_PG_ROW_TEXT(r, e->tenant_id);
	STORE_PG_ROW_TEXT(r, e->id);
	e->kind = store_pg__row_enum(r, &store_pg__ledger_kind);
	e->amount_paise = store_pg__row_int64(r);
	STORE_PG_ROW_TEXT(r, e->message_id);
	STORE_PG_ROW_TEXT(r, e->reference);
	e->created_at_ms = store_pg__row_int64(r);
	STORE_PG_ROW_TEXT(r, e->billed_local);
}

/* Reads a usage row: tenant_id, total_sms, total_cost_paise. */
static void usage_read(struct store_pg_row *r, void *record)
{
	struct store_usage_row *u = record;

	memset(u, 0, sizeof *u);
	STORE_PG_ROW_TEXT(r, u->tenant_id);
	u->total_sms = store_pg__row_int64(r);
	u->total_cost_paise = store_pg__row_int64(r);
}

enum og_err store_pg_ledger_wallet_get(struct store_conn *base, const char *tenant_id,
				       struct store_wallet *out)
{
	struct store_pg_conn *c = store_pg__conn(base);
	size_t len = tenant_id ? strlen(tenant_id) : 0;
	struct store_pg_params p;
	enum og_err rc;

	assert(tenant_id && out);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	if (c->in_tx) {
		rc = store_pg__row_lock(c, STORE_PG_LOCK_WALLET, tenant_id, NULL, 0);
		if (rc == OG_OK)
			rc = store_pg__fetch(c, PG_WALLET_GET_LOCK, sql_wallet_get_lock, &p,
					     wallet_read, out);
	} else {
		rc = store_pg__fetch(c, PG_WALLET_GET, sql_wallet_get, &p, wallet_read, out);
	}
	if (rc != OG_ERR_NOT_FOUND)
		return rc;
	/* No entry has touched the wallet yet: every sum is zero. */
	if (len >= sizeof out->tenant_id)
		return OG_ERR_STORE;
	memset(out, 0, sizeof *out);
	memcpy(out->tenant_id, tenant_id, len + 1);
	return OG_OK;
}

enum og_err store_pg_ledger_wallet_put(struct store_conn *base, const struct store_wallet *w)
{
	struct store_pg_params p;

	assert(w);
	store_pg__params_init(&p);
	STORE_PG_PARAM_FIELD(&p, w->tenant_id);
	store_pg__param_int64(&p, w->balance_paise);
	store_pg__param_int64(&p, w->held_paise);
	store_pg__param_int64(&p, w->held_count);
	store_pg__param_int64(&p, w->updated_at_ms);
	return store_pg__run(store_pg__conn(base), PG_WALLET_PUT, sql_wallet_put, &p, NULL);
}

enum og_err store_pg_ledger_insert(struct store_conn *base, const struct store_ledger_entry *e)
{
	struct store_pg_params p;

	assert(e && memchr(e->message_id, '\0', sizeof e->message_id) &&
	       memchr(e->reference, '\0', sizeof e->reference) &&
	       memchr(e->billed_local, '\0', sizeof e->billed_local));
	store_pg__params_init(&p);
	STORE_PG_PARAM_FIELD(&p, e->tenant_id);
	STORE_PG_PARAM_FIELD(&p, e->id);
	store_pg__param_enum(&p, &store_pg__ledger_kind, e->kind);
	store_pg__param_int64(&p, e->amount_paise);
	store_pg__param_text_or_null(&p, e->message_id);
	store_pg__param_text_or_null(&p, e->reference);
	store_pg__param_int64(&p, e->created_at_ms);
	store_pg__param_text_or_null(&p, e->billed_local);
	return store_pg__insert(store_pg__conn(base), PG_LEDGER_INSERT, sql_ledger_insert, &p);
}

/* A top-up looks its reference up and credits it if absent: inside a
 * transaction the reference is locked first, so of two top-ups with one
 * reference on any nodes the second waits, then finds the first's credit
 * (each statement reads what was committed before it began). */
enum og_err store_pg_ledger_find_credit(struct store_conn *base, const char *tenant_id,
					const char *reference, struct store_ledger_entry *out)
{
	struct store_pg_conn *c = store_pg__conn(base);
	struct store_pg_params p;
	enum og_err rc;

	assert(tenant_id && reference && out);
	rc = store_pg__row_lock(c, STORE_PG_LOCK_CREDIT, tenant_id, reference, strlen(reference));
	if (rc != OG_OK)
		return rc;
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, reference);
	return store_pg__fetch(c, PG_LEDGER_FIND_CREDIT, sql_ledger_find_credit, &p, ledger_read,
			       out);
}

/* Reads the one row of sql_ledger_sums. */
static void ledger_sums_read(struct store_pg_row *r, void *record)
{
	struct store_ledger_sums *s = record;

	s->balance_paise = store_pg__row_int64(r);
	s->held_paise = store_pg__row_int64(r);
	s->held_count = store_pg__row_int64(r);
}

enum og_err store_pg_ledger_sums(struct store_conn *base, const char *tenant_id,
				 struct store_ledger_sums *out)
{
	struct store_pg_params p;
	enum og_err rc;

	assert(tenant_id && out);
	memset(out, 0, sizeof *out);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	rc = store_pg__fetch(store_pg__conn(base), PG_LEDGER_SUMS, sql_ledger_sums, &p,
			     ledger_sums_read, out);
	/* An aggregate always yields a row. */
	return rc == OG_ERR_NOT_FOUND ? OG_ERR_STORE : rc;
}

enum og_err store_pg_ledger_usage_add(struct store_conn *base, const char *tenant_id,
				      const char *day, int64_t sms, int64_t cost_paise)
{
	struct store_pg_params p;

	assert(tenant_id && day && strlen(day) == CLOCK_DATE_MAX - 1);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, day);
	store_pg__param_int64(&p, sms);
	store_pg__param_int64(&p, cost_paise);
	return store_pg__run(store_pg__conn(base), PG_USAGE_ADD, sql_usage_add, &p, NULL);
}

/* The whole result is in memory before fn runs, so fn may use this
 * connection for anything, another usage_range included.
 *
 * Inside a transaction, one tenant's usage is read under the tenant's
 * wallet lock: a capture moves a message from the wallet's holds to the
 * day's usage in one transaction that holds that lock, so a send that
 * counts "charged today + held now" (ABUSE-05, ABUSE-08) cannot read the
 * usage from before a capture and the wallet from after it, and miss the
 * message, as two statements with their own snapshots otherwise could. */
enum og_err store_pg_ledger_usage_range(struct store_conn *base, const char *tenant_id,
					const char *from_day, const char *to_day,
					store_usage_fn fn, void *arg)
{
	struct store_pg_conn *c = store_pg__conn(base);
	struct store_usage_row row;
	struct store_pg_params p;
	PGresult *res = NULL;
	enum og_err rc;

	assert(from_day && to_day && fn);
	store_pg__params_init(&p);
	store_pg__param_text(&p, from_day);
	store_pg__param_text(&p, to_day);
	if (tenant_id) {
		store_pg__param_text(&p, tenant_id);
		rc = store_pg__row_lock(c, STORE_PG_LOCK_WALLET, tenant_id, NULL, 0);
		if (rc == OG_OK)
			rc = store_pg__exec(c, PG_USAGE_RANGE_TENANT, sql_usage_range_tenant, &p,
					    &res);
	} else {
		rc = store_pg__exec(c, PG_USAGE_RANGE_ALL, sql_usage_range_all, &p, &res);
	}
	for (int i = 0; rc == OG_OK && i < PQntuples(res); i++) {
		struct store_pg_row r;

		store_pg__row_init(&r, res, i);
		usage_read(&r, &row);
		rc = r.rc;
		if (rc == OG_OK)
			rc = fn(arg, &row);
	}
	PQclear(res);
	return rc;
}
