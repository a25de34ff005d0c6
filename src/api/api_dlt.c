/*
 * The DLT registry endpoints, for any owner: a tenant's under
 * /v1/tenants/{id}/ and the platform's under /v1/platform/ (api_platform.c)
 * share these bodies and shapes. Headers and whitelist entries are created
 * (or re-registered) with POST, listed with GET and removed with DELETE,
 * naming the entry by path, by query (?header=, ?value=) or by a JSON
 * body. Templates gain their DLT fields here; template import takes the
 * portal's CSV as text/csv, the only non-JSON body the API accepts.
 */
#include "api/api_int.h"
#include "api/api_list.h"

#include "domain/dlt.h"
#include "domain/registry.h"
#include "domain/registry_import.h"
#include "domain/template.h"
#include "domain/tenant.h"
#include "domain/usage.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define API_DLT_CSV_MEDIA "text/csv"

static const char *const api_dlt_categories[] = {
	[STORE_DLT_SERVICE_IMPLICIT] = "service_implicit", [STORE_DLT_TRANSACTIONAL] = "transactional",
	[STORE_DLT_SERVICE_EXPLICIT] = "service_explicit", [STORE_DLT_PROMOTIONAL] = "promotional",
	[STORE_DLT_GOVERNMENT] = "government",
};
static const char *const api_dlt_header_statuses[] = {[STORE_DLT_ACTIVE] = "active",
						      [STORE_DLT_INACTIVE] = "inactive"};
static const char *const api_dlt_statuses[] = {[STORE_DLT_ACTIVE] = "active",
					       [STORE_DLT_INACTIVE] = "inactive",
					       [STORE_DLT_BLACKLISTED] = "blacklisted"};
static const char *const api_dlt_kinds[] = {[STORE_DLT_WL_URL] = "url",
					    [STORE_DLT_WL_CBN] = "cbn"};

#define API_HI struct registry_header_input

static const struct api_json_field api_dlt_header_fields[] = {
	API_JSON_F("header", "header", API_JSON_STRING, API_HI, header, API_JSON_REQUIRED),
	API_JSON_F_ENUM("category", "category", API_HI, category, has_category,
			api_dlt_categories, 0),
	API_JSON_F_ENUM("status", "status", API_HI, status, has_status, api_dlt_header_statuses,
			0),
};
static const struct api_json_object api_dlt_header_spec = API_JSON_OBJECT_OF(api_dlt_header_fields);

#define API_WI struct registry_whitelist_input

/* The enum's has-flag is required by the constructor; "type" is required anyway. */
struct api_dlt_whitelist_body {
	struct registry_whitelist_input in;
	bool has_kind;
};

static const struct api_json_field api_dlt_whitelist_fields[] = {
	API_JSON_F_ENUM("type", "type", struct api_dlt_whitelist_body, in.kind, has_kind,
			api_dlt_kinds, API_JSON_REQUIRED),
	API_JSON_F("value", "value", API_JSON_STRING, struct api_dlt_whitelist_body, in.value,
		   API_JSON_REQUIRED),
};
static const struct api_json_object api_dlt_whitelist_spec =
	API_JSON_OBJECT_OF(api_dlt_whitelist_fields);

/* DELETE bodies: the entry to remove, when not in the path or query. */
struct api_dlt_delete_body {
	char header[STORE_HEADER_MAX];
	char value[STORE_DLT_VALUE_MAX];
};
static const struct api_json_field api_dlt_header_delete_fields[] = {
	API_JSON_F("header", "header", API_JSON_STRING, struct api_dlt_delete_body, header,
		   API_JSON_REQUIRED),
};
static const struct api_json_object api_dlt_header_delete_spec =
	API_JSON_OBJECT_OF(api_dlt_header_delete_fields);
static const struct api_json_field api_dlt_whitelist_delete_fields[] = {
	API_JSON_F("value", "value", API_JSON_STRING, struct api_dlt_delete_body, value,
		   API_JSON_REQUIRED),
};
static const struct api_json_object api_dlt_whitelist_delete_spec =
	API_JSON_OBJECT_OF(api_dlt_whitelist_delete_fields);

#define API_TPL struct template_input

static const struct api_json_field api_dlt_template_fields[] = {
	API_JSON_F("name", "name", API_JSON_STRING, API_TPL, name, API_JSON_REQUIRED),
	API_JSON_F("dlt_template_id", "dlt_template_id", API_JSON_STRING, API_TPL, dlt_template_id,
		   API_JSON_REQUIRED),
	API_JSON_F("body", "body", API_JSON_STRING, API_TPL, body, API_JSON_REQUIRED),
	API_JSON_F_STRINGS("vars", "vars", API_TPL, vars, var_count, 0),
	API_JSON_F("default", "default", API_JSON_BOOL, API_TPL, is_default, 0),
	API_JSON_F_ENUM("category", "category", API_TPL, category, has_category,
			api_dlt_categories, 0),
	API_JSON_F_ENUM("status", "status", API_TPL, status, has_status, api_dlt_statuses, 0),
	{.key = "headers", .path = "headers", .type = API_JSON_STRINGS, .flags = API_JSON_HAS,
	 .offset = offsetof(API_TPL, headers), .size = API_JSON_SIZEOF(API_TPL, headers[0]),
	 .elem_max = STORE_DLT_HEADERS_MAX, .count_offset = offsetof(API_TPL, header_count),
	 .count_size = sizeof(int), .has_offset = offsetof(API_TPL, has_headers)},
	API_JSON_F_INTS("var_max_len", "var_max_len", API_TPL, var_max_len, var_max_len_count, 0),
};
static const struct api_json_object api_dlt_template_spec =
	API_JSON_OBJECT_OF(api_dlt_template_fields);

/* ---- Rendering ------------------------------------------------------- */

static json_t *api_dlt_header_json(const struct store_dlt_header *h)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "header", h->header, "category",
			 dlt_category_name(h->category), "status", dlt_status_name(h->status),
			 "pe_id", h->pe_id, "created_at", api_json_time(h->created_at_ms),
			 "updated_at", api_json_time(h->updated_at_ms));
}

static json_t *api_dlt_whitelist_json(const struct store_dlt_whitelist *w)
{
	return json_pack("{s:s, s:s, s:o}", "type", dlt_whitelist_kind_name(w->kind), "value",
			 w->value, "created_at", api_json_time(w->created_at_ms));
}

json_t *api_dlt_warnings_json(const struct store_dlt_warning *w, int count)
{
	json_t *arr = json_array();

	for (int i = 0; arr && i < count; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s}", "rule", w[i].rule, "message",
						     w[i].message));
	return arr;
}

json_t *api_dlt_template_json(const struct store_template *t)
{
	json_t *vars = json_array(), *headers = json_array(), *variables = json_array();
	struct dlt_parsed p;
	bool parsed = dlt_parse(t->body, &p, NULL) && p.var_count == (size_t)t->var_count;

	for (int i = 0; vars && i < t->var_count && i < STORE_TEMPLATE_VARS_MAX; i++)
		json_array_append_new(vars, json_string(t->vars[i]));
	for (int i = 0; headers && i < t->header_count && i < STORE_DLT_HEADERS_MAX; i++)
		json_array_append_new(headers, json_string(t->headers[i]));
	for (int i = 0; variables && i < t->var_count && i < STORE_TEMPLATE_VARS_MAX; i++)
		json_array_append_new(variables,
				      json_pack("{s:s, s:s, s:i}", "name", t->vars[i], "tag",
						parsed ? dlt_tag_name(p.vars[i].tag) : "var",
						"max_len",
						t->var_max_len[i] > 0 ? t->var_max_len[i]
								      : DLT_VAR_MAX_LEN_DEFAULT));
	return json_pack("{s:s, s:s, s:s, s:o, s:b, s:o, s:s, s:s, s:o, s:o, s:o}", "name",
			 t->name, "dlt_template_id", t->dlt_template_id, "body", t->body, "vars",
			 vars, "default", t->is_default, "created_at",
			 api_json_time(t->created_at_ms), "category",
			 dlt_category_name(t->category), "status", dlt_status_name(t->status),
			 "headers", headers, "variables", variables, "warnings",
			 api_dlt_warnings_json(t->warnings, t->warning_count));
}

/* ---- Headers --------------------------------------------------------- */

enum og_err api_dlt_header_create(struct api_call *call, const char *owner)
{
	struct registry_header_input in = {0};
	struct store_dlt_header h;
	bool created = false;
	enum og_err rc;

	rc = api_body(call, &api_dlt_header_spec, &in, false);
	if (rc != OG_OK)
		return rc;
	rc = registry_header_put(call->d, call->conn, &call->actor, owner, &in, &h, &created,
				 &call->det);
	if (rc != OG_OK)
		return rc;
	return api_reply_json(call, created ? 201 : 200, api_dlt_header_json(&h));
}

/* A page of headers; arg is the owner (a tenant id, or the platform). */
static enum og_err api_dlt_header_fetch(struct api_call *call, const void *arg, const char *after,
				        size_t limit, void *rows, size_t *n)
{
	return registry_header_list(call->d, call->conn, arg, after, limit, rows, n);
}

static json_t *api_dlt_header_row_json(struct api_call *call, const void *row)
{
	(void)call;
	return api_dlt_header_json(row);
}

static const struct api_list_spec api_dlt_header_list_spec = {
	API_LIST_ROW(struct store_dlt_header, header),
	.fetch = api_dlt_header_fetch,
	.render = api_dlt_header_row_json,
};

enum og_err api_dlt_header_list(struct api_call *call, const char *owner)
{
	return api_list_reply(call, &api_dlt_header_list_spec, owner);
}

/* The entry a DELETE names: the path parameter, else ?query=, else the
 * JSON body's member of that name. */
static enum og_err api_dlt_delete_target(struct api_call *call, const char *path_param,
					 const char *query, const struct api_json_object *spec,
					 struct api_dlt_delete_body *body, const char **out)
{
	const char *q = api_query(call, query);
	enum og_err rc;

	if (path_param) {
		*out = path_param;
		return OG_OK;
	}
	if (q) {
		*out = q;
		return OG_OK;
	}
	if (call->req->body_len == 0)
		return api_fail(call, OG_ERR_INVALID_REQUEST, query,
				"name the entry: ?%s=, or a JSON body {\"%s\":...}", query, query);
	rc = api_body(call, spec, body, false);
	if (rc == OG_OK)
		*out = strcmp(query, "header") == 0 ? body->header : body->value;
	return rc;
}

enum og_err api_dlt_header_delete(struct api_call *call, const char *owner, const char *header)
{
	struct api_dlt_delete_body body = {0};
	const char *name = NULL;
	enum og_err rc;

	rc = api_dlt_delete_target(call, header, "header", &api_dlt_header_delete_spec, &body,
				   &name);
	if (rc != OG_OK)
		return rc;
	rc = registry_header_delete(call->d, call->conn, &call->actor, owner, name);
	if (rc == OG_ERR_NOT_FOUND)
		return api_fail(call, rc, "header", "no header %.12s is registered", name);
	if (rc != OG_OK)
		return rc;
	return api_reply_empty(call, 204);
}

/* ---- Whitelist ------------------------------------------------------- */

enum og_err api_dlt_whitelist_create(struct api_call *call, const char *owner)
{
	struct api_dlt_whitelist_body body;
	struct store_dlt_whitelist w;
	bool created = false;
	enum og_err rc;

	memset(&body, 0, sizeof body);
	rc = api_body(call, &api_dlt_whitelist_spec, &body, false);
	if (rc != OG_OK)
		return rc;
	rc = registry_whitelist_add(call->d, call->conn, &call->actor, owner, &body.in, &w,
				    &created, &call->det);
	if (rc != OG_OK)
		return rc;
	return api_reply_json(call, created ? 201 : 200, api_dlt_whitelist_json(&w));
}

/* A page of whitelist entries; arg is the owner (a tenant id, or the platform). */
static enum og_err api_dlt_whitelist_fetch(struct api_call *call, const void *arg,
					   const char *after, size_t limit, void *rows, size_t *n)
{
	return registry_whitelist_list(call->d, call->conn, arg, after, limit, rows, n);
}

static json_t *api_dlt_whitelist_row_json(struct api_call *call, const void *row)
{
	(void)call;
	return api_dlt_whitelist_json(row);
}

static const struct api_list_spec api_dlt_whitelist_list_spec = {
	API_LIST_ROW(struct store_dlt_whitelist, value),
	.fetch = api_dlt_whitelist_fetch,
	.render = api_dlt_whitelist_row_json,
};

enum og_err api_dlt_whitelist_list(struct api_call *call, const char *owner)
{
	return api_list_reply(call, &api_dlt_whitelist_list_spec, owner);
}

enum og_err api_dlt_whitelist_delete(struct api_call *call, const char *owner)
{
	struct api_dlt_delete_body body = {0};
	const char *value = NULL;
	enum og_err rc;

	rc = api_dlt_delete_target(call, NULL, "value", &api_dlt_whitelist_delete_spec, &body,
				   &value);
	if (rc != OG_OK)
		return rc;
	rc = registry_whitelist_delete(call->d, call->conn, &call->actor, owner, value);
	if (rc == OG_ERR_NOT_FOUND)
		return api_fail(call, rc, "value", "that value is not whitelisted");
	if (rc != OG_OK)
		return rc;
	return api_reply_empty(call, 204);
}

/* ---- Templates ------------------------------------------------------- */

enum og_err api_dlt_template_create(struct api_call *call, const char *owner)
{
	struct template_input *in = NULL;
	struct store_template *out = NULL;
	enum og_err rc;

	in = calloc(1, sizeof *in);
	out = calloc(1, sizeof *out);
	if (!in || !out) {
		rc = OG_ERR_NOMEM;
		goto done;
	}
	rc = api_body(call, &api_dlt_template_spec, in, false);
	if (rc == OG_OK)
		rc = template_register(call->d, call->conn, &call->actor, owner, in, out,
				       &call->det);
	if (rc == OG_OK)
		rc = api_reply_json(call, 201, api_dlt_template_json(out));
done:
	free(out);
	free(in);
	return rc;
}

/* A page of templates; arg is the owner (a tenant id, or the platform). */
static enum og_err api_dlt_template_fetch(struct api_call *call, const void *arg,
					  const char *after, size_t limit, void *rows, size_t *n)
{
	return template_list(call->d, call->conn, arg, after, limit, rows, n);
}

static json_t *api_dlt_template_row_json(struct api_call *call, const void *row)
{
	(void)call;
	return api_dlt_template_json(row);
}

static const struct api_list_spec api_dlt_template_list_spec = {
	API_LIST_ROW(struct store_template, name),
	.fetch = api_dlt_template_fetch,
	.render = api_dlt_template_row_json,
};

enum og_err api_dlt_template_list(struct api_call *call, const char *owner)
{
	return api_list_reply(call, &api_dlt_template_list_spec, owner);
}

enum og_err api_dlt_template_delete(struct api_call *call, const char *owner, const char *name)
{
	enum og_err rc = template_delete(call->d, call->conn, &call->actor, owner, name);

	if (rc != OG_OK)
		return rc;
	return api_reply_empty(call, 204);
}

/* One imported row as the report shows it. */
static enum og_err api_dlt_import_row(void *arg, const struct registry_import_row *r)
{
	json_t *rows = arg, *obj;

	if (r->ok) {
		obj = json_pack("{s:I, s:s, s:s, s:s, s:o}", "line", (json_int_t)r->line, "status",
				r->replaced ? "replaced" : "imported", "name", r->name,
				"dlt_template_id", r->dlt_template_id, "warnings",
				api_dlt_warnings_json(r->warnings, r->warning_count));
	} else {
		json_t *err = json_pack("{s:s, s:s}", "code", og_err_code(r->err), "message",
					r->det.message[0] ? r->det.message
							  : og_err_strerror(r->err));
		if (err && r->det.field)
			json_object_set_new(err, "field", json_string(r->det.field));
		if (err && r->det.rule)
			json_object_set_new(err, "rule", json_string(r->det.rule));
		obj = json_pack("{s:I, s:s, s:o}", "line", (json_int_t)r->line, "status", "failed",
				"error", err);
		if (obj && r->name[0])
			json_object_set_new(obj, "name", json_string(r->name));
	}
	return obj && json_array_append_new(rows, obj) == 0 ? OG_OK : OG_ERR_NOMEM;
}

/* True if a Content-Type names CSV, optionally with parameters. */
static bool api_dlt_csv_type(const char *type)
{
	size_t n = sizeof API_DLT_CSV_MEDIA - 1;

	if (!type)
		return false;
	while (*type == ' ' || *type == '\t')
		type++;
	return strncasecmp(type, API_DLT_CSV_MEDIA, n) == 0 &&
	       (type[n] == '\0' || type[n] == ';' || type[n] == ' ' || type[n] == '\t');
}

enum og_err api_dlt_template_import(struct api_call *call, const char *owner)
{
	struct registry_import_totals totals;
	json_t *rows = NULL;
	enum og_err rc;

	if (!api_dlt_csv_type(httpd_request_header(call->req, "Content-Type")))
		return api_fail(call, OG_ERR_UNSUPPORTED_MEDIA, NULL,
				"the body must be the portal's CSV export, sent as text/csv");
	if (call->req->body_len == 0)
		return api_fail(call, OG_ERR_INVALID_REQUEST, "csv", "the CSV is empty");
	rows = json_array();
	if (!rows)
		return OG_ERR_NOMEM;
	rc = registry_import_csv(call->d, call->conn, &call->actor, owner, call->req->body,
				 call->req->body_len, api_dlt_import_row, rows, &totals, &call->det);
	if (rc == OG_OK) {
		rc = api_reply_json(call, 200,
				    json_pack("{s:I, s:I, s:o}", "imported",
					      (json_int_t)totals.imported, "failed",
					      (json_int_t)totals.failed, "rows", rows));
		rows = NULL;
	}
	json_decref(rows);
	return rc;
}

/* ---- The tenant routes ----------------------------------------------- */

/* Every tenant route first checks that the tenant exists (404 otherwise). */
static enum og_err api_dlt_tenant(struct api_call *call, struct store_tenant *t)
{
	return tenant_get(call->d, call->conn, call->params[0], t);
}

#define API_DLT_TENANT_ROUTE(fn, body)                                                          \
	enum og_err fn(struct api_call *call)                                                   \
	{                                                                                       \
		struct store_tenant t;                                                          \
		enum og_err rc = api_dlt_tenant(call, &t);                                      \
		if (rc != OG_OK)                                                                \
			return rc;                                                              \
		return body;                                                                    \
	}

API_DLT_TENANT_ROUTE(api_dlt_tenant_header_create, api_dlt_header_create(call, t.id))
API_DLT_TENANT_ROUTE(api_dlt_tenant_header_list, api_dlt_header_list(call, t.id))
API_DLT_TENANT_ROUTE(api_dlt_tenant_header_delete, api_dlt_header_delete(call, t.id, NULL))
API_DLT_TENANT_ROUTE(api_dlt_tenant_header_delete_one,
		     api_dlt_header_delete(call, t.id, call->params[1]))
API_DLT_TENANT_ROUTE(api_dlt_tenant_whitelist_create, api_dlt_whitelist_create(call, t.id))
API_DLT_TENANT_ROUTE(api_dlt_tenant_whitelist_list, api_dlt_whitelist_list(call, t.id))
API_DLT_TENANT_ROUTE(api_dlt_tenant_whitelist_delete, api_dlt_whitelist_delete(call, t.id))
API_DLT_TENANT_ROUTE(api_dlt_tenant_template_import, api_dlt_template_import(call, t.id))

/* ---- Usage and invoices by route ------------------------------------- */

/* Walks the tenant objects (ordered by tenant_id, as the route rows are). */
struct api_dlt_routes_walk {
	json_t *tenants;
	size_t at;
};

static enum og_err api_dlt_route_add(void *arg, const struct store_usage_route_row *row)
{
	struct api_dlt_routes_walk *w = arg;
	size_t n = json_array_size(w->tenants);

	while (w->at < n) {
		json_t *t = json_array_get(w->tenants, w->at);
		const char *id = json_string_value(json_object_get(t, "tenant_id"));
		int cmp = id ? strcmp(id, row->tenant_id) : -1;
		if (cmp > 0)
			return OG_OK; /* a tenant the report does not list */
		if (cmp == 0) {
			json_t *entry = json_pack("{s:I, s:I}", "total_sms",
						  (json_int_t)row->total_sms, "total_cost_paise",
						  (json_int_t)row->total_cost_paise);
			if (!entry || json_object_set_new(json_object_get(t, "routes"),
							  dlt_route_name(row->route), entry) != 0)
				return OG_ERR_NOMEM;
			return OG_OK;
		}
		w->at++;
	}
	return OG_OK;
}

enum og_err api_dlt_usage_routes(struct api_call *call, const char *tenant_id, const char *from_day,
				 const char *to_day, json_t *tenants)
{
	struct api_dlt_routes_walk w = {.tenants = tenants, .at = 0};
	size_t i;
	json_t *t;

	json_array_foreach(tenants, i, t)
		if (json_object_set_new(t, "routes", json_object()) != 0)
			return OG_ERR_NOMEM;
	return usage_route_range(call->d, call->conn, tenant_id, from_day, to_day,
				 api_dlt_route_add, &w);
}
