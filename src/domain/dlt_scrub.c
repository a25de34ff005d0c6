/*
 * The send-time scrub: the operator's chain (DLT-01 ... DLT-17) over the
 * registry snapshot in its input, checked in the order an operator's
 * scrubber checks, so a refusal names the same rule and delivery code the
 * operator would. The template language it leans on (parse, match, the
 * character checks) is dlt.c. Pure: no store and no I/O.
 */
#include "domain/dlt_scrub.h"

#include "domain/dlt_int.h"

#include <string.h>

/* ---- Values ----------------------------------------------------------- */

/* local@domain.tld in ASCII: a plain local part and dot-separated labels. */
static bool dlt_scrub_email_ok(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);
	size_t local, dots = 0;

	if (!at)
		return false;
	local = (size_t)(at - s);
	if (local == 0 || local > 64 || local + 1 >= len)
		return false;
	for (size_t i = 0; i < local; i++)
		if (!dlt_word_char(s[i]) && !strchr(".%+-", s[i]))
			return false;
	for (size_t i = local + 1; i < len; i++) {
		char ch = s[i];
		if (ch == '.') {
			if (i == local + 1 || i == len - 1 || s[i - 1] == '.')
				return false;
			dots++;
		} else if (!dlt_alpha(ch) && !dlt_digit(ch) && ch != '-') {
			return false;
		}
	}
	return dots > 0;
}

/* DLT-12 .. DLT-17 for one value; true if it passes. */
static bool dlt_scrub_value_check(const struct dlt_scrub_input *in, const struct dlt_parsed *p,
				  size_t v, const char *value, size_t len, struct dlt_finding *f)
{
	const struct dlt_scrub_template *t = &in->tmpl;
	int max = t->var_max_len && t->var_max_len[v] > 0 ? t->var_max_len[v]
		  : in->var_max_len_default > 0 ? in->var_max_len_default
						 : DLT_VAR_MAX_LEN_DEFAULT;
	const char *name = t->var_names && v < t->var_name_count ? t->var_names[v] : "";
	int tag = p->vars[v].tag;
	size_t chars = dlt_utf8_chars(value, len);
	const char *problem;

	if (len == 0) /* DLT-12 */
		return dlt_fail(f, DLT_R_VALUE_EMPTY, "variables",
				"variable %zu (%s) of template %s is empty", v + 1,
				name[0] ? name : dlt_tag_name(tag), t->dlt_template_id);
	if (chars > (size_t)max) /* DLT-13 */
		return dlt_fail(f, DLT_R_VALUE_LENGTH, "variables",
				"variable %zu (%s) is %zu characters; template %s allows %d", v + 1,
				name[0] ? name : dlt_tag_name(tag), chars, t->dlt_template_id, max);
	for (size_t i = 0; tag == DLT_TAG_NUMERIC && i < len; i++)
		if (!dlt_digit(value[i])) /* DLT-14 */
			return dlt_fail(f, DLT_R_VALUE_TAG, "variables",
					"variable %zu (%s) is {#numeric#} and takes ASCII digits "
					"only", v + 1, name[0] ? name : "numeric");
	for (size_t i = 0; tag == DLT_TAG_ALPHANUMERIC && i < len; i++)
		if (!dlt_digit(value[i]) && !dlt_alpha(value[i])) /* DLT-14 */
			return dlt_fail(f, DLT_R_VALUE_TAG, "variables",
					"variable %zu (%s) is {#alphanumeric#} and takes ASCII "
					"letters and digits only", v + 1,
					name[0] ? name : "alphanumeric");
	if (tag == DLT_TAG_EMAIL && !dlt_scrub_email_ok(value, len)) /* DLT-14 */
		return dlt_fail(f, DLT_R_VALUE_TAG, "variables",
				"variable %zu (%s) is {#email#} and is not an e-mail address", v + 1,
				name[0] ? name : "email");
	if (tag == DLT_TAG_URL && !dlt_whitelist_url(&in->whitelist, value, len)) /* DLT-15 */
		return dlt_fail(f, DLT_R_VALUE_URL, "variables",
				"variable %zu (%s) is a URL not whitelisted under PE %s", v + 1,
				name[0] ? name : "url", in->pe_id);
	if (tag == DLT_TAG_CBN && !dlt_whitelist_cbn(&in->whitelist, value, len)) /* DLT-16 */
		return dlt_fail(f, DLT_R_VALUE_CBN, "variables",
				"variable %zu (%s) is not a callback number whitelisted under PE %s",
				v + 1, name[0] ? name : "cbn", in->pe_id);
	problem = dlt_chars_problem(value, len, false, !p->unicode);
	if (problem) /* DLT-17 */
		return dlt_fail(f, DLT_R_VALUE_CHARS, "variables",
				"variable %zu (%s) holds %s, which breaks the operator's match",
				v + 1, name[0] ? name : dlt_tag_name(tag), problem);
	return true;
}

/* ---- The scrub -------------------------------------------------------- */

static bool dlt_scrub_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > DLT_ID_MAX_DIGITS)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!dlt_digit(id[i]))
			return false;
	return true;
}

bool dlt_scrub(const struct dlt_scrub_input *in, struct dlt_finding *f)
{
	const struct dlt_scrub_header *h = &in->header;
	const struct dlt_scrub_template *t = &in->tmpl;
	struct dlt_parsed parsed;
	size_t starts[DLT_PARSE_VARS_MAX], lens[DLT_PARSE_VARS_MAX];
	bool mapped = false;

	if (f)
		memset(f, 0, sizeof *f);
	if (!in->pe_id || !in->pe_id[0]) /* DLT-01 */
		return dlt_fail(f, DLT_R_PE, "pe_id",
				in->shared ? "the platform has no PE-ID for the shared route; set "
					     "it with PATCH /v1/platform"
					   : "the tenant's route is own but it has no PE-ID; the "
					     "shared route is never used in its place");
	if (!h->name[0]) /* DLT-02 */
		return dlt_fail(f, DLT_R_HEADER_REGISTERED, "sender_header",
				"no header: the send names none and the template maps none");
	if (!h->found) /* DLT-02 */
		return dlt_fail(f, DLT_R_HEADER_REGISTERED, "sender_header",
				"header %s is not registered%s", h->name,
				in->shared ? " in the platform's registry" : " for this tenant");
	if (h->status != STORE_DLT_ACTIVE) /* DLT-03 */
		return dlt_fail(f, DLT_R_HEADER_ACTIVE, "sender_header", "header %s is %s",
				h->name, dlt_status_name(h->status));
	if (t->found && h->category != t->category) /* DLT-04 */
		return dlt_fail(f, DLT_R_HEADER_CATEGORY, "sender_header",
				"header %s is %s but template %s is %s", h->name,
				dlt_category_name(h->category), t->dlt_template_id,
				dlt_category_name(t->category));
	if (!h->pe_id || strcmp(h->pe_id, in->pe_id) != 0) /* DLT-05 */
		return dlt_fail(f, DLT_R_HEADER_PE, "sender_header",
				"header %s belongs to PE %s, not to PE %s", h->name,
				h->pe_id && h->pe_id[0] ? h->pe_id : "(none)", in->pe_id);
	if (!t->found) /* DLT-06 */
		return dlt_fail(f, DLT_R_TEMPLATE_FOUND, "template",
				"template %s is not registered%s", t->dlt_template_id,
				in->shared ? " in the platform's registry" : "");
	if (!dlt_scrub_id_ok(t->dlt_template_id)) /* DLT-07 */
		return dlt_fail(f, DLT_R_TEMPLATE_ID, "template",
				"template ID \"%.40s\" is not 1 to %d digits", t->dlt_template_id,
				DLT_ID_MAX_DIGITS);
	if (t->status == STORE_DLT_BLACKLISTED) /* DLT-08 */
		return dlt_fail(f, DLT_R_TEMPLATE_BLACKLISTED, "template",
				"template %s is blacklisted", t->dlt_template_id);
	if (t->status != STORE_DLT_ACTIVE) /* DLT-09 */
		return dlt_fail(f, DLT_R_TEMPLATE_ACTIVE, "template", "template %s is inactive",
				t->dlt_template_id);
	for (size_t i = 0; i < t->header_count && !mapped; i++)
		mapped = strcmp(t->headers[i], h->name) == 0;
	if (!mapped) /* DLT-10 */
		return dlt_fail(f, DLT_R_TEMPLATE_MAPPED, "sender_header",
				"template %s is not mapped to header %s", t->dlt_template_id,
				h->name);
	/* A registered body that no longer parses can match nothing. */
	if (!dlt_parse(t->body, &parsed, NULL) ||
	    !dlt_match(t->body, &parsed, in->content, starts, lens)) /* DLT-11 */
		return dlt_fail(f, DLT_R_CONTENT, "template",
				"the message does not match the registered content of template "
				"%s exactly (case, spaces and punctuation count)",
				t->dlt_template_id);
	for (size_t v = 0; v < parsed.var_count; v++)
		if (!dlt_scrub_value_check(in, &parsed, v, in->content + starts[v], lens[v], f))
			return false;
	return true;
}
