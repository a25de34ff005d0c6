/*
 * The statement machinery the SQLite driver's files share: converting
 * result codes (the only place that does), the per-connection cache of
 * prepared statements, stepping, binding without copies, and reading
 * columns with every text and blob checked against its destination, so
 * nothing read from the database is ever silently truncated.
 */
#include "store/store_sqliteInt.h"

#include "base/log.h"

#include <assert.h>
#include <limits.h>
#include <string.h>

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

/* ---- Statements, binding, reading ------------------------------------- */

struct store_sqlite_conn *store_sqlite__conn(struct store_conn *c)
{
	struct store_sqlite_conn *own;

	assert(c && c->ops == &store_sqlite_ops);
	own = (struct store_sqlite_conn *)c;
	/* Inside a write transaction every operation runs on the writer
	 * (store_sqlite_txn.c), so it sees the transaction's own writes. */
	return own->txn ? own->txn : own;
}

enum og_err store_sqlite__prepare(struct store_sqlite_conn *c, enum store_sqlite_stmt id,
				  const char *sql, sqlite3_stmt **out)
{
	int src;

	assert(id >= 0 && id < SQ__COUNT && sql && out);
	if (!c->stmt[id]) {
		src = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->stmt[id],
					 NULL);
		if (src != SQLITE_OK)
			return store_sqlite__err(c->db, src, sql);
		c->stmt_sql[id] = sql;
	}
	/* One id, one text: the same id used with other SQL is a bug. */
	assert(c->stmt_sql[id] == sql);
	*out = c->stmt[id];
	return OG_OK;
}

void store_sqlite__reset(sqlite3_stmt *st)
{
	if (!st)
		return;
	/* reset repeats the last step's error, which the caller already had. */
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

enum og_err store_sqlite__step_row(struct store_sqlite_conn *c, sqlite3_stmt *st)
{
	int src = sqlite3_step(st);

	if (src == SQLITE_ROW)
		return OG_OK;
	if (src == SQLITE_DONE)
		return OG_ERR_NOT_FOUND;
	return store_sqlite__err(c->db, src, sqlite3_sql(st));
}

enum og_err store_sqlite__step_done(struct store_sqlite_conn *c, sqlite3_stmt *st)
{
	int src = sqlite3_step(st);

	assert(src != SQLITE_ROW); /* a statement run for effect returns no rows */
	if (src == SQLITE_DONE)
		return OG_OK;
	return store_sqlite__err(c->db, src, sqlite3_sql(st));
}

enum og_err store_sqlite__changed(struct store_sqlite_conn *c)
{
	return sqlite3_changes(c->db) > 0 ? OG_OK : OG_ERR_NOT_FOUND;
}

enum og_err store_sqlite__fetch(struct store_sqlite_conn *c, sqlite3_stmt *st,
				store_sqlite_read_fn read, void *record)
{
	struct store_sqlite_row r;
	enum og_err rc;

	rc = store_sqlite__step_row(c, st);
	if (rc != OG_OK)
		return rc;
	store_sqlite__row_init(&r, st);
	read(&r, record);
	return r.rc;
}

enum og_err store_sqlite__collect(struct store_sqlite_conn *c, sqlite3_stmt *st,
				  store_sqlite_read_fn read, void *records, size_t record_size,
				  size_t max, size_t *n)
{
	unsigned char *next = records;
	enum og_err rc = OG_OK;
	size_t count = 0;

	while (count < max) {
		rc = store_sqlite__fetch(c, st, read, next);
		if (rc != OG_OK)
			break;
		next += record_size;
		count++;
	}
	if (rc == OG_ERR_NOT_FOUND)
		rc = OG_OK;
	*n = rc == OG_OK ? count : 0;
	return rc;
}

/* Binding fails only for a wrong index or a value past SQLite's limits,
 * both bugs here: text is bound without a copy, so nothing is allocated. */
void store_sqlite__bind_text(sqlite3_stmt *st, int idx, const char *s)
{
	int src = s ? sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, idx);
	assert(src == SQLITE_OK);
	(void)src;
}

void store_sqlite__bind_field(sqlite3_stmt *st, int idx, const char *field, size_t size)
{
	assert(memchr(field, '\0', size) != NULL);
	(void)size;
	store_sqlite__bind_text(st, idx, field);
}

void store_sqlite__bind_text_or_null(sqlite3_stmt *st, int idx, const char *s)
{
	store_sqlite__bind_text(st, idx, s && s[0] ? s : NULL);
}

void store_sqlite__bind_int64(sqlite3_stmt *st, int idx, int64_t v)
{
	int src = sqlite3_bind_int64(st, idx, v);
	assert(src == SQLITE_OK);
	(void)src;
}

void store_sqlite__bind_blob(sqlite3_stmt *st, int idx, const void *p, size_t len)
{
	int src;

	assert(len <= INT_MAX);
	if (len == 0)
		src = sqlite3_bind_null(st, idx);
	else
		src = sqlite3_bind_blob(st, idx, p, (int)len, SQLITE_STATIC);
	assert(src == SQLITE_OK);
	(void)src;
}

void store_sqlite__bind_enum(sqlite3_stmt *st, int idx, const struct store_sqlite_enum *e,
			     int value)
{
	assert(value >= 0 && value < e->count && e->names[value]);
	store_sqlite__bind_text(st, idx, e->names[value]);
}

void store_sqlite__row_init(struct store_sqlite_row *r, sqlite3_stmt *st)
{
	r->st = st;
	r->col = 0;
	r->rc = OG_OK;
}

/* Records the first failure to read a row, naming the column for the log. */
static void store_sqlite_row_fail(struct store_sqlite_row *r, const char *why)
{
	const char *col = sqlite3_column_name(r->st, r->col);

	log_warn("store.sqlite_bad_column", "{s:s, s:s}", "column", col ? col : "", "problem",
		 why);
	r->rc = OG_ERR_STORE;
}

void store_sqlite__row_text(struct store_sqlite_row *r, char *dst, size_t size)
{
	const unsigned char *text;
	int len;

	assert(size > 0);
	if (r->rc != OG_OK)
		return;
	if (sqlite3_column_type(r->st, r->col) == SQLITE_NULL) {
		dst[0] = '\0';
		r->col++;
		return;
	}
	text = sqlite3_column_text(r->st, r->col);
	len = sqlite3_column_bytes(r->st, r->col);
	if (!text) {
		store_sqlite_row_fail(r, "out of memory");
		return;
	}
	if ((size_t)len >= size) {
		store_sqlite_row_fail(r, "text longer than its field");
		return;
	}
	memcpy(dst, text, (size_t)len);
	dst[len] = '\0';
	r->col++;
}

void store_sqlite__row_blob(struct store_sqlite_row *r, unsigned char *dst, size_t size,
			    size_t *len)
{
	const void *blob;
	int n;

	*len = 0;
	if (r->rc != OG_OK)
		return;
	blob = sqlite3_column_blob(r->st, r->col);
	n = sqlite3_column_bytes(r->st, r->col);
	if ((size_t)n > size) {
		store_sqlite_row_fail(r, "blob longer than its field");
		return;
	}
	if (n > 0) {
		if (!blob) {
			store_sqlite_row_fail(r, "out of memory");
			return;
		}
		memcpy(dst, blob, (size_t)n);
	}
	*len = (size_t)n;
	r->col++;
}

void store_sqlite__row_blob_exact(struct store_sqlite_row *r, unsigned char *dst, size_t size)
{
	size_t len;

	store_sqlite__row_blob(r, dst, size, &len);
	if (r->rc == OG_OK && len != size) {
		r->col--; /* name the column just read */
		store_sqlite_row_fail(r, "blob of the wrong length");
	}
}

int64_t store_sqlite__row_int64(struct store_sqlite_row *r)
{
	if (r->rc != OG_OK)
		return 0;
	return sqlite3_column_int64(r->st, r->col++);
}

int store_sqlite__row_int(struct store_sqlite_row *r)
{
	int64_t v;

	if (r->rc != OG_OK)
		return 0;
	v = sqlite3_column_int64(r->st, r->col);
	if (v < INT_MIN || v > INT_MAX) {
		store_sqlite_row_fail(r, "integer out of range");
		return 0;
	}
	r->col++;
	return (int)v;
}

int store_sqlite__row_enum(struct store_sqlite_row *r, const struct store_sqlite_enum *e)
{
	char name[STORE_SQLITE_ENUM_NAME_MAX];

	store_sqlite__row_text(r, name, sizeof name);
	if (r->rc != OG_OK)
		return 0;
	for (int i = 0; i < e->count; i++) {
		if (e->names[i] && strcmp(e->names[i], name) == 0)
			return i;
	}
	r->col--; /* name the column just read */
	store_sqlite_row_fail(r, "unknown enum name");
	return 0;
}

