/*
 * Template parsing, rendering and registration. The parser recognises only
 * DLT's variable syntax, "{#name#}", so what otpgate renders is exactly what
 * an operator's scrubber will match against the registered template.
 */
#include "domain/template.h"

#include "domain/cache.h"

#include "domain/dlt_lint.h"
#include "domain/registry.h"

#include <assert.h>
#include <jansson.h>
#include <stdio.h>
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

/* Records a DLT finding as the detail of err, with its rule. */
static enum og_err template_finding(struct og_detail *det, enum og_err err,
				    const struct dlt_finding *f)
{
	og_fail(det, err, f->field, "%s", f->message);
	if (det && f->rule)
		det->rule = f->rule->id;
	return err;
}

static void template_warning_add(struct store_template *t, const struct dlt_finding *f)
{
	struct store_dlt_warning *w;

	if (t->warning_count >= STORE_DLT_WARNINGS_MAX)
		return;
	w = &t->warnings[t->warning_count++];
	snprintf(w->rule, sizeof w->rule, "%s", f->rule->id);
	snprintf(w->message, sizeof w->message, "%s", f->message);
}

/* The checks that need no store: names, the DLT id, the body's syntax,
 * the variables' names and limits. Fills t from in; the registry's checks
 * (mapped headers, whitelist) come in registry_template_check. */
static enum og_err template_validate(const struct domain *d, const struct template_input *in,
				     struct dlt_parsed *parsed, struct store_template *t,
				     struct og_detail *det)
{
	struct dlt_finding f, warn;
	bool warned = false;
	size_t nvars;

	if (!in->name[0])
		return og_fail(det, OG_ERR_INVALID_REQUEST, "name", "name is required");
	if (strspn(in->name, TEMPLATE_NAME_CHARS) != strlen(in->name))
		return og_fail(det, OG_ERR_INVALID_REQUEST, "name",
			       "name may hold letters, digits, '_', '-' and '.'");
	if (!dlt_lint_template_id(in->dlt_template_id, &f, &warn, &warned)) /* DLT-42 */
		return template_finding(det, OG_ERR_INVALID_REQUEST, &f);
	if (warned)
		template_warning_add(t, &warn);
	if (!dlt_parse(in->body, parsed, &f)) /* DLT-20, DLT-22, DLT-25 */
		return template_finding(det, OG_ERR_TEMPLATE_REJECTED, &f);
	nvars = parsed->var_count;
	if (in->var_count == 0 && nvars > 0) {
		/* No names (a portal export has none): name them by their tags. */
		if (!dlt_lint_infer_vars(parsed, t->vars, &f)) /* DLT-24 */
			return template_finding(det, OG_ERR_TEMPLATE_REJECTED, &f);
	} else if ((size_t)in->var_count != nvars) {
		return og_fail(det, OG_ERR_INVALID_REQUEST, "vars",
			       "vars names %d values but body has %zu variables", in->var_count,
			       nvars);
	} else {
		for (int i = 0; i < in->var_count; i++)
			if (!var_name_valid(in->vars[i]))
				return og_fail(det, OG_ERR_INVALID_REQUEST, "vars",
					       "each var name must be letters, digits or '_'");
		memcpy(t->vars, in->vars, sizeof t->vars);
	}
	t->var_count = (int)nvars;
	if (in->var_max_len_count != 0 && (size_t)in->var_max_len_count != nvars)
		return og_fail(det, OG_ERR_INVALID_REQUEST, "var_max_len",
			       "var_max_len gives %d lengths but body has %zu variables",
			       in->var_max_len_count, nvars);
	for (size_t i = 0; i < nvars; i++) {
		int max = in->var_max_len_count ? in->var_max_len[i]
			  : d->cfg.dlt_var_max_len > 0 ? d->cfg.dlt_var_max_len
							: DLT_VAR_MAX_LEN_DEFAULT;
		if (!dlt_lint_var_max_len(max, &f)) /* DLT-45 */
			return template_finding(det, OG_ERR_INVALID_REQUEST, &f);
		t->var_max_len[i] = max;
	}
	t->category = in->has_category ? in->category : STORE_DLT_SERVICE_IMPLICIT;
	t->status = in->has_status ? in->status : STORE_DLT_ACTIVE;
	if (in->has_headers) {
		assert(in->header_count >= 0 && in->header_count <= STORE_DLT_HEADERS_MAX);
		t->header_count = in->header_count;
		memcpy(t->headers, in->headers, sizeof t->headers);
	}
	return OG_OK;
}

/* The audit detail of a registration: what an operator would look at. */
static void template_audit_detail(const struct store_template *t,
				  char out[STORE_AUDIT_DETAIL_MAX])
{
	json_t *headers = json_array();
	json_t *j;
	size_t n = 0;

	for (int i = 0; headers && i < t->header_count; i++)
		json_array_append_new(headers, json_string(t->headers[i]));
	j = json_pack("{s:s, s:s, s:s, s:o*, s:i}", "dlt_template_id", t->dlt_template_id,
		      "category", dlt_category_name(t->category), "status",
		      dlt_status_name(t->status), "headers", headers, "warnings",
		      t->warning_count);
	if (j)
		n = json_dumpb(j, out, STORE_AUDIT_DETAIL_MAX - 1, JSON_COMPACT);
	if (n == 0 || n >= STORE_AUDIT_DETAIL_MAX)
		n = (size_t)snprintf(out, STORE_AUDIT_DETAIL_MAX, "{}");
	out[n] = '\0';
	json_decref(j);
}

enum og_err template_register(const struct domain *d, struct store_conn *c,
			      const struct audit_actor *who, const char *tenant_id,
			      const struct template_input *in, struct store_template *out,
			      struct og_detail *det)
{
	char detail[STORE_AUDIT_DETAIL_MAX];
	struct store_template t, existing;
	struct dlt_parsed parsed;
	bool replacing = false;
	enum og_err rc;

	memset(&t, 0, sizeof t);
	rc = template_validate(d, in, &parsed, &t, det);
	if (rc != OG_OK)
		return rc;
	memcpy(t.tenant_id, tenant_id, strlen(tenant_id) + 1);
	memcpy(t.name, in->name, sizeof t.name);
	memcpy(t.dlt_template_id, in->dlt_template_id, sizeof t.dlt_template_id);
	memcpy(t.body, in->body, sizeof t.body);
	t.created_at_ms = domain_now_ms(d);

	rc = store_begin(c);
	if (rc != OG_OK)
		return rc;
	/* Mapped headers and the whitelist are read in the transaction, so the
	 * warnings describe the registry this template joins. */
	rc = registry_template_check(d, c, tenant_id, in->has_headers, &t, &parsed, det);
	if (rc != OG_OK)
		goto out;
	if (in->replace) {
		/* template_get falls back to the DLT id; only the same name counts. */
		rc = store_template_get(c, tenant_id, t.name, &existing);
		replacing = rc == OG_OK && strcmp(existing.name, t.name) == 0;
		if (rc == OG_ERR_NOT_FOUND || rc == OG_OK)
			rc = OG_OK;
	}
	if (rc != OG_OK)
		goto out;
	if (replacing) {
		t.created_at_ms = existing.created_at_ms;
		t.is_default = existing.is_default || in->is_default;
		if (in->is_default && !existing.is_default)
			rc = store_template_clear_default(c, tenant_id);
		if (rc == OG_OK)
			rc = store_template_update(c, &t);
	} else {
		/* The first template is the default, so an owner with one
		 * template can always send without naming it. */
		rc = store_template_get_default(c, tenant_id, &existing);
		if (rc == OG_ERR_NOT_FOUND) {
			t.is_default = true;
			rc = OG_OK;
		} else if (rc == OG_OK && in->is_default) {
			t.is_default = true;
			rc = store_template_clear_default(c, tenant_id);
		}
		if (rc == OG_OK)
			rc = store_template_insert(c, &t);
		if (rc == OG_ERR_CONFLICT)
			og_fail(det, rc, "name", "a template named %s already exists", t.name);
	}
	template_audit_detail(&t, detail);
	if (rc == OG_OK)
		rc = audit_write(d, c, who, replacing ? "template.replace" : "template.create",
				 tenant_id, t.name, detail);
	if (rc == OG_OK)
		rc = store_commit(c);
out:
	if (rc != OG_OK) {
		store_rollback(c);
		return rc;
	}
	*out = t;
	return OG_OK;
}

enum og_err template_resolve(const struct domain *d, struct store_conn *c, const char *tenant_id,
			     const char *name_or_id, struct store_template *out)
{
	enum og_err rc;

	if (!name_or_id || !name_or_id[0])
		rc = cache_template_default(d, c, tenant_id, out);
	else
		rc = cache_template(d, c, tenant_id, name_or_id, out);
	return rc == OG_ERR_NOT_FOUND ? OG_ERR_TEMPLATE_NOT_FOUND : rc;
}

enum og_err template_list(const struct domain *d, struct store_conn *c, const char *tenant_id,
			  const char *after_name, size_t limit, struct store_template *out,
			  size_t *n)
{
	(void)d;
	assert(limit >= 1 && limit <= STORE_PAGE_MAX);
	return store_template_list(c, tenant_id, after_name, limit, out, n);
}

enum og_err template_delete(const struct domain *d, struct store_conn *c,
			    const struct audit_actor *who, const char *tenant_id, const char *name)
{
	enum og_err rc = store_begin(c);

	if (rc != OG_OK)
		return rc;
	rc = store_template_delete(c, tenant_id, name);
	if (rc == OG_OK)
		rc = audit_write(d, c, who, "template.delete", tenant_id, name, NULL);
	if (rc == OG_OK)
		rc = store_commit(c);
	if (rc != OG_OK)
		store_rollback(c);
	return rc;
}
