/*
 * What the files of the API layer share and nothing else sees: the state of
 * one call, the route table's row type, the reply and error helpers
 * (api.c), authentication and tenant scoping (api_auth.c), idempotency
 * (api_idem.c), and every route handler. A handler returns OG_OK once it has
 * set the response, or an error that api.c renders in the route's style.
 */
#ifndef OG_API_INT_H
#define OG_API_INT_H

#include "api/api.h"
#include "api/api_json.h"
#include "domain/apikey.h"
#include "domain/idem.h"

#include <jansson.h>

#define API_PARAMS_MAX 2                    /* {params} in one route pattern */
#define API_PARAM_MAX STORE_TEMPLATE_NAME_MAX /* the longest path parameter, plus NUL */
#define API_PATH_MAX 256                    /* a longer path matches no route */
#define API_PAGE_DEFAULT 50                 /* `limit` when a list call gives none */
#define API_JSON_TYPE "application/json"    /* every JSON reply's Content-Type */
#define API_REPORT_ROWS_MAX 10000           /* tenants in one usage report or invoice */
#define API_ALLOW_MAX 48                    /* the Allow header of a 405 */

/* Which key kinds may call a route, as bits of enum store_key_kind. */
#define API_AUTH_PUBLIC 0u
#define API_AUTH_ADMIN (1u << STORE_KEY_ADMIN)
#define API_AUTH_SEND (1u << STORE_KEY_SEND)
#define API_AUTH_TENANT (1u << STORE_KEY_TENANT)
#define API_AUTH_ANY (API_AUTH_ADMIN | API_AUTH_SEND | API_AUTH_TENANT)

/* The first path parameter is a tenant id: a tenant key naming any tenant but
 * its own gets 404, exactly as if the tenant did not exist. */
#define API_ROUTE_PATH_TENANT 0x1u
/* The StartMessaging-compatible endpoints: errors use the gateway's envelope. */
#define API_ROUTE_COMPAT 0x2u

struct api_call;

/** Runs one route; returns OG_OK with the response set, or the error to render. */
typedef enum og_err (*api_handler_fn)(struct api_call *call);

struct api_route {
	const char *method;
	const char *pattern;  /* literal segments and {name} segments */
	api_handler_fn handler;
	unsigned auth;        /* API_AUTH_* bits; API_AUTH_PUBLIC needs no key */
	unsigned flags;       /* API_ROUTE_* */
};

/* One request on its way through the API layer. */
struct api_call {
	const struct api_env *env;
	const struct domain *d;
	const struct httpd_request *req;
	struct httpd_response *resp;
	const struct api_route *route;
	struct store_conn *conn;      /* the worker's connection; NULL on public routes */
	struct apikey_principal who;  /* the caller, on authenticated routes */
	struct audit_actor actor;     /* the caller as the audit trail names it */
	size_t param_count;
	char params[API_PARAMS_MAX][API_PARAM_MAX];
	struct og_detail det;         /* what went wrong, for the error body */
	char det_field[API_JSON_PATH_MAX]; /* det.field points here when it is not static */
};

/* ---- api.c: replies, errors, bodies, pagination ---------------------- */

/** Sets a JSON response, taking the reference to body; OG_ERR_NOMEM if body is NULL or unrenderable. */
enum og_err api_reply_json(struct api_call *call, int status, json_t *body);

/** Sets a response of malloc'd text, taking ownership of it. */
enum og_err api_reply_text(struct api_call *call, int status, const char *content_type, char *text,
			   size_t len);

/** Sets an empty response (e.g. 204). */
enum og_err api_reply_empty(struct api_call *call, int status);

/** Records field and message in call->det; returns err. */
enum og_err api_fail(struct api_call *call, enum og_err err, const char *field, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));

/** Renders the error body for err in the route's style; malloc'd, or NULL without memory. */
char *api_error_body(const struct api_call *call, enum og_err err);

/** Checks Content-Type and decodes the body into target; an empty body passes if allow_empty. */
enum og_err api_body(struct api_call *call, const struct api_json_object *spec, void *target,
		     bool allow_empty);

/** Returns a query argument, or NULL. */
const char *api_query(const struct api_call *call, const char *name);


/** A time as an ISO-8601 UTC string, or null for 0. */
json_t *api_json_time(int64_t ms);

/** A string, or null for "". */
json_t *api_json_text(const char *text);

/** Dumps obj (taking the reference) into body; returns status, or 500 if it cannot. */
int api_render_into(json_t *obj, int status, char *body, size_t body_max);

/* ---- api_auth.c: who is calling, and for which tenant ----------------- */

/** Authenticates the key and checks it against the route; 401, 403 or 404 as documented. */
enum og_err api_auth_check(struct api_call *call);

/** The tenant an OTP call acts for: a tenant key's own, else `given` (required). */
enum og_err api_auth_otp_tenant(struct api_call *call, const char *given,
				char out[STORE_TENANT_ID_MAX]);

/** The tenant a read is scoped to: a tenant key's own, else ?tenant_id= or NULL for all. */
enum og_err api_auth_read_scope(struct api_call *call, const char **tenant_id);

/* ---- api_idem.c: Idempotency-Key ------------------------------------- */

struct api_idem {
	bool active;              /* the request carries a key and claimed it */
	struct idem_ticket ticket;
};

/** Claims the request's Idempotency-Key, if any; *replayed means the stored response was set. */
enum og_err api_idem_begin(struct api_call *call, const char *tenant_id, idem_render_fn render,
			   void *render_arg, struct api_idem *idem, bool *replayed);

/** The ticket to hand to the domain, or NULL without a key. */
const struct idem_ticket *api_idem_ticket(const struct api_idem *idem);

/** After the operation failed with err: stores a 4xx answer, or drops the claim; returns err. */
enum og_err api_idem_end(struct api_call *call, struct api_idem *idem, enum og_err err);

/** Sets the response to what render makes of result, byte for byte what a replay returns. */
enum og_err api_idem_reply(struct api_call *call, idem_render_fn render, void *render_arg,
			   const void *result);

/* ---- api_otp.c: the send path the compatibility endpoint shares ------ */

struct otp_send_input;

/** Sends for the caller's tenant (resolving in->tenant_id), honouring Idempotency-Key; answers via render. */
enum og_err api_otp_run_send(struct api_call *call, struct otp_send_input *in,
			     idem_render_fn render, void *render_arg);

/* ---- Handlers ------------------------------------------------------- */

enum og_err api_tenant_create(struct api_call *call);
enum og_err api_tenant_list(struct api_call *call);
enum og_err api_tenant_get(struct api_call *call);
enum og_err api_tenant_patch(struct api_call *call);
enum og_err api_tenant_suspend(struct api_call *call);
enum og_err api_tenant_template_create(struct api_call *call);
enum og_err api_tenant_template_list(struct api_call *call);
enum og_err api_tenant_template_delete(struct api_call *call);

enum og_err api_key_create(struct api_call *call);
enum og_err api_key_list(struct api_call *call);

/* api_audit.c */
enum og_err api_audit_list(struct api_call *call);
enum og_err api_key_revoke(struct api_call *call);
enum og_err api_key_tenant_create(struct api_call *call);
enum og_err api_key_tenant_list(struct api_call *call);
enum og_err api_key_tenant_revoke(struct api_call *call);
enum og_err api_key_rotate(struct api_call *call);        /* SEC-13 */
enum og_err api_key_tenant_rotate(struct api_call *call); /* SEC-13 */

enum og_err api_wallet_get(struct api_call *call);
enum og_err api_wallet_credit(struct api_call *call);

enum og_err api_otp_send(struct api_call *call);
enum og_err api_otp_verify(struct api_call *call);
enum og_err api_otp_resend(struct api_call *call);
enum og_err api_otp_status(struct api_call *call);

enum og_err api_message_get(struct api_call *call);
enum og_err api_message_list(struct api_call *call);
enum og_err api_message_usage(struct api_call *call);
enum og_err api_message_invoice(struct api_call *call);

enum og_err api_compat_send(struct api_call *call);
enum og_err api_compat_verify(struct api_call *call);
enum og_err api_compat_message(struct api_call *call);

enum og_err api_ops_healthz(struct api_call *call);
enum og_err api_ops_metrics(struct api_call *call);

/* ---- api_dlt.c, api_platform.c: the DLT registries (docs/DLT.md) ------ */

struct store_template;
struct store_dlt_warning;

/** A template with its DLT fields (category, headers, status, variables, warnings). */
json_t *api_dlt_template_json(const struct store_template *t);

/** Lint warnings as [{"rule","message"}]. */
json_t *api_dlt_warnings_json(const struct store_dlt_warning *w, int count);

/* The registry routes' bodies, for an owner: a tenant id, or "" for the platform. */
enum og_err api_dlt_header_create(struct api_call *call, const char *owner);
enum og_err api_dlt_header_list(struct api_call *call, const char *owner);
/** header NULL: the header named by ?header= or a JSON body. */
enum og_err api_dlt_header_delete(struct api_call *call, const char *owner, const char *header);
enum og_err api_dlt_whitelist_create(struct api_call *call, const char *owner);
enum og_err api_dlt_whitelist_list(struct api_call *call, const char *owner);
enum og_err api_dlt_whitelist_delete(struct api_call *call, const char *owner);
enum og_err api_dlt_template_create(struct api_call *call, const char *owner);
enum og_err api_dlt_template_list(struct api_call *call, const char *owner);
enum og_err api_dlt_template_delete(struct api_call *call, const char *owner, const char *name);
enum og_err api_dlt_template_import(struct api_call *call, const char *owner);

/** Adds "routes": {"own":{...},"shared":{...}} to each tenant object in tenants (by "tenant_id"). */
enum og_err api_dlt_usage_routes(struct api_call *call, const char *tenant_id, const char *from_day,
				 const char *to_day, json_t *tenants);

enum og_err api_dlt_tenant_header_create(struct api_call *call);
enum og_err api_dlt_tenant_header_list(struct api_call *call);
enum og_err api_dlt_tenant_header_delete(struct api_call *call);
enum og_err api_dlt_tenant_header_delete_one(struct api_call *call);
enum og_err api_dlt_tenant_whitelist_create(struct api_call *call);
enum og_err api_dlt_tenant_whitelist_list(struct api_call *call);
enum og_err api_dlt_tenant_whitelist_delete(struct api_call *call);
enum og_err api_dlt_tenant_template_import(struct api_call *call);

enum og_err api_platform_get(struct api_call *call);
enum og_err api_platform_patch(struct api_call *call);
enum og_err api_platform_header_create(struct api_call *call);
enum og_err api_platform_header_list(struct api_call *call);
enum og_err api_platform_header_delete(struct api_call *call);
enum og_err api_platform_header_delete_one(struct api_call *call);
enum og_err api_platform_template_create(struct api_call *call);
enum og_err api_platform_template_list(struct api_call *call);
enum og_err api_platform_template_delete(struct api_call *call);
enum og_err api_platform_template_import(struct api_call *call);
enum og_err api_platform_whitelist_create(struct api_call *call);
enum og_err api_platform_whitelist_list(struct api_call *call);
enum og_err api_platform_whitelist_delete(struct api_call *call);

/* ---- api_guard.c: abuse-defence settings, test numbers, alerts ------- */

/* The nested objects of a tenant's "limits" and "pumping" (into struct tenant_input). */
extern const struct api_json_object api_guard_limits_spec;
extern const struct api_json_object api_guard_pumping_spec;

/* The tenant fields "limits", "pumping" and "allowed_countries": an object or
 * list, or null for the deployment's settings. For create and PATCH. */
#define API_GUARD_TENANT_FIELDS                                                                	{.key = "limits", .path = "limits", .type = API_JSON_OBJECT,                           	 .flags = API_JSON_NULLABLE | API_JSON_HAS,                                            	 .has_offset = offsetof(struct tenant_input, policy.has_limits),                       	 .null_offset = offsetof(struct tenant_input, policy.limits_null),                     	 .object = &api_guard_limits_spec},                                                    	{.key = "pumping", .path = "pumping", .type = API_JSON_OBJECT,                         	 .flags = API_JSON_NULLABLE | API_JSON_HAS,                                            	 .has_offset = offsetof(struct tenant_input, policy.has_pumping),                      	 .null_offset = offsetof(struct tenant_input, policy.pumping_null),                    	 .object = &api_guard_pumping_spec},                                                   	{.key = "allowed_countries", .path = "allowed_countries", .type = API_JSON_STRINGS,    	 .flags = API_JSON_NULLABLE | API_JSON_HAS,                                            	 .offset = offsetof(struct tenant_input, policy.countries),                            	 .size = API_JSON_SIZEOF(struct tenant_input, policy.countries[0]),                    	 .elem_max = STORE_COUNTRIES_MAX,                                                      	 .count_offset = offsetof(struct tenant_input, policy.country_count),                  	 .count_size = sizeof(size_t),                                                         	 .has_offset = offsetof(struct tenant_input, policy.has_countries),                    	 .null_offset = offsetof(struct tenant_input, policy.countries_null)}

/* "billing.daily_spend_cap_paise": paise, 0 for no cap, null for the deployment's. */
#define API_GUARD_BILLING_FIELD                                                                	{.key = "daily_spend_cap_paise", .path = "billing.daily_spend_cap_paise",              	 .type = API_JSON_INT64, .flags = API_JSON_NULLABLE | API_JSON_HAS,                    	 .offset = offsetof(struct tenant_input, policy.values[STORE_POLICY_DAILY_SPEND_CAP_PAISE]), 	 .size = sizeof(int64_t),                                                              	 .has_offset = offsetof(struct tenant_input, policy.has[STORE_POLICY_DAILY_SPEND_CAP_PAISE]), 	 .null_offset = offsetof(struct tenant_input, policy.spend_cap_null)}

/** Adds the tenant's settings in force ("limits", "pumping", "allowed_countries",
 *  "billing.daily_spend_cap_paise") to its JSON; takes tenant, NULL on failure. */
json_t *api_guard_tenant_json(struct api_call *call, const char *tenant_id, json_t *tenant);

enum og_err api_guard_testnum_create(struct api_call *call);
enum og_err api_guard_testnum_list(struct api_call *call);
enum og_err api_guard_testnum_delete(struct api_call *call);
enum og_err api_guard_alert_list(struct api_call *call);
enum og_err api_guard_alert_lift(struct api_call *call);

#endif
