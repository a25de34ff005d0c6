/*
 * The DLT rule table: every rule otpgate checks, with its ID, where it
 * applies, the operator's code a refusal carries, what it checks and its
 * source (TRAI direction or operator practice). It is static data, the one
 * list docs/DLT.md describes and `otpgate dlt rules` prints; the code that
 * enforces each rule cites its ID in a comment.
 */
#ifndef OG_DLT_RULES_H
#define OG_DLT_RULES_H

#include <stddef.h>

/* Where a rule applies. */
enum dlt_rule_kind {
	DLT_KIND_SCRUB,   /* on every send, before any hold or upstream call */
	DLT_KIND_ERROR,   /* at template registration: refused (422 template_rejected) */
	DLT_KIND_WARNING, /* at template registration: stored and returned */
	DLT_KIND_FORMAT,  /* at registry input: a PE-ID, header, whitelist entry or limit */
	DLT_KIND_ROUTE    /* which registry a send goes through */
};

/* Every rule, in the order of docs/DLT.md. The scrub's rules come first,
 * in the order it checks them. */
enum dlt_rule_id {
	DLT_R_PE,               /* DLT-01 */
	DLT_R_HEADER_REGISTERED,/* DLT-02 */
	DLT_R_HEADER_ACTIVE,    /* DLT-03 */
	DLT_R_HEADER_CATEGORY,  /* DLT-04 */
	DLT_R_HEADER_PE,        /* DLT-05 */
	DLT_R_TEMPLATE_FOUND,   /* DLT-06 */
	DLT_R_TEMPLATE_ID,      /* DLT-07 */
	DLT_R_TEMPLATE_BLACKLISTED, /* DLT-08 */
	DLT_R_TEMPLATE_ACTIVE,  /* DLT-09 */
	DLT_R_TEMPLATE_MAPPED,  /* DLT-10 */
	DLT_R_CONTENT,          /* DLT-11 */
	DLT_R_VALUE_EMPTY,      /* DLT-12 */
	DLT_R_VALUE_LENGTH,     /* DLT-13 */
	DLT_R_VALUE_TAG,        /* DLT-14 */
	DLT_R_VALUE_URL,        /* DLT-15 */
	DLT_R_VALUE_CBN,        /* DLT-16 */
	DLT_R_VALUE_CHARS,      /* DLT-17 */
	DLT_R_SYNTAX,           /* DLT-20 */
	DLT_R_FIXED_TEXT,       /* DLT-21 */
	DLT_R_VARS_MAX,         /* DLT-22 */
	DLT_R_ADJACENT,         /* DLT-23 */
	DLT_R_CODE_VAR,         /* DLT-24 */
	DLT_R_BODY_CHARS,       /* DLT-25 */
	DLT_R_MAPPED_HEADER_FORMAT, /* DLT-26 */
	DLT_R_VARS_WARN,        /* DLT-30 */
	DLT_R_FIXED_SHARE,      /* DLT-31 */
	DLT_R_OTP_CATEGORY,     /* DLT-32 */
	DLT_R_FIXED_WHITELIST,  /* DLT-33 */
	DLT_R_MAPPED_HEADER_REGISTERED, /* DLT-34 */
	DLT_R_PE_FORMAT,        /* DLT-40 */
	DLT_R_HEADER_FORMAT,    /* DLT-41 */
	DLT_R_TEMPLATE_ID_FORMAT, /* DLT-42 */
	DLT_R_WHITELIST_URL,    /* DLT-43 */
	DLT_R_WHITELIST_CBN,    /* DLT-44 */
	DLT_R_VAR_MAX_LEN,      /* DLT-45 */
	DLT_R_ROUTE_DEFAULT,    /* DLT-50 */
	DLT_R_ROUTE_OWN,        /* DLT-51 */
	DLT_R_ROUTE_SHARED,     /* DLT-52 */
	DLT__RULES
};

struct dlt_rule {
	const char *id;       /* "DLT-05" */
	int kind;             /* enum dlt_rule_kind */
	const char *dlt_code; /* the operator's code a refusal carries; NULL for lint and format */
	const char *check;    /* what is checked, one sentence */
	const char *source;   /* TRAI direction or operator practice */
};

/** Returns the rule with this id; asserts the id is in range. */
const struct dlt_rule *dlt_rules_get(enum dlt_rule_id id);

/** Returns the rule at table position i, or NULL past the end (for listing). */
const struct dlt_rule *dlt_rules_at(size_t i);

#endif
