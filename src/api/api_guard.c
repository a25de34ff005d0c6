/*
 * The abuse-defence surface of the API (docs/SECURITY.md §8): the field
 * specs of a tenant's "limits" and "pumping" objects, the rendering of a
 * tenant's settings in force, test numbers (POST, GET, DELETE
 * /v1/tenants/{id}/test-numbers) and pumping alerts (GET
 * /v1/tenants/{id}/alerts, and DELETE .../alerts/{alert_id} to lift one).
 * A test number is shown masked and its code never.
 */
#include "api/api_int.h"
#include "api/api_list.h"

#include "domain/pumping.h"
#include "domain/template.h"
#include "domain/tenant.h"
#include "domain/testnum.h"

#include <sodium.h>
#include <string.h>

#define API_GUARD_TI struct tenant_input
#define API_GUARD_PREFIX_SHOWN_MAX (STORE_PREFIX_MAX + 4) /* the prefix and "XXXX" */

/* One integer setting of the tenant's policy. */
#define API_GUARD_SETTING(k, p, i)                                                             \
	{.key = (k), .path = (p), .type = API_JSON_INT64, .flags = API_JSON_HAS,               \
	 .offset = offsetof(API_GUARD_TI, policy.values[i]), .size = sizeof(int64_t),          \
	 .has_offset = offsetof(API_GUARD_TI, policy.has[i])}

static const struct api_json_field api_guard_per_phone_fields[] = {
	API_GUARD_SETTING("count", "limits.per_phone.count", STORE_POLICY_PER_PHONE_COUNT),
	API_GUARD_SETTING("window_sec", "limits.per_phone.window_sec",
			  STORE_POLICY_PER_PHONE_WINDOW_SEC),
};
static const struct api_json_object api_guard_per_phone =
	API_JSON_OBJECT_OF(api_guard_per_phone_fields);

static const struct api_json_field api_guard_per_prefix_fields[] = {
	API_GUARD_SETTING("count", "limits.per_prefix.count", STORE_POLICY_PER_PREFIX_COUNT),
	API_GUARD_SETTING("window_sec", "limits.per_prefix.window_sec",
			  STORE_POLICY_PER_PREFIX_WINDOW_SEC),
};
static const struct api_json_object api_guard_per_prefix =
	API_JSON_OBJECT_OF(api_guard_per_prefix_fields);

static const struct api_json_field api_guard_per_ip_fields[] = {
	API_GUARD_SETTING("count", "limits.per_ip.count", STORE_POLICY_PER_IP_COUNT),
	API_GUARD_SETTING("window_sec", "limits.per_ip.window_sec", STORE_POLICY_PER_IP_WINDOW_SEC),
};
static const struct api_json_object api_guard_per_ip = API_JSON_OBJECT_OF(api_guard_per_ip_fields);

static const struct api_json_field api_guard_limits_fields[] = {
	API_JSON_F_OBJECT("per_phone", "limits.per_phone", &api_guard_per_phone, 0),
	API_JSON_F_OBJECT("per_prefix", "limits.per_prefix", &api_guard_per_prefix, 0),
	API_JSON_F_OBJECT("per_ip", "limits.per_ip", &api_guard_per_ip, 0),
	API_GUARD_SETTING("tenant_rps", "limits.tenant_rps", STORE_POLICY_TENANT_RPS),
	API_GUARD_SETTING("tenant_daily", "limits.tenant_daily", STORE_POLICY_TENANT_DAILY),
	API_GUARD_SETTING("verify_failures_per_phone", "limits.verify_failures_per_phone",
			  STORE_POLICY_VERIFY_FAILURES),
	API_GUARD_SETTING("verify_lock_sec", "limits.verify_lock_sec",
			  STORE_POLICY_VERIFY_LOCK_SEC),
	{.key = "test_numbers_exempt", .path = "limits.test_numbers_exempt",
	 .type = API_JSON_BOOL, .flags = API_JSON_HAS,
	 .offset = offsetof(API_GUARD_TI, policy.test_numbers_exempt), .size = sizeof(bool),
	 .has_offset = offsetof(API_GUARD_TI, policy.has[STORE_POLICY_TEST_NUMBERS_EXEMPT])},
};
const struct api_json_object api_guard_limits_spec = API_JSON_OBJECT_OF(api_guard_limits_fields);

static const struct api_json_field api_guard_pumping_fields[] = {
	API_GUARD_SETTING("window_sec", "pumping.window_sec", STORE_POLICY_PUMPING_WINDOW_SEC),
	API_GUARD_SETTING("min_sends", "pumping.min_sends", STORE_POLICY_PUMPING_MIN_SENDS),
	API_GUARD_SETTING("min_conversion_pct", "pumping.min_conversion_pct",
			  STORE_POLICY_PUMPING_MIN_CONVERSION_PCT),
	API_GUARD_SETTING("grace_sec", "pumping.grace_sec", STORE_POLICY_PUMPING_GRACE_SEC),
};
const struct api_json_object api_guard_pumping_spec = API_JSON_OBJECT_OF(api_guard_pumping_fields);

struct api_guard_testnum_input {
	char phone[PHONE_MAX + 8]; /* room to see that it is too long */
	char code[RND_CODE_LEN_MAX + 8];
};

static const struct api_json_field api_guard_testnum_fields[] = {
	{.key = "phone", .path = "phone", .type = API_JSON_STRING, .flags = API_JSON_REQUIRED,
	 .offset = offsetof(struct api_guard_testnum_input, phone),
	 .size = API_JSON_SIZEOF(struct api_guard_testnum_input, phone),
	 .too_long = OG_ERR_INVALID_PHONE},
	API_JSON_F("code", "code", API_JSON_STRING, struct api_guard_testnum_input, code,
		   API_JSON_REQUIRED),
};
static const struct api_json_object api_guard_testnum_spec =
	API_JSON_OBJECT_OF(api_guard_testnum_fields);

/* ---- A tenant's settings in force ----------------------------------- */

/* Sets value at a dotted path under root, creating the objects on the way. */
static bool api_guard_set_path(json_t *root, const char *path, json_t *value)
{
	char key[POLICY_PATH_MAX];
	json_t *at = root;
	const char *p = path;

	for (;;) {
		size_t len = strcspn(p, ".");
		if (len == 0 || len >= sizeof key)
			break;
		memcpy(key, p, len);
		key[len] = '\0';
		if (p[len] == '\0')
			return json_object_set_new(at, key, value) == 0;
		json_t *next = json_object_get(at, key);
		if (!json_is_object(next)) {
			next = json_object();
			if (!next || json_object_set_new(at, key, next) != 0)
				break;
		}
		at = next;
		p += len + 1;
	}
	json_decref(value);
	return false;
}

json_t *api_guard_tenant_json(struct api_call *call, const char *tenant_id, json_t *tenant)
{
	struct policy p;
	json_t *countries;

	if (!tenant || policy_resolve(call->d, call->conn, tenant_id, &p) != OG_OK)
		goto fail;
	for (int i = 0; i < STORE_POLICY__COUNT; i++) {
		const struct policy_setting *s = policy_setting(i);
		json_t *v = s->is_bool ? json_boolean(p.values[i] != 0)
				       : json_integer((json_int_t)p.values[i]);
		if (!api_guard_set_path(tenant, s->path, v))
			goto fail;
	}
	countries = json_array();
	for (size_t i = 0; countries && i < p.country_count && i < STORE_COUNTRIES_MAX; i++)
		json_array_append_new(countries, json_string(p.countries[i]));
	if (!countries || json_object_set_new(tenant, "allowed_countries", countries) != 0)
		goto fail;
	return tenant;
fail:
	json_decref(tenant);
	return NULL;
}

/* ---- Test numbers ------------------------------------------------------ */

static json_t *api_guard_testnum_json(const struct store_test_number *t)
{
	return json_pack("{s:s, s:s, s:o}", "id", t->id, "phone", t->phone_masked, "created_at",
			 api_json_time(t->created_at_ms));
}

enum og_err api_guard_testnum_create(struct api_call *call)
{
	struct api_guard_testnum_input in = {0};
	struct store_test_number out;
	enum og_err rc;

	rc = api_body(call, &api_guard_testnum_spec, &in, false);
	if (rc == OG_OK)
		rc = testnum_add(call->d, call->conn, &call->actor, call->params[0], in.phone,
				 in.code, &out, &call->det);
	sodium_memzero(&in, sizeof in);
	if (rc != OG_OK)
		return rc;
	return api_reply_json(call, 201, api_guard_testnum_json(&out));
}

/* A page of test numbers; arg is the tenant id. */
static enum og_err api_guard_testnum_fetch(struct api_call *call, const void *arg,
					   const char *after, size_t limit, void *rows, size_t *n)
{
	return testnum_list(call->d, call->conn, arg, after, limit, rows, n);
}

static json_t *api_guard_testnum_row_json(struct api_call *call, const void *row)
{
	(void)call;
	return api_guard_testnum_json(row);
}

static const struct api_list_spec api_guard_testnum_list_spec = {
	API_LIST_ROW(struct store_test_number, id),
	.fetch = api_guard_testnum_fetch,
	.render = api_guard_testnum_row_json,
};

enum og_err api_guard_testnum_list(struct api_call *call)
{
	struct store_tenant t;
	enum og_err rc = tenant_get(call->d, call->conn, call->params[0], &t);

	if (rc != OG_OK)
		return rc;
	return api_list_reply(call, &api_guard_testnum_list_spec, t.id);
}

enum og_err api_guard_testnum_delete(struct api_call *call)
{
	enum og_err rc = testnum_remove(call->d, call->conn, &call->actor, call->params[0],
					call->params[1]);

	if (rc == OG_ERR_NOT_FOUND)
		return api_fail(call, rc, NULL, "no such test number");
	if (rc != OG_OK)
		return rc;
	return api_reply_empty(call, 204);
}

/* ---- Alerts ------------------------------------------------------------ */

static json_t *api_guard_alert_json(const struct store_alert *a)
{
	char prefix[API_GUARD_PREFIX_SHOWN_MAX];
	int64_t pct = a->sent > 0 ? a->verified * 100 / a->sent : 0;

	/* The prefix is shown as the block it names: the number with its
	 * last four digits unknown. */
	memcpy(prefix, a->prefix, strnlen(a->prefix, STORE_PREFIX_MAX - 1));
	memcpy(prefix + strnlen(a->prefix, STORE_PREFIX_MAX - 1), "XXXX", 5);
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "id", a->id,
			 "kind", "prefix_blocked", "status", a->lifted_at_ms ? "lifted" : "active",
			 "prefix", prefix, "sent", (json_int_t)a->sent, "verified",
			 (json_int_t)a->verified, "conversion_pct", (json_int_t)pct, "window_sec",
			 (json_int_t)a->window_sec, "created_at", api_json_time(a->created_at_ms),
			 "lifted_at", api_json_time(a->lifted_at_ms), "lifted_by",
			 api_json_text(a->lifted_by));
}

/* A page of pumping alerts; arg is the tenant id. */
static enum og_err api_guard_alert_fetch(struct api_call *call, const void *arg, const char *after,
					 size_t limit, void *rows, size_t *n)
{
	return pumping_alert_list(call->d, call->conn, arg, after, limit, rows, n);
}

static json_t *api_guard_alert_row_json(struct api_call *call, const void *row)
{
	(void)call;
	return api_guard_alert_json(row);
}

static const struct api_list_spec api_guard_alert_list_spec = {
	API_LIST_ROW(struct store_alert, id),
	.fetch = api_guard_alert_fetch,
	.render = api_guard_alert_row_json,
};

enum og_err api_guard_alert_list(struct api_call *call)
{
	struct store_tenant t;
	enum og_err rc = tenant_get(call->d, call->conn, call->params[0], &t);

	if (rc != OG_OK)
		return rc;
	return api_list_reply(call, &api_guard_alert_list_spec, t.id);
}

enum og_err api_guard_alert_lift(struct api_call *call)
{
	struct store_tenant t;
	struct store_alert a;
	enum og_err rc;

	rc = tenant_get(call->d, call->conn, call->params[0], &t);
	if (rc == OG_OK)
		rc = pumping_alert_lift(call->d, call->conn, &call->actor, t.id, call->params[1], &a,
					&call->det);
	if (rc != OG_OK)
		return rc;
	return api_reply_json(call, 200, api_guard_alert_json(&a));
}
