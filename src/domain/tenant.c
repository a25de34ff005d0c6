/*
 * Tenant lifecycle. Validation lives here rather than in the API so the CLI
 * and any future caller get the same rules. The upstream credential is
 * sealed with the tenant id as associated data, so a sealed key copied onto
 * another tenant's row fails to open.
 */
#include "domain/tenant.h"

#include "base/log.h"
#include "domain/dlt_lint.h"
#include "domain/registry.h"
#include "domain/retention.h"

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <sodium.h>
#include <string.h>

#define TENANT_OTP_LENGTH_DEFAULT 6
#define TENANT_OTP_TTL_DEFAULT_SEC 300
#define TENANT_OTP_ATTEMPTS_DEFAULT 5
#define TENANT_GENERATED_ID_BYTES 10

bool tenant_id_valid(const char *id)
{
	size_t len = strnlen(id, STORE_TENANT_ID_MAX);

	if (len < 3 || len > STORE_TENANT_ID_MAX - 1)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = id[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
		if (!alnum && (i == 0 || (ch != '_' && ch != '-')))
			return false;
	}
	return true;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* A tenant's sender_header is registered as a service implicit header
 * (OTPs are service implicit traffic), so it has that format: 6 letters
 * A-Z (DLT-41). */
static enum og_err sender_header_check(const char *h, struct og_detail *det)
{
	struct dlt_finding f;

	if (dlt_lint_header(h, STORE_DLT_SERVICE_IMPLICIT, &f))
		return OG_OK;
	og_fail(det, OG_ERR_INVALID_REQUEST, "sender_header",
		"sender_header must be 6 letters A-Z (a DLT service header)");
	if (det)
		det->rule = f.rule->id;
	return OG_ERR_INVALID_REQUEST;
}

static bool provider_name_valid(const char *p)
{
	return strcmp(p, "log") == 0 || strcmp(p, "startmessaging") == 0;
}

static bool url_valid(const char *u)
{
	return strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0;
}

/* Applies the fields present in `in` onto t, validating each. */
static enum og_err tenant_apply(const struct domain *d, struct tenant_input *in,
				struct store_tenant *t, struct og_detail *det)
{
	enum og_err rc = OG_OK;

	if (in->has_name) {
		if (!in->name[0])
			return og_fail(det, OG_ERR_INVALID_REQUEST, "name", "name must not be empty");
		memcpy(t->name, in->name, sizeof t->name);
	}
	if (in->has_sender_header) {
		if (in->sender_header[0] && sender_header_check(in->sender_header, det) != OG_OK)
			return OG_ERR_INVALID_REQUEST;
		memcpy(t->sender_header, in->sender_header, sizeof t->sender_header);
	}
	if (in->has_route)
		t->route = in->route;
	if (in->has_price_own_paise) {
		if (in->price_own_paise < 0 || in->price_own_paise > TENANT_MONEY_MAX_PAISE)
			return og_fail(det, OG_ERR_INVALID_REQUEST, "price_own_paise",
				       "price_own_paise must be 0 or more (0 means the deployment's)");
		t->price_own_paise = in->price_own_paise;
	}
	if (in->has_price_shared_paise) {
		if (in->price_shared_paise < 0 || in->price_shared_paise > TENANT_MONEY_MAX_PAISE)
			return og_fail(det, OG_ERR_INVALID_REQUEST, "price_shared_paise",
				       "price_shared_paise must be 0 or more (0 means the "
				       "deployment's)");
		t->price_shared_paise = in->price_shared_paise;
	}
	if (in->has_pe_id) {
		if (in->pe_id[0] && !all_digits(in->pe_id)) {
			og_fail(det, OG_ERR_INVALID_REQUEST, "pe_id", "pe_id must be 1 to 30 digits");
			if (det)
				det->rule = dlt_rules_get(DLT_R_PE_FORMAT)->id; /* DLT-40 */
			return OG_ERR_INVALID_REQUEST;
		}
		memcpy(t->pe_id, in->pe_id, sizeof t->pe_id);
	}
	if (in->has_price_paise) {
		if (in->price_paise < 0 || in->price_paise > TENANT_MONEY_MAX_PAISE)
			return og_fail(det, OG_ERR_INVALID_REQUEST, "price_paise",
				       "price_paise must be 0 or more (0 means the deployment's)");
		t->price_paise = in->price_paise;
	}
	if (in->has_billing_mode)
		t->billing_mode = in->billing_mode;
	if (in->has_credit_limit_paise) {
		if (in->credit_limit_paise < 0 || in->credit_limit_paise > TENANT_MONEY_MAX_PAISE)
			return og_fail(det, OG_ERR_INVALID_REQUEST, "billing.credit_limit_paise",
				       "credit_limit_paise must be between 0 and %lld",
				       (long long)TENANT_MONEY_MAX_PAISE);
		t->credit_limit_paise = in->credit_limit_paise;
	}
	if (in->has_monthly_cap_sms) {
		if (in->monthly_cap_sms < 0)
			return og_fail(det, OG_ERR_INVALID_REQUEST, "billing.monthly_cap_sms",
				       "monthly_cap_sms must be 0 (no cap) or more");
		t->monthly_cap_sms = in->monthly_cap_sms;
	}
	if (in->has_otp_length) {
		if (in->otp_length < TENANT_OTP_LENGTH_MIN || in->otp_length > TENANT_OTP_LENGTH_MAX)
			return og_fail(det, OG_ERR_INVALID_REQUEST, "otp.length",
				       "otp.length must be %d to %d", TENANT_OTP_LENGTH_MIN,
				       TENANT_OTP_LENGTH_MAX);
		t->otp_length = in->otp_length;
	}
	if (in->has_otp_ttl_sec) {
		if (in->otp_ttl_sec < TENANT_OTP_TTL_MIN_SEC || in->otp_ttl_sec > TENANT_OTP_TTL_MAX_SEC)
			return og_fail(det, OG_ERR_INVALID_REQUEST, "otp.ttl_sec",
				       "otp.ttl_sec must be %d to %d", TENANT_OTP_TTL_MIN_SEC,
				       TENANT_OTP_TTL_MAX_SEC);
		t->otp_ttl_sec = in->otp_ttl_sec;
	}
	if (in->has_otp_max_attempts) {
		if (in->otp_max_attempts < TENANT_OTP_ATTEMPTS_MIN ||
		    in->otp_max_attempts > TENANT_OTP_ATTEMPTS_MAX)
			return og_fail(det, OG_ERR_INVALID_REQUEST, "otp.max_attempts",
				       "otp.max_attempts must be %d to %d", TENANT_OTP_ATTEMPTS_MIN,
				       TENANT_OTP_ATTEMPTS_MAX);
		t->otp_max_attempts = in->otp_max_attempts;
	}
	if (in->has_upstream && in->upstream_null) {
		t->upstream_provider[0] = '\0';
		t->upstream_url[0] = '\0';
		t->upstream_key_sealed_len = 0;
	} else if (in->has_upstream) {
		if (!provider_name_valid(in->upstream_provider))
			return og_fail(det, OG_ERR_INVALID_REQUEST, "upstream.provider",
				       "upstream.provider must be \"log\" or \"startmessaging\"");
		if (strcmp(in->upstream_provider, "startmessaging") == 0 &&
		    !url_valid(in->upstream_url))
			return og_fail(det, OG_ERR_INVALID_REQUEST, "upstream.url",
				       "upstream.url must be an http:// or https:// URL");
		memcpy(t->upstream_provider, in->upstream_provider, sizeof t->upstream_provider);
		memcpy(t->upstream_url, in->upstream_url, sizeof t->upstream_url);
		if (in->has_upstream_api_key) {
			size_t len = strlen(in->upstream_api_key);
			rc = secret_seal(d->secret, t->id, in->upstream_api_key, len,
					 t->upstream_key_sealed, sizeof t->upstream_key_sealed,
					 &t->upstream_key_sealed_len);
			sodium_memzero(in->upstream_api_key, sizeof in->upstream_api_key);
			if (rc != OG_OK)
				return rc;
		}
	}
	if (in->has_suspended)
		t->suspended = in->suspended;
	return OG_OK;
}

/* Names the fields a change touched, for the audit entry; never values,
 * so an upstream key can never reach the trail. */
static void tenant_audit_detail(const struct tenant_input *in, char out[STORE_AUDIT_DETAIL_MAX])
{
	static const struct {
		size_t offset;
		const char *name;
	} fields[] = {
		{offsetof(struct tenant_input, has_name), "name"},
		{offsetof(struct tenant_input, has_sender_header), "sender_header"},
		{offsetof(struct tenant_input, has_pe_id), "pe_id"},
		{offsetof(struct tenant_input, has_price_paise), "price_paise"},
		{offsetof(struct tenant_input, has_billing_mode), "billing.mode"},
		{offsetof(struct tenant_input, has_credit_limit_paise), "billing.credit_limit_paise"},
		{offsetof(struct tenant_input, has_monthly_cap_sms), "billing.monthly_cap_sms"},
		{offsetof(struct tenant_input, has_otp_length), "otp.length"},
		{offsetof(struct tenant_input, has_otp_ttl_sec), "otp.ttl_sec"},
		{offsetof(struct tenant_input, has_otp_max_attempts), "otp.max_attempts"},
		{offsetof(struct tenant_input, has_upstream), "upstream"},
		{offsetof(struct tenant_input, has_suspended), "suspended"},
		{offsetof(struct tenant_input, policy.has_limits), "limits"},
		{offsetof(struct tenant_input, policy.has_countries), "allowed_countries"},
		{offsetof(struct tenant_input, policy.has[STORE_POLICY_DAILY_SPEND_CAP_PAISE]),
		 "billing.daily_spend_cap_paise"},
		{offsetof(struct tenant_input, policy.has_pumping), "pumping"},
		{offsetof(struct tenant_input, has_retention_days), "retention_days"},
		{offsetof(struct tenant_input, has_route), "route"},
		{offsetof(struct tenant_input, has_price_own_paise), "price_own_paise"},
		{offsetof(struct tenant_input, has_price_shared_paise), "price_shared_paise"},
	};
	size_t used = 0;

	used += (size_t)snprintf(out, STORE_AUDIT_DETAIL_MAX, "{\"fields\":[");
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (!*(const bool *)((const char *)in + fields[i].offset))
			continue;
		used += (size_t)snprintf(out + used, STORE_AUDIT_DETAIL_MAX - used, "%s\"%s\"",
					 out[used - 1] == '[' ? "" : ",", fields[i].name);
	}
	snprintf(out + used, STORE_AUDIT_DETAIL_MAX - used, "]}");
}

enum og_err tenant_create(const struct domain *d, struct store_conn *c,
			  const struct audit_actor *who, struct tenant_input *in,
			  struct store_tenant *out, struct og_detail *det)
{
	char detail[STORE_AUDIT_DETAIL_MAX];
	struct store_tenant t;
	struct store_wallet w;
	enum og_err rc;
	int64_t now = domain_now_ms(d);

	memset(&t, 0, sizeof t);
	if (in->has_id) {
		if (!tenant_id_valid(in->id)) {
			rc = og_fail(det, OG_ERR_INVALID_REQUEST, "id",
				     "id must match ^[a-z0-9][a-z0-9_-]{2,63}$");
			goto out;
		}
		memcpy(t.id, in->id, sizeof t.id);
	} else {
		char token[RND_TOKEN_MAX];
		rnd_token(TENANT_GENERATED_ID_BYTES, token);
		memcpy(t.id, "tnt_", 4);
		memcpy(t.id + 4, token, strlen(token) + 1);
	}
	if (!in->has_name) {
		rc = og_fail(det, OG_ERR_INVALID_REQUEST, "name", "name is required");
		goto out;
	}
	t.billing_mode = STORE_BILLING_PREPAID;
	t.otp_length = TENANT_OTP_LENGTH_DEFAULT;
	t.otp_ttl_sec = TENANT_OTP_TTL_DEFAULT_SEC;
	t.otp_max_attempts = TENANT_OTP_ATTEMPTS_DEFAULT;
	t.created_at_ms = now;
	t.updated_at_ms = now;
	in->has_suspended = false; /* a tenant is born active */
	tenant_audit_detail(in, detail);
	rc = tenant_apply(d, in, &t, det);
	if (rc != OG_OK)
		goto out;
	if (!in->has_route) /* DLT-50 */
		t.route = t.pe_id[0] ? STORE_ROUTE_OWN : STORE_ROUTE_SHARED;

	memset(&w, 0, sizeof w);
	memcpy(w.tenant_id, t.id, sizeof w.tenant_id);
	w.updated_at_ms = now;
	rc = store_begin(c);
	if (rc != OG_OK)
		goto out;
	rc = store_tenant_insert(c, &t);
	if (rc == OG_ERR_CONFLICT)
		og_fail(det, rc, "id", "a tenant with id %s already exists", t.id);
	if (rc == OG_OK)
		rc = store_wallet_put(c, &w);
	if (rc == OG_OK) /* the sender_header joins the DLT registry */
		rc = registry_tenant_sync(d, c, who, &t);
	if (rc == OG_OK)
		rc = policy_write(c, &d->cfg.guard, t.id, &in->policy, now, det);
	if (rc == OG_OK)
		rc = retention_write(c, t.id, in->has_retention_days, in->retention_days, now, det);
	if (rc == OG_OK)
		rc = audit_write(d, c, who, "tenant.create", t.id, t.id, detail);
	if (rc == OG_OK)
		rc = store_commit(c);
	if (rc != OG_OK) {
		store_rollback(c);
		goto out;
	}
	log_info("tenant.created", "{s:s}", "tenant_id", t.id);
	*out = t;
out:
	sodium_memzero(&t, sizeof t);
	return rc;
}

enum og_err tenant_get(const struct domain *d, struct store_conn *c, const char *id,
		       struct store_tenant *out)
{
	(void)d;
	if (!tenant_id_valid(id))
		return OG_ERR_NOT_FOUND;
	return store_tenant_get(c, id, out);
}

static enum og_err tenant_change(const struct domain *d, struct store_conn *c,
				 const struct audit_actor *who, const char *action, const char *id,
				 struct tenant_input *in, struct store_tenant *out,
				 struct og_detail *det)
{
	char detail[STORE_AUDIT_DETAIL_MAX];
	struct store_tenant t;
	enum og_err rc;

	if (in->has_id && strcmp(in->id, id) != 0)
		return og_fail(det, OG_ERR_INVALID_REQUEST, "id", "a tenant's id cannot change");
	if (!tenant_id_valid(id))
		return OG_ERR_NOT_FOUND;
	rc = store_begin(c);
	if (rc != OG_OK)
		return rc;
	rc = store_tenant_get(c, id, &t);
	if (rc != OG_OK)
		goto out;
	tenant_audit_detail(in, detail);
	rc = tenant_apply(d, in, &t, det);
	if (rc != OG_OK)
		goto out;
	t.updated_at_ms = domain_now_ms(d);
	rc = store_tenant_update(c, &t);
	if (rc == OG_OK && (in->has_sender_header || in->has_pe_id))
		rc = registry_tenant_sync(d, c, who, &t);
	if (rc == OG_OK)
		rc = policy_write(c, &d->cfg.guard, id, &in->policy, t.updated_at_ms, det);
	if (rc == OG_OK)
		rc = retention_write(c, id, in->has_retention_days, in->retention_days,
				     t.updated_at_ms, det);
	if (rc == OG_OK)
		rc = audit_write(d, c, who, action, id, id, detail);
	if (rc == OG_OK)
		rc = store_commit(c);
out:
	if (rc != OG_OK)
		store_rollback(c);
	else
		*out = t;
	return rc;
}

enum og_err tenant_patch(const struct domain *d, struct store_conn *c,
			 const struct audit_actor *who, const char *id, struct tenant_input *in,
			 struct store_tenant *out, struct og_detail *det)
{
	return tenant_change(d, c, who, "tenant.update", id, in, out, det);
}

enum og_err tenant_suspend(const struct domain *d, struct store_conn *c,
			   const struct audit_actor *who, const char *id, struct store_tenant *out)
{
	struct tenant_input in;

	memset(&in, 0, sizeof in);
	in.has_suspended = true;
	in.suspended = true;
	return tenant_change(d, c, who, "tenant.suspend", id, &in, out, NULL);
}

enum og_err tenant_list(const struct domain *d, struct store_conn *c, const char *after_id,
			size_t limit, struct store_tenant *out, size_t *n)
{
	(void)d;
	assert(limit >= 1 && limit <= STORE_PAGE_MAX);
	return store_tenant_list(c, after_id, limit, out, n);
}

enum og_err tenant_upstream_key(const struct domain *d, const struct store_tenant *t,
				char out[STORE_CREDENTIAL_MAX])
{
	size_t len = 0;
	enum og_err rc;

	out[0] = '\0';
	if (t->upstream_key_sealed_len == 0)
		return OG_OK;
	rc = secret_open(d->secret, t->id, t->upstream_key_sealed, t->upstream_key_sealed_len, out,
			 STORE_CREDENTIAL_MAX - 1, &len);
	if (rc != OG_OK)
		return rc;
	out[len] = '\0';
	return OG_OK;
}
