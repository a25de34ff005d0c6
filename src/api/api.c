/*
 * The route table and the path every request takes through it: match the
 * path (a miss is 404, a path known under another method 405), refuse an
 * oversized body (413), authenticate (api_auth.c), run the handler, and
 * render any error it returns, from og_err's single table, in the route's
 * style: {"error":{"code","message","field"}} natively, and the gateway's
 * {"success":false,...} on the compatibility endpoints. The reply helpers
 * every handler uses live here too.
 */
#include "api/api_int.h"

#include "domain/cache.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"

#include <assert.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/*
 * Every endpoint. Auth lists the key kinds allowed; a known key of another
 * kind gets 403. Lists are paginated with ?limit=1..100 (default 50) and
 * ?after=<the last id of the previous page>, and answer
 * {"data":[...],"next_after":"<id>"|null}.
 */
static const struct api_route api_routes[] = {
	{"GET", "/healthz", api_ops_healthz, API_AUTH_PUBLIC, 0},
	{"GET", "/metrics", api_ops_metrics, API_AUTH_PUBLIC, 0},

	{"POST", "/v1/tenants", api_tenant_create, API_AUTH_ADMIN, 0},
	{"GET", "/v1/tenants", api_tenant_list, API_AUTH_ADMIN, 0},
	{"GET", "/v1/tenants/{id}", api_tenant_get, API_AUTH_ADMIN, API_ROUTE_PATH_TENANT},
	{"PATCH", "/v1/tenants/{id}", api_tenant_patch, API_AUTH_ADMIN, API_ROUTE_PATH_TENANT},
	{"DELETE", "/v1/tenants/{id}", api_tenant_suspend, API_AUTH_ADMIN, API_ROUTE_PATH_TENANT},
	{"POST", "/v1/tenants/{id}/keys", api_key_tenant_create, API_AUTH_ADMIN,
	 API_ROUTE_PATH_TENANT},
	{"GET", "/v1/tenants/{id}/keys", api_key_tenant_list, API_AUTH_ADMIN, API_ROUTE_PATH_TENANT},
	{"DELETE", "/v1/tenants/{id}/keys/{key_id}", api_key_tenant_revoke, API_AUTH_ADMIN,
	 API_ROUTE_PATH_TENANT},
	{"POST", "/v1/tenants/{id}/keys/{key_id}/rotate", api_key_tenant_rotate, API_AUTH_ADMIN,
	 API_ROUTE_PATH_TENANT},
	{"POST", "/v1/tenants/{id}/templates", api_tenant_template_create, API_AUTH_ADMIN,
	 API_ROUTE_PATH_TENANT},
	{"GET", "/v1/tenants/{id}/templates", api_tenant_template_list, API_AUTH_ADMIN,
	 API_ROUTE_PATH_TENANT},
	{"DELETE", "/v1/tenants/{id}/templates/{name}", api_tenant_template_delete, API_AUTH_ADMIN,
	 API_ROUTE_PATH_TENANT},
	{"POST", "/v1/tenants/{id}/wallet/credits", api_wallet_credit, API_AUTH_ADMIN,
	 API_ROUTE_PATH_TENANT},
	{"GET", "/v1/tenants/{id}/wallet", api_wallet_get, API_AUTH_ADMIN | API_AUTH_TENANT,
	 API_ROUTE_PATH_TENANT},

	{"GET", "/v1/audit", api_audit_list, API_AUTH_ADMIN, 0},

	/* The DLT registry (docs/DLT.md): a tenant's, and the platform's for
	 * the shared route. templates:import takes text/csv. */
	{"POST", "/v1/tenants/{id}/headers", api_dlt_tenant_header_create, API_AUTH_ADMIN,
	 API_ROUTE_PATH_TENANT},
	{"GET", "/v1/tenants/{id}/headers", api_dlt_tenant_header_list, API_AUTH_ADMIN,
	 API_ROUTE_PATH_TENANT},
	{"DELETE", "/v1/tenants/{id}/headers", api_dlt_tenant_header_delete, API_AUTH_ADMIN,
	 API_ROUTE_PATH_TENANT},
	{"DELETE", "/v1/tenants/{id}/headers/{header}", api_dlt_tenant_header_delete_one,
	 API_AUTH_ADMIN, API_ROUTE_PATH_TENANT},
	{"POST", "/v1/tenants/{id}/whitelist", api_dlt_tenant_whitelist_create, API_AUTH_ADMIN,
	 API_ROUTE_PATH_TENANT},
	{"GET", "/v1/tenants/{id}/whitelist", api_dlt_tenant_whitelist_list, API_AUTH_ADMIN,
	 API_ROUTE_PATH_TENANT},
	{"DELETE", "/v1/tenants/{id}/whitelist", api_dlt_tenant_whitelist_delete, API_AUTH_ADMIN,
	 API_ROUTE_PATH_TENANT},
	{"POST", "/v1/tenants/{id}/templates:import", api_dlt_tenant_template_import,
	 API_AUTH_ADMIN, API_ROUTE_PATH_TENANT},
	{"GET", "/v1/platform", api_platform_get, API_AUTH_ADMIN, 0},
	{"PATCH", "/v1/platform", api_platform_patch, API_AUTH_ADMIN, 0},
	{"POST", "/v1/platform/headers", api_platform_header_create, API_AUTH_ADMIN, 0},
	{"GET", "/v1/platform/headers", api_platform_header_list, API_AUTH_ADMIN, 0},
	{"DELETE", "/v1/platform/headers", api_platform_header_delete, API_AUTH_ADMIN, 0},
	{"DELETE", "/v1/platform/headers/{header}", api_platform_header_delete_one,
	 API_AUTH_ADMIN, 0},
	{"POST", "/v1/platform/templates", api_platform_template_create, API_AUTH_ADMIN, 0},
	{"GET", "/v1/platform/templates", api_platform_template_list, API_AUTH_ADMIN, 0},
	{"DELETE", "/v1/platform/templates/{name}", api_platform_template_delete, API_AUTH_ADMIN,
	 0},
	{"POST", "/v1/platform/templates:import", api_platform_template_import, API_AUTH_ADMIN,
	 0},
	{"POST", "/v1/platform/whitelist", api_platform_whitelist_create, API_AUTH_ADMIN, 0},
	{"GET", "/v1/platform/whitelist", api_platform_whitelist_list, API_AUTH_ADMIN, 0},
	{"DELETE", "/v1/platform/whitelist", api_platform_whitelist_delete, API_AUTH_ADMIN, 0},

	/* Abuse defence (docs/SECURITY.md §8). */
	{"POST", "/v1/tenants/{id}/test-numbers", api_guard_testnum_create,
	 API_AUTH_ADMIN | API_AUTH_TENANT, API_ROUTE_PATH_TENANT},
	{"GET", "/v1/tenants/{id}/test-numbers", api_guard_testnum_list,
	 API_AUTH_ADMIN | API_AUTH_TENANT, API_ROUTE_PATH_TENANT},
	{"DELETE", "/v1/tenants/{id}/test-numbers/{ref}", api_guard_testnum_delete,
	 API_AUTH_ADMIN | API_AUTH_TENANT, API_ROUTE_PATH_TENANT},
	{"GET", "/v1/tenants/{id}/alerts", api_guard_alert_list, API_AUTH_ADMIN | API_AUTH_TENANT,
	 API_ROUTE_PATH_TENANT},
	{"DELETE", "/v1/tenants/{id}/alerts/{alert_id}", api_guard_alert_lift, API_AUTH_ADMIN,
	 API_ROUTE_PATH_TENANT},

	{"POST", "/v1/keys", api_key_create, API_AUTH_ADMIN, 0},
	{"GET", "/v1/keys", api_key_list, API_AUTH_ADMIN, 0},
	{"DELETE", "/v1/keys/{id}", api_key_revoke, API_AUTH_ADMIN, 0},
	{"POST", "/v1/keys/{id}/rotate", api_key_rotate, API_AUTH_ADMIN, 0},

	{"POST", "/v1/otp/send", api_otp_send, API_AUTH_ANY, 0},
	{"POST", "/v1/otp/verify", api_otp_verify, API_AUTH_ANY, 0},
	{"POST", "/v1/otp/resend", api_otp_resend, API_AUTH_ANY, 0},
	{"GET", "/v1/otp/{request_id}", api_otp_status, API_AUTH_ANY, 0},

	{"GET", "/v1/messages", api_message_list, API_AUTH_ADMIN | API_AUTH_TENANT, 0},
	{"GET", "/v1/messages/{id}", api_message_get, API_AUTH_ADMIN | API_AUTH_TENANT, 0},
	{"GET", "/v1/usage", api_message_usage, API_AUTH_ADMIN | API_AUTH_TENANT, 0},
	{"GET", "/v1/invoices/{month}", api_message_invoice, API_AUTH_ADMIN, 0},

	/* The StartMessaging-shaped endpoints (DOMAIN.md §2), for a tenant key. */
	{"POST", "/otp/send", api_compat_send, API_AUTH_TENANT, API_ROUTE_COMPAT},
	{"POST", "/otp/verify", api_compat_verify, API_AUTH_TENANT, API_ROUTE_COMPAT},
	{"GET", "/messages/{id}", api_compat_message, API_AUTH_TENANT, API_ROUTE_COMPAT},
};

#define API_ROUTES_COUNT (sizeof api_routes / sizeof api_routes[0])

static pthread_once_t api_metrics_once = PTHREAD_ONCE_INIT;

static void api_describe_metrics(void)
{
	metrics_describe("otpgate_send_latency_ms", "histogram",
			 "Time to accept an OTP send, in milliseconds.");
	metrics_describe("otpgate_outbox_depth", "gauge", "Messages queued or being sent.");
	metrics_describe("otpgate_outbox_oldest_wait_seconds", "gauge",
			 "Seconds the longest-waiting queued message has been due; 0 if none.");
}

/* ---- Routing --------------------------------------------------------- */

/* Matches path against pattern segment by segment, collecting {params}.
 * A parameter longer than API_PARAM_MAX can name nothing and does not match. */
static bool api_match(const char *pattern, const char *path, struct api_call *call)
{
	const char *p = pattern;
	const char *s = path;
	size_t nparams = 0;

	while (*p && *s) {
		if (*p != '/' || *s != '/')
			return false;
		p++;
		s++;
		size_t plen = strcspn(p, "/");
		size_t slen = strcspn(s, "/");
		if (p[0] == '{') {
			if (slen == 0 || slen >= API_PARAM_MAX || nparams == API_PARAMS_MAX)
				return false;
			memcpy(call->params[nparams], s, slen);
			call->params[nparams][slen] = '\0';
			nparams++;
		} else if (plen != slen || memcmp(p, s, plen) != 0) {
			return false;
		}
		p += plen;
		s += slen;
	}
	if (*p || *s)
		return false;
	call->param_count = nparams;
	return true;
}

/* Finds the route; when only the method is wrong, fills allow for 405. */
static const struct api_route *api_route_find(struct api_call *call, char allow[API_ALLOW_MAX],
					      bool *path_known)
{
	size_t used = 0;

	*path_known = false;
	allow[0] = '\0';
	if (strlen(call->req->path) >= API_PATH_MAX)
		return NULL;
	for (size_t i = 0; i < API_ROUTES_COUNT; i++) {
		const struct api_route *r = &api_routes[i];
		if (!api_match(r->pattern, call->req->path, call))
			continue;
		if (strcmp(r->method, call->req->method) == 0)
			return r;
		*path_known = true;
		int n = snprintf(allow + used, API_ALLOW_MAX - used, "%s%s", used ? ", " : "",
				 r->method);
		if (n > 0 && (size_t)n < API_ALLOW_MAX - used)
			used += (size_t)n;
	}
	return NULL;
}

/* ---- Replies --------------------------------------------------------- */

enum og_err api_reply_json(struct api_call *call, int status, json_t *body)
{
	char *text;

	if (!body)
		return OG_ERR_NOMEM;
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!text)
		return OG_ERR_NOMEM;
	return api_reply_text(call, status, API_JSON_TYPE, text, strlen(text));
}

enum og_err api_reply_text(struct api_call *call, int status, const char *content_type, char *text,
			   size_t len)
{
	free(call->resp->body); /* a handler may replace an earlier answer */
	call->resp->status = status;
	call->resp->content_type = content_type;
	call->resp->body = text;
	call->resp->body_len = len;
	return OG_OK;
}

enum og_err api_reply_empty(struct api_call *call, int status)
{
	return api_reply_text(call, status, NULL, NULL, 0);
}

enum og_err api_fail(struct api_call *call, enum og_err err, const char *field, const char *fmt,
		     ...)
{
	va_list ap;

	call->det.field = field;
	va_start(ap, fmt);
	vsnprintf(call->det.message, sizeof call->det.message, fmt, ap);
	va_end(ap);
	return err;
}

char *api_error_body(const struct api_call *call, enum og_err err)
{
	int status = og_err_http_status(err);
	/* A server error's detail may describe internals; clients get the
	 * generic sentence and the log gets the rest. */
	const char *message = (status < 500 && call->det.message[0]) ? call->det.message
								       : og_err_strerror(err);
	const char *field = status < 500 ? call->det.field : NULL;
	json_t *body;
	char *text;

	if (call->route && (call->route->flags & API_ROUTE_COMPAT))
		body = json_pack("{s:b, s:i, s:s, s:s}", "success", 0, "statusCode", status,
				 "message", message, "code", og_err_code(err));
	else if (field)
		body = json_pack("{s:{s:s, s:s, s:s}}", "error", "code", og_err_code(err),
				 "message", message, "field", field);
	else
		body = json_pack("{s:{s:s, s:s}}", "error", "code", og_err_code(err), "message",
				 message);
	if (!body)
		return NULL;
	/* ABUSE-01: a 429 names the limit that refused the request. */
	if (call->det.limit && status < 500)
		json_object_set_new(json_object_get(body, "error") ? json_object_get(body, "error")
								    : body,
				    "limit", json_string(call->det.limit));
	/* A DLT refusal names the rule (docs/DLT.md) and the operator's code. */
	if (status < 500 && (call->det.dlt_code || call->det.rule)) {
		json_t *at = json_object_get(body, "error") ? json_object_get(body, "error") : body;
		if (call->det.dlt_code)
			json_object_set_new(at, "dlt_code", json_string(call->det.dlt_code));
		if (call->det.rule)
			json_object_set_new(at, "rule", json_string(call->det.rule));
	}
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	return text;
}

static void api_reply_error(struct api_call *call, enum og_err err)
{
	char *text = api_error_body(call, err);
	int status = og_err_http_status(err);

	if (call->det.retry_after_sec > 0)
		call->resp->retry_after_sec = call->det.retry_after_sec;

	if (status >= 500)
		log_error("api.error", "{s:s, s:s, s:s}", "route", call->resp->route, "error",
			  og_err_strerror(err), "detail", call->det.message);
	if (!text) {
		api_reply_empty(call, status);
		return;
	}
	api_reply_text(call, status, API_JSON_TYPE, text, strlen(text));
}

/* ---- Request helpers ------------------------------------------------- */

enum og_err api_body(struct api_call *call, const struct api_json_object *spec, void *target,
		     bool allow_empty)
{
	const struct httpd_request *req = call->req;

	if (req->body_len == 0 && allow_empty)
		return OG_OK;
	if (req->body_len > 0 && !api_json_content_type_ok(httpd_request_header(req, "Content-Type")))
		return api_fail(call, OG_ERR_UNSUPPORTED_MEDIA, NULL,
				"the body must be sent as application/json");
	return api_json_decode(req->body, req->body_len, spec, target, &call->det, call->det_field);
}

const char *api_query(const struct api_call *call, const char *name)
{
	return httpd_request_query(call->req, name);
}

json_t *api_json_time(int64_t ms)
{
	char text[CLOCK_ISO_MAX];

	if (ms == 0)
		return json_null();
	clock_format_iso(ms, text);
	return json_string(text);
}

json_t *api_json_text(const char *text) { return text[0] ? json_string(text) : json_null(); }

int api_render_into(json_t *obj, int status, char *body, size_t body_max)
{
	static const char failed[] = "{\"error\":{\"code\":\"internal\",\"message\":\"internal error\"}}";
	size_t n = obj ? json_dumpb(obj, body, body_max - 1, JSON_COMPACT) : 0;

	json_decref(obj);
	assert(body_max > sizeof failed);
	if (n == 0 || n >= body_max) {
		memcpy(body, failed, sizeof failed);
		return 500;
	}
	body[n] = '\0';
	return status;
}

/* ---- The entry point ------------------------------------------------- */

void api_handle(void *arg, const struct httpd_request *req, struct httpd_response *resp)
{
	const struct api_env *env = arg;
	struct api_call call = {.env = env, .d = env->domain, .req = req, .resp = resp};
	char allow[API_ALLOW_MAX];
	bool path_known;
	enum og_err rc;

	pthread_once(&api_metrics_once, api_describe_metrics);
	call.route = api_route_find(&call, allow, &path_known);
	if (call.route)
		resp->route = call.route->pattern;
	if (!call.route && path_known) {
		resp->extra_header = "Allow";
		snprintf(resp->extra_value, sizeof resp->extra_value, "%s", allow);
		rc = api_fail(&call, OG_ERR_METHOD_NOT_ALLOWED, NULL,
			      "%s is not allowed here; use %s", req->method, allow);
		goto out;
	}
	if (!call.route) {
		rc = api_fail(&call, OG_ERR_NOT_FOUND, NULL, "no such endpoint");
		goto out;
	}
	if (req->body_too_large) {
		rc = api_fail(&call, OG_ERR_PAYLOAD_TOO_LARGE, NULL,
			      "the body is larger than %d bytes", HTTPD_BODY_MAX);
		goto out;
	}
	if (call.route->auth != API_AUTH_PUBLIC) {
		rc = store_thread_conn(env->store, &call.conn);
		if (rc != OG_OK) {
			rc = OG_ERR_UNAVAILABLE;
			goto out;
		}
		/* One read of the configuration generation makes every cached
		 * key, tenant and template this request uses current. */
		rc = cache_refresh(call.d, call.conn);
		if (rc == OG_OK)
			rc = api_auth_check(&call);
		if (rc != OG_OK)
			goto out;
	}
	rc = call.route->handler(&call);
out:
	if (rc != OG_OK)
		api_reply_error(&call, rc);
	assert(resp->status != 0);
}
