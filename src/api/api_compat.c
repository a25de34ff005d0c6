/*
 * Drop-in compatibility with the StartMessaging-style gateway the seed's
 * client code calls (DOMAIN.md §2): POST /otp/send, POST /otp/verify and
 * GET /messages/{id}, with a tenant key in X-API-Key. Requests use the
 * gateway's field names (both published spellings on verify), successes
 * the gateway's envelope {"success":true,"statusCode","requestId",
 * "timestamp","data"}, and errors {"success":false,"message"} (api.c).
 * Unlike the native API, a client may choose the code with variables.otp.
 */
#include "api/api_int.h"

#include "base/clock.h"
#include "domain/message.h"
#include "domain/otp.h"

#include <stdlib.h>
#include <string.h>

#define API_COMPAT_SEND struct otp_send_input
#define API_COMPAT_VERIFY struct otp_verify_input

static const struct api_json_field api_compat_send_fields[] = {
	{.key = "phoneNumber", .path = "phoneNumber", .type = API_JSON_STRING,
	 .flags = API_JSON_REQUIRED, .offset = offsetof(API_COMPAT_SEND, phone),
	 .size = API_JSON_SIZEOF(API_COMPAT_SEND, phone), .too_long = OG_ERR_INVALID_PHONE},
	API_JSON_F("templateId", "templateId", API_JSON_STRING, API_COMPAT_SEND, template_ref, 0),
	API_JSON_F_MAP("variables", "variables", API_COMPAT_SEND, vars, var_count,
		       struct otp_variable, name, value, 0),
};
static const struct api_json_object api_compat_send_spec =
	API_JSON_OBJECT_OF(api_compat_send_fields);

/* The two published versions of the gateway's docs name these differently;
 * each spelling lands in the same field. */
static const struct api_json_field api_compat_verify_fields[] = {
	API_JSON_F("requestId", "requestId", API_JSON_STRING, API_COMPAT_VERIFY, request_id, 0),
	API_JSON_F("otpRequestId", "otpRequestId", API_JSON_STRING, API_COMPAT_VERIFY, request_id,
		   0),
	API_JSON_F("otpCode", "otpCode", API_JSON_STRING, API_COMPAT_VERIFY, code, 0),
	API_JSON_F("otp", "otp", API_JSON_STRING, API_COMPAT_VERIFY, code, 0),
};
static const struct api_json_object api_compat_verify_spec =
	API_JSON_OBJECT_OF(api_compat_verify_fields);

/* The envelope's per-request id and time, fixed before the operation so the
 * idempotency renderer produces the same bytes each time it runs. */
struct api_compat_envelope {
	char request_id[RND_ID_MAX];
	char timestamp[CLOCK_ISO_MAX];
};

static void api_compat_envelope_init(const struct api_call *call, struct api_compat_envelope *e)
{
	int64_t now = domain_now_ms(call->d);

	rnd_id("call", now, e->request_id); /* not "req": that prefix names OTP requests */
	clock_format_iso(now, e->timestamp);
}

static json_t *api_compat_wrap(const struct api_compat_envelope *e, int status, json_t *data)
{
	return json_pack("{s:b, s:i, s:s, s:s, s:o}", "success", 1, "statusCode", status,
			 "requestId", e->request_id, "timestamp", e->timestamp, "data", data);
}

/* The gateway has no "sending"; a message being sent is still queued to it. */
static const char *api_compat_status(int status)
{
	return status == STORE_MSG_SENDING ? "queued" : message_status_name(status);
}

static int api_compat_render_send(void *arg, const void *result, char *body, size_t body_max)
{
	const struct otp_send_result *r = result;
	json_t *data = json_pack("{s:s, s:s, s:s}", "otpRequestId", r->request_id, "messageId",
				 r->message_id, "status", "queued");

	return api_render_into(api_compat_wrap(arg, 201, data), 201, body, body_max);
}

static bool api_compat_code_valid(const char *code)
{
	size_t len = strlen(code);

	if (len < RND_CODE_LEN_MIN || len > RND_CODE_LEN_MAX)
		return false;
	return strspn(code, "0123456789") == len;
}

/* Moves variables.otp, if given, out of the variables and into the code. */
static enum og_err api_compat_take_code(struct api_call *call, struct otp_send_input *in)
{
	for (size_t i = 0; i < in->var_count; i++) {
		if (strcmp(in->vars[i].name, TEMPLATE_VAR_OTP) != 0)
			continue;
		if (!api_compat_code_valid(in->vars[i].value))
			return api_fail(call, OG_ERR_INVALID_REQUEST, "variables.otp",
					"variables.otp must be %d to %d digits", RND_CODE_LEN_MIN,
					RND_CODE_LEN_MAX);
		in->has_code = true;
		memcpy(in->code, in->vars[i].value, strlen(in->vars[i].value) + 1);
		memmove(&in->vars[i], &in->vars[i + 1], (in->var_count - i - 1) * sizeof in->vars[0]);
		in->var_count--;
		return OG_OK;
	}
	return OG_OK;
}

enum og_err api_compat_send(struct api_call *call)
{
	struct otp_send_input in = {0};
	struct api_compat_envelope env;
	enum og_err rc;

	rc = api_body(call, &api_compat_send_spec, &in, false);
	if (rc != OG_OK)
		return rc;
	rc = api_compat_take_code(call, &in);
	if (rc != OG_OK)
		return rc;
	api_compat_envelope_init(call, &env);
	return api_otp_run_send(call, &in, api_compat_render_send, &env);
}

enum og_err api_compat_verify(struct api_call *call)
{
	struct otp_verify_input in = {0};
	struct otp_verify_result out;
	struct api_compat_envelope env;
	json_t *data;
	enum og_err rc;

	rc = api_body(call, &api_compat_verify_spec, &in, false);
	if (rc != OG_OK)
		return rc;
	if (!in.request_id[0])
		return api_fail(call, OG_ERR_INVALID_REQUEST, "requestId",
				"requestId (or otpRequestId) is required");
	if (!in.code[0])
		return api_fail(call, OG_ERR_INVALID_REQUEST, "otpCode",
				"otpCode (or otp) is required");
	memcpy(in.tenant_id, call->who.tenant_id, sizeof in.tenant_id);
	rc = otp_verify(call->d, call->conn, &in, &out, &call->det);
	if (rc != OG_OK)
		return rc;
	api_compat_envelope_init(call, &env);
	data = json_pack("{s:s, s:b, s:s, s:i}", "otpRequestId", out.request_id, "verified",
			 out.verified, "status", otp_status_name(out.status), "attemptsLeft",
			 out.attempts_left);
	return api_reply_json(call, 200, api_compat_wrap(&env, 200, data));
}

enum og_err api_compat_message(struct api_call *call)
{
	struct store_message *m = NULL;
	struct api_compat_envelope env;
	json_t *data;
	enum og_err rc;

	m = malloc(sizeof *m); /* a message carries its sealed payload: ~4 KiB */
	if (!m) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	rc = message_get(call->d, call->conn, call->who.tenant_id, call->params[0], m);
	if (rc != OG_OK)
		goto out;
	api_compat_envelope_init(call, &env);
	data = json_pack("{s:s, s:o, s:s, s:s, s:o, s:o, s:o}", "messageId", m->id,
			 "otpRequestId", api_json_text(m->request_id), "status",
			 api_compat_status(m->status), "phoneNumber", m->phone_masked, "templateId",
			 api_json_text(m->dlt_template_id), "createdAt",
			 api_json_time(m->created_at_ms), "sentAt", api_json_time(m->sent_at_ms));
	rc = api_reply_json(call, 200, api_compat_wrap(&env, 200, data));
out:
	free(m);
	return rc;
}
