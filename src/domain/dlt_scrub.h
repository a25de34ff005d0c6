/*
 * The send-time DLT scrub, pure like dlt.h: the operator's chain (DLT-01 ...
 * DLT-17) run over a registry snapshot the caller loaded (on the send path,
 * scrub.c loads it through registry.c). It checks the PE-ID, the header, the template and its
 * mapping, matches the message against the registered body (dlt_match),
 * and checks each variable's value against its tag and the whitelist. The
 * first rule broken is the refusal.
 */
#ifndef OG_DLT_SCRUB_H
#define OG_DLT_SCRUB_H

#include "domain/dlt.h"

/* What the scrub needs to know about the header a send goes out under. */
struct dlt_scrub_header {
	const char *name; /* the chosen header; "" when there is none */
	bool found;       /* registered in the route's registry */
	int category;     /* enum store_dlt_category, when found */
	int status;       /* enum store_dlt_status, when found */
	const char *pe_id; /* the PE it was registered under, when found */
};

/* ... and about the registered template (the route's registry entry). */
struct dlt_scrub_template {
	bool found;
	const char *dlt_template_id;
	const char *body;  /* the registered content */
	int category;
	int status;
	size_t header_count;
	const char (*headers)[STORE_HEADER_MAX];
	const int *var_max_len; /* per variable; 0 or NULL: the default */
	const char (*var_names)[STORE_VAR_NAME_MAX]; /* for field names; may be NULL */
	size_t var_name_count;
};

struct dlt_scrub_input {
	const char *pe_id;             /* the route's PE-ID; "" when it has none */
	bool shared;                   /* the shared route: the platform's registry */
	struct dlt_scrub_header header;
	struct dlt_scrub_template tmpl;
	const char *content;           /* the message as it would go out */
	struct dlt_whitelist whitelist;
	int var_max_len_default;       /* 0: DLT_VAR_MAX_LEN_DEFAULT */
};

/** Runs the operator's chain (DLT-01 ... DLT-17); true if the send passes, else false with f set. */
bool dlt_scrub(const struct dlt_scrub_input *in, struct dlt_finding *f);

#endif
