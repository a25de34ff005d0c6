/*
 * The monthly usage aggregate in the SQLite store (migration 0006): charged
 * SMS per tenant, billing month and DLT route, added to by every capture in
 * its transaction. The monthly SMS cap reads one tenant's month from it on
 * every send, and an invoice reads one month for every tenant, with the
 * tenants' names, in one statement.
 */
#include "store/store_sqliteInt.h"

#include <assert.h>
#include <string.h>

static const char sql_month_add[] =
	"INSERT INTO usage_monthly (tenant_id, month, route, sms_count, cost_paise)"
	" VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (tenant_id, month, route) DO UPDATE SET"
	" sms_count = sms_count + excluded.sms_count, cost_paise = cost_paise + excluded.cost_paise";
static const char sql_month_sum[] =
	"SELECT ?1, COALESCE(SUM(sms_count), 0), COALESCE(SUM(cost_paise), 0)"
	" FROM usage_monthly WHERE tenant_id = ?1 AND month = ?2";
/* INDEXED BY: the month index finds the month's rows in tenant order;
 * without it the planner may walk the whole primary key instead. */
static const char sql_month_lines[] =
	"SELECT u.tenant_id, COALESCE(t.name, ''), u.route, u.sms_count, u.cost_paise"
	" FROM usage_monthly u INDEXED BY usage_monthly_by_month"
	" LEFT JOIN tenants t ON t.id = u.tenant_id"
	" WHERE u.month = ?1 AND u.sms_count > 0 ORDER BY u.tenant_id, u.route";

static void month_sum_read(struct store_sqlite_row *r, void *record)
{
	struct store_usage_row *u = record;

	memset(u, 0, sizeof *u);
	STORE_SQLITE_ROW_TEXT(r, u->tenant_id);
	u->total_sms = store_sqlite__row_int64(r);
	u->total_cost_paise = store_sqlite__row_int64(r);
}

static void invoice_read(struct store_sqlite_row *r, void *record)
{
	struct store_invoice_row *u = record;

	memset(u, 0, sizeof *u);
	STORE_SQLITE_ROW_TEXT(r, u->tenant_id);
	STORE_SQLITE_ROW_TEXT(r, u->name);
	u->route = store_sqlite__row_enum(r, &store_sqlite__route);
	u->total_sms = store_sqlite__row_int64(r);
	u->total_cost_paise = store_sqlite__row_int64(r);
}

enum og_err store_sqlite_usage_month_add(struct store_conn *base, const char *tenant_id,
					 const char *month, int route, int64_t sms,
					 int64_t cost_paise)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && month && strlen(month) == CLOCK_MONTH_MAX - 1);
	rc = store_sqlite__prepare(c, SQ_USAGE_MONTH_ADD, sql_month_add, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, month);
	store_sqlite__bind_enum(st, 3, &store_sqlite__route, route);
	store_sqlite__bind_int64(st, 4, sms);
	store_sqlite__bind_int64(st, 5, cost_paise);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_usage_month_sum(struct store_conn *base, const char *tenant_id,
					 const char *month, struct store_usage_row *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && month && out);
	rc = store_sqlite__prepare(c, SQ_USAGE_MONTH_SUM, sql_month_sum, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, month);
	rc = store_sqlite__fetch(c, st, month_sum_read, out);
	/* An aggregate always yields a row. */
	if (rc == OG_ERR_NOT_FOUND)
		rc = OG_ERR_STORE;
out:
	store_sqlite__reset(st);
	return rc;
}

/* fn runs while the statement is open: it may use this connection for
 * other operations, but not for another usage_month_lines. */
enum og_err store_sqlite_usage_month_lines(struct store_conn *base, const char *month,
					   store_invoice_fn fn, void *arg)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	struct store_invoice_row row;
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(month && fn);
	rc = store_sqlite__prepare(c, SQ_USAGE_MONTH_LINES, sql_month_lines, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, month);
	for (;;) {
		rc = store_sqlite__fetch(c, st, invoice_read, &row);
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
