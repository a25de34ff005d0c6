/*
 * Who is calling, and for which tenant. The key comes from X-API-Key or
 * "Authorization: Bearer"; the domain resolves it to a principal. Tenant
 * keys are bound to their tenant: wherever a request names another tenant,
 * the answer is 404, the same as for a tenant that does not exist, so a key
 * can never learn which other tenants exist. Send and admin keys name the
 * tenant of an OTP call with "tenant_id".
 */
#include "api/api_int.h"

#include <string.h>
#include <strings.h>

#define API_AUTH_BEARER "Bearer "

/* The key text from the request, or NULL when none is given. */
static const char *api_auth_key_text(const struct api_call *call)
{
	const char *key = httpd_request_header(call->req, "X-API-Key");
	const char *auth;

	if (key)
		return key;
	auth = httpd_request_header(call->req, "Authorization");
	if (!auth || strncasecmp(auth, API_AUTH_BEARER, sizeof API_AUTH_BEARER - 1) != 0)
		return NULL;
	auth += sizeof API_AUTH_BEARER - 1;
	while (*auth == ' ')
		auth++;
	return auth;
}

enum og_err api_auth_check(struct api_call *call)
{
	const struct api_route *route = call->route;
	const char *key = api_auth_key_text(call);
	enum og_err rc;

	if (!key || !key[0])
		return api_fail(call, OG_ERR_UNAUTHORIZED, NULL,
				"send an API key in X-API-Key or Authorization: Bearer");
	/* An over-long key cannot be one of ours; it is refused before hashing. */
	if (strlen(key) >= APIKEY_TEXT_MAX)
		return api_fail(call, OG_ERR_UNAUTHORIZED, NULL, "the API key is not valid");
	/* SEC-11, SEC-12: an expired key is 401, a key used from outside its
	 * allowed_ips 403; the detail names which. */
	rc = apikey_authenticate(call->d, call->conn, key, call->req->client_ip, &call->who,
				 &call->det);
	if (rc != OG_OK)
		return rc;
	_Static_assert((int)STORE_ACTOR_ADMIN == (int)STORE_KEY_ADMIN &&
			       (int)STORE_ACTOR_SEND == (int)STORE_KEY_SEND &&
			       (int)STORE_ACTOR_TENANT == (int)STORE_KEY_TENANT,
		       "an API key's kind names its actor kind");
	call->actor.kind = call->who.kind;
	memcpy(call->actor.key_id, call->who.key_id, sizeof call->actor.key_id);
	memcpy(call->actor.ip, call->req->client_ip,
	       strnlen(call->req->client_ip, sizeof call->actor.ip - 1));
	/* Cross-tenant first, so a tenant key gets 404 for every other tenant's
	 * object whether or not its kind could use the route. */
	if ((route->flags & API_ROUTE_PATH_TENANT) && call->who.kind == STORE_KEY_TENANT &&
	    strcmp(call->params[0], call->who.tenant_id) != 0)
		return api_fail(call, OG_ERR_NOT_FOUND, NULL, "no such tenant");
	if (!(route->auth & (1u << call->who.kind)))
		return api_fail(call, OG_ERR_FORBIDDEN, NULL, "a %s key may not call %s %s",
				apikey_kind_name(call->who.kind), route->method, route->pattern);
	return OG_OK;
}

enum og_err api_auth_otp_tenant(struct api_call *call, const char *given,
				char out[STORE_TENANT_ID_MAX])
{
	const char *id;

	if (call->who.kind == STORE_KEY_TENANT) {
		if (given && given[0] && strcmp(given, call->who.tenant_id) != 0)
			return api_fail(call, OG_ERR_NOT_FOUND, "tenant_id", "no such tenant");
		id = call->who.tenant_id;
	} else {
		if (!given || !given[0])
			return api_fail(call, OG_ERR_INVALID_REQUEST, "tenant_id",
					"tenant_id is required with an admin or send key");
		if (strlen(given) >= STORE_TENANT_ID_MAX)
			return api_fail(call, OG_ERR_NOT_FOUND, "tenant_id", "no such tenant");
		id = given;
	}
	memmove(out, id, strlen(id) + 1); /* given may already be out */
	return OG_OK;
}

enum og_err api_auth_read_scope(struct api_call *call, const char **tenant_id)
{
	const char *given = api_query(call, "tenant_id");

	if (call->who.kind == STORE_KEY_TENANT) {
		if (given && strcmp(given, call->who.tenant_id) != 0)
			return api_fail(call, OG_ERR_NOT_FOUND, "tenant_id", "no such tenant");
		*tenant_id = call->who.tenant_id;
		return OG_OK;
	}
	if (given && (!given[0] || strlen(given) >= STORE_TENANT_ID_MAX))
		return api_fail(call, OG_ERR_NOT_FOUND, "tenant_id", "no such tenant");
	*tenant_id = given; /* NULL: every tenant, for an admin */
	return OG_OK;
}
