/*
 * The SQLite side of the security work (migration 0005): per-tenant
 * retention, the bounded purge statements, key expiry and rehashing, and
 * the walk over every sealed column that a secret rotation re-encrypts.
 * Every bulk statement touches at most `limit` rows (a rowid subquery with
 * LIMIT), so one call is one short write transaction however much is due.
 */
#include "store/store_sqliteInt.h"

#include <assert.h>
#include <string.h>

static const char sql_retention_get[] =
	"SELECT retention_days FROM tenant_retention WHERE tenant_id = ?1";
static const char sql_retention_put[] =
	"INSERT INTO tenant_retention (tenant_id, retention_days, updated_at_ms) VALUES (?1, ?2, ?3)"
	" ON CONFLICT (tenant_id) DO UPDATE SET retention_days = excluded.retention_days,"
	" updated_at_ms = excluded.updated_at_ms";
/* SEC-25: a request is deleted only once its code is dead as well as old. */
static const char sql_otp_purge[] =
	"DELETE FROM otp_requests WHERE rowid IN (SELECT rowid FROM otp_requests"
	" WHERE tenant_id = ?1 AND created_at_ms < ?2 AND expires_at_ms < ?3 LIMIT ?4)";
/* SEC-25: the ledger-relevant fields (status, cost, provider, ids, times)
 * stay; the masked number, the gateway's error text and any payload go.
 * The phone_masked test keeps the statement on the partial index. */
static const char sql_message_scrub[] =
	"UPDATE messages SET phone_masked = '', error = '', payload_sealed = NULL"
	" WHERE rowid IN (SELECT rowid FROM messages WHERE tenant_id = ?1 AND"
	" created_at_ms < ?2 AND phone_masked <> '' AND status IN ('sent', 'failed') LIMIT ?3)";
/* SEC-22: once a code is dead nothing can resend it, so its context goes. */
static const char sql_otp_wipe_contexts[] =
	"UPDATE otp_requests SET context_sealed = NULL, updated_at_ms = ?1,"
	" status = CASE WHEN status = 'pending' THEN 'expired' ELSE status END"
	" WHERE rowid IN (SELECT rowid FROM otp_requests"
	" WHERE context_sealed IS NOT NULL AND expires_at_ms < ?1 LIMIT ?2)";
static const char sql_key_set_expiry[] =
	"UPDATE api_keys SET expires_at_ms = ?3 WHERE tenant_id IS ?1 AND id = ?2";
static const char sql_key_rehash[] = "UPDATE api_keys SET hash = ?2, secret_id = ?3 WHERE id = ?1";
static const char sql_key_count_stale[] =
	"SELECT count(*) FROM api_keys WHERE revoked_at_ms = 0"
	" AND (expires_at_ms = 0 OR expires_at_ms > ?2) AND secret_id <> ?1";
static const char sql_phone_hash_otp[] =
	"UPDATE otp_requests SET phone_hash = ?3 WHERE tenant_id = ?1 AND id = ?2";
static const char sql_phone_hash_testnum[] =
	"UPDATE test_numbers SET phone_hash = ?3 WHERE tenant_id = ?1 AND id = ?2";
static const char sql_secret_state_get[] =
	"SELECT fingerprint, previous_fingerprint, rotated_at_ms FROM secret_state WHERE id = 1";
static const char sql_secret_state_put[] =
	"INSERT INTO secret_state (id, fingerprint, previous_fingerprint, rotated_at_ms)"
	" VALUES (1, ?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET"
	" fingerprint = excluded.fingerprint, previous_fingerprint = excluded.previous_fingerprint,"
	" rotated_at_ms = excluded.rotated_at_ms";

/* The sealed columns, by enum store_sealed_kind. Lists bind (after_tenant_id,
 * after_id, limit) as ?1..?3 and puts (tenant_id, id, blob); a tenant is
 * keyed by its id alone, which stands in for both, so one shape fits all. */
struct sealed_sql {
	const char *list;
	const char *put;
};

static const struct sealed_sql sealed_sql[STORE_SEALED__COUNT] = {
	[STORE_SEALED_TENANT_UPSTREAM_KEY] =
		{"SELECT id, id, upstream_key_sealed FROM tenants WHERE upstream_key_sealed IS NOT"
		 " NULL AND (id, id) > (?1, ?2) ORDER BY id LIMIT ?3",
		 "UPDATE tenants SET upstream_key_sealed = ?3 WHERE id = ?1 AND id = ?2"},
	[STORE_SEALED_MESSAGE_PAYLOAD] =
		{"SELECT tenant_id, id, payload_sealed FROM messages WHERE payload_sealed IS NOT"
		 " NULL AND (tenant_id, id) > (?1, ?2) ORDER BY tenant_id, id LIMIT ?3",
		 "UPDATE messages SET payload_sealed = ?3 WHERE tenant_id = ?1 AND id = ?2"},
	[STORE_SEALED_OTP_CONTEXT] =
		{"SELECT tenant_id, id, context_sealed FROM otp_requests WHERE context_sealed IS"
		 " NOT NULL AND (tenant_id, id) > (?1, ?2) ORDER BY tenant_id, id LIMIT ?3",
		 "UPDATE otp_requests SET context_sealed = ?3 WHERE tenant_id = ?1 AND id = ?2"},
	[STORE_SEALED_TEST_NUMBER] =
		{"SELECT tenant_id, id, sealed FROM test_numbers WHERE (tenant_id, id) > (?1, ?2)"
		 " ORDER BY tenant_id, id LIMIT ?3",
		 "UPDATE test_numbers SET sealed = ?3 WHERE tenant_id = ?1 AND id = ?2"},
};

/* Runs a cached statement that changes rows; *n (if given) counts them. */
static enum og_err security_exec(struct store_sqlite_conn *c, sqlite3_stmt *st, size_t *n)
{
	enum og_err rc = store_sqlite__step_done(c, st);

	if (n)
		*n = rc == OG_OK ? (size_t)sqlite3_changes(c->db) : 0;
	return rc;
}

enum og_err store_sqlite_security_retention_get(struct store_conn *base, const char *tenant_id,
						int *days)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && days);
	rc = store_sqlite__prepare(c, SQ_SEC_RETENTION_GET, sql_retention_get, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	rc = store_sqlite__step_row(c, st);
	if (rc == OG_OK)
		*days = sqlite3_column_int(st, 0);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_security_retention_put(struct store_conn *base, const char *tenant_id,
						int days, int64_t now_ms)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id);
	rc = store_sqlite__prepare(c, SQ_SEC_RETENTION_PUT, sql_retention_put, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_int64(st, 2, days);
	store_sqlite__bind_int64(st, 3, now_ms);
	rc = security_exec(c, st, NULL);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_security_otp_purge(struct store_conn *base, const char *tenant_id,
					    int64_t before_ms, int64_t now_ms, size_t limit,
					    size_t *n)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && limit >= 1 && n);
	*n = 0;
	rc = store_sqlite__prepare(c, SQ_SEC_OTP_PURGE, sql_otp_purge, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_int64(st, 2, before_ms);
	store_sqlite__bind_int64(st, 3, now_ms);
	store_sqlite__bind_int64(st, 4, (int64_t)limit);
	rc = security_exec(c, st, n);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_security_message_scrub(struct store_conn *base, const char *tenant_id,
						int64_t before_ms, size_t limit, size_t *n)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && limit >= 1 && n);
	*n = 0;
	rc = store_sqlite__prepare(c, SQ_SEC_MESSAGE_SCRUB, sql_message_scrub, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_int64(st, 2, before_ms);
	store_sqlite__bind_int64(st, 3, (int64_t)limit);
	rc = security_exec(c, st, n);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_security_otp_wipe_contexts(struct store_conn *base, int64_t now_ms,
						    size_t limit, size_t *n)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(limit >= 1 && n);
	*n = 0;
	rc = store_sqlite__prepare(c, SQ_SEC_OTP_WIPE_CONTEXTS, sql_otp_wipe_contexts, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_int64(st, 1, now_ms);
	store_sqlite__bind_int64(st, 2, (int64_t)limit);
	rc = security_exec(c, st, n);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_security_key_set_expiry(struct store_conn *base, const char *tenant_id,
						 const char *id, int64_t expires_at_ms)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && id && expires_at_ms >= 0);
	rc = store_sqlite__prepare(c, SQ_SEC_KEY_SET_EXPIRY, sql_key_set_expiry, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text_or_null(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, id);
	store_sqlite__bind_int64(st, 3, expires_at_ms);
	rc = security_exec(c, st, NULL);
	if (rc == OG_OK)
		rc = store_sqlite__changed(c);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_security_key_rehash(struct store_conn *base, const char *id,
					     const unsigned char hash[SECRET_HASH_LEN],
					     const char *secret_id)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(id && hash && secret_id);
	rc = store_sqlite__prepare(c, SQ_SEC_KEY_REHASH, sql_key_rehash, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, id);
	store_sqlite__bind_blob(st, 2, hash, SECRET_HASH_LEN);
	store_sqlite__bind_text(st, 3, secret_id);
	rc = security_exec(c, st, NULL);
	if (rc == OG_OK)
		rc = store_sqlite__changed(c);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_security_key_count_stale(struct store_conn *base, const char *secret_id,
						  int64_t now_ms, int64_t *n)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(secret_id && n);
	*n = 0;
	rc = store_sqlite__prepare(c, SQ_SEC_KEY_COUNT_STALE, sql_key_count_stale, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, secret_id);
	store_sqlite__bind_int64(st, 2, now_ms);
	rc = store_sqlite__step_row(c, st);
	if (rc == OG_OK)
		*n = sqlite3_column_int64(st, 0);
	else if (rc == OG_ERR_NOT_FOUND)
		rc = OG_ERR_STORE; /* count(*) always answers one row */
out:
	store_sqlite__reset(st);
	return rc;
}

/* Reads a row selected as (tenant_id, id, blob). */
static void sealed_read(struct store_sqlite_row *r, void *record)
{
	struct store_sealed *s = record;

	memset(s, 0, sizeof *s);
	STORE_SQLITE_ROW_TEXT(r, s->tenant_id);
	STORE_SQLITE_ROW_TEXT(r, s->id);
	store_sqlite__row_blob(r, s->blob, sizeof s->blob, &s->blob_len);
}

enum og_err store_sqlite_security_sealed_list(struct store_conn *base, int kind,
					      const char *after_tenant_id, const char *after_id,
					      size_t limit, struct store_sealed *out, size_t *n)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(kind >= 0 && kind < STORE_SEALED__COUNT);
	assert(after_tenant_id && after_id && limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	*n = 0;
	rc = store_sqlite__prepare(c, (enum store_sqlite_stmt)(SQ_SEC_SEALED_LIST_TENANT + kind),
				   sealed_sql[kind].list, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, after_tenant_id);
	store_sqlite__bind_text(st, 2, after_id);
	store_sqlite__bind_int64(st, 3, (int64_t)limit);
	rc = store_sqlite__collect(c, st, sealed_read, out, sizeof *out, limit, n);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_security_sealed_put(struct store_conn *base, int kind,
					     const struct store_sealed *s)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(kind >= 0 && kind < STORE_SEALED__COUNT);
	assert(s && s->blob_len > 0 && s->blob_len <= sizeof s->blob);
	rc = store_sqlite__prepare(c, (enum store_sqlite_stmt)(SQ_SEC_SEALED_PUT_TENANT + kind),
				   sealed_sql[kind].put, &st);
	if (rc != OG_OK)
		goto out;
	STORE_SQLITE_BIND_FIELD(st, 1, s->tenant_id);
	STORE_SQLITE_BIND_FIELD(st, 2, s->id);
	store_sqlite__bind_blob(st, 3, s->blob, s->blob_len);
	rc = security_exec(c, st, NULL);
	if (rc == OG_OK)
		rc = store_sqlite__changed(c);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_security_phone_hash_put(struct store_conn *base, int kind,
						 const char *tenant_id, const char *id,
						 const unsigned char hash[SECRET_HASH_LEN])
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(kind == STORE_SEALED_OTP_CONTEXT || kind == STORE_SEALED_TEST_NUMBER);
	assert(tenant_id && id && hash);
	if (kind == STORE_SEALED_OTP_CONTEXT)
		rc = store_sqlite__prepare(c, SQ_SEC_PHONE_HASH_OTP, sql_phone_hash_otp, &st);
	else
		rc = store_sqlite__prepare(c, SQ_SEC_PHONE_HASH_TESTNUM, sql_phone_hash_testnum, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, id);
	store_sqlite__bind_blob(st, 3, hash, SECRET_HASH_LEN);
	rc = security_exec(c, st, NULL);
	if (rc == OG_OK)
		rc = store_sqlite__changed(c);
out:
	store_sqlite__reset(st);
	return rc;
}

static void secret_state_read(struct store_sqlite_row *r, void *record)
{
	struct store_secret_state *s = record;

	memset(s, 0, sizeof *s);
	STORE_SQLITE_ROW_TEXT(r, s->fingerprint);
	STORE_SQLITE_ROW_TEXT(r, s->previous_fingerprint);
	s->rotated_at_ms = store_sqlite__row_int64(r);
}

enum og_err store_sqlite_security_secret_state_get(struct store_conn *base,
						   struct store_secret_state *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(out);
	rc = store_sqlite__prepare(c, SQ_SEC_SECRET_STATE_GET, sql_secret_state_get, &st);
	if (rc == OG_OK)
		rc = store_sqlite__fetch(c, st, secret_state_read, out);
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_security_secret_state_put(struct store_conn *base,
						   const struct store_secret_state *s)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(s);
	rc = store_sqlite__prepare(c, SQ_SEC_SECRET_STATE_PUT, sql_secret_state_put, &st);
	if (rc != OG_OK)
		goto out;
	STORE_SQLITE_BIND_FIELD(st, 1, s->fingerprint);
	STORE_SQLITE_BIND_FIELD(st, 2, s->previous_fingerprint);
	store_sqlite__bind_int64(st, 3, s->rotated_at_ms);
	rc = security_exec(c, st, NULL);
out:
	store_sqlite__reset(st);
	return rc;
}
