/*
 * The abuse-defence counters in the SQLite store: tenant policies (the
 * per-tenant overrides of the deployment's limits), the sliding-window send
 * log, the tenant token buckets and the verify-failure locks. Every
 * statement is scoped by tenant_id and every counter is keyed by a hash, so
 * nothing here can read another tenant's counts or hold a number in the
 * clear.
 */
#include "store/store_sqliteInt.h"

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

#define STORE_GUARD_COUNTRIES_TEXT_MAX (STORE_COUNTRIES_MAX * STORE_COUNTRY_CODE_MAX)

static const char sql_policy_get[] = "SELECT " POLICY_COLS
				     " FROM tenant_policies WHERE tenant_id = ?1";
static const char sql_policy_put[] =
	"INSERT OR REPLACE INTO tenant_policies (" POLICY_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
	" ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";

static const char sql_send_insert[] =
	"INSERT INTO guard_sends (tenant_id, id, phone_hash, prefix_hash, ip_hash, sent_at_ms,"
	" verified) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)";
/* One statement per key so each uses its own index. The window is
 * (now - window, now]: a send exactly one window old has left it. */
static const char sql_count_phone[] =
	"SELECT COUNT(*), COALESCE(MIN(sent_at_ms), 0) FROM guard_sends"
	" WHERE tenant_id = ?1 AND phone_hash = ?2 AND sent_at_ms > ?3";
static const char sql_count_prefix[] =
	"SELECT COUNT(*), COALESCE(MIN(sent_at_ms), 0) FROM guard_sends"
	" WHERE tenant_id = ?1 AND prefix_hash = ?2 AND sent_at_ms > ?3";
static const char sql_count_ip[] =
	"SELECT COUNT(*), COALESCE(MIN(sent_at_ms), 0) FROM guard_sends"
	" WHERE tenant_id = ?1 AND ip_hash = ?2 AND sent_at_ms > ?3";
static const char sql_stats[] =
	"SELECT COUNT(*), COALESCE(SUM(verified), 0) FROM guard_sends"
	" WHERE tenant_id = ?1 AND prefix_hash = ?2 AND sent_at_ms >= ?3 AND sent_at_ms < ?4";
static const char sql_verified[] =
	"UPDATE guard_sends SET verified = 1"
	" WHERE tenant_id = ?1 AND phone_hash = ?2 AND sent_at_ms >= ?3 AND verified = 0";
static const char sql_prune[] =
	"DELETE FROM guard_sends WHERE rowid IN (SELECT rowid FROM guard_sends"
	" WHERE tenant_id = ?1 AND sent_at_ms < ?2 ORDER BY sent_at_ms LIMIT ?3)";

static const char sql_bucket_get[] =
	"SELECT rps, tokens_milli, updated_at_ms FROM guard_buckets WHERE tenant_id = ?1";
static const char sql_bucket_put[] =
	"INSERT OR REPLACE INTO guard_buckets (tenant_id, rps, tokens_milli, updated_at_ms)"
	" VALUES (?1, ?2, ?3, ?4)";

static const char sql_lock_get[] =
	"SELECT tenant_id, phone_hash, failures, locked_until_ms, updated_at_ms"
	" FROM guard_verify_locks WHERE tenant_id = ?1 AND phone_hash = ?2";
static const char sql_lock_put[] =
	"INSERT OR REPLACE INTO guard_verify_locks (tenant_id, phone_hash, failures,"
	" locked_until_ms, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_lock_delete[] =
	"DELETE FROM guard_verify_locks WHERE tenant_id = ?1 AND phone_hash = ?2";

/* ---- Policies -------------------------------------------------------- */

/* Writes the country list as "91,1"; the codes are digits, so no escaping. */
static void policy_countries_text(const struct store_policy *p,
				  char out[STORE_GUARD_COUNTRIES_TEXT_MAX])
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < p->country_count && i < STORE_COUNTRIES_MAX; i++) {
		size_t len = strnlen(p->countries[i], STORE_COUNTRY_CODE_MAX - 1);
		assert(used + len + 2 <= STORE_GUARD_COUNTRIES_TEXT_MAX);
		if (used > 0)
			out[used++] = ',';
		memcpy(out + used, p->countries[i], len);
		used += len;
		out[used] = '\0';
	}
}

/* Reads "91,1" back; a malformed list fails the row rather than guess. */
static void policy_countries_read(struct store_sqlite_row *r, struct store_policy *p)
{
	char text[STORE_GUARD_COUNTRIES_TEXT_MAX];
	const char *s = text;
	bool is_null = sqlite3_column_type(r->st, r->col) == SQLITE_NULL;

	STORE_SQLITE_ROW_TEXT(r, text);
	if (r->rc != OG_OK || is_null)
		return;
	p->countries_set = true;
	while (*s) {
		size_t len = strcspn(s, ",");
		if (len == 0 || len >= STORE_COUNTRY_CODE_MAX || p->country_count == STORE_COUNTRIES_MAX) {
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

static void policy_read(struct store_sqlite_row *r, void *record)
{
	struct store_policy *p = record;

	memset(p, 0, sizeof *p);
	STORE_SQLITE_ROW_TEXT(r, p->tenant_id);
	for (int i = 0; i < STORE_POLICY__COUNT; i++) {
		if (r->rc == OG_OK && sqlite3_column_type(r->st, r->col) == SQLITE_NULL) {
			p->values[i] = STORE_POLICY_UNSET;
			r->col++;
		} else {
			p->values[i] = store_sqlite__row_int64(r);
		}
	}
	policy_countries_read(r, p);
	p->updated_at_ms = store_sqlite__row_int64(r);
}

enum og_err store_sqlite_guard_policy_get(struct store_conn *base, const char *tenant_id,
					  struct store_policy *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && out);
	rc = store_sqlite__prepare(c, SQ_POLICY_GET, sql_policy_get, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	rc = store_sqlite__fetch(c, st, policy_read, out);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_guard_policy_put(struct store_conn *base, const struct store_policy *p)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	char countries[STORE_GUARD_COUNTRIES_TEXT_MAX];
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(p);
	rc = store_sqlite__prepare(c, SQ_POLICY_PUT, sql_policy_put, &st);
	if (rc != OG_OK)
		goto out;
	policy_countries_text(p, countries);
	STORE_SQLITE_BIND_FIELD(st, 1, p->tenant_id);
	for (int i = 0; i < STORE_POLICY__COUNT; i++) {
		int idx = 2 + i;
		if (p->values[i] == STORE_POLICY_UNSET) {
			int src = sqlite3_bind_null(st, idx);
			assert(src == SQLITE_OK);
			(void)src;
		} else {
			store_sqlite__bind_int64(st, idx, p->values[i]);
		}
	}
	store_sqlite__bind_text(st, 2 + STORE_POLICY__COUNT, p->countries_set ? countries : NULL);
	store_sqlite__bind_int64(st, 3 + STORE_POLICY__COUNT, p->updated_at_ms);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

/* ---- The send log ----------------------------------------------------- */

enum og_err store_sqlite_guard_send_insert(struct store_conn *base,
					   const struct store_guard_send *s)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(s);
	rc = store_sqlite__prepare(c, SQ_GUARD_SEND_INSERT, sql_send_insert, &st);
	if (rc != OG_OK)
		goto out;
	STORE_SQLITE_BIND_FIELD(st, 1, s->tenant_id);
	STORE_SQLITE_BIND_FIELD(st, 2, s->id);
	store_sqlite__bind_blob(st, 3, s->phone_hash, sizeof s->phone_hash);
	store_sqlite__bind_blob(st, 4, s->prefix_hash, sizeof s->prefix_hash);
	store_sqlite__bind_blob(st, 5, s->ip_hash, s->has_ip ? sizeof s->ip_hash : 0);
	store_sqlite__bind_int64(st, 6, s->sent_at_ms);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

/* Runs a statement that yields one row of two integers. */
static enum og_err guard_two_ints(struct store_sqlite_conn *c, sqlite3_stmt *st, int64_t *a,
				  int64_t *b)
{
	enum og_err rc = store_sqlite__step_row(c, st);

	if (rc == OG_ERR_NOT_FOUND)
		rc = OG_ERR_STORE; /* an aggregate always yields a row */
	if (rc != OG_OK)
		return rc;
	*a = sqlite3_column_int64(st, 0);
	*b = sqlite3_column_int64(st, 1);
	return OG_OK;
}

enum og_err store_sqlite_guard_send_count(struct store_conn *base, const char *tenant_id, int key,
					  const unsigned char hash[SECRET_HASH_LEN],
					  int64_t from_ms, int64_t *count, int64_t *oldest_ms)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && hash && count && oldest_ms);
	switch (key) {
	case STORE_GUARD_PHONE:
		rc = store_sqlite__prepare(c, SQ_GUARD_SEND_COUNT_PHONE, sql_count_phone, &st);
		break;
	case STORE_GUARD_PREFIX:
		rc = store_sqlite__prepare(c, SQ_GUARD_SEND_COUNT_PREFIX, sql_count_prefix, &st);
		break;
	case STORE_GUARD_IP:
		rc = store_sqlite__prepare(c, SQ_GUARD_SEND_COUNT_IP, sql_count_ip, &st);
		break;
	default:
		assert(!"unknown guard key");
		return OG_ERR_INTERNAL;
	}
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_blob(st, 2, hash, SECRET_HASH_LEN);
	store_sqlite__bind_int64(st, 3, from_ms);
	rc = guard_two_ints(c, st, count, oldest_ms);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_guard_send_stats(struct store_conn *base, const char *tenant_id,
					  const unsigned char prefix_hash[SECRET_HASH_LEN],
					  int64_t from_ms, int64_t to_ms, int64_t *sent,
					  int64_t *verified)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && prefix_hash && sent && verified);
	rc = store_sqlite__prepare(c, SQ_GUARD_SEND_STATS, sql_stats, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_blob(st, 2, prefix_hash, SECRET_HASH_LEN);
	store_sqlite__bind_int64(st, 3, from_ms);
	store_sqlite__bind_int64(st, 4, to_ms);
	rc = guard_two_ints(c, st, sent, verified);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_guard_send_verified(struct store_conn *base, const char *tenant_id,
					     const unsigned char phone_hash[SECRET_HASH_LEN],
					     int64_t from_ms)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && phone_hash);
	rc = store_sqlite__prepare(c, SQ_GUARD_SEND_VERIFIED, sql_verified, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_blob(st, 2, phone_hash, SECRET_HASH_LEN);
	store_sqlite__bind_int64(st, 3, from_ms);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_guard_send_prune(struct store_conn *base, const char *tenant_id,
					  int64_t before_ms, size_t max)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && max > 0);
	rc = store_sqlite__prepare(c, SQ_GUARD_SEND_PRUNE, sql_prune, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_int64(st, 2, before_ms);
	store_sqlite__bind_int64(st, 3, (int64_t)max);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

/* ---- Token buckets ---------------------------------------------------- */

enum og_err store_sqlite_guard_bucket_get(struct store_conn *base, const char *tenant_id,
					  int64_t *rps, int64_t *tokens_milli,
					  int64_t *updated_at_ms)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && rps && tokens_milli && updated_at_ms);
	rc = store_sqlite__prepare(c, SQ_GUARD_BUCKET_GET, sql_bucket_get, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	rc = store_sqlite__step_row(c, st);
	if (rc != OG_OK)
		goto out;
	*rps = sqlite3_column_int64(st, 0);
	*tokens_milli = sqlite3_column_int64(st, 1);
	*updated_at_ms = sqlite3_column_int64(st, 2);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_guard_bucket_put(struct store_conn *base, const char *tenant_id,
					  int64_t rps, int64_t tokens_milli, int64_t updated_at_ms)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && tokens_milli >= 0);
	rc = store_sqlite__prepare(c, SQ_GUARD_BUCKET_PUT, sql_bucket_put, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_int64(st, 2, rps);
	store_sqlite__bind_int64(st, 3, tokens_milli);
	store_sqlite__bind_int64(st, 4, updated_at_ms);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

/* ---- Verify-failure locks -------------------------------------------- */

static void lock_read(struct store_sqlite_row *r, void *record)
{
	struct store_verify_lock *l = record;

	memset(l, 0, sizeof *l);
	STORE_SQLITE_ROW_TEXT(r, l->tenant_id);
	store_sqlite__row_blob_exact(r, l->phone_hash, sizeof l->phone_hash);
	l->failures = store_sqlite__row_int64(r);
	l->locked_until_ms = store_sqlite__row_int64(r);
	l->updated_at_ms = store_sqlite__row_int64(r);
}

enum og_err store_sqlite_guard_lock_get(struct store_conn *base, const char *tenant_id,
					const unsigned char phone_hash[SECRET_HASH_LEN],
					struct store_verify_lock *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && phone_hash && out);
	rc = store_sqlite__prepare(c, SQ_GUARD_LOCK_GET, sql_lock_get, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_blob(st, 2, phone_hash, SECRET_HASH_LEN);
	rc = store_sqlite__fetch(c, st, lock_read, out);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_guard_lock_put(struct store_conn *base, const struct store_verify_lock *l)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(l);
	rc = store_sqlite__prepare(c, SQ_GUARD_LOCK_PUT, sql_lock_put, &st);
	if (rc != OG_OK)
		goto out;
	STORE_SQLITE_BIND_FIELD(st, 1, l->tenant_id);
	store_sqlite__bind_blob(st, 2, l->phone_hash, sizeof l->phone_hash);
	store_sqlite__bind_int64(st, 3, l->failures);
	store_sqlite__bind_int64(st, 4, l->locked_until_ms);
	store_sqlite__bind_int64(st, 5, l->updated_at_ms);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_guard_lock_delete(struct store_conn *base, const char *tenant_id,
					   const unsigned char phone_hash[SECRET_HASH_LEN])
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && phone_hash);
	rc = store_sqlite__prepare(c, SQ_GUARD_LOCK_DELETE, sql_lock_delete, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_blob(st, 2, phone_hash, SECRET_HASH_LEN);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}
