/*
 * Pumping alerts in the SQLite store. An alert whose lifted_at_ms is 0 is
 * active and blocks its prefix; a partial unique index allows one active
 * alert per prefix, so two sends that detect the same pumping at once
 * create one alert. Lifting is the only update.
 */
#include "store/store_sqliteInt.h"

#include <assert.h>
#include <string.h>

static const char *const alert_kind_names[] = {
	[STORE_ALERT_PREFIX_BLOCKED] = "prefix_blocked",
};
static const struct store_sqlite_enum alert_kind = {
	alert_kind_names, sizeof alert_kind_names / sizeof alert_kind_names[0]};

#define ALERT_COLS                                                                             \
	"tenant_id, id, kind, prefix, sent, verified, window_sec, created_at_ms, lifted_at_ms,"  \
	" lifted_by"

static const char sql_insert[] = "INSERT INTO guard_alerts (" ALERT_COLS ")"
				 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char sql_find_active[] = "SELECT " ALERT_COLS " FROM guard_alerts"
				      " WHERE tenant_id = ?1 AND prefix = ?2 AND lifted_at_ms = 0";
static const char sql_last_lift[] = "SELECT COALESCE(MAX(lifted_at_ms), 0) FROM guard_alerts"
				    " WHERE tenant_id = ?1 AND prefix = ?2";
static const char sql_get[] = "SELECT " ALERT_COLS " FROM guard_alerts"
			      " WHERE tenant_id = ?1 AND id = ?2";
/* "~" sorts after every id character, so it stands for "from the newest". */
static const char sql_list[] = "SELECT " ALERT_COLS " FROM guard_alerts"
			       " WHERE tenant_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3";
static const char sql_lift[] = "UPDATE guard_alerts SET lifted_at_ms = ?3, lifted_by = ?4"
			       " WHERE tenant_id = ?1 AND id = ?2 AND lifted_at_ms = 0";
static const char sql_count_active[] = "SELECT COUNT(*) FROM guard_alerts WHERE lifted_at_ms = 0";

static void alert_read(struct store_sqlite_row *r, void *record)
{
	struct store_alert *a = record;

	memset(a, 0, sizeof *a);
	STORE_SQLITE_ROW_TEXT(r, a->tenant_id);
	STORE_SQLITE_ROW_TEXT(r, a->id);
	a->kind = store_sqlite__row_enum(r, &alert_kind);
	STORE_SQLITE_ROW_TEXT(r, a->prefix);
	a->sent = store_sqlite__row_int64(r);
	a->verified = store_sqlite__row_int64(r);
	a->window_sec = store_sqlite__row_int64(r);
	a->created_at_ms = store_sqlite__row_int64(r);
	a->lifted_at_ms = store_sqlite__row_int64(r);
	STORE_SQLITE_ROW_TEXT(r, a->lifted_by);
}

enum og_err store_sqlite_alert_insert(struct store_conn *base, const struct store_alert *a)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(a);
	rc = store_sqlite__prepare(c, SQ_ALERT_INSERT, sql_insert, &st);
	if (rc != OG_OK)
		goto out;
	STORE_SQLITE_BIND_FIELD(st, 1, a->tenant_id);
	STORE_SQLITE_BIND_FIELD(st, 2, a->id);
	store_sqlite__bind_enum(st, 3, &alert_kind, a->kind);
	STORE_SQLITE_BIND_FIELD(st, 4, a->prefix);
	store_sqlite__bind_int64(st, 5, a->sent);
	store_sqlite__bind_int64(st, 6, a->verified);
	store_sqlite__bind_int64(st, 7, a->window_sec);
	store_sqlite__bind_int64(st, 8, a->created_at_ms);
	store_sqlite__bind_int64(st, 9, a->lifted_at_ms);
	STORE_SQLITE_BIND_FIELD(st, 10, a->lifted_by);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_alert_find_active(struct store_conn *base, const char *tenant_id,
					   const char *prefix, struct store_alert *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && prefix && out);
	rc = store_sqlite__prepare(c, SQ_ALERT_FIND_ACTIVE, sql_find_active, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, prefix);
	rc = store_sqlite__fetch(c, st, alert_read, out);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_alert_last_lift(struct store_conn *base, const char *tenant_id,
					 const char *prefix, int64_t *lifted_at_ms)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && prefix && lifted_at_ms);
	rc = store_sqlite__prepare(c, SQ_ALERT_LAST_LIFT, sql_last_lift, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, prefix);
	rc = store_sqlite__step_row(c, st);
	if (rc == OG_ERR_NOT_FOUND)
		rc = OG_ERR_STORE; /* an aggregate always yields a row */
	if (rc == OG_OK)
		*lifted_at_ms = sqlite3_column_int64(st, 0);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_alert_get(struct store_conn *base, const char *tenant_id, const char *id,
				   struct store_alert *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && id && out);
	rc = store_sqlite__prepare(c, SQ_ALERT_GET, sql_get, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, id);
	rc = store_sqlite__fetch(c, st, alert_read, out);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_alert_list(struct store_conn *base, const char *tenant_id,
				    const char *before_id, size_t limit, struct store_alert *out,
				    size_t *n)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	*n = 0;
	rc = store_sqlite__prepare(c, SQ_ALERT_LIST, sql_list, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, before_id ? before_id : "~");
	store_sqlite__bind_int64(st, 3, (int64_t)limit);
	rc = store_sqlite__collect(c, st, alert_read, out, sizeof *out, limit, n);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_alert_lift(struct store_conn *base, const char *tenant_id, const char *id,
				    int64_t now_ms, const char *lifted_by)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && id && lifted_by && now_ms > 0);
	rc = store_sqlite__prepare(c, SQ_ALERT_LIFT, sql_lift, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, id);
	store_sqlite__bind_int64(st, 3, now_ms);
	store_sqlite__bind_text(st, 4, lifted_by);
	rc = store_sqlite__step_done(c, st);
	if (rc == OG_OK)
		rc = store_sqlite__changed(c);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_alert_count_active(struct store_conn *base, int64_t *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(out);
	rc = store_sqlite__prepare(c, SQ_ALERT_COUNT_ACTIVE, sql_count_active, &st);
	if (rc != OG_OK)
		goto out;
	rc = store_sqlite__step_row(c, st);
	if (rc == OG_ERR_NOT_FOUND)
		rc = OG_ERR_STORE;
	if (rc == OG_OK)
		*out = sqlite3_column_int64(st, 0);
out:
	store_sqlite__reset(st);
	return rc;
}
