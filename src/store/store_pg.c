/*
 * The PostgreSQL driver of the narrow SQL interface (store_sql.h): opening
 * the database (creating it when the server has none of that name), one
 * libpq session per thread, write transactions, row locks, and scripts for
 * migrations that several nodes may start at once; store_pg_stmt.c holds
 * its statements and batches.
 *
 * Transactions are READ COMMITTED. Where the store reads a row and then
 * writes it back in one transaction (a wallet, a request, a message, an
 * idempotency record, a tenant), the read takes the row's lock
 * (STORE_SQL_LOCK: FOR NO KEY UPDATE) and, for rows that may not exist
 * yet, an advisory lock on the row's key first (lock below), so two nodes
 * serialise on that row exactly as SQLite's single writer serialises
 * everything. docs/SCALING.md explains.
 */
#include "store/store_pg_int.h"

#include "base/log.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Generated from the .sql files in src/store/migrations/pg; ends with version 0. */
extern const struct migration store_pg_migrations[];

#define STORE_PG_MAINTENANCE_DB "postgres" /* where CREATE DATABASE is run */
#define STORE_PG_DB_NAME_MAX 64            /* NAMEDATALEN */
#define STORE_PG_SQLSTATE_LEN 5
#define STORE_PG_STATUS_MAX 32             /* a command tag such as "COMMIT" */

static struct store_sql sql_begin = {.text = "BEGIN"};
static struct store_sql sql_commit = {.text = "COMMIT"};
static struct store_sql sql_rollback = {.text = "ROLLBACK"};
/* A 64-bit hash of (class, key), so that any text and bytes fit one bigint
 * lock key and two keys practically never share a lock (a shared lock
 * would only serialise them, but could order locks in ways no caller
 * chose). The migration lock uses the two-int form, a key space of its own. */
static struct store_sql sql_row_lock = {
	.text = "SELECT pg_advisory_xact_lock(hashtextextended(?1::text || '/' || ?2::text || '/' ||"
		" encode(COALESCE(?3::bytea, ''::bytea), 'hex'), 0))"};
static struct store_sql sql_migrate_lock = {.text = "SELECT pg_advisory_xact_lock(?1::int4, 0)"};

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
	s->base.drv = &store_pg_driver;
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

	assert(base);
	assert(atomic_load(&s->conn_count) == 0);
	free(s);
}

static enum og_err store_pg_conn_open(struct store *base, struct store_conn **out)
{
	struct store_pg *s = (struct store_pg *)base;
	struct store_pg_conn *c;
	enum og_err rc;

	assert(base && out);
	c = calloc(1, sizeof *c);
	if (!c)
		return OG_ERR_NOMEM;
	c->base.drv = &store_pg_driver;
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
	c = (struct store_pg_conn *)base;
	s = (struct store_pg *)base->store;
	/* Closing the session rolls back an open transaction and drops its
	 * prepared statements. */
	PQfinish(c->db);
	for (int i = 0; i < 2 * STORE_SQL_SLOTS_MAX; i++) {
		if (c->stmt[i]) {
			PQclear(c->stmt[i]->res);
			free(c->stmt[i]);
		}
	}
	atomic_fetch_sub(&s->conn_count, 1);
	free(c);
}

/* ---- Errors ----------------------------------------------------------- */

/* SQLSTATEs that mean "try again": a serialization failure, a deadlock the
 * server broke, and a lock not granted within lock_timeout (the analogue of
 * SQLite's busy timeout). */
static const char *const store_pg_busy_states[] = {"40001", "40P01", "55P03"};

enum og_err store_pg__err(struct store_pg_conn *c, const PGresult *res, const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *message = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	enum og_err err = OG_ERR_STORE;

	if (PQstatus(c->db) != CONNECTION_OK) {
		/* The session is gone, and with it any open transaction; the
		 * next use of the connection tries one reconnect. */
		log_warn("store.pg_connection_lost", "{s:s, s:s}", "op", what ? what : "",
			 "message", PQerrorMessage(c->db));
		return OG_ERR_UNAVAILABLE;
	}
	if (state && strlen(state) == STORE_PG_SQLSTATE_LEN) {
		if (strcmp(state, "23505") == 0)
			err = OG_ERR_CONFLICT; /* a broken unique key: the caller's conflict */
		for (size_t i = 0; i < sizeof store_pg_busy_states / sizeof store_pg_busy_states[0];
		     i++) {
			if (strcmp(state, store_pg_busy_states[i]) == 0)
				err = OG_ERR_BUSY;
		}
		/* Class 08 is a connection exception; 57P0x an operator shutdown. */
		if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0)
			err = OG_ERR_UNAVAILABLE;
		/* A data exception's message may quote the value it refused. */
		if (strncmp(state, "22", 2) == 0)
			message = "(a data exception)";
	}
	/* Only the primary message: the detail of a constraint error quotes the row. */
	log_warn("store.pg_error", "{s:s, s:s, s:s}", "op", what ? what : "", "sqlstate",
		 state ? state : "", "message", message ? message : PQerrorMessage(c->db));
	return err;
}

/* After a lost connection (and outside a transaction, which died with it)
 * one reconnect is tried, and the statements are prepared again on the new
 * session as they are used. */
enum og_err store_pg__ready(struct store_pg_conn *c)
{
	if (PQstatus(c->db) == CONNECTION_OK)
		return OG_OK;
	if (c->in_tx || c->in_batch)
		return OG_ERR_UNAVAILABLE; /* the caller's rollback ends it */
	PQreset(c->db);
	store_pg__forget(c);
	if (PQstatus(c->db) != CONNECTION_OK) {
		log_warn("store.pg_reconnect_failed", "{s:s}", "message", PQerrorMessage(c->db));
		return OG_ERR_UNAVAILABLE;
	}
	if (store_pg_session(c->db) != OG_OK)
		return OG_ERR_UNAVAILABLE;
	log_info("store.pg_reconnected", "{}");
	return OG_OK;
}

/* ---- Transactions, locks, scripts ------------------------------------- */

/* BEGIN is READ COMMITTED; the record files lock what they read to write
 * back, so no transaction relies on a snapshot. */
static enum og_err store_pg_begin(struct store_conn *base)
{
	struct store_pg_conn *c = (struct store_pg_conn *)base;
	enum og_err rc;

	assert(!c->in_tx); /* transactions do not nest */
	rc = store_pg__command(c, &sql_begin, NULL, 0);
	if (rc == OG_OK)
		c->in_tx = true;
	return rc;
}

static enum og_err store_pg_commit(struct store_conn *base)
{
	struct store_pg_conn *c = (struct store_pg_conn *)base;
	char status[STORE_PG_STATUS_MAX];
	enum og_err rc;

	assert(c->in_tx);
	rc = store_pg__command(c, &sql_commit, status, sizeof status);
	/* COMMIT ends the transaction whatever it answers. */
	c->in_tx = false;
	/* A transaction that had failed answers COMMIT with ROLLBACK; in a
	 * batch the answer is read at batch_end. */
	if (rc == OG_OK && !c->in_batch && strcmp(status, "COMMIT") != 0) {
		log_warn("store.pg_commit_rolled_back", "{s:s}", "status", status);
		rc = OG_ERR_STORE;
	}
	return rc;
}

static void store_pg_rollback(struct store_conn *base)
{
	struct store_pg_conn *c = (struct store_pg_conn *)base;

	/* Cleanup paths call this whether or not a transaction is open. */
	if (!c->in_tx)
		return;
	c->in_tx = false;
	if (c->in_batch)
		return; /* batch_end ends a transaction it leaves open */
	(void)store_pg__command(c, &sql_rollback, NULL, 0);
}

static enum og_err store_pg_lock(struct store_conn *base, enum store_lock_class cls,
				 const char *key1, const void *key2, size_t key2_len)
{
	struct store_pg_conn *c = (struct store_pg_conn *)base;
	struct store_stmt *st = NULL;
	enum og_err rc;

	assert(key1);
	if (!c->in_tx)
		return OG_OK;
	if (cls == STORE_LOCK_MIGRATE) {
		rc = store_pg__prepare(base, &sql_migrate_lock, &st);
		if (rc != OG_OK)
			return rc;
		store_pg__bind_int64(st, 1, cls);
	} else {
		rc = store_pg__prepare(base, &sql_row_lock, &st);
		if (rc != OG_OK)
			return rc;
		store_pg__bind_int64(st, 1, cls);
		store_pg__bind_text(st, 2, key1);
		store_pg__bind_blob(st, 3, key2, key2_len);
	}
	do {
		rc = store_pg__step(st);
	} while (rc == OG_OK);
	store_pg__reset(st);
	return rc == OG_ERR_NOT_FOUND ? OG_OK : rc;
}

/* PostgreSQL's DDL is transactional, so a migration run in the open
 * transaction leaves the schema as it was if it fails. */
static enum og_err store_pg_exec_script(struct store_conn *base, const char *sql, const char *what)
{
	struct store_pg_conn *c = (struct store_pg_conn *)base;
	ExecStatusType st;
	PGresult *res;
	enum og_err rc = OG_OK;

	assert(!c->in_batch);
	res = PQexec(c->db, sql);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = store_pg__err(c, res, what);
	PQclear(res);
	return rc;
}

const struct store_driver store_pg_driver = {
	.name = "postgres",
	.dialect = STORE_DIALECT_PG,
	.migrations = store_pg_migrations,
	.accepts = store_pg_accepts,
	.open = store_pg_open,
	.close = store_pg_close,
	.conn_open = store_pg_conn_open,
	.conn_close = store_pg_conn_close,
	.begin = store_pg_begin,
	.commit = store_pg_commit,
	.rollback = store_pg_rollback,
	.lock = store_pg_lock,
	.exec_script = store_pg_exec_script,
	.prepare = store_pg__prepare,
	.bind_int64 = store_pg__bind_int64,
	.bind_text = store_pg__bind_text,
	.bind_blob = store_pg__bind_blob,
	.step = store_pg__step,
	.column_int64 = store_pg__column_int64,
	.column_text = store_pg__column_text,
	.column_blob = store_pg__column_blob,
	.column_null = store_pg__column_null,
	.column_name = store_pg__column_name,
	.changes = store_pg__changes,
	.reset = store_pg__reset,
	.batch_begin = store_pg__batch_begin,
	.batch_end = store_pg__batch_end,
};
