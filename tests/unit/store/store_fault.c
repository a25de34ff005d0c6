/*
 * The failing driver of store_fault.h: a copy of the real driver's table
 * whose calls to the database count while armed, the Nth failing. The real
 * drivers dispatch through the table of the connection a statement came
 * from, so connections opened after store_fault_install, and their
 * statements, all pass through here.
 */
#include "store_fault.h"

#include <assert.h>
#include <stdatomic.h>
#include <stddef.h>

static const struct store_driver *fault_real; /* the wrapped driver */
static struct store_driver fault_driver;      /* its table, with the calls below */
static atomic_bool fault_armed;
static atomic_long fault_calls;
static atomic_long fault_at;
static atomic_int fault_kind;
static atomic_bool fault_done;

static const enum og_err fault_errors[STORE_FAULT__COUNT] = {
	[STORE_FAULT_BUSY] = OG_ERR_BUSY,
	[STORE_FAULT_IO] = OG_ERR_STORE,
	[STORE_FAULT_LOST] = OG_ERR_UNAVAILABLE,
	[STORE_FAULT_LOST_AFTER] = OG_ERR_UNAVAILABLE,
};

/* Counts one call; true if it is the one to fail. */
static bool fault_hit(void)
{
	long n;

	if (!atomic_load(&fault_armed))
		return false;
	n = atomic_fetch_add(&fault_calls, 1) + 1;
	if (n != atomic_load(&fault_at))
		return false;
	atomic_store(&fault_done, true);
	return true;
}

static enum og_err fault_error(void)
{
	return fault_errors[atomic_load(&fault_kind)];
}

static enum og_err fault_conn_open(struct store *s, struct store_conn **out)
{
	enum og_err rc = fault_real->conn_open(s, out);

	if (rc == OG_OK)
		(*out)->drv = &fault_driver;
	return rc;
}

static enum og_err fault_begin(struct store_conn *c)
{
	return fault_hit() ? fault_error() : fault_real->begin(c);
}

/* A failed commit leaves nothing behind, as a COMMIT that failed does;
 * LOST_AFTER commits first, as when only the answer to COMMIT is lost. */
static enum og_err fault_commit(struct store_conn *c)
{
	if (!fault_hit())
		return fault_real->commit(c);
	if (atomic_load(&fault_kind) == STORE_FAULT_LOST_AFTER)
		(void)fault_real->commit(c);
	else
		fault_real->rollback(c);
	return fault_error();
}

static enum og_err fault_lock(struct store_conn *c, enum store_lock_class cls, const char *key1,
			      const void *key2, size_t key2_len)
{
	return fault_hit() ? fault_error() : fault_real->lock(c, cls, key1, key2, key2_len);
}

static enum og_err fault_prepare(struct store_conn *c, struct store_sql *sql,
				 struct store_stmt **out)
{
	return fault_hit() ? fault_error() : fault_real->prepare(c, sql, out);
}

static enum og_err fault_step(struct store_stmt *st)
{
	return fault_hit() ? fault_error() : fault_real->step(st);
}

static enum og_err fault_batch_end(struct store_conn *c)
{
	enum og_err rc = fault_real->batch_end(c);

	return fault_hit() ? fault_error() : rc;
}

void store_fault_install(struct store *s)
{
	assert(s && (!fault_real || fault_real == s->drv || s->drv == &fault_driver));
	if (s->drv == &fault_driver)
		return;
	fault_real = s->drv;
	fault_driver = *fault_real;
	fault_driver.conn_open = fault_conn_open;
	fault_driver.begin = fault_begin;
	fault_driver.commit = fault_commit;
	fault_driver.lock = fault_lock;
	fault_driver.prepare = fault_prepare;
	fault_driver.step = fault_step;
	fault_driver.batch_end = fault_batch_end;
	s->drv = &fault_driver;
}

void store_fault_arm(long n, enum store_fault_kind kind)
{
	assert(n >= 0 && kind >= 0 && kind < STORE_FAULT__COUNT);
	atomic_store(&fault_armed, false);
	atomic_store(&fault_calls, 0);
	atomic_store(&fault_at, n);
	atomic_store(&fault_kind, (int)kind);
	atomic_store(&fault_done, false);
	atomic_store(&fault_armed, true);
}

void store_fault_disarm(void)
{
	atomic_store(&fault_armed, false);
}

long store_fault_calls(void)
{
	return atomic_load(&fault_calls);
}

bool store_fault_fired(void)
{
	return atomic_load(&fault_done);
}

const char *store_fault_name(enum store_fault_kind kind)
{
	static const char *const names[STORE_FAULT__COUNT] = {
		[STORE_FAULT_BUSY] = "busy",
		[STORE_FAULT_IO] = "io",
		[STORE_FAULT_LOST] = "connection lost",
		[STORE_FAULT_LOST_AFTER] = "connection lost after commit",
	};

	return names[kind];
}
