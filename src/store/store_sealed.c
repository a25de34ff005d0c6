/*
 * The sealed values a secret rotation re-encrypts, walked column by column
 * in key order, the phone hashes it recomputes, and the record of which
 * secret the database's hashes and seals were made with (SEC-05). Each
 * sealed value is sealed with its row's id as associated data; a tenant is
 * keyed by its id alone, which stands in for both halves of the walk's key.
 */
#include "store/store_int.h"

/* The sealed columns, by enum store_sealed_kind. Lists bind (after_tenant_id,
 * after_id, limit) as ?1..?3 and puts (tenant_id, id, blob), so one shape
 * fits all; the casts type the row value's parameters for PostgreSQL. */
struct sealed_sql {
	struct store_sql list;
	struct store_sql put;
};

#define SEALED_AFTER "(CAST(?1 AS TEXT), CAST(?2 AS TEXT))"

static struct sealed_sql sealed_sql[STORE_SEALED__COUNT] = {
	[STORE_SEALED_TENANT_UPSTREAM_KEY] = {
		{.text = "SELECT id, id, upstream_key_sealed FROM tenants WHERE upstream_key_sealed"
			 " IS NOT NULL AND (id, id) > " SEALED_AFTER " ORDER BY id LIMIT ?3"},
		{.text = "UPDATE tenants SET upstream_key_sealed = ?3 WHERE id = ?1 AND id = ?2"},
	},
	[STORE_SEALED_MESSAGE_PAYLOAD] = {
		{.text = "SELECT tenant_id, id, payload_sealed FROM messages WHERE payload_sealed"
			 " IS NOT NULL AND (tenant_id, id) > " SEALED_AFTER
			 " ORDER BY tenant_id, id LIMIT ?3"},
		{.text = "UPDATE messages SET payload_sealed = ?3 WHERE tenant_id = ?1 AND id = ?2"},
	},
	[STORE_SEALED_OTP_CONTEXT] = {
		{.text = "SELECT tenant_id, id, context_sealed FROM otp_requests WHERE"
			 " context_sealed IS NOT NULL AND (tenant_id, id) > " SEALED_AFTER
			 " ORDER BY tenant_id, id LIMIT ?3"},
		{.text = "UPDATE otp_requests SET context_sealed = ?3 WHERE tenant_id = ?1"
			 " AND id = ?2"},
	},
	[STORE_SEALED_TEST_NUMBER] = {
		{.text = "SELECT tenant_id, id, sealed FROM test_numbers WHERE (tenant_id, id) > "
			 SEALED_AFTER " ORDER BY tenant_id, id LIMIT ?3"},
		{.text = "UPDATE test_numbers SET sealed = ?3 WHERE tenant_id = ?1 AND id = ?2"},
	},
};

static struct store_sql sql_phone_hash_otp = {
	.text = "UPDATE otp_requests SET phone_hash = ?3 WHERE tenant_id = ?1 AND id = ?2"};
static struct store_sql sql_phone_hash_testnum = {
	.text = "UPDATE test_numbers SET phone_hash = ?3 WHERE tenant_id = ?1 AND id = ?2"};
static struct store_sql sql_secret_get = {
	.text = "SELECT fingerprint, previous_fingerprint, rotated_at_ms FROM secret_state"
		" WHERE id = 1",
	.flags = STORE_SQL_LOCK};
static struct store_sql sql_secret_put = {
	.text = "INSERT INTO secret_state (id, fingerprint, previous_fingerprint, rotated_at_ms)"
		" VALUES (1, ?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET"
		" fingerprint = excluded.fingerprint,"
		" previous_fingerprint = excluded.previous_fingerprint,"
		" rotated_at_ms = excluded.rotated_at_ms"};

/* Reads a row selected as (tenant_id, id, blob). */
static void sealed_read(struct store_row *r, void *record)
{
	struct store_sealed *s = record;

	memset(s, 0, sizeof *s);
	store_row_text(r, s->tenant_id);
	store_row_text(r, s->id);
	store_row_blob(r, s->blob, sizeof s->blob, &s->blob_len);
}

enum og_err store_sealed_list(struct store_conn *c, int kind, const char *after_tenant_id,
			      const char *after_id, size_t limit, struct store_sealed *out,
			      size_t *n)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(kind >= 0 && kind < STORE_SEALED__COUNT);
	assert(after_tenant_id && after_id && limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	*n = 0;
	rc = store_prepare(c, &sealed_sql[kind].list, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, after_tenant_id);
	store_bind_text(st, 2, after_id);
	store_bind_int64(st, 3, (int64_t)limit);
	return store_collect(st, sealed_read, out, sizeof *out, limit, n);
}

/* Runs sql, which sets ?3 to bytes in the row (tenant_id, id). */
static enum og_err sealed_update(struct store_conn *c, struct store_sql *sql,
				 const char *tenant_id, const char *id, const void *bytes,
				 size_t len)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && id && bytes && len > 0);
	rc = store_prepare(c, sql, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, id);
	store_bind_blob(st, 3, bytes, len);
	return store_run_changed(st);
}

enum og_err store_sealed_put(struct store_conn *c, int kind, const struct store_sealed *s)
{
	assert(kind >= 0 && kind < STORE_SEALED__COUNT);
	assert(s && s->blob_len > 0 && s->blob_len <= sizeof s->blob);
	return sealed_update(c, &sealed_sql[kind].put, s->tenant_id, s->id, s->blob, s->blob_len);
}

enum og_err store_sealed_phone_hash_put(struct store_conn *c, int kind, const char *tenant_id,
					const char *id, const unsigned char hash[SECRET_HASH_LEN])
{
	assert(kind == STORE_SEALED_OTP_CONTEXT || kind == STORE_SEALED_TEST_NUMBER);
	return sealed_update(c,
			     kind == STORE_SEALED_OTP_CONTEXT ? &sql_phone_hash_otp
							      : &sql_phone_hash_testnum,
			     tenant_id, id, hash, SECRET_HASH_LEN);
}

static void secret_state_read(struct store_row *r, void *record)
{
	struct store_secret_state *s = record;

	memset(s, 0, sizeof *s);
	store_row_text(r, s->fingerprint);
	store_row_text(r, s->previous_fingerprint);
	s->rotated_at_ms = store_row_int64(r);
}

/* In a transaction (a server's start-up check, a rotation) the state is
 * read to be written: two nodes starting at once record it once. */
enum og_err store_sealed_secret_get(struct store_conn *c, struct store_secret_state *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(out);
	rc = store_lock(c, STORE_LOCK_SECRET_STATE, "", NULL, 0);
	if (rc == OG_OK)
		rc = store_prepare(c, &sql_secret_get, &st);
	if (rc != OG_OK)
		return rc;
	return store_fetch(st, secret_state_read, out);
}

enum og_err store_sealed_secret_put(struct store_conn *c, const struct store_secret_state *s)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(s);
	rc = store_prepare(c, &sql_secret_put, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_field(st, 1, s->fingerprint);
	store_bind_field(st, 2, s->previous_fingerprint);
	store_bind_int64(st, 3, s->rotated_at_ms);
	return store_run(st, NULL);
}
