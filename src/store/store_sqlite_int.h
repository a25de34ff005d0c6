/*
 * What the two files of the SQLite driver share, and nothing else
 * includes: the driver's store, connection and statement structs, the
 * group commit's state, and the one place SQLite result codes become
 * og_err values. store_sqlite.c holds the connections, statements,
 * binding and columns (the narrow driver of store_sql.h); store_sqlite_txn.c
 * the write transactions, committed in groups on one writer connection.
 * Internal names that are not static start with store_sqlite__.
 */
#ifndef OG_STORE_SQLITE_INT_H
#define OG_STORE_SQLITE_INT_H

#include "store/store_sql.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>

#define STORE_SQLITE_PATH_MAX 1024
#define STORE_SQLITE_BUSY_TIMEOUT_MS 5000
#define STORE_SQLITE_GROUP_MAX 64 /* transactions committed together, at most */

struct store_sqlite_conn;

/* A cached statement of one connection. */
struct store_sqlite_stmt {
	struct store_stmt base;        /* first, so a struct store_stmt * converts */
	sqlite3_stmt *st;
	struct store_sqlite_conn *conn; /* the connection it was prepared on */
};

/* A member of a group commit waiting for the end of its group. */
struct store_sqlite_ticket {
	enum og_err rc; /* how the group's transaction ended, once done */
	bool done;
};

/* The process's write transactions, taken in turn on one writer
 * connection and committed in groups (store_sqlite_txn.c). */
struct store_sqlite_group {
	pthread_mutex_t turn;          /* held by the member writing now */
	pthread_mutex_t lock;          /* guards waiting and the tickets */
	pthread_cond_t committed;      /* a group's transaction has ended */
	int waiting;                   /* threads in begin, waiting for the turn */
	struct store_sqlite_conn *w;   /* the writer; opened on first use */
	bool open;                     /* w has a transaction open (with the turn) */
	size_t members;                /* tickets in w's open transaction */
	size_t kept;                   /* of them, members whose writes are kept */
	int wal_frames;                /* the WAL's length after w's last commit */
	struct store_sqlite_ticket *tickets[STORE_SQLITE_GROUP_MAX];
};

struct store_sqlite {
	struct store base;               /* first, so a struct store * converts */
	char path[STORE_SQLITE_PATH_MAX]; /* what sqlite3_open_v2 is given */
	atomic_int conn_count;           /* open connections, checked at close */
	struct store_sqlite_group group; /* the write transactions */
};

struct store_sqlite_conn {
	struct store_conn base;                /* first, so a struct store_conn * converts */
	sqlite3 *db;                           /* used by one thread only */
	struct store_sqlite_stmt *stmt[STORE_SQL_SLOTS_MAX]; /* prepared on first use */
	struct store_sqlite_conn *txn;         /* the writer, while in a transaction */
};

extern const struct store_driver store_sqlite_driver;

/** Converts a SQLite result code; the only place that does. Logs real failures.
 *  db may be NULL; what names the failed step for the log. */
enum og_err store_sqlite__err(sqlite3 *db, int sqlite_rc, const char *what);

/** Opens a connection of s's own (store_driver.conn_open). */
enum og_err store_sqlite__conn_open(struct store *s, struct store_conn **out);

/** Closes a connection opened by store_sqlite__conn_open. */
void store_sqlite__conn_close(struct store_conn *c);

/** Runs a cached statement without parameters or rows on c itself (not its writer). */
enum og_err store_sqlite__run(struct store_sqlite_conn *c, struct store_sql *sql);

/** Prepares the group commit state of a store; OG_ERR_INTERNAL on failure. */
enum og_err store_sqlite__group_init(struct store_sqlite_group *g);

/** Closes the writer connection and frees the group; no transaction may be open. */
void store_sqlite__group_free(struct store_sqlite_group *g);

/** Starts a write transaction on c: a savepoint in the writer's transaction. */
enum og_err store_sqlite__txn_begin(struct store_conn *c);

/** Ends c's transaction; OG_OK once the group COMMIT that includes it succeeded. */
enum og_err store_sqlite__txn_commit(struct store_conn *c);

/** Undoes c's transaction, if one is open, once its group has ended. */
void store_sqlite__txn_rollback(struct store_conn *c);

#endif
