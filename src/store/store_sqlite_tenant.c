/*
 * Tenants in the SQLite store: the platform catalogue of customers, keyed by
 * id alone. Insert and update bind the same parameters in column order, so
 * the two can never disagree about which value goes where.
 */
#include "store/store_sqliteInt.h"

#include <assert.h>
#include <string.h>

static const char *const tenant_billing_names[] = {
	[STORE_BILLING_PREPAID] = "prepaid",
	[STORE_BILLING_POSTPAID] = "postpaid",
};
static const struct store_sqlite_enum tenant_billing = {
	tenant_billing_names, sizeof tenant_billing_names / sizeof tenant_billing_names[0]};

#define TENANT_COLS                                                                        \
	"id, name, sender_header, pe_id, price_paise, billing_mode, credit_limit_paise, "  \
	"monthly_cap_sms, otp_length, otp_ttl_sec, otp_max_attempts, upstream_provider, "  \
	"upstream_url, upstream_key_sealed, suspended, created_at_ms, updated_at_ms, "    \
	"route, price_own_paise, price_shared_paise"

static const char sql_insert[] =
	"INSERT INTO tenants (" TENANT_COLS ") VALUES "
	"(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)";
static const char sql_get[] = "SELECT " TENANT_COLS " FROM tenants WHERE id = ?1";
static const char sql_update[] =
	"UPDATE tenants SET name = ?2, sender_header = ?3, pe_id = ?4, price_paise = ?5, "
	"billing_mode = ?6, credit_limit_paise = ?7, monthly_cap_sms = ?8, otp_length = ?9, "
	"otp_ttl_sec = ?10, otp_max_attempts = ?11, upstream_provider = ?12, "
	"upstream_url = ?13, upstream_key_sealed = ?14, suspended = ?15, "
	"created_at_ms = ?16, updated_at_ms = ?17, route = ?18, price_own_paise = ?19, "
	"price_shared_paise = ?20 WHERE id = ?1";
/* "" sorts before every id, so it stands for "from the start". */
static const char sql_list[] =
	"SELECT " TENANT_COLS " FROM tenants WHERE id > ?1 ORDER BY id LIMIT ?2";

/* Binds ?1..?20 in TENANT_COLS order. */
static void tenant_bind(sqlite3_stmt *st, const struct store_tenant *t)
{
	assert(t->upstream_key_sealed_len <= sizeof t->upstream_key_sealed);
	STORE_SQLITE_BIND_FIELD(st, 1, t->id);
	STORE_SQLITE_BIND_FIELD(st, 2, t->name);
	STORE_SQLITE_BIND_FIELD(st, 3, t->sender_header);
	STORE_SQLITE_BIND_FIELD(st, 4, t->pe_id);
	store_sqlite__bind_int64(st, 5, t->price_paise);
	store_sqlite__bind_enum(st, 6, &tenant_billing, t->billing_mode);
	store_sqlite__bind_int64(st, 7, t->credit_limit_paise);
	store_sqlite__bind_int64(st, 8, t->monthly_cap_sms);
	store_sqlite__bind_int64(st, 9, t->otp_length);
	store_sqlite__bind_int64(st, 10, t->otp_ttl_sec);
	store_sqlite__bind_int64(st, 11, t->otp_max_attempts);
	STORE_SQLITE_BIND_FIELD(st, 12, t->upstream_provider);
	STORE_SQLITE_BIND_FIELD(st, 13, t->upstream_url);
	store_sqlite__bind_blob(st, 14, t->upstream_key_sealed, t->upstream_key_sealed_len);
	store_sqlite__bind_int64(st, 15, t->suspended ? 1 : 0);
	store_sqlite__bind_int64(st, 16, t->created_at_ms);
	store_sqlite__bind_int64(st, 17, t->updated_at_ms);
	store_sqlite__bind_enum(st, 18, &store_sqlite__route, t->route);
	store_sqlite__bind_int64(st, 19, t->price_own_paise);
	store_sqlite__bind_int64(st, 20, t->price_shared_paise);
}

/* Reads a row selected as TENANT_COLS. */
static void tenant_read(struct store_sqlite_row *r, void *record)
{
	struct store_tenant *t = record;

	memset(t, 0, sizeof *t);
	STORE_SQLITE_ROW_TEXT(r, t->id);
	STORE_SQLITE_ROW_TEXT(r, t->name);
	STORE_SQLITE_ROW_TEXT(r, t->sender_header);
	STORE_SQLITE_ROW_TEXT(r, t->pe_id);
	t->price_paise = store_sqlite__row_int64(r);
	t->billing_mode = store_sqlite__row_enum(r, &tenant_billing);
	t->credit_limit_paise = store_sqlite__row_int64(r);
	t->monthly_cap_sms = store_sqlite__row_int64(r);
	t->otp_length = store_sqlite__row_int(r);
	t->otp_ttl_sec = store_sqlite__row_int(r);
	t->otp_max_attempts = store_sqlite__row_int(r);
	STORE_SQLITE_ROW_TEXT(r, t->upstream_provider);
	STORE_SQLITE_ROW_TEXT(r, t->upstream_url);
	store_sqlite__row_blob(r, t->upstream_key_sealed, sizeof t->upstream_key_sealed,
			       &t->upstream_key_sealed_len);
	t->suspended = store_sqlite__row_int64(r) != 0;
	t->created_at_ms = store_sqlite__row_int64(r);
	t->updated_at_ms = store_sqlite__row_int64(r);
	t->route = store_sqlite__row_enum(r, &store_sqlite__route);
	t->price_own_paise = store_sqlite__row_int64(r);
	t->price_shared_paise = store_sqlite__row_int64(r);
}

enum og_err store_sqlite_tenant_insert(struct store_conn *base, const struct store_tenant *t)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(t);
	rc = store_sqlite__prepare(c, SQ_TENANT_INSERT, sql_insert, &st);
	if (rc != OG_OK)
		goto out;
	tenant_bind(st, t);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_tenant_get(struct store_conn *base, const char *id,
				    struct store_tenant *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(id && out);
	rc = store_sqlite__prepare(c, SQ_TENANT_GET, sql_get, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, id);
	rc = store_sqlite__fetch(c, st, tenant_read, out);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_tenant_update(struct store_conn *base, const struct store_tenant *t)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(t);
	rc = store_sqlite__prepare(c, SQ_TENANT_UPDATE, sql_update, &st);
	if (rc != OG_OK)
		goto out;
	tenant_bind(st, t);
	rc = store_sqlite__step_done(c, st);
	if (rc == OG_OK)
		rc = store_sqlite__changed(c);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_tenant_list(struct store_conn *base, const char *after_id, size_t limit,
				     struct store_tenant *out, size_t *n)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	*n = 0;
	rc = store_sqlite__prepare(c, SQ_TENANT_LIST, sql_list, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, after_id ? after_id : "");
	store_sqlite__bind_int64(st, 2, (int64_t)limit);
	rc = store_sqlite__collect(c, st, tenant_read, out, sizeof *out, limit, n);
out:
	store_sqlite__reset(st);
	return rc;
}
