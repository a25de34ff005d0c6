/*
 * Unit tests for src/domain/otp_context: a sealed context opens to what was
 * sealed, its plaintext is the compact JSON of the same values, and text
 * that is not UTF-8 is refused rather than sealed.
 */
#include "domain/otp_context.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct fixture {
	struct secret secret;
	struct domain d;
	struct store_otp o;
};

static void fixture_init(struct fixture *f)
{
	unsigned char master[SECRET_KEY_LEN];

	memset(f, 0, sizeof *f);
	memset(master, 7, sizeof master);
	secret_derive(master, &f->secret);
	domain_init(&f->d, &f->secret);
	memcpy(f->o.id, "req_test", sizeof "req_test");
}

/* The plaintext jansson builds, or "" where it refuses. */
static void jansson_context(char *out, size_t max, const char *phone,
			    const struct otp_variable *vars, size_t n, const char *header)
{
	json_t *root = json_pack("{s:s, s:{}, s:s}", "phone", phone, "vars", "sender_header",
				 header);
	json_t *jv = root ? json_object_get(root, "vars") : NULL;
	char *text = NULL;
	bool ok = jv != NULL;

	for (size_t i = 0; ok && i < n; i++)
		ok = json_object_set_new(jv, vars[i].name, json_string(vars[i].value)) == 0;
	if (ok)
		text = json_dumps(root, JSON_COMPACT);
	snprintf(out, max, "%s", text ? text : "");
	free(text);
	json_decref(root);
}

static void check(const char *phone, const struct otp_variable *vars, size_t n,
		  const char *header)
{
	struct fixture f;
	char want[STORE_PAYLOAD_MAX + 1], got[STORE_PAYLOAD_MAX + 1];
	size_t len = 0;
	enum og_err rc;

	fixture_init(&f);
	jansson_context(want, sizeof want, phone, vars, n, header);
	rc = otp_context_seal(&f.d, phone, vars, n, header, &f.o);
	if (!want[0]) {
		assert_int_equal(rc, OG_ERR_NOMEM);
		return;
	}
	assert_int_equal(rc, OG_OK);
	assert_int_equal(secret_open(f.d.secret, f.o.id, f.o.context_sealed,
				     f.o.context_sealed_len, got, STORE_PAYLOAD_MAX, &len),
			 OG_OK);
	got[len] = '\0';
	assert_string_equal(got, want);
}

static void test_plaintext(void **state)
{
	struct otp_variable vars[3] = {{"appName", "Alpha \"Retail\""}, {"otp", "123456"},
				       {"city", "₹ नमस्ते\n\\/"}};
	struct otp_variable dup[2] = {{"a", "1"}, {"a", "2"}};
	struct otp_variable bad[1] = {{"a", "\xc3\x28"}};

	(void)state;
	check("+919876543210", vars, 0, "");
	check("+919876543210", vars, 3, "ALPHAR");
	check("+919876543210", dup, 2, "");
	check("+919876543210", bad, 1, "");
	check("+919876543210\x01", vars, 1, "H\tX");
}

/* The plaintext's exact shape, which contexts sealed by earlier versions
 * share and otp_context_open reads: spelled out, not rebuilt. */
static void test_plaintext_literal(void **state)
{
	struct fixture f;
	struct otp_variable vars[2] = {{"appName", "Shop \"A\""}, {"otp", "123456"}};
	char got[STORE_PAYLOAD_MAX + 1];
	size_t len = 0;

	(void)state;
	fixture_init(&f);
	assert_int_equal(otp_context_seal(&f.d, "+919876543210", vars, 2, "ALPHAR", &f.o), OG_OK);
	assert_int_equal(secret_open(f.d.secret, f.o.id, f.o.context_sealed,
				     f.o.context_sealed_len, got, STORE_PAYLOAD_MAX, &len),
			 OG_OK);
	got[len] = '\0';
	assert_string_equal(got, "{\"phone\":\"+919876543210\",\"vars\":{\"appName\":\"Shop "
				 "\\\"A\\\"\",\"otp\":\"123456\"},\"sender_header\":\"ALPHAR\"}");
}

static void test_round_trip(void **state)
{
	struct fixture f;
	struct otp_variable vars[2] = {{"appName", "Alpha"}, {"x", "y"}};
	struct otp_variable back[OTP_VARIABLES_MAX];
	char phone[PHONE_MAX], header[STORE_HEADER_MAX];
	size_t n = 0;

	(void)state;
	fixture_init(&f);
	assert_int_equal(otp_context_seal(&f.d, "+919876543210", vars, 2, "ALPHAR", &f.o), OG_OK);
	assert_int_equal(otp_context_open(&f.d, &f.o, phone, back, &n, header), OG_OK);
	assert_string_equal(phone, "+919876543210");
	assert_string_equal(header, "ALPHAR");
	assert_int_equal(n, 2);
	assert_string_equal(back[0].name, "appName");
	assert_string_equal(back[1].value, "y");
	/* Bound to the request: another id does not open it. */
	memcpy(f.o.id, "req_other", sizeof "req_other");
	assert_int_not_equal(otp_context_open(&f.d, &f.o, phone, back, &n, header), OG_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plaintext),
		cmocka_unit_test(test_plaintext_literal),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
