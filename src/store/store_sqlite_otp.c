/*
 * OTP requests in the SQLite store, keyed by (tenant_id, id). The code and
 * the phone are kept only as keyed hashes (the phone also inside the sealed
 * context a resend needs); the phone hash, with the status and the
 * time-ordered id, forms the index that finds the newest pending request
 * for a phone.
 */
#include "store/store_sqliteInt.h"

#include <assert.h>
#include <string.h>

static const char *const otp_status_names[] = {
	[STORE_OTP_PENDING] = "pending",
	[STORE_OTP_APPROVED] = "approved",
	[STORE_OTP_EXPIRED] = "expired",
	[STORE_OTP_MAX_ATTEMPTS] = "max_attempts_reached",
	[STORE_OTP_CANCELED] = "canceled",
	[STORE_OTP_FAILED] = "failed",
};
static const struct store_sqlite_enum otp_status = {
	otp_status_names, sizeof otp_status_names / sizeof otp_status_names[0]};

#define OTP_COLS                                                                              \
	"tenant_id, id, phone_hash, phone_masked, template_name, code_hash, status, attempts, " \
	"max_attempts, resend_count, context_sealed, expires_at_ms, last_sent_at_ms, "         \
	"created_at_ms, updated_at_ms"

static const char sql_insert[] =
	"INSERT INTO otp_requests (" OTP_COLS ") VALUES "
	"(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
static const char sql_get[] =
	"SELECT " OTP_COLS " FROM otp_requests WHERE tenant_id = ?1 AND id = ?2";
static const char sql_get_any[] = "SELECT " OTP_COLS " FROM otp_requests WHERE id = ?1";
/* Ids sort by creation time, so the largest is the newest. */
static const char sql_find_pending[] =
	"SELECT " OTP_COLS " FROM otp_requests"
	" WHERE tenant_id = ?1 AND phone_hash = ?2 AND status = ?3 ORDER BY id DESC LIMIT 1";
static const char sql_update[] =
	"UPDATE otp_requests SET code_hash = ?3, status = ?4, attempts = ?5, resend_count = ?6,"
	" context_sealed = ?7, expires_at_ms = ?8, last_sent_at_ms = ?9, updated_at_ms = ?10"
	" WHERE tenant_id = ?1 AND id = ?2";

/* Reads a row selected as OTP_COLS. */
static void otp_read(struct store_sqlite_row *r, void *record)
{
	struct store_otp *o = record;

	memset(o, 0, sizeof *o);
	STORE_SQLITE_ROW_TEXT(r, o->tenant_id);
	STORE_SQLITE_ROW_TEXT(r, o->id);
	store_sqlite__row_blob_exact(r, o->phone_hash, sizeof o->phone_hash);
	STORE_SQLITE_ROW_TEXT(r, o->phone_masked);
	STORE_SQLITE_ROW_TEXT(r, o->template_name);
	store_sqlite__row_blob_exact(r, o->code_hash, sizeof o->code_hash);
	o->status = store_sqlite__row_enum(r, &otp_status);
	o->attempts = store_sqlite__row_int(r);
	o->max_attempts = store_sqlite__row_int(r);
	o->resend_count = store_sqlite__row_int(r);
	store_sqlite__row_blob(r, o->context_sealed, sizeof o->context_sealed,
			       &o->context_sealed_len);
	o->expires_at_ms = store_sqlite__row_int64(r);
	o->last_sent_at_ms = store_sqlite__row_int64(r);
	o->created_at_ms = store_sqlite__row_int64(r);
	o->updated_at_ms = store_sqlite__row_int64(r);
}

enum og_err store_sqlite_otp_insert(struct store_conn *base, const struct store_otp *o)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(o && o->context_sealed_len <= sizeof o->context_sealed);
	rc = store_sqlite__prepare(c, SQ_OTP_INSERT, sql_insert, &st);
	if (rc != OG_OK)
		goto out;
	STORE_SQLITE_BIND_FIELD(st, 1, o->tenant_id);
	STORE_SQLITE_BIND_FIELD(st, 2, o->id);
	store_sqlite__bind_blob(st, 3, o->phone_hash, sizeof o->phone_hash);
	STORE_SQLITE_BIND_FIELD(st, 4, o->phone_masked);
	STORE_SQLITE_BIND_FIELD(st, 5, o->template_name);
	store_sqlite__bind_blob(st, 6, o->code_hash, sizeof o->code_hash);
	store_sqlite__bind_enum(st, 7, &otp_status, o->status);
	store_sqlite__bind_int64(st, 8, o->attempts);
	store_sqlite__bind_int64(st, 9, o->max_attempts);
	store_sqlite__bind_int64(st, 10, o->resend_count);
	store_sqlite__bind_blob(st, 11, o->context_sealed, o->context_sealed_len);
	store_sqlite__bind_int64(st, 12, o->expires_at_ms);
	store_sqlite__bind_int64(st, 13, o->last_sent_at_ms);
	store_sqlite__bind_int64(st, 14, o->created_at_ms);
	store_sqlite__bind_int64(st, 15, o->updated_at_ms);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_otp_get(struct store_conn *base, const char *tenant_id, const char *id,
				 struct store_otp *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && id && out);
	rc = store_sqlite__prepare(c, SQ_OTP_GET, sql_get, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, id);
	rc = store_sqlite__fetch(c, st, otp_read, out);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_otp_get_any(struct store_conn *base, const char *id,
				     struct store_otp *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(id && out);
	rc = store_sqlite__prepare(c, SQ_OTP_GET_ANY, sql_get_any, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, id);
	rc = store_sqlite__fetch(c, st, otp_read, out);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_otp_find_pending(struct store_conn *base, const char *tenant_id,
					  const unsigned char phone_hash[SECRET_HASH_LEN],
					  struct store_otp *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && phone_hash && out);
	rc = store_sqlite__prepare(c, SQ_OTP_FIND_PENDING, sql_find_pending, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_blob(st, 2, phone_hash, SECRET_HASH_LEN);
	store_sqlite__bind_enum(st, 3, &otp_status, STORE_OTP_PENDING);
	rc = store_sqlite__fetch(c, st, otp_read, out);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_otp_update(struct store_conn *base, const struct store_otp *o)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(o && o->context_sealed_len <= sizeof o->context_sealed);
	rc = store_sqlite__prepare(c, SQ_OTP_UPDATE, sql_update, &st);
	if (rc != OG_OK)
		goto out;
	STORE_SQLITE_BIND_FIELD(st, 1, o->tenant_id);
	STORE_SQLITE_BIND_FIELD(st, 2, o->id);
	store_sqlite__bind_blob(st, 3, o->code_hash, sizeof o->code_hash);
	store_sqlite__bind_enum(st, 4, &otp_status, o->status);
	store_sqlite__bind_int64(st, 5, o->attempts);
	store_sqlite__bind_int64(st, 6, o->resend_count);
	store_sqlite__bind_blob(st, 7, o->context_sealed, o->context_sealed_len);
	store_sqlite__bind_int64(st, 8, o->expires_at_ms);
	store_sqlite__bind_int64(st, 9, o->last_sent_at_ms);
	store_sqlite__bind_int64(st, 10, o->updated_at_ms);
	rc = store_sqlite__step_done(c, st);
	if (rc == OG_OK)
		rc = store_sqlite__changed(c);
out:
	store_sqlite__reset(st);
	return rc;
}
