/*
 * What the two files of the PostgreSQL driver share, and nothing else
 * includes: the driver's store, connection and statement structs, and the
 * one place libpq results and SQLSTATEs become og_err values. store_pg.c
 * holds opening, sessions, transactions, row locks and scripts;
 * store_pg_stmt.c the statements of the narrow driver (store_sql.h):
 * preparing each once per session with its placeholders rewritten,
 * parameters that point at the caller's memory, columns read from text
 * results, and batches sent in one round trip with libpq's pipeline mode.
 * Internal names that are not static start with store_pg__.
 */
#ifndef OG_STORE_PG_INT_H
#define OG_STORE_PG_INT_H

#include "store/store_sql.h"

#include <libpq-fe.h>
#include <stdatomic.h>

#define STORE_PG_URL_MAX 1024
#define STORE_PG_PARAMS_MAX 24       /* the most parameters one statement takes */
#define STORE_PG_NUM_MAX 24          /* an int64 in decimal, with sign and NUL */
#define STORE_PG_STMT_NAME_MAX 16    /* "og" and a slot number, plus NUL */
#define STORE_PG_SQL_MAX 4096        /* a statement's text, rewritten, plus NUL */
#define STORE_PG_BATCH_MAX 256       /* statements one batch may queue */

/* What every session sets when it starts: a lock wait of 5 s (like SQLite's
 * busy timeout; then OG_ERR_BUSY), bytea in the hex format the column
 * reader decodes, and no NOTICE chatter on stderr. */
#define STORE_PG_SESSION_SQL                                                   \
	"SET lock_timeout = 5000; SET bytea_output = 'hex';"                   \
	" SET client_min_messages = warning"

struct store_pg_conn;

/* A statement of one session. Its parameters point at the caller's memory
 * (no copy) until it runs; integers are formatted into num. */
struct store_pg_stmt {
	struct store_stmt base;          /* first, so a struct store_stmt * converts */
	struct store_pg_conn *conn;
	struct store_sql *sql;
	char name[STORE_PG_STMT_NAME_MAX]; /* the server-side name; "" until prepared */
	int nparams;                     /* the highest parameter bound */
	const char *values[STORE_PG_PARAMS_MAX];
	int lengths[STORE_PG_PARAMS_MAX];
	int formats[STORE_PG_PARAMS_MAX]; /* 0 text, 1 binary (bytea) */
	char num[STORE_PG_PARAMS_MAX][STORE_PG_NUM_MAX];
	PGresult *res;                   /* the result while it is read; NULL before */
	int row;                         /* the current row of res; -1 before the first */
	int64_t changes;                 /* rows the last run changed */
};

struct store_pg {
	struct store base;            /* first, so a struct store * converts */
	char url[STORE_PG_URL_MAX];   /* the libpq connection URI */
	atomic_int conn_count;        /* open connections, checked at close */
};

struct store_pg_conn {
	struct store_conn base;       /* first, so a struct store_conn * converts */
	PGconn *db;                   /* used by one thread only */
	/* Two slots per statement: its plain text, and (STORE_SQL_LOCK) the
	 * text that locks what it reads, used inside a transaction. */
	struct store_pg_stmt *stmt[2 * STORE_SQL_SLOTS_MAX];
	bool in_tx;                   /* between begin and commit or rollback */
	bool in_batch;                /* in pipeline mode, between batch_begin and batch_end */
	int queued;                   /* results the batch awaits */
	bool commit_queued;           /* the batch holds a COMMIT, checked at batch_end */
};

extern const struct store_driver store_pg_driver;

/** Converts a failed result (res may be NULL); the only place that does. Logs
 *  what failed, never a bound value; what names the step. */
enum og_err store_pg__err(struct store_pg_conn *c, const PGresult *res, const char *what);

/** Makes sure c's session is up, reconnecting once outside a transaction. */
enum og_err store_pg__ready(struct store_pg_conn *c);

/** Runs a parameterless statement on c for its effect (a transaction's BEGIN or
 *  COMMIT); in a batch it is queued. *status gets the command tag if not NULL. */
enum og_err store_pg__command(struct store_pg_conn *c, struct store_sql *sql, char *status,
			      size_t status_size);

/** Drops every statement c prepared (its session is new, or gone). */
void store_pg__forget(struct store_pg_conn *c);

enum og_err store_pg__prepare(struct store_conn *c, struct store_sql *sql,
			      struct store_stmt **out);
void store_pg__bind_int64(struct store_stmt *st, int idx, int64_t v);
void store_pg__bind_text(struct store_stmt *st, int idx, const char *s);
void store_pg__bind_blob(struct store_stmt *st, int idx, const void *p, size_t len);
enum og_err store_pg__step(struct store_stmt *st);
enum og_err store_pg__column_int64(struct store_stmt *st, int col, int64_t *out);
enum og_err store_pg__column_text(struct store_stmt *st, int col, char *dst, size_t size);
enum og_err store_pg__column_blob(struct store_stmt *st, int col, unsigned char *dst,
				  size_t size, size_t *len);
bool store_pg__column_null(struct store_stmt *st, int col);
const char *store_pg__column_name(struct store_stmt *st, int col);
int64_t store_pg__changes(struct store_stmt *st);
void store_pg__reset(struct store_stmt *st);
enum og_err store_pg__batch_begin(struct store_conn *c);
enum og_err store_pg__batch_end(struct store_conn *c);

#endif
