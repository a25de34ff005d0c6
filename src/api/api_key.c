/*
 * API keys (admin only): platform keys (admin and send) under /v1/keys, and
 * a tenant's own keys under /v1/tenants/{id}/keys. A key's text appears in
 * exactly one response, the one that creates (or rotates) it, and is wiped
 * from memory once that response is rendered; lists show ids and prefixes
 * only. A key may carry an expiry and a source-address allow-list, and a
 * rotation issues a successor while the old key runs out (docs/SECURITY.md
 * SEC-11..SEC-13).
 */
#include "api/api_int.h"
#include "api/api_list.h"

#include "domain/tenant.h"

#include <sodium.h>
#include <stddef.h>
#include <string.h>

/* Platform keys are admin or send; tenant keys are made under the tenant. */
static const char *const api_key_platform_kinds[] = {
	[STORE_KEY_ADMIN] = "admin",
	[STORE_KEY_SEND] = "send",
};

struct api_key_input {
	bool has_kind;
	int kind; /* enum store_key_kind */
	char name[STORE_NAME_MAX];
	bool has_expires_at;                  /* SEC-11 */
	char expires_at[CLOCK_ISO_MAX];
	bool has_old_expires_at;              /* rotation: when the old key stops */
	char old_expires_at[CLOCK_ISO_MAX];
	size_t ip_count;                      /* SEC-12 */
	char allowed_ips[STORE_KEY_IPS_MAX][STORE_CIDR_TEXT_MAX];
	bool has_allowed_ips;
};

#define API_KI struct api_key_input

/* What every key creation may restrict; shared by both create specs. */
#define API_KEY_LIMIT_FIELDS                                                                   \
	API_JSON_F_HAS("expires_at", "expires_at", API_JSON_STRING, API_KI, expires_at,        \
		       has_expires_at, 0),                                                     \
	{.key = "allowed_ips", .path = "allowed_ips", .type = API_JSON_STRINGS,                \
	 .flags = API_JSON_HAS, .offset = offsetof(API_KI, allowed_ips),                       \
	 .size = API_JSON_SIZEOF(API_KI, allowed_ips[0]), .elem_max = STORE_KEY_IPS_MAX,       \
	 .count_offset = offsetof(API_KI, ip_count), .count_size = sizeof(size_t),             \
	 .has_offset = offsetof(API_KI, has_allowed_ips)}

static const struct api_json_field api_key_fields[] = {
	API_JSON_F_ENUM("kind", "kind", API_KI, kind, has_kind, api_key_platform_kinds,
			API_JSON_REQUIRED),
	API_JSON_F("name", "name", API_JSON_STRING, API_KI, name, 0),
	API_KEY_LIMIT_FIELDS,
};
static const struct api_json_object api_key_spec = API_JSON_OBJECT_OF(api_key_fields);

static const struct api_json_field api_key_tenant_fields[] = {
	API_JSON_F("name", "name", API_JSON_STRING, API_KI, name, 0),
	API_KEY_LIMIT_FIELDS,
};
static const struct api_json_object api_key_tenant_spec =
	API_JSON_OBJECT_OF(api_key_tenant_fields);

/* SEC-13: a rotation's body is optional; the new key keeps the old one's
 * allowed_ips unless it names its own. */
static const struct api_json_field api_key_rotate_fields[] = {
	API_JSON_F_HAS("old_expires_at", "old_expires_at", API_JSON_STRING, API_KI,
		       old_expires_at, has_old_expires_at, 0),
	API_KEY_LIMIT_FIELDS,
};
static const struct api_json_object api_key_rotate_spec =
	API_JSON_OBJECT_OF(api_key_rotate_fields);

/* Parses an ISO-8601 time field; 400 naming the field if it is not one. */
static enum og_err api_key_time(struct api_call *call, const char *field, const char *text,
				int64_t *ms)
{
	if (!clock_parse_iso(text, ms) || *ms <= 0)
		return api_fail(call, OG_ERR_INVALID_REQUEST, field,
				"%s must be an ISO-8601 time, e.g. 2030-01-31T00:00:00Z", field);
	return OG_OK;
}

/* Turns the decoded body into the domain's limits. */
static enum og_err api_key_limits(struct api_call *call, const struct api_key_input *in,
				  struct apikey_limits *lim)
{
	enum og_err rc;

	memset(lim, 0, sizeof *lim);
	if (in->has_expires_at) {
		rc = api_key_time(call, "expires_at", in->expires_at, &lim->expires_at_ms);
		if (rc != OG_OK)
			return rc;
	}
	if (in->has_allowed_ips && in->ip_count == 0)
		return api_fail(call, OG_ERR_INVALID_REQUEST, "allowed_ips",
				"allowed_ips must name at least one block; leave it out to allow "
				"any address");
	lim->ip_count = in->ip_count;
	memcpy(lim->ips, in->allowed_ips, sizeof lim->ips);
	return OG_OK;
}

/* A key's allowed_ips as a JSON array, or null when any address may use it. */
static json_t *api_key_ips_json(const struct store_api_key *k)
{
	json_t *ips;
	const char *p = k->allowed_ips;

	if (!p[0])
		return json_null();
	ips = json_array();
	while (ips && *p) {
		size_t len = strcspn(p, ",");
		json_array_append_new(ips, json_stringn(p, len));
		p += len;
		if (*p == ',')
			p++;
	}
	return ips;
}

static json_t *api_key_json(const struct store_api_key *k)
{
	return json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o}", "id", k->id, "kind",
			 apikey_kind_name(k->kind), "name", api_json_text(k->name), "prefix",
			 k->prefix, "created_at", api_json_time(k->created_at_ms), "revoked_at",
			 api_json_time(k->revoked_at_ms), "expires_at",
			 api_json_time(k->expires_at_ms), "allowed_ips", api_key_ips_json(k));
}

/* The 201 of a new key: the only response that ever holds its text.
 * Platform keys also echo their kind. */
static json_t *api_key_created_json(const struct store_api_key *k, const char *text)
{
	json_t *body = json_pack("{s:s, s:s, s:o, s:o, s:o}", "id", k->id, "key", text,
				 "created_at", api_json_time(k->created_at_ms), "expires_at",
				 api_json_time(k->expires_at_ms), "allowed_ips",
				 api_key_ips_json(k));

	if (body && k->kind != STORE_KEY_TENANT)
		json_object_set_new(body, "kind", json_string(apikey_kind_name(k->kind)));
	return body;
}

/* Creates a key and answers 201. */
static enum og_err api_key_issue(struct api_call *call, int kind, const char *tenant_id,
				 const struct api_key_input *in)
{
	char text[APIKEY_TEXT_MAX];
	struct apikey_limits lim;
	struct store_api_key k;
	enum og_err rc;

	rc = api_key_limits(call, in, &lim);
	if (rc != OG_OK)
		return rc;
	rc = apikey_create_limited(call->d, call->conn, &call->actor, kind, tenant_id, in->name,
				   &lim, text, &k, &call->det);
	if (rc != OG_OK)
		goto out;
	rc = api_reply_json(call, 201, api_key_created_json(&k, text));
out:
	sodium_memzero(text, sizeof text);
	return rc;
}

/* SEC-13: creates the successor of a key and answers 201 with it and the
 * old key's new end. */
static enum og_err api_key_rotate_run(struct api_call *call, const char *tenant_id,
				      const char *id)
{
	struct api_key_input in;
	struct apikey_rotation rot;
	char text[APIKEY_TEXT_MAX];
	struct store_api_key nk, old;
	json_t *body;
	enum og_err rc;

	memset(&in, 0, sizeof in);
	memset(&rot, 0, sizeof rot);
	rc = api_body(call, &api_key_rotate_spec, &in, true);
	if (rc != OG_OK)
		return rc;
	rc = api_key_limits(call, &in, &rot.ips);
	if (rc != OG_OK)
		return rc;
	rot.has_expires_at = in.has_expires_at;
	rot.expires_at_ms = rot.ips.expires_at_ms;
	rot.has_allowed_ips = in.has_allowed_ips;
	if (in.has_old_expires_at) {
		rot.has_old_expires_at = true;
		rc = api_key_time(call, "old_expires_at", in.old_expires_at, &rot.old_expires_at_ms);
		if (rc != OG_OK)
			return rc;
	}
	rc = apikey_rotate(call->d, call->conn, &call->actor, tenant_id, id, &rot, text, &nk, &old,
			   &call->det);
	if (rc != OG_OK)
		goto out;
	body = api_key_created_json(&nk, text);
	if (body)
		json_object_set_new(body, "replaces",
				    json_pack("{s:s, s:o}", "id", old.id, "expires_at",
					      api_json_time(old.expires_at_ms)));
	rc = api_reply_json(call, 201, body);
out:
	sodium_memzero(text, sizeof text);
	return rc;
}

/* A page of keys; arg is the tenant id, "" for the platform's keys. */
static enum og_err api_key_fetch(struct api_call *call, const void *arg, const char *after,
				 size_t limit, void *rows, size_t *n)
{
	return apikey_list(call->d, call->conn, arg, after, limit, rows, n);
}

static json_t *api_key_row_json(struct api_call *call, const void *row)
{
	(void)call;
	return api_key_json(row);
}

static const struct api_list_spec api_key_list_spec = {
	API_LIST_ROW(struct store_api_key, id),
	.fetch = api_key_fetch,
	.render = api_key_row_json,
};

enum og_err api_key_create(struct api_call *call)
{
	struct api_key_input in = {0};
	enum og_err rc = api_body(call, &api_key_spec, &in, false);

	if (rc != OG_OK)
		return rc;
	return api_key_issue(call, in.kind, "", &in);
}

enum og_err api_key_rotate(struct api_call *call)
{
	return api_key_rotate_run(call, "", call->params[0]);
}

enum og_err api_key_tenant_rotate(struct api_call *call)
{
	struct store_tenant t;
	enum og_err rc = tenant_get(call->d, call->conn, call->params[0], &t);

	if (rc != OG_OK)
		return rc;
	return api_key_rotate_run(call, t.id, call->params[1]);
}

enum og_err api_key_list(struct api_call *call)
{
	return api_list_reply(call, &api_key_list_spec, "");
}

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
	return api_key_issue(call, STORE_KEY_TENANT, t.id, &in);
}

enum og_err api_key_tenant_list(struct api_call *call)
{
	struct store_tenant t;
	enum og_err rc = tenant_get(call->d, call->conn, call->params[0], &t);

	if (rc != OG_OK)
		return rc;
	return api_list_reply(call, &api_key_list_spec, t.id);
}

enum og_err api_key_tenant_revoke(struct api_call *call)
{
	enum og_err rc = apikey_revoke(call->d, call->conn, &call->actor, call->params[0], call->params[1]);

	if (rc != OG_OK)
		return rc;
	return api_reply_empty(call, 204);
}
