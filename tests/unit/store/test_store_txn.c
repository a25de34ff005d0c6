/*
 * Write transactions on each database: many threads committing at once (on
 * SQLite, grouped on one writer by store_sqlite_txn.c), and still every
 * commit that returned OG_OK is stored and visible at once, every rollback
 * left no trace, and a transaction reads its own writes. Also enough
 * commits to pass SQLite's checkpoint threshold, a transaction left open by
 * a closed connection, and batches (PostgreSQL's pipeline mode) that commit
 * whole or not at all.
 */
#include "store_fixture.h"

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
	enum og_err rc = store_conn_open(r->s, &c);

	for (int i = 0; rc == OG_OK && i < TXN_PER_THREAD; i++) {
		char id[TXN_ID_MAX];
		struct store_tenant t, got;
		bool keep = i % TXN_ROLLBACK_EVERY != 0;

		txn_id(id, r->index, i);
		t = make_tenant(id);
		rc = store_begin(c);
		if (rc == OG_OK)
			rc = store_tenant_insert(c, &t);
		if (rc == OG_OK)
			rc = store_tenant_get(c, id, &got); /* its own write, not yet committed */
		if (rc != OG_OK)
			break;
		if (keep) {
			rc = store_commit(c);
			if (rc == OG_OK)
				rc = store_tenant_get(c, id, &got);
			r->committed++;
		} else {
			store_rollback(c);
			rc = store_tenant_get(c, id, &got) == OG_ERR_NOT_FOUND ? OG_OK
										 : OG_ERR_INTERNAL;
			r->rolled_back++;
		}
	}
	if (c)
		store_conn_close(c);
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
			assert_int_equal(store_tenant_get(f->c, id, &got), want);
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

	assert_int_equal(store_begin(f->c), OG_OK);
	assert_int_equal(store_tenant_insert(f->c, &dup), OG_ERR_CONFLICT);
	store_rollback(f->c);
	assert_int_equal(store_begin(f->c), OG_OK);
	assert_int_equal(store_tenant_insert(f->c, &fresh), OG_OK);
	assert_int_equal(store_commit(f->c), OG_OK);
	assert_int_equal(store_tenant_get(f->c, "t_fresh", &got), OG_OK);
	assert_int_equal(store_tenant_get(f->c, "t_alpha", &got), OG_OK);
}

/* Closing a connection in the middle of a transaction rolls it back and
 * frees the writer for the next one. */
static void test_close_ends_open_transaction(void **state)
{
	struct fixture *f = *state;
	struct store_conn *c2 = NULL;
	struct store_tenant t = make_tenant("t_abandoned"), got;

	assert_int_equal(store_conn_open(f->s, &c2), OG_OK);
	assert_int_equal(store_begin(c2), OG_OK);
	assert_int_equal(store_tenant_insert(c2, &t), OG_OK);
	store_conn_close(c2);
	assert_int_equal(store_tenant_get(f->c, "t_abandoned", &got), OG_ERR_NOT_FOUND);
	assert_int_equal(store_begin(f->c), OG_OK);
	assert_int_equal(store_tenant_insert(f->c, &t), OG_OK);
	assert_int_equal(store_commit(f->c), OG_OK);
	assert_int_equal(store_tenant_get(f->c, "t_abandoned", &got), OG_OK);
}

/* A batch: every write of it travels together (PostgreSQL's pipeline
 * mode; on SQLite they run as they come), and a failure in it leaves
 * nothing of the transaction behind. */
static struct store_sql sql_bad_message = {
	.text = "INSERT INTO messages (tenant_id, id) VALUES ('t_nobody', ?1)"};

static void test_batches(void **state)
{
	struct fixture *f = *state;
	struct store_tenant t1 = make_tenant("t_batch1"), t2 = make_tenant("t_batch2"), got;
	enum og_err rc;

	assert_int_equal(store_batch_begin(f->c), OG_OK);
	assert_int_equal(store_begin(f->c), OG_OK);
	assert_int_equal(store_tenant_insert(f->c, &t1), OG_OK);
	assert_int_equal(store_tenant_insert(f->c, &t2), OG_OK);
	assert_int_equal(store_commit(f->c), OG_OK);
	assert_int_equal(store_batch_end(f->c), OG_OK);
	assert_int_equal(store_tenant_get(f->c, "t_batch1", &got), OG_OK);
	assert_int_equal(store_tenant_get(f->c, "t_batch2", &got), OG_OK);

	/* A statement that fails (a message of no tenant, NOT NULL columns
	 * missing): reported by the statement or by batch_end, and the whole
	 * transaction is gone once the caller rolls back. */
	t1 = make_tenant("t_batch3");
	assert_int_equal(store_batch_begin(f->c), OG_OK);
	assert_int_equal(store_begin(f->c), OG_OK);
	rc = store_tenant_insert(f->c, &t1);
	if (rc == OG_OK)
		rc = fixture_exec(f->c, &sql_bad_message, "msg_bad");
	if (rc == OG_OK)
		rc = store_commit(f->c);
	if (rc != OG_OK)
		store_rollback(f->c);
	assert_int_not_equal(store_batch_end(f->c) == OG_OK && rc == OG_OK, true);
	store_rollback(f->c);
	assert_int_equal(store_tenant_get(f->c, "t_batch3", &got), OG_ERR_NOT_FOUND);
	/* The connection is usable after a failed batch. */
	assert_int_equal(store_ping(f->c), OG_OK);
	assert_int_equal(store_begin(f->c), OG_OK);
	assert_int_equal(store_tenant_insert(f->c, &t1), OG_OK);
	assert_int_equal(store_commit(f->c), OG_OK);
	assert_int_equal(store_tenant_get(f->c, "t_batch3", &got), OG_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_concurrent_commits_and_rollbacks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_failure_stays_in_its_transaction, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_ends_open_transaction, setup, teardown),
	};

	fixture_require_backend();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
