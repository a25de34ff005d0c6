/*
 * fakegw's operator scrub. The checks and their order follow what the
 * operators' delivery codes describe (DOMAIN.md §1): entity, header,
 * template, mapping, then the content and each variable. Nothing here is
 * taken from otpgate's sources; docs/DLT.md is the shared description.
 */
#include "fakegw_scrub.h"

#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCRUB_VARS_MAX 10          /* variables a registered template can hold */
#define SCRUB_PATTERN_MAX 8192     /* an escaped content as a regex */
#define SCRUB_DEFAULT_MAX_LEN 30
#define SCRUB_TAG_MAX 16

enum scrub_tag { TAG_VAR, TAG_NUMERIC, TAG_ALNUM, TAG_URL, TAG_CBN, TAG_EMAIL };

static const char *const scrub_tags[] = {"var", "numeric", "alphanumeric", "url", "cbn", "email"};

static void scrub_reject(struct fakegw_verdict *v, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void scrub_reject(struct fakegw_verdict *v, const char *code, const char *fmt, ...)
{
	va_list ap;

	v->code = code;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof v->reason, fmt, ap);
	va_end(ap);
}

static const char *scrub_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

bool fakegw_scrub_registry_valid(const json_t *registry, char *why, size_t why_max)
{
	const json_t *entities = json_object_get(registry, "entities");
	size_t i;
	const json_t *e;

	if (!json_is_object(registry) || !json_is_array(entities)) {
		snprintf(why, why_max, "the registry needs an \"entities\" array");
		return false;
	}
	json_array_foreach(entities, i, e) {
		if (!json_is_string(json_object_get(e, "pe_id"))) {
			snprintf(why, why_max, "entity %zu has no pe_id", i);
			return false;
		}
	}
	return true;
}

/* Finds the header anywhere in the registry; *entity is its owner. */
static const json_t *scrub_find_header(const json_t *registry, const char *name,
				       const json_t **entity)
{
	size_t i, j;
	const json_t *e, *h;

	json_array_foreach(json_object_get(registry, "entities"), i, e) {
		json_array_foreach(json_object_get(e, "headers"), j, h) {
			if (strcmp(scrub_str(h, "header"), name) == 0) {
				*entity = e;
				return h;
			}
		}
	}
	return NULL;
}

static const json_t *scrub_find_entity(const json_t *registry, const char *pe_id)
{
	size_t i;
	const json_t *e;

	json_array_foreach(json_object_get(registry, "entities"), i, e)
		if (strcmp(scrub_str(e, "pe_id"), pe_id) == 0)
			return e;
	return NULL;
}

static const json_t *scrub_find_template(const json_t *entity, const char *id)
{
	size_t i;
	const json_t *t;

	json_array_foreach(json_object_get(entity, "templates"), i, t)
		if (strcmp(scrub_str(t, "id"), id) == 0)
			return t;
	return NULL;
}

/* Turns registered content into "^fixed(.*)fixed...$" and records the tag
 * of each group; returns the number of variables, or -1. */
static int scrub_pattern(const char *content, char *out, size_t max, int tags[SCRUB_VARS_MAX])
{
	size_t n = 0;
	int vars = 0;

	out[n++] = '^';
	for (const char *p = content; *p;) {
		if (p[0] == '{' && p[1] == '#') {
			const char *end = strstr(p + 2, "#}");
			int tag = -1;
			if (end && end - (p + 2) < SCRUB_TAG_MAX)
				for (int t = 0; t < 6; t++)
					if ((size_t)(end - (p + 2)) == strlen(scrub_tags[t]) &&
					    strncmp(p + 2, scrub_tags[t], strlen(scrub_tags[t])) == 0)
						tag = t;
			if (tag >= 0) {
				if (vars == SCRUB_VARS_MAX || n + 5 >= max)
					return -1;
				tags[vars++] = tag;
				memcpy(out + n, "(.*)", 4);
				n += 4;
				p = end + 2;
				continue;
			}
		}
		if (n + 3 >= max)
			return -1;
		if (strchr(".[]()*+?{}|^$\\", *p))
			out[n++] = '\\';
		out[n++] = *p++;
	}
	if (n + 2 >= max)
		return -1;
	out[n++] = '$';
	out[n] = '\0';
	return vars;
}

/* Decodes one UTF-8 code point; returns its length, 0 if malformed. */
static size_t scrub_utf8(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
				   : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	uint32_t v;

	if (n == 0 || n > len)
		return 0;
	v = n == 1 ? s[0] : n == 2 ? s[0] & 0x1fu : n == 3 ? s[0] & 0x0fu : s[0] & 0x07u;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3fu);
	}
	if ((n == 2 && v < 0x80) || (n == 3 && v < 0x800) || (n == 4 && v < 0x10000) ||
	    v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/* Characters that do not show, which the operators' matchers trip on. */
static bool scrub_hidden(uint32_t c)
{
	return (c >= 0x80 && c <= 0xa0) || c == 0xad || c == 0x34f || c == 0x61c ||
	       c == 0x115f || c == 0x1160 || c == 0x1680 || c == 0x180e ||
	       (c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) ||
	       (c >= 0x205f && c <= 0x206f) || c == 0x3000 || c == 0x3164 ||
	       (c >= 0xfe00 && c <= 0xfe0f) || c == 0xfeff || c == 0xffa0 ||
	       (c >= 0xfff9 && c <= 0xfffb) || (c >= 0xe0000 && c <= 0xe007f);
}

static bool scrub_is_digit(char c) { return c >= '0' && c <= '9'; }

static bool scrub_is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static bool scrub_email(const char *s, size_t len)
{
	size_t at = len, dots = 0;

	for (size_t i = 0; i < len; i++)
		if (s[i] == '@') {
			if (at != len)
				return false;
			at = i;
		}
	if (at == 0 || at == len || at > 64 || at + 1 >= len)
		return false;
	for (size_t i = 0; i < at; i++)
		if (!scrub_is_alpha(s[i]) && !scrub_is_digit(s[i]) && !strchr("._%+-", s[i]))
			return false;
	for (size_t i = at + 1; i < len; i++) {
		if (s[i] == '.') {
			if (i == at + 1 || i + 1 == len || s[i - 1] == '.')
				return false;
			dots++;
		} else if (!scrub_is_alpha(s[i]) && !scrub_is_digit(s[i]) && s[i] != '-') {
			return false;
		}
	}
	return dots > 0;
}

/* A callback number in its registered form: a 10-digit mobile (after an
 * optional 91 or +91) or a 1800/1860 toll-free number; "" if neither. */
static void scrub_cbn(const char *s, size_t len, char out[16])
{
	const char *d = s;
	size_t n = len;
	bool plus = n > 0 && d[0] == '+';

	out[0] = '\0';
	if (plus) {
		d++;
		n--;
	}
	for (size_t i = 0; i < n; i++)
		if (!scrub_is_digit(d[i]))
			return;
	if (n == 12 && strncmp(d, "91", 2) == 0 && d[2] >= '6') {
		d += 2;
		n -= 2;
	} else if (plus) {
		return;
	}
	if ((n == 10 && d[0] >= '6') ||
	    (n >= 10 && n <= 12 && (strncmp(d, "1800", 4) == 0 || strncmp(d, "1860", 4) == 0))) {
		memcpy(out, d, n);
		out[n] = '\0';
	}
}

static bool scrub_listed(const json_t *entity, const char *type, const char *v, size_t len)
{
	char cbn[16], entry_cbn[16];
	size_t i;
	const json_t *w;

	if (strcmp(type, "cbn") == 0) {
		scrub_cbn(v, len, cbn);
		if (!cbn[0])
			return false;
	}
	json_array_foreach(json_object_get(entity, "whitelist"), i, w) {
		const char *value = scrub_str(w, "value");
		size_t vl = strlen(value);
		if (strcmp(scrub_str(w, "type"), type) != 0 || vl == 0)
			continue;
		if (strcmp(type, "cbn") == 0) {
			scrub_cbn(value, vl, entry_cbn);
			if (strcmp(entry_cbn, cbn) == 0)
				return true;
		} else if (value[vl - 1] == '?') { /* dynamic: the registered part, then anything */
			if (len >= vl && memcmp(v, value, vl) == 0)
				return true;
		} else if (len == vl && memcmp(v, value, vl) == 0) {
			return true;
		}
	}
	return false;
}

/* Checks one variable's value; false with the verdict set. */
static bool scrub_value(const json_t *entity, const json_t *tmpl, int tag, int index,
			int max, bool plain, const char *v, size_t len, struct fakegw_verdict *out)
{
	const char *id = scrub_str(tmpl, "id");
	size_t chars = 0;

	if (len == 0) {
		scrub_reject(out, "TL-NT-MTCHD", "variable %d of template %s is empty", index, id);
		return false;
	}
	for (size_t i = 0; i < len; chars++) {
		uint32_t cp;
		size_t n = scrub_utf8((const unsigned char *)v + i, len - i, &cp);
		i += n ? n : 1;
	}
	if (chars > (size_t)max) {
		scrub_reject(out, "TL-LMT-EXCED", "variable %d is %zu characters, over %d", index,
			     chars, max);
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		bool ok = tag == TAG_NUMERIC ? scrub_is_digit(v[i])
			  : tag == TAG_ALNUM ? scrub_is_digit(v[i]) || scrub_is_alpha(v[i])
					     : true;
		if (!ok) {
			scrub_reject(out, "TL-NT-MTCHD", "variable %d does not fit {#%s#}", index,
				     scrub_tags[tag]);
			return false;
		}
	}
	if ((tag == TAG_EMAIL && !scrub_email(v, len)) ||
	    (tag == TAG_URL && !scrub_listed(entity, "url", v, len)) ||
	    (tag == TAG_CBN && !scrub_listed(entity, "cbn", v, len))) {
		scrub_reject(out, "TL-NT-MTCHD", "variable %d ({#%s#}) is not accepted", index,
			     scrub_tags[tag]);
		return false;
	}
	for (size_t i = 0; i < len;) {
		uint32_t cp = 0;
		size_t n = scrub_utf8((const unsigned char *)v + i, len - i, &cp);
		if (n == 0 || cp < 0x20 || cp == 0x7f || scrub_hidden(cp) || (plain && cp >= 0x80)) {
			scrub_reject(out, "TL-NT-MTCHD",
				     "variable %d holds a character the template cannot match",
				     index);
			return false;
		}
		i += n;
	}
	return true;
}

void fakegw_scrub(const json_t *registry, const json_t *body, struct fakegw_verdict *out)
{
	const char *pe_id = scrub_str(body, "peId"), *sender = scrub_str(body, "senderId");
	const char *tid = scrub_str(body, "templateId");
	const json_t *text = json_object_get(body, "text");
	const json_t *entity, *header, *header_entity = NULL, *tmpl, *h;
	char *pattern = NULL;
	int tags[SCRUB_VARS_MAX], nvars, default_max;
	regex_t re;
	regmatch_t m[SCRUB_VARS_MAX + 1];
	bool mapped = false, plain = true;
	size_t i;

	memset(out, 0, sizeof *out);
	default_max = json_is_integer(json_object_get(registry, "var_max_len"))
			      ? (int)json_integer_value(json_object_get(registry, "var_max_len"))
			      : SCRUB_DEFAULT_MAX_LEN;
	entity = pe_id[0] ? scrub_find_entity(registry, pe_id) : NULL;
	if (!entity) {
		scrub_reject(out, "SNDR-NT-MTCH", "entity %s is not registered", pe_id);
		return;
	}
	header = sender[0] ? scrub_find_header(registry, sender, &header_entity) : NULL;
	if (!header) {
		scrub_reject(out, "SNDR-NT-REG", "header %s is not registered", sender);
		return;
	}
	if (strcmp(scrub_str(header, "status"), "active") != 0) {
		scrub_reject(out, "SNDR-INACTVE", "header %s is inactive", sender);
		return;
	}
	tmpl = scrub_find_template(entity, tid);
	if (tmpl && strcmp(scrub_str(header, "category"), scrub_str(tmpl, "category")) != 0) {
		scrub_reject(out, "SDR-TL-MSMAT", "header and template categories differ");
		return;
	}
	if (header_entity != entity) {
		scrub_reject(out, "SNDR-NT-MTCH", "header %s belongs to another entity", sender);
		return;
	}
	if (!tmpl) {
		scrub_reject(out, "TL-NT-FOUND", "template %s is not registered", tid);
		return;
	}
	for (i = 0; tid[i]; i++)
		if (!scrub_is_digit(tid[i]))
			break;
	if (i == 0 || tid[i] || i > 30) {
		scrub_reject(out, "TL-ID-INVLD", "template id %.40s is invalid", tid);
		return;
	}
	if (strcmp(scrub_str(tmpl, "status"), "blacklisted") == 0) {
		scrub_reject(out, "TL-BLKLST", "template %s is blacklisted", tid);
		return;
	}
	if (strcmp(scrub_str(tmpl, "status"), "active") != 0) {
		scrub_reject(out, "TL-INACTIVE", "template %s is inactive", tid);
		return;
	}
	json_array_foreach(json_object_get(tmpl, "headers"), i, h)
		mapped = mapped || strcmp(json_string_value(h) ? json_string_value(h) : "", sender) == 0;
	if (!mapped) {
		scrub_reject(out, "SDR-TL-MSMAT", "template %s is not mapped to %s", tid, sender);
		return;
	}
	pattern = malloc(SCRUB_PATTERN_MAX);
	nvars = pattern ? scrub_pattern(scrub_str(tmpl, "content"), pattern, SCRUB_PATTERN_MAX, tags)
			: -1;
	if (nvars < 0 || !json_is_string(text) || regcomp(&re, pattern, REG_EXTENDED) != 0) {
		scrub_reject(out, "TL-NT-MTCHD", "the message cannot be matched");
		free(pattern);
		return;
	}
	for (const char *p = scrub_str(tmpl, "content"); *p; p++)
		if ((unsigned char)*p >= 0x80)
			plain = false; /* a Unicode template takes Unicode values */
	if (regexec(&re, json_string_value(text), (size_t)nvars + 1, m, 0) != 0) {
		scrub_reject(out, "TL-NT-MTCHD", "the text does not match template %s", tid);
		goto done;
	}
	for (int v = 0; v < nvars; v++) {
		const json_t *lens = json_object_get(tmpl, "var_max_len");
		int max = json_is_integer(json_array_get(lens, (size_t)v)) &&
				  json_integer_value(json_array_get(lens, (size_t)v)) > 0
			  ? (int)json_integer_value(json_array_get(lens, (size_t)v))
			  : default_max;
		const char *value = json_string_value(text) + m[v + 1].rm_so;
		size_t len = (size_t)(m[v + 1].rm_eo - m[v + 1].rm_so);
		if (!scrub_value(entity, tmpl, tags[v], v + 1, max, plain, value, len, out))
			goto done;
	}
done:
	regfree(&re);
	free(pattern);
}
