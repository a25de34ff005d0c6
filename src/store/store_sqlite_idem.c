/*
 * Idempotency records in the SQLite store, keyed by (tenant_id, key): the
 * hash of the first request, whether it is still running, and the response
 * to replay. Records older than a day are expired in bulk by created_at_ms,
 * which has its own index.
 */
#include "store/store_sqliteInt.h"

#include <assert.h>
#include <string.h>

static const char *const idem_state_names[] = {
	[STORE_IDEM_IN_FLIGHT] = "in_flight",
	[STORE_IDEM_DONE] = "done",
};
static const struct store_sqlite_enum idem_state = {
	idem_state_names, sizeof idem_state_names / sizeof idem_state_names[0]};

#define IDEM_COLS                                                                        \
	"tenant_id, idem_key, request_hash, state, response_status, response_body, "     \
	"created_at_ms, locked_until_ms"

static const char sql_get[] =
	"SELECT " IDEM_COLS " FROM idempotency_keys WHERE tenant_id = ?1 AND idem_key = ?2";
static const char sql_put[] =
	"INSERT INTO idempotency_keys (" IDEM_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
	" ON CONFLICT (tenant_id, idem_key) DO UPDATE SET request_hash = excluded.request_hash,"
	" state = excluded.state, response_status = excluded.response_status,"
	" response_body = excluded.response_body, created_at_ms = excluded.created_at_ms,"
	" locked_until_ms = excluded.locked_until_ms";
static const char sql_delete[] =
	"DELETE FROM idempotency_keys WHERE tenant_id = ?1 AND idem_key = ?2";
static const char sql_expire[] = "DELETE FROM idempotency_keys WHERE created_at_ms < ?1";

/* Reads a row selected as IDEM_COLS. */
static void idem_read(struct store_sqlite_row *r, void *record)
{
	struct store_idem *i = record;

	memset(i, 0, sizeof *i);
	STORE_SQLITE_ROW_TEXT(r, i->tenant_id);
	STORE_SQLITE_ROW_TEXT(r, i->key);
	store_sqlite__row_blob_exact(r, i->request_hash, sizeof i->request_hash);
	i->state = store_sqlite__row_enum(r, &idem_state);
	i->response_status = store_sqlite__row_int(r);
	STORE_SQLITE_ROW_TEXT(r, i->response_body);
	i->created_at_ms = store_sqlite__row_int64(r);
	i->locked_until_ms = store_sqlite__row_int64(r);
}

enum og_err store_sqlite_idem_get(struct store_conn *base, const char *tenant_id, const char *key,
				  struct store_idem *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && key && out);
	rc = store_sqlite__prepare(c, SQ_IDEM_GET, sql_get, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, key);
	rc = store_sqlite__fetch(c, st, idem_read, out);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_idem_put(struct store_conn *base, const struct store_idem *r)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(r);
	rc = store_sqlite__prepare(c, SQ_IDEM_PUT, sql_put, &st);
	if (rc != OG_OK)
		goto out;
	STORE_SQLITE_BIND_FIELD(st, 1, r->tenant_id);
	STORE_SQLITE_BIND_FIELD(st, 2, r->key);
	store_sqlite__bind_blob(st, 3, r->request_hash, sizeof r->request_hash);
	store_sqlite__bind_enum(st, 4, &idem_state, r->state);
	store_sqlite__bind_int64(st, 5, r->response_status);
	STORE_SQLITE_BIND_FIELD(st, 6, r->response_body);
	store_sqlite__bind_int64(st, 7, r->created_at_ms);
	store_sqlite__bind_int64(st, 8, r->locked_until_ms);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_idem_delete(struct store_conn *base, const char *tenant_id,
				     const char *key)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && key);
	rc = store_sqlite__prepare(c, SQ_IDEM_DELETE, sql_delete, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, key);
	rc = store_sqlite__step_done(c, st);
	if (rc == OG_OK)
		rc = store_sqlite__changed(c);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_idem_expire(struct store_conn *base, int64_t before_ms)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	rc = store_sqlite__prepare(c, SQ_IDEM_EXPIRE, sql_expire, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_int64(st, 1, before_ms);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}
