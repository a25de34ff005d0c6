/*
 * The platform's own DLT registry (admin), which shared-route tenants send
 * through (DLT-52): GET/PATCH /v1/platform for its PE-ID and default
 * header, and /v1/platform/headers, /templates and /whitelist in the same
 * shapes as a tenant's (api_dlt.c).
 */
#include "api/api_int.h"

#include "domain/registry.h"

#include <string.h>

#define API_PI struct registry_platform_input

static const struct api_json_field api_platform_fields[] = {
	API_JSON_F_HAS("pe_id", "pe_id", API_JSON_STRING, API_PI, pe_id, has_pe_id, 0),
	API_JSON_F_HAS("sender_header", "sender_header", API_JSON_STRING, API_PI, sender_header,
		       has_sender_header, 0),
};
static const struct api_json_object api_platform_spec = API_JSON_OBJECT_OF(api_platform_fields);

static json_t *api_platform_json(const struct store_dlt_platform *p, const struct dlt_finding *warn,
				 bool warned)
{
	json_t *warnings = json_array();

	if (warnings && warned)
		json_array_append_new(warnings, json_pack("{s:s, s:s}", "rule", warn->rule->id,
							  "message", warn->message));
	return json_pack("{s:o, s:o, s:o, s:o}", "pe_id", api_json_text(p->pe_id),
			 "sender_header", api_json_text(p->sender_header), "updated_at",
			 api_json_time(p->updated_at_ms), "warnings", warnings);
}

enum og_err api_platform_get(struct api_call *call)
{
	struct store_dlt_platform p;
	enum og_err rc = registry_platform_get(call->d, call->conn, &p);

	if (rc != OG_OK)
		return rc;
	return api_reply_json(call, 200, api_platform_json(&p, NULL, false));
}

enum og_err api_platform_patch(struct api_call *call)
{
	struct registry_platform_input in = {0};
	struct store_dlt_platform p;
	struct dlt_finding warn;
	bool warned = false;
	enum og_err rc;

	rc = api_body(call, &api_platform_spec, &in, false);
	if (rc != OG_OK)
		return rc;
	rc = registry_platform_patch(call->d, call->conn, &call->actor, &in, &p, &warn, &warned,
				     &call->det);
	if (rc != OG_OK)
		return rc;
	return api_reply_json(call, 200, api_platform_json(&p, &warn, warned));
}

enum og_err api_platform_header_create(struct api_call *call)
{
	return api_dlt_header_create(call, REGISTRY_PLATFORM);
}

enum og_err api_platform_header_list(struct api_call *call)
{
	return api_dlt_header_list(call, REGISTRY_PLATFORM);
}

enum og_err api_platform_header_delete(struct api_call *call)
{
	return api_dlt_header_delete(call, REGISTRY_PLATFORM, NULL);
}

enum og_err api_platform_header_delete_one(struct api_call *call)
{
	return api_dlt_header_delete(call, REGISTRY_PLATFORM, call->params[0]);
}

enum og_err api_platform_template_create(struct api_call *call)
{
	return api_dlt_template_create(call, REGISTRY_PLATFORM);
}

enum og_err api_platform_template_list(struct api_call *call)
{
	return api_dlt_template_list(call, REGISTRY_PLATFORM);
}

enum og_err api_platform_template_delete(struct api_call *call)
{
	return api_dlt_template_delete(call, REGISTRY_PLATFORM, call->params[0]);
}

enum og_err api_platform_template_import(struct api_call *call)
{
	return api_dlt_template_import(call, REGISTRY_PLATFORM);
}

enum og_err api_platform_whitelist_create(struct api_call *call)
{
	return api_dlt_whitelist_create(call, REGISTRY_PLATFORM);
}

enum og_err api_platform_whitelist_list(struct api_call *call)
{
	return api_dlt_whitelist_list(call, REGISTRY_PLATFORM);
}

enum og_err api_platform_whitelist_delete(struct api_call *call)
{
	return api_dlt_whitelist_delete(call, REGISTRY_PLATFORM);
}
