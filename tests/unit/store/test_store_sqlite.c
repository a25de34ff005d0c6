/*
 * What only the SQLite driver does (store_sqlite.c, store_sqlite_txn.c):
 * the URLs and paths it takes, a clean failure for a path it cannot open,
 * and enough commits to pass the writer's checkpoint threshold with every
 * row still there. The behaviour both drivers share is tested on both, in
 * the other files of tests/unit/store.
 */
#include "store_fixture.h"

#define CHECKPOINT_COMMITS 3000 /* past TXN_CHECKPOINT_FRAMES of WAL */
#define CHECKPOINT_ID_MAX 32

static void test_accepts_and_open_fails(void **state)
{
	struct fixture *f = *state;
	struct store *s = NULL;

	assert_true(f->s->drv->accepts("sqlite:/var/x.db"));
	assert_true(f->s->drv->accepts("file:/var/x.db"));
	assert_true(f->s->drv->accepts("./var/otpgate.db"));
	assert_false(f->s->drv->accepts("postgres://db/otpgate"));
	assert_false(f->s->drv->accepts(""));
	assert_int_equal(store_open("/nonexistent-dir-og/x/otpgate.db", &s), OG_ERR_STORE);
	assert_null(s);
}

/* The rows stay readable through and after the checkpoint's rewind. */
static void test_checkpoint_keeps_rows(void **state)
{
	struct fixture *f = *state;
	char id[CHECKPOINT_ID_MAX];
	struct store_tenant t, got;

	for (int i = 0; i < CHECKPOINT_COMMITS; i++) {
		snprintf(id, sizeof id, "t_cp_%04d", i);
		t = make_tenant(id);
		assert_int_equal(store_begin(f->c), OG_OK);
		assert_int_equal(store_tenant_insert(f->c, &t), OG_OK);
		assert_int_equal(store_commit(f->c), OG_OK);
	}
	for (int i = 0; i < CHECKPOINT_COMMITS; i += 97) {
		snprintf(id, sizeof id, "t_cp_%04d", i);
		assert_int_equal(store_tenant_get(f->c, id, &got), OG_OK);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_accepts_and_open_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_keeps_rows, setup, teardown),
	};

	fixture_require_backend();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
