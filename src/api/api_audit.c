/*
 * GET /v1/audit (admin): the audit trail, newest first. Pagination follows
 * the other lists: `after` is the last id of the previous page.
 */
#include "api/api_int.h"

#include "domain/audit.h"

#include <stdlib.h>
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

enum og_err api_audit_list(struct api_call *call)
{
	const char *tenant_id = api_query(call, "tenant_id");
	struct store_audit *page = NULL;
	json_t *data = NULL;
	const char *after;
	size_t limit, n = 0;
	enum og_err rc;

	rc = api_page(call, STORE_ID_MAX, &limit, &after);
	if (rc != OG_OK)
		goto out;
	if (tenant_id && strlen(tenant_id) >= STORE_TENANT_ID_MAX) {
		rc = api_fail(call, OG_ERR_INVALID_REQUEST, "tenant_id", "tenant_id is too long");
		goto out;
	}
	page = calloc(limit, sizeof *page);
	data = json_array();
	if (!page || !data) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	rc = audit_list(call->d, call->conn, tenant_id, after, limit, page, &n);
	if (rc != OG_OK)
		goto out;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(data, api_audit_json(&page[i]));
	rc = api_reply_json(call, 200, api_page_json(data, n, limit, n ? page[n - 1].id : NULL));
	data = NULL;
out:
	json_decref(data);
	free(page);
	return rc;
}
