/*
 * The StartMessaging-style gateway provider (DOMAIN.md §2). A send is
 * POST {url}/otp/send with X-API-Key and a JSON body carrying the phone
 * number, the DLT template id, every variable of the message (the code
 * among them), and the DLT chain that was checked: "peId", "senderId" (the
 * header) and the rendered "text". The gateway answers 2xx with
 * {"success":true,"data":{"messageId":...}} when it takes the message, and a
 * non-2xx status with {"success":false,"message":...} when it does not;
 * 429 and 5xx are worth retrying, other refusals are not.
 */
#include "upstream/provider_startmessaging.h"

#include <assert.h>
#include <jansson.h>
#include <string.h>

#ifdef OG_VERSION
#define PROVIDER_STARTMESSAGING_AGENT "otpgate/" OG_VERSION
#else
#define PROVIDER_STARTMESSAGING_AGENT "otpgate"
#endif

size_t provider_startmessaging_body(const struct upstream_request *rq, char *out, size_t max)
{
	json_t *root = NULL;
	json_t *vars = NULL;
	size_t len = 0;

	assert(rq && out && max > 0);
	assert(rq->var_count <= UPSTREAM_VARS_MAX);
	vars = json_object();
	if (!vars)
		goto out;
	for (size_t i = 0; i < rq->var_count; i++) {
		json_t *v = json_string(rq->var_values[i]);

		/* json_object_set_new takes v even when it fails. */
		if (!v || json_object_set_new(vars, rq->var_names[i], v) != 0)
			goto out;
	}
	/* The DLT chain the pre-scrub checked travels with every request, with
	 * the text an operator's scrubber matches (docs/DLT.md). */
	root = json_pack("{s:s, s:s, s:O, s:s, s:s, s:s}", "phoneNumber", rq->to, "templateId",
			 rq->dlt_template_id, "variables", vars, "peId", rq->pe_id, "senderId",
			 rq->sender_header, "text", rq->text);
	if (!root)
		goto out;
	len = json_dumpb(root, out, max - 1, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (len == 0 || len > max - 1) {
		len = 0;
		goto out;
	}
	out[len] = '\0';
out:
	json_decref(root);
	json_decref(vars);
	return len;
}

/* Returns the reply's "message" text, or "" when there is none. */
static const char *provider_startmessaging_message(const json_t *reply)
{
	const char *m = json_string_value(json_object_get(reply, "message"));

	return m ? m : "";
}

/* The upstream's own words go into the message record for the tenant to
 * read, cut to fit after our prefix. */
static void provider_startmessaging_refuse(struct upstream_result *res, int verdict,
					   long http_status, const json_t *reply)
{
	const char *m = provider_startmessaging_message(reply);

	upstream_fail(res, verdict, "upstream HTTP %ld%s%s", http_status, m[0] ? ": " : "", m);
}

void provider_startmessaging_parse(long http_status, const char *body, size_t len,
				   struct upstream_result *res)
{
	json_t *reply = NULL;
	const json_t *success;
	const json_t *id;

	assert(res && (body || len == 0));
	memset(res, 0, sizeof *res);
	res->http_status = http_status;
	if (len > 0)
		reply = json_loadb(body, len, 0, NULL);
	if (!json_is_object(reply)) {
		json_decref(reply);
		reply = NULL;
	}
	if (http_status == 429 || (http_status >= 500 && http_status <= 599)) {
		provider_startmessaging_refuse(res, UPSTREAM_TRANSIENT, http_status, reply);
		goto out;
	}
	if (http_status < 200 || http_status > 299) {
		provider_startmessaging_refuse(res, UPSTREAM_PERMANENT, http_status, reply);
		goto out;
	}
	/* A 2xx we cannot read is permanent: the gateway may well have taken
	 * the message, and sending it again could deliver a second code. */
	if (!reply) {
		upstream_fail(res, UPSTREAM_PERMANENT, "upstream HTTP %ld with an unreadable reply",
			      http_status);
		goto out;
	}
	success = json_object_get(reply, "success");
	if (!json_is_true(success)) {
		provider_startmessaging_refuse(res, UPSTREAM_PERMANENT, http_status, reply);
		goto out;
	}
	id = json_object_get(json_object_get(reply, "data"), "messageId");
	if (json_is_string(id) && json_string_length(id) > 0) {
		/* An id longer than the record holds is cut rather than
		 * refused: the SMS is on its way, so the tenant pays for it. */
		upstream_text_copy(res->provider_message_id, sizeof res->provider_message_id,
				   json_string_value(id), json_string_length(id));
	} else if (json_is_integer(id)) {
		snprintf(res->provider_message_id, sizeof res->provider_message_id,
			 "%" JSON_INTEGER_FORMAT, json_integer_value(id));
	} else {
		upstream_fail(res, UPSTREAM_PERMANENT, "upstream HTTP %ld without data.messageId",
			      http_status);
		goto out;
	}
	res->verdict = UPSTREAM_ACCEPTED;
out:
	json_decref(reply);
}

static bool provider_startmessaging_prepare(void *inst, const struct upstream_request *rq,
					    CURL *easy, struct upstream_transfer *xf,
					    struct upstream_result *res)
{
	static const char *const fixed_headers[] = {
		"Content-Type: application/json",
		"Accept: application/json",
		"Expect:", /* no 100-continue round trip for a small body */
	};
	char key_header[PROVIDER_STARTMESSAGING_HEADER_MAX];
	struct curl_slist *headers = NULL;
	struct curl_slist *next;
	bool ok = false;
	size_t base_len;
	int n;

	assert(rq && easy && xf && res);
	memset(res, 0, sizeof *res);
	if (!rq->url || !rq->url[0]) {
		upstream_fail(res, UPSTREAM_PERMANENT, "no upstream URL configured");
		goto out;
	}
	/* A credential with a line break would smuggle extra headers in. */
	for (const char *k = rq->api_key; k && *k; k++) {
		if ((unsigned char)*k < 0x20 || *k == 0x7f) {
			upstream_fail(res, UPSTREAM_PERMANENT,
				      "upstream API key contains control characters");
			goto out;
		}
	}
	base_len = strlen(rq->url);
	while (base_len > 0 && rq->url[base_len - 1] == '/')
		base_len--;
	n = snprintf(xf->url, sizeof xf->url, "%.*s%s", (int)base_len, rq->url,
		     PROVIDER_STARTMESSAGING_SEND_PATH);
	if (n < 0 || (size_t)n >= sizeof xf->url) {
		upstream_fail(res, UPSTREAM_PERMANENT, "upstream URL too long");
		goto out;
	}
	xf->body_len = provider_startmessaging_body(rq, xf->body, sizeof xf->body);
	if (xf->body_len == 0) {
		upstream_fail(res, UPSTREAM_PERMANENT, "request body exceeds %d bytes",
			      UPSTREAM_REQUEST_BODY_MAX - 1);
		goto out;
	}
	for (size_t i = 0; i < sizeof fixed_headers / sizeof fixed_headers[0]; i++) {
		next = curl_slist_append(headers, fixed_headers[i]);
		if (!next) {
			upstream_fail(res, UPSTREAM_TRANSIENT, "out of memory");
			goto out;
		}
		headers = next;
	}
	if (rq->api_key && rq->api_key[0]) {
		n = snprintf(key_header, sizeof key_header, "X-API-Key: %s", rq->api_key);
		if (n < 0 || (size_t)n >= sizeof key_header) {
			upstream_fail(res, UPSTREAM_PERMANENT, "upstream API key too long");
			goto out;
		}
		next = curl_slist_append(headers, key_header);
		/* The list keeps its own copy, freed with it; ours goes now. */
		explicit_bzero(key_header, sizeof key_header);
		if (!next) {
			upstream_fail(res, UPSTREAM_TRANSIENT, "out of memory");
			goto out;
		}
		headers = next;
	}
	xf->headers = headers;
	curl_easy_setopt(easy, CURLOPT_URL, xf->url);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, xf->headers);
	curl_easy_setopt(easy, CURLOPT_POST, 1L);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDS, xf->body);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long)xf->body_len);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, PROVIDER_STARTMESSAGING_AGENT);
	ok = true;
out:
	if (!ok)
		curl_slist_free_all(headers);
	return ok;
}

static void provider_startmessaging_classify(void *inst, const struct upstream_response *rsp,
					     struct upstream_result *res)
{
	char reason[STORE_ERROR_TEXT_MAX];

	assert(rsp && res);
	if (upstream_classify_common(rsp, res))
		return;
	provider_startmessaging_parse(rsp->http_status, rsp->body, rsp->body_len, res);
	if (rsp->body_cut && res->verdict != UPSTREAM_ACCEPTED) {
		/* The notice goes first so that cutting the text keeps it. */
		memcpy(reason, res->error, sizeof reason);
		upstream_fail(res, res->verdict, "reply cut at %d bytes; %s", UPSTREAM_RESPONSE_MAX,
			      reason);
	}
}

const struct upstream_provider provider_startmessaging = {
	.name = "startmessaging",
	.prepare = provider_startmessaging_prepare,
	.classify = provider_startmessaging_classify,
};
