/*
 * Tenants and their templates (admin). A tenant is rendered without its
 * secrets: its upstream shows provider and URL and only whether it has an
 * API key of its own, never the key. Creation and PATCH share the nested
 * specs for "billing", "otp" and "upstream"; PATCH takes any subset, and
 * "upstream": null returns the tenant to the deployment's upstream.
 */
#include "api/api_int.h"

#include "domain/template.h"
#include "domain/tenant.h"

#include <sodium.h>
#include <stdlib.h>

static const char *const api_tenant_modes[] = {"prepaid", "postpaid"}; /* by enum value */

#define API_TI struct tenant_input

static const struct api_json_field api_tenant_billing_fields[] = {
	API_JSON_F_ENUM("mode", "billing.mode", API_TI, billing_mode, has_billing_mode,
			api_tenant_modes, 0),
	API_JSON_F_HAS("credit_limit_paise", "billing.credit_limit_paise", API_JSON_INT64, API_TI,
		       credit_limit_paise, has_credit_limit_paise, 0),
	API_JSON_F_HAS("monthly_cap_sms", "billing.monthly_cap_sms", API_JSON_INT64, API_TI,
		       monthly_cap_sms, has_monthly_cap_sms, 0),
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

#define API_TENANT_COMMON_FIELDS                                                               \
	API_JSON_F_HAS("sender_header", "sender_header", API_JSON_STRING, API_TI, sender_header, \
		       has_sender_header, 0),                                                  \
	API_JSON_F_HAS("pe_id", "pe_id", API_JSON_STRING, API_TI, pe_id, has_pe_id, 0),        \
	API_JSON_F_HAS("price_paise", "price_paise", API_JSON_INT64, API_TI, price_paise,      \
		       has_price_paise, 0),                                                    \
	API_JSON_F_OBJECT("billing", "billing", &api_tenant_billing, 0),                       \
	API_JSON_F_OBJECT("otp", "otp", &api_tenant_otp, 0), API_TENANT_UPSTREAM_FIELD

static const struct api_json_field api_tenant_create_fields[] = {
	API_JSON_F_HAS("id", "id", API_JSON_STRING, API_TI, id, has_id, 0),
	API_JSON_F_HAS("name", "name", API_JSON_STRING, API_TI, name, has_name, API_JSON_REQUIRED),
	API_TENANT_COMMON_FIELDS,
};
static const struct api_json_object api_tenant_create_spec =
	API_JSON_OBJECT_OF(api_tenant_create_fields);

static const struct api_json_field api_tenant_patch_fields[] = {
	API_JSON_F_HAS("name", "name", API_JSON_STRING, API_TI, name, has_name, 0),
	API_TENANT_COMMON_FIELDS,
	API_JSON_F_HAS("suspended", "suspended", API_JSON_BOOL, API_TI, suspended, has_suspended, 0),
};
static const struct api_json_object api_tenant_patch_spec =
	API_JSON_OBJECT_OF(api_tenant_patch_fields);

#define API_TPL struct template_input

static const struct api_json_field api_template_fields[] = {
	API_JSON_F("name", "name", API_JSON_STRING, API_TPL, name, API_JSON_REQUIRED),
	API_JSON_F("dlt_template_id", "dlt_template_id", API_JSON_STRING, API_TPL, dlt_template_id,
		   API_JSON_REQUIRED),
	API_JSON_F("body", "body", API_JSON_STRING, API_TPL, body, API_JSON_REQUIRED),
	API_JSON_F_STRINGS("vars", "vars", API_TPL, vars, var_count, 0),
	API_JSON_F("default", "default", API_JSON_BOOL, API_TPL, is_default, 0),
};
static const struct api_json_object api_template_spec = API_JSON_OBJECT_OF(api_template_fields);

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

static json_t *api_template_json(const struct store_template *t)
{
	json_t *vars = json_array();

	for (int i = 0; vars && i < t->var_count && i < STORE_TEMPLATE_VARS_MAX; i++)
		json_array_append_new(vars, json_string(t->vars[i]));
	return json_pack("{s:s, s:s, s:s, s:o, s:b, s:o}", "name", t->name, "dlt_template_id",
			 t->dlt_template_id, "body", t->body, "vars", vars, "default",
			 t->is_default, "created_at", api_json_time(t->created_at_ms));
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
	rc = api_reply_json(call, 201, api_tenant_json(call->d, &t));
out:
	sodium_memzero(in.upstream_api_key, sizeof in.upstream_api_key);
	return rc;
}

enum og_err api_tenant_list(struct api_call *call)
{
	struct store_tenant *page = NULL;
	size_t limit, n = 0;
	const char *after;
	json_t *data = NULL;
	enum og_err rc;

	rc = api_page(call, STORE_TENANT_ID_MAX, &limit, &after);
	if (rc != OG_OK)
		goto out;
	page = calloc(limit, sizeof *page);
	data = json_array();
	if (!page || !data) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	rc = tenant_list(call->d, call->conn, after, limit, page, &n);
	if (rc != OG_OK)
		goto out;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(data, api_tenant_json(call->d, &page[i]));
	rc = api_reply_json(call, 200, api_page_json(data, n, limit, n ? page[n - 1].id : NULL));
	data = NULL;
out:
	json_decref(data);
	free(page);
	return rc;
}

enum og_err api_tenant_get(struct api_call *call)
{
	struct store_tenant t;
	enum og_err rc = tenant_get(call->d, call->conn, call->params[0], &t);

	if (rc != OG_OK)
		return rc;
	return api_reply_json(call, 200, api_tenant_json(call->d, &t));
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
	rc = api_reply_json(call, 200, api_tenant_json(call->d, &t));
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
	return api_reply_json(call, 200, api_tenant_json(call->d, &t));
}

/* ---- Templates ------------------------------------------------------- */

enum og_err api_tenant_template_create(struct api_call *call)
{
	struct template_input in = {0};
	struct store_tenant t;
	struct store_template out;
	enum og_err rc;

	rc = tenant_get(call->d, call->conn, call->params[0], &t);
	if (rc != OG_OK)
		return rc;
	rc = api_body(call, &api_template_spec, &in, false);
	if (rc != OG_OK)
		return rc;
	rc = template_register(call->d, call->conn, &call->actor, t.id, &in, &out, &call->det);
	if (rc != OG_OK)
		return rc;
	return api_reply_json(call, 201, api_template_json(&out));
}

enum og_err api_tenant_template_list(struct api_call *call)
{
	struct store_tenant t;
	struct store_template *page = NULL;
	size_t limit, n = 0;
	const char *after;
	json_t *data = NULL;
	enum og_err rc;

	rc = tenant_get(call->d, call->conn, call->params[0], &t);
	if (rc != OG_OK)
		goto out;
	rc = api_page(call, STORE_TEMPLATE_NAME_MAX, &limit, &after);
	if (rc != OG_OK)
		goto out;
	page = calloc(limit, sizeof *page);
	data = json_array();
	if (!page || !data) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	rc = template_list(call->d, call->conn, t.id, after, limit, page, &n);
	if (rc != OG_OK)
		goto out;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(data, api_template_json(&page[i]));
	rc = api_reply_json(call, 200, api_page_json(data, n, limit, n ? page[n - 1].name : NULL));
	data = NULL;
out:
	json_decref(data);
	free(page);
	return rc;
}

enum og_err api_tenant_template_delete(struct api_call *call)
{
	enum og_err rc = template_delete(call->d, call->conn, &call->actor, call->params[0], call->params[1]);

	if (rc != OG_OK)
		return rc;
	return api_reply_empty(call, 204);
}
