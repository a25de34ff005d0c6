/*
 * API keys in the SQLite store: a platform catalogue looked up by the key's
 * hash. Platform keys (admin, send) belong to no tenant and are stored with
 * a NULL tenant_id, so the foreign key to tenants holds for tenant keys and
 * "IS" compares both cases with one statement.
 */
#include "store/store_sqliteInt.h"

#include <assert.h>
#include <string.h>

static const char *const key_kind_names[] = {
	[STORE_KEY_ADMIN] = "admin",
	[STORE_KEY_SEND] = "send",
	[STORE_KEY_TENANT] = "tenant",
};
static const struct store_sqlite_enum key_kind = {
	key_kind_names, sizeof key_kind_names / sizeof key_kind_names[0]};

#define KEY_COLS                                                                         \
	"id, tenant_id, kind, name, prefix, hash, created_at_ms, revoked_at_ms, expires_at_ms, " \
	"allowed_ips, secret_id"

static const char sql_insert[] = "INSERT INTO api_keys (" KEY_COLS ")"
				 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
static const char sql_find_by_hash[] = "SELECT " KEY_COLS " FROM api_keys WHERE hash = ?1";
static const char sql_list[] = "SELECT " KEY_COLS " FROM api_keys"
			       " WHERE tenant_id IS ?1 AND id > ?2 ORDER BY id LIMIT ?3";
static const char sql_get[] = "SELECT " KEY_COLS " FROM api_keys WHERE tenant_id IS ?1 AND id = ?2";
/* A second revocation keeps the time of the first. */
static const char sql_revoke[] =
	"UPDATE api_keys SET revoked_at_ms ="
	" CASE WHEN revoked_at_ms = 0 THEN ?3 ELSE revoked_at_ms END"
	" WHERE tenant_id IS ?1 AND id = ?2";

/* Reads a row selected as KEY_COLS. */
static void key_read(struct store_sqlite_row *r, void *record)
{
	struct store_api_key *k = record;

	memset(k, 0, sizeof *k);
	STORE_SQLITE_ROW_TEXT(r, k->id);
	STORE_SQLITE_ROW_TEXT(r, k->tenant_id);
	k->kind = store_sqlite__row_enum(r, &key_kind);
	STORE_SQLITE_ROW_TEXT(r, k->name);
	STORE_SQLITE_ROW_TEXT(r, k->prefix);
	store_sqlite__row_blob_exact(r, k->hash, sizeof k->hash);
	k->created_at_ms = store_sqlite__row_int64(r);
	k->revoked_at_ms = store_sqlite__row_int64(r);
	k->expires_at_ms = store_sqlite__row_int64(r);
	STORE_SQLITE_ROW_TEXT(r, k->allowed_ips);
	STORE_SQLITE_ROW_TEXT(r, k->secret_id);
}

enum og_err store_sqlite_key_insert(struct store_conn *base, const struct store_api_key *k)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(k && memchr(k->tenant_id, '\0', sizeof k->tenant_id));
	rc = store_sqlite__prepare(c, SQ_KEY_INSERT, sql_insert, &st);
	if (rc != OG_OK)
		goto out;
	STORE_SQLITE_BIND_FIELD(st, 1, k->id);
	store_sqlite__bind_text_or_null(st, 2, k->tenant_id);
	store_sqlite__bind_enum(st, 3, &key_kind, k->kind);
	STORE_SQLITE_BIND_FIELD(st, 4, k->name);
	STORE_SQLITE_BIND_FIELD(st, 5, k->prefix);
	store_sqlite__bind_blob(st, 6, k->hash, sizeof k->hash);
	store_sqlite__bind_int64(st, 7, k->created_at_ms);
	store_sqlite__bind_int64(st, 8, k->revoked_at_ms);
	store_sqlite__bind_int64(st, 9, k->expires_at_ms);
	STORE_SQLITE_BIND_FIELD(st, 10, k->allowed_ips);
	STORE_SQLITE_BIND_FIELD(st, 11, k->secret_id);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_key_find_by_hash(struct store_conn *base,
					  const unsigned char hash[SECRET_HASH_LEN],
					  struct store_api_key *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(hash && out);
	rc = store_sqlite__prepare(c, SQ_KEY_FIND_BY_HASH, sql_find_by_hash, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_blob(st, 1, hash, SECRET_HASH_LEN);
	rc = store_sqlite__fetch(c, st, key_read, out);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_key_list(struct store_conn *base, const char *tenant_id,
				  const char *after_id, size_t limit, struct store_api_key *out,
				  size_t *n)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	*n = 0;
	rc = store_sqlite__prepare(c, SQ_KEY_LIST, sql_list, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text_or_null(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, after_id ? after_id : "");
	store_sqlite__bind_int64(st, 3, (int64_t)limit);
	rc = store_sqlite__collect(c, st, key_read, out, sizeof *out, limit, n);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_key_revoke(struct store_conn *base, const char *tenant_id,
				    const char *id, int64_t now_ms)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && id);
	rc = store_sqlite__prepare(c, SQ_KEY_REVOKE, sql_revoke, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text_or_null(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, id);
	store_sqlite__bind_int64(st, 3, now_ms);
	rc = store_sqlite__step_done(c, st);
	if (rc == OG_OK)
		rc = store_sqlite__changed(c);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_key_get(struct store_conn *base, const char *tenant_id, const char *id,
				 struct store_api_key *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && id && out);
	rc = store_sqlite__prepare(c, SQ_SEC_KEY_GET, sql_get, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text_or_null(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, id);
	rc = store_sqlite__fetch(c, st, key_read, out);
out:
	store_sqlite__reset(st);
	return rc;
}
