/*
 * The driver registry and per-thread connections. This is the only file that
 * names the drivers; everything else reaches a database through store.h.
 */
#include "store/store.h"

#include <assert.h>
#include <pthread.h>
#include <stddef.h>

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

static const struct store_ops *const store_drivers[] = {
	&store_sqlite_ops,
	&store_pg_ops, /* postgres:// and postgresql:// URLs */
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
		s->ops->close(s);
}

/* One connection per thread: SQLite connections must not be shared between
 * threads without a mutex, and per-thread prepared statements avoid one. */
static pthread_key_t store_conn_key;
static pthread_once_t store_conn_once = PTHREAD_ONCE_INIT;

static void store_conn_destroy(void *p)
{
	struct store_conn *c = p;
	if (c)
		c->ops->conn_close(c);
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
		c->ops->conn_close(c);
		pthread_setspecific(store_conn_key, NULL);
	}
	rc = s->ops->conn_open(s, &c);
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
		c->ops->conn_close(c);
		pthread_setspecific(store_conn_key, NULL);
	}
}

void store_rollback(struct store_conn *c)
{
	if (c)
		c->ops->rollback(c);
}
