/*
 * Unit tests for money in the store: the wallet cache, ledger
 * entries and their sums, the unique keys that make a credit reference and
 * a message's settlement happen once, the per-day usage aggregate, and the
 * seed's billing query run unchanged, as an operator runs it, on each
 * database (store_fixture.h).
 */
#include "store_fixture.h"

static void test_wallet_and_ledger(void **state)
{
	struct fixture *f = *state;
	struct store_wallet w, again;
	struct store_ledger_entry e, got;
	struct store_ledger_sums sums;

	memset(&w, 0x55, sizeof w);
	assert_int_equal(store_wallet_get(f->c, "t_beta", &w), OG_OK);
	assert_string_equal(w.tenant_id, "t_beta");
	assert_int_equal(w.balance_paise, 0);
	assert_int_equal(w.held_paise, 0);
	assert_int_equal(w.held_count, 0);
	assert_int_equal(w.updated_at_ms, 0);

	e = make_entry("t_beta", "led_01", STORE_LEDGER_CREDIT, 1000, "", "topup-1", "");
	assert_int_equal(store_ledger_insert(f->c, &e), OG_OK);
	assert_int_equal(store_ledger_find_credit(f->c, "t_beta", "topup-1", &got), OG_OK);
	assert_memory_equal(&got, &e, sizeof e);
	assert_int_equal(store_ledger_find_credit(f->c, "t_alpha", "topup-1", &got),
			 OG_ERR_NOT_FOUND);
	e = make_entry("t_beta", "led_02", STORE_LEDGER_CREDIT, 500, "", "topup-1", "");
	assert_int_equal(store_ledger_insert(f->c, &e), OG_ERR_CONFLICT);
	/* The same reference under another tenant is another credit. */
	e = make_entry("t_alpha", "led_02", STORE_LEDGER_CREDIT, 500, "", "topup-1", "");
	assert_int_equal(store_ledger_insert(f->c, &e), OG_OK);

	e = make_entry("t_beta", "led_03", STORE_LEDGER_HOLD, 25, "msg_a", "", "");
	assert_int_equal(store_ledger_insert(f->c, &e), OG_OK);
	e = make_entry("t_beta", "led_04", STORE_LEDGER_HOLD, 25, "msg_b", "", "");
	assert_int_equal(store_ledger_insert(f->c, &e), OG_OK);
	e = make_entry("t_beta", "led_05", STORE_LEDGER_CAPTURE, 25, "msg_a", "",
		       "2026-06-01 13:06:40");
	assert_int_equal(store_ledger_insert(f->c, &e), OG_OK);
	/* A message settles once: neither a second capture nor a release after it. */
	e = make_entry("t_beta", "led_06", STORE_LEDGER_CAPTURE, 25, "msg_a", "",
		       "2026-06-01 13:06:41");
	assert_int_equal(store_ledger_insert(f->c, &e), OG_ERR_CONFLICT);
	e = make_entry("t_beta", "led_06", STORE_LEDGER_RELEASE, 25, "msg_a", "", "");
	assert_int_equal(store_ledger_insert(f->c, &e), OG_ERR_CONFLICT);
	e = make_entry("t_beta", "led_07", STORE_LEDGER_RELEASE, 25, "msg_b", "", "");
	assert_int_equal(store_ledger_insert(f->c, &e), OG_OK);
	e = make_entry("t_beta", "led_08", STORE_LEDGER_HOLD, 25, "msg_c", "", "");
	assert_int_equal(store_ledger_insert(f->c, &e), OG_OK);

	assert_int_equal(store_ledger_sums(f->c, "t_beta", &sums), OG_OK);
	assert_int_equal(sums.balance_paise, 1000 - 25);
	assert_int_equal(sums.held_paise, 25);
	assert_int_equal(sums.held_count, 1);
	assert_int_equal(store_ledger_sums(f->c, "t_gamma_none", &sums), OG_OK);
	assert_int_equal(sums.balance_paise, 0);

	w.balance_paise = 975;
	w.held_paise = 25;
	w.held_count = 1;
	w.updated_at_ms = T0 + 7;
	assert_int_equal(store_wallet_put(f->c, &w), OG_OK);
	w.balance_paise = -300; /* postpaid wallets may go below zero */
	assert_int_equal(store_wallet_put(f->c, &w), OG_OK);
	assert_int_equal(store_wallet_get(f->c, "t_beta", &again), OG_OK);
	assert_memory_equal(&again, &w, sizeof w);
}

static enum og_err collect_usage(void *arg, const struct store_usage_row *row)
{
	struct store_usage_row *rows = arg;

	for (int i = 0; i < 4; i++) {
		if (rows[i].tenant_id[0] == '\0') {
			rows[i] = *row;
			return OG_OK;
		}
	}
	return OG_ERR_INTERNAL;
}

static enum og_err stop_usage(void *arg, const struct store_usage_row *row)
{
	(void)row;
	(*(int *)arg)++;
	return OG_ERR_INTERNAL;
}

static void test_usage(void **state)
{
	struct fixture *f = *state;
	struct store_usage_row rows[4];
	int calls = 0;

	assert_int_equal(store_usage_add(f->c, "t_beta", "2026-03-01", 1, 25), OG_OK);
	assert_int_equal(store_usage_add(f->c, "t_beta", "2026-03-01", 2, 50), OG_OK);
	assert_int_equal(store_usage_add(f->c, "t_beta", "2026-03-31", 1, 30), OG_OK);
	assert_int_equal(store_usage_add(f->c, "t_beta", "2026-04-01", 9, 900), OG_OK);
	assert_int_equal(store_usage_add(f->c, "t_alpha", "2026-03-15", 4, 100), OG_OK);

	memset(rows, 0, sizeof rows);
	assert_int_equal(store_usage_range(f->c, NULL, "2026-03-01", "2026-03-31",
					     collect_usage, rows),
			 OG_OK);
	assert_string_equal(rows[0].tenant_id, "t_alpha");
	assert_int_equal(rows[0].total_sms, 4);
	assert_int_equal(rows[0].total_cost_paise, 100);
	assert_string_equal(rows[1].tenant_id, "t_beta");
	assert_int_equal(rows[1].total_sms, 4);
	assert_int_equal(rows[1].total_cost_paise, 105);
	assert_string_equal(rows[2].tenant_id, "");

	memset(rows, 0, sizeof rows);
	assert_int_equal(store_usage_range(f->c, "t_beta", "2026-03-31", "2026-04-30",
					     collect_usage, rows),
			 OG_OK);
	assert_string_equal(rows[0].tenant_id, "t_beta");
	assert_int_equal(rows[0].total_sms, 10);
	assert_int_equal(rows[0].total_cost_paise, 930);
	assert_string_equal(rows[1].tenant_id, "");

	/* The callback's error stops the walk and comes back. */
	assert_int_equal(store_usage_range(f->c, NULL, "2026-03-01", "2026-04-30", stop_usage,
					     &calls),
			 OG_ERR_INTERNAL);
	assert_int_equal(calls, 1);
}


/* The seed's query, word for word (README.md, "Billing query"). */
static struct store_sql seed_query = {
	.text = "SELECT tenant_id, COUNT(id) as total_sms, SUM(cost) as total_cost "
		"FROM tenant_sms_ledger "
		"WHERE created_at >= '2026-06-01' AND created_at < '2026-07-01' "
		"GROUP BY tenant_id ORDER BY tenant_id"};

struct seed_row {
	char tenant_id[STORE_TENANT_ID_MAX];
	int64_t sms;
	char cost[32]; /* rupees as the database writes them */
};

static void seed_row_read(struct store_row *r, void *record)
{
	struct seed_row *row = record;

	store_row_text(r, row->tenant_id);
	row->sms = store_row_int64(r);
	store_row_text(r, row->cost);
}

static void test_seed_billing_query(void **state)
{
	static const struct {
		const char *tenant, *id, *message, *billed;
		int kind;
	} entries[] = {
		{"t_alpha", "bill_01", "m_b1", "2026-06-01 00:00:00", STORE_LEDGER_CAPTURE},
		{"t_alpha", "bill_02", "m_b2", "2026-06-15 12:00:00", STORE_LEDGER_CAPTURE},
		{"t_alpha", "bill_03", "m_b3", "2026-06-30 23:59:59", STORE_LEDGER_CAPTURE},
		{"t_alpha", "bill_04", "m_b4", "2026-07-01 00:00:00", STORE_LEDGER_CAPTURE},
		{"t_alpha", "bill_05", "m_b5", "2026-05-31 23:59:59", STORE_LEDGER_CAPTURE},
		{"t_alpha", "bill_06", "m_b6", "", STORE_LEDGER_HOLD},
		{"t_alpha", "bill_07", "m_b7", "", STORE_LEDGER_RELEASE},
		{"t_beta", "bill_08", "m_b8", "2026-06-10 09:30:00", STORE_LEDGER_CAPTURE},
	};
	struct fixture *f = *state;
	struct store_ledger_entry e;
	struct seed_row rows[4];
	struct store_stmt *st;
	char result[256] = "";
	size_t n = 0;

	for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
		e = make_entry(entries[i].tenant, entries[i].id, entries[i].kind, 25,
			       entries[i].message, "", entries[i].billed);
		assert_int_equal(store_ledger_insert(f->c, &e), OG_OK);
	}
	/* Earlier tests captured msg_a for t_beta on 2026-06-01, at 25 paise. */
	assert_int_equal(store_prepare(f->c, &seed_query, &st), OG_OK);
	assert_int_equal(store_collect(st, seed_row_read, rows, sizeof rows[0], 4, &n), OG_OK);
	for (size_t i = 0; i < n; i++) {
		char line[sizeof rows[i].tenant_id + 64];

		snprintf(line, sizeof line, "%.64s|%lld|%.2f;", rows[i].tenant_id,
			 (long long)rows[i].sms, strtod(rows[i].cost, NULL));
		assert_true(strlen(result) + strlen(line) < sizeof result);
		strcat(result, line);
	}
	assert_string_equal(result, "t_alpha|3|0.75;t_beta|2|0.50;");
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wallet_and_ledger),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_seed_billing_query),
	};

	fixture_require_backend();
	return cmocka_run_group_tests(tests, setup, teardown);
}
