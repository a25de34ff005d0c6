/*
 * Wallets: per tenant, the cache of its ledger's sums, written in the same
 * transaction as every entry (store_ledger.c), so it always equals them.
 *
 * Atomic money: the domain reads the wallet, decides, and writes it back in
 * one transaction. Read inside one, the wallet is locked after a row lock
 * on the tenant's wallet key (which also covers a wallet with no row yet),
 * so no two transactions on any node can both read one balance and both
 * spend it.
 */
#include "store/store_int.h"

#define WALLET_COLS "tenant_id, balance_paise, held_paise, held_count, updated_at_ms"

static struct store_sql sql_get = {
	.text = "SELECT " WALLET_COLS " FROM wallets WHERE tenant_id = ?1", .flags = STORE_SQL_LOCK};
static struct store_sql sql_put = {
	.text = "INSERT INTO wallets (" WALLET_COLS ") VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT (tenant_id) DO UPDATE SET balance_paise = excluded.balance_paise,"
		" held_paise = excluded.held_paise, held_count = excluded.held_count,"
		" updated_at_ms = excluded.updated_at_ms"};

/* Reads a row selected as WALLET_COLS. */
static void wallet_read(struct store_row *r, void *record)
{
	struct store_wallet *w = record;

	memset(w, 0, sizeof *w);
	store_row_text(r, w->tenant_id);
	w->balance_paise = store_row_int64(r);
	w->held_paise = store_row_int64(r);
	w->held_count = store_row_int64(r);
	w->updated_at_ms = store_row_int64(r);
}

enum og_err store_wallet_get(struct store_conn *c, const char *tenant_id,
			     struct store_wallet *out)
{
	size_t len = tenant_id ? strlen(tenant_id) : 0;
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && out);
	rc = store_lock(c, STORE_LOCK_WALLET, tenant_id, NULL, 0);
	if (rc == OG_OK)
		rc = store_prepare(c, &sql_get, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	rc = store_fetch(st, wallet_read, out);
	if (rc != OG_ERR_NOT_FOUND)
		return rc;
	/* No entry has touched the wallet yet: every sum is zero. */
	if (len >= sizeof out->tenant_id)
		return OG_ERR_STORE;
	memset(out, 0, sizeof *out);
	memcpy(out->tenant_id, tenant_id, len + 1);
	return OG_OK;
}

enum og_err store_wallet_put(struct store_conn *c, const struct store_wallet *w)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(w);
	rc = store_prepare(c, &sql_put, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_field(st, 1, w->tenant_id);
	store_bind_int64(st, 2, w->balance_paise);
	store_bind_int64(st, 3, w->held_paise);
	store_bind_int64(st, 4, w->held_count);
	store_bind_int64(st, 5, w->updated_at_ms);
	return store_run(st, NULL);
}
