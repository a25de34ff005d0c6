/*
 * The monthly usage aggregate in the PostgreSQL store (migration 0006):
 * charged SMS per tenant, billing month and DLT route, added to by every
 * capture in its transaction. The monthly SMS cap reads one tenant's month
 * from it on every send, and an invoice reads one month for every tenant,
 * with the tenants' names, in one statement.
 */
#include "store/store_pgInt.h"

#include <assert.h>
#include <string.h>

static const char sql_month_add[] =
	"INSERT INTO usage_monthly (tenant_id, month, route, sms_count, cost_paise)"
	" VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, month, route) DO UPDATE SET"
	" sms_count = usage_monthly.sms_count + excluded.sms_count,"
	" cost_paise = usage_monthly.cost_paise + excluded.cost_paise";
static const char sql_month_sum[] =
	"SELECT $1::text, COALESCE(SUM(sms_count), 0)::bigint, COALESCE(SUM(cost_paise), 0)::bigint"
	" FROM usage_monthly WHERE tenant_id = $1 AND month = $2";
static const char sql_month_lines[] =
	"SELECT u.tenant_id, COALESCE(t.name, ''), u.route, u.sms_count, u.cost_paise"
	" FROM usage_monthly u LEFT JOIN tenants t ON t.id = u.tenant_id"
	" WHERE u.month = $1 AND u.sms_count > 0 ORDER BY u.tenant_id, u.route";

static void month_sum_read(struct store_pg_row *r, void *record)
{
	struct store_usage_row *u = record;

	memset(u, 0, sizeof *u);
	STORE_PG_ROW_TEXT(r, u->tenant_id);
	u->total_sms = store_pg__row_int64(r);
	u->total_cost_paise = store_pg__row_int64(r);
}

static void invoice_read(struct store_pg_row *r, void *record)
{
	struct store_invoice_row *u = record;

	memset(u, 0, sizeof *u);
	STORE_PG_ROW_TEXT(r, u->tenant_id);
	STORE_PG_ROW_TEXT(r, u->name);
	u->route = store_pg__row_enum(r, &store_pg__route);
	u->total_sms = store_pg__row_int64(r);
	u->total_cost_paise = store_pg__row_int64(r);
}

enum og_err store_pg_usage_month_add(struct store_conn *base, const char *tenant_id,
				     const char *month, int route, int64_t sms,
				     int64_t cost_paise)
{
	struct store_pg_params p;

	assert(tenant_id && month && strlen(month) == CLOCK_MONTH_MAX - 1);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, month);
	store_pg__param_enum(&p, &store_pg__route, route);
	store_pg__param_int64(&p, sms);
	store_pg__param_int64(&p, cost_paise);
	return store_pg__run(store_pg__conn(base), PG_USAGE_MONTH_ADD, sql_month_add, &p, NULL);
}

/* Inside a transaction, read under the tenant's wallet lock, for the
 * reason store_pg_ledger_usage_range gives: a capture moves a message from
 * the wallet's holds to this aggregate in one transaction holding it. */
enum og_err store_pg_usage_month_sum(struct store_conn *base, const char *tenant_id,
				     const char *month, struct store_usage_row *out)
{
	struct store_pg_conn *c = store_pg__conn(base);
	struct store_pg_params p;
	enum og_err rc;

	assert(tenant_id && month && out);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, month);
	rc = store_pg__row_lock(c, STORE_PG_LOCK_WALLET, tenant_id, NULL, 0);
	if (rc == OG_OK)
		rc = store_pg__fetch(c, PG_USAGE_MONTH_SUM, sql_month_sum, &p, month_sum_read, out);
	/* An aggregate always yields a row. */
	return rc == OG_ERR_NOT_FOUND ? OG_ERR_STORE : rc;
}

/* The whole result is in memory before fn runs, so fn may use this
 * connection for anything. */
enum og_err store_pg_usage_month_lines(struct store_conn *base, const char *month,
				       store_invoice_fn fn, void *arg)
{
	struct store_pg_conn *c = store_pg__conn(base);
	struct store_invoice_row row;
	struct store_pg_params p;
	PGresult *res = NULL;
	enum og_err rc;

	assert(month && fn);
	store_pg__params_init(&p);
	store_pg__param_text(&p, month);
	rc = store_pg__exec(c, PG_USAGE_MONTH_LINES, sql_month_lines, &p, &res);
	for (int i = 0; rc == OG_OK && i < PQntuples(res); i++) {
		struct store_pg_row r;

		store_pg__row_init(&r, res, i);
		invoice_read(&r, &row);
		rc = r.rc;
		if (rc == OG_OK)
			rc = fn(arg, &row);
	}
	PQclear(res);
	return rc;
}
