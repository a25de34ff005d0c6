/*
 * The CSV reader behind template import. It never allocates: fields are
 * copied into a bounded buffer, and a field or record past its limit
 * spoils only its own row, which is reported by line and skipped; the
 * parser advances past it either way, so one bad record cannot hide the
 * good ones after it.
 */
#include "domain/dlt_csv.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DLT_CSV_NAME_MAX 48 /* a folded column or value name */

/* Accepted column names, folded (lower case, letters and digits only). */
static const char *const dlt_csv_id_names[] = {
	"templateid", "dlttemplateid", "contenttemplateid", "ctid", "templatedltid", "dltid",
	"id", "dltcontenttemplateid", "tempid", "dltcontentid", NULL};
static const char *const dlt_csv_name_names[] = {
	"name", "templatename", "title", "contenttemplatename", "templatetitle", NULL};
static const char *const dlt_csv_content_names[] = {
	"content", "templatecontent", "body", "message", "templatetext", "text",
	"templatemessage", "templatebody", "msg", "template", "messagetext", NULL};
static const char *const dlt_csv_category_names[] = {
	"type", "category", "templatetype", "contenttype", "templatecategory", "categorytype",
	"msgtype", "messagetype", "communicationtype", NULL};
static const char *const dlt_csv_headers_names[] = {
	"header", "headers", "sender", "senderid", "senderids", "headername", "headernames",
	"linkedheaders", "linkedheader", "mappedheaders", "headerid", "headerids", NULL};
static const char *const dlt_csv_status_names[] = {
	"status", "templatestatus", "approvalstatus", "state", "templatestate", NULL};
static const char *const dlt_csv_vars_names[] = {
	"vars", "variables", "varnames", "variablenames", NULL};

static const char *const *const dlt_csv_cols[DLT_CSV__COLS] = {
	[DLT_CSV_ID] = dlt_csv_id_names,	     [DLT_CSV_NAME] = dlt_csv_name_names,
	[DLT_CSV_CONTENT] = dlt_csv_content_names,   [DLT_CSV_CATEGORY] = dlt_csv_category_names,
	[DLT_CSV_HEADERS] = dlt_csv_headers_names,   [DLT_CSV_STATUS] = dlt_csv_status_names,
	[DLT_CSV_VARS] = dlt_csv_vars_names,
};

/* Category and status spellings seen in exports, folded. */
struct dlt_csv_word {
	const char *name;
	int value;
};

static const struct dlt_csv_word dlt_csv_categories[] = {
	{"serviceimplicit", STORE_DLT_SERVICE_IMPLICIT}, {"si", STORE_DLT_SERVICE_IMPLICIT},
	{"implicit", STORE_DLT_SERVICE_IMPLICIT},	  {"transactional", STORE_DLT_TRANSACTIONAL},
	{"transaction", STORE_DLT_TRANSACTIONAL},	  {"txn", STORE_DLT_TRANSACTIONAL},
	{"serviceexplicit", STORE_DLT_SERVICE_EXPLICIT}, {"se", STORE_DLT_SERVICE_EXPLICIT},
	{"explicit", STORE_DLT_SERVICE_EXPLICIT},	  {"promotional", STORE_DLT_PROMOTIONAL},
	{"promo", STORE_DLT_PROMOTIONAL},		  {"government", STORE_DLT_GOVERNMENT},
	{"govt", STORE_DLT_GOVERNMENT},			  {"gov", STORE_DLT_GOVERNMENT},
};

static const struct dlt_csv_word dlt_csv_statuses[] = {
	{"approved", STORE_DLT_ACTIVE},	     {"active", STORE_DLT_ACTIVE},
	{"enabled", STORE_DLT_ACTIVE},	     {"inactive", STORE_DLT_INACTIVE},
	{"deactivated", STORE_DLT_INACTIVE}, {"disabled", STORE_DLT_INACTIVE},
	{"expired", STORE_DLT_INACTIVE},     {"rejected", STORE_DLT_INACTIVE},
	{"pending", STORE_DLT_INACTIVE},     {"submitted", STORE_DLT_INACTIVE},
	{"blacklisted", STORE_DLT_BLACKLISTED}, {"blocked", STORE_DLT_BLACKLISTED},
	{"suspended", STORE_DLT_BLACKLISTED},
};

const char *const *dlt_csv_column_names(int col)
{
	assert(col >= 0 && col < DLT_CSV__COLS);
	return dlt_csv_cols[col];
}

/* Records a format error that breaks no DLT rule. */
static bool dlt_csv_fail(struct dlt_finding *f, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool dlt_csv_fail(struct dlt_finding *f, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (!f)
		return false;
	f->rule = NULL;
	f->field = field;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof f->message, fmt, ap);
	va_end(ap);
	return false;
}

/* Folds text into out: ASCII letters lower-cased and digits kept, all else dropped. */
static void dlt_csv_fold(const char *text, char out[DLT_CSV_NAME_MAX])
{
	size_t n = 0;

	for (const char *p = text; *p && n + 1 < DLT_CSV_NAME_MAX; p++) {
		char ch = *p;
		if (ch >= 'A' && ch <= 'Z')
			out[n++] = (char)(ch - 'A' + 'a');
		else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			out[n++] = ch;
	}
	out[n] = '\0';
}

/* Reads one field at r->pos into out (at most DLT_CSV_FIELD_MAX - 1 bytes).
 * Returns 1 if a separator follows, 0 at the end of the record, and sets
 * *too_long / *bad_quote when the field cannot be used. */
static int dlt_csv_field(struct dlt_csv *r, char out[DLT_CSV_FIELD_MAX], bool *too_long,
			 bool *bad_quote)
{
	size_t n = 0;
	bool quoted = false;

	*too_long = false;
	if (r->pos < r->len && r->text[r->pos] == '"') {
		quoted = true;
		r->pos++;
	}
	while (r->pos < r->len) {
		char ch = r->text[r->pos];
		if (quoted) {
			if (ch == '"') {
				if (r->pos + 1 < r->len && r->text[r->pos + 1] == '"') {
					r->pos += 2;
				} else {
					r->pos++;
					quoted = false;
					continue;
				}
			} else {
				r->pos++;
				if (ch == '\n')
					r->line++;
				/* A quoted line break keeps its newline, not the CR. */
				if (ch == '\r' && r->pos < r->len && r->text[r->pos] == '\n')
					continue;
			}
		} else {
			if (ch == r->sep) {
				r->pos++;
				out[n] = '\0';
				return 1;
			}
			if (ch == '\n' || ch == '\r') {
				r->pos++;
				if (ch == '\r' && r->pos < r->len && r->text[r->pos] == '\n')
					r->pos++;
				r->line++;
				out[n] = '\0';
				return 0;
			}
			r->pos++;
		}
		if (ch == '\0')
			ch = ' '; /* a NUL would end the C string early */
		if (n + 1 < DLT_CSV_FIELD_MAX)
			out[n++] = ch;
		else
			*too_long = true;
	}
	if (quoted)
		*bad_quote = true;
	out[n] = '\0';
	return 0;
}

/* Trims blanks at both ends of s in place. */
static void dlt_csv_trim(char *s)
{
	size_t n = strlen(s), from = 0;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (from < n && (s[from] == ' ' || s[from] == '\t'))
		from++;
	memmove(s, s + from, n - from);
	s[n - from] = '\0';
}

bool dlt_csv_open(struct dlt_csv *r, const char *text, size_t len, struct dlt_finding *err)
{
	char field[DLT_CSV_FIELD_MAX], folded[DLT_CSV_NAME_MAX];
	size_t counts[3] = {0, 0, 0}, i;
	const char seps[3] = {',', ';', '\t'};
	bool in_quote = false, too_long, bad_quote = false;
	int more = 1;

	memset(r, 0, sizeof *r);
	r->text = text;
	r->len = len;
	r->line = 1;
	r->sep = ',';
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		r->pos = 3;
	/* The separator is whichever of the three the header row uses most. */
	for (i = r->pos; i < len && (in_quote || (text[i] != '\n' && text[i] != '\r')); i++) {
		if (text[i] == '"')
			in_quote = !in_quote;
		for (size_t s = 0; !in_quote && s < 3; s++)
			counts[s] += text[i] == seps[s];
	}
	for (size_t s = 1; s < 3; s++)
		if (counts[s] > counts[0] && counts[s] >= counts[s == 1 ? 2 : 1])
			r->sep = seps[s];
	for (i = 0; i < DLT_CSV_FIELDS_MAX; i++)
		r->col_of[i] = -1;
	for (i = 0; more && r->pos < len; i++) {
		more = dlt_csv_field(r, field, &too_long, &bad_quote);
		if (i >= DLT_CSV_FIELDS_MAX)
			continue;
		dlt_csv_fold(field, folded);
		for (int c = 0; c < DLT_CSV__COLS && r->col_of[i] < 0; c++)
			for (const char *const *n = dlt_csv_cols[c]; *n; n++)
				if (strcmp(*n, folded) == 0 && !r->has_col[c]) {
					r->col_of[i] = c;
					r->has_col[c] = true;
					break;
				}
	}
	if (bad_quote)
		return dlt_csv_fail(err, "csv", "the header row has an unterminated quote");
	if (!r->has_col[DLT_CSV_ID] || !r->has_col[DLT_CSV_CONTENT])
		return dlt_csv_fail(err, "csv",
				    "the header row needs a template id column (e.g. \"Template "
				    "ID\") and a content column (e.g. \"Template Content\")");
	return true;
}

static bool dlt_csv_lookup(const char *value, const char *what, int *out, struct dlt_finding *err,
			   const struct dlt_csv_word *t, size_t count)
{
	char folded[DLT_CSV_NAME_MAX];

	dlt_csv_fold(value, folded);
	for (size_t i = 0; i < count; i++) {
		if (strcmp(t[i].name, folded) == 0) {
			*out = t[i].value;
			return true;
		}
	}
	return dlt_csv_fail(err, what, "unknown %s \"%.40s\"", what, value);
}

/* Splits a list on , ; | / or blanks into up to max items of size bytes. */
static bool dlt_csv_split(const char *text, char *items, size_t size, size_t max, int *count,
			  const char *what, struct dlt_finding *err)
{
	const char *p = text;

	*count = 0;
	while (*p) {
		size_t n = strcspn(p, ",;|/ \t\n");
		if (n > 0) {
			if ((size_t)*count == max)
				return dlt_csv_fail(err, what, "more than %zu %s", max, what);
			if (n >= size)
				return dlt_csv_fail(err, what, "%s \"%.*s\" is too long", what,
						    (int)(n < 20 ? n : 20), p);
			memcpy(items + (size_t)*count * size, p, n);
			items[(size_t)*count * size + n] = '\0';
			(*count)++;
		}
		p += n;
		if (*p)
			p++;
	}
	return true;
}

/* A template name from a portal's free-text title: runs of characters a
 * name cannot hold become '_'. */
static void dlt_csv_name(const char *title, char out[STORE_TEMPLATE_NAME_MAX])
{
	size_t n = 0;

	for (const char *p = title; *p && n + 1 < STORE_TEMPLATE_NAME_MAX; p++) {
		char ch = *p;
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.';
		if (ok)
			out[n++] = ch;
		else if (n > 0 && out[n - 1] != '_')
			out[n++] = '_';
	}
	while (n > 0 && out[n - 1] == '_')
		n--;
	out[n] = '\0';
}

/* Applies one field's text to the row; false with row->error on a bad value. */
static bool dlt_csv_apply(struct dlt_csv_row *row, int col, char *text)
{
	size_t n;

	if (col != DLT_CSV_CONTENT)
		dlt_csv_trim(text);
	n = strlen(text);
	switch (col) {
	case DLT_CSV_ID:
		if (n >= sizeof row->dlt_template_id)
			return dlt_csv_fail(&row->error, "dlt_template_id",
					    "the template id is longer than %zu characters",
					    sizeof row->dlt_template_id - 1);
		memcpy(row->dlt_template_id, text, n + 1);
		return true;
	case DLT_CSV_NAME:
		dlt_csv_name(text, row->name);
		return true;
	case DLT_CSV_CONTENT:
		if (n >= sizeof row->body)
			return dlt_csv_fail(&row->error, "body", "the content is longer than %zu bytes",
					    sizeof row->body - 1);
		memcpy(row->body, text, n + 1);
		return true;
	case DLT_CSV_CATEGORY:
		if (n == 0)
			return true;
		row->has_category = true;
		return dlt_csv_lookup(text, "category", &row->category, &row->error,
				      dlt_csv_categories,
				      sizeof dlt_csv_categories / sizeof dlt_csv_categories[0]);
	case DLT_CSV_STATUS:
		if (n == 0)
			return true;
		row->has_status = true;
		return dlt_csv_lookup(text, "status", &row->status, &row->error, dlt_csv_statuses,
				      sizeof dlt_csv_statuses / sizeof dlt_csv_statuses[0]);
	case DLT_CSV_HEADERS:
		row->has_headers = n > 0;
		return dlt_csv_split(text, &row->headers[0][0], STORE_HEADER_MAX,
				     STORE_DLT_HEADERS_MAX, &row->header_count, "headers",
				     &row->error);
	case DLT_CSV_VARS:
		return dlt_csv_split(text, &row->vars[0][0], STORE_VAR_NAME_MAX,
				     STORE_TEMPLATE_VARS_MAX, &row->var_count, "vars", &row->error);
	default:
		return true;
	}
}

/* True if the record at r->pos is an empty line, which is skipped. */
static bool dlt_csv_blank_line(struct dlt_csv *r)
{
	const char *t = r->text + r->pos;
	size_t left = r->len - r->pos;

	if (left >= 1 && t[0] == '\n') {
		r->pos++;
		r->line++;
		return true;
	}
	if (left >= 2 && t[0] == '\r' && t[1] == '\n') {
		r->pos += 2;
		r->line++;
		return true;
	}
	return false;
}

int dlt_csv_next(struct dlt_csv *r, struct dlt_csv_row *row)
{
	char field[DLT_CSV_FIELD_MAX];
	bool too_long, bad_quote = false, failed = false;
	int more = 1;

	while (r->pos < r->len && dlt_csv_blank_line(r))
		;
	if (r->pos >= r->len)
		return 0;
	memset(row, 0, sizeof *row);
	row->line = r->line;
	if (r->rows++ >= DLT_CSV_ROWS_MAX) {
		r->pos = r->len;
		dlt_csv_fail(&row->error, "csv", "more than %d records; import the rest separately",
			     DLT_CSV_ROWS_MAX);
		return 1;
	}
	for (size_t i = 0; more; i++) {
		more = dlt_csv_field(r, field, &too_long, &bad_quote);
		if (failed || i >= DLT_CSV_FIELDS_MAX || r->col_of[i] < 0)
			continue;
		if (too_long) {
			failed = !dlt_csv_fail(&row->error, "csv",
					       "a field is longer than %d bytes",
					       DLT_CSV_FIELD_MAX - 1);
			continue;
		}
		failed = !dlt_csv_apply(row, r->col_of[i], field);
	}
	if (bad_quote && !failed)
		failed = !dlt_csv_fail(&row->error, "csv", "unterminated quote");
	if (!failed && !row->dlt_template_id[0])
		failed = !dlt_csv_fail(&row->error, "dlt_template_id", "the template id is empty");
	if (!failed && !row->body[0])
		failed = !dlt_csv_fail(&row->error, "body", "the content is empty");
	if (!failed && !row->name[0])
		memcpy(row->name, row->dlt_template_id, strlen(row->dlt_template_id) + 1);
	row->ok = !failed;
	return 1;
}
