/*
 * The DLT registry in the PostgreSQL store: headers and whitelist entries
 * (keyed by tenant_id first), the platform's entity, and charged SMS per
 * route. tenant_id "" names the platform's registry, kept in platform_*
 * tables (reference tables under Citus): every statement here has a
 * platform twin right after it in enum store_pg_stmt, and store_pg_dlt_pick
 * chooses between them. The platform statements still take $1 (as "") so
 * both twins take the same parameters.
 */
#include "store/store_pgInt.h"

#include <assert.h>
#include <string.h>

/* Headers. */
#define HEADER_COLS "header, category, status, pe_id, created_at_ms, updated_at_ms"
static const char *const sql_header_put[2] = {
	"INSERT INTO dlt_headers (tenant_id, " HEADER_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
	" ON CONFLICT (tenant_id, header) DO UPDATE SET category = excluded.category,"
	" status = excluded.status, pe_id = excluded.pe_id, updated_at_ms = excluded.updated_at_ms",
	"INSERT INTO platform_headers (" HEADER_COLS ") SELECT $2::text, $3::text, $4::text,"
	" $5::text, $6::bigint, $7::bigint WHERE $1::text = ''"
	" ON CONFLICT (header) DO UPDATE SET category = excluded.category,"
	" status = excluded.status, pe_id = excluded.pe_id, updated_at_ms = excluded.updated_at_ms",
};
static const char *const sql_header_get[2] = {
	"SELECT tenant_id, " HEADER_COLS " FROM dlt_headers WHERE tenant_id = $1 AND header = $2",
	"SELECT $1::text, " HEADER_COLS " FROM platform_headers WHERE header = $2",
};
static const char *const sql_header_list[2] = {
	"SELECT tenant_id, " HEADER_COLS " FROM dlt_headers WHERE tenant_id = $1 AND header > $2"
	" ORDER BY header LIMIT $3",
	"SELECT $1::text, " HEADER_COLS " FROM platform_headers WHERE header > $2"
	" ORDER BY header LIMIT $3",
};
static const char *const sql_header_delete[2] = {
	"DELETE FROM dlt_headers WHERE tenant_id = $1 AND header = $2",
	"DELETE FROM platform_headers WHERE $1::text = '' AND header = $2",
};

/* Whitelist. A put replaces the whole entry, as SQLite's INSERT OR REPLACE. */
static const char *const sql_wl_put[2] = {
	"INSERT INTO dlt_whitelist (tenant_id, value, kind, created_at_ms) VALUES ($1, $2, $3, $4)"
	" ON CONFLICT (tenant_id, value) DO UPDATE SET kind = excluded.kind,"
	" created_at_ms = excluded.created_at_ms",
	"INSERT INTO platform_whitelist (value, kind, created_at_ms)"
	" SELECT $2::text, $3::text, $4::bigint WHERE $1::text = ''"
	" ON CONFLICT (value) DO UPDATE SET kind = excluded.kind,"
	" created_at_ms = excluded.created_at_ms",
};
static const char *const sql_wl_list[2] = {
	"SELECT tenant_id, value, kind, created_at_ms FROM dlt_whitelist"
	" WHERE tenant_id = $1 AND value > $2 ORDER BY value LIMIT $3",
	"SELECT $1::text, value, kind, created_at_ms FROM platform_whitelist"
	" WHERE value > $2 ORDER BY value LIMIT $3",
};
static const char *const sql_wl_delete[2] = {
	"DELETE FROM dlt_whitelist WHERE tenant_id = $1 AND value = $2",
	"DELETE FROM platform_whitelist WHERE $1::text = '' AND value = $2",
};

/* The platform's entity. */
static const char sql_platform_get[] =
	"SELECT pe_id, sender_header, updated_at_ms FROM platform_dlt WHERE id = 1";
static const char sql_platform_put[] =
	"INSERT INTO platform_dlt (id, pe_id, sender_header, updated_at_ms) VALUES (1, $1, $2, $3)"
	" ON CONFLICT (id) DO UPDATE SET pe_id = excluded.pe_id,"
	" sender_header = excluded.sender_header, updated_at_ms = excluded.updated_at_ms";

/* Usage by route. */
static const char sql_usage_route_add[] =
	"INSERT INTO usage_daily_route (tenant_id, day, route, sms_count, cost_paise)"
	" VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, day, route) DO UPDATE SET"
	" sms_count = usage_daily_route.sms_count + excluded.sms_count,"
	" cost_paise = usage_daily_route.cost_paise + excluded.cost_paise";
#define USAGE_ROUTE_SQL(where)                                                                \
	"SELECT tenant_id, route, SUM(sms_count)::bigint, SUM(cost_paise)::bigint"            \
	" FROM usage_daily_route WHERE " where "day BETWEEN $1 AND $2 GROUP BY tenant_id,"    \
	" route HAVING SUM(sms_count) > 0 ORDER BY tenant_id, route"
static const char sql_usage_route_all[] = USAGE_ROUTE_SQL("");
static const char sql_usage_route_tenant[] = USAGE_ROUTE_SQL("tenant_id = $3 AND ");

_Static_assert(PG_DLT_HEADER_PUT_PLATFORM == PG_DLT_HEADER_PUT + 1 &&
		       PG_DLT_HEADER_GET_PLATFORM == PG_DLT_HEADER_GET + 1 &&
		       PG_DLT_HEADER_LIST_PLATFORM == PG_DLT_HEADER_LIST + 1 &&
		       PG_DLT_HEADER_DELETE_PLATFORM == PG_DLT_HEADER_DELETE + 1 &&
		       PG_DLT_WL_PUT_PLATFORM == PG_DLT_WL_PUT + 1 &&
		       PG_DLT_WL_LIST_PLATFORM == PG_DLT_WL_LIST + 1 &&
		       PG_DLT_WL_DELETE_PLATFORM == PG_DLT_WL_DELETE + 1,
	       "each platform statement follows its tenant twin");

/* 1 for the platform's registry (tenant_id ""), 0 for a tenant's. */
static int store_pg_dlt_owner(const char *tenant_id) { return tenant_id[0] == '\0'; }

/* Reads a row selected as tenant_id, HEADER_COLS. */
static void header_read(struct store_pg_row *r, void *record)
{
	struct store_dlt_header *h = record;

	memset(h, 0, sizeof *h);
	STORE_PG_ROW_TEXT(r, h->tenant_id);
	STORE_PG_ROW_TEXT(r, h->header);
	h->category = store_pg__row_enum(r, &store_pg__dlt_category);
	h->status = store_pg__row_enum(r, &store_pg__dlt_status);
	STORE_PG_ROW_TEXT(r, h->pe_id);
	h->created_at_ms = store_pg__row_int64(r);
	h->updated_at_ms = store_pg__row_int64(r);
}

static void wl_read(struct store_pg_row *r, void *record)
{
	struct store_dlt_whitelist *w = record;

	memset(w, 0, sizeof *w);
	STORE_PG_ROW_TEXT(r, w->tenant_id);
	STORE_PG_ROW_TEXT(r, w->value);
	w->kind = store_pg__row_enum(r, &store_pg__wl_kind);
	w->created_at_ms = store_pg__row_int64(r);
}

static void platform_read(struct store_pg_row *r, void *record)
{
	struct store_dlt_platform *p = record;

	memset(p, 0, sizeof *p);
	STORE_PG_ROW_TEXT(r, p->pe_id);
	STORE_PG_ROW_TEXT(r, p->sender_header);
	p->updated_at_ms = store_pg__row_int64(r);
}

static void usage_route_read(struct store_pg_row *r, void *record)
{
	struct store_usage_route_row *u = record;

	memset(u, 0, sizeof *u);
	STORE_PG_ROW_TEXT(r, u->tenant_id);
	u->route = store_pg__row_enum(r, &store_pg__route);
	u->total_sms = store_pg__row_int64(r);
	u->total_cost_paise = store_pg__row_int64(r);
}

/* Runs a (tenant_id, key) statement for its effect; OG_ERR_NOT_FOUND when
 * it changed no row. */
static enum og_err store_pg_dlt_delete(struct store_conn *base, enum store_pg_stmt id,
				       const char *const sql[2], const char *tenant_id,
				       const char *key)
{
	int owner;
	struct store_pg_params p;

	assert(tenant_id && key);
	owner = store_pg_dlt_owner(tenant_id);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, key);
	return store_pg__run_changed(store_pg__conn(base), (enum store_pg_stmt)(id + owner),
				     sql[owner], &p);
}

/* Lists rows of a (tenant_id, after, limit) statement. */
static enum og_err store_pg_dlt_list(struct store_conn *base, enum store_pg_stmt id,
				     const char *const sql[2], const char *tenant_id,
				     const char *after, size_t limit, store_pg_read_fn read,
				     void *out, size_t size, size_t *n)
{
	int owner;
	struct store_pg_params p;

	assert(tenant_id && limit >= 1 && out && n);
	owner = store_pg_dlt_owner(tenant_id);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, after ? after : "");
	store_pg__param_int64(&p, (int64_t)limit);
	return store_pg__collect(store_pg__conn(base), (enum store_pg_stmt)(id + owner),
				 sql[owner], &p, read, out, size, limit, n);
}

enum og_err store_pg_dlt_header_put(struct store_conn *base, const struct store_dlt_header *h)
{
	struct store_pg_params p;
	int owner;

	assert(h);
	owner = store_pg_dlt_owner(h->tenant_id);
	store_pg__params_init(&p);
	STORE_PG_PARAM_FIELD(&p, h->tenant_id);
	STORE_PG_PARAM_FIELD(&p, h->header);
	store_pg__param_enum(&p, &store_pg__dlt_category, h->category);
	store_pg__param_enum(&p, &store_pg__dlt_status, h->status);
	STORE_PG_PARAM_FIELD(&p, h->pe_id);
	store_pg__param_int64(&p, h->created_at_ms);
	store_pg__param_int64(&p, h->updated_at_ms);
	return store_pg__run(store_pg__conn(base), (enum store_pg_stmt)(PG_DLT_HEADER_PUT + owner),
			     sql_header_put[owner], &p, NULL);
}

enum og_err store_pg_dlt_header_get(struct store_conn *base, const char *tenant_id,
				    const char *header, struct store_dlt_header *out)
{
	struct store_pg_params p;
	int owner;

	assert(tenant_id && header && out);
	owner = store_pg_dlt_owner(tenant_id);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, header);
	return store_pg__fetch(store_pg__conn(base), (enum store_pg_stmt)(PG_DLT_HEADER_GET + owner),
			       sql_header_get[owner], &p, header_read, out);
}

enum og_err store_pg_dlt_header_list(struct store_conn *c, const char *tenant_id,
				     const char *after_header, size_t limit,
				     struct store_dlt_header *out, size_t *n)
{
	return store_pg_dlt_list(c, PG_DLT_HEADER_LIST, sql_header_list, tenant_id, after_header,
				 limit, header_read, out, sizeof *out, n);
}

enum og_err store_pg_dlt_header_delete(struct store_conn *c, const char *tenant_id,
				       const char *header)
{
	return store_pg_dlt_delete(c, PG_DLT_HEADER_DELETE, sql_header_delete, tenant_id, header);
}

enum og_err store_pg_dlt_whitelist_put(struct store_conn *base, const struct store_dlt_whitelist *w)
{
	struct store_pg_params p;
	int owner;

	assert(w);
	owner = store_pg_dlt_owner(w->tenant_id);
	store_pg__params_init(&p);
	STORE_PG_PARAM_FIELD(&p, w->tenant_id);
	STORE_PG_PARAM_FIELD(&p, w->value);
	store_pg__param_enum(&p, &store_pg__wl_kind, w->kind);
	store_pg__param_int64(&p, w->created_at_ms);
	return store_pg__run(store_pg__conn(base), (enum store_pg_stmt)(PG_DLT_WL_PUT + owner),
			     sql_wl_put[owner], &p, NULL);
}

enum og_err store_pg_dlt_whitelist_list(struct store_conn *c, const char *tenant_id,
					const char *after_value, size_t limit,
					struct store_dlt_whitelist *out, size_t *n)
{
	return store_pg_dlt_list(c, PG_DLT_WL_LIST, sql_wl_list, tenant_id, after_value, limit,
				 wl_read, out, sizeof *out, n);
}

enum og_err store_pg_dlt_whitelist_delete(struct store_conn *c, const char *tenant_id,
					  const char *value)
{
	return store_pg_dlt_delete(c, PG_DLT_WL_DELETE, sql_wl_delete, tenant_id, value);
}

enum og_err store_pg_dlt_platform_get(struct store_conn *base, struct store_dlt_platform *out)
{
	enum og_err rc;

	assert(out);
	rc = store_pg__fetch(store_pg__conn(base), PG_DLT_PLATFORM_GET, sql_platform_get, NULL,
			     platform_read, out);
	if (rc == OG_ERR_NOT_FOUND) { /* never set: an empty entity */
		memset(out, 0, sizeof *out);
		rc = OG_OK;
	}
	return rc;
}

enum og_err store_pg_dlt_platform_put(struct store_conn *base, const struct store_dlt_platform *pl)
{
	struct store_pg_params p;

	assert(pl);
	store_pg__params_init(&p);
	STORE_PG_PARAM_FIELD(&p, pl->pe_id);
	STORE_PG_PARAM_FIELD(&p, pl->sender_header);
	store_pg__param_int64(&p, pl->updated_at_ms);
	return store_pg__run(store_pg__conn(base), PG_DLT_PLATFORM_PUT, sql_platform_put, &p, NULL);
}

enum og_err store_pg_dlt_usage_route_add(struct store_conn *base, const char *tenant_id,
					 const char *day, int route, int64_t sms,
					 int64_t cost_paise)
{
	struct store_pg_params p;

	assert(tenant_id && day);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, day);
	store_pg__param_enum(&p, &store_pg__route, route);
	store_pg__param_int64(&p, sms);
	store_pg__param_int64(&p, cost_paise);
	return store_pg__run(store_pg__conn(base), PG_DLT_USAGE_ROUTE_ADD, sql_usage_route_add, &p,
			     NULL);
}

/* The whole result is in memory before fn runs, and one tenant's usage is
 * read under its wallet lock inside a transaction, as in usage_range. */
enum og_err store_pg_dlt_usage_route_range(struct store_conn *base, const char *tenant_id,
					   const char *from_day, const char *to_day,
					   store_usage_route_fn fn, void *arg)
{
	struct store_pg_conn *c = store_pg__conn(base);
	struct store_usage_route_row row;
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
			rc = store_pg__exec(c, PG_DLT_USAGE_ROUTE_TENANT, sql_usage_route_tenant,
					    &p, &res);
	} else {
		rc = store_pg__exec(c, PG_DLT_USAGE_ROUTE_ALL, sql_usage_route_all, &p, &res);
	}
	for (int i = 0; rc == OG_OK && i < PQntuples(res); i++) {
		struct store_pg_row r;

		store_pg__row_init(&r, res, i);
		usage_route_read(&r, &row);
		rc = r.rc;
		if (rc == OG_OK)
			rc = fn(arg, &row);
	}
	PQclear(res);
	return rc;
}
