/*
 * The narrow SQL driver under the store. Every record file (store_<record>.c)
 * holds its SQL once, as data, and runs it through this table of about
 * twenty operations: prepare, typed binds, step, typed column reads, rows
 * changed, transactions, a row lock, scripts for migrations, and a batch
 * that sends several statements in one round trip. A database is supported
 * by filling this table (store_sqlite.c, store_pg.c), the way PowerDNS's
 * gsql backends implement only SSql, or SQLite's VFS its os layer; and a
 * test can wrap the table to fail any call on purpose
 * (tests/unit/store/store_fault.c), as SQLite's fault-injection VFS does.
 *
 * Statements are written with ?1..?N placeholders; the PostgreSQL driver
 * rewrites them to $1..$N when it prepares. Where the dialects truly
 * differ, a statement carries a per-dialect text beside the shared one.
 *
 * Only drivers, the record files and the store's own tests include this
 * header; everything above the store sees store.h alone.
 */
#ifndef OG_STORE_SQL_H
#define OG_STORE_SQL_H

#include "base/og_err.h"
#include "store/migration.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_SQL_SLOTS_MAX 320 /* distinct statements a process prepares, at most */

enum store_dialect { STORE_DIALECT_SQLITE, STORE_DIALECT_PG, STORE_DIALECT__COUNT };

/* Inside a write transaction, the rows the statement reads stay locked
 * until the transaction ends, for a read that is written back: PostgreSQL
 * appends FOR NO KEY UPDATE (NO KEY, so foreign-key checks of rows that
 * reference them are not blocked); SQLite's single writer needs nothing. */
#define STORE_SQL_LOCK 0x1u

/* One statement: defined static in its record file, prepared once per
 * connection on first use. The slot is the statement's place in every
 * connection's cache, assigned the first time any connection prepares it,
 * so adding a statement touches nothing but its own file. */
struct store_sql {
	const char *text;                           /* ?N placeholders; every dialect's */
	const char *dialect[STORE_DIALECT__COUNT];  /* a dialect's own text, or NULL */
	unsigned flags;                             /* STORE_SQL_* */
	atomic_int slot;                            /* 1 + cache slot; 0 until first use */
};

/* What a row lock guards (lock below): one class per kind of row that is
 * read and then written, inserted if absent, inside a write transaction. */
enum store_lock_class {
	STORE_LOCK_WALLET = 1,
	STORE_LOCK_IDEM,
	STORE_LOCK_POLICY,
	STORE_LOCK_BUCKET,
	STORE_LOCK_VERIFY,
	STORE_LOCK_SECRET_STATE,
	STORE_LOCK_CREDIT,  /* a top-up reference, looked up before it is credited */
	STORE_LOCK_MIGRATE, /* the whole schema, while migrations run */
	STORE_LOCK_WINDOW   /* a phone's, prefix's or address's send window, counted then logged */
};

struct store_driver;

/* A database; drivers embed it as their first member. */
struct store {
	const struct store_driver *drv;
};

/* One thread's connection; drivers embed it as their first member. */
struct store_conn {
	const struct store_driver *drv;
	struct store *store;
};

/* A prepared statement of one connection; drivers embed it first. */
struct store_stmt {
	const struct store_driver *drv;
};

struct store_driver {
	const char *name;
	enum store_dialect dialect;
	const struct migration *migrations; /* ends with version 0 */
	/** True if this driver handles the URL (a path, or a scheme it owns). */
	bool (*accepts)(const char *url);
	/** Opens the database named by url, creating it if absent. */
	enum og_err (*open)(const char *url, struct store **out);
	/** Closes the database; every connection must be closed first. */
	void (*close)(struct store *s);
	/** Opens a connection, for one thread's use. */
	enum og_err (*conn_open)(struct store *s, struct store_conn **out);
	/** Closes a connection, rolling back a transaction left open. */
	void (*conn_close)(struct store_conn *c);

	/** Starts a write transaction (transactions do not nest). */
	enum og_err (*begin)(struct store_conn *c);
	/** Commits; OG_OK only once the writes are durable. */
	enum og_err (*commit)(struct store_conn *c);
	/** Rolls back; safe when no transaction is open. */
	void (*rollback)(struct store_conn *c);
	/** Inside a write transaction, holds (cls, key1, key2) until it ends, so two
	 *  transactions that read a row that may not exist yet and then write it run
	 *  one after the other; outside one, or on a single-writer database, a no-op. */
	enum og_err (*lock)(struct store_conn *c, enum store_lock_class cls, const char *key1,
			    const void *key2, size_t key2_len);
	/** Runs several parameterless statements in the open transaction (a migration). */
	enum og_err (*exec_script)(struct store_conn *c, const char *sql, const char *what);

	/** Returns c's cached statement for sql, reset and unbound, preparing it on first use. */
	enum og_err (*prepare)(struct store_conn *c, struct store_sql *sql, struct store_stmt **out);
	/** Binds parameter idx (from 1). Text and bytes are not copied: they must live
	 *  until the statement is reset. NULL text and empty bytes bind SQL NULL. */
	void (*bind_int64)(struct store_stmt *st, int idx, int64_t v);
	void (*bind_text)(struct store_stmt *st, int idx, const char *s);
	void (*bind_blob)(struct store_stmt *st, int idx, const void *p, size_t len);
	/** Runs or advances st: OG_OK with a row, OG_ERR_NOT_FOUND when done, else the error. */
	enum og_err (*step)(struct store_stmt *st);
	/** Reads column col (from 0) of the current row. Text and bytes are copied and
	 *  must fit (SQL NULL reads as "" or length 0); OG_ERR_STORE when they do not. */
	enum og_err (*column_int64)(struct store_stmt *st, int col, int64_t *out);
	enum og_err (*column_text)(struct store_stmt *st, int col, char *dst, size_t size);
	enum og_err (*column_blob)(struct store_stmt *st, int col, unsigned char *dst,
				   size_t size, size_t *len);
	/** True if column col of the current row is SQL NULL. */
	bool (*column_null)(struct store_stmt *st, int col);
	/** The name of column col, for logs. */
	const char *(*column_name)(struct store_stmt *st, int col);
	/** The rows the statement, run to its end, inserted, updated or deleted; -1 while
	 *  not yet known (queued in a batch). */
	int64_t (*changes)(struct store_stmt *st);
	/** Ends the statement's run and clears its bindings. */
	void (*reset)(struct store_stmt *st);

	/** Starts a batch: until batch_end, statements that return no rows (begin and
	 *  commit included) may be queued rather than run, to go in one round trip.
	 *  A queued statement's row count is not known, so an insert's conflict or an
	 *  update of no row goes unseen: batch only writes whose outcome is certain. */
	enum og_err (*batch_begin)(struct store_conn *c);
	/** Sends what the batch queued and waits for all of it: the first error, if any. */
	enum og_err (*batch_end)(struct store_conn *c);
};

/** Returns sql's cache slot (0 to STORE_SQL_SLOTS_MAX - 1), assigning one on first use. */
int store_sql_slot(struct store_sql *sql);

/** Rewrites ?N placeholders to $N into out (size bytes); false if it does not fit. */
bool store_sql_dollar(const char *text, char *out, size_t size);

#endif
