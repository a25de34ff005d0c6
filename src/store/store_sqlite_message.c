/*
 * Messages in the SQLite store, keyed by (tenant_id, id). A message is also
 * its outbox entry: the dispatcher claims due rows here in a transaction of
 * its own, leasing them so that a dispatcher killed mid-send loses nothing;
 * the lease runs out and the row is claimed again.
 */
#include "store/store_sqliteInt.h"

#include <assert.h>
#include <limits.h>
#include <string.h>

static const char *const message_status_names[] = {
	[STORE_MSG_QUEUED] = "queued",
	[STORE_MSG_SENDING] = "sending",
	[STORE_MSG_SENT] = "sent",
	[STORE_MSG_FAILED] = "failed",
};
static const struct store_sqlite_enum message_status = {
	message_status_names, sizeof message_status_names / sizeof message_status_names[0]};

#define MESSAGE_COLS                                                                         \
	"tenant_id, id, request_id, phone_masked, sender_header, pe_id, dlt_template_id, "   \
	"status, provider, provider_message_id, cost_paise, error, payload_sealed, attempts, " \
	"next_attempt_at_ms, lease_until_ms, created_at_ms, sent_at_ms, updated_at_ms, route"

static const char sql_insert[] =
	"INSERT INTO messages (" MESSAGE_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
	" ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)";
static const char sql_get[] =
	"SELECT " MESSAGE_COLS " FROM messages WHERE tenant_id = ?1 AND id = ?2";
/* Ids are unique per tenant only, but 80 random bits make a clash between
 * tenants practically impossible; LIMIT keeps the answer a single row. */
static const char sql_get_any[] = "SELECT " MESSAGE_COLS " FROM messages WHERE id = ?1 LIMIT 1";
static const char sql_list_by_request[] =
	"SELECT " MESSAGE_COLS " FROM messages"
	" WHERE tenant_id = ?1 AND request_id = ?2 ORDER BY id LIMIT ?3";
static const char sql_update[] =
	"UPDATE messages SET status = ?3, provider = ?4, provider_message_id = ?5, error = ?6,"
	" payload_sealed = ?7, attempts = ?8, next_attempt_at_ms = ?9, lease_until_ms = ?10,"
	" sent_at_ms = ?11, updated_at_ms = ?12 WHERE tenant_id = ?1 AND id = ?2";
/* Served by the (status, next_attempt_at_ms) and (status, lease_until_ms)
 * indexes, one per arm of the OR. */
static const char sql_claim_select[] =
	"SELECT " MESSAGE_COLS " FROM messages"
	" WHERE (status = ?1 AND next_attempt_at_ms <= ?3)"
	" OR (status = ?2 AND lease_until_ms <= ?3)"
	" ORDER BY next_attempt_at_ms LIMIT ?4";
static const char sql_claim_update[] =
	"UPDATE messages SET status = ?3, lease_until_ms = ?4, attempts = attempts + 1,"
	" updated_at_ms = ?5 WHERE tenant_id = ?1 AND id = ?2";
static const char sql_depth[] = "SELECT COUNT(*) FROM messages WHERE status IN (?1, ?2)";

/*
 * The message log, newest first. Whether a tenant and a cursor are given
 * picks one of four texts, so each uses an index range (the primary key, or
 * messages_id across tenants) instead of an "?1 IS NULL OR ..." scan. The
 * other filters always apply, bound to values that let every row through.
 * Indexed by MESSAGE_LIST_AFTER | MESSAGE_LIST_TENANT.
 */
enum { MESSAGE_LIST_AFTER = 1, MESSAGE_LIST_TENANT = 2 };
#define MESSAGE_LIST_SQL(where)                                                            \
	"SELECT " MESSAGE_COLS " FROM messages WHERE " where                               \
	"created_at_ms >= ?3 AND created_at_ms < ?4 AND (?5 IS NULL OR status = ?5)"       \
	" ORDER BY id DESC LIMIT ?6"
static const char *const sql_list[] = {
	MESSAGE_LIST_SQL(""),
	MESSAGE_LIST_SQL("id < ?2 AND "),
	MESSAGE_LIST_SQL("tenant_id = ?1 AND "),
	MESSAGE_LIST_SQL("tenant_id = ?1 AND id < ?2 AND "),
};
_Static_assert(SQ_MESSAGE_LIST_AFTER == SQ_MESSAGE_LIST + MESSAGE_LIST_AFTER &&
		       SQ_MESSAGE_LIST_TENANT == SQ_MESSAGE_LIST + MESSAGE_LIST_TENANT &&
		       SQ_MESSAGE_LIST_TENANT_AFTER ==
			       SQ_MESSAGE_LIST + (MESSAGE_LIST_TENANT | MESSAGE_LIST_AFTER),
	       "the statement ids follow sql_list");

/* Reads a row selected as MESSAGE_COLS. */
static void message_read(struct store_sqlite_row *r, void *record)
{
	struct store_message *m = record;

	memset(m, 0, sizeof *m);
	STORE_SQLITE_ROW_TEXT(r, m->tenant_id);
	STORE_SQLITE_ROW_TEXT(r, m->id);
	STORE_SQLITE_ROW_TEXT(r, m->request_id);
	STORE_SQLITE_ROW_TEXT(r, m->phone_masked);
	STORE_SQLITE_ROW_TEXT(r, m->sender_header);
	STORE_SQLITE_ROW_TEXT(r, m->pe_id);
	STORE_SQLITE_ROW_TEXT(r, m->dlt_template_id);
	m->status = store_sqlite__row_enum(r, &message_status);
	STORE_SQLITE_ROW_TEXT(r, m->provider);
	STORE_SQLITE_ROW_TEXT(r, m->provider_message_id);
	m->cost_paise = store_sqlite__row_int64(r);
	STORE_SQLITE_ROW_TEXT(r, m->error);
	store_sqlite__row_blob(r, m->payload_sealed, sizeof m->payload_sealed,
			       &m->payload_sealed_len);
	m->attempts = store_sqlite__row_int(r);
	m->next_attempt_at_ms = store_sqlite__row_int64(r);
	m->lease_until_ms = store_sqlite__row_int64(r);
	m->created_at_ms = store_sqlite__row_int64(r);
	m->sent_at_ms = store_sqlite__row_int64(r);
	m->updated_at_ms = store_sqlite__row_int64(r);
	m->route = store_sqlite__row_enum(r, &store_sqlite__route);
}

enum og_err store_sqlite_message_insert(struct store_conn *base, const struct store_message *m)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(m && m->payload_sealed_len <= sizeof m->payload_sealed);
	rc = store_sqlite__prepare(c, SQ_MESSAGE_INSERT, sql_insert, &st);
	if (rc != OG_OK)
		goto out;
	STORE_SQLITE_BIND_FIELD(st, 1, m->tenant_id);
	STORE_SQLITE_BIND_FIELD(st, 2, m->id);
	STORE_SQLITE_BIND_FIELD(st, 3, m->request_id);
	STORE_SQLITE_BIND_FIELD(st, 4, m->phone_masked);
	STORE_SQLITE_BIND_FIELD(st, 5, m->sender_header);
	STORE_SQLITE_BIND_FIELD(st, 6, m->pe_id);
	STORE_SQLITE_BIND_FIELD(st, 7, m->dlt_template_id);
	store_sqlite__bind_enum(st, 8, &message_status, m->status);
	STORE_SQLITE_BIND_FIELD(st, 9, m->provider);
	STORE_SQLITE_BIND_FIELD(st, 10, m->provider_message_id);
	store_sqlite__bind_int64(st, 11, m->cost_paise);
	STORE_SQLITE_BIND_FIELD(st, 12, m->error);
	store_sqlite__bind_blob(st, 13, m->payload_sealed, m->payload_sealed_len);
	store_sqlite__bind_int64(st, 14, m->attempts);
	store_sqlite__bind_int64(st, 15, m->next_attempt_at_ms);
	store_sqlite__bind_int64(st, 16, m->lease_until_ms);
	store_sqlite__bind_int64(st, 17, m->created_at_ms);
	store_sqlite__bind_int64(st, 18, m->sent_at_ms);
	store_sqlite__bind_int64(st, 19, m->updated_at_ms);
	store_sqlite__bind_enum(st, 20, &store_sqlite__route, m->route);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_message_get(struct store_conn *base, const char *tenant_id,
				     const char *id, struct store_message *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && id && out);
	rc = store_sqlite__prepare(c, SQ_MESSAGE_GET, sql_get, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, id);
	rc = store_sqlite__fetch(c, st, message_read, out);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_message_get_any(struct store_conn *base, const char *id,
					 struct store_message *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(id && out);
	rc = store_sqlite__prepare(c, SQ_MESSAGE_GET_ANY, sql_get_any, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, id);
	rc = store_sqlite__fetch(c, st, message_read, out);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_message_list(struct store_conn *base, const struct store_message_filter *f,
				      struct store_message *out, size_t *n)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	int variant = 0;
	enum og_err rc;

	assert(f && out && n && f->limit >= 1 && f->limit <= STORE_PAGE_MAX);
	assert(f->status == -1 || (f->status >= 0 && f->status < message_status.count));
	*n = 0;
	if (f->after_id)
		variant |= MESSAGE_LIST_AFTER;
	if (f->tenant_id)
		variant |= MESSAGE_LIST_TENANT;
	rc = store_sqlite__prepare(c, SQ_MESSAGE_LIST + variant, sql_list[variant], &st);
	if (rc != OG_OK)
		goto out;
	/* Every text binds all six parameters, used or not. */
	store_sqlite__bind_text(st, 1, f->tenant_id);
	store_sqlite__bind_text(st, 2, f->after_id);
	store_sqlite__bind_int64(st, 3, f->from_ms);
	store_sqlite__bind_int64(st, 4, f->to_ms ? f->to_ms : INT64_MAX);
	if (f->status >= 0)
		store_sqlite__bind_enum(st, 5, &message_status, f->status);
	store_sqlite__bind_int64(st, 6, (int64_t)f->limit);
	rc = store_sqlite__collect(c, st, message_read, out, sizeof *out, f->limit, n);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_message_list_by_request(struct store_conn *base, const char *tenant_id,
						 const char *request_id,
						 struct store_message *out, size_t max, size_t *n)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && request_id && out && n && max >= 1 && max < INT64_MAX);
	*n = 0;
	rc = store_sqlite__prepare(c, SQ_MESSAGE_LIST_BY_REQUEST, sql_list_by_request, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, request_id);
	/* One row more than fits, to tell a full list from a cut one. */
	store_sqlite__bind_int64(st, 3, (int64_t)max + 1);
	rc = store_sqlite__collect(c, st, message_read, out, sizeof *out, max, n);
	if (rc != OG_OK || *n < max)
		goto out;
	rc = store_sqlite__step_row(c, st);
	if (rc == OG_OK) {
		/* More messages than the caller has room for: refuse rather than
		 * show a request's history with its newest messages missing. */
		*n = 0;
		rc = OG_ERR_STORE;
	} else if (rc == OG_ERR_NOT_FOUND) {
		rc = OG_OK;
	}
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_message_update(struct store_conn *base, const struct store_message *m)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(m && m->payload_sealed_len <= sizeof m->payload_sealed);
	rc = store_sqlite__prepare(c, SQ_MESSAGE_UPDATE, sql_update, &st);
	if (rc != OG_OK)
		goto out;
	STORE_SQLITE_BIND_FIELD(st, 1, m->tenant_id);
	STORE_SQLITE_BIND_FIELD(st, 2, m->id);
	store_sqlite__bind_enum(st, 3, &message_status, m->status);
	STORE_SQLITE_BIND_FIELD(st, 4, m->provider);
	STORE_SQLITE_BIND_FIELD(st, 5, m->provider_message_id);
	STORE_SQLITE_BIND_FIELD(st, 6, m->error);
	store_sqlite__bind_blob(st, 7, m->payload_sealed, m->payload_sealed_len);
	store_sqlite__bind_int64(st, 8, m->attempts);
	store_sqlite__bind_int64(st, 9, m->next_attempt_at_ms);
	store_sqlite__bind_int64(st, 10, m->lease_until_ms);
	store_sqlite__bind_int64(st, 11, m->sent_at_ms);
	store_sqlite__bind_int64(st, 12, m->updated_at_ms);
	rc = store_sqlite__step_done(c, st);
	if (rc == OG_OK)
		rc = store_sqlite__changed(c);
out:
	store_sqlite__reset(st);
	return rc;
}

/* Marks one claimed row SENDING under its lease, in the claim's transaction. */
static enum og_err message_claim_one(struct store_sqlite_conn *c, struct store_message *m,
				     int64_t now_ms, int64_t lease_until_ms)
{
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	rc = store_sqlite__prepare(c, SQ_OUTBOX_CLAIM_UPDATE, sql_claim_update, &st);
	if (rc != OG_OK)
		goto out;
	STORE_SQLITE_BIND_FIELD(st, 1, m->tenant_id);
	STORE_SQLITE_BIND_FIELD(st, 2, m->id);
	store_sqlite__bind_enum(st, 3, &message_status, STORE_MSG_SENDING);
	store_sqlite__bind_int64(st, 4, lease_until_ms);
	store_sqlite__bind_int64(st, 5, now_ms);
	rc = store_sqlite__step_done(c, st);
	if (rc == OG_OK)
		rc = store_sqlite__changed(c);
	if (rc != OG_OK)
		goto out;
	/* Hand back the row as it now stands. */
	m->status = STORE_MSG_SENDING;
	m->lease_until_ms = lease_until_ms;
	m->attempts++;
	m->updated_at_ms = now_ms;
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_message_outbox_claim(struct store_conn *base, int64_t now_ms,
					      int64_t lease_until_ms, size_t max,
					      struct store_message *out, size_t *n)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	size_t found = 0;
	enum og_err rc;

	assert(out && n && max < INT64_MAX);
	/* The claim commits on its own, so it cannot join a caller's transaction. */
	assert(sqlite3_get_autocommit(c->db));
	*n = 0;
	if (max == 0)
		return OG_OK;
	/* IMMEDIATE: two dispatchers never select the same due rows. */
	rc = base->ops->begin(base);
	if (rc != OG_OK)
		return rc;
	c = store_sqlite__conn(base); /* inside the transaction: the writer */
	rc = store_sqlite__prepare(c, SQ_OUTBOX_CLAIM_SELECT, sql_claim_select, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_enum(st, 1, &message_status, STORE_MSG_QUEUED);
	store_sqlite__bind_enum(st, 2, &message_status, STORE_MSG_SENDING);
	store_sqlite__bind_int64(st, 3, now_ms);
	store_sqlite__bind_int64(st, 4, (int64_t)max);
	rc = store_sqlite__collect(c, st, message_read, out, sizeof *out, max, &found);
	/* Done with the rows before changing them. */
	store_sqlite__reset(st);
	for (size_t i = 0; rc == OG_OK && i < found; i++)
		rc = message_claim_one(c, &out[i], now_ms, lease_until_ms);
	if (rc == OG_OK)
		rc = base->ops->commit(base);
	if (rc == OG_OK)
		*n = found;
out:
	if (rc != OG_OK)
		base->ops->rollback(base);
	return rc;
}

enum og_err store_sqlite_message_outbox_depth(struct store_conn *base, int64_t *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(out);
	*out = 0;
	rc = store_sqlite__prepare(c, SQ_OUTBOX_DEPTH, sql_depth, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_enum(st, 1, &message_status, STORE_MSG_QUEUED);
	store_sqlite__bind_enum(st, 2, &message_status, STORE_MSG_SENDING);
	rc = store_sqlite__step_row(c, st);
	if (rc == OG_OK)
		*out = sqlite3_column_int64(st, 0);
	else if (rc == OG_ERR_NOT_FOUND)
		rc = OG_ERR_STORE; /* COUNT always yields a row */
out:
	store_sqlite__reset(st);
	return rc;
}
