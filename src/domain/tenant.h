/*
 * Tenants: creation with validated settings and defaults, partial updates,
 * suspension, listing. A tenant's upstream API key is sealed here before it
 * reaches the store and is never returned.
 */
#ifndef OG_TENANT_H
#define OG_TENANT_H

#include "domain/audit.h"
#include "domain/domain.h"
#include "domain/policy.h"

#define TENANT_OTP_LENGTH_MIN 4
#define TENANT_OTP_LENGTH_MAX 10
#define TENANT_OTP_TTL_MIN_SEC 30
#define TENANT_OTP_TTL_MAX_SEC 600
#define TENANT_OTP_ATTEMPTS_MIN 1
#define TENANT_OTP_ATTEMPTS_MAX 10
#define TENANT_MONEY_MAX_PAISE 100000000000LL /* ₹1,000,000,000: far past any real limit */

/* Decoded create or patch body. A has_ flag is set for each field present;
 * create requires name, patch takes any subset. */
struct tenant_input {
	bool has_id;
	char id[STORE_TENANT_ID_MAX];
	bool has_name;
	char name[STORE_NAME_MAX];
	bool has_sender_header;
	char sender_header[STORE_HEADER_MAX];
	bool has_pe_id;
	char pe_id[STORE_PE_ID_MAX];
	bool has_price_paise;
	int64_t price_paise;
	bool has_billing_mode;
	int billing_mode; /* enum store_billing_mode */
	bool has_credit_limit_paise;
	int64_t credit_limit_paise;
	bool has_monthly_cap_sms;
	int64_t monthly_cap_sms;
	bool has_otp_length;
	int otp_length;
	bool has_otp_ttl_sec;
	int otp_ttl_sec;
	bool has_otp_max_attempts;
	int otp_max_attempts;
	bool has_upstream; /* upstream given: replaces the tenant's upstream */
	bool upstream_null; /* upstream given as null: the tenant uses the deployment's */
	char upstream_provider[STORE_PROVIDER_MAX];
	char upstream_url[STORE_URL_MAX];
	bool has_upstream_api_key;
	char upstream_api_key[STORE_CREDENTIAL_MAX]; /* plaintext; wiped after sealing */
	bool has_suspended;
	bool suspended;
	struct policy_input policy; /* limits, allowed_countries, daily spend cap (policy.h) */
	bool has_retention_days; /* kept by domain/retention, not the tenants table (SEC-24) */
	int retention_days;
	/* DLT (docs/DLT.md): the route, and a price per route (0: the deployment's). */
	bool has_route;
	int route; /* enum store_route; absent at creation: own with a PE-ID, else shared */
	bool has_price_own_paise;
	int64_t price_own_paise;
	bool has_price_shared_paise;
	int64_t price_shared_paise;
};

/** True if id matches ^[a-z0-9][a-z0-9_-]{2,63}$. */
bool tenant_id_valid(const char *id);

/** Creates a tenant (and its empty wallet); OG_ERR_CONFLICT if the id is taken. */
enum og_err tenant_create(const struct domain *d, struct store_conn *c,
			  const struct audit_actor *who, struct tenant_input *in,
			  struct store_tenant *out, struct og_detail *det);

/** Reads a tenant; OG_ERR_NOT_FOUND if there is none. */
enum og_err tenant_get(const struct domain *d, struct store_conn *c, const char *id,
		       struct store_tenant *out);

/** Applies the fields present in `in` to the tenant. */
enum og_err tenant_patch(const struct domain *d, struct store_conn *c,
			 const struct audit_actor *who, const char *id, struct tenant_input *in,
			 struct store_tenant *out, struct og_detail *det);

/** Suspends the tenant; its data is kept and its sends are refused. */
enum og_err tenant_suspend(const struct domain *d, struct store_conn *c,
			   const struct audit_actor *who, const char *id, struct store_tenant *out);

/** Lists up to limit tenants ordered by id after after_id (NULL for the first page). */
enum og_err tenant_list(const struct domain *d, struct store_conn *c, const char *after_id,
			size_t limit, struct store_tenant *out, size_t *n);

/** Decrypts the tenant's upstream key into out; "" if it has none. */
enum og_err tenant_upstream_key(const struct domain *d, const struct store_tenant *t,
				char out[STORE_CREDENTIAL_MAX]);

#endif
