/*
 * The configuration cache (src/domain/cache.c) on a real store: a lookup is
 * answered from memory until a configuration write, by anyone, bumps the
 * generation, and the next request (cache_refresh) reads the store again;
 * a revoked key stops at the next request; a template or policy known to be
 * absent is remembered as absent, and found once it is written; without a
 * cache every lookup goes to the store.
 */
#include "domain_fixture.h"

#include "domain/cache.h"

static int64_t clock_fixed(void) { return 1780300000000LL; }

static struct store_tenant tenant(const char *id, const char *name)
{
	struct store_tenant t;

	memset(&t, 0, sizeof t);
	snprintf(t.id, sizeof t.id, "%s", id);
	snprintf(t.name, sizeof t.name, "%s", name);
	snprintf(t.upstream_provider, sizeof t.upstream_provider, "log");
	t.otp_length = 6;
	t.otp_ttl_sec = 300;
	t.otp_max_attempts = 5;
	return t;
}

static int setup(void **state)
{
	struct domain_fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	domain_fixture_open(f, "og_cache", 7, clock_fixed);
	assert_int_equal(cache_new(&f->d.cache), OG_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct domain_fixture *f = *state;

	cache_free(f->d.cache);
	domain_fixture_close(f);
	free(f);
	return 0;
}

/* Another writer (a node, the CLI): its own connection, no cache. */
static struct store_conn *other(struct domain_fixture *f)
{
	struct store_conn *c = NULL;

	assert_int_equal(store_conn_open(f->s, &c), OG_OK);
	return c;
}

static void test_tenant_until_a_change(void **state)
{
	struct domain_fixture *f = *state;
	struct store_tenant t = tenant("t_cache", "First"), got;
	struct store_conn *w = other(f);

	assert_int_equal(store_tenant_insert(w, &t), OG_OK);
	assert_int_equal(cache_refresh(&f->d, f->c), OG_OK);
	assert_int_equal(cache_tenant(&f->d, f->c, "t_cache", &got), OG_OK);
	assert_string_equal(got.name, "First");
	/* A change by another writer: this request still sees what it read. */
	snprintf(t.name, sizeof t.name, "Second");
	assert_int_equal(store_tenant_update(w, &t), OG_OK);
	assert_int_equal(cache_tenant(&f->d, f->c, "t_cache", &got), OG_OK);
	assert_string_equal(got.name, "First");
	/* The next request does not. */
	assert_int_equal(cache_refresh(&f->d, f->c), OG_OK);
	assert_int_equal(cache_tenant(&f->d, f->c, "t_cache", &got), OG_OK);
	assert_string_equal(got.name, "Second");
	assert_int_equal(cache_tenant(&f->d, f->c, "t_none", &got), OG_ERR_NOT_FOUND);
	store_conn_close(w);
}

static void test_revoked_key_stops_at_the_next_request(void **state)
{
	struct domain_fixture *f = *state;
	struct store_api_key k, got;
	struct store_conn *w = other(f);

	memset(&k, 0, sizeof k);
	snprintf(k.id, sizeof k.id, "key_cache");
	k.kind = STORE_KEY_ADMIN;
	snprintf(k.name, sizeof k.name, "ops");
	snprintf(k.prefix, sizeof k.prefix, "oga_");
	memset(k.hash, 0x42, sizeof k.hash);
	assert_int_equal(store_key_insert(w, &k), OG_OK);
	assert_int_equal(cache_refresh(&f->d, f->c), OG_OK);
	assert_int_equal(cache_key(&f->d, f->c, k.hash, &got), OG_OK);
	assert_int_equal(got.revoked_at_ms, 0);
	assert_int_equal(store_key_revoke(w, "", "key_cache", 5), OG_OK);
	assert_int_equal(cache_refresh(&f->d, f->c), OG_OK);
	assert_int_equal(cache_key(&f->d, f->c, k.hash, &got), OG_OK);
	assert_int_equal(got.revoked_at_ms, 5);
	/* An unknown hash is never remembered, found or not. */
	memset(k.hash, 0x43, sizeof k.hash);
	assert_int_equal(cache_key(&f->d, f->c, k.hash, &got), OG_ERR_NOT_FOUND);
	store_conn_close(w);
}

static void test_absence_is_remembered_until_written(void **state)
{
	struct domain_fixture *f = *state;
	struct store_tenant t = tenant("t_tpl", "Tpl");
	struct store_template tpl, got;
	struct store_policy p;
	struct store_conn *w = other(f);

	assert_int_equal(store_tenant_insert(w, &t), OG_OK);
	assert_int_equal(cache_refresh(&f->d, f->c), OG_OK);
	assert_int_equal(cache_template_default(&f->d, f->c, "t_tpl", &got), OG_ERR_NOT_FOUND);
	assert_int_equal(cache_policy(&f->d, f->c, "t_tpl", &p), OG_ERR_NOT_FOUND);
	memset(&tpl, 0, sizeof tpl);
	snprintf(tpl.tenant_id, sizeof tpl.tenant_id, "t_tpl");
	snprintf(tpl.name, sizeof tpl.name, "login");
	snprintf(tpl.dlt_template_id, sizeof tpl.dlt_template_id, "1107160000000012345");
	snprintf(tpl.body, sizeof tpl.body, "Your code is {#var#}");
	tpl.var_count = 1;
	snprintf(tpl.vars[0], sizeof tpl.vars[0], "otp");
	tpl.is_default = true;
	assert_int_equal(store_template_insert(w, &tpl), OG_OK);
	assert_int_equal(cache_template_default(&f->d, f->c, "t_tpl", &got), OG_ERR_NOT_FOUND);
	assert_int_equal(cache_refresh(&f->d, f->c), OG_OK);
	assert_int_equal(cache_template_default(&f->d, f->c, "t_tpl", &got), OG_OK);
	assert_string_equal(got.name, "login");
	assert_int_equal(cache_template(&f->d, f->c, "t_tpl", "1107160000000012345", &got), OG_OK);
	assert_int_equal(cache_template_by_dlt_id(&f->d, f->c, "t_tpl", "1107160000000012345",
						  &got),
			 OG_OK);
	store_conn_close(w);
}

static void test_no_cache_reads_the_store(void **state)
{
	struct domain_fixture *f = *state;
	struct store_tenant t = tenant("t_direct", "Direct"), got;
	struct cache *k = f->d.cache;

	f->d.cache = NULL;
	assert_int_equal(cache_refresh(&f->d, f->c), OG_OK);
	assert_int_equal(store_tenant_insert(f->c, &t), OG_OK);
	assert_int_equal(cache_tenant(&f->d, f->c, "t_direct", &got), OG_OK);
	snprintf(t.name, sizeof t.name, "Changed");
	assert_int_equal(store_tenant_update(f->c, &t), OG_OK);
	assert_int_equal(cache_tenant(&f->d, f->c, "t_direct", &got), OG_OK);
	assert_string_equal(got.name, "Changed");
	f->d.cache = k;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tenant_until_a_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoked_key_stops_at_the_next_request, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_absence_is_remembered_until_written, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_cache_reads_the_store, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
