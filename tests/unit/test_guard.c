/*
 * The abuse defence in the domain, on a real SQLite store with a controlled
 * clock: every window's edge and Retry-After, the token bucket's refill,
 * the daily spend cap, geo permissions, the pumping detector (block, lift,
 * and that verified traffic is never blocked), test numbers and the
 * verify-failure lock. Each refusal is checked to leave no hold and no
 * queued message behind.
 */
#include "domain/guard.h"
#include "domain/ledger.h"
#include "domain/otp.h"
#include "domain/outbox.h"
#include "domain/pumping.h"
#include "domain/tenant.h"
#include "domain/testnum.h"

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
	domain_fixture_open(f, "og_guard", 9, fake_clock);
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

/* A tenant with a default template, credit, and the given policy. */
static void make_tenant(struct domain_fixture *f, const char *id, int64_t credit_paise,
			const struct policy_input *policy)
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
	/* A DLT tenant on its own route (docs/DLT.md) at 25 paise, as test_otp_flow's. */
	in.has_sender_header = true;
	snprintf(in.sender_header, sizeof in.sender_header, "ALPHAR");
	in.has_pe_id = true;
	snprintf(in.pe_id, sizeof in.pe_id, "1101234567890123456");
	in.has_price_paise = true;
	in.price_paise = 25;
	if (policy)
		in.policy = *policy;
	assert_int_equal(tenant_create(&f->d, f->c, &audit_cli, &in, &t, NULL), OG_OK);
	memset(&tmpl, 0, sizeof tmpl);
	snprintf(tmpl.name, sizeof tmpl.name, "login");
	snprintf(tmpl.dlt_template_id, sizeof tmpl.dlt_template_id, "1107160000000012345");
	snprintf(tmpl.body, sizeof tmpl.body, "Your OTP for {#var#} is {#var#}.");
	tmpl.var_count = 2;
	snprintf(tmpl.vars[0], sizeof tmpl.vars[0], "appName");
	snprintf(tmpl.vars[1], sizeof tmpl.vars[1], "otp");
	assert_int_equal(template_register(&f->d, f->c, &audit_cli, id, &tmpl, &st, NULL), OG_OK);
	if (credit_paise > 0)
		assert_int_equal(ledger_topup(&f->d, f->c, &audit_cli, &t, credit_paise, "initial",
					      NULL, &top, NULL),
				 OG_OK);
}

static void set(struct policy_input *p, int i, int64_t v)
{
	p->has[i] = true;
	p->values[i] = v;
	if (i == STORE_POLICY_TEST_NUMBERS_EXEMPT)
		p->test_numbers_exempt = v != 0;
	if (policy_setting(i)->path[0] == 'l')
		p->has_limits = true;
	if (policy_setting(i)->path[0] == 'p')
		p->has_pumping = true;
}

static enum og_err send_ip(struct domain_fixture *f, const char *tenant, const char *phone,
			   const char *ip, struct otp_send_result *r, struct og_detail *det)
{
	struct otp_send_input in;

	memset(&in, 0, sizeof in);
	memset(det, 0, sizeof *det);
	snprintf(in.tenant_id, sizeof in.tenant_id, "%s", tenant);
	snprintf(in.phone, sizeof in.phone, "%s", phone);
	snprintf(in.client_ip, sizeof in.client_ip, "%s", ip ? ip : "");
	return otp_send(&f->d, f->c, &in, NULL, r, det);
}

static enum og_err send_to(struct domain_fixture *f, const char *tenant, const char *phone,
			   struct og_detail *det)
{
	struct otp_send_result r;

	return send_ip(f, tenant, phone, NULL, &r, det);
}

static enum og_err verify(struct domain_fixture *f, const char *tenant, const char *req,
			  const char *code, struct otp_verify_result *r, struct og_detail *det)
{
	struct otp_verify_input in;

	memset(&in, 0, sizeof in);
	memset(det, 0, sizeof *det);
	snprintf(in.tenant_id, sizeof in.tenant_id, "%s", tenant);
	snprintf(in.request_id, sizeof in.request_id, "%s", req);
	snprintf(in.code, sizeof in.code, "%s", code);
	return otp_verify(&f->d, f->c, &in, r, det);
}

static int64_t held_count(struct domain_fixture *f, const char *tenant)
{
	struct store_wallet w;

	assert_int_equal(store_wallet_get(f->c, tenant, &w), OG_OK);
	return w.held_count;
}

/* Claims every due message (as the dispatcher would) and counts them. */
static size_t claimable(struct domain_fixture *f)
{
	struct store_message m[OUTBOX_CLAIM_MAX];
	size_t n = 0;

	assert_int_equal(outbox_claim(&f->d, f->c, OUTBOX_CLAIM_MAX, m, &n), OG_OK);
	return n;
}

/* Plays the dispatcher: every due message is sent, so its hold is captured. */
static void dispatch_all(struct domain_fixture *f)
{
	struct store_message m[OUTBOX_CLAIM_MAX];
	struct outbox_outcome o;
	size_t n = 0;

	assert_int_equal(outbox_claim(&f->d, f->c, OUTBOX_CLAIM_MAX, m, &n), OG_OK);
	memset(&o, 0, sizeof o);
	o.verdict = OUTBOX_SENT;
	snprintf(o.provider, sizeof o.provider, "log");
	for (size_t i = 0; i < n; i++)
		assert_int_equal(outbox_settle(&f->d, f->c, &m[i], &o), OG_OK);
}

static void test_per_phone_window(void **state)
{
	struct domain_fixture *f = *state;
	struct og_detail det;

	make_tenant(f, "alpha", 10000, NULL);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(send_to(f, "alpha", "+919876543210", &det), OG_OK);
		fake_now += 60 * 1000;
	}
	/* The first send was 300 s ago, so it leaves the window in 300 s. */
	assert_int_equal(send_to(f, "alpha", "+919876543210", &det), OG_ERR_RATE_LIMITED);
	assert_string_equal(det.limit, GUARD_LIMIT_PER_PHONE);
	assert_int_equal(det.retry_after_sec, 300);
	assert_int_equal(held_count(f, "alpha"), 5);
	assert_int_equal(send_to(f, "alpha", "+919876543211", &det), OG_OK);
	fake_now += 299 * 1000;
	assert_int_equal(send_to(f, "alpha", "+919876543210", &det), OG_ERR_RATE_LIMITED);
	assert_int_equal(det.retry_after_sec, 1);
	fake_now += 1000;
	assert_int_equal(send_to(f, "alpha", "+919876543210", &det), OG_OK);
	assert_int_equal(held_count(f, "alpha"), 7);
}

static void test_per_prefix_and_ip(void **state)
{
	struct domain_fixture *f = *state;
	struct policy_input p = {0};
	struct otp_send_result r;
	struct og_detail det;

	set(&p, STORE_POLICY_PER_PREFIX_COUNT, 3);
	set(&p, STORE_POLICY_PER_IP_COUNT, 2);
	make_tenant(f, "beta", 10000, &p);
	assert_int_equal(send_ip(f, "beta", "+919876500001", "203.0.113.9", &r, &det), OG_OK);
	assert_int_equal(send_ip(f, "beta", "+919876500002", "203.0.113.9", &r, &det), OG_OK);
	assert_int_equal(send_ip(f, "beta", "+919876500003", "203.0.113.9", &r, &det),
			 OG_ERR_RATE_LIMITED);
	assert_string_equal(det.limit, GUARD_LIMIT_PER_IP);
	/* One IPv6 /64 is one client. */
	assert_int_equal(send_ip(f, "beta", "+919876500003", "2001:db8::1", &r, &det), OG_OK);
	assert_int_equal(send_ip(f, "beta", "+919876500004", "2001:db8::2", &r, &det),
			 OG_ERR_RATE_LIMITED);
	assert_string_equal(det.limit, GUARD_LIMIT_PER_PREFIX);
	assert_int_equal(send_ip(f, "beta", "+919876510004", "2001:db8:0:1::2", &r, &det), OG_OK);
	assert_int_equal(send_ip(f, "beta", "+919876510005", "not-an-ip", &r, &det),
			 OG_ERR_INVALID_REQUEST);
	assert_string_equal(det.field, "client_ip");
	assert_int_equal(held_count(f, "beta"), 4);
}

static void test_token_bucket(void **state)
{
	struct domain_fixture *f = *state;
	struct policy_input p = {0};
	struct og_detail det;

	set(&p, STORE_POLICY_TENANT_RPS, 2);
	make_tenant(f, "gamma", 10000, &p);
	assert_int_equal(send_to(f, "gamma", "+919800000001", &det), OG_OK);
	assert_int_equal(send_to(f, "gamma", "+919800000002", &det), OG_OK);
	assert_int_equal(send_to(f, "gamma", "+919800000003", &det), OG_ERR_RATE_LIMITED);
	assert_string_equal(det.limit, GUARD_LIMIT_TENANT_RPS);
	assert_int_equal(det.retry_after_sec, 1);
	fake_now += 499;
	assert_int_equal(send_to(f, "gamma", "+919800000003", &det), OG_ERR_RATE_LIMITED);
	fake_now += 1;
	assert_int_equal(send_to(f, "gamma", "+919800000003", &det), OG_OK);
	assert_int_equal(send_to(f, "gamma", "+919800000004", &det), OG_ERR_RATE_LIMITED);
	fake_now += 10 * 1000; /* refills to the cap of one second's worth, no more */
	assert_int_equal(send_to(f, "gamma", "+919800000004", &det), OG_OK);
	assert_int_equal(send_to(f, "gamma", "+919800000005", &det), OG_OK);
	assert_int_equal(send_to(f, "gamma", "+919800000006", &det), OG_ERR_RATE_LIMITED);
}

static void test_daily_count_and_spend_cap(void **state)
{
	struct domain_fixture *f = *state;
	struct policy_input p = {0};
	struct og_detail det;

	set(&p, STORE_POLICY_DAILY_SPEND_CAP_PAISE, 60);
	make_tenant(f, "delta", 10000, &p);
	assert_int_equal(send_to(f, "delta", "+919811111111", &det), OG_OK);
	assert_int_equal(send_to(f, "delta", "+919822222222", &det), OG_OK);
	/* 50 held; 25 more would cross 60. */
	assert_int_equal(send_to(f, "delta", "+919833333333", &det),
			 OG_ERR_DAILY_SPEND_CAP_REACHED);
	assert_true(det.retry_after_sec > 0 && det.retry_after_sec <= 24 * 3600);
	assert_int_equal(held_count(f, "delta"), 2);

	memset(&p, 0, sizeof p);
	set(&p, STORE_POLICY_TENANT_DAILY, 1);
	make_tenant(f, "eps", 10000, &p);
	assert_int_equal(send_to(f, "eps", "+919811111111", &det), OG_OK);
	assert_int_equal(send_to(f, "eps", "+919822222222", &det), OG_ERR_RATE_LIMITED);
	assert_string_equal(det.limit, GUARD_LIMIT_TENANT_DAILY);
	dispatch_all(f); /* charged today, and no longer held */
	assert_int_equal(send_to(f, "eps", "+919822222222", &det), OG_ERR_RATE_LIMITED);
	fake_now += (int64_t)det.retry_after_sec * 1000; /* the next billing day */
	assert_int_equal(send_to(f, "eps", "+919822222222", &det), OG_OK);
}

static void test_geo(void **state)
{
	struct domain_fixture *f = *state;
	struct policy_input p = {0};
	struct store_tenant t;
	struct tenant_input in;
	struct og_detail det;

	make_tenant(f, "zeta", 10000, NULL);
	assert_int_equal(send_to(f, "zeta", "+14155552671", &det), OG_ERR_COUNTRY_NOT_ALLOWED);
	assert_int_equal(held_count(f, "zeta"), 0);
	memset(&in, 0, sizeof in);
	in.policy = p;
	in.policy.has_countries = true;
	in.policy.country_count = 2;
	snprintf(in.policy.countries[0], sizeof in.policy.countries[0], "91");
	snprintf(in.policy.countries[1], sizeof in.policy.countries[1], "1");
	assert_int_equal(tenant_patch(&f->d, f->c, &audit_cli, "zeta", &in, &t, &det), OG_OK);
	assert_int_equal(send_to(f, "zeta", "+14155552671", &det), OG_OK);
	assert_int_equal(send_to(f, "zeta", "+447911123456", &det), OG_ERR_COUNTRY_NOT_ALLOWED);
	/* A bad code is refused and changes nothing. */
	snprintf(in.policy.countries[1], sizeof in.policy.countries[1], "01");
	assert_int_equal(tenant_patch(&f->d, f->c, &audit_cli, "zeta", &in, &t, &det),
			 OG_ERR_INVALID_REQUEST);
	assert_int_equal(send_to(f, "zeta", "+14155552672", &det), OG_OK);
}

static void test_pumping_block_and_lift(void **state)
{
	struct domain_fixture *f = *state;
	struct policy_input p = {0};
	struct store_alert alerts[4], lifted;
	struct og_detail det;
	char phone[PHONE_MAX];
	size_t n = 0;

	set(&p, STORE_POLICY_PUMPING_MIN_SENDS, 5);
	set(&p, STORE_POLICY_PUMPING_GRACE_SEC, 0);
	make_tenant(f, "eta", 10000, &p);
	for (int i = 0; i < 5; i++) {
		snprintf(phone, sizeof phone, "+91987654%04d", i);
		assert_int_equal(send_to(f, "eta", phone, &det), OG_OK);
		fake_now += 1000;
	}
	assert_int_equal(claimable(f), 5);
	assert_int_equal(send_to(f, "eta", "+919876540099", &det), OG_ERR_PREFIX_BLOCKED);
	assert_int_equal(send_to(f, "eta", "+919876540098", &det), OG_ERR_PREFIX_BLOCKED);
	assert_int_equal(claimable(f), 0);
	assert_int_equal(held_count(f, "eta"), 5);
	/* Another prefix is not blocked. */
	assert_int_equal(send_to(f, "eta", "+919876550000", &det), OG_OK);
	assert_int_equal(pumping_alert_list(&f->d, f->c, "eta", NULL, 4, alerts, &n), OG_OK);
	assert_int_equal(n, 1);
	assert_string_equal(alerts[0].prefix, "+91987654");
	assert_int_equal(alerts[0].sent, 5);
	assert_int_equal(alerts[0].verified, 0);
	assert_int_equal(pumping_alert_lift(&f->d, f->c, &audit_cli, "eta", alerts[0].id, &lifted,
					    &det),
			 OG_OK);
	assert_int_equal(pumping_alert_lift(&f->d, f->c, &audit_cli, "eta", alerts[0].id, &lifted,
					    &det),
			 OG_ERR_CONFLICT);
	/* The lift forgives what came before it. */
	assert_int_equal(send_to(f, "eta", "+919876540099", &det), OG_OK);
}

static void test_verified_traffic_is_not_blocked(void **state)
{
	struct domain_fixture *f = *state;
	struct policy_input p = {0};
	struct otp_send_result r;
	struct otp_verify_result v;
	struct og_detail det;
	char phone[PHONE_MAX];

	set(&p, STORE_POLICY_PUMPING_MIN_SENDS, 5);
	set(&p, STORE_POLICY_PUMPING_GRACE_SEC, 0);
	set(&p, STORE_POLICY_TEST_NUMBERS_EXEMPT, 0);
	make_tenant(f, "theta", 10000, &p);
	/* Test numbers with fixed codes stand in for users who verify. */
	for (int i = 0; i < 10; i++) {
		struct store_test_number tn;
		snprintf(phone, sizeof phone, "+91987654%04d", i);
		assert_int_equal(testnum_add(&f->d, f->c, &audit_cli, "theta", phone, "123456", &tn,
					     &det),
				 OG_OK);
		assert_int_equal(send_ip(f, "theta", phone, NULL, &r, &det), OG_OK);
		if (i % 2 == 0)
			assert_int_equal(verify(f, "theta", r.request_id, "123456", &v, &det), OG_OK);
		fake_now += 1000;
	}
	/* 5 of 10 converted: 50%, above the 20% floor. */
	assert_int_equal(send_to(f, "theta", "+919876540099", &det), OG_OK);
}

static void test_test_numbers(void **state)
{
	struct domain_fixture *f = *state;
	struct store_test_number tn, list[4];
	struct otp_send_result r;
	struct otp_verify_result v;
	struct store_message m;
	struct og_detail det;
	size_t n = 0;

	make_tenant(f, "iota", 0, NULL); /* no money at all */
	assert_int_equal(testnum_add(&f->d, f->c, &audit_cli, "iota", "+919999999999", "424242",
				     &tn, &det),
			 OG_OK);
	assert_string_equal(tn.phone_masked, "+91******9999");
	assert_int_equal(testnum_add(&f->d, f->c, &audit_cli, "iota", "+919999999999", "111111",
				     &tn, &det),
			 OG_ERR_CONFLICT);
	assert_int_equal(testnum_add(&f->d, f->c, &audit_cli, "iota", "+915999999999", "111111",
				     &tn, &det),
			 OG_ERR_INVALID_PHONE);
	assert_int_equal(testnum_add(&f->d, f->c, &audit_cli, "iota", "+919999999998", "12a4",
				     &tn, &det),
			 OG_ERR_INVALID_REQUEST);
	/* Exempt from the per-phone limit by default. */
	for (int i = 0; i < 7; i++)
		assert_int_equal(send_ip(f, "iota", "+919999999999", NULL, &r, &det), OG_OK);
	assert_int_equal(r.cost_paise, 0);
	assert_int_equal(claimable(f), 0);
	assert_int_equal(held_count(f, "iota"), 0);
	assert_int_equal(store_message_get(f->c, "iota", r.message_id, &m), OG_OK);
	assert_int_equal(m.status, STORE_MSG_SENT);
	assert_string_equal(m.provider, GUARD_TEST_PROVIDER);
	assert_int_equal(m.cost_paise, 0);
	assert_int_equal(m.payload_sealed_len, 0);
	assert_int_equal(verify(f, "iota", r.request_id, "000000", &v, &det), OG_OK);
	assert_false(v.verified);
	assert_int_equal(verify(f, "iota", r.request_id, "424242", &v, &det), OG_OK);
	assert_true(v.verified);
	/* A real number of the same tenant still needs money. */
	assert_int_equal(send_to(f, "iota", "+919999999990", &det), OG_ERR_INSUFFICIENT_FUNDS);
	assert_int_equal(testnum_list(&f->d, f->c, "iota", NULL, 4, list, &n), OG_OK);
	assert_int_equal(n, 1);
	assert_int_equal(testnum_remove(&f->d, f->c, &audit_cli, "iota", "+919999999999"), OG_OK);
	assert_int_equal(testnum_remove(&f->d, f->c, &audit_cli, "iota", tn.id), OG_ERR_NOT_FOUND);
	assert_int_equal(send_ip(f, "iota", "+919999999999", NULL, &r, &det),
			 OG_ERR_INSUFFICIENT_FUNDS);
}

static void test_verify_lock(void **state)
{
	struct domain_fixture *f = *state;
	struct policy_input p = {0};
	struct otp_send_result r;
	struct otp_verify_result v;
	struct og_detail det;
	struct store_test_number tn;

	set(&p, STORE_POLICY_VERIFY_FAILURES, 3);
	set(&p, STORE_POLICY_VERIFY_LOCK_SEC, 60);
	make_tenant(f, "kappa", 10000, &p);
	assert_int_equal(testnum_add(&f->d, f->c, &audit_cli, "kappa", "+919000000001", "5555",
				     &tn, &det),
			 OG_OK);
	assert_int_equal(send_ip(f, "kappa", "+919000000001", NULL, &r, &det), OG_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(verify(f, "kappa", r.request_id, "0000", &v, &det), OG_OK);
		assert_false(v.verified);
	}
	/* Locked: even the right code is refused, and no attempt is spent. */
	assert_int_equal(verify(f, "kappa", r.request_id, "5555", &v, &det), OG_ERR_RATE_LIMITED);
	assert_string_equal(det.limit, GUARD_LIMIT_VERIFY_FAILURES);
	assert_int_equal(det.retry_after_sec, 60);
	fake_now += 60 * 1000;
	assert_int_equal(verify(f, "kappa", r.request_id, "5555", &v, &det), OG_OK);
	assert_true(v.verified);
}

static void test_policy_validation(void **state)
{
	struct domain_fixture *f = *state;
	struct tenant_input in;
	struct store_tenant t;
	struct og_detail det;
	struct policy eff;

	make_tenant(f, "lambda", 0, NULL);
	memset(&in, 0, sizeof in);
	set(&in.policy, STORE_POLICY_PER_PHONE_WINDOW_SEC, 0);
	memset(&det, 0, sizeof det);
	assert_int_equal(tenant_patch(&f->d, f->c, &audit_cli, "lambda", &in, &t, &det),
			 OG_ERR_INVALID_REQUEST);
	assert_string_equal(det.field, "limits.per_phone.window_sec");
	memset(&in, 0, sizeof in);
	set(&in.policy, STORE_POLICY_PER_PHONE_COUNT, -1);
	assert_int_equal(tenant_patch(&f->d, f->c, &audit_cli, "lambda", &in, &t, &det),
			 OG_ERR_INVALID_REQUEST);
	assert_string_equal(det.field, "limits.per_phone.count");
	memset(&in, 0, sizeof in);
	set(&in.policy, STORE_POLICY_PUMPING_GRACE_SEC, 3600);
	assert_int_equal(tenant_patch(&f->d, f->c, &audit_cli, "lambda", &in, &t, &det),
			 OG_ERR_INVALID_REQUEST);
	assert_string_equal(det.field, "pumping.grace_sec");
	memset(&in, 0, sizeof in);
	set(&in.policy, STORE_POLICY_PER_PHONE_COUNT, 2);
	set(&in.policy, STORE_POLICY_PUMPING_MIN_SENDS, 7);
	assert_int_equal(tenant_patch(&f->d, f->c, &audit_cli, "lambda", &in, &t, &det), OG_OK);
	assert_int_equal(policy_resolve(&f->d, f->c, "lambda", &eff), OG_OK);
	assert_int_equal(eff.values[STORE_POLICY_PER_PHONE_COUNT], 2);
	assert_int_equal(eff.values[STORE_POLICY_PER_PHONE_WINDOW_SEC], 600);
	assert_int_equal(eff.values[STORE_POLICY_PUMPING_MIN_SENDS], 7);
	/* "limits": null returns every limit, and only the limits, to the defaults. */
	memset(&in, 0, sizeof in);
	in.policy.has_limits = in.policy.limits_null = true;
	assert_int_equal(tenant_patch(&f->d, f->c, &audit_cli, "lambda", &in, &t, &det), OG_OK);
	assert_int_equal(policy_resolve(&f->d, f->c, "lambda", &eff), OG_OK);
	assert_int_equal(eff.values[STORE_POLICY_PER_PHONE_COUNT], 5);
	assert_int_equal(eff.values[STORE_POLICY_PUMPING_MIN_SENDS], 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_per_phone_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_prefix_and_ip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_bucket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_daily_count_and_spend_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_geo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pumping_block_and_lift, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verified_traffic_is_not_blocked, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_test_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_validation, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
