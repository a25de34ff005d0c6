/*
 * Tenants in the PostgreSQL store: the platform catalogue of customers,
 * keyed by id alone (a reference table under Citus). Insert and update
 * bind the same parameters in column order, so the two can never disagree
 * about which value goes where. Read inside a write transaction, a tenant
 * is locked: every send begins by reading its tenant, so one tenant's
 * sends, holds and limit checks run one after another on every node, as
 * SQLite's single writer runs them.
 */
#include "store/store_pgInt.h"

#include <assert.h>
#include <string.h>

#define TENANT_COLS                                                                        \
	"id, name, sender_header, pe_id, price_paise, billing_mode, credit_limit_paise, "  \
	"monthly_cap_sms, otp_length, otp_ttl_sec, otp_max_attempts, upstream_provider, "  \
	"upstream_url, upstream_key_sealed, suspended, created_at_ms, updated_at_ms, "    \
	"route, price_own_paise, price_shared_paise"

static const char sql_insert[] =
	"INSERT INTO tenants (" TENANT_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
	" $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) ON CONFLICT DO NOTHING";
static const char sql_get[] = "SELECT " TENANT_COLS " FROM tenants WHERE id = $1";
/* NO KEY: the lock does not block the foreign-key checks of rows that
 * reference the tenant, which the same transaction goes on to insert. */
static const char sql_get_lock[] =
	"SELECT " TENANT_COLS " FROM tenants WHERE id = $1 FOR NO KEY UPDATE";
static const char sql_update[] =
	"UPDATE tenants SET name = $2, sender_header = $3, pe_id = $4, price_paise = $5,"
	" billing_mode = $6, credit_limit_paise = $7, monthly_cap_sms = $8, otp_length = $9,"
	" otp_ttl_sec = $10, otp_max_attempts = $11, upstream_provider = $12,"
	" upstream_url = $13, upstream_key_sealed = $14, suspended = $15,"
	" created_at_ms = $16, updated_at_ms = $17, route = $18, price_own_paise = $19,"
	" price_shared_paise = $20 WHERE id = $1";
/* "" sorts before every id, so it stands for "from the start"; ids
 * compare bytewise (COLLATE "C" in the schema), as SQLite compares them. */
static const char sql_list[] = "SELECT " TENANT_COLS " FROM tenants WHERE id > $1"
			       " ORDER BY id LIMIT $2";

/* Adds $1..$20 in TENANT_COLS order. */
static void tenant_params(struct store_pg_params *p, const struct store_tenant *t)
{
	assert(t->upstream_key_sealed_len <= sizeof t->upstream_key_sealed);
	store_pg__params_init(p);
	STORE_PG_PARAM_FIELD(p, t->id);
	STORE_PG_PARAM_FIELD(p, t->name);
	STORE_PG_PARAM_FIELD(p, t->sender_header);
	STORE_PG_PARAM_FIELD(p, t->pe_id);
	store_pg__param_int64(p, t->price_paise);
	store_pg__param_enum(p, &store_pg__billing, t->billing_mode);
	store_pg__param_int64(p, t->credit_limit_paise);
	store_pg__param_int64(p, t->monthly_cap_sms);
	store_pg__param_int64(p, t->otp_length);
	store_pg__param_int64(p, t->otp_ttl_sec);
	store_pg__param_int64(p, t->otp_max_attempts);
	STORE_PG_PARAM_FIELD(p, t->upstream_provider);
	STORE_PG_PARAM_FIELD(p, t->upstream_url);
	store_pg__param_blob(p, t->upstream_key_sealed, t->upstream_key_sealed_len);
	store_pg__param_int64(p, t->suspended ? 1 : 0);
	store_pg__param_int64(p, t->created_at_ms);
	store_pg__param_int64(p, t->updated_at_ms);
	store_pg__param_enum(p, &store_pg__route, t->route);
	store_pg__param_int64(p, t->price_own_paise);
	store_pg__param_int64(p, t->price_shared_paise);
}

/* Reads a row selected as TENANT_COLS. */
static void tenant_read(struct store_pg_row *r, void *record)
{
	struct store_tenant *t = record;

	memset(t, 0, sizeof *t);
	STORE_PG_ROW_TEXT(r, t->id);
	STORE_PG_ROW_TEXT(r, t->name);
	STORE_PG_ROW_TEXT(r, t->sender_header);
	STORE_PG_ROW_TEXT(r, t->pe_id);
	t->price_paise = store_pg__row_int64(r);
	t->billing_mode = store_pg__row_enum(r, &store_pg__billing);
	t->credit_limit_paise = store_pg__row_int64(r);
	t->monthly_cap_sms = store_pg__row_int64(r);
	t->otp_length = store_pg__row_int(r);
	t->otp_ttl_sec = store_pg__row_int(r);
	t->otp_max_attempts = store_pg__row_int(r);
	STORE_PG_ROW_TEXT(r, t->upstream_provider);
	STORE_PG_ROW_TEXT(r, t->upstream_url);
	store_pg__row_blob(r, t->upstream_key_sealed, sizeof t->upstream_key_sealed,
			   &t->upstream_key_sealed_len);
	t->suspended = store_pg__row_int64(r) != 0;
	t->created_at_ms = store_pg__row_int64(r);
	t->updated_at_ms = store_pg__row_int64(r);
	t->route = store_pg__row_enum(r, &store_pg__route);
	t->price_own_paise = store_pg__row_int64(r);
	t->price_shared_paise = store_pg__row_int64(r);
}

enum og_err store_pg_tenant_insert(struct store_conn *base, const struct store_tenant *t)
{
	struct store_pg_params p;

	assert(t);
	tenant_params(&p, t);
	return store_pg__insert(store_pg__conn(base), PG_TENANT_INSERT, sql_insert, &p);
}

enum og_err store_pg_tenant_get(struct store_conn *base, const char *id,
				struct store_tenant *out)
{
	struct store_pg_conn *c = store_pg__conn(base);
	struct store_pg_params p;

	assert(id && out);
	store_pg__params_init(&p);
	store_pg__param_text(&p, id);
	if (c->in_tx)
		return store_pg__fetch(c, PG_TENANT_GET_LOCK, sql_get_lock, &p, tenant_read, out);
	return store_pg__fetch(c, PG_TENANT_GET, sql_get, &p, tenant_read, out);
}

/* No row lock even inside a transaction: every send of a tenant reads its
 * settings, and a lock held to the commit would make them queue one by one
 * (the wallet's lock, later in the send, is what serialises the money).
 * A change committed while a send runs applies from the next send, as if
 * the send had come first. */
enum og_err store_pg_tenant_read(struct store_conn *base, const char *id,
				 struct store_tenant *out)
{
	struct store_pg_params p;

	assert(id && out);
	store_pg__params_init(&p);
	store_pg__param_text(&p, id);
	return store_pg__fetch(store_pg__conn(base), PG_TENANT_GET, sql_get, &p, tenant_read, out);
}

enum og_err store_pg_tenant_update(struct store_conn *base, const struct store_tenant *t)
{
	struct store_pg_params p;

	assert(t);
	tenant_params(&p, t);
	return store_pg__run_changed(store_pg__conn(base), PG_TENANT_UPDATE, sql_update, &p);
}

enum og_err store_pg_tenant_list(struct store_conn *base, const char *after_id, size_t limit,
				 struct store_tenant *out, size_t *n)
{
	struct store_pg_params p;

	assert(limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	store_pg__params_init(&p);
	store_pg__param_text(&p, after_id ? after_id : "");
	store_pg__param_int64(&p, (int64_t)limit);
	return store_pg__collect(store_pg__conn(base), PG_TENANT_LIST, sql_list, &p, tenant_read,
				 out, sizeof *out, limit, n);
}
