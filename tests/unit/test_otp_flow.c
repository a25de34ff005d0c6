/*
 * The domain's OTP flow on a real SQLite store with a controlled clock:
 * money refusal, hold/capture/release, verification rules, expiry, resend
 * limits, retries, and idempotency records. Everything the dispatcher would
 * do is driven by hand through the outbox module.
 */
#include "domain/apikey.h"
#include "domain/idem.h"
#include "domain/ledger.h"
#include "domain/otp.h"
#include "domain/outbox.h"
#include "domain/tenant.h"

#include "domain_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int64_t fake_now = 1782000000000LL; /* 2026-06-21 */

static int64_t fake_clock(void) { return fake_now; }

static int setup(void **state)
{
	struct domain_fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	domain_fixture_open(f, "og_flow", 7, fake_clock);
	f->d.cfg.resend_cooldown_sec = 30;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct domain_fixture *f = *state;

	domain_fixture_close(f);
	free(f);
	return 0;
}

static void make_tenant(struct domain_fixture *f, const char *id, int64_t credit_paise)
{
	struct tenant_input in;
	struct store_tenant t;
	struct template_input tmpl;
	struct store_template st;
	struct ledger_topup_result top;

	memset(&in, 0, sizeof in);
	in.has_id = true;
	snprintf(in.id, sizeof in.id, "%s", id);
	in.has_name = true;
	snprintf(in.name, sizeof in.name, "Alpha Retail");
	in.has_sender_header = true;
	snprintf(in.sender_header, sizeof in.sender_header, "ALPHAR");
	/* A DLT tenant on its own route (docs/DLT.md), at the price these tests expect. */
	in.has_pe_id = true;
	snprintf(in.pe_id, sizeof in.pe_id, "1101234567890123456");
	in.has_price_paise = true;
	in.price_paise = 25;
	assert_int_equal(tenant_create(&f->d, f->c, &audit_cli, &in, &t, NULL), OG_OK);

	memset(&tmpl, 0, sizeof tmpl);
	snprintf(tmpl.name, sizeof tmpl.name, "login");
	snprintf(tmpl.dlt_template_id, sizeof tmpl.dlt_template_id, "1107160000000012345");
	snprintf(tmpl.body, sizeof tmpl.body, "Your OTP for {#var#} is {#var#}. Valid 5 min.");
	tmpl.var_count = 2;
	snprintf(tmpl.vars[0], sizeof tmpl.vars[0], "appName");
	snprintf(tmpl.vars[1], sizeof tmpl.vars[1], "otp");
	assert_int_equal(template_register(&f->d, f->c, &audit_cli, id, &tmpl, &st, NULL), OG_OK);
	if (credit_paise > 0)
		assert_int_equal(
		    ledger_topup(&f->d, f->c, &audit_cli, &t, credit_paise, "initial", NULL, &top, NULL), OG_OK);
}

static enum og_err send_to(struct domain_fixture *f, const char *tenant, const char *phone,
			   struct otp_send_result *r)
{
	struct otp_send_input in;
	memset(&in, 0, sizeof in);
	snprintf(in.tenant_id, sizeof in.tenant_id, "%s", tenant);
	snprintf(in.phone, sizeof in.phone, "%s", phone);
	return otp_send(&f->d, f->c, &in, NULL, r, NULL);
}

/* Plays the dispatcher: claims one message, returns its code, settles it. */
static void dispatch_one(struct domain_fixture *f, int verdict, char code[RND_CODE_LEN_MAX + 1])
{
	struct store_message m;
	struct outbox_payload p;
	struct outbox_outcome o;
	size_t n = 0;

	assert_int_equal(outbox_claim(&f->d, f->c, 1, &m, &n), OG_OK);
	assert_int_equal(n, 1);
	assert_int_equal(outbox_open(&f->d, &m, &p), OG_OK);
	assert_string_equal(p.var_names[1], "otp");
	if (code) {
		size_t len = strlen(p.var_values[1]);
		assert_true(len <= RND_CODE_LEN_MAX);
		memcpy(code, p.var_values[1], len + 1);
	}
	memset(&o, 0, sizeof o);
	o.verdict = verdict;
	snprintf(o.provider, sizeof o.provider, "log");
	snprintf(o.provider_message_id, sizeof o.provider_message_id, "up-1");
	assert_int_equal(outbox_settle(&f->d, f->c, &m, &o), OG_OK);
}

static struct ledger_view wallet(struct domain_fixture *f, const char *tenant)
{
	struct store_tenant t;
	struct ledger_view v;
	assert_int_equal(tenant_get(&f->d, f->c, tenant, &t), OG_OK);
	assert_int_equal(ledger_view(&f->d, f->c, &t, &v), OG_OK);
	assert_int_equal(ledger_verify(&f->d, f->c, tenant), OG_OK);
	return v;
}

static struct otp_verify_result verify(struct domain_fixture *f, const char *tenant, const char *req,
				       const char *code)
{
	struct otp_verify_input in;
	struct otp_verify_result r;
	memset(&in, 0, sizeof in);
	snprintf(in.tenant_id, sizeof in.tenant_id, "%s", tenant);
	snprintf(in.request_id, sizeof in.request_id, "%s", req);
	snprintf(in.code, sizeof in.code, "%s", code);
	assert_int_equal(otp_verify(&f->d, f->c, &in, &r, NULL), OG_OK);
	return r;
}

static void test_refused_without_funds(void **state)
{
	struct domain_fixture *f = *state;
	struct otp_send_result r;
	struct store_message m;
	size_t n = 9;

	make_tenant(f, "poor", 0);
	assert_int_equal(send_to(f, "poor", "+919876543210", &r), OG_ERR_INSUFFICIENT_FUNDS);
	assert_int_equal(outbox_claim(&f->d, f->c, 1, &m, &n), OG_OK);
	assert_int_equal(n, 0);
	assert_int_equal(wallet(f, "poor").held_paise, 0);
}

static void test_send_capture_verify(void **state)
{
	struct domain_fixture *f = *state;
	struct otp_send_result r;
	struct otp_verify_result v;
	char code[RND_CODE_LEN_MAX + 1];

	make_tenant(f, "alpha", 100);
	assert_int_equal(send_to(f, "alpha", "+919876543210", &r), OG_OK);
	assert_int_equal(r.cost_paise, 25);
	assert_int_equal(wallet(f, "alpha").held_paise, 25);
	dispatch_one(f, OUTBOX_SENT, code);
	assert_int_equal(strlen(code), 6);
	assert_int_equal(wallet(f, "alpha").balance_paise, 75);
	assert_int_equal(wallet(f, "alpha").held_paise, 0);
	assert_int_equal(wallet(f, "alpha").month_sms, 1);

	v = verify(f, "alpha", r.request_id, strcmp(code, "000000") ? "000000" : "111111");
	assert_false(v.verified);
	assert_int_equal(v.attempts_left, 4);
	v = verify(f, "alpha", r.request_id, code);
	assert_true(v.verified);
	assert_int_equal(v.status, STORE_OTP_APPROVED);
	/* A code verifies once. */
	v = verify(f, "alpha", r.request_id, code);
	assert_false(v.verified);
}

static void test_max_attempts(void **state)
{
	struct domain_fixture *f = *state;
	struct otp_send_result r;
	struct otp_verify_result v;
	char code[RND_CODE_LEN_MAX + 1];
	const char *wrong;

	make_tenant(f, "alpha", 100);
	assert_int_equal(send_to(f, "alpha", "+919876543210", &r), OG_OK);
	dispatch_one(f, OUTBOX_SENT, code);
	wrong = strcmp(code, "000000") ? "000000" : "111111";
	for (int i = 0; i < 5; i++)
		v = verify(f, "alpha", r.request_id, wrong);
	assert_int_equal(v.status, STORE_OTP_PENDING);
	assert_int_equal(v.attempts_left, 0);
	v = verify(f, "alpha", r.request_id, code); /* exceeds the limit */
	assert_false(v.verified);
	assert_int_equal(v.status, STORE_OTP_MAX_ATTEMPTS);
	v = verify(f, "alpha", r.request_id, code);
	assert_int_equal(v.status, STORE_OTP_MAX_ATTEMPTS);
}

static void test_expiry(void **state)
{
	struct domain_fixture *f = *state;
	struct otp_send_result r;
	struct otp_verify_result v;
	char code[RND_CODE_LEN_MAX + 1];

	make_tenant(f, "alpha", 100);
	assert_int_equal(send_to(f, "alpha", "+919876543210", &r), OG_OK);
	dispatch_one(f, OUTBOX_SENT, code);
	fake_now += 300 * 1000;
	v = verify(f, "alpha", r.request_id, code);
	assert_false(v.verified);
	assert_int_equal(v.status, STORE_OTP_EXPIRED);
}

static void test_resend(void **state)
{
	struct domain_fixture *f = *state;
	struct otp_send_result r, r2;
	char old_code[RND_CODE_LEN_MAX + 1], code[RND_CODE_LEN_MAX + 1];
	int retry_after = 0;

	make_tenant(f, "alpha", 1000);
	assert_int_equal(send_to(f, "alpha", "+919876543210", &r), OG_OK);
	dispatch_one(f, OUTBOX_SENT, old_code);
	assert_int_equal(otp_resend(&f->d, f->c, "alpha", r.request_id, NULL, &r2, &retry_after,
				    NULL),
			 OG_ERR_RESEND_TOO_SOON);
	assert_int_equal(retry_after, 30);
	for (int i = 0; i < 3; i++) {
		fake_now += 30 * 1000;
		assert_int_equal(otp_resend(&f->d, f->c, "alpha", r.request_id, NULL, &r2,
					    &retry_after, NULL),
				 OG_OK);
		assert_string_not_equal(r2.message_id, r.message_id);
		dispatch_one(f, OUTBOX_SENT, code);
	}
	fake_now += 30 * 1000;
	assert_int_equal(otp_resend(&f->d, f->c, "alpha", r.request_id, NULL, &r2, &retry_after,
				    NULL),
			 OG_ERR_TOO_MANY_RESENDS);
	/* Every message was charged: the first and three resends. */
	assert_int_equal(wallet(f, "alpha").balance_paise, 1000 - 4 * 25);
	if (strcmp(old_code, code) != 0)
		assert_false(verify(f, "alpha", r.request_id, old_code).verified);
	assert_true(verify(f, "alpha", r.request_id, code).verified);
}

static void test_rejected_releases(void **state)
{
	struct domain_fixture *f = *state;
	struct otp_send_result r;
	struct otp_status_result st;

	make_tenant(f, "alpha", 100);
	assert_int_equal(send_to(f, "alpha", "+919876543210", &r), OG_OK);
	dispatch_one(f, OUTBOX_REJECTED, NULL);
	assert_int_equal(wallet(f, "alpha").balance_paise, 100);
	assert_int_equal(wallet(f, "alpha").held_paise, 0);
	assert_int_equal(otp_status(&f->d, f->c, "alpha", r.request_id, &st), OG_OK);
	assert_int_equal(st.otp.status, STORE_OTP_FAILED);
	assert_int_equal(st.message_count, 1);
	assert_int_equal(st.messages[0].status, STORE_MSG_FAILED);
}

static void test_retries_are_bounded(void **state)
{
	struct domain_fixture *f = *state;
	struct otp_send_result r;
	struct store_message m;
	size_t n = 0;

	make_tenant(f, "alpha", 100);
	assert_int_equal(send_to(f, "alpha", "+919876543210", &r), OG_OK);
	/* Each wait covers the longest backoff with its jitter, and all of
	 * them stay inside OUTBOX_AGE_MAX_MS, so the count bound is what ends it. */
	for (int i = 0; i < OUTBOX_ATTEMPTS_MAX; i++) {
		fake_now += OUTBOX_BACKOFF_MAX_MS + OUTBOX_BACKOFF_MAX_MS / 4 + 1;
		dispatch_one(f, OUTBOX_RETRY, NULL);
	}
	fake_now += OUTBOX_BACKOFF_MAX_MS + OUTBOX_BACKOFF_MAX_MS / 4 + 1;
	assert_int_equal(outbox_claim(&f->d, f->c, 1, &m, &n), OG_OK);
	assert_int_equal(n, 0); /* the last retry gave up */
	{
		struct otp_status_result st;
		assert_int_equal(otp_status(&f->d, f->c, "alpha", r.request_id, &st), OG_OK);
		assert_int_equal(st.messages[0].status, STORE_MSG_FAILED);
		assert_int_equal(st.messages[0].attempts, OUTBOX_ATTEMPTS_MAX);
	}
	assert_int_equal(wallet(f, "alpha").balance_paise, 100);
	assert_int_equal(wallet(f, "alpha").held_paise, 0);
}

static int render_fixed(void *arg, const void *result, char *body, size_t max)
{
	(void)arg;
	snprintf(body, max, "{\"request_id\":\"%s\"}",
		 ((const struct otp_send_result *)result)->request_id);
	return 202;
}

static void test_idempotency(void **state)
{
	struct domain_fixture *f = *state;
	struct idem_ticket t;
	struct store_idem replay;
	enum idem_claim_result claim;
	struct otp_send_input in;
	struct otp_send_result r;

	make_tenant(f, "alpha", 100);
	memset(&t, 0, sizeof t);
	snprintf(t.tenant_id, sizeof t.tenant_id, "alpha");
	snprintf(t.key, sizeof t.key, "k1");
	t.request_hash[0] = 1;
	t.render = render_fixed;
	assert_int_equal(idem_claim(&f->d, f->c, &t, &claim, &replay), OG_OK);
	assert_int_equal(claim, IDEM_CLAIMED);
	/* While the first is in flight, the same key is a conflict. */
	assert_int_equal(idem_claim(&f->d, f->c, &t, &claim, &replay),
			 OG_ERR_IDEMPOTENCY_IN_FLIGHT);
	memset(&in, 0, sizeof in);
	snprintf(in.tenant_id, sizeof in.tenant_id, "alpha");
	snprintf(in.phone, sizeof in.phone, "+919876543210");
	assert_int_equal(otp_send(&f->d, f->c, &in, &t, &r, NULL), OG_OK);
	assert_int_equal(idem_claim(&f->d, f->c, &t, &claim, &replay), OG_OK);
	assert_int_equal(claim, IDEM_REPLAY);
	assert_int_equal(replay.response_status, 202);
	assert_non_null(strstr(replay.response_body, r.request_id));
	t.request_hash[0] = 2;
	assert_int_equal(idem_claim(&f->d, f->c, &t, &claim, &replay), OG_ERR_IDEMPOTENCY_REUSED);
	/* An abandoned claim is retaken once its lock runs out. */
	snprintf(t.key, sizeof t.key, "k2");
	assert_int_equal(idem_claim(&f->d, f->c, &t, &claim, &replay), OG_OK);
	fake_now += DOMAIN_IDEM_LOCK_MS;
	assert_int_equal(idem_claim(&f->d, f->c, &t, &claim, &replay), OG_OK);
	assert_int_equal(claim, IDEM_CLAIMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refused_without_funds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_capture_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_attempts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejected_releases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retries_are_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotency, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
