/*
 * The audit trail in the SQLite store. The table's triggers make it
 * append-only; this file only inserts and lists.
 */
#include "store/store_sqliteInt.h"

#include <assert.h>
#include <string.h>

static const char *const actor_kind_names[] = {
	[STORE_ACTOR_ADMIN] = "admin",
	[STORE_ACTOR_SEND] = "send",
	[STORE_ACTOR_TENANT] = "tenant",
	[STORE_ACTOR_CLI] = "cli",
};
static const struct store_sqlite_enum actor_kind = {
	actor_kind_names, sizeof actor_kind_names / sizeof actor_kind_names[0]};

#define AUDIT_COLS                                                                             \
	"tenant_id, id, actor_kind, actor_key_id, actor_ip, action, target_id, detail,"        \
	" created_at_ms"

static const char sql_insert[] = "INSERT INTO audit_log (" AUDIT_COLS ")"
				 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
/* "~" sorts after every id character, so it stands for "from the newest". */
static const char sql_list_all[] = "SELECT " AUDIT_COLS " FROM audit_log"
				   " WHERE id < ?1 ORDER BY id DESC LIMIT ?2";
static const char sql_list_tenant[] = "SELECT " AUDIT_COLS " FROM audit_log"
				      " WHERE tenant_id = ?3 AND id < ?1"
				      " ORDER BY id DESC LIMIT ?2";

static void audit_read(struct store_sqlite_row *r, void *record)
{
	struct store_audit *a = record;

	memset(a, 0, sizeof *a);
	STORE_SQLITE_ROW_TEXT(r, a->tenant_id);
	STORE_SQLITE_ROW_TEXT(r, a->id);
	a->actor_kind = store_sqlite__row_enum(r, &actor_kind);
	STORE_SQLITE_ROW_TEXT(r, a->actor_key_id);
	STORE_SQLITE_ROW_TEXT(r, a->actor_ip);
	STORE_SQLITE_ROW_TEXT(r, a->action);
	STORE_SQLITE_ROW_TEXT(r, a->target_id);
	STORE_SQLITE_ROW_TEXT(r, a->detail);
	a->created_at_ms = store_sqlite__row_int64(r);
}

enum og_err store_sqlite_audit_insert(struct store_conn *base, const struct store_audit *a)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(a);
	rc = store_sqlite__prepare(c, SQ_AUDIT_INSERT, sql_insert, &st);
	if (rc != OG_OK)
		goto out;
	STORE_SQLITE_BIND_FIELD(st, 1, a->tenant_id);
	STORE_SQLITE_BIND_FIELD(st, 2, a->id);
	store_sqlite__bind_enum(st, 3, &actor_kind, a->actor_kind);
	STORE_SQLITE_BIND_FIELD(st, 4, a->actor_key_id);
	STORE_SQLITE_BIND_FIELD(st, 5, a->actor_ip);
	STORE_SQLITE_BIND_FIELD(st, 6, a->action);
	STORE_SQLITE_BIND_FIELD(st, 7, a->target_id);
	STORE_SQLITE_BIND_FIELD(st, 8, a->detail);
	store_sqlite__bind_int64(st, 9, a->created_at_ms);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_audit_list(struct store_conn *base, const char *tenant_id,
				    const char *before_id, size_t limit, struct store_audit *out,
				    size_t *n)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	*n = 0;
	if (tenant_id)
		rc = store_sqlite__prepare(c, SQ_AUDIT_LIST_TENANT, sql_list_tenant, &st);
	else
		rc = store_sqlite__prepare(c, SQ_AUDIT_LIST_ALL, sql_list_all, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, before_id ? before_id : "~");
	store_sqlite__bind_int64(st, 2, (int64_t)limit);
	if (tenant_id)
		store_sqlite__bind_text(st, 3, tenant_id);
	rc = store_sqlite__collect(c, st, audit_read, out, sizeof *out, limit, n);
out:
	store_sqlite__reset(st);
	return rc;
}
