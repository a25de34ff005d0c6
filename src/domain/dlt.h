/*
 * India's DLT rules as otpgate checks them, with no store and no I/O, so
 * every rule can be unit-tested from data and fuzzed. The rule table
 * (dlt_rules.h, DLT-01 ...) is the one list of rules: docs/DLT.md describes each entry,
 * the code cites the IDs in comments, and a refusal names its rule and the
 * operator's delivery code (DOMAIN.md §1, Kaleyra's list).
 *
 * A template body is fixed text with variables written exactly {#var#} or
 * with a tag: {#numeric#} {#alphanumeric#} {#url#} {#cbn#} {#email#}. The
 * matcher splits a message into values the way an operator's scrubber
 * does (anchored, fixed text byte-exact, each variable as long as it can
 * be while the rest still matches: POSIX leftmost-longest). The scrub (the
 * operator's chain over a registry snapshot the caller loaded) lives in
 * dlt_scrub.h, lint (registration-time checks) in dlt_lint.h.
 */
#ifndef OG_DLT_H
#define OG_DLT_H

#include "base/og_err.h"
#include "domain/dlt_rules.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

#define DLT_PARSE_VARS_MAX STORE_TEMPLATE_VARS_MAX /* variables a body may hold at all */
#define DLT_VAR_MAX_LEN_DEFAULT 30   /* characters per variable unless configured (DOMAIN §1) */
#define DLT_VAR_MAX_LEN_LIMIT 128    /* the most a variable may be configured to hold */
#define DLT_MESSAGE_MAX OG_DETAIL_MESSAGE_MAX
#define DLT_ID_DIGITS 19             /* the length of every published PE-ID and template ID */
#define DLT_ID_MAX_DIGITS 30         /* the SMPP field width */
#define DLT_HEADER_LEN 6             /* letters (or digits, promotional) in a header */
#define DLT_CBN_MAX 16               /* a normalised callback number, plus NUL */
#define DLT_TAG_TEXT_MAX 16          /* the longest tag, "alphanumeric", plus NUL */
#define DLT_CONTENT_MAX 2048         /* a message the scrub will look at, plus NUL */

/* Variable tags. The portal's untagged {#var#} takes any printable text. */
enum dlt_tag {
	DLT_TAG_VAR,
	DLT_TAG_NUMERIC,
	DLT_TAG_ALPHANUMERIC,
	DLT_TAG_URL,
	DLT_TAG_CBN,
	DLT_TAG_EMAIL,
	DLT__TAGS
};

/* One finding: a refusal or a warning, with the rule it breaks. */
struct dlt_finding {
	const struct dlt_rule *rule; /* NULL: nothing found */
	const char *field;           /* a static field name, or NULL */
	char message[DLT_MESSAGE_MAX];
};

/* A variable of a parsed body: its tag and where "{#tag#}" sits. */
struct dlt_var {
	int tag;      /* enum dlt_tag */
	size_t start; /* byte offset of "{#" */
	size_t end;   /* byte offset just past "#}" */
};

struct dlt_parsed {
	size_t var_count;
	struct dlt_var vars[DLT_PARSE_VARS_MAX];
	bool unicode;       /* the fixed text holds non-ASCII, so values may too */
	size_t fixed_chars; /* characters of fixed text (code points) */
	bool fixed_alnum;   /* the fixed text holds a letter or a digit */
};

/* A registry's whitelist as the scrub and lint see it. */
struct dlt_whitelist_entry {
	int kind;          /* enum store_dlt_wl_kind */
	const char *value; /* as stored: a URL, or a normalised callback number */
};

struct dlt_whitelist {
	const struct dlt_whitelist_entry *entries;
	size_t count;
};

/** Returns a tag's name ("var", "numeric", ...). */
const char *dlt_tag_name(int tag);

/** Returns a category's name ("service_implicit", ...). */
const char *dlt_category_name(int category);

/** Parses a category name; false if it is not one. */
bool dlt_category_parse(const char *name, int *out);

/** Returns a status's name ("active", "inactive", "blacklisted"). */
const char *dlt_status_name(int status);

/** Parses a status name; false if it is not one. */
bool dlt_status_parse(const char *name, int *out);

/** Returns "own" or "shared". */
const char *dlt_route_name(int route);

/** Returns "url" or "cbn". */
const char *dlt_whitelist_kind_name(int kind);

/** Parses "url" or "cbn"; false otherwise. */
bool dlt_whitelist_kind_parse(const char *name, int *out);

/** Records rule and a printf-style message in f (which may be NULL); returns false. */
bool dlt_fail(struct dlt_finding *f, enum dlt_rule_id rule, const char *field, const char *fmt,
	      ...) __attribute__((format(printf, 4, 5)));

/** Parses body (DLT-20, DLT-25): true with out filled, else false with err set. */
bool dlt_parse(const char *body, struct dlt_parsed *out, struct dlt_finding *err);

/** Splits content by the parsed body: true with each value's offset and length, else false. */
bool dlt_match(const char *body, const struct dlt_parsed *p, const char *content,
	       size_t starts[DLT_PARSE_VARS_MAX], size_t lens[DLT_PARSE_VARS_MAX]);

/** Counts the code points of len bytes of valid UTF-8 (bytes otherwise). */
size_t dlt_utf8_chars(const char *s, size_t len);

/** Normalises a callback number (mobile 10 digits 6-9, optional 91/+91; 1800/1860 toll-free); false if it is not one. */
bool dlt_cbn_normalize(const char *s, size_t len, char out[DLT_CBN_MAX]);

/** True if the URL (len bytes) is on the whitelist: a static entry exactly, a dynamic one ("...?") as a prefix. */
bool dlt_whitelist_url(const struct dlt_whitelist *wl, const char *url, size_t len);

/** True if the callback number (len bytes) is on the whitelist, after normalising. */
bool dlt_whitelist_cbn(const struct dlt_whitelist *wl, const char *cbn, size_t len);

#endif
