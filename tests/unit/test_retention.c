/*
 * Retention and the purge pass (src/domain/retention.c) on a real SQLite
 * store: what is old and dead goes, what is young, alive or unfinished
 * stays, each tenant's own period is honoured, dead codes lose their
 * sealed context, the work is bounded, and every deletion is audited.
 */
#include "domain/retention.h"

#include "store/store_fixture.h"

#include <sodium.h>

#define NOW (T0 + 400 * RETENTION_DAY_MS)

static struct store_otp request(const char *tenant, const char *id, int status,
				int64_t created, int64_t expires)
{
	struct store_otp o;

	memset(&o, 0, sizeof o);
	SET(o.tenant_id, tenant);
	SET(o.id, id);
	memset(o.phone_hash, 0x11, sizeof o.phone_hash);
	SET(o.phone_masked, "+91******3210");
	SET(o.template_name, "login");
	o.status = status;
	o.max_attempts = 5;
	o.created_at_ms = created;
	o.updated_at_ms = created;
	o.expires_at_ms = expires;
	o.context_sealed_len = 60;
	memset(o.context_sealed, 0x22, o.context_sealed_len);
	return o;
}

static void put_request(struct fixture *f, const char *tenant, const char *id, int status,
			int64_t created, int64_t expires)
{
	struct store_otp o = request(tenant, id, status, created, expires);
	assert_int_equal(store_otp_insert(f->c, &o), OG_OK);
}

static void put_message(struct fixture *f, const char *tenant, const char *id, int status,
			int64_t created)
{
	struct store_message m = make_message(tenant, id, "req_x", created);

	m.status = status;
	SET(m.error, status == STORE_MSG_FAILED ? "gateway said no" : "");
	assert_int_equal(store_message_insert(f->c, &m), OG_OK);
}

static void domain_at(struct domain *d, const struct secret *s)
{
	domain_init(d, s);
}

static size_t count_audit(struct fixture *f, const char *action)
{
	struct store_audit page[STORE_PAGE_MAX];
	size_t n = 0, hits = 0;

	assert_int_equal(store_audit_list(f->c, NULL, NULL, STORE_PAGE_MAX, page, &n), OG_OK);
	for (size_t i = 0; i < n; i++)
		hits += strcmp(page[i].action, action) == 0;
	return hits;
}

static void test_purge_rules(void **state)
{
	struct fixture *f = *state;
	unsigned char master[SECRET_KEY_LEN] = {9};
	struct secret s;
	struct domain d;
	struct retention_stats st;
	struct store_otp o;
	struct store_message m;
	int days = 0;
	int64_t old = NOW - 366 * RETENTION_DAY_MS, young = NOW - 10 * RETENTION_DAY_MS;

	secret_derive(master, &s);
	domain_at(&d, &s);
	/* t_beta keeps a year (the default); t_alpha only 30 days. */
	assert_int_equal(store_tenant_retention_put(f->c, "t_alpha", 30, T0), OG_OK);
	assert_int_equal(retention_days(&d, f->c, "t_alpha", &days), OG_OK);
	assert_int_equal(days, 30);
	assert_int_equal(retention_days(&d, f->c, "t_beta", &days), OG_OK);
	assert_int_equal(days, RETENTION_DAYS_DEFAULT);

	put_request(f, "t_alpha", "req_old", STORE_OTP_APPROVED, old, old + 300000);
	put_request(f, "t_alpha", "req_40d", STORE_OTP_EXPIRED, NOW - 40 * RETENTION_DAY_MS,
		    NOW - 40 * RETENTION_DAY_MS + 300000);
	put_request(f, "t_alpha", "req_young", STORE_OTP_APPROVED, young, young + 300000);
	/* Old by its creation but with a live code (a clock far off): kept. */
	put_request(f, "t_alpha", "req_alive", STORE_OTP_PENDING, old, NOW + 60000);
	put_request(f, "t_beta", "req_40d", STORE_OTP_EXPIRED, NOW - 40 * RETENTION_DAY_MS,
		    NOW - 40 * RETENTION_DAY_MS + 300000);
	put_message(f, "t_alpha", "msg_sent", STORE_MSG_SENT, old);
	put_message(f, "t_alpha", "msg_failed", STORE_MSG_FAILED, old);
	put_message(f, "t_alpha", "msg_queued", STORE_MSG_QUEUED, old); /* unfinished: kept */
	put_message(f, "t_alpha", "msg_young", STORE_MSG_SENT, young);
	put_message(f, "t_beta", "msg_40d", STORE_MSG_SENT, NOW - 40 * RETENTION_DAY_MS);

	assert_int_equal(retention_purge(&d, f->c, &audit_cli, NOW, 0, "cli", false, &st), OG_OK);
	assert_true(st.complete);
	assert_int_equal(st.tenants, 2);
	assert_int_equal(st.otp_deleted, 2);
	assert_int_equal(st.messages_scrubbed, 2);
	assert_int_equal(store_otp_get(f->c, "t_alpha", "req_old", &o), OG_ERR_NOT_FOUND);
	assert_int_equal(store_otp_get(f->c, "t_alpha", "req_40d", &o), OG_ERR_NOT_FOUND);
	assert_int_equal(store_otp_get(f->c, "t_alpha", "req_young", &o), OG_OK);
	assert_int_equal(store_otp_get(f->c, "t_alpha", "req_alive", &o), OG_OK);
	assert_int_equal(store_otp_get(f->c, "t_beta", "req_40d", &o), OG_OK);
	/* Scrubbed messages keep everything the ledger and invoices need. */
	assert_int_equal(store_message_get(f->c, "t_alpha", "msg_failed", &m), OG_OK);
	assert_string_equal(m.phone_masked, "");
	assert_string_equal(m.error, "");
	assert_int_equal(m.payload_sealed_len, 0);
	assert_int_equal(m.status, STORE_MSG_FAILED);
	assert_int_equal(m.cost_paise, 25);
	assert_string_equal(m.dlt_template_id, "1107160000000012345");
	assert_int_equal(store_message_get(f->c, "t_alpha", "msg_queued", &m), OG_OK);
	assert_string_equal(m.phone_masked, "+91******3210");
	assert_int_equal(store_message_get(f->c, "t_alpha", "msg_young", &m), OG_OK);
	assert_string_equal(m.phone_masked, "+91******3210");
	assert_int_equal(store_message_get(f->c, "t_beta", "msg_40d", &m), OG_OK);
	assert_string_equal(m.phone_masked, "+91******3210");
	/* One batch entry for the tenant that lost data, one for the run. */
	assert_int_equal(count_audit(f, "retention.purge_batch"), 1);
	assert_int_equal(count_audit(f, "retention.purge"), 1);

	/* Again: nothing left to do, and a quiet run leaves no entry. */
	assert_int_equal(retention_purge(&d, f->c, &audit_cli, NOW, 0, "serve", true, &st), OG_OK);
	assert_int_equal(st.otp_deleted + st.messages_scrubbed + st.contexts_wiped, 0);
	assert_int_equal(count_audit(f, "retention.purge"), 1);
}

static void test_dead_codes_lose_their_context(void **state)
{
	struct fixture *f = *state;
	unsigned char master[SECRET_KEY_LEN] = {9};
	struct secret s;
	struct domain d;
	struct retention_stats st;
	struct store_otp o;

	secret_derive(master, &s);
	domain_at(&d, &s);
	put_request(f, "t_alpha", "req_dead", STORE_OTP_PENDING, NOW - 600000, NOW - 300000);
	put_request(f, "t_alpha", "req_failed", STORE_OTP_FAILED, NOW - 600000, NOW - 300000);
	put_request(f, "t_alpha", "req_live", STORE_OTP_PENDING, NOW - 60000, NOW + 240000);
	assert_int_equal(retention_purge(&d, f->c, &audit_cli, NOW, 0, "cli", false, &st), OG_OK);
	assert_int_equal(st.contexts_wiped, 2);
	assert_int_equal(store_otp_get(f->c, "t_alpha", "req_dead", &o), OG_OK);
	assert_int_equal(o.context_sealed_len, 0);
	assert_int_equal(o.status, STORE_OTP_EXPIRED);
	assert_int_equal(store_otp_get(f->c, "t_alpha", "req_failed", &o), OG_OK);
	assert_int_equal(o.context_sealed_len, 0);
	assert_int_equal(o.status, STORE_OTP_FAILED);
	assert_int_equal(store_otp_get(f->c, "t_alpha", "req_live", &o), OG_OK);
	assert_int_equal(o.context_sealed_len, 60);
	assert_int_equal(o.status, STORE_OTP_PENDING);
}

static void test_purge_is_bounded_and_resumable(void **state)
{
	struct fixture *f = *state;
	unsigned char master[SECRET_KEY_LEN] = {9};
	struct secret s;
	struct domain d;
	struct retention_stats st;
	char id[STORE_ID_MAX];
	int64_t old = NOW - 400 * RETENTION_DAY_MS;
	int rows = RETENTION_BATCH_ROWS * 2 + 3;
	int64_t total = 0;

	secret_derive(master, &s);
	domain_at(&d, &s);
	assert_int_equal(store_begin(f->c), OG_OK);
	for (int i = 0; i < rows; i++) {
		struct store_otp o;
		snprintf(id, sizeof id, "req_%05d", i);
		o = request("t_alpha", id, STORE_OTP_APPROVED, old, old + 300000);
		o.context_sealed_len = 0;
		assert_int_equal(store_otp_insert(f->c, &o), OG_OK);
	}
	assert_int_equal(store_commit(f->c), OG_OK);
	/* Two transactions at most per pass: the first pass stops short. */
	assert_int_equal(retention_purge(&d, f->c, &audit_cli, NOW, 2, "serve", true, &st), OG_OK);
	assert_false(st.complete);
	assert_int_equal(st.batches, 2);
	total += st.otp_deleted;
	assert_true(total < rows);
	for (int pass = 0; pass < 10 && !st.complete; pass++) {
		assert_int_equal(retention_purge(&d, f->c, &audit_cli, NOW, 2, "serve", true, &st),
				 OG_OK);
		total += st.otp_deleted;
	}
	assert_true(st.complete);
	assert_int_equal(total, rows);
	assert_int_equal(count_audit(f, "retention.purge_batch"), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_purge_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_codes_lose_their_context, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_purge_is_bounded_and_resumable, setup,
						teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
