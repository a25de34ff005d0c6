/*
 * Unit tests for src/base/phone: E.164 validation (8 to 15 digits after '+',
 * no leading 0 in the country code), the Indian mobile rule for +91 (exactly
 * 10 digits, the first 6-9), and masking that keeps the country code and the
 * last 4 digits and hides everything else.
 */
#include "base/phone.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

static void test_valid_numbers(void **state)
{
	const char *valid[] = {
	    "+919876543210", "+916000000000", "+917000000000", "+918999999999",
	    "+14155552671",  "+447911123456", "+12345678",     "+123456789012345",
	    "+971501234567", "+6591234567",
	};
	char out[PHONE_MAX];
	(void)state;
	for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
		memset(out, 0, sizeof out);
		if (!phone_parse(valid[i], out))
			fail_msg("expected valid: %s", valid[i]);
		assert_string_equal(out, valid[i]);
	}
}

static void test_invalid_numbers(void **state)
{
	const char *invalid[] = {
	    "",                  /* empty */
	    "+",                 /* no digits */
	    "919876543210",      /* no plus */
	    "+915876543210",     /* Indian mobile starting 5 */
	    "+910876543210",     /* Indian mobile starting 0 */
	    "+911234567890",     /* Indian, starting 1 */
	    "+91987654321",      /* Indian, 9 digits */
	    "+9198765432101",    /* Indian, 11 digits */
	    "+91 9876543210",    /* space */
	    "+91-9876543210",    /* dash */
	    "+9198765a3210",     /* letter */
	    "+1234567",          /* 7 digits: too short */
	    "+1234567890123456", /* 16 digits: too long */
	    "+0123456789",       /* country code cannot start with 0 */
	    "++919876543210",    /* two pluses */
	    "+919876543210 ",    /* trailing space */
	    "+12345678901234567890123456789", /* far too long */
	};
	char out[PHONE_MAX];
	(void)state;
	for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
		if (phone_parse(invalid[i], out))
			fail_msg("expected invalid: \"%s\"", invalid[i]);
}

static void test_mask_indian(void **state)
{
	char out[PHONE_MAX];
	(void)state;
	phone_mask("+919876543210", out);
	assert_string_equal(out, "+91******3210");
	phone_mask("+916000001234", out);
	assert_string_equal(out, "+91******1234");
}

static void test_mask_other_countries(void **state)
{
	char out[PHONE_MAX];
	(void)state;
	phone_mask("+14155552671", out);
	assert_string_equal(out, "+1******2671");
	phone_mask("+447911123456", out);
	assert_string_equal(out, "+44******3456");
}

/* Whatever the number, masking keeps the length and the last 4 digits,
 * hides at least one digit, and reveals no more than the leading country
 * code digits (at most 3) and the last 4. */
static void test_mask_properties(void **state)
{
	const char *phones[] = {"+12345678",       "+123456789",     "+919876543210",
				"+123456789012345", "+8801712345678", "+9779812345678",
				"+35312345678",    "+61412345678",   "+2348012345678"};
	char out[PHONE_MAX];
	(void)state;
	for (size_t i = 0; i < sizeof phones / sizeof phones[0]; i++) {
		const char *p = phones[i];
		size_t len = strlen(p), stars = 0, visible_head = 0;
		phone_mask(p, out);
		assert_int_equal(strlen(out), len);
		assert_int_equal(out[0], '+');
		assert_string_equal(out + len - 4, p + len - 4);
		for (size_t j = 1; j < len - 4; j++) {
			if (out[j] == '*')
				stars++;
			else if (out[j] == p[j] && stars == 0)
				visible_head++;
			else
				fail_msg("%s masked as %s: digit %zu visible after a star", p, out, j);
		}
		if (stars == 0)
			fail_msg("%s masked as %s: nothing hidden", p, out);
		if (visible_head > 3)
			fail_msg("%s masked as %s: too much visible", p, out);
	}
}

static void test_mask_garbage(void **state)
{
	char out[PHONE_MAX];
	(void)state;
	phone_mask("", out);
	assert_null(strpbrk(out, "0123456789"));
	phone_mask("9876543210", out);
	assert_null(strstr(out, "98765"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_numbers),     cmocka_unit_test(test_invalid_numbers),
	    cmocka_unit_test(test_mask_indian),       cmocka_unit_test(test_mask_other_countries),
	    cmocka_unit_test(test_mask_properties),   cmocka_unit_test(test_mask_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
