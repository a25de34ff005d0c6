/*
 * Reading a DLT portal's template export (CSV). Portals (Jio, Airtel, Vi,
 * BSNL) and aggregators name their columns differently, so a header is
 * matched after folding case and dropping everything but letters and
 * digits ("Template ID", "template_id" and "TEMPLATE-ID" are one name), and
 * common variants of each column and value are accepted (docs/DLT.md lists
 * them). Records follow RFC 4180: quoted fields may hold separators,
 * doubled quotes and line breaks; the separator (comma, semicolon or tab)
 * is taken from the header row; a UTF-8 BOM is skipped. Pure: it reads
 * bytes and fills rows, and every row names the line it started on.
 */
#ifndef OG_DLT_CSV_H
#define OG_DLT_CSV_H

#include "domain/dlt.h"

#define DLT_CSV_ROWS_MAX 10000   /* records read from one file; the rest are refused */
#define DLT_CSV_FIELDS_MAX 64    /* columns in one record; more are ignored */
#define DLT_CSV_FIELD_MAX STORE_TEMPLATE_BODY_MAX /* one field, plus NUL */
#define DLT_CSV_TEXT_MAX (4 * 1024 * 1024) /* the largest file the CLI reads */

enum dlt_csv_col {
	DLT_CSV_ID,
	DLT_CSV_NAME,
	DLT_CSV_CONTENT,
	DLT_CSV_CATEGORY,
	DLT_CSV_HEADERS,
	DLT_CSV_STATUS,
	DLT_CSV_VARS,
	DLT_CSV__COLS
};

struct dlt_csv {
	const char *text;
	size_t len;
	size_t pos;
	size_t line;       /* the physical line pos is on, from 1 */
	char sep;
	int col_of[DLT_CSV_FIELDS_MAX]; /* field index -> enum dlt_csv_col, or -1 */
	size_t rows;       /* records returned so far */
	bool has_col[DLT_CSV__COLS];
};

/* One record as a template registration, or the reason it cannot be one. */
struct dlt_csv_row {
	size_t line; /* where the record starts */
	bool ok;
	struct dlt_finding error; /* when !ok; rule may be NULL for a plain format error */
	char dlt_template_id[STORE_DLT_ID_MAX];
	char name[STORE_TEMPLATE_NAME_MAX];
	char body[STORE_TEMPLATE_BODY_MAX];
	bool has_category;
	int category;
	bool has_status;
	int status;
	bool has_headers;
	int header_count;
	char headers[STORE_DLT_HEADERS_MAX][STORE_HEADER_MAX];
	int var_count; /* 0: not given */
	char vars[STORE_TEMPLATE_VARS_MAX][STORE_VAR_NAME_MAX];
};

/** Reads the header row of text; false with err (rule NULL) if a required column is missing. */
bool dlt_csv_open(struct dlt_csv *r, const char *text, size_t len, struct dlt_finding *err);

/** Reads the next record into row: 1 with a row (ok or not), 0 at the end. */
int dlt_csv_next(struct dlt_csv *r, struct dlt_csv_row *row);

/** The column names accepted for col, NULL-terminated (for docs and errors). */
const char *const *dlt_csv_column_names(int col);

#endif
