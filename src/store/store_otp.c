/*
 * OTP requests, keyed by (tenant_id, id). The code and the phone are kept
 * only as keyed hashes (the phone also inside the sealed context a resend
 * needs); the phone hash, with the status and the time-ordered id, forms
 * the index that finds the newest pending request for a phone. Read inside
 * a write transaction, a request is locked, so a verify and a resend of one
 * request on two nodes cannot both read it and both write it back. The
 * bounded purges of the retention rules (SEC-22, SEC-25) live here too.
 */
#include "store/store_int.h"

#define OTP_COLS                                                                              \
	"tenant_id, id, phone_hash, phone_masked, template_name, code_hash, status, attempts, " \
	"max_attempts, resend_count, context_sealed, expires_at_ms, last_sent_at_ms, "         \
	"created_at_ms, updated_at_ms"

static struct store_sql sql_insert = {
	.text = "INSERT INTO otp_requests (" OTP_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
		" ?9, ?10, ?11, ?12, ?13, ?14, ?15) ON CONFLICT DO NOTHING"};
static struct store_sql sql_get = {
	.text = "SELECT " OTP_COLS " FROM otp_requests WHERE tenant_id = ?1 AND id = ?2",
	.flags = STORE_SQL_LOCK};
/* Ids are unique per tenant only, but 80 random bits make a clash between
 * tenants practically impossible; LIMIT keeps the answer a single row. */
static struct store_sql sql_get_any = {
	.text = "SELECT " OTP_COLS " FROM otp_requests WHERE id = ?1 LIMIT 1"};
/* Ids sort by creation time, so the largest is the newest. */
static struct store_sql sql_find_pending = {
	.text = "SELECT " OTP_COLS " FROM otp_requests WHERE tenant_id = ?1 AND phone_hash = ?2"
		" AND status = ?3 ORDER BY id DESC LIMIT 1",
	.flags = STORE_SQL_LOCK};
static struct store_sql sql_update = {
	.text = "UPDATE otp_requests SET code_hash = ?3, status = ?4, attempts = ?5,"
		" resend_count = ?6, context_sealed = ?7, expires_at_ms = ?8, last_sent_at_ms = ?9,"
		" updated_at_ms = ?10 WHERE tenant_id = ?1 AND id = ?2"};
/* SEC-25: a request is deleted only once its code is dead as well as old.
 * The sub-select picks by primary key, so the statement stays within one
 * tenant (one shard under Citus). */
static struct store_sql sql_purge = {
	.text = "DELETE FROM otp_requests WHERE tenant_id = ?1 AND id IN (SELECT id FROM"
		" otp_requests WHERE tenant_id = ?1 AND created_at_ms < ?2 AND expires_at_ms < ?3"
		" LIMIT ?4)"};
/* SEC-22: once a code is dead nothing can resend it, so its context goes. */
static struct store_sql sql_wipe_contexts = {
	.text = "UPDATE otp_requests SET context_sealed = NULL, updated_at_ms = ?1,"
		" status = CASE WHEN status = 'pending' THEN 'expired' ELSE status END"
		" WHERE rowid IN (SELECT rowid FROM otp_requests"
		" WHERE context_sealed IS NOT NULL AND expires_at_ms < ?1 LIMIT ?2)",
	/* This one spans tenants; SKIP LOCKED lets two nodes' purge jobs (and
	 * a verify holding a request) pass each other instead of deadlocking,
	 * and a row skipped now is wiped by a later run. */
	.dialect[STORE_DIALECT_PG] =
		"UPDATE otp_requests o SET context_sealed = NULL, updated_at_ms = ?1,"
		" status = CASE WHEN o.status = 'pending' THEN 'expired' ELSE o.status END"
		" FROM (SELECT tenant_id, id FROM otp_requests"
		"  WHERE context_sealed IS NOT NULL AND expires_at_ms < ?1 LIMIT ?2"
		"  FOR UPDATE SKIP LOCKED) d"
		" WHERE o.tenant_id = d.tenant_id AND o.id = d.id",
};

/* Reads a row selected as OTP_COLS. */
static void otp_read(struct store_row *r, void *record)
{
	struct store_otp *o = record;

	memset(o, 0, sizeof *o);
	store_row_text(r, o->tenant_id);
	store_row_text(r, o->id);
	store_row_blob_exact(r, o->phone_hash, sizeof o->phone_hash);
	store_row_text(r, o->phone_masked);
	store_row_text(r, o->template_name);
	store_row_blob_exact(r, o->code_hash, sizeof o->code_hash);
	o->status = store_row_enum(r, &store_enum_otp_status);
	o->attempts = store_row_int(r);
	o->max_attempts = store_row_int(r);
	o->resend_count = store_row_int(r);
	store_row_blob(r, o->context_sealed, sizeof o->context_sealed, &o->context_sealed_len);
	o->expires_at_ms = store_row_int64(r);
	o->last_sent_at_ms = store_row_int64(r);
	o->created_at_ms = store_row_int64(r);
	o->updated_at_ms = store_row_int64(r);
}

enum og_err store_otp_insert(struct store_conn *c, const struct store_otp *o)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(o && o->context_sealed_len <= sizeof o->context_sealed);
	rc = store_prepare(c, &sql_insert, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_field(st, 1, o->tenant_id);
	store_bind_field(st, 2, o->id);
	store_bind_blob(st, 3, o->phone_hash, sizeof o->phone_hash);
	store_bind_field(st, 4, o->phone_masked);
	store_bind_field(st, 5, o->template_name);
	store_bind_blob(st, 6, o->code_hash, sizeof o->code_hash);
	store_bind_enum(st, 7, &store_enum_otp_status, o->status);
	store_bind_int64(st, 8, o->attempts);
	store_bind_int64(st, 9, o->max_attempts);
	store_bind_int64(st, 10, o->resend_count);
	store_bind_blob(st, 11, o->context_sealed, o->context_sealed_len);
	store_bind_int64(st, 12, o->expires_at_ms);
	store_bind_int64(st, 13, o->last_sent_at_ms);
	store_bind_int64(st, 14, o->created_at_ms);
	store_bind_int64(st, 15, o->updated_at_ms);
	return store_run_insert(st);
}

enum og_err store_otp_get(struct store_conn *c, const char *tenant_id, const char *id,
			  struct store_otp *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && id && out);
	rc = store_prepare(c, &sql_get, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, id);
	return store_fetch(st, otp_read, out);
}

enum og_err store_otp_get_any(struct store_conn *c, const char *id, struct store_otp *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(id && out);
	rc = store_prepare(c, &sql_get_any, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, id);
	return store_fetch(st, otp_read, out);
}

enum og_err store_otp_find_pending(struct store_conn *c, const char *tenant_id,
				   const unsigned char phone_hash[SECRET_HASH_LEN],
				   struct store_otp *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && phone_hash && out);
	rc = store_prepare(c, &sql_find_pending, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_blob(st, 2, phone_hash, SECRET_HASH_LEN);
	store_bind_enum(st, 3, &store_enum_otp_status, STORE_OTP_PENDING);
	return store_fetch(st, otp_read, out);
}

enum og_err store_otp_update(struct store_conn *c, const struct store_otp *o)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(o && o->context_sealed_len <= sizeof o->context_sealed);
	rc = store_prepare(c, &sql_update, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_field(st, 1, o->tenant_id);
	store_bind_field(st, 2, o->id);
	store_bind_blob(st, 3, o->code_hash, sizeof o->code_hash);
	store_bind_enum(st, 4, &store_enum_otp_status, o->status);
	store_bind_int64(st, 5, o->attempts);
	store_bind_int64(st, 6, o->resend_count);
	store_bind_blob(st, 7, o->context_sealed, o->context_sealed_len);
	store_bind_int64(st, 8, o->expires_at_ms);
	store_bind_int64(st, 9, o->last_sent_at_ms);
	store_bind_int64(st, 10, o->updated_at_ms);
	return store_run_changed(st);
}

enum og_err store_otp_purge(struct store_conn *c, const char *tenant_id, int64_t before_ms,
			    int64_t now_ms, size_t limit, size_t *n)
{
	struct store_stmt *st;
	int64_t changed = 0;
	enum og_err rc;

	assert(tenant_id && limit >= 1 && n);
	*n = 0;
	rc = store_prepare(c, &sql_purge, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_int64(st, 2, before_ms);
	store_bind_int64(st, 3, now_ms);
	store_bind_int64(st, 4, (int64_t)limit);
	rc = store_run(st, &changed);
	*n = changed > 0 ? (size_t)changed : 0;
	return rc;
}

enum og_err store_otp_wipe_contexts(struct store_conn *c, int64_t now_ms, size_t limit, size_t *n)
{
	struct store_stmt *st;
	int64_t changed = 0;
	enum og_err rc;

	assert(limit >= 1 && n);
	*n = 0;
	rc = store_prepare(c, &sql_wipe_contexts, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_int64(st, 1, now_ms);
	store_bind_int64(st, 2, (int64_t)limit);
	rc = store_run(st, &changed);
	*n = changed > 0 ? (size_t)changed : 0;
	return rc;
}
