/*
 * Registration-time DLT checks. A template is linted once its body parses
 * (dlt_parse): errors refuse it, warnings travel with it to the store and
 * the response. The format checks here guard every way into the registry
 * (API, CSV import, CLI), so the scrub can trust what it reads back.
 */
#include "domain/dlt_lint.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define DLT_LINT_VARS_ERROR 3   /* DLT-22: more is refused */
#define DLT_LINT_VARS_WARN 2    /* DLT-30: more is warned */
#define DLT_LINT_SHARE_PCT 30   /* DLT-31: fixed text's least share */
#define DLT_LINT_TOKEN_MAX 200  /* the longest URL quoted from fixed text */
#define DLT_LINT_CODE_VAR "otp"

/* URL shorteners: their links hide the destination and are refused under
 * the October 2024 direction (DLT-43). */
static const char *const dlt_lint_shorteners[] = {
	"bit.ly",  "tinyurl.com", "goo.gl", "t.co",	   "ow.ly",  "is.gd", "buff.ly",
	"rb.gy",   "cutt.ly",	  "shorturl.at", "tiny.cc", "t.ly",   "rebrand.ly", "s.id",
	"v.gd",	   "bl.ink",	  "shorte.st",
};

static void dlt_lint_warn(struct dlt_lint_result *out, enum dlt_rule_id rule, const char *fmt,
			  ...) __attribute__((format(printf, 3, 4)));

static void dlt_lint_warn(struct dlt_lint_result *out, enum dlt_rule_id rule, const char *fmt, ...)
{
	struct dlt_finding *w;
	va_list ap;

	if (out->warning_count == STORE_DLT_WARNINGS_MAX)
		return; /* the first warnings are enough to act on */
	w = &out->warnings[out->warning_count++];
	w->rule = dlt_rules_get(rule);
	w->field = "body";
	va_start(ap, fmt);
	vsnprintf(w->message, sizeof w->message, fmt, ap);
	va_end(ap);
}

static bool dlt_lint_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* True if only blanks separate variable v from v + 1 (DLT-23). */
static bool dlt_lint_adjacent(const char *body, const struct dlt_parsed *p, size_t v)
{
	for (size_t i = p->vars[v].end; i < p->vars[v + 1].start; i++)
		if (body[i] != ' ' && body[i] != '\t' && body[i] != '\n')
			return false;
	return true;
}

/* DLT-33: URLs and callback numbers written into fixed text [from, to). */
static void dlt_lint_fixed_whitelist(const struct dlt_lint_input *in, size_t from, size_t to,
				     struct dlt_lint_result *out)
{
	const char *b = in->body;
	size_t i = from;

	while (i < to) {
		size_t end = i;
		bool www = strncasecmp(b + i, "www.", 4) == 0;
		if (strncasecmp(b + i, "http://", 7) == 0 || strncasecmp(b + i, "https://", 8) == 0 ||
		    www) {
			char url[DLT_LINT_TOKEN_MAX + 16];
			while (end < to && b[end] != ' ' && b[end] != '\n' && b[end] != '\t')
				end++;
			/* Sentence punctuation is not part of the link. */
			while (end > i && strchr(".,;:!)'\"", b[end - 1]))
				end--;
			if (end - i <= DLT_LINT_TOKEN_MAX) {
				int n = snprintf(url, sizeof url, "%s%.*s", www ? "https://" : "",
						 (int)(end - i), b + i);
				bool listed = dlt_whitelist_url(&in->whitelist, url, (size_t)n);
				if (!listed && www) {
					n = snprintf(url, sizeof url, "http://%.*s", (int)(end - i),
						     b + i);
					listed = dlt_whitelist_url(&in->whitelist, url, (size_t)n);
				}
				if (!listed)
					dlt_lint_warn(out, DLT_R_FIXED_WHITELIST,
						      "the URL %.*s in the fixed text is not "
						      "whitelisted; operators block such messages",
						      (int)(end - i), b + i);
			}
			i = end > i ? end : i + 1;
			continue;
		}
		if ((b[i] >= '0' && b[i] <= '9') || (b[i] == '+' && b[i + 1] >= '0' && b[i + 1] <= '9')) {
			char cbn[DLT_CBN_MAX];
			end = i + 1;
			while (end < to && b[end] >= '0' && b[end] <= '9')
				end++;
			if (dlt_cbn_normalize(b + i, end - i, cbn) &&
			    !dlt_whitelist_cbn(&in->whitelist, b + i, end - i))
				dlt_lint_warn(out, DLT_R_FIXED_WHITELIST,
					      "the callback number %.*s in the fixed text is not "
					      "whitelisted", (int)(end - i), b + i);
			i = end;
			continue;
		}
		i++;
	}
}

void dlt_lint(const struct dlt_lint_input *in, const struct dlt_parsed *p,
	      struct dlt_lint_result *out)
{
	size_t vars_max_total = 0, code = p->var_count;

	memset(out, 0, sizeof *out);
	if (!p->fixed_alnum) { /* DLT-21 */
		dlt_fail(&out->error, DLT_R_FIXED_TEXT, "body",
			 "the template has no fixed text; operators match messages on it");
		return;
	}
	if (p->var_count > DLT_LINT_VARS_ERROR) { /* DLT-22 */
		dlt_fail(&out->error, DLT_R_VARS_MAX, "body",
			 "the template has %zu variables; at most %d are allowed", p->var_count,
			 DLT_LINT_VARS_ERROR);
		return;
	}
	for (size_t v = 0; v + 1 < p->var_count; v++) {
		if (dlt_lint_adjacent(in->body, p, v)) { /* DLT-23 */
			dlt_fail(&out->error, DLT_R_ADJACENT, "body",
				 "variables %zu and %zu are adjacent; put fixed text between them",
				 v + 1, v + 2);
			return;
		}
	}
	for (size_t v = 0; v < in->var_count && v < p->var_count; v++)
		if (strcmp(in->var_names[v], DLT_LINT_CODE_VAR) == 0)
			code = v;
	if (code == p->var_count) { /* DLT-24 */
		dlt_fail(&out->error, DLT_R_CODE_VAR, "vars",
			 "an OTP template needs a variable for the code: name one \"otp\" in vars");
		return;
	}
	if (p->vars[code].tag != DLT_TAG_VAR && p->vars[code].tag != DLT_TAG_NUMERIC &&
	    p->vars[code].tag != DLT_TAG_ALPHANUMERIC) { /* DLT-24 */
		dlt_fail(&out->error, DLT_R_CODE_VAR, "vars",
			 "the code's variable is {#%s#}, which cannot carry a code; use {#numeric#}",
			 dlt_tag_name(p->vars[code].tag));
		return;
	}
	for (size_t h = 0; h < in->header_count; h++) { /* DLT-26 */
		struct dlt_finding f;
		if (!dlt_lint_header(in->headers[h].name, in->category, &f)) {
			dlt_fail(&out->error, DLT_R_MAPPED_HEADER_FORMAT, "headers",
				 "mapped header %.12s: %s", in->headers[h].name, f.message);
			return;
		}
	}
	out->ok = true;

	if (p->var_count > DLT_LINT_VARS_WARN) /* DLT-30 */
		dlt_lint_warn(out, DLT_R_VARS_WARN,
			      "%zu variables: more than %d needs reasons recorded with the operator",
			      p->var_count, DLT_LINT_VARS_WARN);
	for (size_t v = 0; v < p->var_count; v++)
		vars_max_total += (size_t)in->var_max_len[v];
	if (p->fixed_chars * 100 < DLT_LINT_SHARE_PCT * (p->fixed_chars + vars_max_total))
		dlt_lint_warn(out, DLT_R_FIXED_SHARE, /* DLT-31 */
			      "fixed text is %zu%% of the message at its longest; operators "
			      "expect at least %d%%",
			      p->fixed_chars * 100 / (p->fixed_chars + vars_max_total),
			      DLT_LINT_SHARE_PCT);
	if (in->category == STORE_DLT_PROMOTIONAL || in->category == STORE_DLT_SERVICE_EXPLICIT)
		dlt_lint_warn(out, DLT_R_OTP_CATEGORY, /* DLT-32 */
			      "an OTP template registered as %s arrives with -P; register OTPs as "
			      "service_implicit (-S) or transactional (-T)",
			      dlt_category_name(in->category));
	for (size_t v = 0, from = 0; v <= p->var_count; v++) { /* DLT-33 */
		size_t to = v < p->var_count ? p->vars[v].start : strlen(in->body);
		dlt_lint_fixed_whitelist(in, from, to, out);
		from = v < p->var_count ? p->vars[v].end : to;
	}
	if (in->header_count == 0) /* DLT-34 */
		dlt_lint_warn(out, DLT_R_MAPPED_HEADER_REGISTERED,
			      "the template is mapped to no header; sends with it will be refused");
	for (size_t h = 0; h < in->header_count; h++) {
		const struct dlt_lint_header *hd = &in->headers[h];
		if (!hd->registered)
			dlt_lint_warn(out, DLT_R_MAPPED_HEADER_REGISTERED,
				      "mapped header %.12s is not registered yet; sends through it "
				      "will be refused (SNDR-NT-REG)", hd->name);
		else if (hd->status != STORE_DLT_ACTIVE)
			dlt_lint_warn(out, DLT_R_MAPPED_HEADER_REGISTERED,
				      "mapped header %.12s is %s", hd->name,
				      dlt_status_name(hd->status));
		else if (hd->category != in->category)
			dlt_lint_warn(out, DLT_R_MAPPED_HEADER_REGISTERED,
				      "mapped header %.12s is %s, the template %s", hd->name,
				      dlt_category_name(hd->category),
				      dlt_category_name(in->category));
	}
}

bool dlt_lint_infer_vars(const struct dlt_parsed *p,
			 char names[DLT_PARSE_VARS_MAX][STORE_VAR_NAME_MAX], struct dlt_finding *err)
{
	size_t code = p->var_count, numeric = 0;
	bool app_named = false;

	for (size_t v = 0; v < p->var_count; v++) {
		if (p->vars[v].tag == DLT_TAG_NUMERIC) {
			numeric++;
			code = v;
		}
	}
	if (numeric != 1)
		code = p->var_count == 1 && p->vars[0].tag != DLT_TAG_URL &&
			       p->vars[0].tag != DLT_TAG_CBN && p->vars[0].tag != DLT_TAG_EMAIL
			       ? 0
			       : p->var_count;
	if (code == p->var_count) /* DLT-24 */
		return dlt_fail(err, DLT_R_CODE_VAR, "vars",
				"cannot tell which variable carries the code: tag it {#numeric#}, "
				"or name the variables (vars, e.g. appName|otp)");
	for (size_t v = 0; v < p->var_count; v++) {
		if (v == code)
			snprintf(names[v], STORE_VAR_NAME_MAX, "%s", DLT_LINT_CODE_VAR);
		else if (!app_named && (p->vars[v].tag == DLT_TAG_VAR ||
					p->vars[v].tag == DLT_TAG_ALPHANUMERIC)) {
			snprintf(names[v], STORE_VAR_NAME_MAX, "appName");
			app_named = true;
		} else
			snprintf(names[v], STORE_VAR_NAME_MAX, "var%zu", v + 1);
	}
	return true;
}

bool dlt_lint_pe_id(const char *pe_id, struct dlt_finding *err, struct dlt_finding *warn,
		    bool *warned)
{
	size_t n = strlen(pe_id);

	*warned = false;
	if (n == 0 || n > DLT_ID_MAX_DIGITS || !dlt_lint_digits(pe_id, n)) /* DLT-40 */
		return dlt_fail(err, DLT_R_PE_FORMAT, "pe_id", "pe_id must be 1 to %d digits",
				DLT_ID_MAX_DIGITS);
	if (n != DLT_ID_DIGITS) {
		*warned = true;
		dlt_fail(warn, DLT_R_PE_FORMAT, "pe_id",
			 "pe_id has %zu digits; every published PE-ID has %d", n, DLT_ID_DIGITS);
	}
	return true;
}

bool dlt_lint_header(const char *header, int category, struct dlt_finding *err)
{
	size_t n = strlen(header);

	if (category == STORE_DLT_PROMOTIONAL) { /* DLT-41 */
		if (n != DLT_HEADER_LEN || !dlt_lint_digits(header, n))
			return dlt_fail(err, DLT_R_HEADER_FORMAT, "header",
					"a promotional header is %d digits", DLT_HEADER_LEN);
		return true;
	}
	for (size_t i = 0; i < n; i++)
		if (header[i] < 'A' || header[i] > 'Z')
			n = 0;
	if (n != DLT_HEADER_LEN)
		return dlt_fail(err, DLT_R_HEADER_FORMAT, "header",
				"a %s header is %d letters A-Z", dlt_category_name(category),
				DLT_HEADER_LEN);
	return true;
}

bool dlt_lint_template_id(const char *id, struct dlt_finding *err, struct dlt_finding *warn,
			  bool *warned)
{
	size_t n = strlen(id);

	*warned = false;
	if (n == 0 || n > DLT_ID_MAX_DIGITS || !dlt_lint_digits(id, n)) /* DLT-42 */
		return dlt_fail(err, DLT_R_TEMPLATE_ID_FORMAT, "dlt_template_id",
				"dlt_template_id must be 1 to %d digits", DLT_ID_MAX_DIGITS);
	if (n != DLT_ID_DIGITS) {
		*warned = true;
		dlt_fail(warn, DLT_R_TEMPLATE_ID_FORMAT, "dlt_template_id",
			 "dlt_template_id has %zu digits; the portal issues %d", n, DLT_ID_DIGITS);
	}
	return true;
}

/* The host of an http(s) URL: from after "//" to the first '/', '?', '#' or ':'. */
static bool dlt_lint_url_host(const char *url, const char **host, size_t *len)
{
	const char *p = strstr(url, "://");

	if (!p)
		return false;
	p += 3;
	*host = p;
	*len = strcspn(p, "/?#:");
	return *len > 0;
}

bool dlt_lint_whitelist(int kind, const char *value, char out[STORE_DLT_VALUE_MAX],
			struct dlt_finding *err)
{
	size_t n = strlen(value);
	const char *host, *q;
	size_t host_len;

	if (kind == STORE_DLT_WL_CBN) { /* DLT-44 */
		char cbn[DLT_CBN_MAX];
		if (!dlt_cbn_normalize(value, n, cbn))
			return dlt_fail(err, DLT_R_WHITELIST_CBN, "value",
					"a callback number is a mobile (10 digits starting 6-9, "
					"optionally after 91 or +91) or toll-free (1800 or 1860)");
		snprintf(out, STORE_DLT_VALUE_MAX, "%s", cbn);
		return true;
	}
	/* DLT-43 */
	if (n == 0 || n >= STORE_DLT_VALUE_MAX ||
	    (strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0))
		return dlt_fail(err, DLT_R_WHITELIST_URL, "value",
				"a URL starts with http:// or https:// and is under %d bytes",
				STORE_DLT_VALUE_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)value[i] <= 0x20 || (unsigned char)value[i] >= 0x7f)
			return dlt_fail(err, DLT_R_WHITELIST_URL, "value",
					"a URL holds no spaces, controls or non-ASCII characters");
	if (!dlt_lint_url_host(value, &host, &host_len))
		return dlt_fail(err, DLT_R_WHITELIST_URL, "value", "the URL has no host");
	for (size_t i = 0; i < sizeof dlt_lint_shorteners / sizeof dlt_lint_shorteners[0]; i++) {
		size_t sl = strlen(dlt_lint_shorteners[i]);
		if (host_len == sl && strncasecmp(host, dlt_lint_shorteners[i], sl) == 0)
			return dlt_fail(err, DLT_R_WHITELIST_URL, "value",
					"%s is a URL shortener; shortened URLs are not accepted",
					dlt_lint_shorteners[i]);
	}
	q = strchr(value, '?');
	if (q && q[1] != '\0')
		return dlt_fail(err, DLT_R_WHITELIST_URL, "value",
				"a dynamic URL ends its fixed part with ? (register the part "
				"before the query); a static one has no ?");
	memcpy(out, value, n + 1);
	return true;
}

bool dlt_lint_var_max_len(int n, struct dlt_finding *err)
{
	if (n < 1 || n > DLT_VAR_MAX_LEN_LIMIT) /* DLT-45 */
		return dlt_fail(err, DLT_R_VAR_MAX_LEN, "var_max_len",
				"a variable's maximum length is 1 to %d characters",
				DLT_VAR_MAX_LEN_LIMIT);
	return true;
}
