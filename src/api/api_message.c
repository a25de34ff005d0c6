/*
 * Reading what was sent and what it cost: one message, the message log,
 * usage over a date range, and a month's invoice as JSON or CSV. A tenant
 * key reads only its own tenant; an admin reads every tenant or narrows to
 * one with ?tenant_id=. Usage and invoices are bounded at
 * API_REPORT_ROWS_MAX tenants, collected before anything is rendered so no
 * lookup runs while the store is iterating.
 */
#include "api/api_int.h"
#include "api/api_list.h"

#include "base/clock.h"
#include "domain/dlt.h"
#include "domain/guard.h"
#include "domain/message.h"
#include "domain/usage.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API_CSV_TYPE "text/csv; charset=utf-8"

static json_t *api_message_json(const struct store_message *m)
{
	/* ABUSE-09: a test send names the reserved provider "test". */
	bool test = strcmp(m->provider, GUARD_TEST_PROVIDER) == 0;

	json_t *obj;

	obj = json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:s, s:o, s:o, s:I, s:o, s:o, s:o, s:b}",
			 "id", m->id, "tenant_id", m->tenant_id, "request_id",
			 api_json_text(m->request_id), "phone", m->phone_masked, "sender_header",
			 api_json_text(m->sender_header), "dlt_template_id",
			 api_json_text(m->dlt_template_id), "status", message_status_name(m->status),
			 "provider", api_json_text(m->provider), "provider_message_id",
			 api_json_text(m->provider_message_id), "cost_paise",
			 (json_int_t)m->cost_paise, "error", api_json_text(m->error), "created_at",
			 api_json_time(m->created_at_ms), "sent_at", api_json_time(m->sent_at_ms),
			 "test", test);
	/* The DLT data the message was checked with and sent under (docs/DLT.md). */
	if (obj) {
		json_object_set_new(obj, "pe_id", api_json_text(m->pe_id));
		json_object_set_new(obj, "route",
				    json_string(m->route == STORE_ROUTE_SHARED ? "shared" : "own"));
	}
	return obj;
}

enum og_err api_message_get(struct api_call *call)
{
	struct store_message *m = NULL;
	const char *tenant_id;
	enum og_err rc;

	rc = api_auth_read_scope(call, &tenant_id);
	if (rc != OG_OK)
		goto out;
	m = malloc(sizeof *m); /* a message carries its sealed payload: ~4 KiB */
	if (!m) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	rc = message_get(call->d, call->conn, tenant_id, call->params[0], m);
	if (rc != OG_OK)
		goto out;
	rc = api_reply_json(call, 200, api_message_json(m));
out:
	free(m);
	return rc;
}

/* Reads an optional ISO-8601 time argument; 0 when absent. */
static enum og_err api_message_time_arg(struct api_call *call, const char *name, int64_t *ms)
{
	const char *text = api_query(call, name);

	*ms = 0;
	if (text && !clock_parse_iso(text, ms))
		return api_fail(call, OG_ERR_INVALID_REQUEST, name,
				"%s must be an ISO-8601 time or date", name);
	return OG_OK;
}

/* A page of the message log; arg is the filter with the read scope set. */
static enum og_err api_message_fetch(struct api_call *call, const void *arg, const char *after,
				     size_t limit, void *rows, size_t *n)
{
	struct store_message_filter f = *(const struct store_message_filter *)arg;
	const char *status = api_query(call, "status");
	enum og_err rc;

	f.after_id = after;
	f.limit = limit;
	rc = api_message_time_arg(call, "from", &f.from_ms);
	if (rc == OG_OK)
		rc = api_message_time_arg(call, "to", &f.to_ms);
	if (rc != OG_OK)
		return rc;
	if (status) {
		f.status = message_status_parse(status);
		if (f.status < 0)
			return api_fail(call, OG_ERR_INVALID_REQUEST, "status",
					"status must be queued, sending, sent or failed");
	}
	return message_list(call->d, call->conn, &f, rows, n);
}

static json_t *api_message_row_json(struct api_call *call, const void *row)
{
	(void)call;
	return api_message_json(row);
}

static const struct api_list_spec api_message_list_spec = {
	API_LIST_ROW(struct store_message, id),
	.fetch = api_message_fetch,
	.render = api_message_row_json,
};

enum og_err api_message_list(struct api_call *call)
{
	struct store_message_filter f = {.status = -1};
	enum og_err rc;

	rc = api_auth_read_scope(call, &f.tenant_id);
	if (rc != OG_OK)
		return rc;
	return api_list_reply(call, &api_message_list_spec, &f);
}

/* ---- Usage and invoices ---------------------------------------------- */

struct api_rows {
	struct store_usage_row *rows;
	size_t n;
	size_t cap;
};

/* Makes room for item n of a report's array of size-byte items, doubling
 * it up to API_REPORT_ROWS_MAX; OG_ERR_UNAVAILABLE past that bound. */
static enum og_err api_report_grow(void **items, size_t *cap, size_t n, size_t size)
{
	size_t want;
	void *grown;

	if (n == API_REPORT_ROWS_MAX)
		return OG_ERR_UNAVAILABLE;
	if (n < *cap)
		return OG_OK;
	want = *cap ? *cap * 2 : 64;
	if (want > API_REPORT_ROWS_MAX)
		want = API_REPORT_ROWS_MAX;
	grown = realloc(*items, want * size);
	if (!grown)
		return OG_ERR_NOMEM;
	*items = grown;
	*cap = want;
	return OG_OK;
}

/* The store's per-row callback: copies the row, refusing past the bound. */
static enum og_err api_rows_add(void *arg, const struct store_usage_row *row)
{
	struct api_rows *r = arg;
	void *items = r->rows;
	enum og_err rc = api_report_grow(&items, &r->cap, r->n, sizeof *r->rows);

	r->rows = items;
	if (rc != OG_OK)
		return rc;
	r->rows[r->n++] = *row;
	return OG_OK;
}

static enum og_err api_rows_failed(struct api_call *call, enum og_err rc)
{
	if (rc == OG_ERR_UNAVAILABLE)
		return api_fail(call, rc, NULL, "the report has more than %d tenants; narrow it",
				API_REPORT_ROWS_MAX);
	return rc;
}

/* Reads a date argument, or uses fallback; OG_ERR_INVALID_REQUEST if malformed. */
static enum og_err api_message_date_arg(struct api_call *call, const char *name,
					const char *fallback, char out[CLOCK_DATE_MAX])
{
	const char *text = api_query(call, name);
	int y, m, d;

	if (!text)
		text = fallback;
	if (strlen(text) >= CLOCK_DATE_MAX || !clock_parse_date(text, &y, &m, &d))
		return api_fail(call, OG_ERR_INVALID_REQUEST, name, "%s must be a date YYYY-MM-DD",
				name);
	memcpy(out, text, strlen(text) + 1);
	return OG_OK;
}

/* Without from and to, usage covers the current billing month to date. */
enum og_err api_message_usage(struct api_call *call)
{
	const int offset = call->d->cfg.billing_offset_sec;
	const int64_t now = domain_now_ms(call->d);
	char today[CLOCK_DATE_MAX], month[CLOCK_MONTH_MAX], first[CLOCK_DATE_MAX + 2];
	char from[CLOCK_DATE_MAX], to[CLOCK_DATE_MAX];
	const char *tenant_id;
	struct api_rows r = {0};
	json_t *tenants = NULL;
	enum og_err rc;

	clock_format_date(now, offset, today);
	clock_format_month(now, offset, month);
	snprintf(first, sizeof first, "%s-01", month);
	rc = api_auth_read_scope(call, &tenant_id);
	if (rc == OG_OK)
		rc = api_message_date_arg(call, "from", first, from);
	if (rc == OG_OK)
		rc = api_message_date_arg(call, "to", today, to);
	if (rc != OG_OK)
		goto out;
	if (strcmp(from, to) > 0) {
		rc = api_fail(call, OG_ERR_INVALID_REQUEST, "from", "from is after to");
		goto out;
	}
	rc = usage_range(call->d, call->conn, tenant_id, from, to, api_rows_add, &r);
	if (rc != OG_OK) {
		rc = api_rows_failed(call, rc);
		goto out;
	}
	tenants = json_array();
	if (!tenants) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < r.n; i++)
		json_array_append_new(tenants,
				      json_pack("{s:s, s:I, s:I}", "tenant_id", r.rows[i].tenant_id,
						"total_sms", (json_int_t)r.rows[i].total_sms,
						"total_cost_paise",
						(json_int_t)r.rows[i].total_cost_paise));
	rc = api_dlt_usage_routes(call, tenant_id, from, to, tenants);
	if (rc != OG_OK)
		goto out;
	rc = api_reply_json(call, 200,
			    json_pack("{s:s, s:s, s:o}", "from", from, "to", to, "tenants", tenants));
	tenants = NULL;
out:
	json_decref(tenants);
	free(r.rows);
	return rc;
}

/* Writes a CSV field, quoted (RFC 4180) when it holds a separator or quote. */
static void api_csv_field(FILE *f, const char *text)
{
	if (!strpbrk(text, ",\"\r\n")) {
		fputs(text, f);
		return;
	}
	fputc('"', f);
	for (const char *p = text; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

/* One tenant's line of an invoice, gathered from its per-route rows. */
struct api_invoice_line {
	char tenant_id[STORE_TENANT_ID_MAX];
	char name[STORE_NAME_MAX];
	bool has_route[2];        /* enum store_route: a row for it exists */
	int64_t sms[2], paise[2]; /* per enum store_route */
};

struct api_invoice {
	struct api_invoice_line *lines;
	size_t n;
	size_t cap;
};

/* The store's per-row callback: rows come ordered by tenant, so a tenant's
 * routes are adjacent and start a new line only when the tenant changes. */
static enum og_err api_invoice_add(void *arg, const struct store_invoice_row *row)
{
	struct api_invoice *inv = arg;
	struct api_invoice_line *l = inv->n ? &inv->lines[inv->n - 1] : NULL;

	assert(row->route == STORE_ROUTE_OWN || row->route == STORE_ROUTE_SHARED);
	if (!l || strcmp(l->tenant_id, row->tenant_id) != 0) {
		void *items = inv->lines;
		enum og_err rc = api_report_grow(&items, &inv->cap, inv->n, sizeof *inv->lines);
		inv->lines = items;
		if (rc != OG_OK)
			return rc;
		l = &inv->lines[inv->n++];
		memset(l, 0, sizeof *l);
		memcpy(l->tenant_id, row->tenant_id, sizeof l->tenant_id);
		memcpy(l->name, row->name, sizeof l->name);
	}
	l->has_route[row->route] = true;
	l->sms[row->route] += row->total_sms;
	l->paise[row->route] += row->total_cost_paise;
	return OG_OK;
}

static int64_t api_invoice_sms(const struct api_invoice_line *l)
{
	return l->sms[STORE_ROUTE_OWN] + l->sms[STORE_ROUTE_SHARED];
}

static int64_t api_invoice_paise(const struct api_invoice_line *l)
{
	return l->paise[STORE_ROUTE_OWN] + l->paise[STORE_ROUTE_SHARED];
}

/* jansson's dump callback: appends to the memory stream in data. */
static int api_invoice_dump(const char *buffer, size_t size, void *data)
{
	return fwrite(buffer, 1, size, data) == size ? 0 : -1;
}

/* Writes text to f as a JSON string, quoted and escaped by jansson;
 * false if it cannot (no memory, or text that is not UTF-8). */
static bool api_invoice_string(FILE *f, const char *text)
{
	json_t *s = json_string(text);
	bool ok = s && json_dump_callback(s, api_invoice_dump, f, JSON_ENCODE_ANY) == 0;

	json_decref(s);
	return ok;
}

/* The JSON form, exactly as jansson's compact dump of the same tree would
 * print it: per line its totals, then "routes" naming each DLT route the
 * tenant was charged on. It is written straight to a buffer, the strings
 * through jansson, because a tree of 10 000 lines cost three times the
 * database read to build and free. */
static enum og_err api_invoice_json(struct api_call *call, const char *month,
				    const struct api_invoice *inv)
{
	char *text = NULL;
	size_t len = 0;
	int64_t total = 0;
	bool ok = true;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return OG_ERR_NOMEM;
	fputs("{\"month\":", f);
	ok = api_invoice_string(f, month);
	fputs(",\"currency\":\"INR\",\"lines\":[", f);
	for (size_t i = 0; ok && i < inv->n; i++) {
		const struct api_invoice_line *l = &inv->lines[i];
		bool first = true;
		fputs(i ? ",{\"tenant_id\":" : "{\"tenant_id\":", f);
		ok = api_invoice_string(f, l->tenant_id);
		fputs(",\"name\":", f);
		ok = ok && api_invoice_string(f, l->name);
		fprintf(f, ",\"total_sms\":%lld,\"total_cost_paise\":%lld,\"routes\":{",
			(long long)api_invoice_sms(l), (long long)api_invoice_paise(l));
		for (int route = STORE_ROUTE_OWN; route <= STORE_ROUTE_SHARED; route++) {
			if (!l->has_route[route])
				continue;
			fprintf(f, "%s\"%s\":{\"total_sms\":%lld,\"total_cost_paise\":%lld}",
				first ? "" : ",", dlt_route_name(route), (long long)l->sms[route],
				(long long)l->paise[route]);
			first = false;
		}
		fputs("}}", f);
		total += api_invoice_paise(l);
	}
	fprintf(f, "],\"total_cost_paise\":%lld}", (long long)total);
	ok = !ferror(f) && ok;
	if (fclose(f) != 0 || !ok) {
		free(text);
		return OG_ERR_NOMEM;
	}
	return api_reply_text(call, 200, API_JSON_TYPE, text, len);
}

/* The same invoice as the JSON form, one row per line, each row carrying
 * the month and currency so a row stands alone in a spreadsheet; the last
 * row, with an empty tenant_id, is the invoice total. The last four
 * columns split each line by DLT route. */
static enum og_err api_invoice_csv(struct api_call *call, const char *month,
				   const struct api_invoice *inv)
{
	int64_t route_sums[4] = {0, 0, 0, 0};
	char *text = NULL;
	size_t len = 0;
	int64_t total_sms = 0, total_paise = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return OG_ERR_NOMEM;
	fputs("month,currency,tenant_id,name,total_sms,total_cost_paise,own_sms,own_cost_paise,"
	      "shared_sms,shared_cost_paise\n", f);
	for (size_t i = 0; i < inv->n; i++) {
		const struct api_invoice_line *l = &inv->lines[i];
		const int64_t rs[4] = {l->sms[STORE_ROUTE_OWN], l->paise[STORE_ROUTE_OWN],
				       l->sms[STORE_ROUTE_SHARED], l->paise[STORE_ROUTE_SHARED]};
		fprintf(f, "%s,INR,", month);
		api_csv_field(f, l->tenant_id);
		fputc(',', f);
		api_csv_field(f, l->name);
		fprintf(f, ",%lld,%lld,%lld,%lld,%lld,%lld\n", (long long)api_invoice_sms(l),
			(long long)api_invoice_paise(l), (long long)rs[0], (long long)rs[1],
			(long long)rs[2], (long long)rs[3]);
		for (int k = 0; k < 4; k++)
			route_sums[k] += rs[k];
		total_sms += api_invoice_sms(l);
		total_paise += api_invoice_paise(l);
	}
	fprintf(f, "%s,INR,,TOTAL,%lld,%lld,%lld,%lld,%lld,%lld\n", month, (long long)total_sms,
		(long long)total_paise, (long long)route_sums[0], (long long)route_sums[1],
		(long long)route_sums[2], (long long)route_sums[3]);
	bool failed = ferror(f) != 0;
	if (fclose(f) != 0 || failed) {
		free(text);
		return OG_ERR_NOMEM;
	}
	call->resp->extra_header = "Content-Disposition";
	snprintf(call->resp->extra_value, sizeof call->resp->extra_value,
		 "attachment; filename=\"invoice-%s.csv\"", month);
	return api_reply_text(call, 200, API_CSV_TYPE, text, len);
}

/* One read of the monthly aggregate, names joined in, however many tenants. */
enum og_err api_message_invoice(struct api_call *call)
{
	const char *month = call->params[0];
	const char *format = api_query(call, "format");
	struct api_invoice inv = {0};
	int y, m;
	enum og_err rc;

	if (strlen(month) >= CLOCK_MONTH_MAX || !clock_parse_month(month, &y, &m)) {
		rc = api_fail(call, OG_ERR_INVALID_REQUEST, "month", "the month must be YYYY-MM");
		goto out;
	}
	if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
		rc = api_fail(call, OG_ERR_INVALID_REQUEST, "format", "format must be json or csv");
		goto out;
	}
	rc = usage_month_lines(call->d, call->conn, month, api_invoice_add, &inv);
	if (rc != OG_OK) {
		rc = api_rows_failed(call, rc);
		goto out;
	}
	if (format && strcmp(format, "csv") == 0)
		rc = api_invoice_csv(call, month, &inv);
	else
		rc = api_invoice_json(call, month, &inv);
out:
	free(inv.lines);
	return rc;
}
