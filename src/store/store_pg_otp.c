/*
 * OTP requests in the PostgreSQL store, keyed by (tenant_id, id). The code
 * and the phone are kept only as keyed hashes (the phone also inside the
 * sealed context a resend needs). Read inside a write transaction, a
 * request is locked (FOR NO KEY UPDATE), so a verify and a resend of one
 * request on two nodes cannot both read it and both write it back.
 */
#include "store/store_pgInt.h"

#include <assert.h>
#include <string.h>

#define OTP_COLS                                                                              \
	"tenant_id, id, phone_hash, phone_masked, template_name, code_hash, status, attempts, " \
	"max_attempts, resend_count, context_sealed, expires_at_ms, last_sent_at_ms, "         \
	"created_at_ms, updated_at_ms"

static const char sql_insert[] =
	"INSERT INTO otp_requests (" OTP_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
	" $10, $11, $12, $13, $14, $15) ON CONFLICT DO NOTHING";
static const char sql_get[] =
	"SELECT " OTP_COLS " FROM otp_requests WHERE tenant_id = $1 AND id = $2";
static const char sql_get_lock[] = "SELECT " OTP_COLS " FROM otp_requests"
				   " WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE";
static const char sql_get_any[] = "SELECT " OTP_COLS " FROM otp_requests WHERE id = $1 LIMIT 1";
/* Ids sort by creation time, so the largest is the newest. */
#define OTP_FIND_PENDING_SQL                                                                \
	"SELECT " OTP_COLS " FROM otp_requests"                                             \
	" WHERE tenant_id = $1 AND phone_hash = $2 AND status = $3 ORDER BY id DESC LIMIT 1"
static const char sql_find_pending[] = OTP_FIND_PENDING_SQL;
static const char sql_find_pending_lock[] = OTP_FIND_PENDING_SQL " FOR NO KEY UPDATE";
static const char sql_update[] =
	"UPDATE otp_requests SET code_hash = $3, status = $4, attempts = $5, resend_count = $6,"
	" context_sealed = $7, expires_at_ms = $8, last_sent_at_ms = $9, updated_at_ms = $10"
	" WHERE tenant_id = $1 AND id = $2";

/* Reads a row selected as OTP_COLS. */
static void otp_read(struct store_pg_row *r, void *record)
{
	struct store_otp *o = record;

	memset(o, 0, sizeof *o);
	STORE_PG_ROW_TEXT(r, o->tenant_id);
	STORE_PG_ROW_TEXT(r, o->id);
	store_pg__row_blob_exact(r, o->phone_hash, sizeof o->phone_hash);
	STORE_PG_ROW_TEXT(r, o->phone_masked);
	STORE_PG_ROW_TEXT(r, o->template_name);
	store_pg__row_blob_exact(r, o->code_hash, sizeof o->code_hash);
	o->status = store_pg__row_enum(r, &store_pg__otp_status);
	o->attempts = store_pg__row_int(r);
	o->max_attempts = store_pg__row_int(r);
	o->resend_count = store_pg__row_int(r);
	store_pg__row_blob(r, o->context_sealed, sizeof o->context_sealed, &o->context_sealed_len);
	o->expires_at_ms = store_pg__row_int64(r);
	o->last_sent_at_ms = store_pg__row_int64(r);
	o->created_at_ms = store_pg__row_int64(r);
	o->updated_at_ms = store_pg__row_int64(r);
}

enum og_err store_pg_otp_insert(struct store_conn *base, const struct store_otp *o)
{
	struct store_pg_params p;

	assert(o && o->context_sealed_len <= sizeof o->context_sealed);
	store_pg__params_init(&p);
	STORE_PG_PARAM_FIELD(&p, o->tenant_id);
	STORE_PG_PARAM_FIELD(&p, o->id);
	store_pg__param_blob(&p, o->phone_hash, sizeof o->phone_hash);
	STORE_PG_PARAM_FIELD(&p, o->phone_masked);
	STORE_PG_PARAM_FIELD(&p, o->template_name);
	store_pg__param_blob(&p, o->code_hash, sizeof o->code_hash);
	store_pg__param_enum(&p, &store_pg__otp_status, o->status);
	store_pg__param_int64(&p, o->attempts);
	store_pg__param_int64(&p, o->max_attempts);
	store_pg__param_int64(&p, o->resend_count);
	store_pg__param_blob(&p, o->context_sealed, o->context_sealed_len);
	store_pg__param_int64(&p, o->expires_at_ms);
	store_pg__param_int64(&p, o->last_sent_at_ms);
	store_pg__param_int64(&p, o->created_at_ms);
	store_pg__param_int64(&p, o->updated_at_ms);
	return store_pg__insert(store_pg__conn(base), PG_OTP_INSERT, sql_insert, &p);
}

enum og_err store_pg_otp_get(struct store_conn *base, const char *tenant_id, const char *id,
			     struct store_otp *out)
{
	struct store_pg_conn *c = store_pg__conn(base);
	struct store_pg_params p;

	assert(tenant_id && id && out);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, id);
	if (c->in_tx)
		return store_pg__fetch(c, PG_OTP_GET_LOCK, sql_get_lock, &p, otp_read, out);
	return store_pg__fetch(c, PG_OTP_GET, sql_get, &p, otp_read, out);
}

enum og_err store_pg_otp_get_any(struct store_conn *base, const char *id, struct store_otp *out)
{
	struct store_pg_params p;

	assert(id && out);
	store_pg__params_init(&p);
	store_pg__param_text(&p, id);
	return store_pg__fetch(store_pg__conn(base), PG_OTP_GET_ANY, sql_get_any, &p, otp_read,
			       out);
}

enum og_err store_pg_otp_find_pending(struct store_conn *base, const char *tenant_id,
				      const unsigned char phone_hash[SECRET_HASH_LEN],
				      struct store_otp *out)
{
	struct store_pg_conn *c = store_pg__conn(base);
	struct store_pg_params p;

	assert(tenant_id && phone_hash && out);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_blob(&p, phone_hash, SECRET_HASH_LEN);
	store_pg__param_enum(&p, &store_pg__otp_status, STORE_OTP_PENDING);
	if (c->in_tx)
		return store_pg__fetch(c, PG_OTP_FIND_PENDING_LOCK, sql_find_pending_lock, &p,
				       otp_read, out);
	return store_pg__fetch(c, PG_OTP_FIND_PENDING, sql_find_pending, &p, otp_read, out);
}

enum og_err store_pg_otp_update(struct store_conn *base, const struct store_otp *o)
{
	struct store_pg_params p;

	assert(o && o->context_sealed_len <= sizeof o->context_sealed);
	store_pg__params_init(&p);
	STORE_PG_PARAM_FIELD(&p, o->tenant_id);
	STORE_PG_PARAM_FIELD(&p, o->id);
	store_pg__param_blob(&p, o->code_hash, sizeof o->code_hash);
	store_pg__param_enum(&p, &store_pg__otp_status, o->status);
	store_pg__param_int64(&p, o->attempts);
	store_pg__param_int64(&p, o->resend_count);
	store_pg__param_blob(&p, o->context_sealed, o->context_sealed_len);
	store_pg__param_int64(&p, o->expires_at_ms);
	store_pg__param_int64(&p, o->last_sent_at_ms);
	store_pg__param_int64(&p, o->updated_at_ms);
	return store_pg__run_changed(store_pg__conn(base), PG_OTP_UPDATE, sql_update, &p);
}
