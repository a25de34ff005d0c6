/*
 * Template parsing and rendering: what otpgate renders must be exactly the
 * registered text with each {#var#} replaced, or an error, never a guess.
 */
#include "domain/template.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

static void test_count_vars(void **state)
{
	(void)state;
	assert_int_equal(template_count_vars("Your OTP is {#var#}."), 1);
	assert_int_equal(template_count_vars("Your OTP for {#var#} is {#var#}. Valid 5 min."), 2);
	assert_int_equal(template_count_vars("no variables"), 0);
	assert_int_equal(template_count_vars("{#numeric#} and {#alphanumeric#}"), 2);
	assert_int_equal(template_count_vars("broken {#var"), -1);
	assert_int_equal(template_count_vars("empty {##}"), -1);
	assert_int_equal(template_count_vars("spaced {# var #}"), -1);
	/* Look-alikes are plain text, not variables. */
	assert_int_equal(template_count_vars("dollar {$var$} and {var}"), 0);
}

static void test_render(void **state)
{
	char out[TEMPLATE_RENDERED_MAX];
	const char *values[] = {"Alpha Retail", "492811"};
	(void)state;

	assert_int_equal(template_render("Your OTP for {#var#} is {#var#}. Valid for 5 minutes.",
					 values, 2, out, sizeof out),
			 OG_OK);
	assert_string_equal(out, "Your OTP for Alpha Retail is 492811. Valid for 5 minutes.");
	assert_int_equal(template_render("{#var#} first", values + 1, 1, out, sizeof out), OG_OK);
	assert_string_equal(out, "492811 first");
}

static void test_render_rejects_mismatch(void **state)
{
	char out[TEMPLATE_RENDERED_MAX];
	const char *values[] = {"a", "b", "c"};
	(void)state;

	/* Too few or too many values. */
	assert_int_equal(template_render("{#var#} {#var#}", values, 1, out, sizeof out),
			 OG_ERR_INVALID_REQUEST);
	assert_int_equal(template_render("{#var#}", values, 3, out, sizeof out),
			 OG_ERR_INVALID_REQUEST);
	/* Malformed body. */
	assert_int_equal(template_render("{#var", values, 1, out, sizeof out),
			 OG_ERR_INVALID_REQUEST);
}

static void test_render_bounded(void **state)
{
	char out[16];
	const char *values[] = {"0123456789"};
	(void)state;

	assert_int_equal(template_render("code {#var#}", values, 1, out, sizeof out), OG_OK);
	assert_string_equal(out, "code 0123456789");
	/* One byte more than fits is an error, not a truncation. */
	assert_int_equal(template_render("codes {#var#}", values, 1, out, sizeof out),
			 OG_ERR_INVALID_REQUEST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_vars),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_rejects_mismatch),
		cmocka_unit_test(test_render_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
