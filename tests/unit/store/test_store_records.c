/*
 * The store's catalogue records on each database (store_fixture.h): the
 * schema migrated once and then found current, transactions, tenants, API
 * keys, templates and idempotency records round-tripped field for field
 * with their unique keys, a refused insert that leaves its transaction
 * usable, bytewise order, NULL and empty values, and refusal of text too
 * long for its field. Money is in test_store_ledger.c; OTPs, messages and
 * the outbox in test_store_outbox.c.
 */
#include "store_fixture.h"

static void test_migrate_again(void **state)
{
	struct fixture *f = *state;
	struct store_conn *c2 = NULL;
	int applied = -1;

	/* A second connection sees the schema and has nothing to apply. */
	assert_int_equal(store_conn_open(f->s, &c2), OG_OK);
	assert_int_equal(store_migrate(c2, &applied), OG_OK);
	assert_int_equal(applied, 0);
	assert_int_equal(store_ping(c2), OG_OK);
	store_conn_close(c2);
}

static void test_tenant_round_trip(void **state)
{
	struct fixture *f = *state;
	struct store_tenant t = make_tenant("t_gamma"), got, page[2];
	size_t n = 0;

	assert_int_equal(store_tenant_insert(f->c, &t), OG_OK);
	assert_int_equal(store_tenant_insert(f->c, &t), OG_ERR_CONFLICT);
	memset(&got, 0x77, sizeof got);
	assert_int_equal(store_tenant_get(f->c, "t_gamma", &got), OG_OK);
	assert_memory_equal(&got, &t, sizeof t);

	t.suspended = true;
	t.billing_mode = STORE_BILLING_PREPAID;
	t.upstream_key_sealed_len = 0;
	memset(t.upstream_key_sealed, 0, sizeof t.upstream_key_sealed);
	SET(t.name, "Gamma");
	assert_int_equal(store_tenant_update(f->c, &t), OG_OK);
	assert_int_equal(store_tenant_get(f->c, "t_gamma", &got), OG_OK);
	assert_memory_equal(&got, &t, sizeof t);
	assert_int_equal(store_tenant_get(f->c, "t_nobody", &got), OG_ERR_NOT_FOUND);
	SET(t.id, "t_nobody");
	assert_int_equal(store_tenant_update(f->c, &t), OG_ERR_NOT_FOUND);

	/* Ordered by id, strictly after the cursor. */
	assert_int_equal(store_tenant_list(f->c, NULL, 2, page, &n), OG_OK);
	assert_int_equal(n, 2);
	assert_string_equal(page[0].id, "t_alpha");
	assert_string_equal(page[1].id, "t_beta");
	assert_int_equal(store_tenant_list(f->c, "t_beta", 2, page, &n), OG_OK);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].id, "t_gamma");
}

static void test_key_round_trip(void **state)
{
	struct fixture *f = *state;
	struct store_api_key k, got, page[4];
	size_t n = 0;

	memset(&k, 0, sizeof k);
	SET(k.id, "key_01");
	k.kind = STORE_KEY_ADMIN;
	SET(k.name, "bootstrap");
	SET(k.prefix, "ogadm_abcd");
	memset(k.hash, 1, sizeof k.hash);
	k.created_at_ms = T0;
	assert_int_equal(store_key_insert(f->c, &k), OG_OK);
	assert_int_equal(store_key_insert(f->c, &k), OG_ERR_CONFLICT);
	SET(k.id, "key_02");
	SET(k.tenant_id, "t_alpha");
	k.kind = STORE_KEY_TENANT;
	memset(k.hash, 2, sizeof k.hash);
	assert_int_equal(store_key_insert(f->c, &k), OG_OK);

	assert_int_equal(store_key_find_by_hash(f->c, k.hash, &got), OG_OK);
	assert_memory_equal(&got, &k, sizeof k);
	memset(k.hash, 3, sizeof k.hash);
	assert_int_equal(store_key_find_by_hash(f->c, k.hash, &got), OG_ERR_NOT_FOUND);

	assert_int_equal(store_key_list(f->c, "", NULL, 4, page, &n), OG_OK);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].id, "key_01");
	assert_string_equal(page[0].tenant_id, "");
	assert_int_equal(store_key_list(f->c, "t_alpha", NULL, 4, page, &n), OG_OK);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].id, "key_02");
	assert_int_equal(store_key_list(f->c, "t_alpha", "key_02", 4, page, &n), OG_OK);
	assert_int_equal(n, 0);

	/* Another tenant's key, or a platform key named under a tenant, is not found. */
	assert_int_equal(store_key_revoke(f->c, "t_beta", "key_02", T0 + 5), OG_ERR_NOT_FOUND);
	assert_int_equal(store_key_revoke(f->c, "t_alpha", "key_01", T0 + 5), OG_ERR_NOT_FOUND);
	assert_int_equal(store_key_revoke(f->c, "t_alpha", "key_02", T0 + 5), OG_OK);
	assert_int_equal(store_key_revoke(f->c, "t_alpha", "key_02", T0 + 9), OG_OK);
	memset(k.hash, 2, sizeof k.hash);
	assert_int_equal(store_key_find_by_hash(f->c, k.hash, &got), OG_OK);
	assert_int_equal(got.revoked_at_ms, T0 + 5);
}

static void test_template_round_trip(void **state)
{
	struct fixture *f = *state;
	struct store_template t, got, page[4];
	size_t n = 0;

	memset(&t, 0, sizeof t);
	SET(t.tenant_id, "t_alpha");
	SET(t.name, "login");
	SET(t.dlt_template_id, "1107160000000012345");
	SET(t.body, "Your OTP for {#var#} is {#var#}. Valid for 5 minutes.");
	t.var_count = 2;
	SET(t.vars[0], "appName");
	SET(t.vars[1], "otp");
	t.is_default = true;
	t.created_at_ms = T0;
	assert_int_equal(store_template_insert(f->c, &t), OG_OK);
	assert_int_equal(store_template_insert(f->c, &t), OG_ERR_CONFLICT);
	SET(t.name, "signup");
	SET(t.dlt_template_id, "1107160000000099999");
	t.var_count = 1;
	memset(t.vars[1], 0, sizeof t.vars[1]);
	SET(t.vars[0], "otp");
	t.is_default = false;
	assert_int_equal(store_template_insert(f->c, &t), OG_OK);

	assert_int_equal(store_template_get(f->c, "t_alpha", "signup", &got), OG_OK);
	assert_memory_equal(&got, &t, sizeof t);
	assert_int_equal(store_template_get(f->c, "t_alpha", "1107160000000012345", &got), OG_OK);
	assert_string_equal(got.name, "login");
	assert_int_equal(got.var_count, 2);
	assert_string_equal(got.vars[0], "appName");
	assert_string_equal(got.vars[1], "otp");
	assert_int_equal(store_template_get(f->c, "t_beta", "login", &got), OG_ERR_NOT_FOUND);
	assert_int_equal(store_template_get_default(f->c, "t_alpha", &got), OG_OK);
	assert_string_equal(got.name, "login");
	assert_true(got.is_default);

	/* One default per tenant: a second must wait for clear_default. */
	SET(t.name, "reset");
	t.is_default = true;
	assert_int_equal(store_template_insert(f->c, &t), OG_ERR_CONFLICT);
	assert_int_equal(store_template_clear_default(f->c, "t_alpha"), OG_OK);
	assert_int_equal(store_template_get_default(f->c, "t_alpha", &got), OG_ERR_NOT_FOUND);
	assert_int_equal(store_template_insert(f->c, &t), OG_OK);
	assert_int_equal(store_template_get_default(f->c, "t_alpha", &got), OG_OK);
	assert_string_equal(got.name, "reset");

	assert_int_equal(store_template_list(f->c, "t_alpha", NULL, 2, page, &n), OG_OK);
	assert_int_equal(n, 2);
	assert_string_equal(page[0].name, "login");
	assert_string_equal(page[1].name, "reset");
	assert_int_equal(store_template_list(f->c, "t_alpha", "reset", 2, page, &n), OG_OK);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].name, "signup");

	assert_int_equal(store_template_delete(f->c, "t_beta", "signup"), OG_ERR_NOT_FOUND);
	assert_int_equal(store_template_delete(f->c, "t_alpha", "signup"), OG_OK);
	assert_int_equal(store_template_delete(f->c, "t_alpha", "signup"), OG_ERR_NOT_FOUND);
}

static void test_idem_round_trip(void **state)
{
	struct fixture *f = *state;
	struct store_idem r, got;

	memset(&r, 0, sizeof r);
	SET(r.tenant_id, "t_alpha");
	SET(r.key, "idem-1");
	memset(r.request_hash, 6, sizeof r.request_hash);
	r.state = STORE_IDEM_IN_FLIGHT;
	r.created_at_ms = T0;
	r.locked_until_ms = T0 + 60000;
	assert_int_equal(store_idem_put(f->c, &r), OG_OK);
	assert_int_equal(store_idem_get(f->c, "t_alpha", "idem-1", &got), OG_OK);
	assert_memory_equal(&got, &r, sizeof r);
	r.state = STORE_IDEM_DONE;
	r.response_status = 202;
	SET(r.response_body, "{\"status\":\"queued\"}");
	assert_int_equal(store_idem_put(f->c, &r), OG_OK);
	assert_int_equal(store_idem_get(f->c, "t_alpha", "idem-1", &got), OG_OK);
	assert_memory_equal(&got, &r, sizeof r);
	assert_int_equal(store_idem_get(f->c, "t_beta", "idem-1", &got), OG_ERR_NOT_FOUND);

	SET(r.key, "idem-2");
	r.created_at_ms = T0 + 100;
	assert_int_equal(store_idem_put(f->c, &r), OG_OK);
	assert_int_equal(store_idem_expire(f->c, T0 + 1), OG_OK);
	assert_int_equal(store_idem_get(f->c, "t_alpha", "idem-1", &got), OG_ERR_NOT_FOUND);
	assert_int_equal(store_idem_get(f->c, "t_alpha", "idem-2", &got), OG_OK);
	assert_int_equal(store_idem_delete(f->c, "t_alpha", "idem-2"), OG_OK);
	assert_int_equal(store_idem_delete(f->c, "t_alpha", "idem-2"), OG_ERR_NOT_FOUND);
}

static void test_transactions(void **state)
{
	struct fixture *f = *state;
	struct store_tenant t = make_tenant("t_rolled"), got;

	store_rollback(f->c); /* harmless with no transaction open */
	assert_int_equal(store_begin(f->c), OG_OK);
	assert_int_equal(store_tenant_insert(f->c, &t), OG_OK);
	assert_int_equal(store_tenant_get(f->c, "t_rolled", &got), OG_OK);
	store_rollback(f->c);
	assert_int_equal(store_tenant_get(f->c, "t_rolled", &got), OG_ERR_NOT_FOUND);
	assert_int_equal(store_begin(f->c), OG_OK);
	assert_int_equal(store_tenant_insert(f->c, &t), OG_OK);
	assert_int_equal(store_commit(f->c), OG_OK);
	assert_int_equal(store_tenant_get(f->c, "t_rolled", &got), OG_OK);
}


/* A value that does not fit its field fails the read rather than being cut. */
static struct store_sql sql_long_name = {
	.text = "UPDATE tenants SET name = ?1 WHERE id = 't_long'"};

static void test_text_too_long_is_refused(void **state)
{
	struct fixture *f = *state;
	struct store_tenant t = make_tenant("t_long"), got;
	char name[STORE_NAME_MAX + 8];

	assert_int_equal(store_tenant_insert(f->c, &t), OG_OK);
	memset(name, 'x', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	assert_int_equal(fixture_exec(f->c, &sql_long_name, name), OG_OK);
	assert_int_equal(store_tenant_get(f->c, "t_long", &got), OG_ERR_STORE);
}

/* Text orders bytewise on both databases, whatever the locale: "B" < "_" < "b";
 * a tenant without a key of its own stores NULL and reads it back as length 0. */
static void test_order_and_null(void **state)
{
	struct fixture *f = *state;
	struct store_tenant t, got, list[4];
	size_t n = 0;

	t = make_tenant("b_tenant");
	assert_int_equal(store_tenant_insert(f->c, &t), OG_OK);
	t = make_tenant("B_tenant");
	t.upstream_key_sealed_len = 0;
	memset(t.upstream_key_sealed, 0, sizeof t.upstream_key_sealed);
	assert_int_equal(store_tenant_insert(f->c, &t), OG_OK);
	assert_int_equal(store_tenant_get(f->c, "B_tenant", &got), OG_OK);
	assert_memory_equal(&got, &t, sizeof t);
	t = make_tenant("_tenant");
	assert_int_equal(store_tenant_insert(f->c, &t), OG_OK);
	assert_int_equal(store_tenant_list(f->c, NULL, 4, list, &n), OG_OK);
	assert_int_equal(n, 4);
	assert_string_equal(list[0].id, "B_tenant");
	assert_string_equal(list[1].id, "_tenant");
	assert_string_equal(list[2].id, "b_tenant");
	assert_string_equal(list[3].id, "t_alpha");
	assert_int_equal(store_tenant_list(f->c, "_tenant", 1, list, &n), OG_OK);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].id, "b_tenant");
}

/* A refused insert is OG_ERR_CONFLICT and the transaction goes on, on both
 * databases (PostgreSQL aborts a transaction on any other error). */
static void test_conflict_keeps_transaction(void **state)
{
	struct fixture *f = *state;
	struct store_ledger_entry e = make_entry("t_alpha", "led_1", STORE_LEDGER_CREDIT, 500, "",
						 "topup-1", "");
	struct store_wallet w;
	struct store_ledger_sums sums;

	assert_int_equal(store_begin(f->c), OG_OK);
	assert_int_equal(store_ledger_insert(f->c, &e), OG_OK);
	SET(e.id, "led_2");
	assert_int_equal(store_ledger_insert(f->c, &e), OG_ERR_CONFLICT);
	assert_int_equal(store_wallet_get(f->c, "t_alpha", &w), OG_OK);
	assert_int_equal(w.balance_paise, 0); /* no wallet row yet: zeros */
	w.balance_paise = 500;
	w.updated_at_ms = T0;
	assert_int_equal(store_wallet_put(f->c, &w), OG_OK);
	assert_int_equal(store_commit(f->c), OG_OK);
	assert_int_equal(store_ledger_sums(f->c, "t_alpha", &sums), OG_OK);
	assert_int_equal(sums.balance_paise, 500);
	assert_int_equal(store_wallet_get(f->c, "t_alpha", &w), OG_OK);
	assert_int_equal(w.balance_paise, 500);
	assert_int_equal(store_ledger_find_credit(f->c, "t_alpha", "topup-1", &e), OG_OK);
	assert_string_equal(e.id, "led_1");
	assert_string_equal(e.message_id, ""); /* NULL reads as "" */
	store_rollback(f->c); /* harmless outside a transaction */
	assert_int_equal(store_ping(f->c), OG_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_again),
		cmocka_unit_test(test_tenant_round_trip),
		cmocka_unit_test(test_key_round_trip),
		cmocka_unit_test(test_template_round_trip),
		cmocka_unit_test(test_idem_round_trip),
		cmocka_unit_test(test_transactions),
		cmocka_unit_test(test_text_too_long_is_refused),
		cmocka_unit_test(test_order_and_null),
		cmocka_unit_test(test_conflict_keeps_transaction),
	};

	fixture_require_backend();
	return cmocka_run_group_tests(tests, setup, teardown);
}
