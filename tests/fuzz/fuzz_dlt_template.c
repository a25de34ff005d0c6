/*
 * Fuzz target: DLT template parsing, lint, operator-style matching and the
 * scrub (src/domain/dlt.c, dlt_lint.c, dlt_scrub.c), and the portal CSV
 * reader (dlt_csv.c).
 *
 * The first byte picks what the rest is:
 *   0: a body, NUL, a message: parse, lint and scrub the message; a match
 *      must rebuild the message exactly from the fixed text and the values.
 *   1: a body, NUL, values separated by NULs: render the body with the
 *      values (template_render) and match the result; what renders must
 *      match, and the values the matcher finds must render the same text.
 *   2: CSV text: read every record; lines only grow and every field read
 *      is NUL-terminated within its buffer.
 */
#include "domain/dlt.h"
#include "domain/dlt_csv.h"
#include "domain/dlt_lint.h"
#include "domain/dlt_scrub.h"
#include "domain/template.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_TEXT_MAX TEMPLATE_RENDERED_MAX

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Copies the part of data up to the next NUL (or its end) into out; returns where the next starts. */
static const uint8_t *fuzz_take(const uint8_t *p, const uint8_t *end, char *out, size_t max)
{
	const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
	size_t len = (size_t)((nul ? nul : end) - p);

	if (len >= max)
		len = max - 1;
	memcpy(out, p, len);
	out[len] = '\0';
	return nul ? nul + 1 : end;
}

/* Checks what dlt_parse said about body against the body itself. */
static void fuzz_check_parsed(const char *body, const struct dlt_parsed *p)
{
	size_t prev_end = 0, len = strlen(body);

	assert(p->var_count <= DLT_PARSE_VARS_MAX);
	for (size_t v = 0; v < p->var_count; v++) {
		assert(p->vars[v].start >= prev_end && p->vars[v].start < p->vars[v].end);
		assert(p->vars[v].end <= len);
		assert(strncmp(body + p->vars[v].start, "{#", 2) == 0);
		assert(strncmp(body + p->vars[v].end - 2, "#}", 2) == 0);
		assert(p->vars[v].tag >= 0 && p->vars[v].tag < DLT__TAGS);
		prev_end = p->vars[v].end;
	}
}

/* Rebuilds the message from the body's fixed text and the matched values. */
static void fuzz_check_match(const char *body, const struct dlt_parsed *p, const char *content,
			     const size_t *starts, const size_t *lens)
{
	static char rebuilt[FUZZ_TEXT_MAX * 2];
	size_t used = 0, from = 0;

	for (size_t v = 0; v <= p->var_count; v++) {
		size_t to = v < p->var_count ? p->vars[v].start : strlen(body);
		memcpy(rebuilt + used, body + from, to - from);
		used += to - from;
		if (v < p->var_count) {
			assert(starts[v] + lens[v] <= strlen(content));
			memcpy(rebuilt + used, content + starts[v], lens[v]);
			used += lens[v];
			from = p->vars[v].end;
		}
	}
	rebuilt[used] = '\0';
	assert(strcmp(rebuilt, content) == 0);
}

static void fuzz_lint(const char *body, const struct dlt_parsed *p)
{
	char names[DLT_PARSE_VARS_MAX][STORE_VAR_NAME_MAX];
	int max_len[DLT_PARSE_VARS_MAX];
	struct dlt_lint_result *res = malloc(sizeof *res);
	struct dlt_lint_input in;
	struct dlt_finding f;

	if (!res)
		return;
	memset(&in, 0, sizeof in);
	for (size_t v = 0; v < DLT_PARSE_VARS_MAX; v++)
		max_len[v] = DLT_VAR_MAX_LEN_DEFAULT;
	if (dlt_lint_infer_vars(p, names, &f)) {
		in.var_count = p->var_count;
		in.var_names = names;
	}
	in.body = body;
	in.var_max_len = max_len;
	dlt_lint(&in, p, res);
	assert(res->ok == (res->error.rule == NULL));
	assert(res->warning_count <= STORE_DLT_WARNINGS_MAX);
	free(res);
}

static void fuzz_scrub(const char *body, const char *content)
{
	static const char headers[1][STORE_HEADER_MAX] = {"ALPHAR"};
	struct dlt_whitelist_entry wl[] = {{STORE_DLT_WL_URL, "https://a.in/?"},
					   {STORE_DLT_WL_CBN, "9812345678"}};
	struct dlt_scrub_input in;
	struct dlt_finding f;

	memset(&in, 0, sizeof in);
	in.pe_id = "1101234567890123456";
	in.header = (struct dlt_scrub_header){"ALPHAR", true, STORE_DLT_SERVICE_IMPLICIT,
					      STORE_DLT_ACTIVE, "1101234567890123456"};
	in.tmpl.found = true;
	in.tmpl.dlt_template_id = "1107160000000012345";
	in.tmpl.body = body;
	in.tmpl.header_count = 1;
	in.tmpl.headers = headers;
	in.whitelist.entries = wl;
	in.whitelist.count = 2;
	in.content = content;
	if (!dlt_scrub(&in, &f))
		assert(f.rule && f.rule->dlt_code && memchr(f.message, '\0', sizeof f.message));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char body[STORE_TEMPLATE_BODY_MAX], content[FUZZ_TEXT_MAX];
	static char values_buf[DLT_PARSE_VARS_MAX][TEMPLATE_VALUE_MAX];
	size_t starts[DLT_PARSE_VARS_MAX], lens[DLT_PARSE_VARS_MAX];
	const uint8_t *p, *end = data + size;
	struct dlt_parsed parsed;

	if (size < 1)
		return 0;
	p = data + 1;
	if (data[0] % 3 == 2) {
		struct dlt_csv csv;
		struct dlt_csv_row *row = malloc(sizeof *row);
		size_t last = 0;
		if (row && dlt_csv_open(&csv, (const char *)p, (size_t)(end - p), NULL)) {
			while (dlt_csv_next(&csv, row) == 1) {
				assert(row->line >= last && row->line >= 2);
				last = row->line;
				assert(memchr(row->body, '\0', sizeof row->body));
				assert(memchr(row->name, '\0', sizeof row->name));
				assert(row->header_count <= STORE_DLT_HEADERS_MAX);
			}
		}
		free(row);
		return 0;
	}
	p = fuzz_take(p, end, body, sizeof body);
	if (!dlt_parse(body, &parsed, NULL)) {
		fuzz_scrub(body, ""); /* a broken registered body can match nothing */
		return 0;
	}
	fuzz_check_parsed(body, &parsed);
	fuzz_lint(body, &parsed);
	if (data[0] % 3 == 0) {
		fuzz_take(p, end, content, sizeof content);
		if (dlt_match(body, &parsed, content, starts, lens))
			fuzz_check_match(body, &parsed, content, starts, lens);
		fuzz_scrub(body, content);
		return 0;
	}
	{
		const char *values[DLT_PARSE_VARS_MAX];
		for (size_t v = 0; v < parsed.var_count; v++) {
			p = fuzz_take(p, end, values_buf[v], sizeof values_buf[v]);
			values[v] = values_buf[v];
		}
		if (template_render(body, values, parsed.var_count, content, sizeof content) != OG_OK)
			return 0;
		/* What otpgate renders from a registered body always matches it. */
		assert(dlt_match(body, &parsed, content, starts, lens));
		fuzz_check_match(body, &parsed, content, starts, lens);
		fuzz_scrub(body, content);
	}
	return 0;
}
