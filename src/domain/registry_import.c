/*
 * CSV import: dlt_csv reads the records, template_register registers each
 * good one. A row that fails for the row's sake (a bad value, a lint
 * error) is reported and skipped; a failure of the store stops the import,
 * since every row after it would fail the same way.
 */
#include "domain/registry_import.h"

#include "base/log.h"
#include "domain/dlt_csv.h"
#include "domain/template.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Registers one good record; fills r with the outcome. */
static enum og_err registry_import_one(const struct domain *d, struct store_conn *c,
				       const struct audit_actor *who, const char *owner,
				       const struct dlt_csv_row *row, struct registry_import_row *r)
{
	struct template_input *in = calloc(1, sizeof *in);
	struct store_template *t = calloc(1, sizeof *t);
	enum og_err rc = OG_ERR_NOMEM;

	if (!in || !t)
		goto out;
	memcpy(in->name, row->name, sizeof in->name);
	memcpy(in->dlt_template_id, row->dlt_template_id, sizeof in->dlt_template_id);
	memcpy(in->body, row->body, sizeof in->body);
	in->var_count = row->var_count;
	memcpy(in->vars, row->vars, sizeof in->vars);
	in->has_category = row->has_category;
	in->category = row->category;
	in->has_status = row->has_status;
	in->status = row->status;
	in->has_headers = row->has_headers;
	in->header_count = row->header_count;
	memcpy(in->headers, row->headers, sizeof in->headers);
	in->replace = true;
	/* Whether it replaces is only for the report; the registration decides. */
	r->replaced = store_template_get(c, owner, in->name, t) == OG_OK &&
		      strcmp(t->name, in->name) == 0;
	rc = template_register(d, c, who, owner, in, t, &r->det);
	if (rc == OG_OK) {
		r->ok = true;
		r->warning_count = t->warning_count;
		memcpy(r->warnings, t->warnings, sizeof r->warnings);
	} else {
		r->replaced = false;
		r->err = rc;
	}
out:
	free(t);
	free(in);
	return rc;
}

enum og_err registry_import_csv(const struct domain *d, struct store_conn *c,
				const struct audit_actor *who, const char *owner, const char *text,
				size_t len, registry_import_fn fn, void *arg,
				struct registry_import_totals *totals, struct og_detail *det)
{
	struct dlt_csv csv;
	struct dlt_csv_row *row = NULL;
	struct registry_import_row *r = NULL;
	struct dlt_finding f;
	enum og_err rc;

	memset(totals, 0, sizeof *totals);
	if (!dlt_csv_open(&csv, text, len, &f))
		return og_fail(det, OG_ERR_INVALID_REQUEST, f.field, "%s", f.message);
	row = malloc(sizeof *row);
	r = malloc(sizeof *r);
	if (!row || !r) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	while (dlt_csv_next(&csv, row) == 1) {
		memset(r, 0, sizeof *r);
		r->line = row->line;
		memcpy(r->name, row->name, sizeof r->name);
		memcpy(r->dlt_template_id, row->dlt_template_id, sizeof r->dlt_template_id);
		if (!row->ok) {
			r->err = OG_ERR_INVALID_REQUEST;
			og_fail(&r->det, r->err, row->error.field, "%s", row->error.message);
			if (row->error.rule)
				r->det.rule = row->error.rule->id;
		} else {
			rc = registry_import_one(d, c, who, owner, row, r);
			/* The store failed, not the row: stop here. */
			if (rc != OG_OK && og_err_http_status(rc) >= 500)
				goto out;
		}
		if (r->ok)
			totals->imported++;
		else
			totals->failed++;
		rc = fn(arg, r);
		if (rc != OG_OK)
			goto out;
	}
	rc = OG_OK;
	log_info("dlt.imported", "{s:s, s:I, s:I}", "owner", owner[0] ? owner : "platform",
		 "imported", (json_int_t)totals->imported, "failed", (json_int_t)totals->failed);
out:
	free(r);
	free(row);
	return rc;
}
