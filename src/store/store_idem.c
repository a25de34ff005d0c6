/*
 * Idempotency records, keyed by (tenant_id, key): the hash of the first
 * request, whether it is still running, and the response to replay. A
 * claim reads the record and then writes it in one transaction; read
 * inside one, the key is locked first (the record may not exist yet), so
 * two requests with one key on two nodes cannot both find it free and both
 * run. Records older than a day are expired in bulk by created_at_ms,
 * which has its own index.
 */
#include "store/store_int.h"

#define IDEM_COLS                                                                        \
	"tenant_id, idem_key, request_hash, state, response_status, response_body, "     \
	"created_at_ms, locked_until_ms"

static struct store_sql sql_get = {
	.text = "SELECT " IDEM_COLS " FROM idempotency_keys WHERE tenant_id = ?1 AND idem_key = ?2",
	.flags = STORE_SQL_LOCK};
static struct store_sql sql_put = {
	.text = "INSERT INTO idempotency_keys (" IDEM_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
		" ?8) ON CONFLICT (tenant_id, idem_key) DO UPDATE SET"
		" request_hash = excluded.request_hash, state = excluded.state,"
		" response_status = excluded.response_status,"
		" response_body = excluded.response_body, created_at_ms = excluded.created_at_ms,"
		" locked_until_ms = excluded.locked_until_ms"};
static struct store_sql sql_delete = {
	.text = "DELETE FROM idempotency_keys WHERE tenant_id = ?1 AND idem_key = ?2"};
static struct store_sql sql_expire = {
	.text = "DELETE FROM idempotency_keys WHERE created_at_ms < ?1"};

/* Reads a row selected as IDEM_COLS. */
static void idem_read(struct store_row *r, void *record)
{
	struct store_idem *i = record;

	memset(i, 0, sizeof *i);
	store_row_text(r, i->tenant_id);
	store_row_text(r, i->key);
	store_row_blob_exact(r, i->request_hash, sizeof i->request_hash);
	i->state = store_row_enum(r, &store_enum_idem_state);
	i->response_status = store_row_int(r);
	store_row_text(r, i->response_body);
	i->created_at_ms = store_row_int64(r);
	i->locked_until_ms = store_row_int64(r);
}

enum og_err store_idem_get(struct store_conn *c, const char *tenant_id, const char *key,
			   struct store_idem *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && key && out);
	rc = store_lock(c, STORE_LOCK_IDEM, tenant_id, key, strlen(key));
	if (rc == OG_OK)
		rc = store_prepare(c, &sql_get, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, key);
	return store_fetch(st, idem_read, out);
}

enum og_err store_idem_put(struct store_conn *c, const struct store_idem *r)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(r);
	rc = store_prepare(c, &sql_put, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_field(st, 1, r->tenant_id);
	store_bind_field(st, 2, r->key);
	store_bind_blob(st, 3, r->request_hash, sizeof r->request_hash);
	store_bind_enum(st, 4, &store_enum_idem_state, r->state);
	store_bind_int64(st, 5, r->response_status);
	store_bind_field(st, 6, r->response_body);
	store_bind_int64(st, 7, r->created_at_ms);
	store_bind_int64(st, 8, r->locked_until_ms);
	return store_run(st, NULL);
}

enum og_err store_idem_delete(struct store_conn *c, const char *tenant_id, const char *key)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && key);
	rc = store_prepare(c, &sql_delete, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, key);
	return store_run_changed(st);
}

enum og_err store_idem_expire(struct store_conn *c, int64_t before_ms)
{
	struct store_stmt *st;
	enum og_err rc;

	rc = store_prepare(c, &sql_expire, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_int64(st, 1, before_ms);
	return store_run(st, NULL);
}
