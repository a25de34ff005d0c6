/*
 * Reading a DLT portal's CSV export (src/domain/dlt_csv.c): column name
 * variants, RFC 4180 quoting, line numbers of multi-line records, the
 * separator and BOM, and that a bad record spoils only itself. The sample
 * export the integration tests import is read here too.
 */
#include "domain/dlt_csv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSV_ROWS_TEST_MAX 32

struct rows {
	size_t n;
	struct dlt_csv_row row[CSV_ROWS_TEST_MAX];
};

/* Reads every record of text into r; returns false if the header row is refused. */
static bool read_all(const char *text, struct rows *r, struct dlt_finding *err)
{
	struct dlt_csv csv;

	memset(r, 0, sizeof *r);
	if (!dlt_csv_open(&csv, text, strlen(text), err))
		return false;
	while (r->n < CSV_ROWS_TEST_MAX && dlt_csv_next(&csv, &r->row[r->n]) == 1)
		r->n++;
	return true;
}

static void test_column_variants(void **state)
{
	static const char *const headers[] = {
		"Template ID,Template Content\n", "template_id,template_content\n",
		"DLT_TEMPLATE_ID;MESSAGE\n",	  "CTID\tBody\n",
		"\"Content Template ID\",\"Template Text\"\n",
	};
	struct rows *r = malloc(sizeof *r);
	struct dlt_finding err;
	char text[256];

	(void)state;
	for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
		char sep = strchr(headers[i], ';') ? ';' : strchr(headers[i], '\t') ? '\t' : ',';
		snprintf(text, sizeof text, "%s1107160000000012345%cOTP {#numeric#} now\n", headers[i],
			 sep);
		assert_true(read_all(text, r, &err));
		assert_int_equal(r->n, 1);
		assert_true(r->row[0].ok);
		assert_string_equal(r->row[0].dlt_template_id, "1107160000000012345");
		assert_string_equal(r->row[0].body, "OTP {#numeric#} now");
		/* No name column: the template id names it. */
		assert_string_equal(r->row[0].name, "1107160000000012345");
		assert_false(r->row[0].has_category);
	}
	assert_false(read_all("Name,Body\nx,y\n", r, &err));
	assert_null(err.rule);
	assert_false(read_all("Template ID,Name\n1,x\n", r, &err));
	free(r);
}

static void test_values_and_quoting(void **state)
{
	const char *text = "Template ID,Name,Content,Type,Headers,Status,Vars\r\n"
			   "1,\"Login, OTP\",\"Say \"\"hi\"\"\r\nthen {#numeric#}\",Service "
			   "Explicit,\"ALPHAR; ALPHAB\",Blocked,otp\r\n"
			   "\r\n"
			   "2,  x  ,Code {#numeric#},Txn,ALPHAR,Approved,\r\n"
			   "3,y,Code {#numeric#},Service,ALPHAR,Approved,\r\n"
			   "4,z,Code {#numeric#},Govt,ALPHAR,Rejected,a|b|c|d|e|f|g|h|i|j|k\r\n";
	struct rows *r = malloc(sizeof *r);
	struct dlt_finding err;

	(void)state;
	assert_true(read_all(text, r, &err));
	assert_int_equal(r->n, 4);
	assert_true(r->row[0].ok);
	assert_int_equal(r->row[0].line, 2);
	assert_string_equal(r->row[0].name, "Login_OTP");
	/* A quoted line break keeps its newline but not its CR. */
	assert_string_equal(r->row[0].body, "Say \"hi\"\nthen {#numeric#}");
	assert_int_equal(r->row[0].category, STORE_DLT_SERVICE_EXPLICIT);
	assert_int_equal(r->row[0].status, STORE_DLT_BLACKLISTED);
	assert_int_equal(r->row[0].header_count, 2);
	assert_string_equal(r->row[0].headers[1], "ALPHAB");
	assert_int_equal(r->row[0].var_count, 1);
	/* The record after a two-line record, and a blank line, keep counting. */
	assert_int_equal(r->row[1].line, 5);
	assert_true(r->row[1].ok);
	assert_string_equal(r->row[1].name, "x");
	assert_int_equal(r->row[1].category, STORE_DLT_TRANSACTIONAL);
	assert_int_equal(r->row[1].status, STORE_DLT_ACTIVE);
	assert_int_equal(r->row[1].var_count, 0);
	/* "Service" alone could be either service category: refused. */
	assert_false(r->row[2].ok);
	assert_int_equal(r->row[2].line, 6);
	assert_string_equal(r->row[2].error.field, "category");
	assert_false(r->row[3].ok);
	assert_string_equal(r->row[3].error.field, "vars");
	free(r);
}

static void test_bad_records(void **state)
{
	char text[4 * DLT_CSV_FIELD_MAX];
	struct rows *r = malloc(sizeof *r);
	struct dlt_finding err;
	int n;

	(void)state;
	/* A field past its limit spoils its own record and no other. */
	n = snprintf(text, sizeof text, "id,content\n1,");
	memset(text + n, 'a', DLT_CSV_FIELD_MAX + 10);
	n += DLT_CSV_FIELD_MAX + 10;
	snprintf(text + n, sizeof text - (size_t)n, "\n2,ok {#numeric#}\n3,\"open quote\n");
	assert_true(read_all(text, r, &err));
	assert_int_equal(r->n, 3);
	assert_false(r->row[0].ok);
	assert_true(r->row[1].ok);
	assert_int_equal(r->row[1].line, 3);
	assert_false(r->row[2].ok);
	assert_string_equal(r->row[2].error.message, "unterminated quote");
	assert_true(read_all("id,content\n,x\n5,\n", r, &err));
	assert_string_equal(r->row[0].error.field, "dlt_template_id");
	assert_string_equal(r->row[1].error.field, "body");
	/* An unterminated quote in the header row. */
	assert_false(read_all("\"id,content\n", r, &err));
	free(r);
}

static void test_sample_export(void **state)
{
	char path[512];
	const char *slash = strrchr(__FILE__, '/');
	struct rows *r = malloc(sizeof *r);
	struct dlt_finding err;
	char *text = calloc(1, DLT_CSV_TEXT_MAX + 1);
	FILE *f;
	size_t len;
	static const size_t lines[] = {2, 3, 4, 5, 6, 7, 8, 10, 11, 12};
	static const bool good[] = {true, true, true, true, true, false, true, true, false, true};

	(void)state;
	snprintf(path, sizeof path, "%.*s/../integration/data/dlt_portal_export.csv",
		 (int)(slash - __FILE__), __FILE__);
	f = fopen(path, "rb");
	assert_non_null(f);
	len = fread(text, 1, DLT_CSV_TEXT_MAX, f);
	fclose(f);
	text[len] = '\0';
	assert_true(read_all(text, r, &err));
	assert_int_equal(r->n, 10);
	/* CSV-level problems only; lint (rows 3 and 4) and the id format
	 * (row 5) are the registration's to find. */
	for (size_t i = 0; i < 10; i++) {
		assert_int_equal(r->row[i].line, lines[i]);
		assert_int_equal(r->row[i].ok, good[i]);
	}
	assert_string_equal(r->row[0].name, "Login_OTP");
	assert_string_equal(r->row[1].headers[1], "ALPHAB");
	assert_string_equal(r->row[6].body, "Your OTP is {#numeric#}.\nDo not share it with anyone.");
	assert_int_equal(r->row[7].status, STORE_DLT_INACTIVE);
	assert_string_equal(r->row[9].name, "Quote_test");
	assert_string_equal(r->row[9].body, "Your \"OTP\" is {#numeric#}. Do not share it.");
	free(text);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_column_variants),
		cmocka_unit_test(test_values_and_quoting),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_sample_export),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
