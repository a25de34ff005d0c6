/*
 * The abuse-defence counters: the sliding-window send log, the tenant
 * token buckets and the verify-failure locks. Every statement is scoped by
 * tenant_id and every counter is keyed by a hash, so nothing here can read
 * another tenant's counts or hold a number in the clear. Inside a write
 * transaction each counter is locked before it is read, present or not, so
 * two sends on two nodes that count one window both see the other's send.
 */
#include "store/store_int.h"

static struct store_sql sql_send_insert = {
	.text = "INSERT INTO guard_sends (tenant_id, id, phone_hash, prefix_hash, ip_hash,"
		" sent_at_ms, verified) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0) ON CONFLICT DO NOTHING"};
/* One statement per key (enum store_guard_key) so each uses its own index.
 * The window is (now - window, now]: a send exactly one window old has left it. */
#define GUARD_COUNT_SQL(column)                                                  \
	{.text = "SELECT COUNT(*), COALESCE(MIN(sent_at_ms), 0) FROM guard_sends" \
		 " WHERE tenant_id = ?1 AND " column " = ?2 AND sent_at_ms > ?3"}
static struct store_sql sql_count[] = {
	[STORE_GUARD_PHONE] = GUARD_COUNT_SQL("phone_hash"),
	[STORE_GUARD_PREFIX] = GUARD_COUNT_SQL("prefix_hash"),
	[STORE_GUARD_IP] = GUARD_COUNT_SQL("ip_hash"),
};
static struct store_sql sql_stats = {
	.text = "SELECT COUNT(*), COALESCE(SUM(verified), 0) FROM guard_sends WHERE tenant_id = ?1"
		" AND prefix_hash = ?2 AND sent_at_ms >= ?3 AND sent_at_ms < ?4"};
static struct store_sql sql_verified = {
	.text = "UPDATE guard_sends SET verified = 1 WHERE tenant_id = ?1 AND phone_hash = ?2"
		" AND sent_at_ms >= ?3 AND verified = 0"};
/* The primary key picks the rows, so the statement stays within one
 * tenant (one shard under Citus). */
static struct store_sql sql_prune = {
	.text = "DELETE FROM guard_sends WHERE tenant_id = ?1 AND id IN (SELECT id FROM guard_sends"
		" WHERE tenant_id = ?1 AND sent_at_ms < ?2 ORDER BY sent_at_ms LIMIT ?3)",
	/* SKIP LOCKED: two sends pruning at once take different rows rather
	 * than the second waiting for the first to commit; pruning is best
	 * effort. */
	.dialect[STORE_DIALECT_PG] =
		"DELETE FROM guard_sends WHERE tenant_id = ?1 AND id IN (SELECT id FROM guard_sends"
		" WHERE tenant_id = ?1 AND sent_at_ms < ?2 ORDER BY sent_at_ms LIMIT ?3"
		" FOR UPDATE SKIP LOCKED)",
};
static struct store_sql sql_bucket_get = {
	.text = "SELECT rps, tokens_milli, updated_at_ms FROM guard_buckets WHERE tenant_id = ?1",
	.flags = STORE_SQL_LOCK};
static struct store_sql sql_bucket_put = {
	.text = "INSERT INTO guard_buckets (tenant_id, rps, tokens_milli, updated_at_ms)"
		" VALUES (?1, ?2, ?3, ?4) ON CONFLICT (tenant_id) DO UPDATE SET rps = excluded.rps,"
		" tokens_milli = excluded.tokens_milli, updated_at_ms = excluded.updated_at_ms"};
#define LOCK_COLS "tenant_id, phone_hash, failures, locked_until_ms, updated_at_ms"
static struct store_sql sql_lock_get = {
	.text = "SELECT " LOCK_COLS " FROM guard_verify_locks WHERE tenant_id = ?1"
		" AND phone_hash = ?2",
	.flags = STORE_SQL_LOCK};
static struct store_sql sql_lock_put = {
	.text = "INSERT INTO guard_verify_locks (" LOCK_COLS ") VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT (tenant_id, phone_hash) DO UPDATE SET failures = excluded.failures,"
		" locked_until_ms = excluded.locked_until_ms, updated_at_ms = excluded.updated_at_ms"};
static struct store_sql sql_lock_delete = {
	.text = "DELETE FROM guard_verify_locks WHERE tenant_id = ?1 AND phone_hash = ?2"};

/* ---- The send log ----------------------------------------------------- */

enum og_err store_guard_send_insert(struct store_conn *c, const struct store_guard_send *s)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(s);
	rc = store_prepare(c, &sql_send_insert, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_field(st, 1, s->tenant_id);
	store_bind_field(st, 2, s->id);
	store_bind_blob(st, 3, s->phone_hash, sizeof s->phone_hash);
	store_bind_blob(st, 4, s->prefix_hash, sizeof s->prefix_hash);
	store_bind_blob(st, 5, s->ip_hash, s->has_ip ? sizeof s->ip_hash : 0);
	store_bind_int64(st, 6, s->sent_at_ms);
	return store_run_insert(st);
}

enum og_err store_guard_send_count(struct store_conn *c, const char *tenant_id, int key,
				   const unsigned char hash[SECRET_HASH_LEN], int64_t from_ms,
				   int64_t *count, int64_t *oldest_ms)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && hash && count && oldest_ms);
	assert(key >= STORE_GUARD_PHONE && key <= STORE_GUARD_IP);
	/* Phone, prefix and address hashes never collide (guard.c tags them),
	 * and every send locks them in that order, so two sends cannot wait
	 * on each other in a cycle. */
	rc = store_lock(c, STORE_LOCK_WINDOW, tenant_id, hash, SECRET_HASH_LEN);
	if (rc == OG_OK)
		rc = store_prepare(c, &sql_count[key], &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_blob(st, 2, hash, SECRET_HASH_LEN);
	store_bind_int64(st, 3, from_ms);
	return store_ints(st, count, oldest_ms);
}

enum og_err store_guard_send_stats(struct store_conn *c, const char *tenant_id,
				   const unsigned char prefix_hash[SECRET_HASH_LEN],
				   int64_t from_ms, int64_t to_ms, int64_t *sent,
				   int64_t *verified)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && prefix_hash && sent && verified);
	rc = store_prepare(c, &sql_stats, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_blob(st, 2, prefix_hash, SECRET_HASH_LEN);
	store_bind_int64(st, 3, from_ms);
	store_bind_int64(st, 4, to_ms);
	return store_ints(st, sent, verified);
}

enum og_err store_guard_send_verified(struct store_conn *c, const char *tenant_id,
				      const unsigned char phone_hash[SECRET_HASH_LEN],
				      int64_t from_ms)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && phone_hash);
	rc = store_prepare(c, &sql_verified, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_blob(st, 2, phone_hash, SECRET_HASH_LEN);
	store_bind_int64(st, 3, from_ms);
	return store_run(st, NULL);
}

enum og_err store_guard_send_prune(struct store_conn *c, const char *tenant_id,
				   int64_t before_ms, size_t max)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && max > 0);
	rc = store_prepare(c, &sql_prune, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_int64(st, 2, before_ms);
	store_bind_int64(st, 3, (int64_t)max);
	return store_run(st, NULL);
}

/* ---- Token buckets ---------------------------------------------------- */

/* The three integers of a bucket row. */
struct guard_bucket {
	int64_t rps, tokens_milli, updated_at_ms;
};

static void bucket_read(struct store_row *r, void *record)
{
	struct guard_bucket *b = record;

	b->rps = store_row_int64(r);
	b->tokens_milli = store_row_int64(r);
	b->updated_at_ms = store_row_int64(r);
}

enum og_err store_guard_bucket_get(struct store_conn *c, const char *tenant_id, int64_t *rps,
				   int64_t *tokens_milli, int64_t *updated_at_ms)
{
	struct guard_bucket b;
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && rps && tokens_milli && updated_at_ms);
	rc = store_lock(c, STORE_LOCK_BUCKET, tenant_id, NULL, 0);
	if (rc == OG_OK)
		rc = store_prepare(c, &sql_bucket_get, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	rc = store_fetch(st, bucket_read, &b);
	if (rc != OG_OK)
		return rc;
	*rps = b.rps;
	*tokens_milli = b.tokens_milli;
	*updated_at_ms = b.updated_at_ms;
	return OG_OK;
}

enum og_err store_guard_bucket_put(struct store_conn *c, const char *tenant_id, int64_t rps,
				   int64_t tokens_milli, int64_t updated_at_ms)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && tokens_milli >= 0);
	rc = store_prepare(c, &sql_bucket_put, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_int64(st, 2, rps);
	store_bind_int64(st, 3, tokens_milli);
	store_bind_int64(st, 4, updated_at_ms);
	return store_run(st, NULL);
}

/* ---- Verify-failure locks -------------------------------------------- */

static void lock_read(struct store_row *r, void *record)
{
	struct store_verify_lock *l = record;

	memset(l, 0, sizeof *l);
	store_row_text(r, l->tenant_id);
	store_row_blob_exact(r, l->phone_hash, sizeof l->phone_hash);
	l->failures = store_row_int64(r);
	l->locked_until_ms = store_row_int64(r);
	l->updated_at_ms = store_row_int64(r);
}

enum og_err store_guard_lock_get(struct store_conn *c, const char *tenant_id,
				 const unsigned char phone_hash[SECRET_HASH_LEN],
				 struct store_verify_lock *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && phone_hash && out);
	rc = store_lock(c, STORE_LOCK_VERIFY, tenant_id, phone_hash, SECRET_HASH_LEN);
	if (rc == OG_OK)
		rc = store_prepare(c, &sql_lock_get, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_blob(st, 2, phone_hash, SECRET_HASH_LEN);
	return store_fetch(st, lock_read, out);
}

enum og_err store_guard_lock_put(struct store_conn *c, const struct store_verify_lock *l)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(l);
	rc = store_prepare(c, &sql_lock_put, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_field(st, 1, l->tenant_id);
	store_bind_blob(st, 2, l->phone_hash, sizeof l->phone_hash);
	store_bind_int64(st, 3, l->failures);
	store_bind_int64(st, 4, l->locked_until_ms);
	store_bind_int64(st, 5, l->updated_at_ms);
	return store_run(st, NULL);
}

enum og_err store_guard_lock_delete(struct store_conn *c, const char *tenant_id,
				    const unsigned char phone_hash[SECRET_HASH_LEN])
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && phone_hash);
	rc = store_prepare(c, &sql_lock_delete, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_blob(st, 2, phone_hash, SECRET_HASH_LEN);
	return store_run(st, NULL);
}
