/*
 * The send path's DLT checks. The registry snapshot is read outside the
 * send's write transaction, as the template is: a registry change that
 * lands between the scrub and the commit affects the next send, which is
 * what "applies to the next request" promises.
 */
#include "domain/scrub.h"

#include "domain/cache.h"

#include "base/log.h"
#include "base/metrics.h"
#include "domain/dlt_scrub.h"
#include "domain/registry.h"
#include "domain/template.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCRUB_METRIC "otpgate_dlt_rejected_total"
#define SCRUB_LABELS_MAX 128

static pthread_once_t scrub_metrics_once = PTHREAD_ONCE_INIT;

static void scrub_describe_metrics(void)
{
	metrics_describe(SCRUB_METRIC, "counter",
			 "Sends refused by the local DLT pre-scrub, by tenant and operator code.");
}

/* Counts a refusal and logs it (no phone, no text: only ids and codes). */
static void scrub_count(const struct store_tenant *t, const char *rule, const char *dlt_code)
{
	char labels[SCRUB_LABELS_MAX];

	pthread_once(&scrub_metrics_once, scrub_describe_metrics);
	/* Tenant ids are [a-z0-9_-] and codes [A-Z-], so neither needs escaping. */
	snprintf(labels, sizeof labels, "tenant_id=\"%s\",dlt_code=\"%s\"", t->id, dlt_code);
	metrics_count(SCRUB_METRIC, labels, 1);
	log_info("dlt.rejected", "{s:s, s:s, s:s, s:s}", "tenant_id", t->id, "route",
		 dlt_route_name(t->route), "rule", rule, "dlt_code", dlt_code);
}

enum og_err scrub_template_resolve(const struct domain *d, struct store_conn *c,
				   const struct store_tenant *t, const char *ref,
				   struct store_template *out, struct og_detail *det)
{
	const struct dlt_rule *r = dlt_rules_get(DLT_R_TEMPLATE_FOUND);
	enum og_err rc;

	rc = template_resolve(d, c, t->id, ref, out);
	/* DLT-52: a shared-route tenant may send with the platform's templates;
	 * DLT-51: a tenant on its own route never does. */
	if (rc == OG_ERR_TEMPLATE_NOT_FOUND && t->route == STORE_ROUTE_SHARED)
		rc = template_resolve(d, c, REGISTRY_PLATFORM, ref, out);
	if (rc != OG_ERR_TEMPLATE_NOT_FOUND)
		return rc;
	og_fail(det, rc, "template",
		ref && ref[0] ? "no template named %s" : "the tenant has no default template%s",
		ref ? ref : "");
	if (det) { /* DLT-06 */
		det->rule = r->id;
		det->dlt_code = r->dlt_code;
	}
	scrub_count(t, r->id, r->dlt_code);
	return rc;
}

static bool scrub_mapped(const struct store_template *t, const char *header)
{
	for (int i = 0; i < t->header_count; i++)
		if (strcmp(t->headers[i], header) == 0)
			return true;
	return false;
}

/* The header a send uses: the one it names; else the default header if
 * the template is mapped to it; else the template's first mapped header. */
static const char *scrub_header(const char *requested, const char *default_header,
				const struct store_template *reg)
{
	if (requested && requested[0])
		return requested;
	if (!reg)
		return default_header;
	if (default_header[0] && scrub_mapped(reg, default_header))
		return default_header;
	return reg->header_count > 0 ? reg->headers[0] : default_header;
}

enum og_err scrub_send(const struct domain *d, struct store_conn *c, const struct store_tenant *t,
		       const struct store_template *tmpl, const char *requested_header,
		       const char *content, struct scrub_choice *out, struct og_detail *det)
{
	bool shared = t->route == STORE_ROUTE_SHARED;
	const char *owner = shared ? REGISTRY_PLATFORM : t->id;
	const struct store_template *reg = tmpl;
	struct store_template *platform_tmpl = NULL;
	struct store_dlt_whitelist *wl = NULL;
	struct dlt_whitelist_entry *entries = NULL;
	struct registry_owner o;
	struct store_dlt_header h;
	struct dlt_scrub_input in;
	struct dlt_finding f;
	const char *header;
	size_t n = 0;
	enum og_err rc;

	memset(&in, 0, sizeof in);
	if (shared) {
		rc = registry_owner_load(d, c, owner, &o);
		if (rc != OG_OK)
			goto out;
		/* DLT-52: the platform's entry with this ID is what an operator
		 * holds; the tenant's template must render its content. */
		platform_tmpl = malloc(sizeof *platform_tmpl);
		if (!platform_tmpl) {
			rc = OG_ERR_NOMEM;
			goto out;
		}
		rc = cache_template_by_dlt_id(d, c, owner, tmpl->dlt_template_id, platform_tmpl);
		if (rc == OG_ERR_NOT_FOUND)
			reg = NULL;
		else if (rc != OG_OK)
			goto out;
		else
			reg = platform_tmpl;
	} else {
		memset(&o, 0, sizeof o);
		memcpy(o.id, t->id, sizeof o.id);
		memcpy(o.pe_id, t->pe_id, sizeof o.pe_id);
		memcpy(o.default_header, t->sender_header, sizeof o.default_header);
	}
	header = scrub_header(requested_header, o.default_header, reg);
	in.pe_id = o.pe_id;
	in.shared = shared;
	in.header.name = header;
	if (header[0]) {
		rc = cache_dlt_header(d, c, owner, header, &h);
		if (rc != OG_OK && rc != OG_ERR_NOT_FOUND)
			goto out;
		if (rc == OG_OK) {
			in.header.found = true;
			in.header.category = h.category;
			in.header.status = h.status;
			in.header.pe_id = h.pe_id;
		}
	}
	in.tmpl.dlt_template_id = tmpl->dlt_template_id;
	if (reg) {
		in.tmpl.found = true;
		in.tmpl.body = reg->body;
		in.tmpl.category = reg->category;
		in.tmpl.status = reg->status;
		in.tmpl.header_count = (size_t)reg->header_count;
		in.tmpl.headers = reg->headers;
		in.tmpl.var_max_len = reg->var_max_len;
		in.tmpl.var_names = tmpl->vars;
		in.tmpl.var_name_count = (size_t)tmpl->var_count;
	}
	/* The whitelist is read only when a variable needs it. */
	if (reg && (strstr(reg->body, "{#url#}") || strstr(reg->body, "{#cbn#}"))) {
		wl = calloc(STORE_DLT_WHITELIST_MAX, sizeof *wl);
		entries = calloc(STORE_DLT_WHITELIST_MAX, sizeof *entries);
		if (!wl || !entries) {
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
		in.whitelist.entries = entries;
		in.whitelist.count = n;
	}
	in.content = content;
	in.var_max_len_default = d->cfg.dlt_var_max_len;
	if (!dlt_scrub(&in, &f)) {
		rc = registry_fail(det, OG_ERR_DLT_REJECTED, &f);
		scrub_count(t, f.rule->id, f.rule->dlt_code);
		goto out;
	}
	memset(out, 0, sizeof *out);
	out->route = shared ? STORE_ROUTE_SHARED : STORE_ROUTE_OWN;
	memcpy(out->pe_id, o.pe_id, sizeof out->pe_id);
	snprintf(out->sender_header, sizeof out->sender_header, "%s", header);
	memcpy(out->dlt_template_id, tmpl->dlt_template_id, sizeof out->dlt_template_id);
	rc = OG_OK;
out:
	free(entries);
	free(wl);
	free(platform_tmpl);
	return rc;
}
