/*
 * The strict JSON decoder (src/api/api_json.c): every way a body can be
 * wrong is refused with the right code and the dotted path of the field,
 * and a good body lands in the typed struct, nested objects included.
 */
#include "api/api_json.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

struct var {
	char name[8];
	char value[6];
};

/* Shaped like a tenant create body: flat struct, nested specs. */
struct body {
	bool has_id;
	char id[8];
	char name[16];
	bool has_mode;
	int mode;
	bool has_limit;
	int64_t limit_paise;
	bool has_length;
	int length;
	bool has_upstream;
	bool upstream_null;
	char provider[8];
	bool flag;
	int var_count;
	char vars[3][6];
	size_t map_count;
	struct var map[2];
};

static const char *const modes[] = {"prepaid", "postpaid"};

static const struct api_json_field billing_fields[] = {
	API_JSON_F_ENUM("mode", "billing.mode", struct body, mode, has_mode, modes, 0),
	API_JSON_F_HAS("credit_limit_paise", "billing.credit_limit_paise", API_JSON_INT64,
		       struct body, limit_paise, has_limit, 0),
};
static const struct api_json_object billing = API_JSON_OBJECT_OF(billing_fields);

static const struct api_json_field otp_fields[] = {
	API_JSON_F_HAS("length", "otp.length", API_JSON_INT, struct body, length, has_length,
		       API_JSON_REQUIRED),
};
static const struct api_json_object otp = API_JSON_OBJECT_OF(otp_fields);

static const struct api_json_field upstream_fields[] = {
	API_JSON_F("provider", "upstream.provider", API_JSON_STRING, struct body, provider,
		   API_JSON_REQUIRED),
};
static const struct api_json_object upstream = API_JSON_OBJECT_OF(upstream_fields);

static const struct api_json_field fields[] = {
	API_JSON_F_HAS("id", "id", API_JSON_STRING, struct body, id, has_id, 0),
	{.key = "name", .path = "name", .type = API_JSON_STRING, .flags = API_JSON_REQUIRED,
	 .offset = offsetof(struct body, name), .size = API_JSON_SIZEOF(struct body, name),
	 .too_long = OG_ERR_INVALID_PHONE},
	API_JSON_F_OBJECT("billing", "billing", &billing, 0),
	API_JSON_F_OBJECT("otp", "otp", &otp, 0),
	{.key = "upstream", .path = "upstream", .type = API_JSON_OBJECT,
	 .flags = API_JSON_NULLABLE | API_JSON_HAS, .has_offset = offsetof(struct body, has_upstream),
	 .null_offset = offsetof(struct body, upstream_null), .object = &upstream},
	API_JSON_F("flag", "flag", API_JSON_BOOL, struct body, flag, 0),
	API_JSON_F_STRINGS("vars", "vars", struct body, vars, var_count, 0),
	API_JSON_F_MAP("variables", "variables", struct body, map, map_count, struct var, name,
		       value, 0),
};
static const struct api_json_object spec = API_JSON_OBJECT_OF(fields);

struct result {
	enum og_err rc;
	struct og_detail det;
	char field[API_JSON_PATH_MAX];
	struct body b;
};

static void decode(const char *json, struct result *r)
{
	memset(r, 0, sizeof *r);
	r->rc = api_json_decode(json, strlen(json), &spec, &r->b, &r->det, r->field);
}

static void expect_error(const char *json, enum og_err rc, const char *field)
{
	struct result r;

	decode(json, &r);
	assert_int_equal(r.rc, rc);
	if (field)
		assert_string_equal(r.det.field, field);
	else
		assert_null(r.det.field);
	assert_true(r.det.message[0] != '\0');
}

static void test_good_body(void **state)
{
	struct result r;

	(void)state;
	decode("{\"id\":\"t1\",\"name\":\"Alpha\",\"billing\":{\"mode\":\"postpaid\","
	       "\"credit_limit_paise\":5000000000},\"otp\":{\"length\":6},"
	       "\"upstream\":{\"provider\":\"sm\"},\"flag\":true,\"vars\":[\"a\",\"otp\"],"
	       "\"variables\":{\"appName\":\"Shop\",\"otp\":\"12345\"}}",
	       &r);
	assert_int_equal(r.rc, OG_OK);
	assert_true(r.b.has_id);
	assert_string_equal(r.b.id, "t1");
	assert_string_equal(r.b.name, "Alpha");
	assert_true(r.b.has_mode);
	assert_int_equal(r.b.mode, 1);
	assert_true(r.b.has_limit);
	assert_true(r.b.limit_paise == 5000000000LL);
	assert_int_equal(r.b.length, 6);
	assert_true(r.b.has_upstream);
	assert_false(r.b.upstream_null);
	assert_string_equal(r.b.provider, "sm");
	assert_true(r.b.flag);
	assert_int_equal(r.b.var_count, 2);
	assert_string_equal(r.b.vars[1], "otp");
	assert_int_equal(r.b.map_count, 2);
	assert_string_equal(r.b.map[0].name, "appName");
	assert_string_equal(r.b.map[0].value, "Shop");
	assert_string_equal(r.b.map[1].value, "12345");
}

static void test_absent_optional_fields(void **state)
{
	struct result r;

	(void)state;
	decode("{\"name\":\"x\"}", &r);
	assert_int_equal(r.rc, OG_OK);
	assert_false(r.b.has_id);
	assert_false(r.b.has_mode);
	assert_false(r.b.has_upstream);
}

static void test_null_upstream(void **state)
{
	struct result r;

	(void)state;
	decode("{\"name\":\"x\",\"upstream\":null}", &r);
	assert_int_equal(r.rc, OG_OK);
	assert_true(r.b.has_upstream);
	assert_true(r.b.upstream_null);
}

static void test_unknown_fields(void **state)
{
	(void)state;
	expect_error("{\"name\":\"x\",\"nope\":1}", OG_ERR_INVALID_REQUEST, "nope");
	expect_error("{\"name\":\"x\",\"billing\":{\"mode\":\"prepaid\",\"extra\":1}}",
		     OG_ERR_INVALID_REQUEST, "billing.extra");
	expect_error("{\"name\":\"x\",\"upstream\":{\"provider\":\"a\",\"api_kee\":\"k\"}}",
		     OG_ERR_INVALID_REQUEST, "upstream.api_kee");
}

static void test_wrong_types(void **state)
{
	(void)state;
	expect_error("{\"name\":5}", OG_ERR_INVALID_REQUEST, "name");
	expect_error("{\"name\":\"x\",\"flag\":\"yes\"}", OG_ERR_INVALID_REQUEST, "flag");
	expect_error("{\"name\":\"x\",\"otp\":{\"length\":6.5}}", OG_ERR_INVALID_REQUEST,
		     "otp.length");
	expect_error("{\"name\":\"x\",\"otp\":{\"length\":\"6\"}}", OG_ERR_INVALID_REQUEST,
		     "otp.length");
	expect_error("{\"name\":\"x\",\"otp\":{\"length\":9999999999}}", OG_ERR_INVALID_REQUEST,
		     "otp.length");
	expect_error("{\"name\":\"x\",\"billing\":[]}", OG_ERR_INVALID_REQUEST, "billing");
	expect_error("{\"name\":\"x\",\"billing\":null}", OG_ERR_INVALID_REQUEST, "billing");
	expect_error("{\"name\":\"x\",\"billing\":{\"mode\":\"credit\"}}", OG_ERR_INVALID_REQUEST,
		     "billing.mode");
	expect_error("{\"name\":\"x\",\"vars\":[\"a\",1]}", OG_ERR_INVALID_REQUEST, "vars");
	expect_error("{\"name\":\"x\",\"variables\":{\"a\":1}}", OG_ERR_INVALID_REQUEST,
		     "variables.a");
	expect_error("{\"name\":\"x\",\"variables\":[]}", OG_ERR_INVALID_REQUEST, "variables");
}

static void test_too_long(void **state)
{
	(void)state;
	/* id holds 7 bytes; the field's own error code may replace invalid_request. */
	expect_error("{\"name\":\"x\",\"id\":\"12345678\"}", OG_ERR_INVALID_REQUEST, "id");
	expect_error("{\"name\":\"0123456789abcdef\"}", OG_ERR_INVALID_PHONE, "name");
	expect_error("{\"name\":\"x\",\"vars\":[\"a\",\"b\",\"c\",\"d\"]}", OG_ERR_INVALID_REQUEST,
		     "vars");
	expect_error("{\"name\":\"x\",\"vars\":[\"abcdef\"]}", OG_ERR_INVALID_REQUEST, "vars");
	expect_error("{\"name\":\"x\",\"variables\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}}",
		     OG_ERR_INVALID_REQUEST, "variables");
	expect_error("{\"name\":\"x\",\"variables\":{\"longname\":\"1\"}}", OG_ERR_INVALID_REQUEST,
		     "variables.longname");
	expect_error("{\"name\":\"x\",\"variables\":{\"a\":\"123456\"}}", OG_ERR_INVALID_REQUEST,
		     "variables.a");
}

static void test_exact_fit(void **state)
{
	struct result r;

	(void)state;
	decode("{\"name\":\"x\",\"id\":\"1234567\"}", &r);
	assert_int_equal(r.rc, OG_OK);
	assert_string_equal(r.b.id, "1234567");
}

static void test_missing_required(void **state)
{
	(void)state;
	expect_error("{}", OG_ERR_INVALID_REQUEST, "name");
	expect_error("{\"name\":\"x\",\"otp\":{}}", OG_ERR_INVALID_REQUEST, "otp.length");
	expect_error("{\"name\":\"x\",\"upstream\":{}}", OG_ERR_INVALID_REQUEST,
		     "upstream.provider");
}

static void test_not_json(void **state)
{
	(void)state;
	expect_error("", OG_ERR_INVALID_JSON, NULL);
	expect_error("{\"name\":", OG_ERR_INVALID_JSON, NULL);
	expect_error("{\"name\":\"x\"} trailing", OG_ERR_INVALID_JSON, NULL);
	expect_error("{\"name\":\"x\",\"name\":\"y\"}", OG_ERR_INVALID_JSON, NULL);
	expect_error("[1,2]", OG_ERR_INVALID_REQUEST, NULL);
}

static void test_content_type(void **state)
{
	(void)state;
	assert_true(api_json_content_type_ok("application/json"));
	assert_true(api_json_content_type_ok("application/json; charset=utf-8"));
	assert_true(api_json_content_type_ok("Application/JSON;charset=UTF-8"));
	assert_false(api_json_content_type_ok(NULL));
	assert_false(api_json_content_type_ok("text/plain"));
	assert_false(api_json_content_type_ok("application/jsonp"));
	assert_false(api_json_content_type_ok("application/x-www-form-urlencoded"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_body),     cmocka_unit_test(test_absent_optional_fields),
		cmocka_unit_test(test_null_upstream), cmocka_unit_test(test_unknown_fields),
		cmocka_unit_test(test_wrong_types),   cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_exact_fit),     cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_not_json),      cmocka_unit_test(test_content_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
