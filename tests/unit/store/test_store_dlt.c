/*
 * The DLT registry in the store, on each database (store_dlt.c and the DLT
 * columns of templates, tenants and messages): records come back byte for
 * byte, tenant "" reaches the platform's tables and nothing of a tenant's,
 * keys lead with tenant_id, and usage by route adds up per day and route.
 */
#include "store_fixture.h"

static struct store_dlt_header header(const char *tenant, const char *name, int status)
{
	struct store_dlt_header h;

	memset(&h, 0, sizeof h);
	SET(h.tenant_id, tenant);
	SET(h.header, name);
	h.category = STORE_DLT_TRANSACTIONAL;
	h.status = status;
	SET(h.pe_id, "1101234567890123456");
	h.created_at_ms = T0;
	h.updated_at_ms = T0 + 5;
	return h;
}

static void test_headers(void **state)
{
	struct fixture *f = *state;
	struct store_dlt_header h = header("t_alpha", "ALPHAR", STORE_DLT_ACTIVE), got, page[4];
	struct store_dlt_header p = header("", "STRMSG", STORE_DLT_INACTIVE);
	size_t n = 0;

	assert_int_equal(store_dlt_header_put(f->c, &h), OG_OK);
	assert_int_equal(store_dlt_header_get(f->c, "t_alpha", "ALPHAR", &got), OG_OK);
	assert_memory_equal(&got, &h, sizeof h);
	/* Tenant-scoped: another tenant, or the platform, does not see it. */
	assert_int_equal(store_dlt_header_get(f->c, "t_beta", "ALPHAR", &got), OG_ERR_NOT_FOUND);
	assert_int_equal(store_dlt_header_get(f->c, "", "ALPHAR", &got), OG_ERR_NOT_FOUND);
	/* Put again: replaced, not duplicated. */
	h.status = STORE_DLT_INACTIVE;
	h.updated_at_ms = T0 + 9;
	assert_int_equal(store_dlt_header_put(f->c, &h), OG_OK);
	assert_int_equal(store_dlt_header_get(f->c, "t_alpha", "ALPHAR", &got), OG_OK);
	assert_memory_equal(&got, &h, sizeof h);
	assert_int_equal(store_dlt_header_put(f->c, &p), OG_OK);
	assert_int_equal(store_dlt_header_get(f->c, "", "STRMSG", &got), OG_OK);
	assert_memory_equal(&got, &p, sizeof p);
	h = header("t_alpha", "ALPHAB", STORE_DLT_ACTIVE);
	assert_int_equal(store_dlt_header_put(f->c, &h), OG_OK);
	assert_int_equal(store_dlt_header_list(f->c, "t_alpha", NULL, 4, page, &n), OG_OK);
	assert_int_equal(n, 2);
	assert_string_equal(page[0].header, "ALPHAB");
	assert_int_equal(store_dlt_header_list(f->c, "t_alpha", "ALPHAB", 4, page, &n), OG_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_dlt_header_list(f->c, "", NULL, 4, page, &n), OG_OK);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].tenant_id, "");
	assert_int_equal(store_dlt_header_delete(f->c, "t_beta", "ALPHAB"), OG_ERR_NOT_FOUND);
	assert_int_equal(store_dlt_header_delete(f->c, "", "ALPHAB"), OG_ERR_NOT_FOUND);
	assert_int_equal(store_dlt_header_delete(f->c, "t_alpha", "ALPHAB"), OG_OK);
	assert_int_equal(store_dlt_header_delete(f->c, "t_alpha", "ALPHAB"), OG_ERR_NOT_FOUND);
	assert_int_equal(store_dlt_header_delete(f->c, "", "STRMSG"), OG_OK);
}

static void test_whitelist_and_platform(void **state)
{
	struct fixture *f = *state;
	struct store_dlt_whitelist w, page[4];
	struct store_dlt_platform p, got;
	size_t n = 0;

	memset(&w, 0, sizeof w);
	SET(w.tenant_id, "t_alpha");
	SET(w.value, "https://alpha.example.in/v?");
	w.kind = STORE_DLT_WL_URL;
	w.created_at_ms = T0;
	assert_int_equal(store_dlt_whitelist_put(f->c, &w), OG_OK);
	assert_int_equal(store_dlt_whitelist_put(f->c, &w), OG_OK); /* idempotent */
	SET(w.value, "9812345678");
	w.kind = STORE_DLT_WL_CBN;
	assert_int_equal(store_dlt_whitelist_put(f->c, &w), OG_OK);
	SET(w.tenant_id, "");
	assert_int_equal(store_dlt_whitelist_put(f->c, &w), OG_OK);
	assert_int_equal(store_dlt_whitelist_list(f->c, "t_alpha", NULL, 4, page, &n), OG_OK);
	assert_int_equal(n, 2);
	assert_string_equal(page[0].value, "9812345678");
	assert_int_equal(page[0].kind, STORE_DLT_WL_CBN);
	assert_int_equal(page[1].kind, STORE_DLT_WL_URL);
	assert_int_equal(store_dlt_whitelist_list(f->c, "t_beta", NULL, 4, page, &n), OG_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_dlt_whitelist_list(f->c, "", NULL, 4, page, &n), OG_OK);
	assert_int_equal(n, 1);
	assert_memory_equal(&page[0], &w, sizeof w);
	assert_int_equal(store_dlt_whitelist_delete(f->c, "t_alpha", "nope"), OG_ERR_NOT_FOUND);
	assert_int_equal(store_dlt_whitelist_delete(f->c, "", "9812345678"), OG_OK);
	assert_int_equal(store_dlt_whitelist_list(f->c, "t_alpha", NULL, 4, page, &n), OG_OK);
	assert_int_equal(n, 2);

	/* The platform's entity reads as empty until set. */
	assert_int_equal(store_dlt_platform_get(f->c, &got), OG_OK);
	assert_string_equal(got.pe_id, "");
	assert_int_equal(got.updated_at_ms, 0);
	memset(&p, 0, sizeof p);
	SET(p.pe_id, "1201234567890123456");
	SET(p.sender_header, "STRMSG");
	p.updated_at_ms = T0;
	assert_int_equal(store_dlt_platform_put(f->c, &p), OG_OK);
	SET(p.sender_header, "STRMSH");
	assert_int_equal(store_dlt_platform_put(f->c, &p), OG_OK);
	assert_int_equal(store_dlt_platform_get(f->c, &got), OG_OK);
	assert_memory_equal(&got, &p, sizeof p);
}

static struct store_template dlt_template(const char *tenant, const char *name, const char *id)
{
	struct store_template t;

	memset(&t, 0, sizeof t);
	SET(t.tenant_id, tenant);
	SET(t.name, name);
	SET(t.dlt_template_id, id);
	SET(t.body, "Your OTP for {#var#} is {#numeric#}.");
	t.var_count = 2;
	SET(t.vars[0], "appName");
	SET(t.vars[1], "otp");
	t.created_at_ms = T0;
	t.category = STORE_DLT_GOVERNMENT;
	t.status = STORE_DLT_BLACKLISTED;
	t.header_count = 2;
	SET(t.headers[0], "ALPHAR");
	SET(t.headers[1], "ALPHAB");
	t.var_max_len[0] = 12;
	t.var_max_len[1] = 6;
	t.warning_count = 2;
	SET(t.warnings[0].rule, "DLT-31");
	SET(t.warnings[0].message, "fixed text is 25% \"quoted\"");
	SET(t.warnings[1].rule, "DLT-34");
	SET(t.warnings[1].message, "mapped header ALPHAB is not registered yet");
	return t;
}

static void test_templates(void **state)
{
	struct fixture *f = *state;
	struct store_template t = dlt_template("t_alpha", "login", "1107160000000012345"), got;
	struct store_template p = dlt_template("", "shared", "1207160000000000001"), page[4];
	size_t n = 0;

	assert_int_equal(store_template_insert(f->c, &t), OG_OK);
	assert_int_equal(store_template_get(f->c, "t_alpha", "login", &got), OG_OK);
	assert_memory_equal(&got, &t, sizeof t);
	p.is_default = true;
	assert_int_equal(store_template_insert(f->c, &p), OG_OK);
	assert_int_equal(store_template_insert(f->c, &p), OG_ERR_CONFLICT);
	assert_int_equal(store_template_get(f->c, "", "shared", &got), OG_OK);
	assert_memory_equal(&got, &p, sizeof p);
	assert_int_equal(store_template_get_default(f->c, "", &got), OG_OK);
	assert_string_equal(got.name, "shared");
	/* The platform's templates are not a tenant's, nor the reverse. */
	assert_int_equal(store_template_get(f->c, "t_alpha", "shared", &got), OG_ERR_NOT_FOUND);
	assert_int_equal(store_template_get(f->c, "", "login", &got), OG_ERR_NOT_FOUND);
	/* By DLT id alone: a name that looks like an id does not count. */
	assert_int_equal(store_template_get_by_dlt_id(f->c, "", "1207160000000000001", &got),
			 OG_OK);
	assert_int_equal(store_template_get_by_dlt_id(f->c, "", "shared", &got),
			 OG_ERR_NOT_FOUND);
	assert_int_equal(store_template_get_by_dlt_id(f->c, "t_alpha", "1207160000000000001",
							&got),
			 OG_ERR_NOT_FOUND);
	/* An update replaces every field of the same (tenant, name). */
	t.status = STORE_DLT_ACTIVE;
	t.header_count = 1;
	memset(t.headers[1], 0, sizeof t.headers[1]);
	t.warning_count = 0;
	memset(t.warnings, 0, sizeof t.warnings);
	SET(t.body, "Code {#numeric#} for {#var#}");
	assert_int_equal(store_template_update(f->c, &t), OG_OK);
	assert_int_equal(store_template_get(f->c, "t_alpha", "login", &got), OG_OK);
	assert_memory_equal(&got, &t, sizeof t);
	SET(t.name, "absent");
	assert_int_equal(store_template_update(f->c, &t), OG_ERR_NOT_FOUND);
	assert_int_equal(store_template_list(f->c, "", NULL, 4, page, &n), OG_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_template_clear_default(f->c, ""), OG_OK);
	assert_int_equal(store_template_get_default(f->c, "", &got), OG_ERR_NOT_FOUND);
	assert_int_equal(store_template_delete(f->c, "", "shared"), OG_OK);
	assert_int_equal(store_template_delete(f->c, "", "shared"), OG_ERR_NOT_FOUND);
	assert_int_equal(store_template_get(f->c, "t_alpha", "login", &got), OG_OK);
}

static void test_tenant_and_message_route(void **state)
{
	struct fixture *f = *state;
	struct store_tenant t = make_tenant("t_gamma"), got;
	struct store_message m = make_message("t_alpha", "msg_1", "req_1", T0), mg;

	t.route = STORE_ROUTE_SHARED;
	t.price_own_paise = 17;
	t.price_shared_paise = 23;
	assert_int_equal(store_tenant_insert(f->c, &t), OG_OK);
	assert_int_equal(store_tenant_get(f->c, "t_gamma", &got), OG_OK);
	assert_memory_equal(&got, &t, sizeof t);
	m.route = STORE_ROUTE_SHARED;
	assert_int_equal(store_message_insert(f->c, &m), OG_OK);
	assert_int_equal(store_message_get(f->c, "t_alpha", "msg_1", &mg), OG_OK);
	assert_int_equal(mg.route, STORE_ROUTE_SHARED);
}

struct route_sum {
	size_t n;
	struct store_usage_route_row rows[8];
};

static enum og_err collect(void *arg, const struct store_usage_route_row *row)
{
	struct route_sum *s = arg;

	assert_true(s->n < 8);
	s->rows[s->n++] = *row;
	return OG_OK;
}

static void test_usage_route(void **state)
{
	struct fixture *f = *state;
	struct route_sum s = {0};

	assert_int_equal(store_usage_route_add(f->c, "t_beta", "2026-03-01", STORE_ROUTE_OWN, 1,
						 18),
			 OG_OK);
	assert_int_equal(store_usage_route_add(f->c, "t_beta", "2026-03-02", STORE_ROUTE_OWN, 2,
						 36),
			 OG_OK);
	assert_int_equal(store_usage_route_add(f->c, "t_beta", "2026-03-02", STORE_ROUTE_SHARED,
						 1, 25),
			 OG_OK);
	assert_int_equal(store_usage_route_add(f->c, "t_alpha", "2026-03-31", STORE_ROUTE_SHARED,
						 4, 100),
			 OG_OK);
	assert_int_equal(store_usage_route_add(f->c, "t_alpha", "2026-04-01", STORE_ROUTE_OWN, 9,
						 900),
			 OG_OK);
	assert_int_equal(store_usage_route_range(f->c, NULL, "2026-03-01", "2026-03-31", collect,
						   &s),
			 OG_OK);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.rows[0].tenant_id, "t_alpha");
	assert_int_equal(s.rows[0].route, STORE_ROUTE_SHARED);
	assert_int_equal(s.rows[0].total_cost_paise, 100);
	assert_string_equal(s.rows[1].tenant_id, "t_beta");
	assert_int_equal(s.rows[1].route, STORE_ROUTE_OWN);
	assert_int_equal(s.rows[1].total_sms, 3);
	assert_int_equal(s.rows[1].total_cost_paise, 54);
	assert_int_equal(s.rows[2].route, STORE_ROUTE_SHARED);
	s.n = 0;
	assert_int_equal(store_usage_route_range(f->c, "t_alpha", "2026-03-01", "2026-04-30",
						   collect, &s),
			 OG_OK);
	assert_int_equal(s.n, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whitelist_and_platform, setup, teardown),
		cmocka_unit_test_setup_teardown(test_templates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tenant_and_message_route, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage_route, setup, teardown),
	};

	fixture_require_backend();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
