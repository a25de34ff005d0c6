/*
 * The SQLite store driver: opening the database, one connection per thread,
 * write transactions and schema migrations, and the driver's ops table,
 * which store.c registers. The operations on records live in
 * store_sqlite_<record>.c, and the statement helpers they share (including
 * the one conversion of SQLite result codes) in store_sqlite_stmt.c.
 */
#include "store/store_sqliteInt.h"

#include "base/clock.h"
#include "base/log.h"
#include "store/migration.h"

#include <assert.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Generated from the .sql files in src/store/migrations/sqlite; ends with version 0. */
extern const struct migration store_sqlite_migrations[];

/* Each connection is used by one thread only, so SQLite's per-connection
 * mutex would be pure cost. URI names are allowed so "file:" URLs work. */
#define STORE_SQLITE_OPEN_FLAGS \
	(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI)

#define STORE_SQLITE_JOURNAL_MODE_MAX 16 /* "delete", "wal", ... plus NUL */

/*
 * Settings for every connection.
 * - WAL lets readers run beside the one writer, which the HTTP workers and
 *   the dispatcher need.
 * - synchronous=NORMAL under WAL syncs at checkpoints rather than at every
 *   commit. A commit is in the WAL, in the OS page cache, when COMMIT
 *   returns, so it survives the process being killed (kill -9), which is the
 *   crash otpgate must survive; only an OS crash or power loss could undo
 *   the last commits. FULL would add an fsync to every send.
 * - foreign_keys is off by default in SQLite and must be asked for.
 */
static const char store_sqlite_pragmas[] = "PRAGMA foreign_keys = ON;"
					   "PRAGMA synchronous = NORMAL;";

static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";
static const char sql_ping[] = "SELECT 1";

/* ---- Opening and connections ------------------------------------------ */

/* Returns what to hand sqlite3_open_v2 for url, or NULL if url is not ours:
 * "sqlite:PATH" (also "sqlite://PATH"), a "file:" URI, or a plain path. */
static const char *store_sqlite_url_path(const char *url)
{
	static const char scheme[] = "sqlite:";
	const char *path = url;

	if (!url)
		return NULL;
	if (strncmp(url, scheme, sizeof scheme - 1) == 0) {
		path = url + sizeof scheme - 1;
		if (strncmp(path, "//", 2) == 0)
			path += 2;
	} else if (strncmp(url, "file:", 5) != 0 && strstr(url, "://")) {
		return NULL; /* another driver's scheme */
	}
	/* An empty name would give every connection its own temporary database. */
	return path[0] ? path : NULL;
}

static bool store_sqlite_accepts(const char *url) { return store_sqlite_url_path(url) != NULL; }

static enum og_err store_sqlite_open(const char *url, struct store **out)
{
	const char *path = store_sqlite_url_path(url);
	struct store_sqlite *s = NULL;
	sqlite3 *db = NULL;
	size_t len;
	int src;
	enum og_err rc;

	assert(out);
	*out = NULL;
	if (!path) {
		rc = OG_ERR_STORE;
		goto out;
	}
	len = strlen(path);
	if (len >= STORE_SQLITE_PATH_MAX) {
		rc = OG_ERR_STORE;
		goto out;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	s->base.ops = &store_sqlite_ops;
	memcpy(s->path, path, len + 1);
	atomic_init(&s->conn_count, 0);
	rc = store_sqlite__group_init(&s->group);
	if (rc != OG_OK) {
		free(s);
		s = NULL;
		goto out;
	}

	/* Open once now, reading the header, so a bad path or a file that is
	 * not a database fails here rather than at the first request. */
	src = sqlite3_open_v2(s->path, &db, STORE_SQLITE_OPEN_FLAGS, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_exec(db, "PRAGMA schema_version", NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		store_sqlite__err(db, src, "open");
		rc = OG_ERR_STORE;
		goto out;
	}
	*out = &s->base;
	s = NULL;
	rc = OG_OK;
out:
	sqlite3_close(db);
	if (s)
		store_sqlite__group_free(&s->group);
	free(s);
	return rc;
}

static void store_sqlite_close(struct store *base)
{
	struct store_sqlite *s = (struct store_sqlite *)base;

	assert(base && base->ops == &store_sqlite_ops);
	store_sqlite__group_free(&s->group); /* closes the writer connection */
	assert(atomic_load(&s->conn_count) == 0);
	free(s);
}

/* Row callback for PRAGMA journal_mode: copies the mode it reports. */
static int store_sqlite_journal_mode_cb(void *arg, int ncol, char **values, char **names)
{
	char *mode = arg;

	(void)names;
	if (ncol >= 1 && values[0] && strlen(values[0]) < STORE_SQLITE_JOURNAL_MODE_MAX)
		memcpy(mode, values[0], strlen(values[0]) + 1);
	return 0;
}

static enum og_err store_sqlite_conn_open(struct store *base, struct store_conn **out)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	struct store_sqlite_conn *c;
	char mode[STORE_SQLITE_JOURNAL_MODE_MAX] = "";
	int src;
	enum og_err rc;

	assert(base && base->ops == &store_sqlite_ops && out);
	c = calloc(1, sizeof *c);
	if (!c)
		return OG_ERR_NOMEM;
	c->base.ops = &store_sqlite_ops;
	c->base.store = base;
	src = sqlite3_open_v2(s->path, &c->db, STORE_SQLITE_OPEN_FLAGS, NULL);
	if (src != SQLITE_OK) {
		rc = store_sqlite__err(c->db, src, "open");
		goto out;
	}
	/* Extended codes tell a broken unique key from other constraint failures. */
	sqlite3_extended_result_codes(c->db, 1);
	/* Set before anything that takes a lock, so the first statements
	 * wait for another writer instead of failing at once. */
	sqlite3_busy_timeout(c->db, STORE_SQLITE_BUSY_TIMEOUT_MS);
	src = sqlite3_exec(c->db, "PRAGMA journal_mode = WAL", store_sqlite_journal_mode_cb, mode,
			   NULL);
	if (src != SQLITE_OK) {
		rc = store_sqlite__err(c->db, src, "journal_mode");
		goto out;
	}
	/* SQLite answers with the mode in force, which is not WAL where WAL is
	 * impossible (some network file systems); the locking model assumes it. */
	if (strcmp(mode, "wal") != 0) {
		log_error("store.sqlite_no_wal", "{s:s}", "journal_mode", mode);
		rc = OG_ERR_STORE;
		goto out;
	}
	src = sqlite3_exec(c->db, store_sqlite_pragmas, NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		rc = store_sqlite__err(c->db, src, "pragmas");
		goto out;
	}
	atomic_fetch_add(&s->conn_count, 1);
	*out = &c->base;
	c = NULL;
	rc = OG_OK;
out:
	if (c) {
		sqlite3_close(c->db);
		free(c);
	}
	return rc;
}

static void store_sqlite_conn_close(struct store_conn *base)
{
	struct store_sqlite_conn *c;
	struct store_sqlite *s;

	if (!base)
		return;
	store_sqlite__txn_rollback(base); /* a transaction left open ends here */
	c = (struct store_sqlite_conn *)base; /* its own, never the writer */
	s = (struct store_sqlite *)base->store;
	for (int i = 0; i < SQ__COUNT; i++)
		sqlite3_finalize(c->stmt[i]);
	/* With every statement finalized, close cannot be refused; an open
	 * transaction is rolled back by it. */
	sqlite3_close(c->db);
	atomic_fetch_sub(&s->conn_count, 1);
	free(c);
}

/* ---- Transactions ----------------------------------------------------- */

/* Runs one of the cached statements that take no parameters and return no rows. */
static enum og_err store_sqlite_run(struct store_sqlite_conn *c, enum store_sqlite_stmt id,
				    const char *sql)
{
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	rc = store_sqlite__prepare(c, id, sql, &st);
	if (rc == OG_OK)
		rc = store_sqlite__step_done(c, st);
	store_sqlite__reset(st);
	return rc;
}

/* Plain transactions on the connection itself, for migrations only; the
 * ops table's begin/commit/rollback are the group commit of
 * store_sqlite_txn.c. IMMEDIATE takes the write lock now, so two
 * transactions that read and then write cannot both read and then fail to
 * upgrade: the second waits at BEGIN (up to the busy timeout) and then
 * reads what the first wrote. */
static enum og_err store_sqlite_begin(struct store_conn *base)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);

	assert(sqlite3_get_autocommit(c->db)); /* transactions do not nest */
	return store_sqlite_run(c, SQ_BEGIN, sql_begin);
}

static enum og_err store_sqlite_commit(struct store_conn *base)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);

	assert(!sqlite3_get_autocommit(c->db));
	return store_sqlite_run(c, SQ_COMMIT, sql_commit);
}

static void store_sqlite_rollback(struct store_conn *base)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);

	/* Cleanup paths call this whether or not a transaction is open, and
	 * SQLite may already have rolled back after an error. */
	if (sqlite3_get_autocommit(c->db))
		return;
	(void)store_sqlite_run(c, SQ_ROLLBACK, sql_rollback);
}

static enum og_err store_sqlite_ping(struct store_conn *base)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	rc = store_sqlite__prepare(c, SQ_PING, sql_ping, &st);
	if (rc == OG_OK)
		rc = store_sqlite__step_row(c, st);
	store_sqlite__reset(st);
	return rc == OG_ERR_NOT_FOUND ? OG_ERR_STORE : rc;
}

/* ---- Migrations ------------------------------------------------------- */

static const char sql_migrations_table[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL"
	") STRICT";
static const char sql_migrations_version[] =
	"SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
static const char sql_migrations_record[] =
	"INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?1, ?2, ?3)";

/* Runs a one-off statement (migrations run once per process, so these are
 * not cached); reads one integer into *out when out is not NULL. */
static enum og_err store_sqlite_migrate_stmt(struct store_sqlite_conn *c, const char *sql,
					     const struct migration *m, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int src;
	enum og_err rc;

	src = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	if (src != SQLITE_OK) {
		rc = store_sqlite__err(c->db, src, sql);
		goto out;
	}
	if (m) {
		store_sqlite__bind_int64(st, 1, m->version);
		store_sqlite__bind_text(st, 2, m->name);
		store_sqlite__bind_int64(st, 3, clock_now_ms());
	}
	if (out) {
		rc = store_sqlite__step_row(c, st);
		if (rc == OG_OK)
			*out = sqlite3_column_int64(st, 0);
	} else {
		rc = store_sqlite__step_done(c, st);
	}
out:
	sqlite3_finalize(st);
	return rc;
}

/* Every pending migration runs in one IMMEDIATE transaction, and the
 * version is read inside it, so two processes migrating at once are
 * serialised by the write lock and the second finds nothing left to do. A
 * failed migration leaves the schema as it was. Migration files therefore
 * must not contain BEGIN or COMMIT of their own. */
static enum og_err store_sqlite_migrate(struct store_conn *base, int *applied)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	const struct migration *m;
	int64_t current = 0;
	int newest = 0;
	int count = 0;
	int src;
	enum og_err rc;

	assert(applied);
	*applied = 0;
	rc = store_sqlite_begin(base);
	if (rc != OG_OK)
		return rc;
	rc = store_sqlite_migrate_stmt(c, sql_migrations_table, NULL, NULL);
	if (rc != OG_OK)
		goto out;
	rc = store_sqlite_migrate_stmt(c, sql_migrations_version, NULL, &current);
	if (rc != OG_OK)
		goto out;
	for (m = store_sqlite_migrations; m->version != 0; m++) {
		assert(m->version > newest); /* the table is sorted by file name */
		newest = m->version;
		if (m->version <= current)
			continue;
		src = sqlite3_exec(c->db, m->sql, NULL, NULL, NULL);
		if (src != SQLITE_OK) {
			rc = store_sqlite__err(c->db, src, m->name);
			goto out;
		}
		rc = store_sqlite_migrate_stmt(c, sql_migrations_record, m, NULL);
		if (rc != OG_OK)
			goto out;
		count++;
	}
	/* A schema from a newer otpgate may hold data this one would corrupt. */
	if (current > newest) {
		log_error("store.schema_too_new", "{s:I, s:i}", "version", (json_int_t)current,
			  "newest_known", newest);
		rc = OG_ERR_STORE;
		goto out;
	}
	rc = store_sqlite_commit(base);
	if (rc != OG_OK)
		goto out;
	if (count > 0)
		log_info("store.migrated", "{s:i, s:i}", "applied", count, "version", newest);
	*applied = count;
out:
	if (rc != OG_OK)
		store_sqlite_rollback(base);
	return rc;
}

/* ---- The ops table ---------------------------------------------------- */

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.accepts = store_sqlite_accepts,
	.open = store_sqlite_open,
	.close = store_sqlite_close,
	.conn_open = store_sqlite_conn_open,
	.conn_close = store_sqlite_conn_close,
	.migrate = store_sqlite_migrate,
	.ping = store_sqlite_ping,
	.begin = store_sqlite__txn_begin, /* group commit; migrate uses the plain three */
	.commit = store_sqlite__txn_commit,
	.rollback = store_sqlite__txn_rollback,
	.tenant_insert = store_sqlite_tenant_insert,
	.tenant_get = store_sqlite_tenant_get,
	.tenant_read = store_sqlite_tenant_get, /* the single writer locks nothing per row */
	.tenant_update = store_sqlite_tenant_update,
	.tenant_list = store_sqlite_tenant_list,
	.key_insert = store_sqlite_key_insert,
	.key_find_by_hash = store_sqlite_key_find_by_hash,
	.key_list = store_sqlite_key_list,
	.key_revoke = store_sqlite_key_revoke,
	.template_insert = store_sqlite_template_insert,
	.template_get = store_sqlite_template_get,
	.template_get_default = store_sqlite_template_get_default,
	.template_clear_default = store_sqlite_template_clear_default,
	.template_list = store_sqlite_template_list,
	.template_delete = store_sqlite_template_delete,
	.wallet_get = store_sqlite_ledger_wallet_get,
	.wallet_put = store_sqlite_ledger_wallet_put,
	.ledger_insert = store_sqlite_ledger_insert,
	.ledger_find_credit = store_sqlite_ledger_find_credit,
	.ledger_sums = store_sqlite_ledger_sums,
	.usage_add = store_sqlite_ledger_usage_add,
	.usage_range = store_sqlite_ledger_usage_range,
	.otp_insert = store_sqlite_otp_insert,
	.otp_get = store_sqlite_otp_get,
	.otp_find_pending = store_sqlite_otp_find_pending,
	.otp_update = store_sqlite_otp_update,
	.message_insert = store_sqlite_message_insert,
	.message_get = store_sqlite_message_get,
	.message_get_any = store_sqlite_message_get_any,
	.otp_get_any = store_sqlite_otp_get_any,
	.audit_insert = store_sqlite_audit_insert,
	.audit_list = store_sqlite_audit_list,
	.message_list = store_sqlite_message_list,
	.message_list_by_request = store_sqlite_message_list_by_request,
	.message_update = store_sqlite_message_update,
	.outbox_claim = store_sqlite_message_outbox_claim,
	.outbox_depth = store_sqlite_message_outbox_depth,
	.idem_get = store_sqlite_idem_get,
	.idem_put = store_sqlite_idem_put,
	.idem_delete = store_sqlite_idem_delete,
	.idem_expire = store_sqlite_idem_expire,
	.dlt_header_put = store_sqlite_dlt_header_put,
	.dlt_header_get = store_sqlite_dlt_header_get,
	.dlt_header_list = store_sqlite_dlt_header_list,
	.dlt_header_delete = store_sqlite_dlt_header_delete,
	.dlt_whitelist_put = store_sqlite_dlt_whitelist_put,
	.dlt_whitelist_list = store_sqlite_dlt_whitelist_list,
	.dlt_whitelist_delete = store_sqlite_dlt_whitelist_delete,
	.dlt_platform_get = store_sqlite_dlt_platform_get,
	.dlt_platform_put = store_sqlite_dlt_platform_put,
	.template_get_by_dlt_id = store_sqlite_template_get_by_dlt_id,
	.template_update = store_sqlite_template_update,
	.usage_route_add = store_sqlite_dlt_usage_route_add,
	.usage_route_range = store_sqlite_dlt_usage_route_range,
	.usage_month_add = store_sqlite_usage_month_add,
	.usage_month_sum = store_sqlite_usage_month_sum,
	.usage_month_lines = store_sqlite_usage_month_lines,
	.policy_get = store_sqlite_guard_policy_get,
	.policy_put = store_sqlite_guard_policy_put,
	.guard_send_insert = store_sqlite_guard_send_insert,
	.guard_send_count = store_sqlite_guard_send_count,
	.guard_send_stats = store_sqlite_guard_send_stats,
	.guard_send_verified = store_sqlite_guard_send_verified,
	.guard_send_prune = store_sqlite_guard_send_prune,
	.guard_bucket_get = store_sqlite_guard_bucket_get,
	.guard_bucket_put = store_sqlite_guard_bucket_put,
	.guard_lock_get = store_sqlite_guard_lock_get,
	.guard_lock_put = store_sqlite_guard_lock_put,
	.guard_lock_delete = store_sqlite_guard_lock_delete,
	.alert_insert = store_sqlite_alert_insert,
	.alert_find_active = store_sqlite_alert_find_active,
	.alert_last_lift = store_sqlite_alert_last_lift,
	.alert_get = store_sqlite_alert_get,
	.alert_list = store_sqlite_alert_list,
	.alert_lift = store_sqlite_alert_lift,
	.alert_count_active = store_sqlite_alert_count_active,
	.testnum_insert = store_sqlite_testnum_insert,
	.testnum_find = store_sqlite_testnum_find,
	.testnum_list = store_sqlite_testnum_list,
	.testnum_delete = store_sqlite_testnum_delete,
	.testnum_count = store_sqlite_testnum_count,
	.retention_get = store_sqlite_security_retention_get,
	.retention_put = store_sqlite_security_retention_put,
	.otp_purge = store_sqlite_security_otp_purge,
	.message_scrub = store_sqlite_security_message_scrub,
	.otp_wipe_contexts = store_sqlite_security_otp_wipe_contexts,
	.key_get = store_sqlite_key_get,
	.key_set_expiry = store_sqlite_security_key_set_expiry,
	.key_rehash = store_sqlite_security_key_rehash,
	.key_count_stale = store_sqlite_security_key_count_stale,
	.sealed_list = store_sqlite_security_sealed_list,
	.sealed_put = store_sqlite_security_sealed_put,
	.phone_hash_put = store_sqlite_security_phone_hash_put,
	.secret_state_get = store_sqlite_security_secret_state_get,
	.secret_state_put = store_sqlite_security_secret_state_put,
};
