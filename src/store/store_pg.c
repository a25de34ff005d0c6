/*
 * The PostgreSQL store driver: opening the database (creating it when the
 * server has none of that name), one libpq connection per thread, write
 * transactions, schema migrations that several nodes may start at once, and
 * the driver's ops table, which store.c registers. The operations on
 * records live in store_pg_<record>.c, and the statement helpers they share
 * (including the one conversion of SQLSTATEs) in store_pg_stmt.c.
 *
 * Transactions are READ COMMITTED. Where the domain reads a row and then
 * writes it back in one transaction (a wallet, a request, a message, an
 * idempotency record, a tenant), the read takes the row's lock (SELECT ...
 * FOR NO KEY UPDATE) and, for rows that may not exist yet, an advisory lock
 * on the row's key first, so two nodes serialise on that row exactly as
 * SQLite's single writer serialises everything. docs/SCALING.md explains.
 */
#include "store/store_pgInt.h"

#include "base/clock.h"
#include "base/log.h"
#include "store/migration.h"

#include <assert.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Generated from the .sql files in src/store/migrations/pg; ends with version 0. */
extern const struct migration store_pg_migrations[];

#define STORE_PG_MAINTENANCE_DB "postgres" /* where CREATE DATABASE is run */
#define STORE_PG_DB_NAME_MAX 64            /* NAMEDATALEN */

static const char sql_begin[] = "BEGIN";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";
static const char sql_ping[] = "SELECT 1";

/* ---- Opening and connections ------------------------------------------ */

static bool store_pg_accepts(const char *url)
{
	return url && (strncmp(url, "postgres://", 11) == 0 ||
		       strncmp(url, "postgresql://", 13) == 0);
}

/* Drops the server's NOTICEs; the session asks for warnings and up only. */
static void store_pg_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Connects to url, or to the same server's database dbname when not NULL;
 * the caller PQfinishes what it gets, even a failed connection. */
static PGconn *store_pg_connect(const char *url, const char *dbname)
{
	const char *keys[5];
	const char *values[5];
	int n = 0;

	/* expand_dbname: the first dbname is the URL; a later one overrides it. */
	keys[n] = "dbname";
	values[n++] = url;
	if (dbname) {
		keys[n] = "dbname";
		values[n++] = dbname;
	}
	keys[n] = "fallback_application_name";
	values[n++] = "otpgate";
	keys[n] = "client_encoding";
	values[n++] = "UTF8";
	keys[n] = NULL;
	values[n] = NULL;
	return PQconnectdbParams(keys, values, 1);
}

/* Copies the database name the URL names into out; false if it names none. */
static bool store_pg_url_dbname(const char *url, char out[STORE_PG_DB_NAME_MAX])
{
	PQconninfoOption *opts = PQconninfoParse(url, NULL);
	bool found = false;

	for (PQconninfoOption *o = opts; o && o->keyword; o++) {
		if (strcmp(o->keyword, "dbname") == 0 && o->val && o->val[0] &&
		    strlen(o->val) < STORE_PG_DB_NAME_MAX) {
			memcpy(out, o->val, strlen(o->val) + 1);
			found = true;
		}
	}
	PQconninfoFree(opts);
	return found;
}

/* Creates the URL's database through the server's maintenance database,
 * so `--db postgres://host/otpgate` works on a fresh server as a new
 * SQLite path does. A database made meanwhile by another node is fine. */
static enum og_err store_pg_create_db(const char *url)
{
	char name[STORE_PG_DB_NAME_MAX];
	char *quoted = NULL;
	char *sql = NULL;
	PGconn *db = NULL;
	PGresult *res = NULL;
	const char *state;
	enum og_err rc = OG_ERR_STORE;

	if (!store_pg_url_dbname(url, name))
		return OG_ERR_STORE;
	db = store_pg_connect(url, STORE_PG_MAINTENANCE_DB);
	if (PQstatus(db) != CONNECTION_OK)
		goto out;
	quoted = PQescapeIdentifier(db, name, strlen(name));
	if (!quoted)
		goto out;
	sql = malloc(strlen(quoted) + sizeof "CREATE DATABASE ");
	if (!sql) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	memcpy(sql, "CREATE DATABASE ", sizeof "CREATE DATABASE " - 1);
	memcpy(sql + sizeof "CREATE DATABASE " - 1, quoted, strlen(quoted) + 1);
	res = PQexec(db, sql);
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (PQresultStatus(res) == PGRES_COMMAND_OK || (state && strcmp(state, "42P04") == 0)) {
		rc = OG_OK;
		log_info("store.pg_database_created", "{s:s}", "database", name);
	} else {
		log_error("store.pg_create_database_failed", "{s:s, s:s}", "database", name,
			  "message", PQerrorMessage(db));
	}
out:
	PQclear(res);
	free(sql);
	PQfreemem(quoted);
	PQfinish(db);
	return rc;
}

/* Sets what every session needs; see STORE_PG_SESSION_SQL. */
static enum og_err store_pg_session(PGconn *db)
{
	PGresult *res;
	bool ok;

	PQsetNoticeProcessor(db, store_pg_notice, NULL);
	res = PQexec(db, STORE_PG_SESSION_SQL);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		log_error("store.pg_session_failed", "{s:s}", "message", PQerrorMessage(db));
	PQclear(res);
	return ok ? OG_OK : OG_ERR_STORE;
}

static enum og_err store_pg_open(const char *url, struct store **out)
{
	struct store_pg *s = NULL;
	PGconn *db = NULL;
	size_t len;
	enum og_err rc;

	assert(out);
	*out = NULL;
	if (!store_pg_accepts(url) || (len = strlen(url)) >= STORE_PG_URL_MAX)
		return OG_ERR_STORE;
	s = calloc(1, sizeof *s);
	if (!s)
		return OG_ERR_NOMEM;
	s->base.ops = &store_pg_ops;
	memcpy(s->url, url, len + 1);
	atomic_init(&s->conn_count, 0);

	/* Connect once now, so a bad URL or a server that is down fails here
	 * rather than at the first request. The URL may hold a password, so
	 * only libpq's message (which never quotes it) is logged. */
	db = store_pg_connect(s->url, NULL);
	if (PQstatus(db) != CONNECTION_OK && store_pg_create_db(s->url) == OG_OK) {
		PQfinish(db);
		db = store_pg_connect(s->url, NULL);
	}
	if (PQstatus(db) != CONNECTION_OK) {
		log_error("store.pg_open_failed", "{s:s}", "message", PQerrorMessage(db));
		rc = OG_ERR_STORE;
		goto out;
	}
	*out = &s->base;
	s = NULL;
	rc = OG_OK;
out:
	PQfinish(db);
	free(s);
	return rc;
}

static void store_pg_close(struct store *base)
{
	struct store_pg *s = (struct store_pg *)base;

	assert(base && base->ops == &store_pg_ops);
	assert(atomic_load(&s->conn_count) == 0);
	free(s);
}

static enum og_err store_pg_conn_open(struct store *base, struct store_conn **out)
{
	struct store_pg *s = (struct store_pg *)base;
	struct store_pg_conn *c;
	enum og_err rc;

	assert(base && base->ops == &store_pg_ops && out);
	c = calloc(1, sizeof *c);
	if (!c)
		return OG_ERR_NOMEM;
	c->base.ops = &store_pg_ops;
	c->base.store = base;
	c->db = store_pg_connect(s->url, NULL);
	if (PQstatus(c->db) != CONNECTION_OK) {
		log_error("store.pg_connect_failed", "{s:s}", "message", PQerrorMessage(c->db));
		rc = OG_ERR_UNAVAILABLE;
		goto out;
	}
	rc = store_pg_session(c->db);
	if (rc != OG_OK)
		goto out;
	atomic_fetch_add(&s->conn_count, 1);
	*out = &c->base;
	c = NULL;
out:
	if (c) {
		PQfinish(c->db);
		free(c);
	}
	return rc;
}

static void store_pg_conn_close(struct store_conn *base)
{
	struct store_pg_conn *c;
	struct store_pg *s;

	if (!base)
		return;
	c = store_pg__conn(base);
	s = (struct store_pg *)base->store;
	/* Closing the session rolls back an open transaction and drops its
	 * prepared statements. */
	PQfinish(c->db);
	atomic_fetch_sub(&s->conn_count, 1);
	free(c);
}

/* ---- Transactions ----------------------------------------------------- */

/* BEGIN is READ COMMITTED; the operations lock what they read to write
 * back (store_pg_<record>.c), so no transaction relies on a snapshot. */
static enum og_err store_pg_begin(struct store_conn *base)
{
	struct store_pg_conn *c = store_pg__conn(base);
	enum og_err rc;

	assert(!c->in_tx); /* transactions do not nest */
	rc = store_pg__run(c, PG_BEGIN, sql_begin, NULL, NULL);
	if (rc == OG_OK)
		c->in_tx = true;
	return rc;
}

static enum og_err store_pg_commit(struct store_conn *base)
{
	struct store_pg_conn *c = store_pg__conn(base);
	PGresult *res = NULL;
	enum og_err rc;

	assert(c->in_tx);
	rc = store_pg__exec(c, PG_COMMIT, sql_commit, NULL, &res);
	/* COMMIT ends the transaction whatever it answers. */
	c->in_tx = false;
	/* A transaction that had failed answers COMMIT with ROLLBACK. */
	if (rc == OG_OK && strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		log_warn("store.pg_commit_rolled_back", "{s:s}", "status", PQcmdStatus(res));
		rc = OG_ERR_STORE;
	}
	PQclear(res);
	return rc;
}

static void store_pg_rollback(struct store_conn *base)
{
	struct store_pg_conn *c = store_pg__conn(base);

	/* Cleanup paths call this whether or not a transaction is open. */
	if (!c->in_tx)
		return;
	(void)store_pg__run(c, PG_ROLLBACK, sql_rollback, NULL, NULL);
	c->in_tx = false;
}

static enum og_err store_pg_ping(struct store_conn *base)
{
	struct store_pg_conn *c = store_pg__conn(base);
	int64_t one = 0;

	return store_pg__ints(c, PG_PING, sql_ping, NULL, &one, NULL);
}

/* ---- Migrations ------------------------------------------------------- */

static const char sql_migrations_lock[] = "SELECT pg_advisory_xact_lock($1::int4, 0)";
static const char sql_migrations_table[] =
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version bigint PRIMARY KEY, name text NOT NULL, applied_at_ms bigint NOT NULL)";
static const char sql_migrations_version[] =
	"SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
static const char sql_migrations_record[] =
	"INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES ($1, $2, $3)";

/* Runs a one-off statement (migrations run once per process, so these are
 * not prepared); reads one integer into *out when out is not NULL. Without
 * parameters the text may hold several statements (a migration file);
 * what names it in the log. */
static enum og_err store_pg_migrate_stmt(struct store_pg_conn *c, const char *what,
					 const char *sql, const struct store_pg_params *p,
					 int64_t *out)
{
	ExecStatusType st;
	PGresult *res;
	enum og_err rc = OG_OK;

	if (p)
		res = PQexecParams(c->db, sql, p->n, NULL, p->values, p->lengths, p->formats, 0);
	else
		res = PQexec(c->db, sql);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		log_error("store.pg_migrate_failed", "{s:s, s:s}", "op", what, "message",
			  PQerrorMessage(c->db));
		rc = PQstatus(c->db) == CONNECTION_OK ? OG_ERR_STORE : OG_ERR_UNAVAILABLE;
	} else if (out) {
		struct store_pg_row r;

		store_pg__row_init(&r, res, 0);
		*out = PQntuples(res) > 0 ? store_pg__row_int64(&r) : 0;
		rc = r.rc;
	}
	PQclear(res);
	return rc;
}

/* Every pending migration runs in one transaction that first takes an
 * advisory lock, and the version is read under it, so nodes that start at
 * once apply each migration exactly once: the others wait, then find
 * nothing left to do. PostgreSQL's DDL is transactional, so a failed
 * migration leaves the schema as it was. Migration files therefore must
 * not contain BEGIN or COMMIT of their own. */
static enum og_err store_pg_migrate(struct store_conn *base, int *applied)
{
	struct store_pg_conn *c = store_pg__conn(base);
	const struct migration *m;
	struct store_pg_params p;
	int64_t current = 0;
	int newest = 0;
	int count = 0;
	enum og_err rc;

	assert(applied);
	*applied = 0;
	rc = store_pg_begin(base);
	if (rc != OG_OK)
		return rc;
	store_pg__params_init(&p);
	store_pg__param_int64(&p, STORE_PG_LOCK_MIGRATE);
	rc = store_pg_migrate_stmt(c, "lock", sql_migrations_lock, &p, NULL);
	if (rc == OG_OK)
		rc = store_pg_migrate_stmt(c, "schema_migrations", sql_migrations_table, NULL,
					   NULL);
	if (rc == OG_OK)
		rc = store_pg_migrate_stmt(c, "version", sql_migrations_version, NULL,
					   &current);
	if (rc != OG_OK)
		goto out;
	for (m = store_pg_migrations; m->version != 0; m++) {
		assert(m->version > newest); /* the table is sorted by file name */
		newest = m->version;
		if (m->version <= current)
			continue;
		/* A whole file, several statements, in the open transaction. */
		rc = store_pg_migrate_stmt(c, m->name, m->sql, NULL, NULL);
		if (rc != OG_OK)
			goto out;
		store_pg__params_init(&p);
		store_pg__param_int64(&p, m->version);
		store_pg__param_text(&p, m->name);
		store_pg__param_int64(&p, clock_now_ms());
		rc = store_pg_migrate_stmt(c, "record", sql_migrations_record, &p, NULL);
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
	rc = store_pg_commit(base);
	if (rc != OG_OK)
		goto out;
	if (count > 0)
		log_info("store.migrated", "{s:i, s:i}", "applied", count, "version", newest);
	*applied = count;
out:
	if (rc != OG_OK)
		store_pg_rollback(base);
	return rc;
}

/* ---- The ops table ---------------------------------------------------- */

/* Every member is set: tests/unit/test_store_pg_ops.c checks it against
 * the SQLite driver's table, so an operation added to one cannot be
 * missing from the other. */
const struct store_ops store_pg_ops = {
	.name = "postgres",
	.accepts = store_pg_accepts,
	.open = store_pg_open,
	.close = store_pg_close,
	.conn_open = store_pg_conn_open,
	.conn_close = store_pg_conn_close,
	.migrate = store_pg_migrate,
	.ping = store_pg_ping,
	.begin = store_pg_begin,
	.commit = store_pg_commit,
	.rollback = store_pg_rollback,
	.tenant_insert = store_pg_tenant_insert,
	.tenant_get = store_pg_tenant_get,
	.tenant_read = store_pg_tenant_read,
	.tenant_update = store_pg_tenant_update,
	.tenant_list = store_pg_tenant_list,
	.key_insert = store_pg_key_insert,
	.key_find_by_hash = store_pg_key_find_by_hash,
	.key_list = store_pg_key_list,
	.key_revoke = store_pg_key_revoke,
	.template_insert = store_pg_template_insert,
	.template_get = store_pg_template_get,
	.template_get_default = store_pg_template_get_default,
	.template_clear_default = store_pg_template_clear_default,
	.template_list = store_pg_template_list,
	.template_delete = store_pg_template_delete,
	.wallet_get = store_pg_ledger_wallet_get,
	.wallet_put = store_pg_ledger_wallet_put,
	.ledger_insert = store_pg_ledger_insert,
	.ledger_find_credit = store_pg_ledger_find_credit,
	.ledger_sums = store_pg_ledger_sums,
	.usage_add = store_pg_ledger_usage_add,
	.usage_range = store_pg_ledger_usage_range,
	.otp_insert = store_pg_otp_insert,
	.otp_get = store_pg_otp_get,
	.otp_get_any = store_pg_otp_get_any,
	.otp_find_pending = store_pg_otp_find_pending,
	.otp_update = store_pg_otp_update,
	.message_insert = store_pg_message_insert,
	.message_get = store_pg_message_get,
	.message_get_any = store_pg_message_get_any,
	.message_list = store_pg_message_list,
	.message_list_by_request = store_pg_message_list_by_request,
	.message_update = store_pg_message_update,
	.outbox_claim = store_pg_message_outbox_claim,
	.outbox_depth = store_pg_message_outbox_depth,
	.idem_get = store_pg_idem_get,
	.idem_put = store_pg_idem_put,
	.idem_delete = store_pg_idem_delete,
	.idem_expire = store_pg_idem_expire,
	.audit_insert = store_pg_audit_insert,
	.audit_list = store_pg_audit_list,
	.policy_get = store_pg_guard_policy_get,
	.policy_put = store_pg_guard_policy_put,
	.guard_send_insert = store_pg_guard_send_insert,
	.guard_send_count = store_pg_guard_send_count,
	.guard_send_stats = store_pg_guard_send_stats,
	.guard_send_verified = store_pg_guard_send_verified,
	.guard_send_prune = store_pg_guard_send_prune,
	.guard_bucket_get = store_pg_guard_bucket_get,
	.guard_bucket_put = store_pg_guard_bucket_put,
	.guard_lock_get = store_pg_guard_lock_get,
	.guard_lock_put = store_pg_guard_lock_put,
	.guard_lock_delete = store_pg_guard_lock_delete,
	.alert_insert = store_pg_alert_insert,
	.alert_find_active = store_pg_alert_find_active,
	.alert_last_lift = store_pg_alert_last_lift,
	.alert_get = store_pg_alert_get,
	.alert_list = store_pg_alert_list,
	.alert_lift = store_pg_alert_lift,
	.alert_count_active = store_pg_alert_count_active,
	.testnum_insert = store_pg_testnum_insert,
	.testnum_find = store_pg_testnum_find,
	.testnum_list = store_pg_testnum_list,
	.testnum_delete = store_pg_testnum_delete,
	.testnum_count = store_pg_testnum_count,
	.retention_get = store_pg_security_retention_get,
	.retention_put = store_pg_security_retention_put,
	.otp_purge = store_pg_security_otp_purge,
	.message_scrub = store_pg_security_message_scrub,
	.otp_wipe_contexts = store_pg_security_otp_wipe_contexts,
	.key_get = store_pg_key_get,
	.key_set_expiry = store_pg_security_key_set_expiry,
	.key_rehash = store_pg_security_key_rehash,
	.key_count_stale = store_pg_security_key_count_stale,
	.sealed_list = store_pg_security_sealed_list,
	.sealed_put = store_pg_security_sealed_put,
	.phone_hash_put = store_pg_security_phone_hash_put,
	.secret_state_get = store_pg_security_secret_state_get,
	.secret_state_put = store_pg_security_secret_state_put,
	.dlt_header_put = store_pg_dlt_header_put,
	.dlt_header_get = store_pg_dlt_header_get,
	.dlt_header_list = store_pg_dlt_header_list,
	.dlt_header_delete = store_pg_dlt_header_delete,
	.dlt_whitelist_put = store_pg_dlt_whitelist_put,
	.dlt_whitelist_list = store_pg_dlt_whitelist_list,
	.dlt_whitelist_delete = store_pg_dlt_whitelist_delete,
	.dlt_platform_get = store_pg_dlt_platform_get,
	.dlt_platform_put = store_pg_dlt_platform_put,
	.template_get_by_dlt_id = store_pg_template_get_by_dlt_id,
	.template_update = store_pg_template_update,
	.usage_route_add = store_pg_dlt_usage_route_add,
	.usage_route_range = store_pg_dlt_usage_route_range,
	.usage_month_add = store_pg_usage_month_add,
	.usage_month_sum = store_pg_usage_month_sum,
	.usage_month_lines = store_pg_usage_month_lines,
};
