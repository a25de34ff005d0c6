/*
 * GET /v1/audit (admin): the audit trail, newest first. Pagination follows
 * the other lists: `after` is the last id of the previous page.
 */
#include "api/api_int.h"
#include "api/api_list.h"

#include "domain/audit.h"

#include <string.h>

static json_t *api_audit_json(const struct store_audit *a)
{
	json_t *detail = json_loads(a->detail, 0, NULL);
	return json_pack("{s:s, s:s?, s:{s:s, s:s?, s:s?}, s:s, s:s, s:o, s:o}", "id", a->id,
			 "tenant_id", a->tenant_id[0] ? a->tenant_id : NULL, "actor", "kind",
			 audit_actor_kind_name(a->actor_kind), "key_id",
			 a->actor_key_id[0] ? a->actor_key_id : NULL, "ip",
			 a->actor_ip[0] ? a->actor_ip : NULL, "action", a->action, "target",
			 a->target_id, "detail", detail ? detail : json_object(), "created_at",
			 api_json_time(a->created_at_ms));
}

/* A page of the trail; arg is the ?tenant_id= filter, or NULL for all. */
static enum og_err api_audit_fetch(struct api_call *call, const void *arg, const char *after,
				   size_t limit, void *rows, size_t *n)
{
	const char *tenant_id = arg;

	if (tenant_id && strlen(tenant_id) >= STORE_TENANT_ID_MAX)
		return api_fail(call, OG_ERR_INVALID_REQUEST, "tenant_id", "tenant_id is too long");
	return audit_list(call->d, call->conn, tenant_id, after, limit, rows, n);
}

static json_t *api_audit_row_json(struct api_call *call, const void *row)
{
	(void)call;
	return api_audit_json(row);
}

static const struct api_list_spec api_audit_list_spec = {
	API_LIST_ROW(struct store_audit, id),
	.fetch = api_audit_fetch,
	.render = api_audit_row_json,
};

enum og_err api_audit_list(struct api_call *call)
{
	return api_list_reply(call, &api_audit_list_spec, api_query(call, "tenant_id"));
}
