/*
 * API keys (admin only): platform keys (admin and send) under /v1/keys, and
 * a tenant's own keys under /v1/tenants/{id}/keys. A key's text appears in
 * exactly one response, the one that creates it, and is wiped from memory
 * once that response is rendered; lists show ids and prefixes only.
 */
#include "api/api_int.h"

#include "domain/tenant.h"

#include <sodium.h>
#include <stdlib.h>

/* Platform keys are admin or send; tenant keys are made under the tenant. */
static const char *const api_key_platform_kinds[] = {
	[STORE_KEY_ADMIN] = "admin",
	[STORE_KEY_SEND] = "send",
};

struct api_key_input {
	bool has_kind;
	int kind; /* enum store_key_kind */
	char name[STORE_NAME_MAX];
};

static const struct api_json_field api_key_fields[] = {
	API_JSON_F_ENUM("kind", "kind", struct api_key_input, kind, has_kind,
			api_key_platform_kinds, API_JSON_REQUIRED),
	API_JSON_F("name", "name", API_JSON_STRING, struct api_key_input, name, 0),
};
static const struct api_json_object api_key_spec = API_JSON_OBJECT_OF(api_key_fields);

static const struct api_json_field api_key_tenant_fields[] = {
	API_JSON_F("name", "name", API_JSON_STRING, struct api_key_input, name, 0),
};
static const struct api_json_object api_key_tenant_spec =
	API_JSON_OBJECT_OF(api_key_tenant_fields);

static json_t *api_key_json(const struct store_api_key *k)
{
	return json_pack("{s:s, s:s, s:o, s:s, s:o, s:o}", "id", k->id, "kind",
			 apikey_kind_name(k->kind), "name", api_json_text(k->name), "prefix",
			 k->prefix, "created_at", api_json_time(k->created_at_ms), "revoked_at",
			 api_json_time(k->revoked_at_ms));
}

/* Creates a key and answers 201; platform keys also echo their kind. */
static enum og_err api_key_issue(struct api_call *call, int kind, const char *tenant_id,
				 const char *name)
{
	char text[APIKEY_TEXT_MAX];
	struct store_api_key k;
	json_t *body;
	enum og_err rc;

	rc = apikey_create(call->d, call->conn, &call->actor, kind, tenant_id, name, text, &k);
	if (rc != OG_OK)
		goto out;
	if (kind == STORE_KEY_TENANT)
		body = json_pack("{s:s, s:s, s:o}", "id", k.id, "key", text, "created_at",
				 api_json_time(k.created_at_ms));
	else
		body = json_pack("{s:s, s:s, s:s, s:o}", "id", k.id, "key", text, "kind",
				 apikey_kind_name(kind), "created_at", api_json_time(k.created_at_ms));
	rc = api_reply_json(call, 201, body);
out:
	sodium_memzero(text, sizeof text);
	return rc;
}

static enum og_err api_key_page(struct api_call *call, const char *tenant_id)
{
	struct store_api_key *page = NULL;
	size_t limit, n = 0;
	const char *after;
	json_t *data = NULL;
	enum og_err rc;

	rc = api_page(call, STORE_ID_MAX, &limit, &after);
	if (rc != OG_OK)
		goto out;
	page = calloc(limit, sizeof *page);
	data = json_array();
	if (!page || !data) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	rc = apikey_list(call->d, call->conn, tenant_id, after, limit, page, &n);
	if (rc != OG_OK)
		goto out;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(data, api_key_json(&page[i]));
	rc = api_reply_json(call, 200, api_page_json(data, n, limit, n ? page[n - 1].id : NULL));
	data = NULL;
out:
	json_decref(data);
	free(page);
	return rc;
}

enum og_err api_key_create(struct api_call *call)
{
	struct api_key_input in = {0};
	enum og_err rc = api_body(call, &api_key_spec, &in, false);

	if (rc != OG_OK)
		return rc;
	return api_key_issue(call, in.kind, "", in.name);
}

enum og_err api_key_list(struct api_call *call) { return api_key_page(call, ""); }

enum og_err api_key_revoke(struct api_call *call)
{
	enum og_err rc = apikey_revoke(call->d, call->conn, &call->actor, "", call->params[0]);

	if (rc != OG_OK)
		return rc;
	return api_reply_empty(call, 204);
}

/* The body is optional here: {"name":"..."} at most. */
enum og_err api_key_tenant_create(struct api_call *call)
{
	struct api_key_input in = {0};
	struct store_tenant t;
	enum og_err rc;

	rc = tenant_get(call->d, call->conn, call->params[0], &t);
	if (rc != OG_OK)
		return rc;
	rc = api_body(call, &api_key_tenant_spec, &in, true);
	if (rc != OG_OK)
		return rc;
	return api_key_issue(call, STORE_KEY_TENANT, t.id, in.name);
}

enum og_err api_key_tenant_list(struct api_call *call)
{
	struct store_tenant t;
	enum og_err rc = tenant_get(call->d, call->conn, call->params[0], &t);

	if (rc != OG_OK)
		return rc;
	return api_key_page(call, t.id);
}

enum og_err api_key_tenant_revoke(struct api_call *call)
{
	enum og_err rc = apikey_revoke(call->d, call->conn, &call->actor, call->params[0], call->params[1]);

	if (rc != OG_OK)
		return rc;
	return api_reply_empty(call, 204);
}
