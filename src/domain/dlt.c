/*
 * The DLT names, the template parser, the operator-style matcher and the
 * send-time scrub (the rule table itself is dlt_rules.c). Everything here is a pure function of its inputs:
 * the registry snapshot a send is checked against is loaded by registry.c.
 * Every check cites its rule ID; docs/DLT.md lists the same IDs with their
 * operator codes and sources.
 */
#include "domain/dlt.h"

#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define DLT_OPEN "{#"
#define DLT_CLOSE "#}"
#define DLT_WORD_MAX 32 /* a look-alike's word longer than this is not a tag */

static const char *const dlt_tag_names[DLT__TAGS] = {
	[DLT_TAG_VAR] = "var",	   [DLT_TAG_NUMERIC] = "numeric", [DLT_TAG_ALPHANUMERIC] = "alphanumeric",
	[DLT_TAG_URL] = "url",	   [DLT_TAG_CBN] = "cbn",	  [DLT_TAG_EMAIL] = "email",
};

static const char *const dlt_category_names[STORE_DLT__CATEGORIES] = {
	[STORE_DLT_SERVICE_IMPLICIT] = "service_implicit",
	[STORE_DLT_TRANSACTIONAL] = "transactional",
	[STORE_DLT_SERVICE_EXPLICIT] = "service_explicit",
	[STORE_DLT_PROMOTIONAL] = "promotional",
	[STORE_DLT_GOVERNMENT] = "government",
};

static const char *const dlt_status_names[] = {
	[STORE_DLT_ACTIVE] = "active",
	[STORE_DLT_INACTIVE] = "inactive",
	[STORE_DLT_BLACKLISTED] = "blacklisted",
};
#define DLT_STATUSES (sizeof dlt_status_names / sizeof dlt_status_names[0])

const char *dlt_tag_name(int tag)
{
	assert(tag >= 0 && tag < DLT__TAGS);
	return dlt_tag_names[tag];
}

const char *dlt_category_name(int category)
{
	assert(category >= 0 && category < STORE_DLT__CATEGORIES);
	return dlt_category_names[category];
}

static bool dlt_name_parse(const char *const *names, size_t count, const char *name, int *out)
{
	for (size_t i = 0; i < count; i++) {
		if (strcmp(names[i], name) == 0) {
			*out = (int)i;
			return true;
		}
	}
	return false;
}

bool dlt_category_parse(const char *name, int *out)
{
	return dlt_name_parse(dlt_category_names, STORE_DLT__CATEGORIES, name, out);
}

const char *dlt_status_name(int status)
{
	assert(status >= 0 && (size_t)status < DLT_STATUSES);
	return dlt_status_names[status];
}

bool dlt_status_parse(const char *name, int *out)
{
	return dlt_name_parse(dlt_status_names, DLT_STATUSES, name, out);
}

const char *dlt_route_name(int route) { return route == STORE_ROUTE_SHARED ? "shared" : "own"; }

const char *dlt_whitelist_kind_name(int kind) { return kind == STORE_DLT_WL_CBN ? "cbn" : "url"; }

bool dlt_whitelist_kind_parse(const char *name, int *out)
{
	static const char *const names[] = {[STORE_DLT_WL_URL] = "url", [STORE_DLT_WL_CBN] = "cbn"};
	return dlt_name_parse(names, 2, name, out);
}

bool dlt_fail(struct dlt_finding *f, enum dlt_rule_id rule, const char *field, const char *fmt,
	      ...)
{
	va_list ap;

	if (!f)
		return false;
	f->rule = dlt_rules_get(rule);
	f->field = field;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof f->message, fmt, ap);
	va_end(ap);
	return false;
}

/* ---- UTF-8 and characters ------------------------------------------- */

/* Decodes the code point at s (len bytes left) into *cp; returns its
 * length, or 0 for a malformed, overlong or surrogate sequence. */
static size_t dlt_utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n;
	uint32_t v;

	if (len == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		v = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		v = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		v = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

size_t dlt_utf8_chars(const char *s, size_t len)
{
	size_t i = 0, chars = 0;
	uint32_t cp;

	while (i < len) {
		size_t n = dlt_utf8_next((const unsigned char *)s + i, len - i, &cp);
		i += n ? n : 1;
		chars++;
	}
	return chars;
}

/* Characters a reader cannot see, which make two texts that look the same
 * differ byte for byte: C1 controls, no-break and odd-width spaces,
 * zero-width and bidirectional marks, variation selectors, the BOM. */
static bool dlt_invisible(uint32_t cp)
{
	static const struct {
		uint32_t lo, hi;
	} ranges[] = {
		{0x0080, 0x00a0}, {0x00ad, 0x00ad}, {0x034f, 0x034f}, {0x061c, 0x061c},
		{0x115f, 0x1160}, {0x1680, 0x1680}, {0x180e, 0x180e}, {0x2000, 0x200f},
		{0x2028, 0x202f}, {0x205f, 0x206f}, {0x3000, 0x3000}, {0x3164, 0x3164},
		{0xfe00, 0xfe0f}, {0xfeff, 0xfeff}, {0xffa0, 0xffa0}, {0xfff9, 0xfffb},
		{0xe0000, 0xe007f},
	};
	for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
		if (cp >= ranges[i].lo && cp <= ranges[i].hi)
			return true;
	return false;
}

/* Checks len bytes of text for DLT-17 (values) or DLT-25 (fixed text):
 * returns NULL if clean, else a phrase naming the problem. A newline is
 * fixed text's only allowed control character; ascii_only refuses any
 * non-ASCII character, as a plain-text template's variables must. */
static const char *dlt_chars_problem(const char *s, size_t len, bool allow_newline,
				     bool ascii_only)
{
	size_t i = 0;
	uint32_t cp;

	while (i < len) {
		size_t n = dlt_utf8_next((const unsigned char *)s + i, len - i, &cp);
		if (n == 0)
			return "invalid UTF-8";
		if ((cp < 0x20 && !(allow_newline && cp == '\n')) || cp == 0x7f)
			return "a control character";
		if (dlt_invisible(cp))
			return "an invisible character (e.g. a zero-width or no-break space)";
		if (ascii_only && cp >= 0x80)
			return "a non-ASCII look-alike in a plain-text template";
		i += n;
	}
	return NULL;
}

static bool dlt_digit(char ch) { return ch >= '0' && ch <= '9'; }

static bool dlt_alpha(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }

static bool dlt_word_char(char ch) { return dlt_alpha(ch) || dlt_digit(ch) || ch == '_'; }

/* ---- Parsing ---------------------------------------------------------- */

static int dlt_tag_lookup(const char *word, size_t len, bool fold_case)
{
	for (int t = 0; t < DLT__TAGS; t++) {
		size_t tl = strlen(dlt_tag_names[t]);
		if (tl != len)
			continue;
		if (fold_case ? strncasecmp(dlt_tag_names[t], word, len) == 0
			      : strncmp(dlt_tag_names[t], word, len) == 0)
			return t;
	}
	return -1;
}

/* Length of the word of [A-Za-z0-9_] at s, capped past DLT_WORD_MAX. */
static size_t dlt_word_len(const char *s)
{
	size_t n = 0;
	while (n <= DLT_WORD_MAX && dlt_word_char(s[n]))
		n++;
	return n;
}

/* Looks for a look-alike of a variable at body[i] (DLT-20): "{ #", "{$",
 * "{%", "{var}", "{{var}}", "#var#", and a stray "#}" or "$}". Returns the
 * look-alike's length, or 0 if there is none. */
static size_t dlt_lookalike(const char *body, size_t i)
{
	const char *p = body + i;
	size_t k, w;

	if (p[0] == '{') {
		k = 1;
		while (p[k] == ' ' || p[k] == '\t')
			k++;
		if (p[k] == '#' || p[k] == '$' || p[k] == '%')
			return k + 1;
		w = dlt_word_len(p + k);
		if (w > 0 && dlt_tag_lookup(p + k, w, true) >= 0) {
			size_t e = k + w;
			while (p[e] == ' ' || p[e] == '\t')
				e++;
			if (p[e] == '}')
				return e + 1;
		}
		return 0;
	}
	if ((p[0] == '#' || p[0] == '$' || p[0] == '%') && p[1] == '}')
		return 2;
	if (p[0] == '#' || p[0] == '$') {
		w = dlt_word_len(p + 1);
		if (w > 0 && p[1 + w] == p[0] && dlt_tag_lookup(p + 1, w, true) >= 0)
			return w + 2;
	}
	return 0;
}

/* A short quote of body at i for a message: up to 16 bytes, cut before a
 * control character so the message stays one clean line. */
static int dlt_quote_len(const char *body, size_t i)
{
	int n = 0;
	while (n < 16 && body[i + (size_t)n] && (unsigned char)body[i + (size_t)n] >= 0x20)
		n++;
	return n;
}

bool dlt_parse(const char *body, struct dlt_parsed *out, struct dlt_finding *err)
{
	size_t len = strlen(body), i = 0, fixed_from = 0;
	const char *problem;

	memset(out, 0, sizeof *out);
	while (i < len) {
		size_t look;
		if (body[i] == '{' && body[i + 1] == '#') {
			size_t w = dlt_word_len(body + i + 2);
			int tag;
			if (w == 0 || w > DLT_WORD_MAX || strncmp(body + i + 2 + w, DLT_CLOSE, 2) != 0)
				/* DLT-20 */
				return dlt_fail(err, DLT_R_SYNTAX, "body",
						"malformed variable at byte %zu (\"%.*s\"): write "
						"variables exactly as {#var#}",
						i, dlt_quote_len(body, i), body + i);
			tag = dlt_tag_lookup(body + i + 2, w, false);
			if (tag < 0)
				return dlt_fail(err, DLT_R_SYNTAX, "body",
						"unknown variable tag {#%.*s#} at byte %zu: use var, "
						"numeric, alphanumeric, url, cbn or email, in lower case",
						(int)w, body + i + 2, i);
			if (out->var_count == DLT_PARSE_VARS_MAX)
				return dlt_fail(err, DLT_R_VARS_MAX, "body", /* DLT-22 */
						"more than %d variables; at most 3 are allowed",
						DLT_PARSE_VARS_MAX);
			problem = dlt_chars_problem(body + fixed_from, i - fixed_from, true, false);
			if (problem) /* DLT-25 */
				return dlt_fail(err, DLT_R_BODY_CHARS, "body",
						"the fixed text holds %s", problem);
			out->vars[out->var_count].tag = tag;
			out->vars[out->var_count].start = i;
			i += 2 + w + 2;
			out->vars[out->var_count].end = i;
			out->var_count++;
			fixed_from = i;
			continue;
		}
		look = dlt_lookalike(body, i);
		if (look > 0) /* DLT-20 */
			return dlt_fail(err, DLT_R_SYNTAX, "body",
					"\"%.*s\" at byte %zu looks like a variable but is not one; "
					"only {#var#} (or a tag such as {#numeric#}) is",
					(int)(look < 24 ? look : 24), body + i, i);
		i++;
	}
	problem = dlt_chars_problem(body + fixed_from, len - fixed_from, true, false);
	if (problem) /* DLT-25 */
		return dlt_fail(err, DLT_R_BODY_CHARS, "body", "the fixed text holds %s", problem);
	/* Fixed text: its characters, whether it is plain ASCII, and whether
	 * it has anything in it a reader would call text. */
	for (size_t v = 0, from = 0; v <= out->var_count; v++) {
		size_t to = v < out->var_count ? out->vars[v].start : len;
		out->fixed_chars += dlt_utf8_chars(body + from, to - from);
		for (size_t k = from; k < to; k++) {
			unsigned char ch = (unsigned char)body[k];
			if (ch >= 0x80)
				out->unicode = true;
			if (ch >= 0x80 || dlt_alpha((char)ch) || dlt_digit((char)ch))
				out->fixed_alnum = true;
		}
		from = v < out->var_count ? out->vars[v].end : len;
	}
	return true;
}

/* ---- Matching --------------------------------------------------------- */

/* The fixed text before variable k (k = var_count: after the last one). */
static void dlt_fixed_part(const char *body, const struct dlt_parsed *p, size_t k,
			   const char **at, size_t *len)
{
	size_t from = k == 0 ? 0 : p->vars[k - 1].end;
	size_t to = k < p->var_count ? p->vars[k].start : strlen(body);

	*at = body + from;
	*len = to - from;
}

bool dlt_match(const char *body, const struct dlt_parsed *p, const char *content,
	       size_t starts[DLT_PARSE_VARS_MAX], size_t lens[DLT_PARSE_VARS_MAX])
{
	size_t n = p->var_count, clen = strlen(content);
	size_t pos[DLT_PARSE_VARS_MAX + 1];
	const char *first, *last;
	size_t first_len, last_len;

	dlt_fixed_part(body, p, 0, &first, &first_len);
	if (n == 0)
		return clen == first_len && memcmp(content, first, clen) == 0;
	dlt_fixed_part(body, p, n, &last, &last_len);
	if (clen < first_len + last_len || memcmp(content, first, first_len) != 0 ||
	    memcmp(content + clen - last_len, last, last_len) != 0)
		return false;
	/* Each fixed part at its latest place that leaves room for the parts
	 * after it: the first variable then is as long as it can be, then the
	 * second, which is what a POSIX regex's leftmost-longest rule gives an
	 * operator's "^F0(.*)F1(.*)F2$". */
	pos[0] = 0;
	pos[n] = clen - last_len;
	for (size_t k = n - 1; k >= 1; k--) {
		const char *part;
		size_t part_len, p_at;
		bool found = false;
		dlt_fixed_part(body, p, k, &part, &part_len);
		if (pos[k + 1] < first_len + part_len)
			return false;
		for (p_at = pos[k + 1] - part_len;; p_at--) {
			if (memcmp(content + p_at, part, part_len) == 0) {
				found = true;
				break;
			}
			if (p_at == first_len)
				break;
		}
		if (!found)
			return false;
		pos[k] = p_at;
	}
	for (size_t v = 0; v < n; v++) {
		const char *part;
		size_t part_len;
		dlt_fixed_part(body, p, v, &part, &part_len);
		starts[v] = pos[v] + part_len;
		if (pos[v + 1] < starts[v])
			return false;
		lens[v] = pos[v + 1] - starts[v];
	}
	return true;
}

/* ---- Values ----------------------------------------------------------- */

bool dlt_cbn_normalize(const char *s, size_t len, char out[DLT_CBN_MAX])
{
	const char *d = s;
	size_t n = len;

	if (n > 0 && d[0] == '+') {
		d++;
		n--;
	}
	for (size_t i = 0; i < n; i++)
		if (!dlt_digit(d[i]))
			return false;
	/* A mobile: 10 digits starting 6-9, optionally after the country code. */
	if (n == 12 && d[0] == '9' && d[1] == '1' && d[2] >= '6') {
		d += 2;
		n -= 2;
	} else if (len > 0 && s[0] == '+') {
		return false; /* "+" belongs only before 91 */
	}
	if (n == 10 && d[0] >= '6') {
		memcpy(out, d, n);
		out[n] = '\0';
		return true;
	}
	/* Toll-free: 1800 or 1860 and 6 to 8 more digits. */
	if (n >= 10 && n <= 12 && (strncmp(d, "1800", 4) == 0 || strncmp(d, "1860", 4) == 0)) {
		memcpy(out, d, n);
		out[n] = '\0';
		return true;
	}
	return false;
}

bool dlt_whitelist_url(const struct dlt_whitelist *wl, const char *url, size_t len)
{
	for (size_t i = 0; i < wl->count; i++) {
		const struct dlt_whitelist_entry *e = &wl->entries[i];
		size_t el = strlen(e->value);
		if (e->kind != STORE_DLT_WL_URL || el == 0)
			continue;
		if (e->value[el - 1] == '?' ? (len >= el && memcmp(url, e->value, el) == 0)
					   : (len == el && memcmp(url, e->value, el) == 0))
			return true;
	}
	return false;
}

bool dlt_whitelist_cbn(const struct dlt_whitelist *wl, const char *cbn, size_t len)
{
	char norm[DLT_CBN_MAX];

	if (!dlt_cbn_normalize(cbn, len, norm))
		return false;
	for (size_t i = 0; i < wl->count; i++)
		if (wl->entries[i].kind == STORE_DLT_WL_CBN && strcmp(wl->entries[i].value, norm) == 0)
			return true;
	return false;
}

/* local@domain.tld in ASCII: a plain local part and dot-separated labels. */
static bool dlt_email_ok(const char *s, size_t len)
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
static bool dlt_value_check(const struct dlt_scrub_input *in, const struct dlt_parsed *p,
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
	if (tag == DLT_TAG_EMAIL && !dlt_email_ok(value, len)) /* DLT-14 */
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

static bool dlt_id_ok(const char *id)
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
	if (!dlt_id_ok(t->dlt_template_id)) /* DLT-07 */
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
		if (!dlt_value_check(in, &parsed, v, in->content + starts[v], lens[v], f))
			return false;
	return true;
}
