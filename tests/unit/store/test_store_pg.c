/*
 * What only the PostgreSQL driver does (store_pg.c, store_pg_stmt.c), on a
 * fresh database of the server at OTPGATE_TEST_PG_URL: the URLs it takes,
 * migrations found current on a second run, a session the server ends
 * reported as OG_ERR_UNAVAILABLE and reopened on the next use, and the
 * placeholder rewrite it applies to the shared SQL. The behaviour both
 * drivers share is tested on both, in the other files of tests/unit/store.
 */
#include "store_fixture.h"

static void test_placeholders(void **state)
{
	char out[128];

	(void)state;
	assert_true(store_sql_dollar("SELECT ?1, ?12 FROM t WHERE a = '?1' AND b = ?3", out,
				     sizeof out));
	assert_string_equal(out, "SELECT $1, $12 FROM t WHERE a = '?1' AND b = $3");
	assert_true(store_sql_dollar("x = 'it''s ?2' OR y = ?2", out, sizeof out));
	assert_string_equal(out, "x = 'it''s ?2' OR y = $2");
	assert_false(store_sql_dollar("SELECT ?1", out, 9));
}

static void test_accepts(void **state)
{
	struct fixture *f = *state;

	assert_true(f->s->drv->accepts("postgres://u@h/db"));
	assert_true(f->s->drv->accepts("postgresql://u@h:5432/db?sslmode=disable"));
	assert_false(f->s->drv->accepts("sqlite:/var/x.db"));
	assert_false(f->s->drv->accepts("./var/otpgate.db"));
}

static void test_migrate_again_and_reconnect(void **state)
{
	struct fixture *f = *state;
	struct store_tenant got;
	char sql[256];
	int applied = -1;

	assert_int_equal(store_migrate(f->c, &applied), OG_OK);
	assert_int_equal(applied, 0);
	/* The server ends this session: the next use reports it, the one after
	 * reconnects and prepares its statements again. */
	assert_int_equal(store_tenant_get(f->c, "t_alpha", &got), OG_OK);
	snprintf(sql, sizeof sql,
		 "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '%s'"
		 " AND application_name = 'otpgate'",
		 f->name);
	assert_true(fixture_pg_run(f->admin_url, sql));
	assert_int_equal(store_tenant_get(f->c, "t_alpha", &got), OG_ERR_UNAVAILABLE);
	assert_int_equal(store_ping(f->c), OG_OK);
	assert_int_equal(store_tenant_get(f->c, "t_alpha", &got), OG_OK);
	assert_int_equal(store_begin(f->c), OG_OK);
	assert_int_equal(store_commit(f->c), OG_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_placeholders),
		cmocka_unit_test_setup_teardown(test_accepts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_again_and_reconnect, setup, teardown),
	};

	fixture_require_backend();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
