/*
 * The settings table and the merge of a tenant's overrides over the
 * deployment's defaults. The defaults and why each is what it is are in
 * docs/SECURITY.md §8 (ABUSE-02..ABUSE-09); in short, none of them may
 * refuse an honest tenant's traffic, including a burst of 100 sends a
 * second to distinct numbers, while each caps what an attacker can spend.
 */
#include "domain/policy.h"

#include "domain/cache.h"
#include "domain/domain.h"

#include <assert.h>
#include <string.h>

#define POLICY_WINDOW_MAX_SEC (7LL * 24 * 3600)
#define POLICY_COUNT_MAX 1000000000LL
#define POLICY_MONEY_MAX_PAISE 100000000000LL

/* By enum store_policy_setting. */
static const struct policy_setting policy_settings[STORE_POLICY__COUNT] = {
	/* ABUSE-02: Twilio Verify's 5 sends per number per 10 minutes. */
	[STORE_POLICY_PER_PHONE_COUNT] = {"limits.per_phone.count", 5, 0, POLICY_COUNT_MAX, false},
	[STORE_POLICY_PER_PHONE_WINDOW_SEC] = {"limits.per_phone.window_sec", 600, 1,
					       POLICY_WINDOW_MAX_SEC, false},
	/* ABUSE-03: a prefix is 10,000 numbers; 200 an hour is far above what
	 * one block sends honestly and bounds what a pumped block can cost. */
	[STORE_POLICY_PER_PREFIX_COUNT] = {"limits.per_prefix.count", 200, 0, POLICY_COUNT_MAX,
					   false},
	[STORE_POLICY_PER_PREFIX_WINDOW_SEC] = {"limits.per_prefix.window_sec", 3600, 1,
						POLICY_WINDOW_MAX_SEC, false},
	/* ABUSE-04: mobile carriers put many users behind one address (CGNAT). */
	[STORE_POLICY_PER_IP_COUNT] = {"limits.per_ip.count", 100, 0, POLICY_COUNT_MAX, false},
	[STORE_POLICY_PER_IP_WINDOW_SEC] = {"limits.per_ip.window_sec", 600, 1,
					    POLICY_WINDOW_MAX_SEC, false},
	/* ABUSE-05: twice the burst an honest tenant must always get through. */
	[STORE_POLICY_TENANT_RPS] = {"limits.tenant_rps", 200, 0, 100000, false},
	[STORE_POLICY_TENANT_DAILY] = {"limits.tenant_daily", 100000, 0, POLICY_COUNT_MAX, false},
	/* ABUSE-06: NIST SP 800-63B's 100 consecutive failures. */
	[STORE_POLICY_VERIFY_FAILURES] = {"limits.verify_failures_per_phone", 100, 0,
					  POLICY_COUNT_MAX, false},
	[STORE_POLICY_VERIFY_LOCK_SEC] = {"limits.verify_lock_sec", 3600, 1, 30LL * 24 * 3600,
					  false},
	/* ABUSE-09 */
	[STORE_POLICY_TEST_NUMBERS_EXEMPT] = {"limits.test_numbers_exempt", 1, 0, 1, true},
	/* ABUSE-08: off by default; the wallet and monthly cap still apply. */
	[STORE_POLICY_DAILY_SPEND_CAP_PAISE] = {"billing.daily_spend_cap_paise", 0, 0,
						POLICY_MONEY_MAX_PAISE, false},
	/* ABUSE-07: conversion below 20% over at least 50 judged sends in an hour. */
	[STORE_POLICY_PUMPING_WINDOW_SEC] = {"pumping.window_sec", 3600, 60, POLICY_WINDOW_MAX_SEC,
					     false},
	[STORE_POLICY_PUMPING_MIN_SENDS] = {"pumping.min_sends", 50, 1, POLICY_COUNT_MAX, false},
	[STORE_POLICY_PUMPING_MIN_CONVERSION_PCT] = {"pumping.min_conversion_pct", 20, 0, 100,
						     false},
	[STORE_POLICY_PUMPING_GRACE_SEC] = {"pumping.grace_sec", 120, 0, 24LL * 3600, false},
};

static const char policy_default_country[] = "91";

const struct policy_setting *policy_setting(int i)
{
	assert(i >= 0 && i < STORE_POLICY__COUNT);
	return &policy_settings[i];
}

void policy_defaults(struct policy *out)
{
	memset(out, 0, sizeof *out);
	for (int i = 0; i < STORE_POLICY__COUNT; i++)
		out->values[i] = policy_settings[i].def;
	memcpy(out->countries[0], policy_default_country, sizeof policy_default_country);
	out->country_count = 1;
}

/* A calling code is 1 to 3 digits and never starts with 0 (ITU E.164). */
static bool policy_country_valid(const char *cc)
{
	size_t len = strnlen(cc, STORE_COUNTRY_CODE_MAX);

	return len >= 1 && len < STORE_COUNTRY_CODE_MAX && cc[0] != '0' &&
	       strspn(cc, "0123456789") == len;
}

bool policy_countries_parse(const char *text, struct policy *p)
{
	const char *s = text;
	size_t n = 0;

	if (!text || strnlen(text, POLICY_COUNTRIES_TEXT_MAX) >= POLICY_COUNTRIES_TEXT_MAX)
		return false;
	while (*s) {
		size_t len = strcspn(s, ",");
		if (len == 0 || len >= STORE_COUNTRY_CODE_MAX || n == STORE_COUNTRIES_MAX)
			return false;
		memcpy(p->countries[n], s, len);
		p->countries[n][len] = '\0';
		if (!policy_country_valid(p->countries[n]))
			return false;
		n++;
		s += len;
		if (*s == ',' && !*++s)
			return false;
	}
	if (n == 0)
		return false;
	p->country_count = n;
	return true;
}

bool policy_valid(const struct policy *p, int *bad)
{
	for (int i = 0; i < STORE_POLICY__COUNT; i++) {
		if (p->values[i] < policy_settings[i].min || p->values[i] > policy_settings[i].max) {
			*bad = i;
			return false;
		}
	}
	/* Sends younger than the grace are not judged; a grace as long as
	 * the window would leave nothing to judge. */
	if (p->values[STORE_POLICY_PUMPING_GRACE_SEC] >=
	    p->values[STORE_POLICY_PUMPING_WINDOW_SEC]) {
		*bad = STORE_POLICY_PUMPING_GRACE_SEC;
		return false;
	}
	return true;
}

bool policy_country_allowed(const struct policy *p, const char *e164)
{
	assert(e164[0] == '+');
	/* Calling codes are prefix-free, so a leading match is the match. */
	for (size_t i = 0; i < p->country_count && i < STORE_COUNTRIES_MAX; i++) {
		size_t len = strnlen(p->countries[i], STORE_COUNTRY_CODE_MAX);
		if (len > 0 && strncmp(e164 + 1, p->countries[i], len) == 0)
			return true;
	}
	return false;
}

/* Lays the overrides in o over base. */
static void policy_merge(const struct policy *base, const struct store_policy *o,
			 struct policy *out)
{
	*out = *base;
	for (int i = 0; i < STORE_POLICY__COUNT; i++)
		if (o->values[i] != STORE_POLICY_UNSET)
			out->values[i] = o->values[i];
	if (o->countries_set) {
		out->country_count = o->country_count;
		memcpy(out->countries, o->countries, sizeof out->countries);
	}
}

/* Merges the overrides read by rc/o over the deployment's defaults. */
static enum og_err policy_resolved(const struct domain *d, enum og_err rc,
				   const struct store_policy *o, struct policy *out)
{
	if (rc == OG_ERR_NOT_FOUND) {
		*out = d->cfg.guard;
		return OG_OK;
	}
	if (rc != OG_OK)
		return rc;
	policy_merge(&d->cfg.guard, o, out);
	return OG_OK;
}

enum og_err policy_resolve(const struct domain *d, struct store_conn *c, const char *tenant_id,
			   struct policy *out)
{
	struct store_policy o;

	return policy_resolved(d, store_policy_get(c, tenant_id, &o), &o, out);
}

enum og_err policy_resolve_cached(const struct domain *d, struct store_conn *c,
				  const char *tenant_id, struct policy *out)
{
	struct store_policy o;

	return policy_resolved(d, cache_policy(d, c, tenant_id, &o), &o, out);
}

bool policy_input_given(const struct policy_input *in)
{
	return in->has_limits || in->has_pumping || in->has_countries ||
	       in->has[STORE_POLICY_DAILY_SPEND_CAP_PAISE];
}

/* True if setting i lives under the JSON object named by prefix ("limits."). */
static bool policy_under(int i, const char *prefix)
{
	return strncmp(policy_settings[i].path, prefix, strlen(prefix)) == 0;
}

static enum og_err policy_apply(const struct policy_input *in, struct store_policy *o,
				struct og_detail *det)
{
	for (int i = 0; i < STORE_POLICY__COUNT; i++) {
		if ((in->limits_null && policy_under(i, "limits.")) ||
		    (in->pumping_null && policy_under(i, "pumping.")) ||
		    (in->spend_cap_null && i == STORE_POLICY_DAILY_SPEND_CAP_PAISE))
			o->values[i] = STORE_POLICY_UNSET;
		else if (in->has[i] && i == STORE_POLICY_TEST_NUMBERS_EXEMPT)
			o->values[i] = in->test_numbers_exempt ? 1 : 0;
		else if (in->has[i])
			o->values[i] = in->values[i];
	}
	if (in->countries_null) {
		o->countries_set = false;
		o->country_count = 0;
	} else if (in->has_countries) {
		if (in->country_count == 0)
			return og_fail(det, OG_ERR_INVALID_REQUEST, "allowed_countries",
				       "allowed_countries must name at least one calling code");
		for (size_t i = 0; i < in->country_count && i < STORE_COUNTRIES_MAX; i++)
			if (!policy_country_valid(in->countries[i]))
				return og_fail(det, OG_ERR_INVALID_REQUEST, "allowed_countries",
					       "allowed_countries holds calling codes of 1 to 3 "
					       "digits, e.g. \"91\"");
		o->countries_set = true;
		o->country_count = in->country_count;
		memcpy(o->countries, in->countries, sizeof o->countries);
	}
	return OG_OK;
}

enum og_err policy_write(struct store_conn *c, const struct policy *defaults,
			 const char *tenant_id, const struct policy_input *in, int64_t now_ms,
			 struct og_detail *det)
{
	struct store_policy o;
	struct policy eff;
	int bad = 0;
	enum og_err rc;

	if (!policy_input_given(in))
		return OG_OK;
	rc = store_policy_get(c, tenant_id, &o);
	if (rc == OG_ERR_NOT_FOUND) {
		memset(&o, 0, sizeof o);
		memcpy(o.tenant_id, tenant_id, strnlen(tenant_id, STORE_TENANT_ID_MAX - 1));
		for (int i = 0; i < STORE_POLICY__COUNT; i++)
			o.values[i] = STORE_POLICY_UNSET;
		rc = OG_OK;
	}
	if (rc != OG_OK)
		return rc;
	rc = policy_apply(in, &o, det);
	if (rc != OG_OK)
		return rc;
	policy_merge(defaults, &o, &eff);
	if (!policy_valid(&eff, &bad)) {
		const struct policy_setting *s = &policy_settings[bad];
		if (bad == STORE_POLICY_PUMPING_GRACE_SEC && eff.values[bad] <= s->max &&
		    eff.values[bad] >= s->min)
			return og_fail(det, OG_ERR_INVALID_REQUEST, s->path,
				       "%s must be less than pumping.window_sec", s->path);
		return og_fail(det, OG_ERR_INVALID_REQUEST, s->path, "%s must be from %lld to %lld",
			       s->path, (long long)s->min, (long long)s->max);
	}
	o.updated_at_ms = now_ms;
	return store_policy_put(c, &o);
}
