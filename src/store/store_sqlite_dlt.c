/*
 * The DLT registry in the SQLite store: headers and whitelist entries
 * (keyed by tenant_id first), the platform's entity, and charged SMS per
 * route. tenant_id "" names the platform's registry, kept in platform_*
 * tables: every statement here has a platform twin right after it in
 * enum store_sqlite_stmt, and store_sqlite_dlt_pick chooses between them.
 * The platform statements still bind ?1 (as "") so both twins take the
 * same parameters.
 */
#include "store/store_sqliteInt.h"

#include <assert.h>
#include <string.h>

static const char *const route_names[] = {
	[STORE_ROUTE_OWN] = "own",
	[STORE_ROUTE_SHARED] = "shared",
};
const struct store_sqlite_enum store_sqlite__route = {route_names, 2};

static const char *const category_names[] = {
	[STORE_DLT_SERVICE_IMPLICIT] = "service_implicit",
	[STORE_DLT_TRANSACTIONAL] = "transactional",
	[STORE_DLT_SERVICE_EXPLICIT] = "service_explicit",
	[STORE_DLT_PROMOTIONAL] = "promotional",
	[STORE_DLT_GOVERNMENT] = "government",
};
const struct store_sqlite_enum store_sqlite__dlt_category = {category_names,
							     STORE_DLT__CATEGORIES};

static const char *const status_names[] = {
	[STORE_DLT_ACTIVE] = "active",
	[STORE_DLT_INACTIVE] = "inactive",
	[STORE_DLT_BLACKLISTED] = "blacklisted",
};
const struct store_sqlite_enum store_sqlite__dlt_status = {status_names, 3};

static const char *const wl_kind_names[] = {
	[STORE_DLT_WL_URL] = "url",
	[STORE_DLT_WL_CBN] = "cbn",
};
static const struct store_sqlite_enum wl_kind = {wl_kind_names, 2};

/* Headers. */
#define HEADER_COLS "header, category, status, pe_id, created_at_ms, updated_at_ms"
static const char *const sql_header_put[2] = {
	"INSERT INTO dlt_headers (tenant_id, " HEADER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
	" ON CONFLICT (tenant_id, header) DO UPDATE SET category = excluded.category,"
	" status = excluded.status, pe_id = excluded.pe_id, updated_at_ms = excluded.updated_at_ms",
	"INSERT INTO platform_headers (" HEADER_COLS ") SELECT ?2, ?3, ?4, ?5, ?6, ?7 WHERE ?1 = ''"
	" ON CONFLICT (header) DO UPDATE SET category = excluded.category,"
	" status = excluded.status, pe_id = excluded.pe_id, updated_at_ms = excluded.updated_at_ms",
};
static const char *const sql_header_get[2] = {
	"SELECT tenant_id, " HEADER_COLS " FROM dlt_headers WHERE tenant_id = ?1 AND header = ?2",
	"SELECT ?1, " HEADER_COLS " FROM platform_headers WHERE header = ?2",
};
static const char *const sql_header_list[2] = {
	"SELECT tenant_id, " HEADER_COLS " FROM dlt_headers WHERE tenant_id = ?1 AND header > ?2"
	" ORDER BY header LIMIT ?3",
	"SELECT ?1, " HEADER_COLS " FROM platform_headers WHERE header > ?2"
	" ORDER BY header LIMIT ?3",
};
static const char *const sql_header_delete[2] = {
	"DELETE FROM dlt_headers WHERE tenant_id = ?1 AND header = ?2",
	"DELETE FROM platform_headers WHERE ?1 = '' AND header = ?2",
};

/* Whitelist. */
static const char *const sql_wl_put[2] = {
	"INSERT OR REPLACE INTO dlt_whitelist (tenant_id, value, kind, created_at_ms)"
	" VALUES (?1, ?2, ?3, ?4)",
	"INSERT OR REPLACE INTO platform_whitelist (value, kind, created_at_ms)"
	" SELECT ?2, ?3, ?4 WHERE ?1 = ''",
};
static const char *const sql_wl_list[2] = {
	"SELECT tenant_id, value, kind, created_at_ms FROM dlt_whitelist"
	" WHERE tenant_id = ?1 AND value > ?2 ORDER BY value LIMIT ?3",
	"SELECT ?1, value, kind, created_at_ms FROM platform_whitelist"
	" WHERE value > ?2 ORDER BY value LIMIT ?3",
};
static const char *const sql_wl_delete[2] = {
	"DELETE FROM dlt_whitelist WHERE tenant_id = ?1 AND value = ?2",
	"DELETE FROM platform_whitelist WHERE ?1 = '' AND value = ?2",
};

/* The platform's entity. */
static const char sql_platform_get[] =
	"SELECT pe_id, sender_header, updated_at_ms FROM platform_dlt WHERE id = 1";
static const char sql_platform_put[] =
	"INSERT INTO platform_dlt (id, pe_id, sender_header, updated_at_ms) VALUES (1, ?1, ?2, ?3)"
	" ON CONFLICT (id) DO UPDATE SET pe_id = excluded.pe_id,"
	" sender_header = excluded.sender_header, updated_at_ms = excluded.updated_at_ms";

/* Usage by route. */
static const char sql_usage_route_add[] =
	"INSERT INTO usage_daily_route (tenant_id, day, route, sms_count, cost_paise)"
	" VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (tenant_id, day, route) DO UPDATE SET"
	" sms_count = sms_count + excluded.sms_count, cost_paise = cost_paise + excluded.cost_paise";
#define USAGE_ROUTE_SQL(where)                                                               \
	"SELECT tenant_id, route, SUM(sms_count), SUM(cost_paise) FROM usage_daily_route"    \
	" WHERE " where "day BETWEEN ?1 AND ?2 GROUP BY tenant_id, route"                     \
	" HAVING SUM(sms_count) > 0 ORDER BY tenant_id, route"
static const char sql_usage_route_all[] = USAGE_ROUTE_SQL("");
static const char sql_usage_route_tenant[] = USAGE_ROUTE_SQL("tenant_id = ?3 AND ");

/* Prepares the tenant statement id or, for tenant_id "", its platform twin. */
static enum og_err store_sqlite_dlt_pick(struct store_sqlite_conn *c, enum store_sqlite_stmt id,
					 const char *const sql[2], const char *tenant_id,
					 sqlite3_stmt **st)
{
	int platform = tenant_id[0] == '\0';

	return store_sqlite__prepare(c, (enum store_sqlite_stmt)(id + platform), sql[platform], st);
}

_Static_assert(SQ_DLT_HEADER_PUT_PLATFORM == SQ_DLT_HEADER_PUT + 1 &&
		       SQ_DLT_HEADER_GET_PLATFORM == SQ_DLT_HEADER_GET + 1 &&
		       SQ_DLT_HEADER_LIST_PLATFORM == SQ_DLT_HEADER_LIST + 1 &&
		       SQ_DLT_HEADER_DELETE_PLATFORM == SQ_DLT_HEADER_DELETE + 1 &&
		       SQ_DLT_WL_PUT_PLATFORM == SQ_DLT_WL_PUT + 1 &&
		       SQ_DLT_WL_LIST_PLATFORM == SQ_DLT_WL_LIST + 1 &&
		       SQ_DLT_WL_DELETE_PLATFORM == SQ_DLT_WL_DELETE + 1,
	       "each platform statement follows its tenant twin");

/* Reads a row selected as tenant_id, HEADER_COLS. */
static void header_read(struct store_sqlite_row *r, void *record)
{
	struct store_dlt_header *h = record;

	memset(h, 0, sizeof *h);
	STORE_SQLITE_ROW_TEXT(r, h->tenant_id);
	STORE_SQLITE_ROW_TEXT(r, h->header);
	h->category = store_sqlite__row_enum(r, &store_sqlite__dlt_category);
	h->status = store_sqlite__row_enum(r, &store_sqlite__dlt_status);
	STORE_SQLITE_ROW_TEXT(r, h->pe_id);
	h->created_at_ms = store_sqlite__row_int64(r);
	h->updated_at_ms = store_sqlite__row_int64(r);
}

static void wl_read(struct store_sqlite_row *r, void *record)
{
	struct store_dlt_whitelist *w = record;

	memset(w, 0, sizeof *w);
	STORE_SQLITE_ROW_TEXT(r, w->tenant_id);
	STORE_SQLITE_ROW_TEXT(r, w->value);
	w->kind = store_sqlite__row_enum(r, &wl_kind);
	w->created_at_ms = store_sqlite__row_int64(r);
}

static void platform_read(struct store_sqlite_row *r, void *record)
{
	struct store_dlt_platform *p = record;

	memset(p, 0, sizeof *p);
	STORE_SQLITE_ROW_TEXT(r, p->pe_id);
	STORE_SQLITE_ROW_TEXT(r, p->sender_header);
	p->updated_at_ms = store_sqlite__row_int64(r);
}

static void usage_route_read(struct store_sqlite_row *r, void *record)
{
	struct store_usage_route_row *u = record;

	memset(u, 0, sizeof *u);
	STORE_SQLITE_ROW_TEXT(r, u->tenant_id);
	u->route = store_sqlite__row_enum(r, &store_sqlite__route);
	u->total_sms = store_sqlite__row_int64(r);
	u->total_cost_paise = store_sqlite__row_int64(r);
}

/* Runs a statement bound with (tenant_id, key) for its effect; with
 * must_change, OG_ERR_NOT_FOUND when it changed no row. */
static enum og_err store_sqlite_dlt_run2(struct store_conn *base, enum store_sqlite_stmt id,
					 const char *const sql[2], const char *tenant_id,
					 const char *key, bool must_change)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && key);
	rc = store_sqlite_dlt_pick(c, id, sql, tenant_id, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, key);
	rc = store_sqlite__step_done(c, st);
	if (rc == OG_OK && must_change)
		rc = store_sqlite__changed(c);
out:
	store_sqlite__reset(st);
	return rc;
}

/* Lists rows of a (tenant_id, after, limit) statement. */
static enum og_err store_sqlite_dlt_list(struct store_conn *base, enum store_sqlite_stmt id,
					 const char *const sql[2], const char *tenant_id,
					 const char *after, size_t limit, store_sqlite_read_fn read,
					 void *out, size_t size, size_t *n)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && limit >= 1 && out && n);
	*n = 0;
	rc = store_sqlite_dlt_pick(c, id, sql, tenant_id, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, after ? after : "");
	store_sqlite__bind_int64(st, 3, (int64_t)limit);
	rc = store_sqlite__collect(c, st, read, out, size, limit, n);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_dlt_header_put(struct store_conn *base, const struct store_dlt_header *h)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(h);
	rc = store_sqlite_dlt_pick(c, SQ_DLT_HEADER_PUT, sql_header_put, h->tenant_id, &st);
	if (rc != OG_OK)
		goto out;
	STORE_SQLITE_BIND_FIELD(st, 1, h->tenant_id);
	STORE_SQLITE_BIND_FIELD(st, 2, h->header);
	store_sqlite__bind_enum(st, 3, &store_sqlite__dlt_category, h->category);
	store_sqlite__bind_enum(st, 4, &store_sqlite__dlt_status, h->status);
	STORE_SQLITE_BIND_FIELD(st, 5, h->pe_id);
	store_sqlite__bind_int64(st, 6, h->created_at_ms);
	store_sqlite__bind_int64(st, 7, h->updated_at_ms);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_dlt_header_get(struct store_conn *base, const char *tenant_id,
					const char *header, struct store_dlt_header *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && header && out);
	rc = store_sqlite_dlt_pick(c, SQ_DLT_HEADER_GET, sql_header_get, tenant_id, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, header);
	rc = store_sqlite__fetch(c, st, header_read, out);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_dlt_header_list(struct store_conn *c, const char *tenant_id,
					 const char *after_header, size_t limit,
					 struct store_dlt_header *out, size_t *n)
{
	return store_sqlite_dlt_list(c, SQ_DLT_HEADER_LIST, sql_header_list, tenant_id,
				     after_header, limit, header_read, out, sizeof *out, n);
}

enum og_err store_sqlite_dlt_header_delete(struct store_conn *c, const char *tenant_id,
					   const char *header)
{
	return store_sqlite_dlt_run2(c, SQ_DLT_HEADER_DELETE, sql_header_delete, tenant_id, header,
				     true);
}

enum og_err store_sqlite_dlt_whitelist_put(struct store_conn *base,
					   const struct store_dlt_whitelist *w)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(w);
	rc = store_sqlite_dlt_pick(c, SQ_DLT_WL_PUT, sql_wl_put, w->tenant_id, &st);
	if (rc != OG_OK)
		goto out;
	STORE_SQLITE_BIND_FIELD(st, 1, w->tenant_id);
	STORE_SQLITE_BIND_FIELD(st, 2, w->value);
	store_sqlite__bind_enum(st, 3, &wl_kind, w->kind);
	store_sqlite__bind_int64(st, 4, w->created_at_ms);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_dlt_whitelist_list(struct store_conn *c, const char *tenant_id,
					    const char *after_value, size_t limit,
					    struct store_dlt_whitelist *out, size_t *n)
{
	return store_sqlite_dlt_list(c, SQ_DLT_WL_LIST, sql_wl_list, tenant_id, after_value, limit,
				     wl_read, out, sizeof *out, n);
}

enum og_err store_sqlite_dlt_whitelist_delete(struct store_conn *c, const char *tenant_id,
					      const char *value)
{
	return store_sqlite_dlt_run2(c, SQ_DLT_WL_DELETE, sql_wl_delete, tenant_id, value, true);
}

enum og_err store_sqlite_dlt_platform_get(struct store_conn *base, struct store_dlt_platform *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(out);
	rc = store_sqlite__prepare(c, SQ_DLT_PLATFORM_GET, sql_platform_get, &st);
	if (rc != OG_OK)
		goto out;
	rc = store_sqlite__fetch(c, st, platform_read, out);
	if (rc == OG_ERR_NOT_FOUND) { /* never set: an empty entity */
		memset(out, 0, sizeof *out);
		rc = OG_OK;
	}
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_dlt_platform_put(struct store_conn *base,
					  const struct store_dlt_platform *p)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(p);
	rc = store_sqlite__prepare(c, SQ_DLT_PLATFORM_PUT, sql_platform_put, &st);
	if (rc != OG_OK)
		goto out;
	STORE_SQLITE_BIND_FIELD(st, 1, p->pe_id);
	STORE_SQLITE_BIND_FIELD(st, 2, p->sender_header);
	store_sqlite__bind_int64(st, 3, p->updated_at_ms);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_dlt_usage_route_add(struct store_conn *base, const char *tenant_id,
					     const char *day, int route, int64_t sms,
					     int64_t cost_paise)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && day);
	rc = store_sqlite__prepare(c, SQ_DLT_USAGE_ROUTE_ADD, sql_usage_route_add, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, day);
	store_sqlite__bind_enum(st, 3, &store_sqlite__route, route);
	store_sqlite__bind_int64(st, 4, sms);
	store_sqlite__bind_int64(st, 5, cost_paise);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

/* fn runs while the statement is open, as in store_sqlite_ledger_usage_range. */
enum og_err store_sqlite_dlt_usage_route_range(struct store_conn *base, const char *tenant_id,
					       const char *from_day, const char *to_day,
					       store_usage_route_fn fn, void *arg)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	struct store_usage_route_row row;
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(from_day && to_day && fn);
	if (tenant_id)
		rc = store_sqlite__prepare(c, SQ_DLT_USAGE_ROUTE_TENANT, sql_usage_route_tenant, &st);
	else
		rc = store_sqlite__prepare(c, SQ_DLT_USAGE_ROUTE_ALL, sql_usage_route_all, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, from_day);
	store_sqlite__bind_text(st, 2, to_day);
	if (tenant_id)
		store_sqlite__bind_text(st, 3, tenant_id);
	for (;;) {
		rc = store_sqlite__fetch(c, st, usage_route_read, &row);
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
