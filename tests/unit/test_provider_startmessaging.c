/*
 * Unit tests for the StartMessaging provider: the reply parser's verdicts
 * (accepted, transient, permanent) over good, refused, garbled and cut
 * replies; the request body and URL it prepares; and the bounds on the error
 * text it keeps.
 */
#include "upstream/provider_startmessaging.h"
#include "upstream/upstream.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#define OK_REPLY                                                                              \
	"{\"success\":true,\"statusCode\":201,\"requestId\":\"r1\",\"timestamp\":\"2026-06-01T00:" \
	"00:00Z\",\"data\":{\"otpRequestId\":\"o1\",\"messageId\":\"msg_42\",\"status\":\"queued\"}}"

static void parse(long status, const char *body, struct upstream_result *res)
{
	provider_startmessaging_parse(status, body, body ? strlen(body) : 0, res);
}

/* True if s is valid UTF-8 with no control characters, as jansson needs. */
static int clean_text(const char *s)
{
	json_t *j = json_string(s);
	int ok = j != NULL;

	json_decref(j);
	for (; ok && *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			ok = 0;
	}
	return ok;
}

static void test_parse_accepted(void **state)
{
	struct upstream_result res;

	parse(201, OK_REPLY, &res);
	assert_int_equal(res.verdict, UPSTREAM_ACCEPTED);
	assert_string_equal(res.provider_message_id, "msg_42");
	assert_string_equal(res.error, "");
	assert_int_equal(res.http_status, 201);

	parse(200, "{\"success\":true,\"data\":{\"messageId\":\"x\"}}", &res);
	assert_int_equal(res.verdict, UPSTREAM_ACCEPTED);
	assert_string_equal(res.provider_message_id, "x");

	parse(200, "{\"success\":true,\"data\":{\"messageId\":7}}", &res);
	assert_int_equal(res.verdict, UPSTREAM_ACCEPTED);
	assert_string_equal(res.provider_message_id, "7");
}

static void test_parse_error_body(void **state)
{
	struct upstream_result res;

	parse(400, "{\"success\":false,\"message\":\"invalid template\"}", &res);
	assert_int_equal(res.verdict, UPSTREAM_PERMANENT);
	assert_string_equal(res.error, "upstream HTTP 400: invalid template");
	assert_string_equal(res.provider_message_id, "");

	/* A 2xx that says it failed is a refusal too. */
	parse(200, "{\"success\":false,\"message\":\"no balance\"}", &res);
	assert_int_equal(res.verdict, UPSTREAM_PERMANENT);
	assert_non_null(strstr(res.error, "no balance"));
}

static void test_parse_transient(void **state)
{
	static const long statuses[] = {429, 500, 502, 503, 504, 599};
	struct upstream_result res;

	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
		parse(statuses[i], "{\"success\":false,\"message\":\"busy\"}", &res);
		assert_int_equal(res.verdict, UPSTREAM_TRANSIENT);
		assert_non_null(strstr(res.error, "busy"));
		parse(statuses[i], NULL, &res);
		assert_int_equal(res.verdict, UPSTREAM_TRANSIENT);
		parse(statuses[i], "<html>gateway down</html>", &res);
		assert_int_equal(res.verdict, UPSTREAM_TRANSIENT);
	}
	parse(503, "{\"success\":false,\"message\":\"upstream unavailable\"}", &res);
	assert_string_equal(res.error, "upstream HTTP 503: upstream unavailable");
}

static void test_parse_permanent_4xx(void **state)
{
	static const long statuses[] = {400, 401, 403, 404, 409, 413, 422, 301, 100};
	struct upstream_result res;

	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
		parse(statuses[i], "{\"success\":false,\"message\":\"no\"}", &res);
		assert_int_equal(res.verdict, UPSTREAM_PERMANENT);
		parse(statuses[i], "", &res);
		assert_int_equal(res.verdict, UPSTREAM_PERMANENT);
	}
	parse(401, "", &res);
	assert_string_equal(res.error, "upstream HTTP 401");
}

static void test_parse_garbage(void **state)
{
	static const char *const bodies[] = {
		"", "garbage", "[]", "null", "\"str\"", "{\"success\":true", /* cut short */
		"{\"success\":true,\"data\":{\"messageId\":\"ab", "\xff\xfe{}",
	};
	struct upstream_result res;

	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		parse(201, bodies[i], &res);
		assert_int_equal(res.verdict, UPSTREAM_PERMANENT);
		assert_string_equal(res.provider_message_id, "");
		assert_true(res.error[0] != '\0');
		assert_true(clean_text(res.error));
	}
	/* Embedded NUL bytes are not JSON either. */
	provider_startmessaging_parse(200, "{\"a\0\":1}", 8, &res);
	assert_int_equal(res.verdict, UPSTREAM_PERMANENT);
}

static void test_parse_missing_message_id(void **state)
{
	static const char *const bodies[] = {
		"{\"success\":true}",
		"{\"success\":true,\"data\":null}",
		"{\"success\":true,\"data\":{}}",
		"{\"success\":true,\"data\":{\"messageId\":\"\"}}",
		"{\"success\":true,\"data\":{\"messageId\":null}}",
		"{\"success\":true,\"data\":{\"messageId\":{}}}",
		"{\"success\":true,\"data\":[\"messageId\"]}",
		"{\"data\":{\"messageId\":\"m\"}}", /* no success flag */
	};
	struct upstream_result res;

	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		parse(201, bodies[i], &res);
		assert_int_equal(res.verdict, UPSTREAM_PERMANENT);
		assert_string_equal(res.provider_message_id, "");
	}
	parse(201, "{\"success\":true,\"data\":{}}", &res);
	assert_string_equal(res.error, "upstream HTTP 201 without data.messageId");
}

static void test_parse_bounds(void **state)
{
	char body[4096];
	char msg[2048];
	struct upstream_result res;
	size_t n = 0;

	/* A long message of 3-byte characters must be cut between them. */
	while (n + 3 < sizeof msg - 1) {
		memcpy(msg + n, "\xe2\x82\xb9", 3); /* U+20B9 INDIAN RUPEE SIGN */
		n += 3;
	}
	msg[n] = '\0';
	snprintf(body, sizeof body, "{\"success\":false,\"message\":\"%s\"}", msg);
	parse(400, body, &res);
	assert_int_equal(res.verdict, UPSTREAM_PERMANENT);
	assert_true(strlen(res.error) < sizeof res.error);
	assert_true(strlen(res.error) > sizeof res.error - 8);
	assert_true(clean_text(res.error));

	/* Control characters cannot reach a record or a log line. */
	parse(400, "{\"success\":false,\"message\":\"bad\\r\\nX-Injected: 1\"}", &res);
	assert_string_equal(res.error, "upstream HTTP 400: bad  X-Injected: 1");

	/* An over-long id is cut to fit, not refused: the SMS is on its way. */
	memset(msg, 'm', 500);
	msg[500] = '\0';
	snprintf(body, sizeof body, "{\"success\":true,\"data\":{\"messageId\":\"%s\"}}", msg);
	parse(201, body, &res);
	assert_int_equal(res.verdict, UPSTREAM_ACCEPTED);
	assert_int_equal(strlen(res.provider_message_id), sizeof res.provider_message_id - 1);
}

static struct upstream_request sample_request(void)
{
	struct upstream_request rq = {
		.tenant_id = "tenant_alpha_99",
		.message_id = "msg_1",
		.to = "+919876543210",
		.sender_header = "ALPHAR",
		.pe_id = "1101234567890123456",
		.dlt_template_id = "1107160000000012345",
		.text = "Your OTP for Alpha Retail is 492811.",
		.var_count = 2,
		.var_names = {"appName", "otp"},
		.var_values = {"Alpha Retail", "492811"},
		.url = "http://127.0.0.1:9/base//",
		.api_key = "sm_live_alpha_key_xyz123",
	};
	return rq;
}

static void test_body(void **state)
{
	struct upstream_request rq = sample_request();
	char out[UPSTREAM_REQUEST_BODY_MAX];
	char tiny[40];
	size_t len;

	len = provider_startmessaging_body(&rq, out, sizeof out);
	assert_true(len > 0);
	assert_int_equal(len, strlen(out));
	/* The DLT chain (peId, senderId) and the text ride along (docs/DLT.md). */
	assert_string_equal(out, "{\"phoneNumber\":\"+919876543210\","
				 "\"templateId\":\"1107160000000012345\","
				 "\"variables\":{\"appName\":\"Alpha Retail\",\"otp\":\"492811\"},"
				 "\"peId\":\"1101234567890123456\",\"senderId\":\"ALPHAR\","
				 "\"text\":\"Your OTP for Alpha Retail is 492811.\"}");
	assert_int_equal(provider_startmessaging_body(&rq, tiny, sizeof tiny), 0);
}

static void test_prepare_and_classify(void **state)
{
	const struct upstream_provider *p = upstream_find("startmessaging");
	struct upstream_request rq = sample_request();
	struct upstream_transfer xf;
	struct upstream_result res;
	struct upstream_response rsp = {0};
	CURL *easy = curl_easy_init();

	assert_non_null(p);
	assert_non_null(easy);
	assert_null(p->deliver);
	assert_non_null(upstream_find("log"));
	assert_null(upstream_find("smpp"));
	assert_null(upstream_find(NULL));

	memset(&xf, 0, sizeof xf);
	assert_true(p->prepare(NULL, &rq, easy, &xf, &res));
	assert_string_equal(xf.url, "http://127.0.0.1:9/base/otp/send");
	assert_int_equal(xf.body_len, strlen(xf.body));
	assert_non_null(xf.headers);
	curl_slist_free_all(xf.headers);

	rq.url = "";
	memset(&xf, 0, sizeof xf);
	assert_false(p->prepare(NULL, &rq, easy, &xf, &res));
	assert_int_equal(res.verdict, UPSTREAM_PERMANENT);
	assert_null(xf.headers);

	rq = sample_request();
	rq.api_key = "key\r\nX-Evil: 1";
	assert_false(p->prepare(NULL, &rq, easy, &xf, &res));
	assert_int_equal(res.verdict, UPSTREAM_PERMANENT);

	/* No reply at all (refused, timed out) is worth a retry. */
	rsp.curl_code = CURLE_OPERATION_TIMEDOUT;
	rsp.curl_error = "Operation timed out after 10000 milliseconds";
	p->classify(NULL, &rsp, &res);
	assert_int_equal(res.verdict, UPSTREAM_TRANSIENT);
	assert_non_null(strstr(res.error, "timed out"));
	rsp.curl_code = CURLE_COULDNT_CONNECT;
	rsp.curl_error = "";
	p->classify(NULL, &rsp, &res);
	assert_int_equal(res.verdict, UPSTREAM_TRANSIENT);

	/* A cut reply is judged on what arrived, and the error says so. */
	rsp = (struct upstream_response){.curl_code = CURLE_OK, .curl_error = "",
					 .http_status = 200, .body = "{\"success\":tr",
					 .body_len = 13, .body_cut = true};
	p->classify(NULL, &rsp, &res);
	assert_int_equal(res.verdict, UPSTREAM_PERMANENT);
	assert_non_null(strstr(res.error, "reply cut at"));
	rsp.body = OK_REPLY;
	rsp.body_len = strlen(OK_REPLY);
	p->classify(NULL, &rsp, &res);
	assert_int_equal(res.verdict, UPSTREAM_ACCEPTED);
	assert_string_equal(res.provider_message_id, "msg_42");

	curl_easy_cleanup(easy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_accepted),
		cmocka_unit_test(test_parse_error_body),
		cmocka_unit_test(test_parse_transient),
		cmocka_unit_test(test_parse_permanent_4xx),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_parse_missing_message_id),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_prepare_and_classify),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
