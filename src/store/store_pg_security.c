/*
 * The PostgreSQL side of the security work (migration 0005): per-tenant
 * retention, the bounded purge statements, key expiry and rehashing, and
 * the walk over every sealed column that a secret rotation re-encrypts.
 * Every bulk statement touches at most `limit` rows, picked by primary key
 * in a sub-select with LIMIT, so one call is one short transaction however
 * much is due; the tenant-scoped ones stay within one tenant (one shard
 * under Citus).
 */
#include "store/store_pgInt.h"

#include <assert.h>
#include <string.h>

static const char sql_retention_get[] =
	"SELECT retention_days FROM tenant_retention WHERE tenant_id = $1";
static const char sql_retention_put[] =
	"INSERT INTO tenant_retention (tenant_id, retention_days, updated_at_ms) VALUES ($1, $2, $3)"
	" ON CONFLICT (tenant_id) DO UPDATE SET retention_days = excluded.retention_days,"
	" updated_at_ms = excluded.updated_at_ms";
/* SEC-25: a request is deleted only once its code is dead as well as old. */
static const char sql_otp_purge[] =
	"DELETE FROM otp_requests WHERE tenant_id = $1 AND id IN (SELECT id FROM otp_requests"
	" WHERE tenant_id = $1 AND created_at_ms < $2 AND expires_at_ms < $3 LIMIT $4)";
/* SEC-25: the ledger-relevant fields stay; the masked number, the
 * gateway's error text and any payload go. */
static const char sql_message_scrub[] =
	"UPDATE messages SET phone_masked = '', error = '', payload_sealed = NULL"
	" WHERE tenant_id = $1 AND id IN (SELECT id FROM messages WHERE tenant_id = $1 AND"
	" created_at_ms < $2 AND phone_masked <> '' AND status IN ('sent', 'failed') LIMIT $3)";
/* SEC-22: once a code is dead nothing can resend it, so its context goes.
 * This one spans tenants; SKIP LOCKED lets two nodes' purge jobs (and a
 * verify holding a request) pass each other instead of deadlocking, and a
 * row skipped now is wiped by a later run. */
static const char sql_otp_wipe_contexts[] =
	"UPDATE otp_requests o SET context_sealed = NULL, updated_at_ms = $1,"
	" status = CASE WHEN o.status = 'pending' THEN 'expired' ELSE o.status END"
	" FROM (SELECT tenant_id, id FROM otp_requests"
	"  WHERE context_sealed IS NOT NULL AND expires_at_ms < $1 LIMIT $2"
	"  FOR UPDATE SKIP LOCKED) d"
	" WHERE o.tenant_id = d.tenant_id AND o.id = d.id";
static const char sql_key_set_expiry[] = "UPDATE api_keys SET expires_at_ms = $3"
					 " WHERE tenant_id IS NOT DISTINCT FROM $1::text AND id = $2";
static const char sql_key_rehash[] = "UPDATE api_keys SET hash = $2, secret_id = $3 WHERE id = $1";
static const char sql_key_count_stale[] =
	"SELECT count(*) FROM api_keys WHERE revoked_at_ms = 0"
	" AND (expires_at_ms = 0 OR expires_at_ms > $2) AND secret_id <> $1";
static const char sql_phone_hash_otp[] =
	"UPDATE otp_requests SET phone_hash = $3 WHERE tenant_id = $1 AND id = $2";
static const char sql_phone_hash_testnum[] =
	"UPDATE test_numbers SET phone_hash = $3 WHERE tenant_id = $1 AND id = $2";
#define SECRET_STATE_GET_SQL \
	"SELECT fingerprint, previous_fingerprint, rotated_at_ms FROM secret_state WHERE id = 1"
static const char sql_secret_state_get[] = SECRET_STATE_GET_SQL;
static const char sql_secret_state_get_lock[] = SECRET_STATE_GET_SQL " FOR NO KEY UPDATE";
static const char sql_secret_state_put[] =
	"INSERT INTO secret_state (id, fingerprint, previous_fingerprint, rotated_at_ms)"
	" VALUES (1, $1, $2, $3) ON CONFLICT (id) DO UPDATE SET"
	" fingerprint = excluded.fingerprint, previous_fingerprint = excluded.previous_fingerprint,"
	" rotated_at_ms = excluded.rotated_at_ms";

/* The sealed columns, by enum store_sealed_kind. Lists take (after_tenant_id,
 * after_id, limit) as $1..$3 and puts (tenant_id, id, blob); a tenant is
 * keyed by its id alone, which stands in for both, so one shape fits all. */
struct sealed_sql {
	const char *list;
	const char *put;
};

static const struct sealed_sql sealed_sql[STORE_SEALED__COUNT] = {
	[STORE_SEALED_TENANT_UPSTREAM_KEY] =
		{"SELECT id, id, upstream_key_sealed FROM tenants WHERE upstream_key_sealed IS NOT"
		 " NULL AND (id, id) > ($1::text, $2::text) ORDER BY id LIMIT $3",
		 "UPDATE tenants SET upstream_key_sealed = $3 WHERE id = $1 AND id = $2"},
	[STORE_SEALED_MESSAGE_PAYLOAD] =
		{"SELECT tenant_id, id, payload_sealed FROM messages WHERE payload_sealed IS NOT"
		 " NULL AND (tenant_id, id) > ($1::text, $2::text) ORDER BY tenant_id, id LIMIT $3",
		 "UPDATE messages SET payload_sealed = $3 WHERE tenant_id = $1 AND id = $2"},
	[STORE_SEALED_OTP_CONTEXT] =
		{"SELECT tenant_id, id, context_sealed FROM otp_requests WHERE context_sealed IS"
		 " NOT NULL AND (tenant_id, id) > ($1::text, $2::text) ORDER BY tenant_id, id"
		 " LIMIT $3",
		 "UPDATE otp_requests SET context_sealed = $3 WHERE tenant_id = $1 AND id = $2"},
	[STORE_SEALED_TEST_NUMBER] =
		{"SELECT tenant_id, id, sealed FROM test_numbers WHERE (tenant_id, id) >"
		 " ($1::text, $2::text) ORDER BY tenant_id, id LIMIT $3",
		 "UPDATE test_numbers SET sealed = $3 WHERE tenant_id = $1 AND id = $2"},
};

enum og_err store_pg_security_retention_get(struct store_conn *base, const char *tenant_id,
					    int *days)
{
	struct store_pg_conn *c = store_pg__conn(base);
	struct store_pg_params p;
	struct store_pg_row r;
	PGresult *res = NULL;
	enum og_err rc;

	assert(tenant_id && days);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	rc = store_pg__exec(c, PG_SEC_RETENTION_GET, sql_retention_get, &p, &res);
	if (rc == OG_OK && PQntuples(res) < 1)
		rc = OG_ERR_NOT_FOUND;
	if (rc == OG_OK) {
		store_pg__row_init(&r, res, 0);
		*days = store_pg__row_int(&r);
		rc = r.rc;
	}
	PQclear(res);
	return rc;
}

enum og_err store_pg_security_retention_put(struct store_conn *base, const char *tenant_id,
					    int days, int64_t now_ms)
{
	struct store_pg_params p;

	assert(tenant_id);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_int64(&p, days);
	store_pg__param_int64(&p, now_ms);
	return store_pg__run(store_pg__conn(base), PG_SEC_RETENTION_PUT, sql_retention_put, &p,
			     NULL);
}

enum og_err store_pg_security_otp_purge(struct store_conn *base, const char *tenant_id,
					int64_t before_ms, int64_t now_ms, size_t limit, size_t *n)
{
	struct store_pg_params p;

	assert(tenant_id && limit >= 1 && n);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_int64(&p, before_ms);
	store_pg__param_int64(&p, now_ms);
	store_pg__param_int64(&p, (int64_t)limit);
	return store_pg__run(store_pg__conn(base), PG_SEC_OTP_PURGE, sql_otp_purge, &p, n);
}

enum og_err store_pg_security_message_scrub(struct store_conn *base, const char *tenant_id,
					    int64_t before_ms, size_t limit, size_t *n)
{
	struct store_pg_params p;

	assert(tenant_id && limit >= 1 && n);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_int64(&p, before_ms);
	store_pg__param_int64(&p, (int64_t)limit);
	return store_pg__run(store_pg__conn(base), PG_SEC_MESSAGE_SCRUB, sql_message_scrub, &p, n);
}

enum og_err store_pg_security_otp_wipe_contexts(struct store_conn *base, int64_t now_ms,
						size_t limit, size_t *n)
{
	struct store_pg_params p;

	assert(limit >= 1 && n);
	store_pg__params_init(&p);
	store_pg__param_int64(&p, now_ms);
	store_pg__param_int64(&p, (int64_t)limit);
	return store_pg__run(store_pg__conn(base), PG_SEC_OTP_WIPE_CONTEXTS, sql_otp_wipe_contexts,
			     &p, n);
}

enum og_err store_pg_security_key_set_expiry(struct store_conn *base, const char *tenant_id,
					     const char *id, int64_t expires_at_ms)
{
	struct store_pg_params p;

	assert(tenant_id && id && expires_at_ms >= 0);
	store_pg__params_init(&p);
	store_pg__param_text_or_null(&p, tenant_id);
	store_pg__param_text(&p, id);
	store_pg__param_int64(&p, expires_at_ms);
	return store_pg__run_changed(store_pg__conn(base), PG_SEC_KEY_SET_EXPIRY,
				     sql_key_set_expiry, &p);
}

enum og_err store_pg_security_key_rehash(struct store_conn *base, const char *id,
					 const unsigned char hash[SECRET_HASH_LEN],
					 const char *secret_id)
{
	struct store_pg_params p;

	assert(id && hash && secret_id);
	store_pg__params_init(&p);
	store_pg__param_text(&p, id);
	store_pg__param_blob(&p, hash, SECRET_HASH_LEN);
	store_pg__param_text(&p, secret_id);
	return store_pg__run_changed(store_pg__conn(base), PG_SEC_KEY_REHASH, sql_key_rehash, &p);
}

enum og_err store_pg_security_key_count_stale(struct store_conn *base, const char *secret_id,
					      int64_t now_ms, int64_t *n)
{
	struct store_pg_params p;

	assert(secret_id && n);
	*n = 0;
	store_pg__params_init(&p);
	store_pg__param_text(&p, secret_id);
	store_pg__param_int64(&p, now_ms);
	return store_pg__ints(store_pg__conn(base), PG_SEC_KEY_COUNT_STALE, sql_key_count_stale,
			      &p, n, NULL);
}

/* Reads a row selected as (tenant_id, id, blob). */
static void sealed_read(struct store_pg_row *r, void *record)
{
	struct store_sealed *s = record;

	memset(s, 0, sizeof *s);
	STORE_PG_ROW_TEXT(r, s->tenant_id);
	STORE_PG_ROW_TEXT(r, s->id);
	store_pg__row_blob(r, s->blob, sizeof s->blob, &s->blob_len);
}

enum og_err store_pg_security_sealed_list(struct store_conn *base, int kind,
					  const char *after_tenant_id, const char *after_id,
					  size_t limit, struct store_sealed *out, size_t *n)
{
	struct store_pg_params p;

	assert(kind >= 0 && kind < STORE_SEALED__COUNT);
	assert(after_tenant_id && after_id && limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	store_pg__params_init(&p);
	store_pg__param_text(&p, after_tenant_id);
	store_pg__param_text(&p, after_id);
	store_pg__param_int64(&p, (int64_t)limit);
	return store_pg__collect(store_pg__conn(base),
				 (enum store_pg_stmt)(PG_SEC_SEALED_LIST_TENANT + kind),
				 sealed_sql[kind].list, &p, sealed_read, out, sizeof *out, limit, n);
}

enum og_err store_pg_security_sealed_put(struct store_conn *base, int kind,
					 const struct store_sealed *s)
{
	struct store_pg_params p;

	assert(kind >= 0 && kind < STORE_SEALED__COUNT);
	assert(s && s->blob_len > 0 && s->blob_len <= sizeof s->blob);
	store_pg__params_init(&p);
	STORE_PG_PARAM_FIELD(&p, s->tenant_id);
	STORE_PG_PARAM_FIELD(&p, s->id);
	store_pg__param_blob(&p, s->blob, s->blob_len);
	return store_pg__run_changed(store_pg__conn(base),
				     (enum store_pg_stmt)(PG_SEC_SEALED_PUT_TENANT + kind),
				     sealed_sql[kind].put, &p);
}

enum og_err store_pg_security_phone_hash_put(struct store_conn *base, int kind,
					     const char *tenant_id, const char *id,
					     const unsigned char hash[SECRET_HASH_LEN])
{
	struct store_pg_conn *c = store_pg__conn(base);
	struct store_pg_params p;

	assert(kind == STORE_SEALED_OTP_CONTEXT || kind == STORE_SEALED_TEST_NUMBER);
	assert(tenant_id && id && hash);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, id);
	store_pg__param_blob(&p, hash, SECRET_HASH_LEN);
	if (kind == STORE_SEALED_OTP_CONTEXT)
		return store_pg__run_changed(c, PG_SEC_PHONE_HASH_OTP, sql_phone_hash_otp, &p);
	return store_pg__run_changed(c, PG_SEC_PHONE_HASH_TESTNUM, sql_phone_hash_testnum, &p);
}

static void secret_state_read(struct store_pg_row *r, void *record)
{
	struct store_secret_state *s = record;

	memset(s, 0, sizeof *s);
	STORE_PG_ROW_TEXT(r, s->fingerprint);
	STORE_PG_ROW_TEXT(r, s->previous_fingerprint);
	s->rotated_at_ms = store_pg__row_int64(r);
}

/* In a transaction (a server's start-up check, a rotation) the state is
 * read to be written: two nodes starting at once record it once. */
enum og_err store_pg_security_secret_state_get(struct store_conn *base,
					       struct store_secret_state *out)
{
	struct store_pg_conn *c = store_pg__conn(base);
	enum og_err rc;

	assert(out);
	if (!c->in_tx)
		return store_pg__fetch(c, PG_SEC_SECRET_STATE_GET, sql_secret_state_get, NULL,
				       secret_state_read, out);
	rc = store_pg__row_lock(c, STORE_PG_LOCK_SECRET_STATE, "", NULL, 0);
	if (rc != OG_OK)
		return rc;
	return store_pg__fetch(c, PG_SEC_SECRET_STATE_GET_LOCK, sql_secret_state_get_lock, NULL,
			       secret_state_read, out);
}

enum og_err store_pg_security_secret_state_put(struct store_conn *base,
					       const struct store_secret_state *s)
{
	struct store_pg_params p;

	assert(s);
	store_pg__params_init(&p);
	STORE_PG_PARAM_FIELD(&p, s->fingerprint);
	STORE_PG_PARAM_FIELD(&p, s->previous_fingerprint);
	store_pg__param_int64(&p, s->rotated_at_ms);
	return store_pg__run(store_pg__conn(base), PG_SEC_SECRET_STATE_PUT, sql_secret_state_put,
			     &p, NULL);
}
