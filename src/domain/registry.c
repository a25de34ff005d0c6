/*
 * Registry changes: headers, whitelist entries, the platform's entity, the
 * header a tenant's sender_header registers, and the registry half of
 * template lint. Formats are checked here (DLT-40..45) before anything
 * reaches the store, and each change writes its audit entry in the same
 * transaction.
 */
#include "domain/registry.h"

#include "domain/dlt_lint.h"

#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum og_err registry_fail(struct og_detail *det, enum og_err err, const struct dlt_finding *f)
{
	og_fail(det, err, f->field, "%s", f->message);
	if (det && f->rule) {
		det->rule = f->rule->id;
		det->dlt_code = f->rule->dlt_code;
	}
	return err;
}

static bool registry_is_platform(const char *owner) { return owner[0] == '\0'; }

/* Dumps a small JSON object for an audit entry (never a secret). */
static void registry_detail(json_t *j, char out[STORE_AUDIT_DETAIL_MAX])
{
	size_t n = j ? json_dumpb(j, out, STORE_AUDIT_DETAIL_MAX - 1, JSON_COMPACT) : 0;

	if (n == 0 || n >= STORE_AUDIT_DETAIL_MAX)
		n = (size_t)snprintf(out, STORE_AUDIT_DETAIL_MAX, "{}");
	out[n] = '\0';
	json_decref(j);
}

/* The audit action for a change to owner's registry: "dlt.<what>" for a
 * tenant, "platform.<what>" for the platform. */
static void registry_action(const char *owner, const char *what, char out[STORE_AUDIT_ACTION_MAX])
{
	snprintf(out, STORE_AUDIT_ACTION_MAX, "%s.%s",
		 registry_is_platform(owner) ? "platform" : "dlt", what);
}

enum og_err registry_owner_load(const struct domain *d, struct store_conn *c, const char *owner,
				struct registry_owner *out)
{
	enum og_err rc;

	(void)d;
	memset(out, 0, sizeof *out);
	if (registry_is_platform(owner)) {
		struct store_dlt_platform p;
		rc = store_dlt_platform_get(c, &p);
		if (rc != OG_OK)
			return rc;
		memcpy(out->pe_id, p.pe_id, sizeof out->pe_id);
		memcpy(out->default_header, p.sender_header, sizeof out->default_header);
		return OG_OK;
	}
	{
		struct store_tenant t;
		rc = store_tenant_get(c, owner, &t);
		if (rc != OG_OK)
			return rc;
		memcpy(out->id, t.id, sizeof out->id);
		memcpy(out->pe_id, t.pe_id, sizeof out->pe_id);
		memcpy(out->default_header, t.sender_header, sizeof out->default_header);
	}
	return OG_OK;
}

/* ---- Headers ------------------------------------------------------------ */

/* Writes header h (already valid) and its audit entry, in an open transaction. */
static enum og_err registry_header_write(const struct domain *d, struct store_conn *c,
					 const struct audit_actor *who,
					 const struct store_dlt_header *h, const char *source)
{
	char action[STORE_AUDIT_ACTION_MAX], detail[STORE_AUDIT_DETAIL_MAX];
	enum og_err rc = store_dlt_header_put(c, h);

	if (rc != OG_OK)
		return rc;
	registry_action(h->tenant_id, "header.put", action);
	registry_detail(json_pack("{s:s, s:s, s:s, s:s}", "category",
				  dlt_category_name(h->category), "status",
				  dlt_status_name(h->status), "pe_id", h->pe_id, "source", source),
			detail);
	return audit_write(d, c, who, action, h->tenant_id, h->header, detail);
}

enum og_err registry_header_put(const struct domain *d, struct store_conn *c,
				const struct audit_actor *who, const char *owner,
				const struct registry_header_input *in, struct store_dlt_header *out,
				bool *created, struct og_detail *det)
{
	struct registry_owner o;
	struct store_dlt_header h, prior;
	struct dlt_finding f;
	enum og_err rc;

	memset(&h, 0, sizeof h);
	memcpy(h.tenant_id, owner, strlen(owner) + 1);
	memcpy(h.header, in->header, sizeof h.header);
	h.category = in->has_category ? in->category : STORE_DLT_SERVICE_IMPLICIT;
	h.status = in->has_status ? in->status : STORE_DLT_ACTIVE;
	if (h.status == STORE_DLT_BLACKLISTED)
		return og_fail(det, OG_ERR_INVALID_REQUEST, "status",
			       "a header's status is active or inactive");
	if (!dlt_lint_header(h.header, h.category, &f)) /* DLT-41 */
		return registry_fail(det, OG_ERR_INVALID_REQUEST, &f);
	rc = store_begin(c);
	if (rc != OG_OK)
		return rc;
	rc = registry_owner_load(d, c, owner, &o);
	if (rc != OG_OK)
		goto out;
	/* A header belongs to a PE (DLT-05): it is registered under the
	 * owner's PE-ID as it is now, so a later change of PE-ID shows. */
	if (!o.pe_id[0]) {
		rc = og_fail(det, OG_ERR_INVALID_REQUEST, "pe_id",
			     "%s has no PE-ID; a header is registered under one (set pe_id first)",
			     registry_is_platform(owner) ? "the platform" : "the tenant");
		goto out;
	}
	memcpy(h.pe_id, o.pe_id, sizeof h.pe_id);
	h.created_at_ms = h.updated_at_ms = domain_now_ms(d);
	rc = store_dlt_header_get(c, owner, h.header, &prior);
	*created = rc == OG_ERR_NOT_FOUND;
	if (rc == OG_OK)
		h.created_at_ms = prior.created_at_ms;
	if (rc == OG_OK || rc == OG_ERR_NOT_FOUND)
		rc = registry_header_write(d, c, who, &h, "api");
	if (rc == OG_OK)
		rc = store_commit(c);
out:
	if (rc != OG_OK) {
		store_rollback(c);
		return rc;
	}
	*out = h;
	return OG_OK;
}

enum og_err registry_header_list(const struct domain *d, struct store_conn *c, const char *owner,
				 const char *after, size_t limit, struct store_dlt_header *out,
				 size_t *n)
{
	(void)d;
	assert(limit >= 1 && limit <= STORE_PAGE_MAX);
	return store_dlt_header_list(c, owner, after, limit, out, n);
}

enum og_err registry_header_delete(const struct domain *d, struct store_conn *c,
				   const struct audit_actor *who, const char *owner,
				   const char *header)
{
	char action[STORE_AUDIT_ACTION_MAX];
	enum og_err rc;

	if (strlen(header) >= STORE_HEADER_MAX)
		return OG_ERR_NOT_FOUND;
	rc = store_begin(c);
	if (rc != OG_OK)
		return rc;
	rc = store_dlt_header_delete(c, owner, header);
	registry_action(owner, "header.delete", action);
	if (rc == OG_OK)
		rc = audit_write(d, c, who, action, owner, header, NULL);
	if (rc == OG_OK)
		rc = store_commit(c);
	if (rc != OG_OK)
		store_rollback(c);
	return rc;
}

enum og_err registry_tenant_sync(const struct domain *d, struct store_conn *c,
				 const struct audit_actor *who, const struct store_tenant *t)
{
	struct store_dlt_header h;
	enum og_err rc;

	if (!t->sender_header[0] || !t->pe_id[0])
		return OG_OK;
	rc = store_dlt_header_get(c, t->id, t->sender_header, &h);
	if (rc != OG_ERR_NOT_FOUND)
		return rc; /* registered already (or the store failed) */
	memset(&h, 0, sizeof h);
	memcpy(h.tenant_id, t->id, sizeof h.tenant_id);
	memcpy(h.header, t->sender_header, sizeof h.header);
	h.category = STORE_DLT_SERVICE_IMPLICIT; /* OTPs are service implicit traffic */
	h.status = STORE_DLT_ACTIVE;
	memcpy(h.pe_id, t->pe_id, sizeof h.pe_id);
	h.created_at_ms = h.updated_at_ms = domain_now_ms(d);
	/* Part of the tenant change: its own entry (tenant.create or
	 * tenant.update, naming sender_header) records it, in this transaction. */
	(void)who;
	return store_dlt_header_put(c, &h);
}

/* ---- Whitelist ---------------------------------------------------------- */

enum og_err registry_whitelist_load(struct store_conn *c, const char *owner,
				    struct store_dlt_whitelist *out, size_t *n)
{
	return store_dlt_whitelist_list(c, owner, NULL, STORE_DLT_WHITELIST_MAX, out, n);
}

enum og_err registry_whitelist_add(const struct domain *d, struct store_conn *c,
				   const struct audit_actor *who, const char *owner,
				   const struct registry_whitelist_input *in,
				   struct store_dlt_whitelist *out, bool *created,
				   struct og_detail *det)
{
	char action[STORE_AUDIT_ACTION_MAX], detail[STORE_AUDIT_DETAIL_MAX];
	struct store_dlt_whitelist w, *all = NULL;
	struct dlt_finding f;
	size_t n = 0;
	enum og_err rc;

	memset(&w, 0, sizeof w);
	memcpy(w.tenant_id, owner, strlen(owner) + 1);
	w.kind = in->kind;
	if (!dlt_lint_whitelist(in->kind, in->value, w.value, &f)) /* DLT-43, DLT-44 */
		return registry_fail(det, OG_ERR_INVALID_REQUEST, &f);
	w.created_at_ms = domain_now_ms(d);
	all = calloc(STORE_DLT_WHITELIST_MAX, sizeof *all);
	if (!all)
		return OG_ERR_NOMEM;
	rc = store_begin(c);
	if (rc != OG_OK)
		goto done;
	rc = registry_whitelist_load(c, owner, all, &n);
	if (rc != OG_OK)
		goto out;
	*created = true;
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].value, w.value) == 0) {
			*created = false;
			w = all[i];
		}
	if (*created && n >= STORE_DLT_WHITELIST_MAX) {
		rc = og_fail(det, OG_ERR_INVALID_REQUEST, "value",
			     "a whitelist holds at most %d entries", STORE_DLT_WHITELIST_MAX);
		goto out;
	}
	if (*created) {
		rc = store_dlt_whitelist_put(c, &w);
		registry_action(owner, "whitelist.add", action);
		registry_detail(json_pack("{s:s}", "value", w.value), detail);
		if (rc == OG_OK)
			rc = audit_write(d, c, who, action, owner, dlt_whitelist_kind_name(w.kind),
					 detail);
	}
	if (rc == OG_OK)
		rc = store_commit(c);
out:
	if (rc != OG_OK)
		store_rollback(c);
	else
		*out = w;
done:
	free(all);
	return rc;
}

enum og_err registry_whitelist_list(const struct domain *d, struct store_conn *c,
				    const char *owner, const char *after, size_t limit,
				    struct store_dlt_whitelist *out, size_t *n)
{
	(void)d;
	assert(limit >= 1 && limit <= STORE_PAGE_MAX);
	return store_dlt_whitelist_list(c, owner, after, limit, out, n);
}

enum og_err registry_whitelist_delete(const struct domain *d, struct store_conn *c,
				      const struct audit_actor *who, const char *owner,
				      const char *value)
{
	char action[STORE_AUDIT_ACTION_MAX], detail[STORE_AUDIT_DETAIL_MAX];
	char cbn[DLT_CBN_MAX];
	enum og_err rc;

	if (strlen(value) >= STORE_DLT_VALUE_MAX)
		return OG_ERR_NOT_FOUND;
	rc = store_begin(c);
	if (rc != OG_OK)
		return rc;
	rc = store_dlt_whitelist_delete(c, owner, value);
	/* A callback number may be named as written ("+91 98...") or stored. */
	if (rc == OG_ERR_NOT_FOUND && dlt_cbn_normalize(value, strlen(value), cbn))
		rc = store_dlt_whitelist_delete(c, owner, cbn);
	registry_action(owner, "whitelist.delete", action);
	registry_detail(json_pack("{s:s}", "value", value), detail);
	if (rc == OG_OK)
		rc = audit_write(d, c, who, action, owner, "whitelist", detail);
	if (rc == OG_OK)
		rc = store_commit(c);
	if (rc != OG_OK)
		store_rollback(c);
	return rc;
}

/* ---- The platform's entity --------------------------------------------- */

enum og_err registry_platform_get(const struct domain *d, struct store_conn *c,
				  struct store_dlt_platform *out)
{
	(void)d;
	return store_dlt_platform_get(c, out);
}

enum og_err registry_platform_patch(const struct domain *d, struct store_conn *c,
				    const struct audit_actor *who,
				    const struct registry_platform_input *in,
				    struct store_dlt_platform *out, struct dlt_finding *warn,
				    bool *warned, struct og_detail *det)
{
	char detail[STORE_AUDIT_DETAIL_MAX];
	struct store_dlt_platform p;
	struct store_dlt_header h;
	struct dlt_finding f;
	enum og_err rc;

	*warned = false;
	if (in->has_pe_id && in->pe_id[0] && !dlt_lint_pe_id(in->pe_id, &f, warn, warned))
		return registry_fail(det, OG_ERR_INVALID_REQUEST, &f); /* DLT-40 */
	if (in->has_sender_header && in->sender_header[0] &&
	    !dlt_lint_header(in->sender_header, STORE_DLT_SERVICE_IMPLICIT, &f)) {
		f.field = "sender_header";
		return registry_fail(det, OG_ERR_INVALID_REQUEST, &f); /* DLT-41 */
	}
	rc = store_begin(c);
	if (rc != OG_OK)
		return rc;
	rc = store_dlt_platform_get(c, &p);
	if (rc != OG_OK)
		goto out;
	if (in->has_pe_id)
		memcpy(p.pe_id, in->pe_id, sizeof p.pe_id);
	if (in->has_sender_header)
		memcpy(p.sender_header, in->sender_header, sizeof p.sender_header);
	p.updated_at_ms = domain_now_ms(d);
	rc = store_dlt_platform_put(c, &p);
	/* The default header is registered, as a tenant's sender_header is. */
	if (rc == OG_OK && p.sender_header[0] && p.pe_id[0]) {
		rc = store_dlt_header_get(c, REGISTRY_PLATFORM, p.sender_header, &h);
		if (rc == OG_ERR_NOT_FOUND) {
			memset(&h, 0, sizeof h);
			memcpy(h.header, p.sender_header, sizeof h.header);
			h.category = STORE_DLT_SERVICE_IMPLICIT;
			h.status = STORE_DLT_ACTIVE;
			memcpy(h.pe_id, p.pe_id, sizeof h.pe_id);
			h.created_at_ms = h.updated_at_ms = p.updated_at_ms;
			/* Recorded by the platform.update entry below. */
			rc = store_dlt_header_put(c, &h);
		}
	}
	registry_detail(json_pack("{s:s, s:s}", "pe_id", p.pe_id, "sender_header",
				  p.sender_header),
			detail);
	if (rc == OG_OK)
		rc = audit_write(d, c, who, "platform.update", REGISTRY_PLATFORM, "platform",
				 detail);
	if (rc == OG_OK)
		rc = store_commit(c);
out:
	if (rc != OG_OK) {
		store_rollback(c);
		return rc;
	}
	*out = p;
	return OG_OK;
}

/* ---- Templates ---------------------------------------------------------- */

enum og_err registry_template_check(const struct domain *d, struct store_conn *c,
				    const char *owner, bool has_headers, struct store_template *t,
				    const struct dlt_parsed *p, struct og_detail *det)
{
	struct registry_owner o;
	struct dlt_lint_header headers[STORE_DLT_HEADERS_MAX];
	struct dlt_whitelist_entry *entries = NULL;
	struct store_dlt_whitelist *wl = NULL;
	struct dlt_lint_input in;
	struct dlt_lint_result *res = NULL;
	size_t n = 0;
	enum og_err rc;

	rc = registry_owner_load(d, c, owner, &o);
	if (rc != OG_OK)
		return rc;
	/* The core's rule: a template given no headers maps to the owner's
	 * default header (a tenant's sender_header). */
	if (!has_headers && o.default_header[0]) {
		t->header_count = 1;
		memcpy(t->headers[0], o.default_header, sizeof t->headers[0]);
	}
	memset(headers, 0, sizeof headers);
	for (int i = 0; i < t->header_count; i++) {
		struct store_dlt_header h;
		headers[i].name = t->headers[i];
		rc = store_dlt_header_get(c, owner, t->headers[i], &h);
		if (rc == OG_ERR_NOT_FOUND)
			continue;
		if (rc != OG_OK)
			return rc;
		headers[i].registered = true;
		headers[i].category = h.category;
		headers[i].status = h.status;
	}
	wl = calloc(STORE_DLT_WHITELIST_MAX, sizeof *wl);
	entries = calloc(STORE_DLT_WHITELIST_MAX, sizeof *entries);
	res = calloc(1, sizeof *res);
	if (!wl || !entries || !res) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	rc = registry_whitelist_load(c, owner, wl, &n);
	if (rc != OG_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		entries[i].kind = wl[i].kind;
		entries[i].value = wl[i].value;
	}
	memset(&in, 0, sizeof in);
	in.body = t->body;
	in.category = t->category;
	in.var_count = (size_t)t->var_count;
	in.var_names = t->vars;
	in.var_max_len = t->var_max_len;
	in.header_count = (size_t)t->header_count;
	in.headers = headers;
	in.whitelist.entries = entries;
	in.whitelist.count = n;
	dlt_lint(&in, p, res);
	if (!res->ok) {
		rc = registry_fail(det, OG_ERR_TEMPLATE_REJECTED, &res->error);
		goto out;
	}
	for (size_t i = 0; i < res->warning_count; i++) {
		struct store_dlt_warning *w;
		if (t->warning_count >= STORE_DLT_WARNINGS_MAX)
			break;
		w = &t->warnings[t->warning_count++];
		snprintf(w->rule, sizeof w->rule, "%s", res->warnings[i].rule->id);
		snprintf(w->message, sizeof w->message, "%s", res->warnings[i].message);
	}
out:
	free(res);
	free(entries);
	free(wl);
	return rc;
}
