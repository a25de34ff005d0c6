/*
 * Template parsing, rendering and registration. The parser recognises only
 * DLT's variable syntax, "{#name#}", so what otpgate renders is exactly what
 * an operator's scrubber will match against the registered template.
 */
#include "domain/template.h"

#include <assert.h>
#include <string.h>

#define TEMPLATE_OPEN "{#"
#define TEMPLATE_CLOSE "#}"
#define TEMPLATE_TAG_MAX 32
#define TEMPLATE_NAME_CHARS \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-."

static bool tag_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_';
}

/* Finds the next variable at or after p: sets *start and *end (one past
 * "#}") and returns 1, returns 0 when there is none, -1 when malformed. */
static int next_var(const char *p, const char **start, const char **end)
{
	const char *open = strstr(p, TEMPLATE_OPEN);
	const char *q;

	if (!open)
		return 0;
	q = open + 2;
	while (tag_char(*q) && q - open - 2 < TEMPLATE_TAG_MAX)
		q++;
	if (q == open + 2 || strncmp(q, TEMPLATE_CLOSE, 2) != 0)
		return -1;
	*start = open;
	*end = q + 2;
	return 1;
}

int template_count_vars(const char *body)
{
	const char *p = body, *start, *end;
	int n = 0, found;

	while ((found = next_var(p, &start, &end)) == 1) {
		n++;
		p = end;
	}
	return found < 0 ? -1 : n;
}

enum og_err template_render(const char *body, const char *const values[], size_t nvalues,
			    char *out, size_t out_max)
{
	const char *p = body, *start, *end;
	size_t used = 0, i = 0;
	int found;

	assert(out_max > 0);
	for (;;) {
		size_t fixed, vlen;
		found = next_var(p, &start, &end);
		if (found < 0)
			return OG_ERR_INVALID_REQUEST;
		fixed = found ? (size_t)(start - p) : strlen(p);
		if (used + fixed >= out_max)
			return OG_ERR_INVALID_REQUEST;
		memcpy(out + used, p, fixed);
		used += fixed;
		if (!found)
			break;
		if (i >= nvalues)
			return OG_ERR_INVALID_REQUEST;
		vlen = strlen(values[i]);
		if (used + vlen >= out_max)
			return OG_ERR_INVALID_REQUEST;
		memcpy(out + used, values[i], vlen);
		used += vlen;
		i++;
		p = end;
	}
	out[used] = '\0';
	return i == nvalues ? OG_OK : OG_ERR_INVALID_REQUEST;
}

static bool var_name_valid(const char *name)
{
	if (!name[0])
		return false;
	for (const char *p = name; *p; p++)
		if (!tag_char(*p))
			return false;
	return true;
}

static bool dlt_id_valid(const char *id)
{
	if (!id[0])
		return false;
	for (const char *p = id; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static enum og_err template_validate(const struct template_input *in, struct og_detail *det)
{
	int nvars;
	bool has_otp = false;

	if (!in->name[0])
		return og_fail(det, OG_ERR_INVALID_REQUEST, "name", "name is required");
	if (strspn(in->name, TEMPLATE_NAME_CHARS) != strlen(in->name))
		return og_fail(det, OG_ERR_INVALID_REQUEST, "name",
			       "name may hold letters, digits, '_', '-' and '.'");
	if (!dlt_id_valid(in->dlt_template_id))
		return og_fail(det, OG_ERR_INVALID_REQUEST, "dlt_template_id",
			       "dlt_template_id must be 1 to 30 digits");
	nvars = template_count_vars(in->body);
	if (nvars < 0)
		return og_fail(det, OG_ERR_INVALID_REQUEST, "body",
			       "body has a malformed variable; write variables as {#var#}");
	if (nvars == 0)
		return og_fail(det, OG_ERR_INVALID_REQUEST, "body",
			       "body needs a {#var#} for the code");
	if (nvars != in->var_count)
		return og_fail(det, OG_ERR_INVALID_REQUEST, "vars",
			       "vars names %d values but body has %d variables", in->var_count,
			       nvars);
	for (int i = 0; i < in->var_count; i++) {
		if (!var_name_valid(in->vars[i]))
			return og_fail(det, OG_ERR_INVALID_REQUEST, "vars",
				       "each var name must be letters, digits or '_'");
		if (strcmp(in->vars[i], TEMPLATE_VAR_OTP) == 0)
			has_otp = true;
	}
	if (!has_otp)
		return og_fail(det, OG_ERR_INVALID_REQUEST, "vars",
			       "vars must name \"otp\" where the code goes");
	return OG_OK;
}

enum og_err template_register(const struct domain *d, struct store_conn *c,
			      const struct audit_actor *who, const char *tenant_id,
			      const struct template_input *in, struct store_template *out,
			      struct og_detail *det)
{
	struct store_template t, existing;
	enum og_err rc;

	rc = template_validate(in, det);
	if (rc != OG_OK)
		return rc;
	memset(&t, 0, sizeof t);
	memcpy(t.tenant_id, tenant_id, strlen(tenant_id) + 1);
	memcpy(t.name, in->name, sizeof t.name);
	memcpy(t.dlt_template_id, in->dlt_template_id, sizeof t.dlt_template_id);
	memcpy(t.body, in->body, sizeof t.body);
	t.var_count = in->var_count;
	memcpy(t.vars, in->vars, sizeof t.vars);
	t.created_at_ms = domain_now_ms(d);

	rc = c->ops->begin(c);
	if (rc != OG_OK)
		return rc;
	/* The first template is the default, so a tenant with one template
	 * can always send without naming it. */
	rc = c->ops->template_get_default(c, tenant_id, &existing);
	if (rc == OG_ERR_NOT_FOUND) {
		t.is_default = true;
		rc = OG_OK;
	} else if (rc == OG_OK && in->is_default) {
		t.is_default = true;
		rc = c->ops->template_clear_default(c, tenant_id);
	}
	if (rc == OG_OK)
		rc = c->ops->template_insert(c, &t);
	if (rc == OG_ERR_CONFLICT)
		og_fail(det, rc, "name", "a template named %s already exists", t.name);
	if (rc == OG_OK)
		rc = audit_write(d, c, who, "template.create", tenant_id, t.name, NULL);
	if (rc == OG_OK)
		rc = c->ops->commit(c);
	if (rc != OG_OK) {
		c->ops->rollback(c);
		return rc;
	}
	*out = t;
	return OG_OK;
}

enum og_err template_resolve(const struct domain *d, struct store_conn *c, const char *tenant_id,
			     const char *name_or_id, struct store_template *out)
{
	enum og_err rc;

	(void)d;
	if (!name_or_id || !name_or_id[0])
		rc = c->ops->template_get_default(c, tenant_id, out);
	else
		rc = c->ops->template_get(c, tenant_id, name_or_id, out);
	return rc == OG_ERR_NOT_FOUND ? OG_ERR_TEMPLATE_NOT_FOUND : rc;
}

enum og_err template_list(const struct domain *d, struct store_conn *c, const char *tenant_id,
			  const char *after_name, size_t limit, struct store_template *out,
			  size_t *n)
{
	(void)d;
	assert(limit >= 1 && limit <= STORE_PAGE_MAX);
	return c->ops->template_list(c, tenant_id, after_name, limit, out, n);
}

enum og_err template_delete(const struct domain *d, struct store_conn *c,
			    const struct audit_actor *who, const char *tenant_id, const char *name)
{
	enum og_err rc = c->ops->begin(c);

	if (rc != OG_OK)
		return rc;
	rc = c->ops->template_delete(c, tenant_id, name);
	if (rc == OG_OK)
		rc = audit_write(d, c, who, "template.delete", tenant_id, name, NULL);
	if (rc == OG_OK)
		rc = c->ops->commit(c);
	if (rc != OG_OK)
		c->ops->rollback(c);
	return rc;
}
