/*
 * The pure DLT engine (src/domain/dlt.c, dlt_lint.c): the rule table, the
 * template parser and its look-alikes, the operator-style matcher, value
 * normalisation, and the registration formats. The scrub's verdicts are
 * covered by the table-driven cases (test_dlt_cases.c); these are the
 * pieces underneath.
 */
#include "domain/dlt.h"
#include "domain/dlt_lint.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

/* Parses body and returns the rule it breaks ("" if none). */
static const char *parse_rule(const char *body)
{
	static char rule[STORE_DLT_RULE_MAX];
	struct dlt_parsed p;
	struct dlt_finding f;

	if (dlt_parse(body, &p, &f))
		return "";
	snprintf(rule, sizeof rule, "%s", f.rule->id);
	return rule;
}

static void test_rule_table(void **state)
{
	const struct dlt_rule *r;
	size_t n = 0;

	(void)state;
	for (size_t i = 0; (r = dlt_rules_at(i)) != NULL; i++, n++) {
		assert_non_null(r->id);
		assert_int_equal(strncmp(r->id, "DLT-", 4), 0);
		assert_non_null(r->check);
		assert_non_null(r->source);
		/* Only the scrub's rules carry an operator code. */
		assert_true((r->kind == DLT_KIND_SCRUB) == (r->dlt_code != NULL));
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(dlt_rules_at(k)->id, r->id);
	}
	assert_int_equal(n, DLT__RULES);
	assert_string_equal(dlt_rules_get(DLT_R_HEADER_PE)->id, "DLT-05");
	assert_string_equal(dlt_rules_get(DLT_R_HEADER_PE)->dlt_code, "SNDR-NT-MTCH");
	assert_string_equal(dlt_rules_get(DLT_R_CONTENT)->dlt_code, "TL-NT-MTCHD");
}

static void test_parse(void **state)
{
	struct dlt_parsed p;

	(void)state;
	assert_true(dlt_parse("Your OTP for {#var#} is {#numeric#}.", &p, NULL));
	assert_int_equal(p.var_count, 2);
	assert_int_equal(p.vars[0].tag, DLT_TAG_VAR);
	assert_int_equal(p.vars[1].tag, DLT_TAG_NUMERIC);
	assert_int_equal(p.vars[0].start, 13);
	assert_int_equal(p.vars[0].end, 20);
	assert_false(p.unicode);
	assert_true(p.fixed_alnum);
	assert_int_equal(p.fixed_chars, strlen("Your OTP for  is ."));
	for (int t = 0; t < DLT__TAGS; t++) {
		char body[64];
		snprintf(body, sizeof body, "Code {#%s#} now", dlt_tag_name(t));
		assert_true(dlt_parse(body, &p, NULL));
		assert_int_equal(p.vars[0].tag, t);
	}
	assert_true(dlt_parse("{#var#} के लिए OTP {#numeric#}", &p, NULL));
	assert_true(p.unicode);
	assert_int_equal(p.fixed_chars, 12); /* characters, not bytes: " के लिए OTP " */
	/* Multi-line templates are fine: a newline is the one allowed control. */
	assert_string_equal(parse_rule("Line one\nOTP {#numeric#}"), "");
}

static void test_parse_lookalikes(void **state)
{
	static const char *const bad[] = {
		"OTP {#var} now",	"OTP { #var# } now", "OTP {$var$} now", "OTP {var} now",
		"OTP {{var}} now",	"OTP #var# now",     "OTP {##} now",    "OTP {# var #} now",
		"OTP {#VAR#} now",	"OTP {#otp#} now",   "OTP var#} now",   "OTP {%var%} now",
		"OTP {#var#}#} now",	"OTP {#var",	      "OTP $numeric$ now",
	};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (strcmp(parse_rule(bad[i]), "DLT-20") != 0)
			fail_msg("%s parsed as %s", bad[i], parse_rule(bad[i]));
	}
	/* Braces and hashes that are not look-alikes stay plain text. */
	assert_string_equal(parse_rule("Order #123 {ok} {#var#}"), "");
	assert_string_equal(parse_rule("C# {# } x {#numeric#}"), "DLT-20");
	/* Invisible characters in fixed text (DLT-25). */
	assert_string_equal(parse_rule("OTP\xe2\x80\x8b {#numeric#}"), "DLT-25");
	assert_string_equal(parse_rule("OTP\t{#numeric#}"), "DLT-25");
	assert_string_equal(parse_rule("OTP \xff {#numeric#}"), "DLT-25");
	/* More variables than can be held at all. */
	assert_string_equal(parse_rule("{#var#}a{#var#}a{#var#}a{#var#}a{#var#}a{#var#}a{#var#}a"
				       "{#var#}a{#var#}a{#var#}a{#var#}"),
			    "DLT-22");
}

/* Matches content and returns the values, "|"-joined, or "NO". */
static const char *match(const char *body, const char *content)
{
	static char out[256];
	size_t starts[DLT_PARSE_VARS_MAX], lens[DLT_PARSE_VARS_MAX];
	struct dlt_parsed p;
	size_t used = 0;

	assert_true(dlt_parse(body, &p, NULL));
	if (!dlt_match(body, &p, content, starts, lens))
		return "NO";
	out[0] = '\0';
	for (size_t v = 0; v < p.var_count; v++)
		used += (size_t)snprintf(out + used, sizeof out - used, "%s%.*s", v ? "|" : "",
					 (int)lens[v], content + starts[v]);
	return out;
}

static void test_match(void **state)
{
	(void)state;
	assert_string_equal(match("Your OTP is {#numeric#}.", "Your OTP is 492811."), "492811");
	assert_string_equal(match("Your OTP is {#numeric#}.", "your OTP is 492811."), "NO");
	assert_string_equal(match("Your OTP is {#numeric#}.", "Your OTP is 492811. "), "NO");
	assert_string_equal(match("Your OTP is {#numeric#}.", "Your OTP is ."), "");
	assert_string_equal(match("No variables", "No variables"), "");
	assert_string_equal(match("No variables", "No variable"), "NO");
	assert_string_equal(match("{#var#} first", "Alpha first"), "Alpha");
	assert_string_equal(match("last {#var#}", "last one"), "one");
	/* The first variable is as long as it can be (POSIX leftmost-longest). */
	assert_string_equal(match("OTP for {#var#} is {#numeric#}.", "OTP for A is B is 12."),
			    "A is B|12");
	assert_string_equal(match("{#var#}-{#var#}-{#var#}", "a-b-c-d"), "a-b|c|d");
	assert_string_equal(match("x{#var#}y", "xy"), "");
	assert_string_equal(match("xy{#var#}yz", "xyz"), "NO"); /* fixed parts cannot overlap */
	assert_string_equal(match("Alpha{#var#}Store", "AlphaMartStore"), "Mart");
	/* Adjacent variables (registration refuses them) still split. */
	assert_string_equal(match("a{#var#}{#var#}b", "axyb"), "xy|");
}

static void test_values(void **state)
{
	char out[DLT_CBN_MAX];
	struct dlt_whitelist_entry e[] = {
		{STORE_DLT_WL_URL, "https://alpha.example.in/v?"},
		{STORE_DLT_WL_URL, "https://alpha.example.in/help"},
		{STORE_DLT_WL_CBN, "9812345678"},
		{STORE_DLT_WL_CBN, "18001234567"},
	};
	struct dlt_whitelist wl = {e, 4};

	(void)state;
	assert_true(dlt_cbn_normalize("9812345678", 10, out));
	assert_string_equal(out, "9812345678");
	assert_true(dlt_cbn_normalize("+919812345678", 13, out));
	assert_string_equal(out, "9812345678");
	assert_true(dlt_cbn_normalize("919812345678", 12, out));
	assert_true(dlt_cbn_normalize("18601234567", 11, out));
	assert_false(dlt_cbn_normalize("5812345678", 10, out));  /* mobiles start 6-9 */
	assert_false(dlt_cbn_normalize("+9812345678", 11, out)); /* + only before 91 */
	assert_false(dlt_cbn_normalize("02212345678", 11, out));
	assert_false(dlt_cbn_normalize("98123 45678", 11, out));
	assert_false(dlt_cbn_normalize("", 0, out));
	assert_true(dlt_whitelist_cbn(&wl, "+919812345678", 13));
	assert_true(dlt_whitelist_cbn(&wl, "18001234567", 11));
	assert_false(dlt_whitelist_cbn(&wl, "9812345679", 10));
	assert_true(dlt_whitelist_url(&wl, "https://alpha.example.in/v?x=1", 30));
	assert_true(dlt_whitelist_url(&wl, "https://alpha.example.in/v?", 27));
	assert_false(dlt_whitelist_url(&wl, "https://alpha.example.in/v", 26));
	assert_true(dlt_whitelist_url(&wl, "https://alpha.example.in/help", 29));
	assert_false(dlt_whitelist_url(&wl, "https://alpha.example.in/help2", 30));
	assert_int_equal(dlt_utf8_chars("अल्फ़ा", strlen("अल्फ़ा")), 6);
	assert_int_equal(dlt_utf8_chars("abc", 3), 3);
}

static void test_formats(void **state)
{
	struct dlt_finding err, warn;
	char out[STORE_DLT_VALUE_MAX];
	bool warned;

	(void)state;
	assert_true(dlt_lint_pe_id("1101234567890123456", &err, &warn, &warned));
	assert_false(warned);
	assert_true(dlt_lint_pe_id("123", &err, &warn, &warned));
	assert_true(warned);
	assert_string_equal(warn.rule->id, "DLT-40");
	assert_false(dlt_lint_pe_id("12a", &err, &warn, &warned));
	assert_false(dlt_lint_pe_id("", &err, &warn, &warned));
	assert_false(dlt_lint_pe_id("1234567890123456789012345678901", &err, &warn, &warned));
	assert_true(dlt_lint_header("ALPHAR", STORE_DLT_SERVICE_IMPLICIT, &err));
	assert_true(dlt_lint_header("ALPHAR", STORE_DLT_GOVERNMENT, &err));
	assert_false(dlt_lint_header("ALPHA", STORE_DLT_TRANSACTIONAL, &err));
	assert_false(dlt_lint_header("ALPHARS", STORE_DLT_TRANSACTIONAL, &err));
	assert_false(dlt_lint_header("Alphar", STORE_DLT_SERVICE_IMPLICIT, &err));
	assert_false(dlt_lint_header("123456", STORE_DLT_SERVICE_IMPLICIT, &err));
	assert_true(dlt_lint_header("123456", STORE_DLT_PROMOTIONAL, &err));
	assert_false(dlt_lint_header("ALPHAR", STORE_DLT_PROMOTIONAL, &err));
	assert_string_equal(err.rule->id, "DLT-41");
	assert_true(dlt_lint_template_id("110716", &err, &warn, &warned));
	assert_true(warned);
	assert_false(dlt_lint_template_id("1107-16", &err, &warn, &warned));
	assert_true(dlt_lint_whitelist(STORE_DLT_WL_URL, "https://alpha.example.in/v?", out, &err));
	assert_true(dlt_lint_whitelist(STORE_DLT_WL_URL, "http://alpha.example.in", out, &err));
	assert_false(dlt_lint_whitelist(STORE_DLT_WL_URL, "https://BIT.LY/x", out, &err));
	assert_false(dlt_lint_whitelist(STORE_DLT_WL_URL, "https://tinyurl.com/x", out, &err));
	assert_false(dlt_lint_whitelist(STORE_DLT_WL_URL, "ftp://alpha.example.in", out, &err));
	assert_false(dlt_lint_whitelist(STORE_DLT_WL_URL, "https://alpha.example.in/a b", out, &err));
	assert_false(dlt_lint_whitelist(STORE_DLT_WL_URL, "https://", out, &err));
	assert_false(dlt_lint_whitelist(STORE_DLT_WL_URL, "https://a.in/v?x=1", out, &err));
	assert_string_equal(err.rule->id, "DLT-43");
	assert_false(dlt_lint_whitelist(STORE_DLT_WL_CBN, "+91 9812345678", out, &err));
	assert_true(dlt_lint_whitelist(STORE_DLT_WL_CBN, "+919812345678", out, &err));
	assert_string_equal(out, "9812345678");
	assert_false(dlt_lint_whitelist(STORE_DLT_WL_CBN, "12345", out, &err));
	assert_string_equal(err.rule->id, "DLT-44");
	assert_true(dlt_lint_var_max_len(1, &err));
	assert_true(dlt_lint_var_max_len(128, &err));
	assert_false(dlt_lint_var_max_len(0, &err));
	assert_false(dlt_lint_var_max_len(129, &err));
}

static void test_infer_vars(void **state)
{
	char names[DLT_PARSE_VARS_MAX][STORE_VAR_NAME_MAX];
	struct dlt_parsed p;
	struct dlt_finding f;

	(void)state;
	assert_true(dlt_parse("Your OTP for {#var#} is {#numeric#}.", &p, NULL));
	assert_true(dlt_lint_infer_vars(&p, names, &f));
	assert_string_equal(names[0], "appName");
	assert_string_equal(names[1], "otp");
	assert_true(dlt_parse("Use {#var#} to sign in.", &p, NULL));
	assert_true(dlt_lint_infer_vars(&p, names, &f));
	assert_string_equal(names[0], "otp");
	assert_true(dlt_parse("Order {#numeric#} for {#var#} at {#url#}: OTP {#alphanumeric#}", &p,
			      NULL));
	assert_true(dlt_lint_infer_vars(&p, names, &f));
	assert_string_equal(names[0], "otp");
	assert_string_equal(names[1], "appName");
	assert_string_equal(names[2], "var3");
	assert_string_equal(names[3], "var4");
	assert_true(dlt_parse("Your OTP for {#var#} is {#var#}.", &p, NULL));
	assert_false(dlt_lint_infer_vars(&p, names, &f));
	assert_string_equal(f.rule->id, "DLT-24");
	assert_true(dlt_parse("Open {#url#} now", &p, NULL));
	assert_false(dlt_lint_infer_vars(&p, names, &f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_table),  cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_lookalikes), cmocka_unit_test(test_match),
		cmocka_unit_test(test_values),	     cmocka_unit_test(test_formats),
		cmocka_unit_test(test_infer_vars),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
