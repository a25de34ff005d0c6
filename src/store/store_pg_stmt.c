/*
 * The statements of the PostgreSQL driver (store_sql.h): each statement is
 * prepared once per session under the name "og<slot>", its ?N placeholders
 * rewritten to $N and, for a locking read inside a transaction, FOR NO KEY
 * UPDATE appended; parameters point at the caller's memory and go as text
 * (bytea as binary); results come back as text, and columns are read from
 * them with every text, bytea and integer checked against its destination.
 * A batch puts the session in libpq's pipeline mode: statements that return
 * no rows are sent without waiting, and batch_end collects every result in
 * one round trip.
 */
#include "store/store_pg_int.h"

#include "base/log.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STORE_PG_LOCK_SUFFIX " FOR NO KEY UPDATE"
/* Results one batch may yield: a prepare and a run per statement, and the sync. */
#define STORE_PG_BATCH_RESULTS_MAX (4 * STORE_PG_BATCH_MAX + 8)

static struct store_pg_stmt *pg_stmt(struct store_stmt *st)
{
	assert(st);
	return (struct store_pg_stmt *)st;
}

/* Writes the text the server prepares for s into out. */
static bool pg_text(const struct store_pg_stmt *s, bool locking, char out[STORE_PG_SQL_MAX])
{
	const char *text = s->sql->dialect[STORE_DIALECT_PG] ? s->sql->dialect[STORE_DIALECT_PG]
							     : s->sql->text;
	size_t len;

	if (!store_sql_dollar(text, out, STORE_PG_SQL_MAX))
		return false;
	if (!locking)
		return true;
	len = strlen(out);
	if (len + sizeof STORE_PG_LOCK_SUFFIX > STORE_PG_SQL_MAX)
		return false;
	memcpy(out + len, STORE_PG_LOCK_SUFFIX, sizeof STORE_PG_LOCK_SUFFIX);
	return true;
}

/* Prepares s on the server under its slot's name. In a batch the prepare
 * is sent with the rest; its result is collected by batch_end. */
static enum og_err pg_prepare_server(struct store_pg_stmt *s, int slot, bool locking)
{
	struct store_pg_conn *c = s->conn;
	char text[STORE_PG_SQL_MAX];
	char name[STORE_PG_STMT_NAME_MAX];
	PGresult *res;
	enum og_err rc;

	/* A statement longer than the buffer is a mistake in a record file. */
	if (!pg_text(s, locking, text)) {
		assert(!"statement text too long");
		return OG_ERR_INTERNAL;
	}
	snprintf(name, sizeof name, "og%d", slot);
	if (c->in_batch) {
		/* Types come from the columns each parameter meets; where
		 * that leaves one open, the SQL casts it. */
		if (!PQsendPrepare(c->db, name, text, 0, NULL))
			return store_pg__err(c, NULL, text);
		c->queued++;
	} else {
		res = PQprepare(c->db, name, text, 0, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			rc = store_pg__err(c, res, text);
			PQclear(res);
			return rc;
		}
		PQclear(res);
	}
	memcpy(s->name, name, sizeof name);
	return OG_OK;
}

enum og_err store_pg__prepare(struct store_conn *base, struct store_sql *sql,
			      struct store_stmt **out)
{
	struct store_pg_conn *c = (struct store_pg_conn *)base;
	bool locking;
	struct store_pg_stmt *s;
	int slot;
	enum og_err rc;

	assert(base && sql && out);
	rc = store_pg__ready(c);
	if (rc != OG_OK)
		return rc;
	locking = (sql->flags & STORE_SQL_LOCK) && c->in_tx;
	slot = 2 * store_sql_slot(sql) + (locking ? 1 : 0);
	s = c->stmt[slot];
	if (!s) {
		s = calloc(1, sizeof *s);
		if (!s)
			return OG_ERR_NOMEM;
		s->conn = c;
		s->sql = sql;
		s->row = -1;
		c->stmt[slot] = s;
	}
	assert(s->sql == sql); /* one slot, one statement */
	if (!s->name[0]) {
		rc = pg_prepare_server(s, slot, locking);
		if (rc != OG_OK)
			return rc;
	}
	store_pg__reset(&s->base);
	/* A wrapping driver (a test's fault injection) dispatches through
	 * the connection's table; statements follow it. */
	s->base.drv = base->drv;
	*out = &s->base;
	return OG_OK;
}

void store_pg__forget(struct store_pg_conn *c)
{
	for (int i = 0; i < 2 * STORE_SQL_SLOTS_MAX; i++) {
		if (c->stmt[i])
			c->stmt[i]->name[0] = '\0';
	}
}

/* ---- Parameters ------------------------------------------------------- */

/* Claims parameter idx; one past the maximum is a bug in a record file. */
static int pg_param(struct store_pg_stmt *s, int idx)
{
	int i = idx - 1;

	assert(idx >= 1 && idx <= STORE_PG_PARAMS_MAX);
	if (idx > s->nparams) {
		for (int j = s->nparams; j < idx; j++) {
			s->values[j] = NULL;
			s->lengths[j] = 0;
			s->formats[j] = 0;
		}
		s->nparams = idx;
	}
	return i;
}

void store_pg__bind_int64(struct store_stmt *st, int idx, int64_t v)
{
	struct store_pg_stmt *s = pg_stmt(st);
	int i = pg_param(s, idx);
	int len = snprintf(s->num[i], sizeof s->num[i], "%" PRId64, v);

	assert(len > 0 && (size_t)len < sizeof s->num[i]);
	(void)len;
	s->values[i] = s->num[i];
	s->formats[i] = 0;
}

void store_pg__bind_text(struct store_stmt *st, int idx, const char *text)
{
	struct store_pg_stmt *s = pg_stmt(st);
	int i = pg_param(s, idx);

	s->values[i] = text; /* NULL is SQL NULL */
	s->formats[i] = 0;
}

void store_pg__bind_blob(struct store_stmt *st, int idx, const void *p, size_t len)
{
	struct store_pg_stmt *s = pg_stmt(st);
	int i = pg_param(s, idx);

	assert(len <= INT_MAX);
	s->values[i] = len ? p : NULL; /* empty is SQL NULL, as on SQLite */
	s->lengths[i] = (int)len;
	s->formats[i] = len ? 1 : 0;
}

/* ---- Running ---------------------------------------------------------- */

/* Reads the row count of a command's tag ("UPDATE 3"); 0 when it has none. */
static int64_t pg_changes_of(const PGresult *res)
{
	const char *text = PQcmdTuples((PGresult *)res);
	char *end = NULL;
	long long v;

	if (!text || !text[0])
		return 0;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0)
		return 0;
	return (int64_t)v;
}

enum og_err store_pg__step(struct store_stmt *st)
{
	struct store_pg_stmt *s = pg_stmt(st);
	struct store_pg_conn *c = s->conn;
	ExecStatusType status;
	enum og_err rc;

	if (!s->res && s->row < 0) {
		if (c->in_batch) {
			/* Queued: its result arrives at batch_end, so it
			 * cannot yield rows here. */
			assert(c->queued < STORE_PG_BATCH_RESULTS_MAX / 2);
			if (!PQsendQueryPrepared(c->db, s->name, s->nparams, s->values, s->lengths,
						 s->formats, 0))
				return store_pg__err(c, NULL, s->sql->text);
			c->queued++;
			s->row = 0;
			s->changes = -1; /* known only at batch_end */
			return OG_ERR_NOT_FOUND;
		}
		s->res = PQexecPrepared(c->db, s->name, s->nparams, s->values, s->lengths,
					s->formats, 0);
		status = PQresultStatus(s->res);
		if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
			rc = store_pg__err(c, s->res, s->sql->text);
			PQclear(s->res);
			s->res = NULL;
			s->row = 0; /* ran, and failed: stepping again finds nothing */
			return rc;
		}
		s->changes = pg_changes_of(s->res);
	}
	if (!s->res)
		return OG_ERR_NOT_FOUND;
	s->row++;
	return s->row < PQntuples(s->res) ? OG_OK : OG_ERR_NOT_FOUND;
}

int64_t store_pg__changes(struct store_stmt *st)
{
	return pg_stmt(st)->changes;
}

void store_pg__reset(struct store_stmt *st)
{
	struct store_pg_stmt *s = pg_stmt(st);

	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
	s->nparams = 0;
	s->changes = 0;
}

enum og_err store_pg__command(struct store_pg_conn *c, struct store_sql *sql, char *status,
			      size_t status_size)
{
	struct store_stmt *st = NULL;
	struct store_pg_stmt *s;
	enum og_err rc;

	if (status)
		status[0] = '\0';
	rc = store_pg__prepare(&c->base, sql, &st);
	if (rc != OG_OK)
		return rc;
	s = pg_stmt(st);
	rc = store_pg__step(st);
	if (rc == OG_ERR_NOT_FOUND || rc == OG_OK)
		rc = OG_OK;
	if (rc == OG_OK && status && s->res)
		snprintf(status, status_size, "%s", PQcmdStatus(s->res));
	store_pg__reset(st);
	return rc;
}

/* ---- Columns ---------------------------------------------------------- */

/* True if s has a current row with column col. */
static bool pg_has(const struct store_pg_stmt *s, int col)
{
	return s->res && s->row >= 0 && s->row < PQntuples(s->res) && col >= 0 &&
	       col < PQnfields(s->res);
}

bool store_pg__column_null(struct store_stmt *st, int col)
{
	struct store_pg_stmt *s = pg_stmt(st);

	return pg_has(s, col) && PQgetisnull(s->res, s->row, col);
}

const char *store_pg__column_name(struct store_stmt *st, int col)
{
	struct store_pg_stmt *s = pg_stmt(st);

	return s->res && col >= 0 && col < PQnfields(s->res) ? PQfname(s->res, col) : NULL;
}

/* NULL reads as 0, as sqlite3_column_int64 reads it. */
enum og_err store_pg__column_int64(struct store_stmt *st, int col, int64_t *out)
{
	struct store_pg_stmt *s = pg_stmt(st);
	const char *text;
	char *end = NULL;
	long long v;

	*out = 0;
	if (!pg_has(s, col))
		return OG_ERR_STORE;
	if (PQgetisnull(s->res, s->row, col))
		return OG_OK;
	text = PQgetvalue(s->res, s->row, col);
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0')
		return OG_ERR_STORE;
	*out = (int64_t)v;
	return OG_OK;
}

enum og_err store_pg__column_text(struct store_stmt *st, int col, char *dst, size_t size)
{
	struct store_pg_stmt *s = pg_stmt(st);
	int len;

	assert(size > 0);
	dst[0] = '\0';
	if (!pg_has(s, col))
		return OG_ERR_STORE;
	if (PQgetisnull(s->res, s->row, col))
		return OG_OK;
	len = PQgetlength(s->res, s->row, col);
	if (len < 0 || (size_t)len >= size)
		return OG_ERR_STORE;
	memcpy(dst, PQgetvalue(s->res, s->row, col), (size_t)len);
	dst[len] = '\0';
	return OG_OK;
}

/* The value of one hex digit, or -1. */
static int pg_hex(char ch)
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
enum og_err store_pg__column_blob(struct store_stmt *st, int col, unsigned char *dst,
				  size_t size, size_t *len)
{
	struct store_pg_stmt *s = pg_stmt(st);
	const char *text;
	size_t text_len, n;

	*len = 0;
	if (!pg_has(s, col))
		return OG_ERR_STORE;
	if (PQgetisnull(s->res, s->row, col))
		return OG_OK;
	text = PQgetvalue(s->res, s->row, col);
	text_len = (size_t)PQgetlength(s->res, s->row, col);
	if (text_len < 2 || text[0] != '\\' || text[1] != 'x' || (text_len - 2) % 2 != 0)
		return OG_ERR_STORE;
	n = (text_len - 2) / 2;
	if (n > size)
		return OG_ERR_STORE;
	for (size_t i = 0; i < n; i++) {
		int hi = pg_hex(text[2 + 2 * i]);
		int lo = pg_hex(text[3 + 2 * i]);

		if (hi < 0 || lo < 0)
			return OG_ERR_STORE;
		dst[i] = (unsigned char)(hi << 4 | lo);
	}
	*len = n;
	return OG_OK;
}

/* ---- Batches ---------------------------------------------------------- */

enum og_err store_pg__batch_begin(struct store_conn *base)
{
	struct store_pg_conn *c = (struct store_pg_conn *)base;
	enum og_err rc;

	assert(!c->in_batch); /* batches do not nest */
	rc = store_pg__ready(c);
	if (rc != OG_OK)
		return rc;
	if (!PQenterPipelineMode(c->db))
		return store_pg__err(c, NULL, "pipeline");
	c->in_batch = true;
	c->queued = 0;
	return OG_OK;
}

/* Collects every result of the batch up to the sync; the first failure is
 * returned. A COMMIT whose transaction had failed answers ROLLBACK. */
static enum og_err pg_batch_collect(struct store_pg_conn *c)
{
	enum og_err rc = OG_OK;

	for (int i = 0; i < STORE_PG_BATCH_RESULTS_MAX; i++) {
		PGresult *res = PQgetResult(c->db);
		ExecStatusType status;

		if (!res) {
			if (PQstatus(c->db) != CONNECTION_OK)
				return rc == OG_OK ? store_pg__err(c, NULL, "batch") : rc;
			continue; /* the end of one statement's results */
		}
		status = PQresultStatus(res);
		if (status == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			return rc;
		}
		if (status == PGRES_FATAL_ERROR && rc == OG_OK)
			rc = store_pg__err(c, res, "batch");
		if (status == PGRES_COMMAND_OK && rc == OG_OK &&
		    strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
			log_warn("store.pg_commit_rolled_back", "{s:s}", "status", "ROLLBACK");
			rc = OG_ERR_STORE;
		}
		PQclear(res);
	}
	return rc == OG_OK ? OG_ERR_STORE : rc;
}

enum og_err store_pg__batch_end(struct store_conn *base)
{
	struct store_pg_conn *c = (struct store_pg_conn *)base;
	enum og_err rc;

	assert(c->in_batch);
	if (!PQpipelineSync(c->db))
		rc = store_pg__err(c, NULL, "pipeline sync");
	else
		rc = pg_batch_collect(c);
	if (!PQexitPipelineMode(c->db) && rc == OG_OK)
		rc = store_pg__err(c, NULL, "pipeline exit");
	c->in_batch = false;
	c->queued = 0;
	/* A failure inside a transaction the batch opened leaves the session
	 * in a failed transaction block; the caller's rollback ends one it
	 * still holds, and one the batch both opened and tried to commit is
	 * ended here. */
	if (rc != OG_OK && !c->in_tx && PQtransactionStatus(c->db) != PQTRANS_IDLE) {
		PGresult *res = PQexec(c->db, "ROLLBACK");
		PQclear(res);
	}
	return rc;
}
