/*
 * The DLT registry (docs/DLT.md): headers and whitelist entries, keyed by
 * tenant_id first, and the platform's own entity. tenant_id "" names the
 * platform's registry, kept in platform_* tables: every statement here has
 * a platform twin, which binds the same parameters and reads ?1 ("") as
 * the tenant_id column; dlt_pick chooses between them.
 */
#include "store/store_int.h"

/* The platform twins' test that they were called for the platform; the
 * twins insert through a SELECT, whose parameters need their types. */
#define DLT_PLATFORM "CAST(?1 AS TEXT) = ''"

#define HEADER_COLS "header, category, status, pe_id, created_at_ms, updated_at_ms"
#define HEADER_SET                                                                     \
	" DO UPDATE SET category = excluded.category, status = excluded.status,"       \
	" pe_id = excluded.pe_id, updated_at_ms = excluded.updated_at_ms"
static struct store_sql sql_header_put[2] = {
	{.text = "INSERT INTO dlt_headers (tenant_id, " HEADER_COLS ") VALUES (?1, ?2, ?3, ?4,"
		 " ?5, ?6, ?7) ON CONFLICT (tenant_id, header)" HEADER_SET},
	{.text = "INSERT INTO platform_headers (" HEADER_COLS ") SELECT CAST(?2 AS TEXT),"
		 " CAST(?3 AS TEXT), CAST(?4 AS TEXT), CAST(?5 AS TEXT), CAST(?6 AS BIGINT),"
		 " CAST(?7 AS BIGINT) WHERE " DLT_PLATFORM " ON CONFLICT (header)" HEADER_SET},
};
static struct store_sql sql_header_get[2] = {
	{.text = "SELECT tenant_id, " HEADER_COLS " FROM dlt_headers WHERE tenant_id = ?1"
		 " AND header = ?2"},
	{.text = "SELECT CAST(?1 AS TEXT), " HEADER_COLS " FROM platform_headers WHERE header = ?2"},
};
static struct store_sql sql_header_list[2] = {
	{.text = "SELECT tenant_id, " HEADER_COLS " FROM dlt_headers WHERE tenant_id = ?1"
		 " AND header > ?2 ORDER BY header LIMIT ?3"},
	{.text = "SELECT CAST(?1 AS TEXT), " HEADER_COLS " FROM platform_headers WHERE header > ?2"
		 " ORDER BY header LIMIT ?3"},
};
static struct store_sql sql_header_delete[2] = {
	{.text = "DELETE FROM dlt_headers WHERE tenant_id = ?1 AND header = ?2"},
	{.text = "DELETE FROM platform_headers WHERE " DLT_PLATFORM " AND header = ?2"},
};

/* A put replaces the whole entry. */
#define WL_SET " DO UPDATE SET kind = excluded.kind, created_at_ms = excluded.created_at_ms"
static struct store_sql sql_wl_put[2] = {
	{.text = "INSERT INTO dlt_whitelist (tenant_id, value, kind, created_at_ms)"
		 " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (tenant_id, value)" WL_SET},
	{.text = "INSERT INTO platform_whitelist (value, kind, created_at_ms) SELECT"
		 " CAST(?2 AS TEXT), CAST(?3 AS TEXT), CAST(?4 AS BIGINT) WHERE " DLT_PLATFORM
		 " ON CONFLICT (value)" WL_SET},
};
static struct store_sql sql_wl_list[2] = {
	{.text = "SELECT tenant_id, value, kind, created_at_ms FROM dlt_whitelist"
		 " WHERE tenant_id = ?1 AND value > ?2 ORDER BY value LIMIT ?3"},
	{.text = "SELECT CAST(?1 AS TEXT), value, kind, created_at_ms FROM platform_whitelist"
		 " WHERE value > ?2 ORDER BY value LIMIT ?3"},
};
static struct store_sql sql_wl_delete[2] = {
	{.text = "DELETE FROM dlt_whitelist WHERE tenant_id = ?1 AND value = ?2"},
	{.text = "DELETE FROM platform_whitelist WHERE " DLT_PLATFORM " AND value = ?2"},
};

static struct store_sql sql_platform_get = {
	.text = "SELECT pe_id, sender_header, updated_at_ms FROM platform_dlt WHERE id = 1"};
static struct store_sql sql_platform_put = {
	.text = "INSERT INTO platform_dlt (id, pe_id, sender_header, updated_at_ms)"
		" VALUES (1, ?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET pe_id = excluded.pe_id,"
		" sender_header = excluded.sender_header, updated_at_ms = excluded.updated_at_ms"};

/* Reads a row selected as tenant_id, HEADER_COLS. */
static void header_read(struct store_row *r, void *record)
{
	struct store_dlt_header *h = record;

	memset(h, 0, sizeof *h);
	store_row_text(r, h->tenant_id);
	store_row_text(r, h->header);
	h->category = store_row_enum(r, &store_enum_dlt_category);
	h->status = store_row_enum(r, &store_enum_dlt_status);
	store_row_text(r, h->pe_id);
	h->created_at_ms = store_row_int64(r);
	h->updated_at_ms = store_row_int64(r);
}

static void wl_read(struct store_row *r, void *record)
{
	struct store_dlt_whitelist *w = record;

	memset(w, 0, sizeof *w);
	store_row_text(r, w->tenant_id);
	store_row_text(r, w->value);
	w->kind = store_row_enum(r, &store_enum_wl_kind);
	w->created_at_ms = store_row_int64(r);
}

static void platform_read(struct store_row *r, void *record)
{
	struct store_dlt_platform *p = record;

	memset(p, 0, sizeof *p);
	store_row_text(r, p->pe_id);
	store_row_text(r, p->sender_header);
	p->updated_at_ms = store_row_int64(r);
}

/* Prepares the tenant's statement of the pair sql, or for tenant_id "" its
 * platform twin, with tenant_id bound as ?1. */
static enum og_err dlt_pick(struct store_conn *c, struct store_sql sql[2], const char *tenant_id,
			    struct store_stmt **st)
{
	enum og_err rc;

	assert(tenant_id);
	rc = store_prepare(c, &sql[tenant_id[0] == '\0'], st);
	if (rc == OG_OK)
		store_bind_text(*st, 1, tenant_id);
	return rc;
}

/* Lists rows of a (tenant_id, after, limit) pair. */
static enum og_err dlt_list(struct store_conn *c, struct store_sql sql[2], const char *tenant_id,
			    const char *after, size_t limit, store_read_fn read, void *out,
			    size_t size, size_t *n)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	*n = 0;
	rc = dlt_pick(c, sql, tenant_id, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 2, after ? after : "");
	store_bind_int64(st, 3, (int64_t)limit);
	return store_collect(st, read, out, size, limit, n);
}

/* Deletes the row (tenant_id, key) of a pair; OG_ERR_NOT_FOUND if there was none. */
static enum og_err dlt_delete(struct store_conn *c, struct store_sql sql[2],
			      const char *tenant_id, const char *key)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(key);
	rc = dlt_pick(c, sql, tenant_id, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 2, key);
	return store_run_changed(st);
}

enum og_err store_dlt_header_put(struct store_conn *c, const struct store_dlt_header *h)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(h);
	rc = dlt_pick(c, sql_header_put, h->tenant_id, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_field(st, 2, h->header);
	store_bind_enum(st, 3, &store_enum_dlt_category, h->category);
	store_bind_enum(st, 4, &store_enum_dlt_status, h->status);
	store_bind_field(st, 5, h->pe_id);
	store_bind_int64(st, 6, h->created_at_ms);
	store_bind_int64(st, 7, h->updated_at_ms);
	return store_run(st, NULL);
}

enum og_err store_dlt_header_get(struct store_conn *c, const char *tenant_id, const char *header,
				 struct store_dlt_header *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(header && out);
	rc = dlt_pick(c, sql_header_get, tenant_id, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 2, header);
	return store_fetch(st, header_read, out);
}

enum og_err store_dlt_header_list(struct store_conn *c, const char *tenant_id,
				  const char *after_header, size_t limit,
				  struct store_dlt_header *out, size_t *n)
{
	return dlt_list(c, sql_header_list, tenant_id, after_header, limit, header_read, out,
			sizeof *out, n);
}

enum og_err store_dlt_header_delete(struct store_conn *c, const char *tenant_id,
				    const char *header)
{
	return dlt_delete(c, sql_header_delete, tenant_id, header);
}

enum og_err store_dlt_whitelist_put(struct store_conn *c, const struct store_dlt_whitelist *w)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(w);
	rc = dlt_pick(c, sql_wl_put, w->tenant_id, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_field(st, 2, w->value);
	store_bind_enum(st, 3, &store_enum_wl_kind, w->kind);
	store_bind_int64(st, 4, w->created_at_ms);
	return store_run(st, NULL);
}

enum og_err store_dlt_whitelist_list(struct store_conn *c, const char *tenant_id,
				     const char *after_value, size_t limit,
				     struct store_dlt_whitelist *out, size_t *n)
{
	return dlt_list(c, sql_wl_list, tenant_id, after_value, limit, wl_read, out, sizeof *out, n);
}

enum og_err store_dlt_whitelist_delete(struct store_conn *c, const char *tenant_id,
				       const char *value)
{
	return dlt_delete(c, sql_wl_delete, tenant_id, value);
}

enum og_err store_dlt_platform_get(struct store_conn *c, struct store_dlt_platform *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(out);
	rc = store_prepare(c, &sql_platform_get, &st);
	if (rc != OG_OK)
		return rc;
	rc = store_fetch(st, platform_read, out);
	if (rc == OG_ERR_NOT_FOUND) { /* never set: an empty entity */
		memset(out, 0, sizeof *out);
		rc = OG_OK;
	}
	return rc;
}

enum og_err store_dlt_platform_put(struct store_conn *c, const struct store_dlt_platform *p)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(p);
	rc = store_prepare(c, &sql_platform_put, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_field(st, 1, p->pe_id);
	store_bind_field(st, 2, p->sender_header);
	store_bind_int64(st, 3, p->updated_at_ms);
	return store_run(st, NULL);
}
