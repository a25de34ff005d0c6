/*
 * Tenants and their templates (admin). A tenant is rendered without its
 * secrets: its upstream shows provider and URL and only whether it has an
 * API key of its own, never the key. Creation and PATCH share the nested
 * specs for "billing", "otp" and "upstream"; PATCH takes any subset, and
 * "upstream": null returns the tenant to the deployment's upstream.
 */
#include "api/api_int.h"
#include "api/api_list.h"

#include "domain/dlt_lint.h"
#include "domain/retention.h"
#include "domain/template.h"
#include "domain/tenant.h"

#include <sodium.h>

static const char *const api_tenant_modes[] = {"prepaid", "postpaid"}; /* by enum value */

#define API_TI struct tenant_input

static const struct api_json_field api_tenant_billing_fields[] = {
	API_JSON_F_ENUM("mode", "billing.mode", API_TI, billing_mode, has_billing_mode,
			api_tenant_modes, 0),
	API_JSON_F_HAS("credit_limit_paise", "billing.credit_limit_paise", API_JSON_INT64, API_TI,
		       credit_limit_paise, has_credit_limit_paise, 0),
	API_JSON_F_HAS("monthly_cap_sms", "billing.monthly_cap_sms", API_JSON_INT64, API_TI,
		       monthly_cap_sms, has_monthly_cap_sms, 0),
	API_GUARD_BILLING_FIELD,
};
static const struct api_json_object api_tenant_billing = API_JSON_OBJECT_OF(api_tenant_billing_fields);

static const struct api_json_field api_tenant_otp_fields[] = {
	API_JSON_F_HAS("length", "otp.length", API_JSON_INT, API_TI, otp_length, has_otp_length, 0),
	API_JSON_F_HAS("ttl_sec", "otp.ttl_sec", API_JSON_INT, API_TI, otp_ttl_sec, has_otp_ttl_sec,
		       0),
	API_JSON_F_HAS("max_attempts", "otp.max_attempts", API_JSON_INT, API_TI, otp_max_attempts,
		       has_otp_max_attempts, 0),
};
static const struct api_json_object api_tenant_otp = API_JSON_OBJECT_OF(api_tenant_otp_fields);

static const struct api_json_field api_tenant_upstream_fields[] = {
	API_JSON_F("provider", "upstream.provider", API_JSON_STRING, API_TI, upstream_provider, 0),
	API_JSON_F("url", "upstream.url", API_JSON_STRING, API_TI, upstream_url, 0),
	API_JSON_F_HAS("api_key", "upstream.api_key", API_JSON_STRING, API_TI, upstream_api_key,
		       has_upstream_api_key, 0),
};
static const struct api_json_object api_tenant_upstream =
	API_JSON_OBJECT_OF(api_tenant_upstream_fields);

/* "upstream" may be an object or null, and either counts as given. */
#define API_TENANT_UPSTREAM_FIELD                                                              \
	{.key = "upstream", .path = "upstream", .type = API_JSON_OBJECT,                       \
	 .flags = API_JSON_NULLABLE | API_JSON_HAS, .has_offset = offsetof(API_TI, has_upstream), \
	 .null_offset = offsetof(API_TI, upstream_null), .object = &api_tenant_upstream}

/* DLT (docs/DLT.md): the route and a price per route. */
static const char *const api_tenant_routes[] = {[STORE_ROUTE_OWN] = "own",
						 [STORE_ROUTE_SHARED] = "shared"};
#define API_TENANT_DLT_FIELDS                                                                  \
	API_JSON_F_ENUM("route", "route", API_TI, route, has_route, api_tenant_routes, 0),     \
	API_JSON_F_HAS("price_own_paise", "price_own_paise", API_JSON_INT64, API_TI,           \
		       price_own_paise, has_price_own_paise, 0),                               \
	API_JSON_F_HAS("price_shared_paise", "price_shared_paise", API_JSON_INT64, API_TI,     \
		       price_shared_paise, has_price_shared_paise, 0)

#define API_TENANT_COMMON_FIELDS                                                               \
	API_JSON_F_HAS("sender_header", "sender_header", API_JSON_STRING, API_TI, sender_header, \
		       has_sender_header, 0),                                                  \
	API_JSON_F_HAS("pe_id", "pe_id", API_JSON_STRING, API_TI, pe_id, has_pe_id, 0),        \
	API_JSON_F_HAS("price_paise", "price_paise", API_JSON_INT64, API_TI, price_paise,      \
		       has_price_paise, 0),                                                    \
	API_JSON_F_OBJECT("billing", "billing", &api_tenant_billing, 0),                       \
	API_JSON_F_OBJECT("otp", "otp", &api_tenant_otp, 0), API_TENANT_UPSTREAM_FIELD,         \
	API_GUARD_TENANT_FIELDS, API_TENANT_DLT_FIELDS

static const struct api_json_field api_tenant_create_fields[] = {
	API_JSON_F_HAS("id", "id", API_JSON_STRING, API_TI, id, has_id, 0),
	API_JSON_F_HAS("name", "name", API_JSON_STRING, API_TI, name, has_name, API_JSON_REQUIRED),
	API_TENANT_COMMON_FIELDS,
	API_JSON_F_HAS("retention_days", "retention_days", API_JSON_INT, API_TI, retention_days,
		       has_retention_days, 0),
};
static const struct api_json_object api_tenant_create_spec =
	API_JSON_OBJECT_OF(api_tenant_create_fields);

static const struct api_json_field api_tenant_patch_fields[] = {
	API_JSON_F_HAS("name", "name", API_JSON_STRING, API_TI, name, has_name, 0),
	API_TENANT_COMMON_FIELDS,
	API_JSON_F_HAS("suspended", "suspended", API_JSON_BOOL, API_TI, suspended, has_suspended, 0),
	API_JSON_F_HAS("retention_days", "retention_days", API_JSON_INT, API_TI, retention_days,
		       has_retention_days, 0),
};
static const struct api_json_object api_tenant_patch_spec =
	API_JSON_OBJECT_OF(api_tenant_patch_fields);

/* ---- Rendering ------------------------------------------------------- */

static json_t *api_tenant_json(const struct domain *d, const struct store_tenant *t)
{
	json_t *upstream = json_null();
	int mode = t->billing_mode == STORE_BILLING_POSTPAID ? STORE_BILLING_POSTPAID
							     : STORE_BILLING_PREPAID;

	if (t->upstream_provider[0] || t->upstream_url[0] || t->upstream_key_sealed_len > 0) {
		json_decref(upstream);
		upstream = json_pack("{s:o, s:o, s:b}", "provider",
				     api_json_text(t->upstream_provider), "url",
				     api_json_text(t->upstream_url), "has_api_key",
				     t->upstream_key_sealed_len > 0);
	}
	/* price_paise is what the tenant pays now: its own, else the deployment's. */
	return json_pack("{s:s, s:s, s:o, s:o, s:I, s:{s:s, s:I, s:I}, s:{s:i, s:i, s:i}, s:o, "
			 "s:b, s:o, s:o}",
			 "id", t->id, "name", t->name, "sender_header",
			 api_json_text(t->sender_header), "pe_id", api_json_text(t->pe_id),
			 "price_paise", (json_int_t)domain_price_paise(d, t), "billing", "mode",
			 api_tenant_modes[mode], "credit_limit_paise",
			 (json_int_t)t->credit_limit_paise, "monthly_cap_sms",
			 (json_int_t)t->monthly_cap_sms, "otp", "length", t->otp_length, "ttl_sec",
			 t->otp_ttl_sec, "max_attempts", t->otp_max_attempts, "upstream", upstream,
			 "suspended", t->suspended, "created_at", api_json_time(t->created_at_ms),
			 "updated_at", api_json_time(t->updated_at_ms));
}

/* The tenant's DLT settings: its route, its price on each route (as for
 * price_paise, what it pays now) and a PE-ID warning (DLT-40). */
static json_t *api_tenant_dlt_json(const struct domain *d, const struct store_tenant *t,
				   json_t *obj)
{
	json_t *warnings = json_array();
	struct dlt_finding err, warn;
	bool warned = false;

	if (!obj || !warnings) {
		json_decref(warnings);
		return obj;
	}
	if (t->pe_id[0] && dlt_lint_pe_id(t->pe_id, &err, &warn, &warned) && warned)
		json_array_append_new(warnings, json_pack("{s:s, s:s}", "rule", warn.rule->id,
							  "message", warn.message));
	json_object_set_new(obj, "route", json_string(api_tenant_routes[t->route]));
	json_object_set_new(obj, "price_own_paise",
			    json_integer(domain_route_price_paise(d, t, STORE_ROUTE_OWN)));
	json_object_set_new(obj, "price_shared_paise",
			    json_integer(domain_route_price_paise(d, t, STORE_ROUTE_SHARED)));
	json_object_set_new(obj, "warnings", warnings);
	return obj;
}

/* The tenant object plus what other modules keep about the tenant in
 * their own tables: its retention of personal data (SEC-24). */
static json_t *api_tenant_render(struct api_call *call, const struct store_tenant *t)
{
	json_t *obj = api_tenant_dlt_json(call->d, t, api_tenant_json(call->d, t));
	int days = 0;

	if (obj && retention_days(call->d, call->conn, t->id, &days) == OG_OK)
		json_object_set_new(obj, "retention_days", json_integer(days));
	return api_guard_tenant_json(call, t->id, obj); /* limits, allowed_countries, ... */
}


/* ---- Tenants --------------------------------------------------------- */

enum og_err api_tenant_create(struct api_call *call)
{
	struct tenant_input in = {0};
	struct store_tenant t;
	enum og_err rc;

	rc = api_body(call, &api_tenant_create_spec, &in, false);
	if (rc != OG_OK)
		goto out;
	rc = tenant_create(call->d, call->conn, &call->actor, &in, &t, &call->det);
	if (rc != OG_OK)
		goto out;
	rc = api_reply_json(call, 201, api_tenant_render(call, &t));
out:
	sodium_memzero(in.upstream_api_key, sizeof in.upstream_api_key);
	return rc;
}

static enum og_err api_tenant_fetch(struct api_call *call, const void *arg, const char *after,
				    size_t limit, void *rows, size_t *n)
{
	(void)arg;
	return tenant_list(call->d, call->conn, after, limit, rows, n);
}

static json_t *api_tenant_row_json(struct api_call *call, const void *row)
{
	return api_tenant_render(call, row);
}

static const struct api_list_spec api_tenant_list_spec = {
	API_LIST_ROW(struct store_tenant, id),
	.fetch = api_tenant_fetch,
	.render = api_tenant_row_json,
};

enum og_err api_tenant_list(struct api_call *call)
{
	return api_list_reply(call, &api_tenant_list_spec, NULL);
}

enum og_err api_tenant_get(struct api_call *call)
{
	struct store_tenant t;
	enum og_err rc = tenant_get(call->d, call->conn, call->params[0], &t);

	if (rc != OG_OK)
		return rc;
	return api_reply_json(call, 200, api_tenant_render(call, &t));
}

enum og_err api_tenant_patch(struct api_call *call)
{
	struct tenant_input in = {0};
	struct store_tenant t;
	enum og_err rc;

	rc = api_body(call, &api_tenant_patch_spec, &in, false);
	if (rc != OG_OK)
		goto out;
	rc = tenant_patch(call->d, call->conn, &call->actor, call->params[0], &in, &t, &call->det);
	if (rc != OG_OK)
		goto out;
	rc = api_reply_json(call, 200, api_tenant_render(call, &t));
out:
	sodium_memzero(in.upstream_api_key, sizeof in.upstream_api_key);
	return rc;
}

/* DELETE keeps the tenant and its data; it answers with the suspended tenant. */
enum og_err api_tenant_suspend(struct api_call *call)
{
	struct store_tenant t;
	enum og_err rc = tenant_suspend(call->d, call->conn, &call->actor, call->params[0], &t);

	if (rc != OG_OK)
		return rc;
	return api_reply_json(call, 200, api_tenant_render(call, &t));
}

/* ---- Templates ------------------------------------------------------- */

/* Templates carry their DLT fields; the bodies are shared with the
 * platform's registry (api_dlt.c). */
enum og_err api_tenant_template_create(struct api_call *call)
{
	struct store_tenant t;
	enum og_err rc = tenant_get(call->d, call->conn, call->params[0], &t);

	if (rc != OG_OK)
		return rc;
	return api_dlt_template_create(call, t.id);
}

enum og_err api_tenant_template_list(struct api_call *call)
{
	struct store_tenant t;
	enum og_err rc = tenant_get(call->d, call->conn, call->params[0], &t);

	if (rc != OG_OK)
		return rc;
	return api_dlt_template_list(call, t.id);
}

enum og_err api_tenant_template_delete(struct api_call *call)
{
	enum og_err rc = template_delete(call->d, call->conn, &call->actor, call->params[0], call->params[1]);

	if (rc != OG_OK)
		return rc;
	return api_reply_empty(call, 204);
}
