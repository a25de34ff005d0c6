/*
 * Write transactions with group commit. SQLite lets one connection write at
 * a time, and each COMMIT appends every page the transaction changed to the
 * WAL: a send changes a dozen pages (the wallet, the ledger, the request and
 * the message rows and their indexes), most of them the same right-hand
 * leaf pages the previous send changed. So the process's write transactions
 * take turns on one shared writer connection, W, under the group lock, and
 * each caller's transaction is a SAVEPOINT inside W's transaction. When a
 * caller's part ends and another thread is already waiting for its turn,
 * the caller leaves W's transaction open for it and sleeps until a later
 * member commits the group; the last member of a group (nobody waiting, or
 * STORE_SQLITE_GROUP_MAX members) commits it and wakes the others. A busy
 * moment therefore costs one COMMIT, and one copy of each shared page, per
 * group instead of per transaction, and threads waiting for the write turn
 * wake on a mutex instead of polling SQLite's lock with sleeps.
 *
 * What a caller sees is unchanged: begin/commit/rollback on its own
 * connection, reads inside the transaction see its writes (they run on W,
 * through the driver's prepare), and commit returns OG_OK only after the
 * COMMIT that made its writes durable has succeeded; if that COMMIT fails,
 * every member of the group gets the error, and nothing of theirs is
 * stored. A rollback undoes only the caller's savepoint, and also returns
 * once the group has ended, so whatever the caller reads next includes what
 * the members before it wrote. Reads outside a transaction stay on the
 * caller's own connection, beside the writer (WAL).
 *
 * The writer also owns checkpointing (txn_checkpoint): see there why.
 */
#include "store/store_sqlite_int.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* IMMEDIATE takes SQLite's write lock now, so a writer in another process
 * waits at BEGIN rather than failing to upgrade a read lock later. */
static struct store_sql sql_begin = {.text = "BEGIN IMMEDIATE"};
static struct store_sql sql_commit = {.text = "COMMIT"};
static struct store_sql sql_rollback = {.text = "ROLLBACK"};
static struct store_sql sql_savepoint = {.text = "SAVEPOINT og_member"};
static struct store_sql sql_release = {.text = "RELEASE og_member"};
static struct store_sql sql_rollback_to = {.text = "ROLLBACK TO og_member"};

/* SQLite checkpoints the WAL after a commit once it holds 1000 frames,
 * but under steady load the WAL is never rewound (some reader always has a
 * snapshot in it), so it grows without end, and every later commit runs a
 * checkpoint with two fsyncs. The writer instead checkpoints with RESTART,
 * which rewinds the WAL, once it holds this many frames. */
#define TXN_CHECKPOINT_FRAMES 2000
#define TXN_BUSY_SLEEP_NS 100000L /* between looks at a lock another process holds */

/* The writer's WAL hook: notes the WAL's length after each commit (it
 * replaces SQLite's own auto-checkpoint hook). */
static int txn_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store_sqlite_group *g = arg;

	(void)db;
	(void)name;
	g->wal_frames = frames;
	return SQLITE_OK;
}

/* The writer's busy handler: readers leave the WAL within microseconds, so
 * it looks again after 0.1 ms, not after SQLite's default 1 to 100 ms, and
 * gives up after the same total time as every other connection. */
static int txn_busy(void *arg, int count)
{
	struct timespec nap = {0, TXN_BUSY_SLEEP_NS};

	(void)arg;
	if ((int64_t)count * TXN_BUSY_SLEEP_NS / 1000000 >= STORE_SQLITE_BUSY_TIMEOUT_MS)
		return 0;
	nanosleep(&nap, NULL);
	return 1;
}

/* Copies the WAL into the database and rewinds it, with the turn held so no
 * writer of this process waits on SQLite's lock meanwhile. A checkpoint
 * that cannot finish (a reader in another process holds on) is tried again
 * after the next commit; the data is safe in the WAL either way. */
static void txn_checkpoint(struct store_sqlite_group *g)
{
	int log_frames = 0, done_frames = 0;
	int src = sqlite3_wal_checkpoint_v2(g->w->db, NULL, SQLITE_CHECKPOINT_RESTART, &log_frames,
					    &done_frames);

	if (src == SQLITE_OK)
		g->wal_frames = 0;
	else if (src != SQLITE_BUSY)
		(void)store_sqlite__err(g->w->db, src, "wal_checkpoint");
}

static struct store_sqlite_conn *txn_raw(struct store_conn *base)
{
	assert(base);
	return (struct store_sqlite_conn *)base;
}

enum og_err store_sqlite__group_init(struct store_sqlite_group *g)
{
	memset(g, 0, sizeof *g);
	if (pthread_mutex_init(&g->turn, NULL) != 0)
		return OG_ERR_INTERNAL;
	if (pthread_mutex_init(&g->lock, NULL) != 0) {
		pthread_mutex_destroy(&g->turn);
		return OG_ERR_INTERNAL;
	}
	if (pthread_cond_init(&g->committed, NULL) != 0) {
		pthread_mutex_destroy(&g->lock);
		pthread_mutex_destroy(&g->turn);
		return OG_ERR_INTERNAL;
	}
	return OG_OK;
}

void store_sqlite__group_free(struct store_sqlite_group *g)
{
	assert(!g->open && g->members == 0);
	if (g->w)
		store_sqlite__conn_close(&g->w->base);
	g->w = NULL;
	pthread_cond_destroy(&g->committed);
	pthread_mutex_destroy(&g->lock);
	pthread_mutex_destroy(&g->turn);
}

/* Ends one member's part, with the turn held, gives the turn up, and
 * returns once the group's transaction has ended: the result of the COMMIT
 * that included the member's writes (kept), or of its end when the member
 * rolled back. A member that rolled back waits too, so that what it reads
 * next includes whatever the members before it wrote, as it would if each
 * transaction committed on its own: a retry after a lost race must see the
 * winner. */
static enum og_err group_end(struct store_sqlite_group *g, struct store_sqlite_ticket *ticket,
			     bool kept)
{
	/* After some errors (a full disk, I/O) SQLite rolls the whole
	 * transaction back by itself: every member's writes are gone. */
	bool alive = !sqlite3_get_autocommit(g->w->db);
	int waiting;
	enum og_err rc;

	if (alive) {
		g->tickets[g->members++] = ticket;
		g->kept += kept;
	}
	pthread_mutex_lock(&g->lock);
	waiting = g->waiting;
	pthread_mutex_unlock(&g->lock);
	if (alive && waiting > 0 && g->members < STORE_SQLITE_GROUP_MAX) {
		/* Someone is about to take the turn: let them join, and let the
		 * group's last member commit for all. */
		pthread_mutex_unlock(&g->turn);
		pthread_mutex_lock(&g->lock);
		while (!ticket->done)
			pthread_cond_wait(&g->committed, &g->lock);
		rc = ticket->rc;
		pthread_mutex_unlock(&g->lock);
		return rc;
	}
	if (!alive)
		rc = OG_ERR_STORE;
	else if (g->kept > 0)
		rc = store_sqlite__run(g->w, &sql_commit);
	else
		rc = store_sqlite__run(g->w, &sql_rollback); /* only rolled-back parts */
	if (!sqlite3_get_autocommit(g->w->db))
		(void)store_sqlite__run(g->w, &sql_rollback); /* a failed COMMIT */
	g->open = false;
	if (rc == OG_OK && g->wal_frames >= TXN_CHECKPOINT_FRAMES)
		txn_checkpoint(g);
	pthread_mutex_lock(&g->lock);
	for (size_t i = 0; i < g->members; i++) {
		g->tickets[i]->rc = rc;
		g->tickets[i]->done = true;
	}
	g->members = 0;
	g->kept = 0;
	pthread_cond_broadcast(&g->committed);
	pthread_mutex_unlock(&g->lock);
	pthread_mutex_unlock(&g->turn);
	return alive ? rc : OG_ERR_STORE;
}

enum og_err store_sqlite__txn_begin(struct store_conn *base)
{
	struct store_sqlite_conn *c = txn_raw(base);
	struct store_sqlite *s = (struct store_sqlite *)base->store;
	struct store_sqlite_group *g = &s->group;
	struct store_conn *wbase = NULL;
	enum og_err rc;

	assert(!c->txn && sqlite3_get_autocommit(c->db)); /* transactions do not nest */
	pthread_mutex_lock(&g->lock);
	g->waiting++;
	pthread_mutex_unlock(&g->lock);
	pthread_mutex_lock(&g->turn);
	pthread_mutex_lock(&g->lock);
	g->waiting--;
	pthread_mutex_unlock(&g->lock);
	if (!g->w) {
		rc = store_sqlite__conn_open(&s->base, &wbase);
		if (rc != OG_OK) {
			pthread_mutex_unlock(&g->turn);
			return rc;
		}
		g->w = txn_raw(wbase);
		sqlite3_wal_hook(g->w->db, txn_wal_hook, g);
		sqlite3_busy_handler(g->w->db, txn_busy, NULL);
	}
	if (!g->open) {
		rc = store_sqlite__run(g->w, &sql_begin);
		if (rc != OG_OK) {
			pthread_mutex_unlock(&g->turn);
			return rc;
		}
		g->open = true;
	}
	rc = store_sqlite__run(g->w, &sql_savepoint);
	if (rc != OG_OK) {
		struct store_sqlite_ticket ticket = {.rc = OG_OK, .done = false};
		(void)group_end(g, &ticket, false);
		return rc;
	}
	c->txn = g->w;
	return OG_OK;
}

/* Undoes the member's savepoint; W's transaction goes on for the others. */
static void txn_undo(struct store_sqlite_group *g)
{
	if (sqlite3_get_autocommit(g->w->db))
		return; /* SQLite already rolled everything back */
	(void)store_sqlite__run(g->w, &sql_rollback_to);
	(void)store_sqlite__run(g->w, &sql_release);
}

enum og_err store_sqlite__txn_commit(struct store_conn *base)
{
	struct store_sqlite_conn *c = txn_raw(base);
	struct store_sqlite_group *g = &((struct store_sqlite *)base->store)->group;
	struct store_sqlite_ticket ticket = {.rc = OG_OK, .done = false};
	enum og_err rc;

	assert(c->txn == g->w);
	c->txn = NULL;
	rc = store_sqlite__run(g->w, &sql_release);
	if (rc != OG_OK) {
		txn_undo(g);
		(void)group_end(g, &ticket, false);
		return rc;
	}
	return group_end(g, &ticket, true);
}

void store_sqlite__txn_rollback(struct store_conn *base)
{
	struct store_sqlite_conn *c = txn_raw(base);
	struct store_sqlite_group *g = &((struct store_sqlite *)base->store)->group;
	struct store_sqlite_ticket ticket = {.rc = OG_OK, .done = false};

	/* Cleanup paths call this whether or not a transaction is open. */
	if (!c->txn)
		return;
	c->txn = NULL;
	txn_undo(g);
	(void)group_end(g, &ticket, false);
}
