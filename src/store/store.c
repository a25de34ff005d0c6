/*
 * The store's front: the driver registry (the only place that names the
 * drivers), per-thread connections, transactions, and schema migrations,
 * written once over the narrow driver. Each driver has its own ordered
 * table of migration files; the bookkeeping around them is the same.
 */
#include "store/store_int.h"

#include "base/clock.h"
#include "base/log.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>

extern const struct store_driver store_sqlite_driver;
extern const struct store_driver store_pg_driver;

static const struct store_driver *const store_drivers[] = {
	&store_sqlite_driver,
	&store_pg_driver, /* postgres:// and postgresql:// URLs */
};

enum og_err store_open(const char *url, struct store **out)
{
	for (size_t i = 0; i < sizeof store_drivers / sizeof store_drivers[0]; i++) {
		if (store_drivers[i]->accepts(url))
			return store_drivers[i]->open(url, out);
	}
	return OG_ERR_INVALID_REQUEST;
}

void store_close(struct store *s)
{
	if (s)
		s->drv->close(s);
}

const char *store_driver_name(const struct store *s)
{
	return s->drv->name;
}

enum og_err store_conn_open(struct store *s, struct store_conn **out)
{
	return s->drv->conn_open(s, out);
}

void store_conn_close(struct store_conn *c)
{
	if (c)
		c->drv->conn_close(c);
}

/* One connection per thread: SQLite connections must not be shared between
 * threads without a mutex, and per-thread prepared statements avoid one. */
static pthread_key_t store_conn_key;
static pthread_once_t store_conn_once = PTHREAD_ONCE_INIT;

static void store_conn_destroy(void *p)
{
	store_conn_close(p);
}

static void store_conn_key_init(void)
{
	int rc = pthread_key_create(&store_conn_key, store_conn_destroy);
	assert(rc == 0);
	(void)rc;
}

enum og_err store_thread_conn(struct store *s, struct store_conn **out)
{
	struct store_conn *c;
	enum og_err rc;

	pthread_once(&store_conn_once, store_conn_key_init);
	c = pthread_getspecific(store_conn_key);
	if (c && c->store == s) {
		*out = c;
		return OG_OK;
	}
	if (c) {
		store_conn_close(c);
		pthread_setspecific(store_conn_key, NULL);
	}
	rc = store_conn_open(s, &c);
	if (rc != OG_OK)
		return rc;
	pthread_setspecific(store_conn_key, c);
	*out = c;
	return OG_OK;
}

void store_thread_conn_release(void)
{
	struct store_conn *c;

	pthread_once(&store_conn_once, store_conn_key_init);
	c = pthread_getspecific(store_conn_key);
	if (c) {
		store_conn_close(c);
		pthread_setspecific(store_conn_key, NULL);
	}
}

/* ---- Transactions ----------------------------------------------------- */

enum og_err store_begin(struct store_conn *c)
{
	return c->drv->begin(c);
}

enum og_err store_commit(struct store_conn *c)
{
	return c->drv->commit(c);
}

void store_rollback(struct store_conn *c)
{
	if (c)
		c->drv->rollback(c);
}

enum og_err store_batch_begin(struct store_conn *c)
{
	return c->drv->batch_begin(c);
}

enum og_err store_batch_end(struct store_conn *c)
{
	return c->drv->batch_end(c);
}

static struct store_sql sql_ping = {.text = "SELECT 1"};

enum og_err store_ping(struct store_conn *c)
{
	struct store_stmt *st;
	int64_t one = 0;
	enum og_err rc;

	rc = store_prepare(c, &sql_ping, &st);
	if (rc != OG_OK)
		return rc;
	return store_ints(st, &one, NULL);
}

/* ---- Migrations ------------------------------------------------------- */

static struct store_sql sql_migrations_table = {
	.text = "CREATE TABLE IF NOT EXISTS schema_migrations ("
		" version bigint PRIMARY KEY, name text NOT NULL, applied_at_ms bigint NOT NULL)",
	/* SQLite's tables are STRICT, so a column's declared type holds. */
	.dialect[STORE_DIALECT_SQLITE] =
		"CREATE TABLE IF NOT EXISTS schema_migrations ("
		" version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL"
		") STRICT",
};
static struct store_sql sql_migrations_applied = {
	.text = "SELECT version FROM schema_migrations ORDER BY version"};
static struct store_sql sql_migrations_record = {
	.text = "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?1, ?2, ?3)"};

#define STORE_MIGRATIONS_MAX 256 /* migration files, at most */

/* Reads one recorded version. */
static void store_version_read(struct store_row *r, void *record)
{
	*(int64_t *)record = store_row_int64(r);
}

/* True if version is among the n recorded, sorted ascending. */
static bool store_version_applied(const int64_t *applied, size_t n, int64_t version)
{
	for (size_t i = 0; i < n && applied[i] <= version; i++)
		if (applied[i] == version)
			return true;
	return false;
}

/* Records migration m as applied. */
static enum og_err store_migration_record(struct store_conn *c, const struct migration *m)
{
	struct store_stmt *st;
	enum og_err rc;

	rc = store_prepare(c, &sql_migrations_record, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_int64(st, 1, m->version);
	store_bind_text(st, 2, m->name);
	store_bind_int64(st, 3, clock_now_ms());
	return store_run(st, NULL);
}

/* Every pending migration runs in one write transaction that first takes
 * the schema's lock (PostgreSQL: an advisory lock; SQLite: BEGIN IMMEDIATE
 * is one already), and the applied versions are read under it, so nodes or
 * processes that start at once apply each migration exactly once: the
 * others wait, then find nothing left to do. A migration is pending when
 * its version is not recorded, whatever newer ones are. Both databases'
 * DDL is transactional, so a failed migration leaves the schema as it was;
 * migration files therefore must not contain BEGIN or COMMIT of their own. */
enum og_err store_migrate(struct store_conn *c, int *applied)
{
	int64_t *done = NULL;
	const struct migration *m;
	struct store_stmt *st;
	size_t ndone = 0;
	int newest = 0;
	int count = 0;
	enum og_err rc;

	assert(applied);
	*applied = 0;
	rc = store_begin(c);
	if (rc != OG_OK)
		return rc;
	rc = store_lock(c, STORE_LOCK_MIGRATE, "", NULL, 0);
	if (rc == OG_OK)
		rc = c->drv->exec_script(c, sql_migrations_table.dialect[c->drv->dialect]
						    ? sql_migrations_table.dialect[c->drv->dialect]
						    : sql_migrations_table.text,
					 "schema_migrations");
	if (rc == OG_OK && !(done = malloc(STORE_MIGRATIONS_MAX * sizeof *done)))
		rc = OG_ERR_NOMEM;
	if (rc == OG_OK)
		rc = store_prepare(c, &sql_migrations_applied, &st);
	if (rc == OG_OK)
		rc = store_collect_all(st, store_version_read, done, sizeof *done,
				       STORE_MIGRATIONS_MAX, &ndone);
	if (rc != OG_OK)
		goto out;
	for (m = c->drv->migrations; m->version != 0; m++) {
		assert(m->version > newest); /* the table is sorted by file name */
		newest = m->version;
		if (store_version_applied(done, ndone, m->version))
			continue;
		rc = c->drv->exec_script(c, m->sql, m->name);
		if (rc == OG_OK)
			rc = store_migration_record(c, m);
		if (rc != OG_OK)
			goto out;
		count++;
	}
	/* A schema from a newer otpgate may hold data this one would corrupt. */
	if (ndone > 0 && done[ndone - 1] > newest) {
		log_error("store.schema_too_new", "{s:I, s:i}", "version",
			  (json_int_t)done[ndone - 1], "newest_known", newest);
		rc = OG_ERR_STORE;
		goto out;
	}
	rc = store_commit(c);
	if (rc != OG_OK)
		goto out;
	if (count > 0)
		log_info("store.migrated", "{s:i, s:i}", "applied", count, "version", newest);
	*applied = count;
out:
	if (rc != OG_OK)
		store_rollback(c);
	free(done);
	return rc;
}
