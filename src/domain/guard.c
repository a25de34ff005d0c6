/*
 * The send and verify gates. Counters live in the database, so they survive
 * a restart and hold across processes sharing it: the sliding windows are a
 * log of accepted sends (exact counts, exact Retry-After), the tenant rate
 * is a token bucket, and the daily count and spend come from the ledger's
 * own usage table plus open holds. Everything is keyed by HMACs under the
 * phone subkey, bound to the tenant, so no plaintext number, prefix or
 * address reaches those tables.
 */
#include "domain/guard.h"

#include "base/cidr.h"
#include "base/log.h"
#include "base/metrics.h"
#include "domain/pumping.h"
#include "domain/testnum.h"

#include <assert.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define GUARD_MS_PER_DAY (24LL * 3600 * 1000)
#define GUARD_TOKEN_MILLI 1000LL /* one request's worth of the bucket */
#define GUARD_METRIC_LABELS_MAX 64

static pthread_once_t guard_metrics_once = PTHREAD_ONCE_INIT;

static void guard_describe_metrics(void)
{
	metrics_describe("otpgate_rate_limited_total", "counter",
			 "Requests refused with 429 rate_limited, by the limit that was hit.");
	metrics_describe("otpgate_guard_refused_total", "counter",
			 "Sends refused by geo permissions, prefix blocks or the daily spend cap.");
}

static void guard_count_metric(const char *name, const char *label, const char *value)
{
	char labels[GUARD_METRIC_LABELS_MAX];

	pthread_once(&guard_metrics_once, guard_describe_metrics);
	snprintf(labels, sizeof labels, "%s=\"%s\"", label, value); /* static names only */
	metrics_count(name, labels, 1);
}

/* A refusal by a rate limit: names the limit and when to retry (ABUSE-01). */
static enum og_err guard_refuse(struct og_detail *det, const char *limit, int64_t retry_ms,
				const char *what)
{
	int64_t sec = (retry_ms + 999) / 1000;

	guard_count_metric("otpgate_rate_limited_total", "limit", limit);
	if (sec < 1)
		sec = 1;
	og_fail(det, OG_ERR_RATE_LIMITED, NULL, "%s; retry in %lld s", what, (long long)sec);
	if (det) {
		det->limit = limit;
		det->retry_after_sec = sec > INT32_MAX ? INT32_MAX : (int)sec;
	}
	return OG_ERR_RATE_LIMITED;
}

void guard_prefix(const char *e164, char out[STORE_PREFIX_MAX])
{
	size_t len = strnlen(e164, STORE_PREFIX_MAX - 1);
	size_t keep = len > GUARD_PREFIX_CUT + 1 ? len - GUARD_PREFIX_CUT : 1;

	memcpy(out, e164, keep);
	out[keep] = '\0';
}

/* The keyed hash of a phone, exactly as otp.c computes a request's
 * phone_hash, so a verify can mark the sends of its phone as converted. */
static void guard_phone_hash(const struct domain *d, const char *tenant_id, const char *phone,
			     unsigned char out[SECRET_HASH_LEN])
{
	const char *parts[] = {tenant_id, phone};
	secret_hmac(d->secret, SECRET_PHONE_HMAC, parts, 2, out);
}

/* A tagged hash for prefixes and addresses: three parts, so it can never
 * equal a phone hash (two parts) whatever the text. */
static void guard_tagged_hash(const struct domain *d, const char *tenant_id, const char *tag,
			      const char *text, unsigned char out[SECRET_HASH_LEN])
{
	const char *parts[] = {tenant_id, tag, text};
	secret_hmac(d->secret, SECRET_PHONE_HMAC, parts, 3, out);
}

enum og_err guard_send_precheck(const struct domain *d, struct store_conn *c,
				const struct store_tenant *t, const char *phone,
				const char *client_ip, struct guard_send *g,
				struct og_detail *det)
{
	char ip_key[CIDR_TEXT_MAX];
	bool found = false;
	enum og_err rc;

	memset(g, 0, sizeof *g);
	rc = policy_resolve_cached(d, c, t->id, &g->policy);
	if (rc != OG_OK)
		return rc;
	guard_phone_hash(d, t->id, phone, g->phone_hash);
	guard_prefix(phone, g->prefix);
	guard_tagged_hash(d, t->id, "prefix", g->prefix, g->prefix_hash);
	if (client_ip && client_ip[0]) {
		/* ABUSE-04 */
		if (!cidr_client_key(client_ip, ip_key))
			return og_fail(det, OG_ERR_INVALID_REQUEST, "client_ip",
				       "client_ip must be an IPv4 or IPv6 address");
		guard_tagged_hash(d, t->id, "ip", ip_key, g->ip_hash);
		g->has_ip = true;
	}
	/* ABUSE-09: a test number costs nothing and reaches nobody, so the
	 * defences of money (geo, prefix blocks) do not apply to it. */
	rc = testnum_lookup(d, c, t->id, phone, &found, g->test_code);
	if (rc != OG_OK)
		return rc;
	if (found) {
		g->test = true;
		return OG_OK;
	}
	/* ABUSE-10: geo permissions. */
	if (!policy_country_allowed(&g->policy, phone)) {
		guard_count_metric("otpgate_guard_refused_total", "code", "country_not_allowed");
		return og_fail(det, OG_ERR_COUNTRY_NOT_ALLOWED, "phone",
			       "the tenant may not send to this country; see allowed_countries");
	}
	rc = pumping_gate(d, c, t->id, &g->policy, g->prefix, g->prefix_hash, det);
	if (rc == OG_ERR_PREFIX_BLOCKED)
		guard_count_metric("otpgate_guard_refused_total", "code", "prefix_blocked");
	return rc;
}

void guard_code(const struct guard_send *g, char code[RND_CODE_LEN_MAX + 1])
{
	if (g->test)
		memcpy(code, g->test_code, sizeof g->test_code);
}

/* A sliding window over the send log: refuses when count sends already
 * fall in the last window_sec. The oldest of them leaving frees a slot. */
static enum og_err guard_window(const struct domain *d, struct store_conn *c, const char *tenant_id,
				int key, const unsigned char hash[SECRET_HASH_LEN],
				const struct policy *p, int count_i, int window_i,
				const char *limit, int64_t now, struct og_detail *det)
{
	int64_t count = p->values[count_i], window_ms = p->values[window_i] * 1000;
	int64_t n = 0, oldest = 0;
	char what[OG_DETAIL_MESSAGE_MAX];
	enum og_err rc;

	(void)d;
	if (count == 0)
		return OG_OK;
	rc = store_guard_send_count(c, tenant_id, key, hash, now - window_ms, &n, &oldest);
	if (rc != OG_OK || n < count)
		return rc;
	snprintf(what, sizeof what, "limit %s reached: %lld sends per %lld s", limit,
		 (long long)count, (long long)p->values[window_i]);
	return guard_refuse(det, limit, oldest + window_ms - now, what);
}

/* ABUSE-05: a token bucket of tenant_rps tokens a second, holding at most
 * one second's worth, in thousandths of a token so refills are exact. */
static enum og_err guard_bucket(struct store_conn *c, const char *tenant_id, int64_t rps,
				int64_t now, struct og_detail *det)
{
	int64_t cap = rps * GUARD_TOKEN_MILLI, tokens = cap, at = now, filled_rps = rps;
	char what[OG_DETAIL_MESSAGE_MAX];
	enum og_err rc;

	if (rps == 0)
		return OG_OK;
	rc = store_guard_bucket_get(c, tenant_id, &filled_rps, &tokens, &at);
	/* A changed rate takes effect at once, with a full bucket. */
	if (rc == OG_ERR_NOT_FOUND || (rc == OG_OK && filled_rps != rps)) {
		tokens = cap;
		at = now;
		rc = OG_OK;
	}
	if (rc != OG_OK)
		return rc;
	if (now > at) {
		/* ms * tokens/s = thousandths of a token; capped before it can overflow. */
		int64_t elapsed = now - at;
		tokens = elapsed >= GUARD_MS_PER_DAY ? cap : tokens + elapsed * rps;
	}
	if (tokens > cap)
		tokens = cap;
	if (tokens < GUARD_TOKEN_MILLI) {
		snprintf(what, sizeof what, "limit tenant_rps reached: %lld sends a second",
			 (long long)rps);
		return guard_refuse(det, GUARD_LIMIT_TENANT_RPS,
				    (GUARD_TOKEN_MILLI - tokens + rps - 1) / rps, what);
	}
	return store_guard_bucket_put(c, tenant_id, rps, tokens - GUARD_TOKEN_MILLI,
					now > at ? now : at);
}

static enum og_err guard_usage_sum(void *arg, const struct store_usage_row *row)
{
	struct store_usage_row *sum = arg;

	sum->total_sms += row->total_sms;
	sum->total_cost_paise += row->total_cost_paise;
	return OG_OK;
}

/* Today's sends and spend, in the billing day: what was charged today plus
 * what is held now (a hold becomes a charge or is released within
 * minutes), so the count is exact under the write lock. */
static enum og_err guard_today(const struct domain *d, struct store_conn *c, const char *tenant_id,
			       int64_t now, int64_t *sms, int64_t *spend_paise, int64_t *next_day_ms)
{
	char day[CLOCK_DATE_MAX];
	struct store_usage_row sum = {0};
	struct store_wallet w;
	int y = 0, m = 0, dd = 0;
	enum og_err rc;

	clock_format_date(now, d->cfg.billing_offset_sec, day);
	if (!clock_parse_date(day, &y, &m, &dd))
		return OG_ERR_INTERNAL;
	*next_day_ms = clock_date_start_ms(y, m, dd, d->cfg.billing_offset_sec) + GUARD_MS_PER_DAY;
	rc = store_usage_range(c, tenant_id, day, day, guard_usage_sum, &sum);
	if (rc == OG_OK)
		rc = store_wallet_get(c, tenant_id, &w);
	if (rc != OG_OK)
		return rc;
	*sms = sum.total_sms + w.held_count;
	*spend_paise = sum.total_cost_paise + w.held_paise;
	return OG_OK;
}

/* ABUSE-05 (daily count) and ABUSE-08 (daily spend cap). */
static enum og_err guard_daily(const struct domain *d, struct store_conn *c, const char *tenant_id,
			       const struct policy *p, int64_t price_paise, int64_t now,
			       struct og_detail *det)
{
	int64_t daily = p->values[STORE_POLICY_TENANT_DAILY];
	int64_t cap = p->values[STORE_POLICY_DAILY_SPEND_CAP_PAISE];
	int64_t sms = 0, spend = 0, next_day = 0;
	char what[OG_DETAIL_MESSAGE_MAX];
	enum og_err rc;

	if (daily == 0 && (cap == 0 || price_paise == 0))
		return OG_OK;
	rc = guard_today(d, c, tenant_id, now, &sms, &spend, &next_day);
	if (rc != OG_OK)
		return rc;
	if (daily > 0 && sms >= daily) {
		snprintf(what, sizeof what, "limit tenant_daily reached: %lld sends a day",
			 (long long)daily);
		return guard_refuse(det, GUARD_LIMIT_TENANT_DAILY, next_day - now, what);
	}
	if (cap > 0 && price_paise > 0 && spend + price_paise > cap) {
		guard_count_metric("otpgate_guard_refused_total", "code", "daily_spend_cap_reached");
		log_warn("guard.daily_spend_cap_reached", "{s:s, s:I, s:I, s:I}", "tenant_id",
			 tenant_id, "cap_paise", (json_int_t)cap, "spent_paise", (json_int_t)spend,
			 "price_paise", (json_int_t)price_paise);
		if (det)
			det->retry_after_sec = (int)((next_day - now + 999) / 1000);
		return og_fail(det, OG_ERR_DAILY_SPEND_CAP_REACHED, NULL,
			       "the daily spend cap of %lld paise is reached (%lld spent today)",
			       (long long)cap, (long long)spend);
	}
	return OG_OK;
}

/* The longest window any counter or the detector looks back over. */
static int64_t guard_retention_ms(const struct policy *p)
{
	static const int windows[] = {STORE_POLICY_PER_PHONE_WINDOW_SEC,
				      STORE_POLICY_PER_PREFIX_WINDOW_SEC,
				      STORE_POLICY_PER_IP_WINDOW_SEC,
				      STORE_POLICY_PUMPING_WINDOW_SEC};
	int64_t longest = 0;

	for (size_t i = 0; i < sizeof windows / sizeof windows[0]; i++)
		if (p->values[windows[i]] > longest)
			longest = p->values[windows[i]];
	return longest * 1000;
}

enum og_err guard_send_commit(const struct domain *d, struct store_conn *c,
			      const struct guard_send *g, const struct store_tenant *t,
			      int64_t price_paise, struct og_detail *det)
{
	const struct policy *p = &g->policy;
	struct store_guard_send s;
	int64_t now = domain_now_ms(d);
	enum og_err rc;

	if (g->test && p->values[STORE_POLICY_TEST_NUMBERS_EXEMPT])
		return OG_OK;
	/* A block written since the precheck read the prefix as open. */
	if (!g->test) {
		rc = pumping_blocked(d, c, t->id, g->prefix, det);
		if (rc != OG_OK)
			return rc;
	}
	/* ABUSE-02, ABUSE-03, ABUSE-04 */
	rc = guard_window(d, c, t->id, STORE_GUARD_PHONE, g->phone_hash, p,
			  STORE_POLICY_PER_PHONE_COUNT, STORE_POLICY_PER_PHONE_WINDOW_SEC,
			  GUARD_LIMIT_PER_PHONE, now, det);
	if (rc == OG_OK)
		rc = guard_window(d, c, t->id, STORE_GUARD_PREFIX, g->prefix_hash, p,
				  STORE_POLICY_PER_PREFIX_COUNT, STORE_POLICY_PER_PREFIX_WINDOW_SEC,
				  GUARD_LIMIT_PER_PREFIX, now, det);
	if (rc == OG_OK && g->has_ip)
		rc = guard_window(d, c, t->id, STORE_GUARD_IP, g->ip_hash, p,
				  STORE_POLICY_PER_IP_COUNT, STORE_POLICY_PER_IP_WINDOW_SEC,
				  GUARD_LIMIT_PER_IP, now, det);
	if (rc != OG_OK)
		return rc;
	/* The send is logged before the tenant-wide checks below, which lock
	 * the tenant's wallet and bucket until the commit: the less work after
	 * them, the less one tenant's concurrent sends wait for each other. A
	 * refusal rolls the row back with the rest. */
	memset(&s, 0, sizeof s);
	memcpy(s.tenant_id, t->id, sizeof s.tenant_id);
	rnd_id("gsd", now, s.id);
	memcpy(s.phone_hash, g->phone_hash, sizeof s.phone_hash);
	memcpy(s.prefix_hash, g->prefix_hash, sizeof s.prefix_hash);
	memcpy(s.ip_hash, g->ip_hash, sizeof s.ip_hash);
	s.has_ip = g->has_ip;
	s.sent_at_ms = now;
	rc = store_guard_send_insert(c, &s);
	/* Each send deletes a few rows past every window, so the log keeps
	 * about one window of traffic without a background job. */
	if (rc == OG_OK)
		rc = store_guard_send_prune(c, t->id, now - guard_retention_ms(p),
					      GUARD_PRUNE_PER_SEND);
	if (rc == OG_OK)
		rc = guard_daily(d, c, t->id, p, price_paise, now, det);
	if (rc == OG_OK)
		rc = guard_bucket(c, t->id, p->values[STORE_POLICY_TENANT_RPS], now, det);
	return rc;
}

void guard_test_message(const struct guard_send *g, struct store_message *m)
{
	if (!g->test)
		return;
	m->status = STORE_MSG_SENT;
	memset(m->provider, 0, sizeof m->provider);
	memcpy(m->provider, GUARD_TEST_PROVIDER, sizeof GUARD_TEST_PROVIDER);
	m->cost_paise = 0;
	sodium_memzero(m->payload_sealed, sizeof m->payload_sealed);
	m->payload_sealed_len = 0;
	m->sent_at_ms = m->created_at_ms;
}

/* ---- Verify ------------------------------------------------------------ */

/* A phone with no failure run yet. */
static void guard_lock_fresh(const struct store_otp *o, struct store_verify_lock *l)
{
	memset(l, 0, sizeof *l);
	memcpy(l->tenant_id, o->tenant_id, sizeof l->tenant_id);
	memcpy(l->phone_hash, o->phone_hash, sizeof l->phone_hash);
}

enum og_err guard_verify_check(const struct domain *d, struct store_conn *c,
			       const struct store_otp *o, struct guard_verify *v,
			       struct og_detail *det)
{
	struct store_verify_lock *l = &v->lock;
	int64_t now = domain_now_ms(d);
	enum og_err rc;

	guard_lock_fresh(o, l);
	rc = policy_resolve_cached(d, c, o->tenant_id, &v->policy);
	if (rc != OG_OK || v->policy.values[STORE_POLICY_VERIFY_FAILURES] == 0)
		return rc;
	rc = store_guard_lock_get(c, o->tenant_id, o->phone_hash, l);
	if (rc == OG_ERR_NOT_FOUND) {
		guard_lock_fresh(o, l); /* the attempt starts the run from here */
		return OG_OK;
	}
	if (rc != OG_OK)
		return rc;
	if (l->locked_until_ms <= now)
		return OG_OK;
	/* ABUSE-06: no attempt is counted while locked, right code or not. */
	return guard_refuse(det, GUARD_LIMIT_VERIFY_FAILURES, l->locked_until_ms - now,
			    "the phone is locked after too many failed verifies");
}

enum og_err guard_verify_attempt(const struct domain *d, struct store_conn *c,
				 const struct store_otp *o, struct guard_verify *v, bool verified)
{
	const struct policy *p = &v->policy;
	struct store_verify_lock *l = &v->lock;
	int64_t now = domain_now_ms(d);
	int64_t limit;
	enum og_err rc;

	/* The settings and the lock are as guard_verify_check read them: the
	 * transaction holds the write lock, and nothing in between writes them. */
	if (verified) {
		/* The failures were consecutive; a success ends the run. The
		 * conversion counts for every send of this phone since the
		 * request began, resends included. */
		rc = store_guard_lock_delete(c, o->tenant_id, o->phone_hash);
		if (rc == OG_OK)
			rc = store_guard_send_verified(c, o->tenant_id, o->phone_hash,
							 o->created_at_ms);
		return rc;
	}
	limit = p->values[STORE_POLICY_VERIFY_FAILURES];
	if (limit == 0)
		return OG_OK;
	l->failures++;
	if (l->failures >= limit) {
		l->failures = 0;
		l->locked_until_ms = now + p->values[STORE_POLICY_VERIFY_LOCK_SEC] * 1000;
		log_warn("guard.phone_locked", "{s:s, s:s, s:I, s:I}", "tenant_id", o->tenant_id,
			 "phone", o->phone_masked, "failures", (json_int_t)limit, "lock_sec",
			 (json_int_t)p->values[STORE_POLICY_VERIFY_LOCK_SEC]);
	}
	l->updated_at_ms = now;
	return store_guard_lock_put(c, l);
}
