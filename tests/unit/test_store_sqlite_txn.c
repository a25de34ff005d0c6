/*
 * The SQLite driver's write transactions (store_sqlite_txn.c): many threads
 * committing at once are grouped, and still every commit that returned
 * OG_OK is stored and visible at once, every rollback left no trace, and a
 * transaction reads its own writes. Also a WAL long enough to trigger the
 * writer's checkpoint, and a transaction left open by a closed connection.
 */
#include "store_sqlite_fixture.h"

#include <pthread.h>

#define TXN_THREADS 8
#define TXN_PER_THREAD 150
#define TXN_ROLLBACK_EVERY 5 /* every fifth transaction of a thread rolls back */
#define TXN_ID_MAX 32

struct txn_race {
	struct store *s;
	int index;
	int committed;
	int rolled_back;
	enum og_err rc; /* the first failure, OG_OK if none */
};

static void txn_id(char out[TXN_ID_MAX], int thread, int i)
{
	snprintf(out, TXN_ID_MAX, "t_%d_%04d", thread, i);
}

/* One thread: begin, insert a tenant, read it back inside the transaction,
 * then commit (checking it is visible on its own connection at once) or
 * roll back (checking it is gone). */
static void *txn_worker(void *p)
{
	struct txn_race *r = p;
	struct store_conn *c = NULL;
	enum og_err rc = r->s->ops->conn_open(r->s, &c);

	for (int i = 0; rc == OG_OK && i < TXN_PER_THREAD; i++) {
		char id[TXN_ID_MAX];
		struct store_tenant t, got;
		bool keep = i % TXN_ROLLBACK_EVERY != 0;

		txn_id(id, r->index, i);
		t = make_tenant(id);
		rc = c->ops->begin(c);
		if (rc == OG_OK)
			rc = c->ops->tenant_insert(c, &t);
		if (rc == OG_OK)
			rc = c->ops->tenant_get(c, id, &got); /* its own write, not yet committed */
		if (rc != OG_OK)
			break;
		if (keep) {
			rc = c->ops->commit(c);
			if (rc == OG_OK)
				rc = c->ops->tenant_get(c, id, &got);
			r->committed++;
		} else {
			c->ops->rollback(c);
			rc = c->ops->tenant_get(c, id, &got) == OG_ERR_NOT_FOUND ? OG_OK
										 : OG_ERR_INTERNAL;
			r->rolled_back++;
		}
	}
	if (c)
		c->ops->conn_close(c);
	r->rc = rc;
	return NULL;
}

static void test_concurrent_commits_and_rollbacks(void **state)
{
	struct fixture *f = *state;
	struct txn_race races[TXN_THREADS];
	pthread_t threads[TXN_THREADS];
	size_t n = 0;
	int committed = 0;

	memset(races, 0, sizeof races);
	for (int i = 0; i < TXN_THREADS; i++) {
		races[i].s = f->s;
		races[i].index = i;
		assert_int_equal(pthread_create(&threads[i], NULL, txn_worker, &races[i]), 0);
	}
	for (int i = 0; i < TXN_THREADS; i++) {
		pthread_join(threads[i], NULL);
		assert_int_equal(races[i].rc, OG_OK);
		committed += races[i].committed;
	}
	assert_int_equal(committed, TXN_THREADS * (TXN_PER_THREAD - TXN_PER_THREAD /
							      TXN_ROLLBACK_EVERY));
	/* Every kept row is there and no rolled-back one is. */
	for (int t = 0; t < TXN_THREADS; t++) {
		for (int i = 0; i < TXN_PER_THREAD; i++) {
			char id[TXN_ID_MAX];
			struct store_tenant got;
			enum og_err want = i % TXN_ROLLBACK_EVERY ? OG_OK : OG_ERR_NOT_FOUND;

			txn_id(id, t, i);
			assert_int_equal(f->ops->tenant_get(f->c, id, &got), want);
			n += want == OG_OK;
		}
	}
	assert_int_equal(n, (size_t)committed);
}

/* A failing statement inside one transaction undoes nothing of another
 * transaction's, and its caller can still roll back cleanly. */
static void test_failure_stays_in_its_transaction(void **state)
{
	struct fixture *f = *state;
	struct store_tenant dup = make_tenant("t_alpha"), fresh = make_tenant("t_fresh"), got;

	assert_int_equal(f->ops->begin(f->c), OG_OK);
	assert_int_equal(f->ops->tenant_insert(f->c, &dup), OG_ERR_CONFLICT);
	f->ops->rollback(f->c);
	assert_int_equal(f->ops->begin(f->c), OG_OK);
	assert_int_equal(f->ops->tenant_insert(f->c, &fresh), OG_OK);
	assert_int_equal(f->ops->commit(f->c), OG_OK);
	assert_int_equal(f->ops->tenant_get(f->c, "t_fresh", &got), OG_OK);
	assert_int_equal(f->ops->tenant_get(f->c, "t_alpha", &got), OG_OK);
}

/* Enough committed pages to pass the writer's checkpoint threshold; the
 * rows stay readable through and after the checkpoint's rewind. */
static void test_checkpoint_keeps_rows(void **state)
{
	struct fixture *f = *state;
	char id[TXN_ID_MAX];
	struct store_tenant t, got;

	for (int i = 0; i < 3000; i++) {
		txn_id(id, 99, i);
		t = make_tenant(id);
		assert_int_equal(f->ops->begin(f->c), OG_OK);
		assert_int_equal(f->ops->tenant_insert(f->c, &t), OG_OK);
		assert_int_equal(f->ops->commit(f->c), OG_OK);
	}
	for (int i = 0; i < 3000; i += 97) {
		txn_id(id, 99, i);
		assert_int_equal(f->ops->tenant_get(f->c, id, &got), OG_OK);
	}
}

/* Closing a connection in the middle of a transaction rolls it back and
 * frees the writer for the next one. */
static void test_close_ends_open_transaction(void **state)
{
	struct fixture *f = *state;
	struct store_conn *c2 = NULL;
	struct store_tenant t = make_tenant("t_abandoned"), got;

	assert_int_equal(f->ops->conn_open(f->s, &c2), OG_OK);
	assert_int_equal(c2->ops->begin(c2), OG_OK);
	assert_int_equal(c2->ops->tenant_insert(c2, &t), OG_OK);
	c2->ops->conn_close(c2);
	assert_int_equal(f->ops->tenant_get(f->c, "t_abandoned", &got), OG_ERR_NOT_FOUND);
	assert_int_equal(f->ops->begin(f->c), OG_OK);
	assert_int_equal(f->ops->tenant_insert(f->c, &t), OG_OK);
	assert_int_equal(f->ops->commit(f->c), OG_OK);
	assert_int_equal(f->ops->tenant_get(f->c, "t_abandoned", &got), OG_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_concurrent_commits_and_rollbacks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failure_stays_in_its_transaction, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_keeps_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_ends_open_transaction, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
