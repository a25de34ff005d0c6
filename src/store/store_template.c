/*
 * SMS templates, keyed by (tenant_id, name). A template's variable names,
 * DLT headers, variable limits and lint warnings are each kept as one JSON
 * array in a text column, since they are only ever read and written whole;
 * this file is their one codec. A partial unique index allows one default
 * template per tenant. tenant_id "" names the platform's registry
 * (platform_templates): each statement has a platform twin, which binds the
 * same parameters and returns ?1 ("") as the tenant_id column.
 */
#include "store/store_int.h"

#include <jansson.h>
#include <limits.h>
#include <stdlib.h>

/* The vars column at its longest: every name at full length with every
 * byte escaped as \uXXXX, quoted, comma-separated, in brackets. */
#define TEMPLATE_VARS_JSON_MAX (STORE_TEMPLATE_VARS_MAX * (6 * STORE_VAR_NAME_MAX + 3) + 3)
/* The headers column at its longest, as for vars. */
#define TEMPLATE_HEADERS_JSON_MAX (STORE_DLT_HEADERS_MAX * (6 * STORE_HEADER_MAX + 3) + 3)
/* var_max_len: up to 11 characters per int, a comma, brackets. */
#define TEMPLATE_MAX_LEN_JSON_MAX (STORE_TEMPLATE_VARS_MAX * 12 + 3)
/* warnings: {"rule":..,"message":..} with every byte escaped at worst. */
#define TEMPLATE_WARNINGS_JSON_MAX                                                            \
	(STORE_DLT_WARNINGS_MAX * (6 * (STORE_DLT_RULE_MAX + STORE_DLT_WARNING_TEXT_MAX) + 32) + 3)

#define TEMPLATE_DATA_COLS                                                                   \
	"name, dlt_template_id, body, vars, is_default, created_at_ms, category, status, "   \
	"headers, var_max_len, warnings"
#define TEMPLATE_COLS "tenant_id, " TEMPLATE_DATA_COLS
/* The platform twin inserts through a SELECT, whose parameters need types. */
#define TEMPLATE_VALUES_TYPED                                                                 \
	"CAST(?2 AS TEXT), CAST(?3 AS TEXT), CAST(?4 AS TEXT), CAST(?5 AS TEXT),"             \
	" CAST(?6 AS BIGINT), CAST(?7 AS BIGINT), CAST(?8 AS TEXT), CAST(?9 AS TEXT),"        \
	" CAST(?10 AS TEXT), CAST(?11 AS TEXT), CAST(?12 AS TEXT)"
/* The platform twin's test that it was called for the platform. */
#define TEMPLATE_PLATFORM "CAST(?1 AS TEXT) = ''"

/* Index 0: a tenant's; index 1: the platform's. */
static struct store_sql sql_insert[2] = {
	{.text = "INSERT INTO templates (" TEMPLATE_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
		 " ?9, ?10, ?11, ?12) ON CONFLICT DO NOTHING"},
	{.text = "INSERT INTO platform_templates (" TEMPLATE_DATA_COLS ") SELECT "
		 TEMPLATE_VALUES_TYPED " WHERE " TEMPLATE_PLATFORM " ON CONFLICT DO NOTHING"},
};
static struct store_sql sql_get_by_name[2] = {
	{.text = "SELECT " TEMPLATE_COLS " FROM templates WHERE tenant_id = ?1 AND name = ?2"},
	{.text = "SELECT CAST(?1 AS TEXT), " TEMPLATE_DATA_COLS " FROM platform_templates"
		 " WHERE name = ?2"},
};
/* DLT ids need not be unique within a tenant; the order makes the pick stable. */
static struct store_sql sql_get_by_dlt_id[2] = {
	{.text = "SELECT " TEMPLATE_COLS " FROM templates WHERE tenant_id = ?1"
		 " AND dlt_template_id = ?2 ORDER BY name LIMIT 1"},
	{.text = "SELECT CAST(?1 AS TEXT), " TEMPLATE_DATA_COLS " FROM platform_templates"
		 " WHERE dlt_template_id = ?2 ORDER BY name LIMIT 1"},
};
static struct store_sql sql_get_default[2] = {
	{.text = "SELECT " TEMPLATE_COLS " FROM templates WHERE tenant_id = ?1 AND is_default = 1"},
	{.text = "SELECT CAST(?1 AS TEXT), " TEMPLATE_DATA_COLS " FROM platform_templates"
		 " WHERE is_default = 1"},
};
static struct store_sql sql_clear_default[2] = {
	{.text = "UPDATE templates SET is_default = 0 WHERE tenant_id = ?1 AND is_default = 1"},
	{.text = "UPDATE platform_templates SET is_default = 0 WHERE " TEMPLATE_PLATFORM
		 " AND is_default = 1"},
};
static struct store_sql sql_list[2] = {
	{.text = "SELECT " TEMPLATE_COLS " FROM templates WHERE tenant_id = ?1 AND name > ?2"
		 " ORDER BY name LIMIT ?3"},
	{.text = "SELECT CAST(?1 AS TEXT), " TEMPLATE_DATA_COLS " FROM platform_templates"
		 " WHERE name > ?2 ORDER BY name LIMIT ?3"},
};
static struct store_sql sql_delete[2] = {
	{.text = "DELETE FROM templates WHERE tenant_id = ?1 AND name = ?2"},
	{.text = "DELETE FROM platform_templates WHERE " TEMPLATE_PLATFORM " AND name = ?2"},
};
#define TEMPLATE_UPDATE_SET                                                                   \
	" SET dlt_template_id = ?3, body = ?4, vars = ?5, is_default = ?6, created_at_ms = ?7," \
	" category = ?8, status = ?9, headers = ?10, var_max_len = ?11, warnings = ?12"
static struct store_sql sql_update[2] = {
	{.text = "UPDATE templates" TEMPLATE_UPDATE_SET " WHERE tenant_id = ?1 AND name = ?2"},
	{.text = "UPDATE platform_templates" TEMPLATE_UPDATE_SET " WHERE " TEMPLATE_PLATFORM
		 " AND name = ?2"},
};

/* 1 for the platform's registry, 0 for a tenant's: an index into the pairs above. */
static int template_owner(const char *tenant_id) { return tenant_id[0] == '\0'; }

/* Dumps arr (taking it) into out of size max, NUL-terminated. */
static enum og_err template_json_dump(json_t *arr, char *out, size_t max)
{
	size_t len;

	if (!arr)
		return OG_ERR_NOMEM;
	len = json_dumpb(arr, out, max - 1, JSON_COMPACT);
	json_decref(arr);
	if (len == 0 || len >= max)
		return OG_ERR_STORE;
	out[len] = '\0';
	return OG_OK;
}

/* Writes count strings of size bytes each, from first, as a JSON array. */
static enum og_err template_strings_encode(const char *first, size_t size, int count, char *out,
					   size_t max)
{
	json_t *arr = json_array();

	assert(count >= 0);
	for (int i = 0; arr && i < count; i++) {
		const char *s = first + (size_t)i * size;
		assert(memchr(s, '\0', size));
		/* json_string refuses text that is not UTF-8. */
		if (json_array_append_new(arr, json_string(s)) != 0) {
			json_decref(arr);
			return OG_ERR_STORE;
		}
	}
	return template_json_dump(arr, out, max);
}

static enum og_err template_max_len_encode(const struct store_template *t, char *out, size_t max)
{
	json_t *arr = json_array();

	for (int i = 0; arr && i < t->var_count; i++)
		if (json_array_append_new(arr, json_integer(t->var_max_len[i])) != 0) {
			json_decref(arr);
			return OG_ERR_STORE;
		}
	return template_json_dump(arr, out, max);
}

static enum og_err template_warnings_encode(const struct store_template *t, char *out,
					    size_t max)
{
	json_t *arr = json_array();

	assert(t->warning_count >= 0 && t->warning_count <= STORE_DLT_WARNINGS_MAX);
	for (int i = 0; arr && i < t->warning_count; i++) {
		json_t *w = json_pack("{s:s, s:s}", "rule", t->warnings[i].rule, "message",
				      t->warnings[i].message);
		if (json_array_append_new(arr, w) != 0) {
			json_decref(arr);
			return OG_ERR_STORE;
		}
	}
	return template_json_dump(arr, out, max);
}

/* Reads a JSON array column (the row's next) of at most max items. */
static json_t *template_array_read(struct store_row *r, char *text, size_t size,
				   size_t max)
{
	json_t *arr;

	store_row_text_sized(r, text, size);
	if (r->rc != OG_OK)
		return NULL;
	arr = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_array(arr) || json_array_size(arr) > max) {
		json_decref(arr);
		r->rc = OG_ERR_STORE;
		return NULL;
	}
	return arr;
}

/* Reads a JSON array of strings into count fields of size bytes from first. */
static void template_strings_read(struct store_row *r, size_t json_max, char *first,
				  size_t size, size_t max, int *count)
{
	char text[TEMPLATE_WARNINGS_JSON_MAX];
	json_t *arr;

	assert(json_max <= sizeof text);
	arr = template_array_read(r, text, json_max, max);
	if (!arr)
		return;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *item = json_array_get(arr, i);
		size_t len = json_string_length(item);
		if (!json_is_string(item) || len >= size) {
			r->rc = OG_ERR_STORE;
			goto out;
		}
		memcpy(first + i * size, json_string_value(item), len + 1);
	}
	*count = (int)json_array_size(arr);
out:
	json_decref(arr);
}

/* var_max_len: a missing entry (a row from before migration 0003) reads as 0. */
static void template_max_len_read(struct store_row *r, struct store_template *t)
{
	char text[TEMPLATE_MAX_LEN_JSON_MAX];
	json_t *arr = template_array_read(r, text, sizeof text, STORE_TEMPLATE_VARS_MAX);

	for (size_t i = 0; arr && i < json_array_size(arr); i++) {
		json_t *item = json_array_get(arr, i);
		if (!json_is_integer(item) || json_integer_value(item) < 0 ||
		    json_integer_value(item) > INT_MAX) {
			r->rc = OG_ERR_STORE;
			break;
		}
		t->var_max_len[i] = (int)json_integer_value(item);
	}
	json_decref(arr);
}

static void template_warnings_read(struct store_row *r, struct store_template *t)
{
	char text[TEMPLATE_WARNINGS_JSON_MAX];
	json_t *arr = template_array_read(r, text, sizeof text, STORE_DLT_WARNINGS_MAX);

	for (size_t i = 0; arr && i < json_array_size(arr); i++) {
		json_t *w = json_array_get(arr, i);
		const char *rule = json_string_value(json_object_get(w, "rule"));
		const char *msg = json_string_value(json_object_get(w, "message"));
		if (!rule || !msg || strlen(rule) >= sizeof t->warnings[i].rule ||
		    strlen(msg) >= sizeof t->warnings[i].message) {
			r->rc = OG_ERR_STORE;
			break;
		}
		memcpy(t->warnings[i].rule, rule, strlen(rule) + 1);
		memcpy(t->warnings[i].message, msg, strlen(msg) + 1);
		t->warning_count = (int)i + 1;
	}
	json_decref(arr);
}

/* Reads a row selected as TEMPLATE_COLS. */
static void template_read(struct store_row *r, void *record)
{
	struct store_template *t = record;

	memset(t, 0, sizeof *t);
	store_row_text(r, t->tenant_id);
	store_row_text(r, t->name);
	store_row_text(r, t->dlt_template_id);
	store_row_text(r, t->body);
	template_strings_read(r, TEMPLATE_VARS_JSON_MAX, &t->vars[0][0], sizeof t->vars[0],
			      STORE_TEMPLATE_VARS_MAX, &t->var_count);
	t->is_default = store_row_int64(r) != 0;
	t->created_at_ms = store_row_int64(r);
	t->category = store_row_enum(r, &store_enum_dlt_category);
	t->status = store_row_enum(r, &store_enum_dlt_status);
	template_strings_read(r, TEMPLATE_HEADERS_JSON_MAX, &t->headers[0][0], sizeof t->headers[0],
			      STORE_DLT_HEADERS_MAX, &t->header_count);
	template_max_len_read(r, t);
	template_warnings_read(r, t);
}

/* The JSON columns of one template, encoded for binding. */
struct template_json {
	char vars[TEMPLATE_VARS_JSON_MAX];
	char headers[TEMPLATE_HEADERS_JSON_MAX];
	char max_len[TEMPLATE_MAX_LEN_JSON_MAX];
	char warnings[TEMPLATE_WARNINGS_JSON_MAX];
};

/* Runs the insert or update pair sql, bound with ?1..?12 in TEMPLATE_COLS
 * order; *changed counts the rows written. */
static enum og_err template_write(struct store_conn *c, const struct store_template *t,
				  struct store_sql sql[2], int64_t *changed)
{
	struct template_json *j = NULL;
	struct store_stmt *st;
	enum og_err rc;

	assert(t && t->var_count >= 0 && t->var_count <= STORE_TEMPLATE_VARS_MAX);
	assert(t->header_count >= 0 && t->header_count <= STORE_DLT_HEADERS_MAX);
	*changed = 0;
	j = malloc(sizeof *j);
	if (!j)
		return OG_ERR_NOMEM;
	rc = template_strings_encode(&t->vars[0][0], sizeof t->vars[0], t->var_count, j->vars,
				     sizeof j->vars);
	if (rc == OG_OK)
		rc = template_strings_encode(&t->headers[0][0], sizeof t->headers[0],
					     t->header_count, j->headers, sizeof j->headers);
	if (rc == OG_OK)
		rc = template_max_len_encode(t, j->max_len, sizeof j->max_len);
	if (rc == OG_OK)
		rc = template_warnings_encode(t, j->warnings, sizeof j->warnings);
	if (rc == OG_OK)
		rc = store_prepare(c, &sql[template_owner(t->tenant_id)], &st);
	if (rc != OG_OK)
		goto out;
	store_bind_field(st, 1, t->tenant_id);
	store_bind_field(st, 2, t->name);
	store_bind_field(st, 3, t->dlt_template_id);
	store_bind_field(st, 4, t->body);
	store_bind_text(st, 5, j->vars);
	store_bind_int64(st, 6, t->is_default ? 1 : 0);
	store_bind_int64(st, 7, t->created_at_ms);
	store_bind_enum(st, 8, &store_enum_dlt_category, t->category);
	store_bind_enum(st, 9, &store_enum_dlt_status, t->status);
	store_bind_text(st, 10, j->headers);
	store_bind_text(st, 11, j->max_len);
	store_bind_text(st, 12, j->warnings);
	rc = store_run(st, changed);
out:
	free(j);
	return rc;
}

enum og_err store_template_insert(struct store_conn *c, const struct store_template *t)
{
	int64_t changed = 0;
	enum og_err rc = template_write(c, t, sql_insert, &changed);

	return rc == OG_OK && changed == 0 ? OG_ERR_CONFLICT : rc;
}

enum og_err store_template_update(struct store_conn *c, const struct store_template *t)
{
	int64_t changed = 0;
	enum og_err rc = template_write(c, t, sql_update, &changed);

	return rc == OG_OK && changed == 0 ? OG_ERR_NOT_FOUND : rc;
}

/* Prepares the owner's statement of the pair sql, bound with tenant_id as ?1. */
static enum og_err template_prepare(struct store_conn *c, struct store_sql sql[2],
				    const char *tenant_id, struct store_stmt **st)
{
	enum og_err rc = store_prepare(c, &sql[template_owner(tenant_id)], st);

	if (rc == OG_OK)
		store_bind_text(*st, 1, tenant_id);
	return rc;
}

/* Runs a lookup bound with tenant_id and one key (or none), reading one template. */
static enum og_err template_fetch(struct store_conn *c, struct store_sql sql[2],
				  const char *tenant_id, const char *key,
				  struct store_template *out)
{
	struct store_stmt *st;
	enum og_err rc = template_prepare(c, sql, tenant_id, &st);

	if (rc != OG_OK)
		return rc;
	if (key)
		store_bind_text(st, 2, key);
	return store_fetch(st, template_read, out);
}

enum og_err store_template_get(struct store_conn *c, const char *tenant_id,
			       const char *name_or_dlt_id, struct store_template *out)
{
	enum og_err rc;

	assert(tenant_id && name_or_dlt_id && out);
	rc = template_fetch(c, sql_get_by_name, tenant_id, name_or_dlt_id, out);
	if (rc == OG_ERR_NOT_FOUND)
		rc = template_fetch(c, sql_get_by_dlt_id, tenant_id, name_or_dlt_id, out);
	return rc;
}

enum og_err store_template_get_by_dlt_id(struct store_conn *c, const char *tenant_id,
					 const char *dlt_template_id, struct store_template *out)
{
	assert(tenant_id && dlt_template_id && out);
	return template_fetch(c, sql_get_by_dlt_id, tenant_id, dlt_template_id, out);
}

enum og_err store_template_get_default(struct store_conn *c, const char *tenant_id,
				       struct store_template *out)
{
	assert(tenant_id && out);
	return template_fetch(c, sql_get_default, tenant_id, NULL, out);
}

enum og_err store_template_clear_default(struct store_conn *c, const char *tenant_id)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id);
	rc = template_prepare(c, sql_clear_default, tenant_id, &st);
	if (rc != OG_OK)
		return rc;
	return store_run(st, NULL);
}

enum og_err store_template_list(struct store_conn *c, const char *tenant_id,
				const char *after_name, size_t limit, struct store_template *out,
				size_t *n)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	*n = 0;
	rc = template_prepare(c, sql_list, tenant_id, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 2, after_name ? after_name : "");
	store_bind_int64(st, 3, (int64_t)limit);
	return store_collect(st, template_read, out, sizeof *out, limit, n);
}

enum og_err store_template_delete(struct store_conn *c, const char *tenant_id, const char *name)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && name);
	rc = template_prepare(c, sql_delete, tenant_id, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 2, name);
	return store_run_changed(st);
}
