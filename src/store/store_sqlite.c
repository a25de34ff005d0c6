/*
 * The SQLite driver of the narrow SQL interface (store_sql.h): opening the
 * database, one connection per thread, statements cached per connection
 * and prepared on first use, binding without copies, and reading columns
 * with every text and blob checked against its destination. Inside a write
 * transaction every statement runs on the shared writer connection
 * (store_sqlite_txn.c), so it sees the transaction's own writes. SQLite has
 * one writer, so the row lock is a no-op and a batch simply runs its
 * statements as they come.
 */
#include "store/store_sqlite_int.h"

#include "base/log.h"

#include <assert.h>
#include <limits.h>
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
	s->base.drv = &store_sqlite_driver;
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

	assert(base);
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

enum og_err store_sqlite__conn_open(struct store *base, struct store_conn **out)
{
	struct store_sqlite *s = (struct store_sqlite *)base;
	struct store_sqlite_conn *c;
	char mode[STORE_SQLITE_JOURNAL_MODE_MAX] = "";
	int src;
	enum og_err rc;

	assert(base && out);
	c = calloc(1, sizeof *c);
	if (!c)
		return OG_ERR_NOMEM;
	c->base.drv = &store_sqlite_driver;
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

void store_sqlite__conn_close(struct store_conn *base)
{
	struct store_sqlite_conn *c = (struct store_sqlite_conn *)base;
	struct store_sqlite *s;

	if (!base)
		return;
	store_sqlite__txn_rollback(base); /* a transaction left open ends here */
	s = (struct store_sqlite *)base->store;
	for (int i = 0; i < STORE_SQL_SLOTS_MAX; i++) {
		if (c->stmt[i]) {
			sqlite3_finalize(c->stmt[i]->st);
			free(c->stmt[i]);
		}
	}
	/* With every statement finalized, close cannot be refused; an open
	 * transaction is rolled back by it. */
	sqlite3_close(c->db);
	atomic_fetch_sub(&s->conn_count, 1);
	free(c);
}

/* ---- Errors ----------------------------------------------------------- */

enum og_err store_sqlite__err(sqlite3 *db, int sqlite_rc, const char *what)
{
	enum og_err err;

	assert(sqlite_rc != SQLITE_OK && sqlite_rc != SQLITE_ROW && sqlite_rc != SQLITE_DONE);
	switch (sqlite_rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		err = OG_ERR_BUSY;
		break;
	case SQLITE_CONSTRAINT:
		/* Only a broken unique key is the caller's conflict; a failed
		 * CHECK, NOT NULL or foreign key is a bug or a damaged file. */
		if (sqlite_rc == SQLITE_CONSTRAINT_UNIQUE ||
		    sqlite_rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return OG_ERR_CONFLICT;
		err = OG_ERR_STORE;
		break;
	default:
		err = OG_ERR_STORE;
		break;
	}
	/* The message names tables and columns, never bound values. */
	log_warn("store.sqlite_error", "{s:s, s:i, s:s}", "op", what ? what : "", "sqlite_rc",
		 sqlite_rc, "message", db ? sqlite3_errmsg(db) : sqlite3_errstr(sqlite_rc));
	return err;
}

/* ---- Statements ------------------------------------------------------- */

static struct store_sqlite_stmt *sqlite_stmt(struct store_stmt *st)
{
	assert(st);
	return (struct store_sqlite_stmt *)st;
}

/* Returns c's cached statement for sql, preparing it on first use. */
static enum og_err sqlite_prepare_on(struct store_sqlite_conn *c, struct store_sql *sql,
				     struct store_sqlite_stmt **out)
{
	int slot = store_sql_slot(sql);
	struct store_sqlite_stmt *s = c->stmt[slot];
	const char *text = sql->dialect[STORE_DIALECT_SQLITE] ? sql->dialect[STORE_DIALECT_SQLITE]
							       : sql->text;
	int src;

	if (!s) {
		s = calloc(1, sizeof *s);
		if (!s)
			return OG_ERR_NOMEM;
		src = sqlite3_prepare_v3(c->db, text, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL);
		if (src != SQLITE_OK) {
			free(s);
			return store_sqlite__err(c->db, src, text);
		}
		s->base.drv = c->base.drv;
		s->conn = c;
		c->stmt[slot] = s;
	}
	*out = s;
	return OG_OK;
}

static enum og_err sqlite_prepare(struct store_conn *base, struct store_sql *sql,
				  struct store_stmt **out)
{
	struct store_sqlite_conn *own = (struct store_sqlite_conn *)base;
	/* Inside a write transaction every statement runs on the writer, so
	 * it sees the transaction's own writes. */
	struct store_sqlite_conn *c = own->txn ? own->txn : own;
	struct store_sqlite_stmt *s = NULL;
	enum og_err rc;

	assert(base && sql && out);
	rc = sqlite_prepare_on(c, sql, &s);
	if (rc != OG_OK)
		return rc;
	/* A wrapping driver (a test's fault injection) dispatches through
	 * the connection's table; statements follow it. */
	s->base.drv = base->drv;
	*out = &s->base;
	return OG_OK;
}

enum og_err store_sqlite__run(struct store_sqlite_conn *c, struct store_sql *sql)
{
	struct store_sqlite_stmt *s = NULL;
	enum og_err rc;
	int src;

	rc = sqlite_prepare_on(c, sql, &s);
	if (rc != OG_OK)
		return rc;
	src = sqlite3_step(s->st);
	assert(src != SQLITE_ROW); /* run for effect: no rows */
	rc = src == SQLITE_DONE ? OG_OK : store_sqlite__err(c->db, src, sqlite3_sql(s->st));
	sqlite3_reset(s->st);
	return rc;
}

/* Binding fails only for a wrong index or a value past SQLite's limits,
 * both bugs here: text is bound without a copy, so nothing is allocated. */
static void sqlite_bind_int64(struct store_stmt *st, int idx, int64_t v)
{
	int src = sqlite3_bind_int64(sqlite_stmt(st)->st, idx, v);

	assert(src == SQLITE_OK);
	(void)src;
}

static void sqlite_bind_text(struct store_stmt *st, int idx, const char *s)
{
	sqlite3_stmt *q = sqlite_stmt(st)->st;
	int src = s ? sqlite3_bind_text(q, idx, s, -1, SQLITE_STATIC) : sqlite3_bind_null(q, idx);

	assert(src == SQLITE_OK);
	(void)src;
}

static void sqlite_bind_blob(struct store_stmt *st, int idx, const void *p, size_t len)
{
	sqlite3_stmt *q = sqlite_stmt(st)->st;
	int src;

	assert(len <= INT_MAX);
	if (len == 0)
		src = sqlite3_bind_null(q, idx);
	else
		src = sqlite3_bind_blob(q, idx, p, (int)len, SQLITE_STATIC);
	assert(src == SQLITE_OK);
	(void)src;
}

static enum og_err sqlite_step(struct store_stmt *st)
{
	struct store_sqlite_stmt *s = sqlite_stmt(st);
	int src = sqlite3_step(s->st);

	if (src == SQLITE_ROW)
		return OG_OK;
	if (src == SQLITE_DONE)
		return OG_ERR_NOT_FOUND;
	return store_sqlite__err(s->conn->db, src, sqlite3_sql(s->st));
}

static enum og_err sqlite_column_int64(struct store_stmt *st, int col, int64_t *out)
{
	*out = sqlite3_column_int64(sqlite_stmt(st)->st, col);
	return OG_OK;
}

static enum og_err sqlite_column_text(struct store_stmt *st, int col, char *dst, size_t size)
{
	sqlite3_stmt *q = sqlite_stmt(st)->st;
	const unsigned char *text;
	int len;

	assert(size > 0);
	if (sqlite3_column_type(q, col) == SQLITE_NULL) {
		dst[0] = '\0';
		return OG_OK;
	}
	text = sqlite3_column_text(q, col);
	len = sqlite3_column_bytes(q, col);
	if (!text)
		return OG_ERR_NOMEM;
	if ((size_t)len >= size)
		return OG_ERR_STORE;
	memcpy(dst, text, (size_t)len);
	dst[len] = '\0';
	return OG_OK;
}

static enum og_err sqlite_column_blob(struct store_stmt *st, int col, unsigned char *dst,
				      size_t size, size_t *len)
{
	sqlite3_stmt *q = sqlite_stmt(st)->st;
	const void *blob = sqlite3_column_blob(q, col);
	int n = sqlite3_column_bytes(q, col);

	*len = 0;
	if ((size_t)n > size)
		return OG_ERR_STORE;
	if (n > 0) {
		if (!blob)
			return OG_ERR_NOMEM;
		memcpy(dst, blob, (size_t)n);
	}
	*len = (size_t)n;
	return OG_OK;
}

static bool sqlite_column_null(struct store_stmt *st, int col)
{
	return sqlite3_column_type(sqlite_stmt(st)->st, col) == SQLITE_NULL;
}

static const char *sqlite_column_name(struct store_stmt *st, int col)
{
	return sqlite3_column_name(sqlite_stmt(st)->st, col);
}

static int64_t sqlite_changes(struct store_stmt *st)
{
	return sqlite3_changes(sqlite_stmt(st)->conn->db);
}

static void sqlite_reset(struct store_stmt *st)
{
	sqlite3_stmt *q = sqlite_stmt(st)->st;

	/* reset repeats the last step's error, which the caller already had. */
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
}

/* ---- Transactions, locks, scripts, batches ----------------------------- */

/* SQLite has one writer at a time, and a write transaction holds its lock
 * from BEGIN IMMEDIATE on, so the transactions a row lock would order are
 * already one after the other. */
static enum og_err sqlite_lock(struct store_conn *c, enum store_lock_class cls, const char *key1,
			       const void *key2, size_t key2_len)
{
	(void)c;
	(void)cls;
	(void)key1;
	(void)key2;
	(void)key2_len;
	return OG_OK;
}

static enum og_err sqlite_exec_script(struct store_conn *base, const char *sql, const char *what)
{
	struct store_sqlite_conn *own = (struct store_sqlite_conn *)base;
	struct store_sqlite_conn *c = own->txn ? own->txn : own;
	int src = sqlite3_exec(c->db, sql, NULL, NULL, NULL);

	return src == SQLITE_OK ? OG_OK : store_sqlite__err(c->db, src, what);
}

/* The writer's group commit already gathers statements into few commits,
 * and each statement costs no round trip, so a batch has nothing to do. */
static enum og_err sqlite_batch(struct store_conn *c)
{
	(void)c;
	return OG_OK;
}

const struct store_driver store_sqlite_driver = {
	.name = "sqlite",
	.dialect = STORE_DIALECT_SQLITE,
	.migrations = store_sqlite_migrations,
	.accepts = store_sqlite_accepts,
	.open = store_sqlite_open,
	.close = store_sqlite_close,
	.conn_open = store_sqlite__conn_open,
	.conn_close = store_sqlite__conn_close,
	.begin = store_sqlite__txn_begin,
	.commit = store_sqlite__txn_commit,
	.rollback = store_sqlite__txn_rollback,
	.lock = sqlite_lock,
	.exec_script = sqlite_exec_script,
	.prepare = sqlite_prepare,
	.bind_int64 = sqlite_bind_int64,
	.bind_text = sqlite_bind_text,
	.bind_blob = sqlite_bind_blob,
	.step = sqlite_step,
	.column_int64 = sqlite_column_int64,
	.column_text = sqlite_column_text,
	.column_blob = sqlite_column_blob,
	.column_null = sqlite_column_null,
	.column_name = sqlite_column_name,
	.changes = sqlite_changes,
	.reset = sqlite_reset,
	.batch_begin = sqlite_batch,
	.batch_end = sqlite_batch,
};
