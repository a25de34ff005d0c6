/*
 * API keys in the PostgreSQL store: a platform catalogue looked up by the
 * key's hash (a reference table under Citus). Platform keys (admin, send)
 * belong to no tenant and are stored with a NULL tenant_id, so the foreign
 * key to tenants holds for tenant keys; "IS NOT DISTINCT FROM" compares
 * both cases in one statement, as SQLite's "IS" does.
 */
#include "store/store_pgInt.h"

#include <assert.h>
#include <string.h>

#define KEY_COLS                                                                           \
	"id, tenant_id, kind, name, prefix, hash, created_at_ms, revoked_at_ms, expires_at_ms," \
	" allowed_ips, secret_id"

static const char sql_insert[] = "INSERT INTO api_keys (" KEY_COLS ") VALUES ($1, $2, $3, $4,"
				 " $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING";
static const char sql_find_by_hash[] = "SELECT " KEY_COLS " FROM api_keys WHERE hash = $1";
static const char sql_list[] = "SELECT " KEY_COLS " FROM api_keys"
			       " WHERE tenant_id IS NOT DISTINCT FROM $1::text AND id > $2"
			       " ORDER BY id LIMIT $3";
static const char sql_get[] = "SELECT " KEY_COLS " FROM api_keys"
			      " WHERE tenant_id IS NOT DISTINCT FROM $1::text AND id = $2";
/* A second revocation keeps the time of the first. */
static const char sql_revoke[] =
	"UPDATE api_keys SET revoked_at_ms ="
	" CASE WHEN revoked_at_ms = 0 THEN $3 ELSE revoked_at_ms END"
	" WHERE tenant_id IS NOT DISTINCT FROM $1::text AND id = $2";

/* Reads a row selected as KEY_COLS. */
static void key_read(struct store_pg_row *r, void *record)
{
	struct store_api_key *k = record;

	memset(k, 0, sizeof *k);
	STORE_PG_ROW_TEXT(r, k->id);
	STORE_PG_ROW_TEXT(r, k->tenant_id);
	k->kind = store_pg__row_enum(r, &store_pg__key_kind);
	STORE_PG_ROW_TEXT(r, k->name);
	STORE_PG_ROW_TEXT(r, k->prefix);
	store_pg__row_blob_exact(r, k->hash, sizeof k->hash);
	k->created_at_ms = store_pg__row_int64(r);
	k->revoked_at_ms = store_pg__row_int64(r);
	k->expires_at_ms = store_pg__row_int64(r);
	STORE_PG_ROW_TEXT(r, k->allowed_ips);
	STORE_PG_ROW_TEXT(r, k->secret_id);
}

enum og_err store_pg_key_insert(struct store_conn *base, const struct store_api_key *k)
{
	struct store_pg_params p;

	assert(k && memchr(k->tenant_id, '\0', sizeof k->tenant_id));
	store_pg__params_init(&p);
	STORE_PG_PARAM_FIELD(&p, k->id);
	store_pg__param_text_or_null(&p, k->tenant_id);
	store_pg__param_enum(&p, &store_pg__key_kind, k->kind);
	STORE_PG_PARAM_FIELD(&p, k->name);
	STORE_PG_PARAM_FIELD(&p, k->prefix);
	store_pg__param_blob(&p, k->hash, sizeof k->hash);
	store_pg__param_int64(&p, k->created_at_ms);
	store_pg__param_int64(&p, k->revoked_at_ms);
	store_pg__param_int64(&p, k->expires_at_ms);
	STORE_PG_PARAM_FIELD(&p, k->allowed_ips);
	STORE_PG_PARAM_FIELD(&p, k->secret_id);
	return store_pg__insert(store_pg__conn(base), PG_KEY_INSERT, sql_insert, &p);
}

enum og_err store_pg_key_find_by_hash(struct store_conn *base,
				      const unsigned char hash[SECRET_HASH_LEN],
				      struct store_api_key *out)
{
	struct store_pg_params p;

	assert(hash && out);
	store_pg__params_init(&p);
	store_pg__param_blob(&p, hash, SECRET_HASH_LEN);
	return store_pg__fetch(store_pg__conn(base), PG_KEY_FIND_BY_HASH, sql_find_by_hash, &p,
			       key_read, out);
}

enum og_err store_pg_key_list(struct store_conn *base, const char *tenant_id,
			      const char *after_id, size_t limit, struct store_api_key *out,
			      size_t *n)
{
	struct store_pg_params p;

	assert(tenant_id && limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	store_pg__params_init(&p);
	store_pg__param_text_or_null(&p, tenant_id);
	store_pg__param_text(&p, after_id ? after_id : "");
	store_pg__param_int64(&p, (int64_t)limit);
	return store_pg__collect(store_pg__conn(base), PG_KEY_LIST, sql_list, &p, key_read, out,
				 sizeof *out, limit, n);
}

enum og_err store_pg_key_revoke(struct store_conn *base, const char *tenant_id, const char *id,
				int64_t now_ms)
{
	struct store_pg_params p;

	assert(tenant_id && id);
	store_pg__params_init(&p);
	store_pg__param_text_or_null(&p, tenant_id);
	store_pg__param_text(&p, id);
	store_pg__param_int64(&p, now_ms);
	return store_pg__run_changed(store_pg__conn(base), PG_KEY_REVOKE, sql_revoke, &p);
}

enum og_err store_pg_key_get(struct store_conn *base, const char *tenant_id, const char *id,
			     struct store_api_key *out)
{
	struct store_pg_params p;

	assert(tenant_id && id && out);
	store_pg__params_init(&p);
	store_pg__param_text_or_null(&p, tenant_id);
	store_pg__param_text(&p, id);
	return store_pg__fetch(store_pg__conn(base), PG_KEY_GET, sql_get, &p, key_read, out);
}
