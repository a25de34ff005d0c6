/*
 * Idempotency records in the PostgreSQL store, keyed by (tenant_id, key).
 * A claim reads the record and then writes it in one transaction; read
 * inside a transaction the key is locked first (an advisory lock, since the
 * record may not exist yet), so two requests with one key on two nodes
 * cannot both find it free and both run.
 */
#include "store/store_pgInt.h"

#include <assert.h>
#include <string.h>

#define IDEM_COLS                                                                        \
	"tenant_id, idem_key, request_hash, state, response_status, response_body, "     \
	"created_at_ms, locked_until_ms"

static const char sql_get[] =
	"SELECT " IDEM_COLS " FROM idempotency_keys WHERE tenant_id = $1 AND idem_key = $2";
static const char sql_get_lock[] = "SELECT " IDEM_COLS " FROM idempotency_keys"
				   " WHERE tenant_id = $1 AND idem_key = $2 FOR NO KEY UPDATE";
static const char sql_put[] =
	"INSERT INTO idempotency_keys (" IDEM_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
	" ON CONFLICT (tenant_id, idem_key) DO UPDATE SET request_hash = excluded.request_hash,"
	" state = excluded.state, response_status = excluded.response_status,"
	" response_body = excluded.response_body, created_at_ms = excluded.created_at_ms,"
	" locked_until_ms = excluded.locked_until_ms";
static const char sql_delete[] =
	"DELETE FROM idempotency_keys WHERE tenant_id = $1 AND idem_key = $2";
static const char sql_expire[] = "DELETE FROM idempotency_keys WHERE created_at_ms < $1";

/* Reads a row selected as IDEM_COLS. */
static void idem_read(struct store_pg_row *r, void *record)
{
	struct store_idem *i = record;

	memset(i, 0, sizeof *i);
	STORE_PG_ROW_TEXT(r, i->tenant_id);
	STORE_PG_ROW_TEXT(r, i->key);
	store_pg__row_blob_exact(r, i->request_hash, sizeof i->request_hash);
	i->state = store_pg__row_enum(r, &store_pg__idem_state);
	i->response_status = store_pg__row_int(r);
	STORE_PG_ROW_TEXT(r, i->response_body);
	i->created_at_ms = store_pg__row_int64(r);
	i->locked_until_ms = store_pg__row_int64(r);
}

enum og_err store_pg_idem_get(struct store_conn *base, const char *tenant_id, const char *key,
			      struct store_idem *out)
{
	struct store_pg_conn *c = store_pg__conn(base);
	struct store_pg_params p;
	enum og_err rc;

	assert(tenant_id && key && out);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, key);
	if (!c->in_tx)
		return store_pg__fetch(c, PG_IDEM_GET, sql_get, &p, idem_read, out);
	rc = store_pg__row_lock(c, STORE_PG_LOCK_IDEM, tenant_id, key, strlen(key));
	if (rc != OG_OK)
		return rc;
	return store_pg__fetch(c, PG_IDEM_GET_LOCK, sql_get_lock, &p, idem_read, out);
}

enum og_err store_pg_idem_put(struct store_conn *base, const struct store_idem *r)
{
	struct store_pg_params p;

	assert(r);
	store_pg__params_init(&p);
	STORE_PG_PARAM_FIELD(&p, r->tenant_id);
	STORE_PG_PARAM_FIELD(&p, r->key);
	store_pg__param_blob(&p, r->request_hash, sizeof r->request_hash);
	store_pg__param_enum(&p, &store_pg__idem_state, r->state);
	store_pg__param_int64(&p, r->response_status);
	STORE_PG_PARAM_FIELD(&p, r->response_body);
	store_pg__param_int64(&p, r->created_at_ms);
	store_pg__param_int64(&p, r->locked_until_ms);
	return store_pg__run(store_pg__conn(base), PG_IDEM_PUT, sql_put, &p, NULL);
}

enum og_err store_pg_idem_delete(struct store_conn *base, const char *tenant_id,
				 const char *key)
{
	struct store_pg_params p;

	assert(tenant_id && key);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, key);
	return store_pg__run_changed(store_pg__conn(base), PG_IDEM_DELETE, sql_delete, &p);
}

enum og_err store_pg_idem_expire(struct store_conn *base, int64_t before_ms)
{
	struct store_pg_params p;

	store_pg__params_init(&p);
	store_pg__param_int64(&p, before_ms);
	return store_pg__run(store_pg__conn(base), PG_IDEM_EXPIRE, sql_expire, &p, NULL);
}
