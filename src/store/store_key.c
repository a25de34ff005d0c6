/*
 * API keys: a platform catalogue looked up by the key's hash (a reference
 * table under Citus). Platform keys (admin, send) belong to no tenant and
 * are stored with a NULL tenant_id, so the foreign key to tenants holds for
 * tenant keys; "IS NOT DISTINCT FROM" compares both cases in one statement.
 * The operations take tenant_id "" for the platform's keys.
 */
#include "store/store_int.h"

#define KEY_COLS                                                                           \
	"id, tenant_id, kind, name, prefix, hash, created_at_ms, revoked_at_ms, expires_at_ms," \
	" allowed_ips, secret_id"
/* The owner's test; CAST gives PostgreSQL the parameter's type. */
#define KEY_OWNER "tenant_id IS NOT DISTINCT FROM CAST(?1 AS TEXT)"

static struct store_sql sql_insert = {
	.text = "INSERT INTO api_keys (" KEY_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
		" ?10, ?11) ON CONFLICT DO NOTHING"};
static struct store_sql sql_find_by_hash = {
	.text = "SELECT " KEY_COLS " FROM api_keys WHERE hash = ?1"};
static struct store_sql sql_list = {
	.text = "SELECT " KEY_COLS " FROM api_keys WHERE " KEY_OWNER " AND id > ?2"
		" ORDER BY id LIMIT ?3"};
static struct store_sql sql_get = {
	.text = "SELECT " KEY_COLS " FROM api_keys WHERE " KEY_OWNER " AND id = ?2"};
/* A second revocation keeps the time of the first. */
static struct store_sql sql_revoke = {
	.text = "UPDATE api_keys SET revoked_at_ms ="
		" CASE WHEN revoked_at_ms = 0 THEN ?3 ELSE revoked_at_ms END"
		" WHERE " KEY_OWNER " AND id = ?2"};
static struct store_sql sql_set_expiry = {
	.text = "UPDATE api_keys SET expires_at_ms = ?3 WHERE " KEY_OWNER " AND id = ?2"};
static struct store_sql sql_rehash = {
	.text = "UPDATE api_keys SET hash = ?2, secret_id = ?3 WHERE id = ?1"};
static struct store_sql sql_count_stale = {
	.text = "SELECT count(*) FROM api_keys WHERE revoked_at_ms = 0"
		" AND (expires_at_ms = 0 OR expires_at_ms > ?2) AND secret_id <> ?1"};

/* Reads a row selected as KEY_COLS. */
static void key_read(struct store_row *r, void *record)
{
	struct store_api_key *k = record;

	memset(k, 0, sizeof *k);
	store_row_text(r, k->id);
	store_row_text(r, k->tenant_id);
	k->kind = store_row_enum(r, &store_enum_key_kind);
	store_row_text(r, k->name);
	store_row_text(r, k->prefix);
	store_row_blob_exact(r, k->hash, sizeof k->hash);
	k->created_at_ms = store_row_int64(r);
	k->revoked_at_ms = store_row_int64(r);
	k->expires_at_ms = store_row_int64(r);
	store_row_text(r, k->allowed_ips);
	store_row_text(r, k->secret_id);
}

enum og_err store_key_insert(struct store_conn *c, const struct store_api_key *k)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(k && memchr(k->tenant_id, '\0', sizeof k->tenant_id));
	rc = store_prepare(c, &sql_insert, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_field(st, 1, k->id);
	store_bind_text_or_null(st, 2, k->tenant_id);
	store_bind_enum(st, 3, &store_enum_key_kind, k->kind);
	store_bind_field(st, 4, k->name);
	store_bind_field(st, 5, k->prefix);
	store_bind_blob(st, 6, k->hash, sizeof k->hash);
	store_bind_int64(st, 7, k->created_at_ms);
	store_bind_int64(st, 8, k->revoked_at_ms);
	store_bind_int64(st, 9, k->expires_at_ms);
	store_bind_field(st, 10, k->allowed_ips);
	store_bind_field(st, 11, k->secret_id);
	return store_run_insert(st);
}

enum og_err store_key_find_by_hash(struct store_conn *c, const unsigned char hash[SECRET_HASH_LEN],
				   struct store_api_key *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(hash && out);
	rc = store_prepare(c, &sql_find_by_hash, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_blob(st, 1, hash, SECRET_HASH_LEN);
	return store_fetch(st, key_read, out);
}

enum og_err store_key_get(struct store_conn *c, const char *tenant_id, const char *id,
			  struct store_api_key *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && id && out);
	rc = store_prepare(c, &sql_get, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text_or_null(st, 1, tenant_id);
	store_bind_text(st, 2, id);
	return store_fetch(st, key_read, out);
}

enum og_err store_key_list(struct store_conn *c, const char *tenant_id, const char *after_id,
			   size_t limit, struct store_api_key *out, size_t *n)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	*n = 0;
	rc = store_prepare(c, &sql_list, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text_or_null(st, 1, tenant_id);
	store_bind_text(st, 2, after_id ? after_id : "");
	store_bind_int64(st, 3, (int64_t)limit);
	return store_collect(st, key_read, out, sizeof *out, limit, n);
}

/* Runs one of the owner-scoped updates, sql, that set ?3 to value. */
static enum og_err key_update(struct store_conn *c, struct store_sql *sql, const char *tenant_id,
			      const char *id, int64_t value)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && id);
	rc = store_prepare(c, sql, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text_or_null(st, 1, tenant_id);
	store_bind_text(st, 2, id);
	store_bind_int64(st, 3, value);
	return store_run_changed(st);
}

enum og_err store_key_revoke(struct store_conn *c, const char *tenant_id, const char *id,
			     int64_t now_ms)
{
	return key_update(c, &sql_revoke, tenant_id, id, now_ms);
}

enum og_err store_key_set_expiry(struct store_conn *c, const char *tenant_id, const char *id,
				 int64_t expires_at_ms)
{
	return key_update(c, &sql_set_expiry, tenant_id, id, expires_at_ms);
}

enum og_err store_key_rehash(struct store_conn *c, const char *id,
			     const unsigned char hash[SECRET_HASH_LEN], const char *secret_id)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(id && hash && secret_id);
	rc = store_prepare(c, &sql_rehash, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, id);
	store_bind_blob(st, 2, hash, SECRET_HASH_LEN);
	store_bind_text(st, 3, secret_id);
	return store_run_changed(st);
}

enum og_err store_key_count_stale(struct store_conn *c, const char *secret_id, int64_t now_ms,
				  int64_t *n)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(secret_id && n);
	*n = 0;
	rc = store_prepare(c, &sql_count_stale, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, secret_id);
	store_bind_int64(st, 2, now_ms);
	return store_ints(st, n, NULL);
}
