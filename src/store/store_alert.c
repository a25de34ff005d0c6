/*
 * Pumping alerts. An alert whose lifted_at_ms is 0 is active and blocks its
 * prefix; a partial unique index allows one active alert per prefix, so two
 * sends that detect the same pumping at once create one alert. Lifting is
 * the only update.
 */
#include "store/store_int.h"

#define ALERT_COLS                                                                             \
	"tenant_id, id, kind, prefix, sent, verified, window_sec, created_at_ms, lifted_at_ms,"  \
	" lifted_by"

static struct store_sql sql_insert = {
	.text = "INSERT INTO guard_alerts (" ALERT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
		" ?9, ?10) ON CONFLICT DO NOTHING"};
static struct store_sql sql_find_active = {
	.text = "SELECT " ALERT_COLS " FROM guard_alerts WHERE tenant_id = ?1 AND prefix = ?2"
		" AND lifted_at_ms = 0"};
static struct store_sql sql_last_lift = {
	.text = "SELECT COALESCE(MAX(lifted_at_ms), 0) FROM guard_alerts WHERE tenant_id = ?1"
		" AND prefix = ?2"};
static struct store_sql sql_get = {
	.text = "SELECT " ALERT_COLS " FROM guard_alerts WHERE tenant_id = ?1 AND id = ?2"};
/* "~" sorts after every id character, so it stands for "from the newest". */
static struct store_sql sql_list = {
	.text = "SELECT " ALERT_COLS " FROM guard_alerts WHERE tenant_id = ?1 AND id < ?2"
		" ORDER BY id DESC LIMIT ?3"};
static struct store_sql sql_lift = {
	.text = "UPDATE guard_alerts SET lifted_at_ms = ?3, lifted_by = ?4 WHERE tenant_id = ?1"
		" AND id = ?2 AND lifted_at_ms = 0"};
static struct store_sql sql_list_active = {
	.text = "SELECT " ALERT_COLS " FROM guard_alerts WHERE tenant_id = ?1 AND lifted_at_ms = 0"
		" ORDER BY prefix LIMIT ?2"};
static struct store_sql sql_count_active = {
	.text = "SELECT COUNT(*) FROM guard_alerts WHERE lifted_at_ms = 0"};

static void alert_read(struct store_row *r, void *record)
{
	struct store_alert *a = record;

	memset(a, 0, sizeof *a);
	store_row_text(r, a->tenant_id);
	store_row_text(r, a->id);
	a->kind = store_row_enum(r, &store_enum_alert_kind);
	store_row_text(r, a->prefix);
	a->sent = store_row_int64(r);
	a->verified = store_row_int64(r);
	a->window_sec = store_row_int64(r);
	a->created_at_ms = store_row_int64(r);
	a->lifted_at_ms = store_row_int64(r);
	store_row_text(r, a->lifted_by);
}

enum og_err store_alert_insert(struct store_conn *c, const struct store_alert *a)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(a);
	rc = store_prepare(c, &sql_insert, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_field(st, 1, a->tenant_id);
	store_bind_field(st, 2, a->id);
	store_bind_enum(st, 3, &store_enum_alert_kind, a->kind);
	store_bind_field(st, 4, a->prefix);
	store_bind_int64(st, 5, a->sent);
	store_bind_int64(st, 6, a->verified);
	store_bind_int64(st, 7, a->window_sec);
	store_bind_int64(st, 8, a->created_at_ms);
	store_bind_int64(st, 9, a->lifted_at_ms);
	store_bind_field(st, 10, a->lifted_by);
	return store_run_insert(st);
}

/* Prepares sql bound with the tenant and a second text key. */
static enum og_err alert_prepare(struct store_conn *c, struct store_sql *sql,
				 const char *tenant_id, const char *key, struct store_stmt **st)
{
	enum og_err rc;

	assert(tenant_id && key);
	rc = store_prepare(c, sql, st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(*st, 1, tenant_id);
	store_bind_text(*st, 2, key);
	return OG_OK;
}

enum og_err store_alert_find_active(struct store_conn *c, const char *tenant_id,
				    const char *prefix, struct store_alert *out)
{
	struct store_stmt *st;
	enum og_err rc = alert_prepare(c, &sql_find_active, tenant_id, prefix, &st);

	return rc == OG_OK ? store_fetch(st, alert_read, out) : rc;
}

enum og_err store_alert_last_lift(struct store_conn *c, const char *tenant_id,
				  const char *prefix, int64_t *lifted_at_ms)
{
	struct store_stmt *st;
	enum og_err rc = alert_prepare(c, &sql_last_lift, tenant_id, prefix, &st);

	assert(lifted_at_ms);
	return rc == OG_OK ? store_ints(st, lifted_at_ms, NULL) : rc;
}

enum og_err store_alert_get(struct store_conn *c, const char *tenant_id, const char *id,
			    struct store_alert *out)
{
	struct store_stmt *st;
	enum og_err rc = alert_prepare(c, &sql_get, tenant_id, id, &st);

	return rc == OG_OK ? store_fetch(st, alert_read, out) : rc;
}

enum og_err store_alert_list(struct store_conn *c, const char *tenant_id, const char *before_id,
			     size_t limit, struct store_alert *out, size_t *n)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	*n = 0;
	rc = alert_prepare(c, &sql_list, tenant_id, before_id ? before_id : "~", &st);
	if (rc != OG_OK)
		return rc;
	store_bind_int64(st, 3, (int64_t)limit);
	return store_collect(st, alert_read, out, sizeof *out, limit, n);
}

enum og_err store_alert_list_active(struct store_conn *c, const char *tenant_id, size_t max,
				    struct store_alert *out, size_t *n)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && max >= 1 && max <= STORE_PAGE_MAX && out && n);
	*n = 0;
	rc = store_prepare(c, &sql_list_active, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_int64(st, 2, (int64_t)max);
	return store_collect(st, alert_read, out, sizeof *out, max, n);
}

enum og_err store_alert_lift(struct store_conn *c, const char *tenant_id, const char *id,
			     int64_t now_ms, const char *lifted_by)
{
	struct store_stmt *st;
	enum og_err rc = alert_prepare(c, &sql_lift, tenant_id, id, &st);

	assert(lifted_by);
	if (rc != OG_OK)
		return rc;
	store_bind_int64(st, 3, now_ms);
	store_bind_text(st, 4, lifted_by);
	return store_run_changed(st);
}

enum og_err store_alert_count_active(struct store_conn *c, int64_t *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(out);
	*out = 0;
	rc = store_prepare(c, &sql_count_active, &st);
	return rc == OG_OK ? store_ints(st, out, NULL) : rc;
}
