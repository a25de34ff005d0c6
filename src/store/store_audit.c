/*
 * The audit trail. The table's triggers (SQLite) and rules (PostgreSQL)
 * make it append-only; this file only inserts and lists.
 */
#include "store/store_int.h"

#define AUDIT_COLS                                                                             \
	"tenant_id, id, actor_kind, actor_key_id, actor_ip, action, target_id, detail,"        \
	" created_at_ms"

static struct store_sql sql_insert = {
	.text = "INSERT INTO audit_log (" AUDIT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
		" ON CONFLICT DO NOTHING"};
/* "~" sorts after every id character, so it stands for "from the newest". */
static struct store_sql sql_list_all = {
	.text = "SELECT " AUDIT_COLS " FROM audit_log WHERE id < ?1 ORDER BY id DESC LIMIT ?2"};
static struct store_sql sql_list_tenant = {
	.text = "SELECT " AUDIT_COLS " FROM audit_log WHERE tenant_id = ?3 AND id < ?1"
		" ORDER BY id DESC LIMIT ?2"};

static void audit_read(struct store_row *r, void *record)
{
	struct store_audit *a = record;

	memset(a, 0, sizeof *a);
	store_row_text(r, a->tenant_id);
	store_row_text(r, a->id);
	a->actor_kind = store_row_enum(r, &store_enum_actor_kind);
	store_row_text(r, a->actor_key_id);
	store_row_text(r, a->actor_ip);
	store_row_text(r, a->action);
	store_row_text(r, a->target_id);
	store_row_text(r, a->detail);
	a->created_at_ms = store_row_int64(r);
}

enum og_err store_audit_insert(struct store_conn *c, const struct store_audit *a)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(a);
	rc = store_prepare(c, &sql_insert, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_field(st, 1, a->tenant_id);
	store_bind_field(st, 2, a->id);
	store_bind_enum(st, 3, &store_enum_actor_kind, a->actor_kind);
	store_bind_field(st, 4, a->actor_key_id);
	store_bind_field(st, 5, a->actor_ip);
	store_bind_field(st, 6, a->action);
	store_bind_field(st, 7, a->target_id);
	store_bind_field(st, 8, a->detail);
	store_bind_int64(st, 9, a->created_at_ms);
	return store_run_insert(st);
}

enum og_err store_audit_list(struct store_conn *c, const char *tenant_id, const char *before_id,
			     size_t limit, struct store_audit *out, size_t *n)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	*n = 0;
	rc = store_prepare(c, tenant_id ? &sql_list_tenant : &sql_list_all, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, before_id ? before_id : "~");
	store_bind_int64(st, 2, (int64_t)limit);
	if (tenant_id)
		store_bind_text(st, 3, tenant_id);
	return store_collect(st, audit_read, out, sizeof *out, limit, n);
}
