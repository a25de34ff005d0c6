/*
 * SMS templates in the SQLite store, keyed by (tenant_id, name). A
 * template's variable names are kept as one JSON array of strings, since
 * they are only ever read and written whole. A partial unique index allows
 * one default template per tenant.
 */
#include "store/store_sqliteInt.h"

#include <assert.h>
#include <jansson.h>
#include <string.h>

/* The vars column at its longest: every name at full length with every
 * byte escaped as \uXXXX, quoted, comma-separated, in brackets. */
#define TEMPLATE_VARS_JSON_MAX (STORE_TEMPLATE_VARS_MAX * (6 * STORE_VAR_NAME_MAX + 3) + 3)

#define TEMPLATE_COLS "tenant_id, name, dlt_template_id, body, vars, is_default, created_at_ms"

static const char sql_insert[] =
	"INSERT INTO templates (" TEMPLATE_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_get_by_name[] =
	"SELECT " TEMPLATE_COLS " FROM templates WHERE tenant_id = ?1 AND name = ?2";
/* DLT ids need not be unique within a tenant; the order makes the pick stable. */
static const char sql_get_by_dlt_id[] = "SELECT " TEMPLATE_COLS " FROM templates"
					" WHERE tenant_id = ?1 AND dlt_template_id = ?2"
					" ORDER BY name LIMIT 1";
static const char sql_get_default[] =
	"SELECT " TEMPLATE_COLS " FROM templates WHERE tenant_id = ?1 AND is_default = 1";
static const char sql_clear_default[] =
	"UPDATE templates SET is_default = 0 WHERE tenant_id = ?1 AND is_default = 1";
static const char sql_list[] = "SELECT " TEMPLATE_COLS " FROM templates"
			       " WHERE tenant_id = ?1 AND name > ?2 ORDER BY name LIMIT ?3";
static const char sql_delete[] = "DELETE FROM templates WHERE tenant_id = ?1 AND name = ?2";

/* Writes t's variable names as a JSON array into out (NUL-terminated). */
static enum og_err template_vars_encode(const struct store_template *t,
					char out[TEMPLATE_VARS_JSON_MAX])
{
	json_t *arr = json_array();
	size_t len;
	enum og_err rc = OG_OK;

	assert(t->var_count >= 0 && t->var_count <= STORE_TEMPLATE_VARS_MAX);
	if (!arr)
		return OG_ERR_NOMEM;
	for (int i = 0; i < t->var_count; i++) {
		assert(memchr(t->vars[i], '\0', sizeof t->vars[i]));
		/* json_string refuses text that is not UTF-8. */
		if (json_array_append_new(arr, json_string(t->vars[i])) != 0) {
			rc = OG_ERR_STORE;
			goto out;
		}
	}
	len = json_dumpb(arr, out, TEMPLATE_VARS_JSON_MAX - 1, JSON_COMPACT);
	if (len == 0 || len >= TEMPLATE_VARS_JSON_MAX) {
		rc = OG_ERR_STORE;
		goto out;
	}
	out[len] = '\0';
out:
	json_decref(arr);
	return rc;
}

/* Reads the vars column (the row's next) back into t. */
static void template_vars_read(struct store_sqlite_row *r, struct store_template *t)
{
	char text[TEMPLATE_VARS_JSON_MAX];
	json_t *arr = NULL;
	size_t count;

	store_sqlite__row_text(r, text, sizeof text);
	if (r->rc != OG_OK)
		return;
	arr = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	count = json_is_array(arr) ? json_array_size(arr) : SIZE_MAX;
	if (count > STORE_TEMPLATE_VARS_MAX) {
		r->rc = OG_ERR_STORE;
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		json_t *name = json_array_get(arr, i);
		size_t len = json_string_length(name);

		if (!json_is_string(name) || len >= sizeof t->vars[i]) {
			r->rc = OG_ERR_STORE;
			goto out;
		}
		memcpy(t->vars[i], json_string_value(name), len + 1);
	}
	t->var_count = (int)count;
out:
	json_decref(arr);
}

/* Reads a row selected as TEMPLATE_COLS. */
static void template_read(struct store_sqlite_row *r, void *record)
{
	struct store_template *t = record;

	memset(t, 0, sizeof *t);
	STORE_SQLITE_ROW_TEXT(r, t->tenant_id);
	STORE_SQLITE_ROW_TEXT(r, t->name);
	STORE_SQLITE_ROW_TEXT(r, t->dlt_template_id);
	STORE_SQLITE_ROW_TEXT(r, t->body);
	template_vars_read(r, t);
	t->is_default = store_sqlite__row_int64(r) != 0;
	t->created_at_ms = store_sqlite__row_int64(r);
}

enum og_err store_sqlite_template_insert(struct store_conn *base, const struct store_template *t)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	char vars[TEMPLATE_VARS_JSON_MAX];
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(t);
	rc = template_vars_encode(t, vars);
	if (rc != OG_OK)
		goto out;
	rc = store_sqlite__prepare(c, SQ_TEMPLATE_INSERT, sql_insert, &st);
	if (rc != OG_OK)
		goto out;
	STORE_SQLITE_BIND_FIELD(st, 1, t->tenant_id);
	STORE_SQLITE_BIND_FIELD(st, 2, t->name);
	STORE_SQLITE_BIND_FIELD(st, 3, t->dlt_template_id);
	STORE_SQLITE_BIND_FIELD(st, 4, t->body);
	store_sqlite__bind_text(st, 5, vars);
	store_sqlite__bind_int64(st, 6, t->is_default ? 1 : 0);
	store_sqlite__bind_int64(st, 7, t->created_at_ms);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

/* Runs a lookup bound with tenant_id and one key, reading one template. */
static enum og_err template_fetch(struct store_sqlite_conn *c, enum store_sqlite_stmt id,
				  const char *sql, const char *tenant_id, const char *key,
				  struct store_template *out)
{
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	rc = store_sqlite__prepare(c, id, sql, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	if (key)
		store_sqlite__bind_text(st, 2, key);
	rc = store_sqlite__fetch(c, st, template_read, out);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_template_get(struct store_conn *base, const char *tenant_id,
				      const char *name_or_dlt_id, struct store_template *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	enum og_err rc;

	assert(tenant_id && name_or_dlt_id && out);
	rc = template_fetch(c, SQ_TEMPLATE_GET_BY_NAME, sql_get_by_name, tenant_id,
			    name_or_dlt_id, out);
	if (rc == OG_ERR_NOT_FOUND)
		rc = template_fetch(c, SQ_TEMPLATE_GET_BY_DLT_ID, sql_get_by_dlt_id, tenant_id,
				    name_or_dlt_id, out);
	return rc;
}

enum og_err store_sqlite_template_get_default(struct store_conn *base, const char *tenant_id,
					      struct store_template *out)
{
	assert(tenant_id && out);
	return template_fetch(store_sqlite__conn(base), SQ_TEMPLATE_GET_DEFAULT, sql_get_default,
			      tenant_id, NULL, out);
}

enum og_err store_sqlite_template_clear_default(struct store_conn *base, const char *tenant_id)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id);
	rc = store_sqlite__prepare(c, SQ_TEMPLATE_CLEAR_DEFAULT, sql_clear_default, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_template_list(struct store_conn *base, const char *tenant_id,
				       const char *after_name, size_t limit,
				       struct store_template *out, size_t *n)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	*n = 0;
	rc = store_sqlite__prepare(c, SQ_TEMPLATE_LIST, sql_list, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, after_name ? after_name : "");
	store_sqlite__bind_int64(st, 3, (int64_t)limit);
	rc = store_sqlite__collect(c, st, template_read, out, sizeof *out, limit, n);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_template_delete(struct store_conn *base, const char *tenant_id,
					 const char *name)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && name);
	rc = store_sqlite__prepare(c, SQ_TEMPLATE_DELETE, sql_delete, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, name);
	rc = store_sqlite__step_done(c, st);
	if (rc == OG_OK)
		rc = store_sqlite__changed(c);
out:
	store_sqlite__reset(st);
	return rc;
}
