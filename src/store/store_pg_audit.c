/*
 * The audit trail in the PostgreSQL store. The table's triggers make it
 * append-only; this file only inserts and lists.
 */
#include "store/store_pgInt.h"

#include <assert.h>
#include <string.h>

#define AUDIT_COLS                                                                             \
	"tenant_id, id, actor_kind, actor_key_id, actor_ip, action, target_id, detail,"        \
	" created_at_ms"

static const char sql_insert[] = "INSERT INTO audit_log (" AUDIT_COLS ")"
				 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
				 " ON CONFLICT DO NOTHING";
/* "~" sorts after every id character, so it stands for "from the newest". */
static const char sql_list_all[] = "SELECT " AUDIT_COLS " FROM audit_log"
				   " WHERE id < $1 ORDER BY id DESC LIMIT $2";
static const char sql_list_tenant[] = "SELECT " AUDIT_COLS " FROM audit_log"
				      " WHERE tenant_id = $3 AND id < $1"
				      " ORDER BY id DESC LIMIT $2";

static void audit_read(struct store_pg_row *r, void *record)
{
	struct store_audit *a = record;

	memset(a, 0, sizeof *a);
	STORE_PG_ROW_TEXT(r, a->tenant_id);
	STORE_PG_ROW_TEXT(r, a->id);
	a->actor_kind = store_pg__row_enum(r, &store_pg__actor_kind);
	STORE_PG_ROW_TEXT(r, a->actor_key_id);
	STORE_PG_ROW_TEXT(r, a->actor_ip);
	STORE_PG_ROW_TEXT(r, a->action);
	STORE_PG_ROW_TEXT(r, a->target_id);
	STORE_PG_ROW_TEXT(r, a->detail);
	a->created_at_ms = store_pg__row_int64(r);
}

enum og_err store_pg_audit_insert(struct store_conn *base, const struct store_audit *a)
{
	struct store_pg_params p;

	assert(a);
	store_pg__params_init(&p);
	STORE_PG_PARAM_FIELD(&p, a->tenant_id);
	STORE_PG_PARAM_FIELD(&p, a->id);
	store_pg__param_enum(&p, &store_pg__actor_kind, a->actor_kind);
	STORE_PG_PARAM_FIELD(&p, a->actor_key_id);
	STORE_PG_PARAM_FIELD(&p, a->actor_ip);
	STORE_PG_PARAM_FIELD(&p, a->action);
	STORE_PG_PARAM_FIELD(&p, a->target_id);
	STORE_PG_PARAM_FIELD(&p, a->detail);
	store_pg__param_int64(&p, a->created_at_ms);
	return store_pg__insert(store_pg__conn(base), PG_AUDIT_INSERT, sql_insert, &p);
}

enum og_err store_pg_audit_list(struct store_conn *base, const char *tenant_id,
				const char *before_id, size_t limit, struct store_audit *out,
				size_t *n)
{
	struct store_pg_conn *c = store_pg__conn(base);
	struct store_pg_params p;

	assert(limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	store_pg__params_init(&p);
	store_pg__param_text(&p, before_id ? before_id : "~");
	store_pg__param_int64(&p, (int64_t)limit);
	if (tenant_id) {
		store_pg__param_text(&p, tenant_id);
		return store_pg__collect(c, PG_AUDIT_LIST_TENANT, sql_list_tenant, &p, audit_read,
					 out, sizeof *out, limit, n);
	}
	return store_pg__collect(c, PG_AUDIT_LIST_ALL, sql_list_all, &p, audit_read, out,
				 sizeof *out, limit, n);
}
