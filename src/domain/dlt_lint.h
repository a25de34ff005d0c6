/*
 * DLT checks at registration time, pure like dlt.h: template lint (errors
 * refuse the template, warnings are stored with it), the formats of
 * PE-IDs, headers, template IDs, whitelist entries and variable limits,
 * and naming a template's variables when the registration gave no names
 * (a DLT portal's CSV export has none).
 */
#ifndef OG_DLT_LINT_H
#define OG_DLT_LINT_H

#include "domain/dlt.h"

/* A header a template is mapped to, as the owner's registry knows it. */
struct dlt_lint_header {
	const char *name;
	bool registered; /* in the owner's registry */
	int category;    /* when registered */
	int status;      /* when registered */
};

struct dlt_lint_input {
	const char *body;
	int category;                                /* enum store_dlt_category */
	size_t var_count;                            /* names given, one per variable */
	const char (*var_names)[STORE_VAR_NAME_MAX];
	const int *var_max_len;                      /* per variable, resolved (> 0) */
	size_t header_count;
	const struct dlt_lint_header *headers;
	struct dlt_whitelist whitelist;              /* the owner's */
};

struct dlt_lint_result {
	bool ok;                  /* false: error says why the template is refused */
	struct dlt_finding error;
	size_t warning_count;
	struct dlt_finding warnings[STORE_DLT_WARNINGS_MAX];
};

/** Lints a template whose body parses into p (DLT-21..34); fills out. */
void dlt_lint(const struct dlt_lint_input *in, const struct dlt_parsed *p,
	      struct dlt_lint_result *out);

/** Names the variables of p when none were given: the code is the only variable, or the only
 *  {#numeric#} one ("otp"); the first other is "appName", later ones "var<N>". False with err (DLT-24). */
bool dlt_lint_infer_vars(const struct dlt_parsed *p,
			 char names[DLT_PARSE_VARS_MAX][STORE_VAR_NAME_MAX], struct dlt_finding *err);

/** DLT-40: true if pe_id is 1..30 digits; *warned (with warn set) when it is not 19 digits. */
bool dlt_lint_pe_id(const char *pe_id, struct dlt_finding *err, struct dlt_finding *warn,
		    bool *warned);

/** DLT-41: true if header has the format of category (6 letters A-Z, or 6 digits if promotional). */
bool dlt_lint_header(const char *header, int category, struct dlt_finding *err);

/** DLT-42: true if id is 1..30 digits; *warned (with warn set) when it is not 19 digits. */
bool dlt_lint_template_id(const char *id, struct dlt_finding *err, struct dlt_finding *warn,
			  bool *warned);

/** DLT-43/44: validates a whitelist value of kind and writes its stored form into out. */
bool dlt_lint_whitelist(int kind, const char *value, char out[STORE_DLT_VALUE_MAX],
			struct dlt_finding *err);

/** DLT-45: true if n is a valid maximum variable length. */
bool dlt_lint_var_max_len(int n, struct dlt_finding *err);

#endif
