/*
 * The statement machinery the PostgreSQL driver's files share: converting
 * libpq results and SQLSTATEs (the only place that does), preparing each
 * statement once per connection and running it, parameters that point at
 * the caller's memory, and reading columns (all results come back as text)
 * with every text, bytea and integer checked against its destination, so
 * nothing read from the database is ever silently truncated.
 */
#include "store/store_pgInt.h"

#include "base/log.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STORE_PG_SQLSTATE_LEN 5

/* ---- Errors ----------------------------------------------------------- */

/* SQLSTATEs that mean "try again": a serialization failure, a deadlock the
 * server broke, and a lock not granted within lock_timeout (the analogue of
 * SQLite's busy timeout). */
static const char *const store_pg_busy_states[] = {"40001", "40P01", "55P03"};

/* Converts a failed result (res may be NULL when libpq had none to give);
 * logs what failed, never a bound value. what names the step for the log. */
static enum og_err store_pg_err(struct store_pg_conn *c, const PGresult *res, const char *what)
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

/* ---- Statements ------------------------------------------------------- */

struct store_pg_conn *store_pg__conn(struct store_conn *c)
{
	assert(c && c->ops == &store_pg_ops);
	return (struct store_pg_conn *)c;
}

/* Makes sure the session is up: after a lost connection (and outside a
 * transaction, which died with it) one reconnect is tried, and the
 * statements are prepared again on the new session as they are used. */
static enum og_err store_pg_ready(struct store_pg_conn *c)
{
	PGresult *res;
	enum og_err rc;

	if (PQstatus(c->db) == CONNECTION_OK)
		return OG_OK;
	if (c->in_tx)
		return OG_ERR_UNAVAILABLE; /* the caller's rollback ends it */
	PQreset(c->db);
	memset(c->prepared, 0, sizeof c->prepared);
	if (PQstatus(c->db) != CONNECTION_OK) {
		log_warn("store.pg_reconnect_failed", "{s:s}", "message", PQerrorMessage(c->db));
		return OG_ERR_UNAVAILABLE;
	}
	res = PQexec(c->db, STORE_PG_SESSION_SQL);
	rc = PQresultStatus(res) == PGRES_COMMAND_OK ? OG_OK : store_pg_err(c, res, "session");
	PQclear(res);
	if (rc == OG_OK)
		log_info("store.pg_reconnected", "{}");
	return rc;
}

enum og_err store_pg__exec(struct store_pg_conn *c, enum store_pg_stmt id, const char *sql,
			   const struct store_pg_params *p, PGresult **out)
{
	char name[STORE_PG_STMT_NAME_MAX];
	ExecStatusType st;
	PGresult *res;
	enum og_err rc;

	assert(id >= 0 && id < PG__COUNT && sql && out);
	*out = NULL;
	rc = store_pg_ready(c);
	if (rc != OG_OK)
		return rc;
	snprintf(name, sizeof name, "og%d", (int)id);
	if (!c->prepared[id]) {
		/* Types come from the columns each parameter meets; where that
		 * leaves one open, the SQL casts it. */
		res = PQprepare(c->db, name, sql, 0, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			rc = store_pg_err(c, res, sql);
			PQclear(res);
			return rc;
		}
		PQclear(res);
		c->prepared[id] = true;
		c->stmt_sql[id] = sql;
	}
	/* One id, one text: the same id used with other SQL is a bug. */
	assert(c->stmt_sql[id] == sql);
	res = PQexecPrepared(c->db, name, p ? p->n : 0, p ? p->values : NULL,
			     p ? p->lengths : NULL, p ? p->formats : NULL, 0);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		rc = store_pg_err(c, res, sql);
		PQclear(res);
		return rc;
	}
	*out = res;
	return OG_OK;
}

/* Reads the row count of a command's tag ("UPDATE 3"); 0 when it has none. */
static size_t store_pg_changed(const PGresult *res)
{
	const char *text = PQcmdTuples((PGresult *)res);
	char *end = NULL;
	unsigned long long v;

	if (!text || !text[0])
		return 0;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0' || v > SIZE_MAX)
		return 0;
	return (size_t)v;
}

enum og_err store_pg__run(struct store_pg_conn *c, enum store_pg_stmt id, const char *sql,
			  const struct store_pg_params *p, size_t *changed)
{
	PGresult *res = NULL;
	enum og_err rc;

	if (changed)
		*changed = 0;
	rc = store_pg__exec(c, id, sql, p, &res);
	if (rc == OG_OK && changed)
		*changed = store_pg_changed(res);
	PQclear(res);
	return rc;
}

enum og_err store_pg__run_changed(struct store_pg_conn *c, enum store_pg_stmt id,
				  const char *sql, const struct store_pg_params *p)
{
	size_t changed = 0;
	enum og_err rc = store_pg__run(c, id, sql, p, &changed);

	if (rc == OG_OK && changed == 0)
		rc = OG_ERR_NOT_FOUND;
	return rc;
}

enum og_err store_pg__insert(struct store_pg_conn *c, enum store_pg_stmt id, const char *sql,
			     const struct store_pg_params *p)
{
	size_t changed = 0;
	enum og_err rc = store_pg__run(c, id, sql, p, &changed);

	if (rc == OG_OK && changed == 0)
		rc = OG_ERR_CONFLICT;
	return rc;
}

enum og_err store_pg__fetch(struct store_pg_conn *c, enum store_pg_stmt id, const char *sql,
			    const struct store_pg_params *p, store_pg_read_fn read, void *record)
{
	struct store_pg_row r;
	PGresult *res = NULL;
	enum og_err rc;

	rc = store_pg__exec(c, id, sql, p, &res);
	if (rc != OG_OK)
		goto out;
	if (PQntuples(res) < 1) {
		rc = OG_ERR_NOT_FOUND;
		goto out;
	}
	store_pg__row_init(&r, res, 0);
	read(&r, record);
	rc = r.rc;
out:
	PQclear(res);
	return rc;
}

enum og_err store_pg__collect(struct store_pg_conn *c, enum store_pg_stmt id, const char *sql,
			      const struct store_pg_params *p, store_pg_read_fn read,
			      void *records, size_t record_size, size_t max, size_t *n)
{
	unsigned char *next = records;
	struct store_pg_row r;
	PGresult *res = NULL;
	size_t rows;
	enum og_err rc;

	*n = 0;
	rc = store_pg__exec(c, id, sql, p, &res);
	if (rc != OG_OK)
		goto out;
	rows = (size_t)PQntuples(res);
	if (rows > max)
		rows = max;
	for (size_t i = 0; i < rows; i++) {
		store_pg__row_init(&r, res, (int)i);
		read(&r, next);
		if (r.rc != OG_OK) {
			rc = r.rc;
			goto out;
		}
		next += record_size;
	}
	*n = rows;
out:
	PQclear(res);
	return rc;
}

enum og_err store_pg__ints(struct store_pg_conn *c, enum store_pg_stmt id, const char *sql,
			   const struct store_pg_params *p, int64_t *a, int64_t *b)
{
	struct store_pg_row r;
	PGresult *res = NULL;
	enum og_err rc;

	rc = store_pg__exec(c, id, sql, p, &res);
	if (rc != OG_OK)
		goto out;
	if (PQntuples(res) < 1) {
		rc = OG_ERR_STORE; /* an aggregate always yields a row */
		goto out;
	}
	store_pg__row_init(&r, res, 0);
	*a = store_pg__row_int64(&r);
	if (b)
		*b = store_pg__row_int64(&r);
	rc = r.rc;
out:
	PQclear(res);
	return rc;
}

/* A 64-bit hash of (class, key), so that any text and bytes fit one bigint
 * lock key and two keys practically never share a lock (a shared lock
 * would only serialise them, but could order locks in ways no caller
 * chose). The migration lock uses the two-int form, a key space of its own. */
static const char sql_row_lock[] =
	"SELECT pg_advisory_xact_lock(hashtextextended($1::text || '/' || $2::text || '/' ||"
	" encode(COALESCE($3::bytea, ''::bytea), 'hex'), 0))";

enum og_err store_pg__row_lock(struct store_pg_conn *c, enum store_pg_lock_class cls,
			       const char *key1, const void *key2, size_t key2_len)
{
	struct store_pg_params p;

	assert(key1);
	if (!c->in_tx)
		return OG_OK;
	store_pg__params_init(&p);
	store_pg__param_int64(&p, cls);
	store_pg__param_text(&p, key1);
	store_pg__param_blob(&p, key2, key2_len);
	return store_pg__run(c, PG_ROW_LOCK, sql_row_lock, &p, NULL);
}

/* ---- Parameters ------------------------------------------------------- */

void store_pg__params_init(struct store_pg_params *p)
{
	p->n = 0;
}

/* Claims the next parameter slot; more than the maximum is a bug here. */
static int store_pg_param_next(struct store_pg_params *p)
{
	assert(p->n < STORE_PG_PARAMS_MAX);
	p->values[p->n] = NULL;
	p->lengths[p->n] = 0;
	p->formats[p->n] = 0;
	return p->n++;
}

void store_pg__param_text(struct store_pg_params *p, const char *s)
{
	int i = store_pg_param_next(p);

	p->values[i] = s; /* NULL is SQL NULL */
}

void store_pg__param_field(struct store_pg_params *p, const char *field, size_t size)
{
	assert(memchr(field, '\0', size) != NULL);
	(void)size;
	store_pg__param_text(p, field);
}

void store_pg__param_text_or_null(struct store_pg_params *p, const char *s)
{
	store_pg__param_text(p, s && s[0] ? s : NULL);
}

void store_pg__param_int64(struct store_pg_params *p, int64_t v)
{
	int i = store_pg_param_next(p);
	int len = snprintf(p->num[i], sizeof p->num[i], "%" PRId64, v);

	assert(len > 0 && (size_t)len < sizeof p->num[i]);
	(void)len;
	p->values[i] = p->num[i];
}

void store_pg__param_blob(struct store_pg_params *p, const void *data, size_t len)
{
	int i = store_pg_param_next(p);

	assert(len <= INT_MAX);
	if (len == 0)
		return; /* SQL NULL, as the SQLite driver binds an empty blob */
	p->values[i] = data;
	p->lengths[i] = (int)len;
	p->formats[i] = 1;
}

void store_pg__param_enum(struct store_pg_params *p, const struct store_pg_enum *e, int value)
{
	assert(value >= 0 && value < e->count && e->names[value]);
	store_pg__param_text(p, e->names[value]);
}

/* ---- Reading ---------------------------------------------------------- */

void store_pg__row_init(struct store_pg_row *r, const PGresult *res, int row)
{
	r->res = res;
	r->row = row;
	r->col = 0;
	r->rc = OG_OK;
}

/* Records the first failure to read a row, naming the column for the log. */
static void store_pg_row_fail(struct store_pg_row *r, const char *why)
{
	const char *col = r->col < PQnfields(r->res) ? PQfname(r->res, r->col) : NULL;

	log_warn("store.pg_bad_column", "{s:s, s:s}", "column", col ? col : "", "problem", why);
	r->rc = OG_ERR_STORE;
}

/* True if the next column can be read; fails the row when there is none. */
static bool store_pg_row_has(struct store_pg_row *r)
{
	if (r->rc != OG_OK)
		return false;
	if (r->col >= PQnfields(r->res)) {
		store_pg_row_fail(r, "fewer columns than the reader expects");
		return false;
	}
	return true;
}

bool store_pg__row_is_null(const struct store_pg_row *r)
{
	return r->rc == OG_OK && r->col < PQnfields(r->res) &&
	       PQgetisnull(r->res, r->row, r->col);
}

void store_pg__row_skip(struct store_pg_row *r)
{
	if (store_pg_row_has(r))
		r->col++;
}

void store_pg__row_text(struct store_pg_row *r, char *dst, size_t size)
{
	int len;

	assert(size > 0);
	if (!store_pg_row_has(r))
		return;
	if (PQgetisnull(r->res, r->row, r->col)) {
		dst[0] = '\0';
		r->col++;
		return;
	}
	len = PQgetlength(r->res, r->row, r->col);
	if (len < 0 || (size_t)len >= size) {
		store_pg_row_fail(r, "text longer than its field");
		return;
	}
	memcpy(dst, PQgetvalue(r->res, r->row, r->col), (size_t)len);
	dst[len] = '\0';
	r->col++;
}

/* The value of one hex digit, or -1. */
static int store_pg_hex(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* bytea arrives in the hex output format ("\x0a1b..."), which the session
 * asks for when it starts. */
void store_pg__row_blob(struct store_pg_row *r, unsigned char *dst, size_t size, size_t *len)
{
	const char *text;
	size_t text_len, n;

	*len = 0;
	if (!store_pg_row_has(r))
		return;
	if (PQgetisnull(r->res, r->row, r->col)) {
		r->col++;
		return;
	}
	text = PQgetvalue(r->res, r->row, r->col);
	text_len = (size_t)PQgetlength(r->res, r->row, r->col);
	if (text_len < 2 || text[0] != '\\' || text[1] != 'x' || (text_len - 2) % 2 != 0) {
		store_pg_row_fail(r, "bytea not in hex format");
		return;
	}
	n = (text_len - 2) / 2;
	if (n > size) {
		store_pg_row_fail(r, "blob longer than its field");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int hi = store_pg_hex(text[2 + 2 * i]);
		int lo = store_pg_hex(text[3 + 2 * i]);

		if (hi < 0 || lo < 0) {
			store_pg_row_fail(r, "bytea not in hex format");
			return;
		}
		dst[i] = (unsigned char)(hi << 4 | lo);
	}
	*len = n;
	r->col++;
}

void store_pg__row_blob_exact(struct store_pg_row *r, unsigned char *dst, size_t size)
{
	size_t len;

	store_pg__row_blob(r, dst, size, &len);
	if (r->rc == OG_OK && len != size) {
		r->col--; /* name the column just read */
		store_pg_row_fail(r, "blob of the wrong length");
	}
}

/* NULL reads as 0, as sqlite3_column_int64 reads it. */
int64_t store_pg__row_int64(struct store_pg_row *r)
{
	const char *text;
	char *end = NULL;
	long long v;

	if (!store_pg_row_has(r))
		return 0;
	if (PQgetisnull(r->res, r->row, r->col)) {
		r->col++;
		return 0;
	}
	text = PQgetvalue(r->res, r->row, r->col);
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0') {
		store_pg_row_fail(r, "not an integer");
		return 0;
	}
	r->col++;
	return (int64_t)v;
}

int store_pg__row_int(struct store_pg_row *r)
{
	int64_t v = store_pg__row_int64(r);

	if (r->rc != OG_OK)
		return 0;
	if (v < INT_MIN || v > INT_MAX) {
		r->col--;
		store_pg_row_fail(r, "integer out of range");
		return 0;
	}
	return (int)v;
}

int store_pg__row_enum(struct store_pg_row *r, const struct store_pg_enum *e)
{
	char name[STORE_PG_ENUM_NAME_MAX];

	store_pg__row_text(r, name, sizeof name);
	if (r->rc != OG_OK)
		return 0;
	for (int i = 0; i < e->count; i++) {
		if (e->names[i] && strcmp(e->names[i], name) == 0)
			return i;
	}
	r->col--; /* name the column just read */
	store_pg_row_fail(r, "unknown enum name");
	return 0;
}
