/*
 * The usage aggregates that every capture adds to in its transaction:
 * charged SMS and their cost per tenant and billing day (usage_daily), per
 * day and DLT route (usage_daily_route), and per billing month and route
 * (usage_monthly, migration 0006). Usage reports read the daily rows; the
 * monthly SMS cap reads one tenant's month on every send, and an invoice
 * reads one month for every tenant, with the tenants' names, in one
 * statement.
 *
 * Inside a transaction, one tenant's usage is read under the tenant's
 * wallet lock: a capture moves a message from the wallet's holds to the
 * usage in one transaction that holds that lock, so a send that counts
 * "charged today + held now" (ABUSE-05, ABUSE-08) cannot read the usage
 * from before a capture and the wallet from after it, and miss the message,
 * as two statements with their own snapshots otherwise could.
 */
#include "store/store_int.h"

static struct store_sql sql_day_add = {
	.text = "INSERT INTO usage_daily (tenant_id, day, sms_count, cost_paise)"
		" VALUES (?1, ?2, ?3, ?4) ON CONFLICT (tenant_id, day) DO UPDATE SET"
		" sms_count = usage_daily.sms_count + excluded.sms_count,"
		" cost_paise = usage_daily.cost_paise + excluded.cost_paise"};
/* Two texts rather than "?3 IS NULL OR tenant_id = ?3", which would keep
 * the planner from using the primary key for one tenant. */
#define USAGE_RANGE_SQL(where)                                                          \
	"SELECT tenant_id, SUM(sms_count), SUM(cost_paise) FROM usage_daily"            \
	" WHERE " where "day BETWEEN ?1 AND ?2"                                         \
	" GROUP BY tenant_id HAVING SUM(sms_count) > 0 ORDER BY tenant_id"
static struct store_sql sql_day_range_all = {.text = USAGE_RANGE_SQL("")};
static struct store_sql sql_day_range_tenant = {.text = USAGE_RANGE_SQL("tenant_id = ?3 AND ")};

static struct store_sql sql_route_add = {
	.text = "INSERT INTO usage_daily_route (tenant_id, day, route, sms_count, cost_paise)"
		" VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (tenant_id, day, route) DO UPDATE SET"
		" sms_count = usage_daily_route.sms_count + excluded.sms_count,"
		" cost_paise = usage_daily_route.cost_paise + excluded.cost_paise"};
#define USAGE_ROUTE_SQL(where)                                                               \
	"SELECT tenant_id, route, SUM(sms_count), SUM(cost_paise) FROM usage_daily_route"    \
	" WHERE " where "day BETWEEN ?1 AND ?2 GROUP BY tenant_id, route"                     \
	" HAVING SUM(sms_count) > 0 ORDER BY tenant_id, route"
static struct store_sql sql_route_range_all = {.text = USAGE_ROUTE_SQL("")};
static struct store_sql sql_route_range_tenant = {.text = USAGE_ROUTE_SQL("tenant_id = ?3 AND ")};

static struct store_sql sql_month_add = {
	.text = "INSERT INTO usage_monthly (tenant_id, month, route, sms_count, cost_paise)"
		" VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (tenant_id, month, route) DO UPDATE SET"
		" sms_count = usage_monthly.sms_count + excluded.sms_count,"
		" cost_paise = usage_monthly.cost_paise + excluded.cost_paise"};
static struct store_sql sql_month_sum = {
	.text = "SELECT CAST(?1 AS TEXT), COALESCE(SUM(sms_count), 0), COALESCE(SUM(cost_paise), 0)"
		" FROM usage_monthly WHERE tenant_id = ?1 AND month = ?2"};
#define USAGE_MONTH_LINES_SQL(indexed_by)                                                 \
	"SELECT u.tenant_id, COALESCE(t.name, ''), u.route, u.sms_count, u.cost_paise"    \
	" FROM usage_monthly u" indexed_by " LEFT JOIN tenants t ON t.id = u.tenant_id"   \
	" WHERE u.month = ?1 AND u.sms_count > 0 ORDER BY u.tenant_id, u.route"
static struct store_sql sql_month_lines = {
	.text = USAGE_MONTH_LINES_SQL(""),
	/* SQLite's planner may walk the whole primary key instead of the
	 * month index, which finds the month's rows in tenant order. */
	.dialect[STORE_DIALECT_SQLITE] = USAGE_MONTH_LINES_SQL(" INDEXED BY usage_monthly_by_month"),
};

/* Reads a usage row: tenant_id, total_sms, total_cost_paise. */
static void usage_read(struct store_row *r, void *record)
{
	struct store_usage_row *u = record;

	memset(u, 0, sizeof *u);
	store_row_text(r, u->tenant_id);
	u->total_sms = store_row_int64(r);
	u->total_cost_paise = store_row_int64(r);
}

static void usage_route_read(struct store_row *r, void *record)
{
	struct store_usage_route_row *u = record;

	memset(u, 0, sizeof *u);
	store_row_text(r, u->tenant_id);
	u->route = store_row_enum(r, &store_enum_route);
	u->total_sms = store_row_int64(r);
	u->total_cost_paise = store_row_int64(r);
}

static void invoice_read(struct store_row *r, void *record)
{
	struct store_invoice_row *u = record;

	memset(u, 0, sizeof *u);
	store_row_text(r, u->tenant_id);
	store_row_text(r, u->name);
	u->route = store_row_enum(r, &store_enum_route);
	u->total_sms = store_row_int64(r);
	u->total_cost_paise = store_row_int64(r);
}

/* store_each's callbacks are untyped; these carry each caller's typed one
 * (calling a function through another function type is undefined). */
struct usage_each {
	union {
		store_usage_fn day;
		store_usage_route_fn route;
		store_invoice_fn invoice;
	} fn;
	void *arg;
};

static enum og_err usage_each_day(void *arg, const void *record)
{
	const struct usage_each *e = arg;

	return e->fn.day(e->arg, record);
}

static enum og_err usage_each_route(void *arg, const void *record)
{
	const struct usage_each *e = arg;

	return e->fn.route(e->arg, record);
}

static enum og_err usage_each_invoice(void *arg, const void *record)
{
	const struct usage_each *e = arg;

	return e->fn.invoice(e->arg, record);
}

/* Runs an add: ?1 tenant, ?2 day or month, then (route, if route >= 0) the
 * counts. */
static enum og_err usage_add(struct store_conn *c, struct store_sql *sql, const char *tenant_id,
			     const char *period, int route, int64_t sms, int64_t cost_paise)
{
	struct store_stmt *st;
	int idx = 3;
	enum og_err rc;

	rc = store_prepare(c, sql, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, period);
	if (route >= 0)
		store_bind_enum(st, idx++, &store_enum_route, route);
	store_bind_int64(st, idx++, sms);
	store_bind_int64(st, idx, cost_paise);
	return store_run(st, NULL);
}

/* Prepares the range pair (every tenant's, or one tenant's under its wallet
 * lock) and binds the days. */
static enum og_err usage_range_prepare(struct store_conn *c, struct store_sql *all,
				       struct store_sql *one, const char *tenant_id,
				       const char *from_day, const char *to_day,
				       struct store_stmt **st)
{
	enum og_err rc;

	assert(from_day && to_day);
	if (tenant_id) {
		rc = store_lock(c, STORE_LOCK_WALLET, tenant_id, NULL, 0);
		if (rc == OG_OK)
			rc = store_prepare(c, one, st);
	} else {
		rc = store_prepare(c, all, st);
	}
	if (rc != OG_OK)
		return rc;
	store_bind_text(*st, 1, from_day);
	store_bind_text(*st, 2, to_day);
	if (tenant_id)
		store_bind_text(*st, 3, tenant_id);
	return OG_OK;
}

enum og_err store_usage_add(struct store_conn *c, const char *tenant_id, const char *day,
			    int64_t sms, int64_t cost_paise)
{
	assert(tenant_id && day && strlen(day) == CLOCK_DATE_MAX - 1);
	return usage_add(c, &sql_day_add, tenant_id, day, -1, sms, cost_paise);
}

/* fn runs while the statement is open: it may use this connection for
 * other operations, but not for another usage range. */
enum og_err store_usage_range(struct store_conn *c, const char *tenant_id, const char *from_day,
			      const char *to_day, store_usage_fn fn, void *arg)
{
	struct usage_each each = {.fn.day = fn, .arg = arg};
	struct store_usage_row row;
	struct store_stmt *st;
	enum og_err rc;

	assert(fn);
	rc = usage_range_prepare(c, &sql_day_range_all, &sql_day_range_tenant, tenant_id, from_day,
				 to_day, &st);
	if (rc != OG_OK)
		return rc;
	return store_each(st, usage_read, &row, usage_each_day, &each);
}

enum og_err store_usage_route_add(struct store_conn *c, const char *tenant_id, const char *day,
				  int route, int64_t sms, int64_t cost_paise)
{
	assert(tenant_id && day && strlen(day) == CLOCK_DATE_MAX - 1 && route >= 0);
	return usage_add(c, &sql_route_add, tenant_id, day, route, sms, cost_paise);
}

enum og_err store_usage_route_range(struct store_conn *c, const char *tenant_id,
				    const char *from_day, const char *to_day,
				    store_usage_route_fn fn, void *arg)
{
	struct usage_each each = {.fn.route = fn, .arg = arg};
	struct store_usage_route_row row;
	struct store_stmt *st;
	enum og_err rc;

	assert(fn);
	rc = usage_range_prepare(c, &sql_route_range_all, &sql_route_range_tenant, tenant_id,
				 from_day, to_day, &st);
	if (rc != OG_OK)
		return rc;
	return store_each(st, usage_route_read, &row, usage_each_route, &each);
}

enum og_err store_usage_month_add(struct store_conn *c, const char *tenant_id, const char *month,
				  int route, int64_t sms, int64_t cost_paise)
{
	assert(tenant_id && month && strlen(month) == CLOCK_MONTH_MAX - 1 && route >= 0);
	return usage_add(c, &sql_month_add, tenant_id, month, route, sms, cost_paise);
}

enum og_err store_usage_month_sum(struct store_conn *c, const char *tenant_id, const char *month,
				  struct store_usage_row *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && month && out);
	rc = store_lock(c, STORE_LOCK_WALLET, tenant_id, NULL, 0);
	if (rc == OG_OK)
		rc = store_prepare(c, &sql_month_sum, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, month);
	rc = store_fetch(st, usage_read, out);
	/* An aggregate always yields a row. */
	return rc == OG_ERR_NOT_FOUND ? OG_ERR_STORE : rc;
}

enum og_err store_usage_month_lines(struct store_conn *c, const char *month, store_invoice_fn fn,
				    void *arg)
{
	struct usage_each each = {.fn.invoice = fn, .arg = arg};
	struct store_invoice_row row;
	struct store_stmt *st;
	enum og_err rc;

	assert(month && fn);
	rc = store_prepare(c, &sql_month_lines, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, month);
	return store_each(st, invoice_read, &row, usage_each_invoice, &each);
}
