/*
 * The abuse-defence counters in the PostgreSQL store: tenant policies, the
 * sliding-window send log, the tenant token buckets and the verify-failure
 * locks. Every statement is scoped by tenant_id and every counter is keyed
 * by a hash. Inside a transaction a window is counted under an advisory
 * lock on its key, held until the send that counted it has logged itself
 * and committed, so sends of one phone, prefix or address on any node
 * count each other while sends of different ones never wait; the rows a
 * transaction reads and then replaces (a policy, a bucket, a phone's
 * failure count) are guarded by advisory locks on their keys too, since
 * they may not exist yet.
 */
#include "store/store_pgInt.h"

#include <assert.h>
#include <string.h>

/* The policy columns, in the order of enum store_policy_setting. */
#define POLICY_SETTING_COLS                                                                    \
	"per_phone_count, per_phone_window_sec, per_prefix_count, per_prefix_window_sec,"      \
	" per_ip_count, per_ip_window_sec, tenant_rps, tenant_daily,"                          \
	" verify_failures_per_phone, verify_lock_sec, test_numbers_exempt,"                    \
	" daily_spend_cap_paise, pumping_window_sec, pumping_min_sends,"                       \
	" pumping_min_conversion_pct, pumping_grace_sec"
#define POLICY_COLS "tenant_id, " POLICY_SETTING_COLS ", allowed_countries, updated_at_ms"
_Static_assert(STORE_POLICY__COUNT == 16, "POLICY_SETTING_COLS names every setting");

#define STORE_PG_COUNTRIES_TEXT_MAX (STORE_COUNTRIES_MAX * STORE_COUNTRY_CODE_MAX)

static const char sql_policy_get[] = "SELECT " POLICY_COLS
				     " FROM tenant_policies WHERE tenant_id = $1";
static const char sql_policy_get_lock[] = "SELECT " POLICY_COLS " FROM tenant_policies"
					  " WHERE tenant_id = $1 FOR NO KEY UPDATE";
static const char sql_policy_put[] =
	"INSERT INTO tenant_policies (" POLICY_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
	" $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
	" ON CONFLICT (tenant_id) DO UPDATE SET"
	" per_phone_count = excluded.per_phone_count,"
	" per_phone_window_sec = excluded.per_phone_window_sec,"
	" per_prefix_count = excluded.per_prefix_count,"
	" per_prefix_window_sec = excluded.per_prefix_window_sec,"
	" per_ip_count = excluded.per_ip_count, per_ip_window_sec = excluded.per_ip_window_sec,"
	" tenant_rps = excluded.tenant_rps, tenant_daily = excluded.tenant_daily,"
	" verify_failures_per_phone = excluded.verify_failures_per_phone,"
	" verify_lock_sec = excluded.verify_lock_sec,"
	" test_numbers_exempt = excluded.test_numbers_exempt,"
	" daily_spend_cap_paise = excluded.daily_spend_cap_paise,"
	" pumping_window_sec = excluded.pumping_window_sec,"
	" pumping_min_sends = excluded.pumping_min_sends,"
	" pumping_min_conversion_pct = excluded.pumping_min_conversion_pct,"
	" pumping_grace_sec = excluded.pumping_grace_sec,"
	" allowed_countries = excluded.allowed_countries, updated_at_ms = excluded.updated_at_ms";

static const char sql_send_insert[] =
	"INSERT INTO guard_sends (tenant_id, id, phone_hash, prefix_hash, ip_hash, sent_at_ms,"
	" verified) VALUES ($1, $2, $3, $4, $5, $6, 0) ON CONFLICT DO NOTHING";
/* One statement per key so each uses its own index. */
static const char sql_count_phone[] =
	"SELECT COUNT(*), COALESCE(MIN(sent_at_ms), 0) FROM guard_sends"
	" WHERE tenant_id = $1 AND phone_hash = $2 AND sent_at_ms > $3";
static const char sql_count_prefix[] =
	"SELECT COUNT(*), COALESCE(MIN(sent_at_ms), 0) FROM guard_sends"
	" WHERE tenant_id = $1 AND prefix_hash = $2 AND sent_at_ms > $3";
static const char sql_count_ip[] =
	"SELECT COUNT(*), COALESCE(MIN(sent_at_ms), 0) FROM guard_sends"
	" WHERE tenant_id = $1 AND ip_hash = $2 AND sent_at_ms > $3";
static const char sql_stats[] =
	"SELECT COUNT(*), COALESCE(SUM(verified), 0)::bigint FROM guard_sends"
	" WHERE tenant_id = $1 AND prefix_hash = $2 AND sent_at_ms >= $3 AND sent_at_ms < $4";
static const char sql_verified[] =
	"UPDATE guard_sends SET verified = 1"
	" WHERE tenant_id = $1 AND phone_hash = $2 AND sent_at_ms >= $3 AND verified = 0";
/* The primary key, not a physical row id, picks the rows, so the statement
 * stays within one tenant (one shard under Citus). */
/* SKIP LOCKED: two sends pruning at once take different rows rather than
 * the second waiting for the first to commit; pruning is best effort. */
static const char sql_prune[] =
	"DELETE FROM guard_sends WHERE tenant_id = $1 AND id IN (SELECT id FROM guard_sends"
	" WHERE tenant_id = $1 AND sent_at_ms < $2 ORDER BY sent_at_ms LIMIT $3"
	" FOR UPDATE SKIP LOCKED)";

static const char sql_bucket_get[] =
	"SELECT rps, tokens_milli, updated_at_ms FROM guard_buckets WHERE tenant_id = $1";
static const char sql_bucket_get_lock[] = "SELECT rps, tokens_milli, updated_at_ms"
					  " FROM guard_buckets WHERE tenant_id = $1"
					  " FOR NO KEY UPDATE";
static const char sql_bucket_put[] =
	"INSERT INTO guard_buckets (tenant_id, rps, tokens_milli, updated_at_ms)"
	" VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id) DO UPDATE SET rps = excluded.rps,"
	" tokens_milli = excluded.tokens_milli, updated_at_ms = excluded.updated_at_ms";

#define LOCK_COLS "tenant_id, phone_hash, failures, locked_until_ms, updated_at_ms"
static const char sql_lock_get[] = "SELECT " LOCK_COLS " FROM guard_verify_locks"
				   " WHERE tenant_id = $1 AND phone_hash = $2";
static const char sql_lock_get_lock[] = "SELECT " LOCK_COLS " FROM guard_verify_locks"
					" WHERE tenant_id = $1 AND phone_hash = $2"
					" FOR NO KEY UPDATE";
static const char sql_lock_put[] =
	"INSERT INTO guard_verify_locks (" LOCK_COLS ") VALUES ($1, $2, $3, $4, $5)"
	" ON CONFLICT (tenant_id, phone_hash) DO UPDATE SET failures = excluded.failures,"
	" locked_until_ms = excluded.locked_until_ms, updated_at_ms = excluded.updated_at_ms";
static const char sql_lock_delete[] =
	"DELETE FROM guard_verify_locks WHERE tenant_id = $1 AND phone_hash = $2";

/* ---- Policies -------------------------------------------------------- */

/* Writes the country list as "91,1"; the codes are digits, so no escaping. */
static void policy_countries_text(const struct store_policy *p,
				  char out[STORE_PG_COUNTRIES_TEXT_MAX])
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < p->country_count && i < STORE_COUNTRIES_MAX; i++) {
		size_t len = strnlen(p->countries[i], STORE_COUNTRY_CODE_MAX - 1);
		assert(used + len + 2 <= STORE_PG_COUNTRIES_TEXT_MAX);
		if (used > 0)
			out[used++] = ',';
		memcpy(out + used, p->countries[i], len);
		used += len;
		out[used] = '\0';
	}
}

/* Reads "91,1" back; a malformed list fails the row rather than guess. */
static void policy_countries_read(struct store_pg_row *r, struct store_policy *p)
{
	char text[STORE_PG_COUNTRIES_TEXT_MAX];
	const char *s = text;
	bool is_null = store_pg__row_is_null(r);

	STORE_PG_ROW_TEXT(r, text);
	if (r->rc != OG_OK || is_null)
		return;
	p->countries_set = true;
	while (*s) {
		size_t len = strcspn(s, ",");
		if (len == 0 || len >= STORE_COUNTRY_CODE_MAX ||
		    p->country_count == STORE_COUNTRIES_MAX) {
			r->rc = OG_ERR_STORE;
			return;
		}
		memcpy(p->countries[p->country_count], s, len);
		p->countries[p->country_count][len] = '\0';
		p->country_count++;
		s += len;
		if (*s == ',')
			s++;
	}
}

static void policy_read(struct store_pg_row *r, void *record)
{
	struct store_policy *p = record;

	memset(p, 0, sizeof *p);
	STORE_PG_ROW_TEXT(r, p->tenant_id);
	for (int i = 0; i < STORE_POLICY__COUNT; i++) {
		if (store_pg__row_is_null(r)) {
			p->values[i] = STORE_POLICY_UNSET;
			store_pg__row_skip(r);
		} else {
			p->values[i] = store_pg__row_int64(r);
		}
	}
	policy_countries_read(r, p);
	p->updated_at_ms = store_pg__row_int64(r);
}

enum og_err store_pg_guard_policy_get(struct store_conn *base, const char *tenant_id,
				      struct store_policy *out)
{
	struct store_pg_conn *c = store_pg__conn(base);
	struct store_pg_params p;
	enum og_err rc;

	assert(tenant_id && out);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	if (!c->in_tx)
		return store_pg__fetch(c, PG_POLICY_GET, sql_policy_get, &p, policy_read, out);
	rc = store_pg__row_lock(c, STORE_PG_LOCK_POLICY, tenant_id, NULL, 0);
	if (rc != OG_OK)
		return rc;
	return store_pg__fetch(c, PG_POLICY_GET_LOCK, sql_policy_get_lock, &p, policy_read, out);
}

enum og_err store_pg_guard_policy_put(struct store_conn *base, const struct store_policy *pol)
{
	char countries[STORE_PG_COUNTRIES_TEXT_MAX];
	struct store_pg_params p;

	assert(pol);
	policy_countries_text(pol, countries);
	store_pg__params_init(&p);
	STORE_PG_PARAM_FIELD(&p, pol->tenant_id);
	for (int i = 0; i < STORE_POLICY__COUNT; i++) {
		if (pol->values[i] == STORE_POLICY_UNSET)
			store_pg__param_text(&p, NULL);
		else
			store_pg__param_int64(&p, pol->values[i]);
	}
	store_pg__param_text(&p, pol->countries_set ? countries : NULL);
	store_pg__param_int64(&p, pol->updated_at_ms);
	return store_pg__run(store_pg__conn(base), PG_POLICY_PUT, sql_policy_put, &p, NULL);
}

/* ---- The send log ----------------------------------------------------- */

enum og_err store_pg_guard_send_insert(struct store_conn *base, const struct store_guard_send *s)
{
	struct store_pg_params p;

	assert(s);
	store_pg__params_init(&p);
	STORE_PG_PARAM_FIELD(&p, s->tenant_id);
	STORE_PG_PARAM_FIELD(&p, s->id);
	store_pg__param_blob(&p, s->phone_hash, sizeof s->phone_hash);
	store_pg__param_blob(&p, s->prefix_hash, sizeof s->prefix_hash);
	store_pg__param_blob(&p, s->ip_hash, s->has_ip ? sizeof s->ip_hash : 0);
	store_pg__param_int64(&p, s->sent_at_ms);
	return store_pg__insert(store_pg__conn(base), PG_GUARD_SEND_INSERT, sql_send_insert, &p);
}

enum og_err store_pg_guard_send_count(struct store_conn *base, const char *tenant_id, int key,
				      const unsigned char hash[SECRET_HASH_LEN], int64_t from_ms,
				      int64_t *count, int64_t *oldest_ms)
{
	struct store_pg_conn *c = store_pg__conn(base);
	struct store_pg_params p;
	enum og_err rc;

	assert(tenant_id && hash && count && oldest_ms);
	/* Phone, prefix and address hashes never collide (guard.c tags them),
	 * and every send locks them in that order, so two sends cannot wait
	 * on each other in a cycle. */
	rc = store_pg__row_lock(c, STORE_PG_LOCK_WINDOW, tenant_id, hash, SECRET_HASH_LEN);
	if (rc != OG_OK)
		return rc;
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_blob(&p, hash, SECRET_HASH_LEN);
	store_pg__param_int64(&p, from_ms);
	switch (key) {
	case STORE_GUARD_PHONE:
		return store_pg__ints(c, PG_GUARD_SEND_COUNT_PHONE, sql_count_phone, &p, count,
				      oldest_ms);
	case STORE_GUARD_PREFIX:
		return store_pg__ints(c, PG_GUARD_SEND_COUNT_PREFIX, sql_count_prefix, &p, count,
				      oldest_ms);
	case STORE_GUARD_IP:
		return store_pg__ints(c, PG_GUARD_SEND_COUNT_IP, sql_count_ip, &p, count,
				      oldest_ms);
	default:
		assert(!"unknown guard key");
		return OG_ERR_INTERNAL;
	}
}

enum og_err store_pg_guard_send_stats(struct store_conn *base, const char *tenant_id,
				      const unsigned char prefix_hash[SECRET_HASH_LEN],
				      int64_t from_ms, int64_t to_ms, int64_t *sent,
				      int64_t *verified)
{
	struct store_pg_params p;

	assert(tenant_id && prefix_hash && sent && verified);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_blob(&p, prefix_hash, SECRET_HASH_LEN);
	store_pg__param_int64(&p, from_ms);
	store_pg__param_int64(&p, to_ms);
	return store_pg__ints(store_pg__conn(base), PG_GUARD_SEND_STATS, sql_stats, &p, sent,
			      verified);
}

enum og_err store_pg_guard_send_verified(struct store_conn *base, const char *tenant_id,
					 const unsigned char phone_hash[SECRET_HASH_LEN],
					 int64_t from_ms)
{
	struct store_pg_params p;

	assert(tenant_id && phone_hash);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_blob(&p, phone_hash, SECRET_HASH_LEN);
	store_pg__param_int64(&p, from_ms);
	return store_pg__run(store_pg__conn(base), PG_GUARD_SEND_VERIFIED, sql_verified, &p, NULL);
}

enum og_err store_pg_guard_send_prune(struct store_conn *base, const char *tenant_id,
				      int64_t before_ms, size_t max)
{
	struct store_pg_params p;

	assert(tenant_id && max > 0);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_int64(&p, before_ms);
	store_pg__param_int64(&p, (int64_t)max);
	return store_pg__run(store_pg__conn(base), PG_GUARD_SEND_PRUNE, sql_prune, &p, NULL);
}

/* ---- Token buckets ---------------------------------------------------- */

enum og_err store_pg_guard_bucket_get(struct store_conn *base, const char *tenant_id,
				      int64_t *rps, int64_t *tokens_milli, int64_t *updated_at_ms)
{
	struct store_pg_conn *c = store_pg__conn(base);
	struct store_pg_params p;
	PGresult *res = NULL;
	struct store_pg_row r;
	enum og_err rc;

	assert(tenant_id && rps && tokens_milli && updated_at_ms);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	if (c->in_tx) {
		rc = store_pg__row_lock(c, STORE_PG_LOCK_BUCKET, tenant_id, NULL, 0);
		if (rc == OG_OK)
			rc = store_pg__exec(c, PG_GUARD_BUCKET_GET_LOCK, sql_bucket_get_lock, &p,
					    &res);
	} else {
		rc = store_pg__exec(c, PG_GUARD_BUCKET_GET, sql_bucket_get, &p, &res);
	}
	if (rc != OG_OK)
		goto out;
	if (PQntuples(res) < 1) {
		rc = OG_ERR_NOT_FOUND;
		goto out;
	}
	store_pg__row_init(&r, res, 0);
	*rps = store_pg__row_int64(&r);
	*tokens_milli = store_pg__row_int64(&r);
	*updated_at_ms = store_pg__row_int64(&r);
	rc = r.rc;
out:
	PQclear(res);
	return rc;
}

enum og_err store_pg_guard_bucket_put(struct store_conn *base, const char *tenant_id,
				      int64_t rps, int64_t tokens_milli, int64_t updated_at_ms)
{
	struct store_pg_params p;

	assert(tenant_id && tokens_milli >= 0);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_int64(&p, rps);
	store_pg__param_int64(&p, tokens_milli);
	store_pg__param_int64(&p, updated_at_ms);
	return store_pg__run(store_pg__conn(base), PG_GUARD_BUCKET_PUT, sql_bucket_put, &p, NULL);
}

/* ---- Verify-failure locks -------------------------------------------- */

static void lock_read(struct store_pg_row *r, void *record)
{
	struct store_verify_lock *l = record;

	memset(l, 0, sizeof *l);
	STORE_PG_ROW_TEXT(r, l->tenant_id);
	store_pg__row_blob_exact(r, l->phone_hash, sizeof l->phone_hash);
	l->failures = store_pg__row_int64(r);
	l->locked_until_ms = store_pg__row_int64(r);
	l->updated_at_ms = store_pg__row_int64(r);
}

enum og_err store_pg_guard_lock_get(struct store_conn *base, const char *tenant_id,
				    const unsigned char phone_hash[SECRET_HASH_LEN],
				    struct store_verify_lock *out)
{
	struct store_pg_conn *c = store_pg__conn(base);
	struct store_pg_params p;
	enum og_err rc;

	assert(tenant_id && phone_hash && out);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_blob(&p, phone_hash, SECRET_HASH_LEN);
	if (!c->in_tx)
		return store_pg__fetch(c, PG_GUARD_LOCK_GET, sql_lock_get, &p, lock_read, out);
	rc = store_pg__row_lock(c, STORE_PG_LOCK_VERIFY, tenant_id, phone_hash, SECRET_HASH_LEN);
	if (rc != OG_OK)
		return rc;
	return store_pg__fetch(c, PG_GUARD_LOCK_GET_LOCK, sql_lock_get_lock, &p, lock_read, out);
}

enum og_err store_pg_guard_lock_put(struct store_conn *base, const struct store_verify_lock *l)
{
	struct store_pg_params p;

	assert(l);
	store_pg__params_init(&p);
	STORE_PG_PARAM_FIELD(&p, l->tenant_id);
	store_pg__param_blob(&p, l->phone_hash, sizeof l->phone_hash);
	store_pg__param_int64(&p, l->failures);
	store_pg__param_int64(&p, l->locked_until_ms);
	store_pg__param_int64(&p, l->updated_at_ms);
	return store_pg__run(store_pg__conn(base), PG_GUARD_LOCK_PUT, sql_lock_put, &p, NULL);
}

enum og_err store_pg_guard_lock_delete(struct store_conn *base, const char *tenant_id,
				       const unsigned char phone_hash[SECRET_HASH_LEN])
{
	struct store_pg_params p;

	assert(tenant_id && phone_hash);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_blob(&p, phone_hash, SECRET_HASH_LEN);
	return store_pg__run(store_pg__conn(base), PG_GUARD_LOCK_DELETE, sql_lock_delete, &p, NULL);
}
