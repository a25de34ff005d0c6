/*
 * The DLT names, the template parser, the operator-style matcher and the
 * value checks they share with lint and the send-time scrub (the rule table
 * itself is dlt_rules.c, the scrub's chain dlt_scrub.c). Everything here is
 * a pure function of its inputs.
 * Every check cites its rule ID; docs/DLT.md lists the same IDs with their
 * operator codes and sources.
 */
#include "domain/dlt.h"

#include "domain/dlt_int.h"

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

/* A newline is fixed text's only allowed control character; ascii_only
 * refuses any non-ASCII character, as a plain-text template's variables
 * must. */
const char *dlt_chars_problem(const char *s, size_t len, bool allow_newline, bool ascii_only)
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
