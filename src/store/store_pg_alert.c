/*
 * Pumping alerts in the PostgreSQL store. An alert whose lifted_at_ms is 0
 * is active and blocks its prefix; a partial unique index allows one
 * active alert per prefix, so two sends (on any nodes) that detect the same
 * pumping at once create one alert, and the second is told OG_ERR_CONFLICT
 * with its transaction still usable to read the first. Lifting is the only
 * update.
 */
#include "store/store_pgInt.h"

#include <assert.h>
#include <string.h>

#define ALERT_COLS                                                                             \
	"tenant_id, id, kind, prefix, sent, verified, window_sec, created_at_ms, lifted_at_ms,"  \
	" lifted_by"

static const char sql_insert[] = "INSERT INTO guard_alerts (" ALERT_COLS ")"
				 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
				 " ON CONFLICT DO NOTHING";
static const char sql_find_active[] = "SELECT " ALERT_COLS " FROM guard_alerts"
				      " WHERE tenant_id = $1 AND prefix = $2 AND lifted_at_ms = 0";
static const char sql_last_lift[] = "SELECT COALESCE(MAX(lifted_at_ms), 0) FROM guard_alerts"
				    " WHERE tenant_id = $1 AND prefix = $2";
static const char sql_get[] = "SELECT " ALERT_COLS " FROM guard_alerts"
			      " WHERE tenant_id = $1 AND id = $2";
/* "~" sorts after every id character, so it stands for "from the newest". */
static const char sql_list[] = "SELECT " ALERT_COLS " FROM guard_alerts"
			       " WHERE tenant_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3";
static const char sql_lift[] = "UPDATE guard_alerts SET lifted_at_ms = $3, lifted_by = $4"
			       " WHERE tenant_id = $1 AND id = $2 AND lifted_at_ms = 0";
static const char sql_count_active[] = "SELECT COUNT(*) FROM guard_alerts WHERE lifted_at_ms = 0";

static void alert_read(struct store_pg_row *r, void *record)
{
	struct store_alert *a = record;

	memset(a, 0, sizeof *a);
	STORE_PG_ROW_TEXT(r, a->tenant_id);
	STORE_PG_ROW_TEXT(r, a->id);
	a->kind = store_pg__row_enum(r, &store_pg__alert_kind);
	STORE_PG_ROW_TEXT(r, a->prefix);
	a->sent = store_pg__row_int64(r);
	a->verified = store_pg__row_int64(r);
	a->window_sec = store_pg__row_int64(r);
	a->created_at_ms = store_pg__row_int64(r);
	a->lifted_at_ms = store_pg__row_int64(r);
	STORE_PG_ROW_TEXT(r, a->lifted_by);
}

enum og_err store_pg_alert_insert(struct store_conn *base, const struct store_alert *a)
{
	struct store_pg_params p;

	assert(a);
	store_pg__params_init(&p);
	STORE_PG_PARAM_FIELD(&p, a->tenant_id);
	STORE_PG_PARAM_FIELD(&p, a->id);
	store_pg__param_enum(&p, &store_pg__alert_kind, a->kind);
	STORE_PG_PARAM_FIELD(&p, a->prefix);
	store_pg__param_int64(&p, a->sent);
	store_pg__param_int64(&p, a->verified);
	store_pg__param_int64(&p, a->window_sec);
	store_pg__param_int64(&p, a->created_at_ms);
	store_pg__param_int64(&p, a->lifted_at_ms);
	STORE_PG_PARAM_FIELD(&p, a->lifted_by);
	return store_pg__insert(store_pg__conn(base), PG_ALERT_INSERT, sql_insert, &p);
}

enum og_err store_pg_alert_find_active(struct store_conn *base, const char *tenant_id,
				       const char *prefix, struct store_alert *out)
{
	struct store_pg_params p;

	assert(tenant_id && prefix && out);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, prefix);
	return store_pg__fetch(store_pg__conn(base), PG_ALERT_FIND_ACTIVE, sql_find_active, &p,
			       alert_read, out);
}

enum og_err store_pg_alert_last_lift(struct store_conn *base, const char *tenant_id,
				     const char *prefix, int64_t *lifted_at_ms)
{
	struct store_pg_params p;

	assert(tenant_id && prefix && lifted_at_ms);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, prefix);
	return store_pg__ints(store_pg__conn(base), PG_ALERT_LAST_LIFT, sql_last_lift, &p,
			      lifted_at_ms, NULL);
}

enum og_err store_pg_alert_get(struct store_conn *base, const char *tenant_id, const char *id,
			       struct store_alert *out)
{
	struct store_pg_params p;

	assert(tenant_id && id && out);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, id);
	return store_pg__fetch(store_pg__conn(base), PG_ALERT_GET, sql_get, &p, alert_read, out);
}

enum og_err store_pg_alert_list(struct store_conn *base, const char *tenant_id,
				const char *before_id, size_t limit, struct store_alert *out,
				size_t *n)
{
	struct store_pg_params p;

	assert(tenant_id && limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, before_id ? before_id : "~");
	store_pg__param_int64(&p, (int64_t)limit);
	return store_pg__collect(store_pg__conn(base), PG_ALERT_LIST, sql_list, &p, alert_read,
				 out, sizeof *out, limit, n);
}

enum og_err store_pg_alert_lift(struct store_conn *base, const char *tenant_id, const char *id,
				int64_t now_ms, const char *lifted_by)
{
	struct store_pg_params p;

	assert(tenant_id && id && lifted_by && now_ms > 0);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, id);
	store_pg__param_int64(&p, now_ms);
	store_pg__param_text(&p, lifted_by);
	return store_pg__run_changed(store_pg__conn(base), PG_ALERT_LIFT, sql_lift, &p);
}

enum og_err store_pg_alert_count_active(struct store_conn *base, int64_t *out)
{
	assert(out);
	return store_pg__ints(store_pg__conn(base), PG_ALERT_COUNT_ACTIVE, sql_count_active, NULL,
			      out, NULL);
}
