/*
 * Message templates. A body is fixed text with variables written {#var#}
 * (DLT's syntax); `vars` names what fills each variable in order: "otp" is
 * the code, and other names come from the send's variables ("appName"
 * defaults to the tenant's name).
 */
#ifndef OG_TEMPLATE_H
#define OG_TEMPLATE_H

#include "domain/audit.h"
#include "domain/domain.h"

#define TEMPLATE_RENDERED_MAX 2048 /* a rendered SMS, plus NUL */
#define TEMPLATE_VALUE_MAX 129     /* one variable's value, plus NUL */
#define TEMPLATE_VAR_OTP "otp"
#define TEMPLATE_VAR_APP_NAME "appName"

struct template_input {
	char name[STORE_TEMPLATE_NAME_MAX];
	char dlt_template_id[STORE_DLT_ID_MAX];
	char body[STORE_TEMPLATE_BODY_MAX];
	int var_count;
	char vars[STORE_TEMPLATE_VARS_MAX][STORE_VAR_NAME_MAX];
	bool is_default;
	/* DLT (docs/DLT.md). Absent: category service_implicit, status active,
	 * headers the owner's default header, var_max_len the deployment's. */
	bool has_category;
	int category; /* enum store_dlt_category */
	bool has_status;
	int status;   /* enum store_dlt_status */
	bool has_headers;
	int header_count;
	char headers[STORE_DLT_HEADERS_MAX][STORE_HEADER_MAX];
	int var_max_len_count;
	int var_max_len[STORE_TEMPLATE_VARS_MAX];
	bool replace; /* an import: replace the owner's template of the same name */
};

/** Counts the {#...#} variables in body; -1 if a variable is unterminated or empty. */
int template_count_vars(const char *body);

/** Replaces the i-th variable of body with values[i]; OG_ERR_INVALID_REQUEST if it won't fit. */
enum og_err template_render(const char *body, const char *const values[], size_t nvalues,
			    char *out, size_t out_max);

/** Validates, lints (DLT-20..34) and stores a template; the owner's first template becomes its
 *  default. tenant_id "" is the platform's registry. A lint error is OG_ERR_TEMPLATE_REJECTED. */
enum og_err template_register(const struct domain *d, struct store_conn *c,
			      const struct audit_actor *who, const char *tenant_id,
			      const struct template_input *in, struct store_template *out,
			      struct og_detail *det);

/** Finds a template by name or DLT id, or the default when name_or_id is NULL or "". */
enum og_err template_resolve(const struct domain *d, struct store_conn *c, const char *tenant_id,
			     const char *name_or_id, struct store_template *out);

/** Lists the tenant's templates by name after after_name. */
enum og_err template_list(const struct domain *d, struct store_conn *c, const char *tenant_id,
			  const char *after_name, size_t limit, struct store_template *out,
			  size_t *n);

/** Deletes a template by name (tenant_id "" for the platform's); OG_ERR_NOT_FOUND if there is none. */
enum og_err template_delete(const struct domain *d, struct store_conn *c,
			    const struct audit_actor *who, const char *tenant_id, const char *name);

#endif
