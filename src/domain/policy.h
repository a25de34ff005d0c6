/*
 * Abuse-defence settings (docs/SECURITY.md §8): the rate limits, the country
 * allow-list, the daily spend cap, the pumping detector's thresholds and
 * the test-number exemption. The deployment sets a default for each (flags
 * and OTPGATE_* variables); a tenant may override any of them, and what is
 * in force for a tenant is its override or else the default. One table in
 * policy.c names every setting with its JSON path, default and bounds, so
 * the flags, the API and the store agree on them.
 */
#ifndef OG_POLICY_H
#define OG_POLICY_H

#include "store/store.h"

#define POLICY_PATH_MAX 48         /* the longest setting path, plus NUL */
#define POLICY_COUNTRIES_TEXT_MAX 512 /* "91,1,44": the flag's longest value */

/* The settings in force: every value set, and the allowed calling codes. */
struct policy {
	int64_t values[STORE_POLICY__COUNT];
	size_t country_count;
	char countries[STORE_COUNTRIES_MAX][STORE_COUNTRY_CODE_MAX];
};

/* One setting. A value of 0 switches a count, rate or cap off. */
struct policy_setting {
	const char *path; /* its place in a tenant's JSON: "limits.per_phone.count" */
	int64_t def;      /* the built-in default */
	int64_t min;
	int64_t max;
	bool is_bool;     /* rendered and decoded as true/false */
};

/* The abuse fields of a tenant create or patch, as the API decoded them.
 * A has flag is set for each value given; an object or list given as null
 * returns its settings to the deployment's. */
struct policy_input {
	bool has[STORE_POLICY__COUNT];
	int64_t values[STORE_POLICY__COUNT];
	bool test_numbers_exempt;   /* the JSON bool behind STORE_POLICY_TEST_NUMBERS_EXEMPT */
	bool has_limits, limits_null;
	bool has_pumping, pumping_null;
	bool spend_cap_null;        /* billing.daily_spend_cap_paise given as null */
	bool has_countries, countries_null;
	size_t country_count;
	char countries[STORE_COUNTRIES_MAX][STORE_COUNTRY_CODE_MAX];
};

/** Returns the description of setting i (an enum store_policy_setting). */
const struct policy_setting *policy_setting(int i);

/** Fills out with the built-in defaults (the allowed countries: "91"). */
void policy_defaults(struct policy *out);

/** Parses a comma-separated calling-code list ("91,1") into p; false if malformed. */
bool policy_countries_parse(const char *text, struct policy *p);

/** Checks every value against its bounds; false with *bad set to the first offender. */
bool policy_valid(const struct policy *p, int *bad);

/** True if the E.164 number's calling code is in p's allow-list. */
bool policy_country_allowed(const struct policy *p, const char *e164);

struct domain;

/** Reads the tenant's settings in force: its overrides over the deployment's (d->cfg.guard). */
enum og_err policy_resolve(const struct domain *d, struct store_conn *c, const char *tenant_id,
			   struct policy *out);

/** The same through the configuration cache (cache.h), for the send and verify paths. */
enum og_err policy_resolve_cached(const struct domain *d, struct store_conn *c,
				  const char *tenant_id, struct policy *out);

/** True if the input changes anything. */
bool policy_input_given(const struct policy_input *in);

/** In an open transaction: applies, validates and stores a tenant's overrides. */
enum og_err policy_write(struct store_conn *c, const struct policy *defaults,
			 const char *tenant_id, const struct policy_input *in, int64_t now_ms,
			 struct og_detail *det);

#endif
