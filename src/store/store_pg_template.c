/*
 * SMS templates in the PostgreSQL store, keyed by (tenant_id, name). A
 * template's variable names, DLT headers, variable limits and lint
 * warnings are each kept as one JSON array in a text column, written and
 * read exactly as the SQLite driver writes and reads them. A partial unique
 * index allows one default template per tenant. tenant_id "" names the
 * platform's registry (platform_templates): each statement has a platform
 * twin, which takes the same parameters and returns $1 ("") as tenant_id.
 */
#include "store/store_pgInt.h"

#include <assert.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

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
#define TEMPLATE_VALUES_TYPED                                                                \
	"$2::text, $3::text, $4::text, $5::text, $6::bigint, $7::bigint, $8::text, $9::text," \
	" $10::text, $11::text, $12::text"

/* Index 0: a tenant's; index 1: the platform's. */
static const char *const sql_insert[2] = {
	"INSERT INTO templates (" TEMPLATE_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
	" $10, $11, $12) ON CONFLICT DO NOTHING",
	"INSERT INTO platform_templates (" TEMPLATE_DATA_COLS ") SELECT " TEMPLATE_VALUES_TYPED
	" WHERE $1::text = '' ON CONFLICT DO NOTHING",
};
static const char *const sql_get_by_name[2] = {
	"SELECT " TEMPLATE_COLS " FROM templates WHERE tenant_id = $1 AND name = $2",
	"SELECT $1::text, " TEMPLATE_DATA_COLS " FROM platform_templates WHERE name = $2",
};
/* DLT ids need not be unique within a tenant; the order makes the pick stable. */
static const char *const sql_get_by_dlt_id[2] = {
	"SELECT " TEMPLATE_COLS " FROM templates WHERE tenant_id = $1 AND dlt_template_id = $2"
	" ORDER BY name LIMIT 1",
	"SELECT $1::text, " TEMPLATE_DATA_COLS " FROM platform_templates"
	" WHERE dlt_template_id = $2 ORDER BY name LIMIT 1",
};
static const char *const sql_get_default[2] = {
	"SELECT " TEMPLATE_COLS " FROM templates WHERE tenant_id = $1 AND is_default = 1",
	"SELECT $1::text, " TEMPLATE_DATA_COLS " FROM platform_templates WHERE is_default = 1",
};
static const char *const sql_clear_default[2] = {
	"UPDATE templates SET is_default = 0 WHERE tenant_id = $1 AND is_default = 1",
	"UPDATE platform_templates SET is_default = 0 WHERE $1::text = '' AND is_default = 1",
};
static const char *const sql_list[2] = {
	"SELECT " TEMPLATE_COLS " FROM templates WHERE tenant_id = $1 AND name > $2"
	" ORDER BY name LIMIT $3",
	"SELECT $1::text, " TEMPLATE_DATA_COLS " FROM platform_templates WHERE name > $2"
	" ORDER BY name LIMIT $3",
};
static const char *const sql_delete[2] = {
	"DELETE FROM templates WHERE tenant_id = $1 AND name = $2",
	"DELETE FROM platform_templates WHERE $1::text = '' AND name = $2",
};
#define TEMPLATE_UPDATE_SET                                                                   \
	" SET dlt_template_id = $3, body = $4, vars = $5, is_default = $6, created_at_ms = $7," \
	" category = $8, status = $9, headers = $10, var_max_len = $11, warnings = $12"
static const char *const sql_update[2] = {
	"UPDATE templates" TEMPLATE_UPDATE_SET " WHERE tenant_id = $1 AND name = $2",
	"UPDATE platform_templates" TEMPLATE_UPDATE_SET " WHERE $1::text = '' AND name = $2",
};

/* 1 for the platform's registry, 0 for a tenant's: an index into the pairs
 * above, and the offset of the platform twin's statement id. */
static int template_owner(const char *tenant_id) { return tenant_id[0] == '\0'; }

_Static_assert(PG_TEMPLATE_INSERT_PLATFORM == PG_TEMPLATE_INSERT + 1 &&
		       PG_TEMPLATE_GET_BY_NAME_PLATFORM == PG_TEMPLATE_GET_BY_NAME + 1 &&
		       PG_TEMPLATE_GET_BY_DLT_ID_PLATFORM == PG_TEMPLATE_GET_BY_DLT_ID + 1 &&
		       PG_TEMPLATE_GET_DEFAULT_PLATFORM == PG_TEMPLATE_GET_DEFAULT + 1 &&
		       PG_TEMPLATE_CLEAR_DEFAULT_PLATFORM == PG_TEMPLATE_CLEAR_DEFAULT + 1 &&
		       PG_TEMPLATE_LIST_PLATFORM == PG_TEMPLATE_LIST + 1 &&
		       PG_TEMPLATE_DELETE_PLATFORM == PG_TEMPLATE_DELETE + 1 &&
		       PG_TEMPLATE_UPDATE_PLATFORM == PG_TEMPLATE_UPDATE + 1,
	       "each platform statement follows its tenant twin");

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

	for (int i = 0; arr && i < t->var_count; i++) {
		if (json_array_append_new(arr, json_integer(t->var_max_len[i])) != 0) {
			json_decref(arr);
			return OG_ERR_STORE;
		}
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
static json_t *template_array_read(struct store_pg_row *r, char *text, size_t size, size_t max)
{
	json_t *arr;

	store_pg__row_text(r, text, size);
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
static void template_strings_read(struct store_pg_row *r, size_t json_max, char *first,
				  size_t size, size_t max, int *count)
{
	char *text = malloc(json_max);
	json_t *arr = NULL;

	if (!text) {
		r->rc = OG_ERR_NOMEM;
		return;
	}
	arr = template_array_read(r, text, json_max, max);
	if (!arr)
		goto out;
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
	free(text);
}

/* var_max_len: a missing entry (a row from before migration 0003) reads as 0. */
static void template_max_len_read(struct store_pg_row *r, struct store_template *t)
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

static void template_warnings_read(struct store_pg_row *r, struct store_template *t)
{
	char *text = malloc(TEMPLATE_WARNINGS_JSON_MAX);
	json_t *arr;

	if (!text) {
		r->rc = OG_ERR_NOMEM;
		return;
	}
	arr = template_array_read(r, text, TEMPLATE_WARNINGS_JSON_MAX, STORE_DLT_WARNINGS_MAX);
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
	free(text);
}

/* Reads a row selected as TEMPLATE_COLS. */
static void template_read(struct store_pg_row *r, void *record)
{
	struct store_template *t = record;

	memset(t, 0, sizeof *t);
	STORE_PG_ROW_TEXT(r, t->tenant_id);
	STORE_PG_ROW_TEXT(r, t->name);
	STORE_PG_ROW_TEXT(r, t->dlt_template_id);
	STORE_PG_ROW_TEXT(r, t->body);
	template_strings_read(r, TEMPLATE_VARS_JSON_MAX, &t->vars[0][0], sizeof t->vars[0],
			      STORE_TEMPLATE_VARS_MAX, &t->var_count);
	t->is_default = store_pg__row_int64(r) != 0;
	t->created_at_ms = store_pg__row_int64(r);
	t->category = store_pg__row_enum(r, &store_pg__dlt_category);
	t->status = store_pg__row_enum(r, &store_pg__dlt_status);
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

/* Runs the insert or update statement id (or its twin) with $1..$12 in
 * TEMPLATE_COLS order; *changed counts the rows written. */
static enum og_err template_write(struct store_conn *base, const struct store_template *t,
				  enum store_pg_stmt id, const char *const sql[2], size_t *changed)
{
	struct template_json *j = NULL;
	struct store_pg_params p;
	int owner;
	enum og_err rc;

	assert(t && t->var_count >= 0 && t->var_count <= STORE_TEMPLATE_VARS_MAX);
	assert(t->header_count >= 0 && t->header_count <= STORE_DLT_HEADERS_MAX);
	owner = template_owner(t->tenant_id);
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
	if (rc != OG_OK)
		goto out;
	store_pg__params_init(&p);
	STORE_PG_PARAM_FIELD(&p, t->tenant_id);
	STORE_PG_PARAM_FIELD(&p, t->name);
	STORE_PG_PARAM_FIELD(&p, t->dlt_template_id);
	STORE_PG_PARAM_FIELD(&p, t->body);
	store_pg__param_text(&p, j->vars);
	store_pg__param_int64(&p, t->is_default ? 1 : 0);
	store_pg__param_int64(&p, t->created_at_ms);
	store_pg__param_enum(&p, &store_pg__dlt_category, t->category);
	store_pg__param_enum(&p, &store_pg__dlt_status, t->status);
	store_pg__param_text(&p, j->headers);
	store_pg__param_text(&p, j->max_len);
	store_pg__param_text(&p, j->warnings);
	rc = store_pg__run(store_pg__conn(base), (enum store_pg_stmt)(id + owner), sql[owner], &p,
			   changed);
out:
	free(j);
	return rc;
}

enum og_err store_pg_template_insert(struct store_conn *base, const struct store_template *t)
{
	size_t changed = 0;
	enum og_err rc = template_write(base, t, PG_TEMPLATE_INSERT, sql_insert, &changed);

	/* ON CONFLICT DO NOTHING: nothing written means the name (or the
	 * default) is taken, and the transaction goes on as SQLite's would. */
	if (rc == OG_OK && changed == 0)
		rc = OG_ERR_CONFLICT;
	return rc;
}

enum og_err store_pg_template_update(struct store_conn *base, const struct store_template *t)
{
	size_t changed = 0;
	enum og_err rc = template_write(base, t, PG_TEMPLATE_UPDATE, sql_update, &changed);

	if (rc == OG_OK && changed == 0)
		rc = OG_ERR_NOT_FOUND;
	return rc;
}

/* Runs a lookup with tenant_id and one key (or none), reading one template. */
static enum og_err template_fetch(struct store_conn *base, enum store_pg_stmt id,
				  const char *const sql[2], const char *tenant_id, const char *key,
				  struct store_template *out)
{
	int owner = template_owner(tenant_id);
	struct store_pg_params p;

	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	if (key)
		store_pg__param_text(&p, key);
	return store_pg__fetch(store_pg__conn(base), (enum store_pg_stmt)(id + owner), sql[owner],
			       &p, template_read, out);
}

enum og_err store_pg_template_get(struct store_conn *base, const char *tenant_id,
				  const char *name_or_dlt_id, struct store_template *out)
{
	enum og_err rc;

	assert(tenant_id && name_or_dlt_id && out);
	rc = template_fetch(base, PG_TEMPLATE_GET_BY_NAME, sql_get_by_name, tenant_id,
			    name_or_dlt_id, out);
	if (rc == OG_ERR_NOT_FOUND)
		rc = template_fetch(base, PG_TEMPLATE_GET_BY_DLT_ID, sql_get_by_dlt_id, tenant_id,
				    name_or_dlt_id, out);
	return rc;
}

enum og_err store_pg_template_get_by_dlt_id(struct store_conn *base, const char *tenant_id,
					    const char *dlt_template_id,
					    struct store_template *out)
{
	assert(tenant_id && dlt_template_id && out);
	return template_fetch(base, PG_TEMPLATE_GET_BY_DLT_ID, sql_get_by_dlt_id, tenant_id,
			      dlt_template_id, out);
}

enum og_err store_pg_template_get_default(struct store_conn *base, const char *tenant_id,
					  struct store_template *out)
{
	assert(tenant_id && out);
	return template_fetch(base, PG_TEMPLATE_GET_DEFAULT, sql_get_default, tenant_id, NULL,
			      out);
}

enum og_err store_pg_template_clear_default(struct store_conn *base, const char *tenant_id)
{
	int owner;
	struct store_pg_params p;

	assert(tenant_id);
	owner = template_owner(tenant_id);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	return store_pg__run(store_pg__conn(base),
			     (enum store_pg_stmt)(PG_TEMPLATE_CLEAR_DEFAULT + owner),
			     sql_clear_default[owner], &p, NULL);
}

enum og_err store_pg_template_list(struct store_conn *base, const char *tenant_id,
				   const char *after_name, size_t limit, struct store_template *out,
				   size_t *n)
{
	int owner;
	struct store_pg_params p;

	assert(tenant_id && limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	owner = template_owner(tenant_id);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, after_name ? after_name : "");
	store_pg__param_int64(&p, (int64_t)limit);
	return store_pg__collect(store_pg__conn(base), (enum store_pg_stmt)(PG_TEMPLATE_LIST + owner),
				 sql_list[owner], &p, template_read, out, sizeof *out, limit, n);
}

enum og_err store_pg_template_delete(struct store_conn *base, const char *tenant_id,
				     const char *name)
{
	int owner;
	struct store_pg_params p;

	assert(tenant_id && name);
	owner = template_owner(tenant_id);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, name);
	return store_pg__run_changed(store_pg__conn(base),
				     (enum store_pg_stmt)(PG_TEMPLATE_DELETE + owner),
				     sql_delete[owner], &p);
}
