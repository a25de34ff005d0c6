/*
 * Tenants: the platform catalogue of customers, keyed by id alone (a
 * reference table under Citus), and each tenant's own retention setting.
 * Insert and update bind the same parameters in column order, so the two
 * can never disagree about which value goes where.
 */
#include "store/store_int.h"

#include <limits.h>

#define TENANT_COLS                                                                        \
	"id, name, sender_header, pe_id, price_paise, billing_mode, credit_limit_paise, "  \
	"monthly_cap_sms, otp_length, otp_ttl_sec, otp_max_attempts, upstream_provider, "  \
	"upstream_url, upstream_key_sealed, suspended, created_at_ms, updated_at_ms, "    \
	"route, price_own_paise, price_shared_paise"

static struct store_sql sql_insert = {
	.text = "INSERT INTO tenants (" TENANT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
		" ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20) ON CONFLICT DO NOTHING"};
static struct store_sql sql_get_lock = {
	.text = "SELECT " TENANT_COLS " FROM tenants WHERE id = ?1", .flags = STORE_SQL_LOCK};
/* No row lock even inside a transaction: every send of a tenant reads its
 * settings, and a lock held to the commit would make them queue one by one
 * (the wallet's lock, later in the send, is what serialises the money).
 * A change committed while a send runs applies from the next send, as if
 * the send had come first. */
static struct store_sql sql_read = {.text = "SELECT " TENANT_COLS " FROM tenants WHERE id = ?1"};
static struct store_sql sql_update = {
	.text = "UPDATE tenants SET name = ?2, sender_header = ?3, pe_id = ?4, price_paise = ?5,"
		" billing_mode = ?6, credit_limit_paise = ?7, monthly_cap_sms = ?8,"
		" otp_length = ?9, otp_ttl_sec = ?10, otp_max_attempts = ?11,"
		" upstream_provider = ?12, upstream_url = ?13, upstream_key_sealed = ?14,"
		" suspended = ?15, created_at_ms = ?16, updated_at_ms = ?17, route = ?18,"
		" price_own_paise = ?19, price_shared_paise = ?20 WHERE id = ?1"};
/* "" sorts before every id, so it stands for "from the start"; ids compare
 * bytewise on both databases (COLLATE "C" in PostgreSQL's schema). */
static struct store_sql sql_list = {
	.text = "SELECT " TENANT_COLS " FROM tenants WHERE id > ?1 ORDER BY id LIMIT ?2"};
static struct store_sql sql_retention_get = {
	.text = "SELECT retention_days FROM tenant_retention WHERE tenant_id = ?1"};
static struct store_sql sql_retention_put = {
	.text = "INSERT INTO tenant_retention (tenant_id, retention_days, updated_at_ms)"
		" VALUES (?1, ?2, ?3) ON CONFLICT (tenant_id) DO UPDATE SET"
		" retention_days = excluded.retention_days, updated_at_ms = excluded.updated_at_ms"};

/* Binds ?1..?20 in TENANT_COLS order. */
static void tenant_bind(struct store_stmt *st, const struct store_tenant *t)
{
	assert(t->upstream_key_sealed_len <= sizeof t->upstream_key_sealed);
	store_bind_field(st, 1, t->id);
	store_bind_field(st, 2, t->name);
	store_bind_field(st, 3, t->sender_header);
	store_bind_field(st, 4, t->pe_id);
	store_bind_int64(st, 5, t->price_paise);
	store_bind_enum(st, 6, &store_enum_billing, t->billing_mode);
	store_bind_int64(st, 7, t->credit_limit_paise);
	store_bind_int64(st, 8, t->monthly_cap_sms);
	store_bind_int64(st, 9, t->otp_length);
	store_bind_int64(st, 10, t->otp_ttl_sec);
	store_bind_int64(st, 11, t->otp_max_attempts);
	store_bind_field(st, 12, t->upstream_provider);
	store_bind_field(st, 13, t->upstream_url);
	store_bind_blob(st, 14, t->upstream_key_sealed, t->upstream_key_sealed_len);
	store_bind_int64(st, 15, t->suspended ? 1 : 0);
	store_bind_int64(st, 16, t->created_at_ms);
	store_bind_int64(st, 17, t->updated_at_ms);
	store_bind_enum(st, 18, &store_enum_route, t->route);
	store_bind_int64(st, 19, t->price_own_paise);
	store_bind_int64(st, 20, t->price_shared_paise);
}

/* Reads a row selected as TENANT_COLS. */
static void tenant_read(struct store_row *r, void *record)
{
	struct store_tenant *t = record;

	memset(t, 0, sizeof *t);
	store_row_text(r, t->id);
	store_row_text(r, t->name);
	store_row_text(r, t->sender_header);
	store_row_text(r, t->pe_id);
	t->price_paise = store_row_int64(r);
	t->billing_mode = store_row_enum(r, &store_enum_billing);
	t->credit_limit_paise = store_row_int64(r);
	t->monthly_cap_sms = store_row_int64(r);
	t->otp_length = store_row_int(r);
	t->otp_ttl_sec = store_row_int(r);
	t->otp_max_attempts = store_row_int(r);
	store_row_text(r, t->upstream_provider);
	store_row_text(r, t->upstream_url);
	store_row_blob(r, t->upstream_key_sealed, sizeof t->upstream_key_sealed,
		       &t->upstream_key_sealed_len);
	t->suspended = store_row_int64(r) != 0;
	t->created_at_ms = store_row_int64(r);
	t->updated_at_ms = store_row_int64(r);
	t->route = store_row_enum(r, &store_enum_route);
	t->price_own_paise = store_row_int64(r);
	t->price_shared_paise = store_row_int64(r);
}

enum og_err store_tenant_insert(struct store_conn *c, const struct store_tenant *t)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(t);
	rc = store_prepare(c, &sql_insert, &st);
	if (rc != OG_OK)
		return rc;
	tenant_bind(st, t);
	return store_run_insert(st);
}

/* Fetches by id with sql, the locking or the plain read. */
static enum og_err tenant_fetch(struct store_conn *c, struct store_sql *sql, const char *id,
				struct store_tenant *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(id && out);
	rc = store_prepare(c, sql, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, id);
	return store_fetch(st, tenant_read, out);
}

enum og_err store_tenant_get(struct store_conn *c, const char *id, struct store_tenant *out)
{
	return tenant_fetch(c, &sql_get_lock, id, out);
}

enum og_err store_tenant_read(struct store_conn *c, const char *id, struct store_tenant *out)
{
	return tenant_fetch(c, &sql_read, id, out);
}

enum og_err store_tenant_update(struct store_conn *c, const struct store_tenant *t)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(t);
	rc = store_prepare(c, &sql_update, &st);
	if (rc != OG_OK)
		return rc;
	tenant_bind(st, t);
	return store_run_changed(st);
}

enum og_err store_tenant_list(struct store_conn *c, const char *after_id, size_t limit,
			      struct store_tenant *out, size_t *n)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	*n = 0;
	rc = store_prepare(c, &sql_list, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, after_id ? after_id : "");
	store_bind_int64(st, 2, (int64_t)limit);
	return store_collect(st, tenant_read, out, sizeof *out, limit, n);
}

enum og_err store_tenant_retention_get(struct store_conn *c, const char *tenant_id, int *days)
{
	struct store_stmt *st;
	int64_t v = 0;
	enum og_err rc;

	assert(tenant_id && days);
	rc = store_prepare(c, &sql_retention_get, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	rc = store_fetch_int(st, &v);
	if (rc == OG_OK && (v < 0 || v > INT_MAX))
		rc = OG_ERR_STORE;
	if (rc == OG_OK)
		*days = (int)v;
	return rc;
}

enum og_err store_tenant_retention_put(struct store_conn *c, const char *tenant_id, int days,
				       int64_t now_ms)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id);
	rc = store_prepare(c, &sql_retention_put, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_int64(st, 2, days);
	store_bind_int64(st, 3, now_ms);
	return store_run(st, NULL);
}
