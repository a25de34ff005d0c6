/*
 * Ledger arithmetic: each movement's effect on a wallet, and the refusal
 * rules for prepaid, postpaid and monthly caps, at and around their edges.
 */
#include "domain/ledger.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

static void test_apply(void **state)
{
	struct store_wallet w;
	(void)state;

	memset(&w, 0, sizeof w);
	ledger_apply(&w, STORE_LEDGER_CREDIT, 1000);
	assert_int_equal(w.balance_paise, 1000);
	ledger_apply(&w, STORE_LEDGER_HOLD, 25);
	ledger_apply(&w, STORE_LEDGER_HOLD, 25);
	assert_int_equal(w.held_paise, 50);
	assert_int_equal(w.held_count, 2);
	assert_int_equal(w.balance_paise, 1000);
	ledger_apply(&w, STORE_LEDGER_CAPTURE, 25);
	assert_int_equal(w.balance_paise, 975);
	assert_int_equal(w.held_paise, 25);
	assert_int_equal(w.held_count, 1);
	ledger_apply(&w, STORE_LEDGER_RELEASE, 25);
	assert_int_equal(w.balance_paise, 975);
	assert_int_equal(w.held_paise, 0);
	assert_int_equal(w.held_count, 0);
}

static void test_prepaid(void **state)
{
	struct store_tenant t;
	struct store_wallet w;
	(void)state;

	memset(&t, 0, sizeof t);
	memset(&w, 0, sizeof w);
	t.billing_mode = STORE_BILLING_PREPAID;
	w.balance_paise = 50;
	assert_int_equal(ledger_check(&t, &w, 0, 25), OG_OK);
	w.held_paise = 25;
	assert_int_equal(ledger_check(&t, &w, 0, 25), OG_OK); /* exactly enough */
	w.held_paise = 26;
	assert_int_equal(ledger_check(&t, &w, 0, 25), OG_ERR_INSUFFICIENT_FUNDS);
	/* A credit limit means nothing to a prepaid tenant. */
	t.credit_limit_paise = 1000;
	assert_int_equal(ledger_check(&t, &w, 0, 25), OG_ERR_INSUFFICIENT_FUNDS);
}

static void test_postpaid(void **state)
{
	struct store_tenant t;
	struct store_wallet w;
	(void)state;

	memset(&t, 0, sizeof t);
	memset(&w, 0, sizeof w);
	t.billing_mode = STORE_BILLING_POSTPAID;
	t.credit_limit_paise = 100;
	w.balance_paise = -50;
	w.held_paise = 25;
	assert_int_equal(ledger_check(&t, &w, 0, 25), OG_OK); /* reaches -100 exactly */
	w.held_paise = 26;
	assert_int_equal(ledger_check(&t, &w, 0, 25), OG_ERR_CREDIT_LIMIT_REACHED);
	t.credit_limit_paise = 0;
	w.balance_paise = 0;
	w.held_paise = 0;
	assert_int_equal(ledger_check(&t, &w, 0, 25), OG_ERR_CREDIT_LIMIT_REACHED);
}

static void test_monthly_cap(void **state)
{
	struct store_tenant t;
	struct store_wallet w;
	(void)state;

	memset(&t, 0, sizeof t);
	memset(&w, 0, sizeof w);
	w.balance_paise = 1000000;
	t.monthly_cap_sms = 3;
	assert_int_equal(ledger_check(&t, &w, 2, 25), OG_OK);
	assert_int_equal(ledger_check(&t, &w, 3, 25), OG_ERR_MONTHLY_CAP_REACHED);
	t.monthly_cap_sms = 0; /* no cap */
	assert_int_equal(ledger_check(&t, &w, 1000000, 25), OG_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_prepaid),
		cmocka_unit_test(test_postpaid),
		cmocka_unit_test(test_monthly_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
