/*
 * Messages, keyed by (tenant_id, id). A message is also its outbox entry
 * (store_outbox.c claims the due ones). Read inside a write transaction, a
 * message is locked, so a settlement on one node and a resend on another
 * cannot both read it and both write it back. The retention scrub (SEC-25)
 * lives here too.
 */
#include "store/store_int.h"

#include <limits.h>

static struct store_sql sql_insert = {
	.text = "INSERT INTO messages (" MESSAGE_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
		" ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20) ON CONFLICT DO NOTHING"};
static struct store_sql sql_get = {
	.text = "SELECT " MESSAGE_COLS " FROM messages WHERE tenant_id = ?1 AND id = ?2",
	.flags = STORE_SQL_LOCK};
/* Ids are unique per tenant only, but 80 random bits make a clash between
 * tenants practically impossible; LIMIT keeps the answer a single row. */
static struct store_sql sql_get_any = {
	.text = "SELECT " MESSAGE_COLS " FROM messages WHERE id = ?1 LIMIT 1"};
static struct store_sql sql_list_by_request = {
	.text = "SELECT " MESSAGE_COLS " FROM messages WHERE tenant_id = ?1 AND request_id = ?2"
		" ORDER BY id LIMIT ?3"};
static struct store_sql sql_update = {
	.text = "UPDATE messages SET status = ?3, provider = ?4, provider_message_id = ?5,"
		" error = ?6, payload_sealed = ?7, attempts = ?8, next_attempt_at_ms = ?9,"
		" lease_until_ms = ?10, sent_at_ms = ?11, updated_at_ms = ?12"
		" WHERE tenant_id = ?1 AND id = ?2"};
/* SEC-25: the ledger-relevant fields (status, cost, provider, ids, times)
 * stay; the masked number, the gateway's error text and any payload go.
 * The phone_masked test keeps the sub-select on the partial index. */
static struct store_sql sql_scrub = {
	.text = "UPDATE messages SET phone_masked = '', error = '', payload_sealed = NULL"
		" WHERE tenant_id = ?1 AND id IN (SELECT id FROM messages WHERE tenant_id = ?1"
		" AND created_at_ms < ?2 AND phone_masked <> '' AND status IN ('sent', 'failed')"
		" LIMIT ?3)"};

/*
 * The message log, newest first. Whether a tenant and a cursor are given
 * picks one of four texts, so each uses an index range (the primary key, or
 * messages_id across tenants) instead of an "?1 IS NULL OR ..." scan. The
 * other filters always apply, bound to values that let every row through.
 * A PostgreSQL statement must place every parameter it takes, so a text
 * that does not filter by tenant or cursor still names ?1 and ?2, in a
 * clause that folds to true. Indexed by MESSAGE_LIST_AFTER | MESSAGE_LIST_TENANT.
 */
enum { MESSAGE_LIST_AFTER = 1, MESSAGE_LIST_TENANT = 2 };
#define MESSAGE_LIST_SQL(where)                                                             \
	{.text = "SELECT " MESSAGE_COLS " FROM messages WHERE " where                        \
		 "created_at_ms >= ?3 AND created_at_ms < ?4"                                \
		 " AND (CAST(?5 AS TEXT) IS NULL OR status = ?5)"                            \
		 " AND (CAST(?1 AS TEXT) IS NULL OR 1 = 1) AND (CAST(?2 AS TEXT) IS NULL OR 1 = 1)" \
		 " ORDER BY id DESC LIMIT ?6"}
static struct store_sql sql_list[] = {
	MESSAGE_LIST_SQL(""),
	MESSAGE_LIST_SQL("id < ?2 AND "),
	MESSAGE_LIST_SQL("tenant_id = ?1 AND "),
	MESSAGE_LIST_SQL("tenant_id = ?1 AND id < ?2 AND "),
};

void store_message_read(struct store_row *r, void *record)
{
	struct store_message *m = record;

	memset(m, 0, sizeof *m);
	store_row_text(r, m->tenant_id);
	store_row_text(r, m->id);
	store_row_text(r, m->request_id);
	store_row_text(r, m->phone_masked);
	store_row_text(r, m->sender_header);
	store_row_text(r, m->pe_id);
	store_row_text(r, m->dlt_template_id);
	m->status = store_row_enum(r, &store_enum_msg_status);
	store_row_text(r, m->provider);
	store_row_text(r, m->provider_message_id);
	m->cost_paise = store_row_int64(r);
	store_row_text(r, m->error);
	store_row_blob(r, m->payload_sealed, sizeof m->payload_sealed, &m->payload_sealed_len);
	m->attempts = store_row_int(r);
	m->next_attempt_at_ms = store_row_int64(r);
	m->lease_until_ms = store_row_int64(r);
	m->created_at_ms = store_row_int64(r);
	m->sent_at_ms = store_row_int64(r);
	m->updated_at_ms = store_row_int64(r);
	m->route = store_row_enum(r, &store_enum_route);
}

enum og_err store_message_insert(struct store_conn *c, const struct store_message *m)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(m && m->payload_sealed_len <= sizeof m->payload_sealed);
	rc = store_prepare(c, &sql_insert, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_field(st, 1, m->tenant_id);
	store_bind_field(st, 2, m->id);
	store_bind_field(st, 3, m->request_id);
	store_bind_field(st, 4, m->phone_masked);
	store_bind_field(st, 5, m->sender_header);
	store_bind_field(st, 6, m->pe_id);
	store_bind_field(st, 7, m->dlt_template_id);
	store_bind_enum(st, 8, &store_enum_msg_status, m->status);
	store_bind_field(st, 9, m->provider);
	store_bind_field(st, 10, m->provider_message_id);
	store_bind_int64(st, 11, m->cost_paise);
	store_bind_field(st, 12, m->error);
	store_bind_blob(st, 13, m->payload_sealed, m->payload_sealed_len);
	store_bind_int64(st, 14, m->attempts);
	store_bind_int64(st, 15, m->next_attempt_at_ms);
	store_bind_int64(st, 16, m->lease_until_ms);
	store_bind_int64(st, 17, m->created_at_ms);
	store_bind_int64(st, 18, m->sent_at_ms);
	store_bind_int64(st, 19, m->updated_at_ms);
	store_bind_enum(st, 20, &store_enum_route, m->route);
	return store_run_insert(st);
}

enum og_err store_message_get(struct store_conn *c, const char *tenant_id, const char *id,
			      struct store_message *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && id && out);
	rc = store_prepare(c, &sql_get, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, id);
	return store_fetch(st, store_message_read, out);
}

enum og_err store_message_get_any(struct store_conn *c, const char *id,
				  struct store_message *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(id && out);
	rc = store_prepare(c, &sql_get_any, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, id);
	return store_fetch(st, store_message_read, out);
}

enum og_err store_message_list(struct store_conn *c, const struct store_message_filter *f,
			       struct store_message *out, size_t *n)
{
	struct store_stmt *st;
	int variant = 0;
	enum og_err rc;

	assert(f && out && n && f->limit >= 1 && f->limit <= STORE_PAGE_MAX);
	assert(f->status == -1 || (f->status >= 0 && f->status < store_enum_msg_status.count));
	*n = 0;
	if (f->after_id)
		variant |= MESSAGE_LIST_AFTER;
	if (f->tenant_id)
		variant |= MESSAGE_LIST_TENANT;
	rc = store_prepare(c, &sql_list[variant], &st);
	if (rc != OG_OK)
		return rc;
	/* Every text binds all six parameters, used or not. */
	store_bind_text(st, 1, f->tenant_id);
	store_bind_text(st, 2, f->after_id);
	store_bind_int64(st, 3, f->from_ms);
	store_bind_int64(st, 4, f->to_ms ? f->to_ms : INT64_MAX);
	store_bind_text(st, 5, f->status >= 0 ? store_enum_msg_status.names[f->status] : NULL);
	store_bind_int64(st, 6, (int64_t)f->limit);
	return store_collect(st, store_message_read, out, sizeof *out, f->limit, n);
}

/* More messages than the caller has room for fail, rather than show a
 * request's history with its newest messages missing. */
enum og_err store_message_list_by_request(struct store_conn *c, const char *tenant_id,
					  const char *request_id, struct store_message *out,
					  size_t max, size_t *n)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && request_id && out && n && max >= 1 && max < INT64_MAX);
	*n = 0;
	rc = store_prepare(c, &sql_list_by_request, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, request_id);
	store_bind_int64(st, 3, (int64_t)max + 1);
	return store_collect_all(st, store_message_read, out, sizeof *out, max, n);
}

enum og_err store_message_update(struct store_conn *c, const struct store_message *m)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(m && m->payload_sealed_len <= sizeof m->payload_sealed);
	rc = store_prepare(c, &sql_update, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_field(st, 1, m->tenant_id);
	store_bind_field(st, 2, m->id);
	store_bind_enum(st, 3, &store_enum_msg_status, m->status);
	store_bind_field(st, 4, m->provider);
	store_bind_field(st, 5, m->provider_message_id);
	store_bind_field(st, 6, m->error);
	store_bind_blob(st, 7, m->payload_sealed, m->payload_sealed_len);
	store_bind_int64(st, 8, m->attempts);
	store_bind_int64(st, 9, m->next_attempt_at_ms);
	store_bind_int64(st, 10, m->lease_until_ms);
	store_bind_int64(st, 11, m->sent_at_ms);
	store_bind_int64(st, 12, m->updated_at_ms);
	return store_run_changed(st);
}

enum og_err store_message_scrub(struct store_conn *c, const char *tenant_id, int64_t before_ms,
				size_t limit, size_t *n)
{
	struct store_stmt *st;
	int64_t changed = 0;
	enum og_err rc;

	assert(tenant_id && limit >= 1 && n);
	*n = 0;
	rc = store_prepare(c, &sql_scrub, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_int64(st, 2, before_ms);
	store_bind_int64(st, 3, (int64_t)limit);
	rc = store_run(st, &changed);
	*n = changed > 0 ? (size_t)changed : 0;
	return rc;
}
