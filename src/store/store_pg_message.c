/*
 * Messages in the PostgreSQL store, keyed by (tenant_id, id). A message is
 * also its outbox entry. Several nodes claim from one outbox: the claim is
 * one UPDATE over a sub-select FOR UPDATE SKIP LOCKED, so each due row is
 * taken by exactly one claimer (a row another node is claiming is skipped,
 * not waited for), and a row whose lease ran out (its node died) is due
 * again. A message read inside a write transaction (a settle) is locked,
 * so a settle and a retake cannot both act on one claim.
 */
#include "store/store_pgInt.h"

#include <assert.h>
#include <limits.h>
#include <string.h>

#define MESSAGE_COLS                                                                         \
	"tenant_id, id, request_id, phone_masked, sender_header, pe_id, dlt_template_id, "   \
	"status, provider, provider_message_id, cost_paise, error, payload_sealed, attempts, " \
	"next_attempt_at_ms, lease_until_ms, created_at_ms, sent_at_ms, updated_at_ms, route"
/* The same, qualified by the alias m, for the claim's RETURNING. */
#define MESSAGE_COLS_M                                                                       \
	"m.tenant_id, m.id, m.request_id, m.phone_masked, m.sender_header, m.pe_id,"         \
	" m.dlt_template_id, m.status, m.provider, m.provider_message_id, m.cost_paise,"     \
	" m.error, m.payload_sealed, m.attempts, m.next_attempt_at_ms, m.lease_until_ms,"    \
	" m.created_at_ms, m.sent_at_ms, m.updated_at_ms, m.route"

static const char sql_insert[] =
	"INSERT INTO messages (" MESSAGE_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
	" $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) ON CONFLICT DO NOTHING";
static const char sql_get[] =
	"SELECT " MESSAGE_COLS " FROM messages WHERE tenant_id = $1 AND id = $2";
static const char sql_get_lock[] = "SELECT " MESSAGE_COLS " FROM messages"
				   " WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE";
/* Ids are unique per tenant only, but 80 random bits make a clash between
 * tenants practically impossible; LIMIT keeps the answer a single row. */
static const char sql_get_any[] = "SELECT " MESSAGE_COLS " FROM messages WHERE id = $1 LIMIT 1";
static const char sql_list_by_request[] =
	"SELECT " MESSAGE_COLS " FROM messages"
	" WHERE tenant_id = $1 AND request_id = $2 ORDER BY id LIMIT $3";
static const char sql_update[] =
	"UPDATE messages SET status = $3, provider = $4, provider_message_id = $5, error = $6,"
	" payload_sealed = $7, attempts = $8, next_attempt_at_ms = $9, lease_until_ms = $10,"
	" sent_at_ms = $11, updated_at_ms = $12 WHERE tenant_id = $1 AND id = $2";
/*
 * The claim, in one statement and so in one transaction of its own. The
 * sub-select locks the due rows it picks and skips those another claimer
 * holds; a row claimed and committed meanwhile is re-checked against the
 * WHERE after the lock and is no longer due. Served by the partial indexes
 * messages_due and messages_lease, one per arm of the OR. The outer query
 * returns the rows in the order they fell due, as the SQLite driver does.
 */
static const char sql_claim[] =
	"WITH due AS (SELECT tenant_id, id FROM messages"
	"  WHERE (status = 'queued' AND next_attempt_at_ms <= $1)"
	"  OR (status = 'sending' AND lease_until_ms <= $1)"
	"  ORDER BY next_attempt_at_ms LIMIT $3 FOR UPDATE SKIP LOCKED),"
	" claimed AS (UPDATE messages m SET status = 'sending', lease_until_ms = $2,"
	"  attempts = m.attempts + 1, updated_at_ms = $1"
	"  FROM due WHERE m.tenant_id = due.tenant_id AND m.id = due.id"
	"  RETURNING " MESSAGE_COLS_M ")"
	" SELECT " MESSAGE_COLS " FROM claimed ORDER BY next_attempt_at_ms, tenant_id, id";
static const char sql_depth[] =
	"SELECT COUNT(*) FROM messages WHERE status IN ('queued', 'sending')";

/*
 * The message log, newest first. Whether a tenant and a cursor are given
 * picks one of four texts, so each uses an index range (the primary key, or
 * messages_id across tenants). The other filters always apply, bound to
 * values that let every row through. A prepared statement must place every
 * parameter it takes, so a text that does not filter by tenant or cursor
 * still names $1 and $2, in a clause the planner folds to true. Indexed by
 * MESSAGE_LIST_AFTER | MESSAGE_LIST_TENANT.
 */
enum { MESSAGE_LIST_AFTER = 1, MESSAGE_LIST_TENANT = 2 };
#define MESSAGE_LIST_SQL(where)                                                            \
	"SELECT " MESSAGE_COLS " FROM messages WHERE " where                               \
	"created_at_ms >= $3 AND created_at_ms < $4 AND ($5::text IS NULL OR status = $5)" \
	" AND ($1::text IS NULL OR TRUE) AND ($2::text IS NULL OR TRUE)"                   \
	" ORDER BY id DESC LIMIT $6"
static const char *const sql_list[] = {
	MESSAGE_LIST_SQL(""),
	MESSAGE_LIST_SQL("id < $2 AND "),
	MESSAGE_LIST_SQL("tenant_id = $1 AND "),
	MESSAGE_LIST_SQL("tenant_id = $1 AND id < $2 AND "),
};
_Static_assert(PG_MESSAGE_LIST_AFTER == PG_MESSAGE_LIST + MESSAGE_LIST_AFTER &&
		       PG_MESSAGE_LIST_TENANT == PG_MESSAGE_LIST + MESSAGE_LIST_TENANT &&
		       PG_MESSAGE_LIST_TENANT_AFTER ==
			       PG_MESSAGE_LIST + (MESSAGE_LIST_TENANT | MESSAGE_LIST_AFTER),
	       "the statement ids follow sql_list");

/* Reads a row selected as MESSAGE_COLS. */
static void message_read(struct store_pg_row *r, void *record)
{
	struct store_message *m = record;

	memset(m, 0, sizeof *m);
	STORE_PG_ROW_TEXT(r, m->tenant_id);
	STORE_PG_ROW_TEXT(r, m->id);
	STORE_PG_ROW_TEXT(r, m->request_id);
	STORE_PG_ROW_TEXT(r, m->phone_masked);
	STORE_PG_ROW_TEXT(r, m->sender_header);
	STORE_PG_ROW_TEXT(r, m->pe_id);
	STORE_PG_ROW_TEXT(r, m->dlt_template_id);
	m->status = store_pg__row_enum(r, &store_pg__msg_status);
	STORE_PG_ROW_TEXT(r, m->provider);
	STORE_PG_ROW_TEXT(r, m->provider_message_id);
	m->cost_paise = store_pg__row_int64(r);
	STORE_PG_ROW_TEXT(r, m->error);
	store_pg__row_blob(r, m->payload_sealed, sizeof m->payload_sealed, &m->payload_sealed_len);
	m->attempts = store_pg__row_int(r);
	m->next_attempt_at_ms = store_pg__row_int64(r);
	m->lease_until_ms = store_pg__row_int64(r);
	m->created_at_ms = store_pg__row_int64(r);
	m->sent_at_ms = store_pg__row_int64(r);
	m->updated_at_ms = store_pg__row_int64(r);
	m->route = store_pg__row_enum(r, &store_pg__route);
}

enum og_err store_pg_message_insert(struct store_conn *base, const struct store_message *m)
{
	struct store_pg_params p;

	assert(m && m->payload_sealed_len <= sizeof m->payload_sealed);
	store_pg__params_init(&p);
	STORE_PG_PARAM_FIELD(&p, m->tenant_id);
	STORE_PG_PARAM_FIELD(&p, m->id);
	STORE_PG_PARAM_FIELD(&p, m->request_id);
	STORE_PG_PARAM_FIELD(&p, m->phone_masked);
	STORE_PG_PARAM_FIELD(&p, m->sender_header);
	STORE_PG_PARAM_FIELD(&p, m->pe_id);
	STORE_PG_PARAM_FIELD(&p, m->dlt_template_id);
	store_pg__param_enum(&p, &store_pg__msg_status, m->status);
	STORE_PG_PARAM_FIELD(&p, m->provider);
	STORE_PG_PARAM_FIELD(&p, m->provider_message_id);
	store_pg__param_int64(&p, m->cost_paise);
	STORE_PG_PARAM_FIELD(&p, m->error);
	store_pg__param_blob(&p, m->payload_sealed, m->payload_sealed_len);
	store_pg__param_int64(&p, m->attempts);
	store_pg__param_int64(&p, m->next_attempt_at_ms);
	store_pg__param_int64(&p, m->lease_until_ms);
	store_pg__param_int64(&p, m->created_at_ms);
	store_pg__param_int64(&p, m->sent_at_ms);
	store_pg__param_int64(&p, m->updated_at_ms);
	store_pg__param_enum(&p, &store_pg__route, m->route);
	return store_pg__insert(store_pg__conn(base), PG_MESSAGE_INSERT, sql_insert, &p);
}

enum og_err store_pg_message_get(struct store_conn *base, const char *tenant_id, const char *id,
				 struct store_message *out)
{
	struct store_pg_conn *c = store_pg__conn(base);
	struct store_pg_params p;

	assert(tenant_id && id && out);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, id);
	if (c->in_tx)
		return store_pg__fetch(c, PG_MESSAGE_GET_LOCK, sql_get_lock, &p, message_read, out);
	return store_pg__fetch(c, PG_MESSAGE_GET, sql_get, &p, message_read, out);
}

enum og_err store_pg_message_get_any(struct store_conn *base, const char *id,
				     struct store_message *out)
{
	struct store_pg_params p;

	assert(id && out);
	store_pg__params_init(&p);
	store_pg__param_text(&p, id);
	return store_pg__fetch(store_pg__conn(base), PG_MESSAGE_GET_ANY, sql_get_any, &p,
			       message_read, out);
}

enum og_err store_pg_message_list(struct store_conn *base, const struct store_message_filter *f,
				  struct store_message *out, size_t *n)
{
	struct store_pg_params p;
	int variant = 0;

	assert(f && out && n && f->limit >= 1 && f->limit <= STORE_PAGE_MAX);
	assert(f->status == -1 || (f->status >= 0 && f->status < store_pg__msg_status.count));
	if (f->after_id)
		variant |= MESSAGE_LIST_AFTER;
	if (f->tenant_id)
		variant |= MESSAGE_LIST_TENANT;
	/* Every text takes all six parameters, used or not. */
	store_pg__params_init(&p);
	store_pg__param_text(&p, f->tenant_id);
	store_pg__param_text(&p, f->after_id);
	store_pg__param_int64(&p, f->from_ms);
	store_pg__param_int64(&p, f->to_ms ? f->to_ms : INT64_MAX);
	if (f->status >= 0)
		store_pg__param_enum(&p, &store_pg__msg_status, f->status);
	else
		store_pg__param_text(&p, NULL);
	store_pg__param_int64(&p, (int64_t)f->limit);
	return store_pg__collect(store_pg__conn(base), PG_MESSAGE_LIST + variant, sql_list[variant],
				 &p, message_read, out, sizeof *out, f->limit, n);
}

enum og_err store_pg_message_list_by_request(struct store_conn *base, const char *tenant_id,
					     const char *request_id, struct store_message *out,
					     size_t max, size_t *n)
{
	struct store_pg_conn *c = store_pg__conn(base);
	struct store_pg_params p;
	PGresult *res = NULL;
	enum og_err rc;

	assert(tenant_id && request_id && out && n && max >= 1 && max < INT64_MAX);
	*n = 0;
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, request_id);
	/* One row more than fits, to tell a full list from a cut one. */
	store_pg__param_int64(&p, (int64_t)max + 1);
	rc = store_pg__exec(c, PG_MESSAGE_LIST_BY_REQUEST, sql_list_by_request, &p, &res);
	if (rc != OG_OK)
		goto out;
	if ((size_t)PQntuples(res) > max) {
		/* More messages than the caller has room for: refuse rather than
		 * show a request's history with its newest messages missing. */
		rc = OG_ERR_STORE;
		goto out;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		struct store_pg_row r;

		store_pg__row_init(&r, res, i);
		message_read(&r, &out[i]);
		if (r.rc != OG_OK) {
			rc = r.rc;
			goto out;
		}
	}
	*n = (size_t)PQntuples(res);
out:
	PQclear(res);
	return rc;
}

enum og_err store_pg_message_update(struct store_conn *base, const struct store_message *m)
{
	struct store_pg_params p;

	assert(m && m->payload_sealed_len <= sizeof m->payload_sealed);
	store_pg__params_init(&p);
	STORE_PG_PARAM_FIELD(&p, m->tenant_id);
	STORE_PG_PARAM_FIELD(&p, m->id);
	store_pg__param_enum(&p, &store_pg__msg_status, m->status);
	STORE_PG_PARAM_FIELD(&p, m->provider);
	STORE_PG_PARAM_FIELD(&p, m->provider_message_id);
	STORE_PG_PARAM_FIELD(&p, m->error);
	store_pg__param_blob(&p, m->payload_sealed, m->payload_sealed_len);
	store_pg__param_int64(&p, m->attempts);
	store_pg__param_int64(&p, m->next_attempt_at_ms);
	store_pg__param_int64(&p, m->lease_until_ms);
	store_pg__param_int64(&p, m->sent_at_ms);
	store_pg__param_int64(&p, m->updated_at_ms);
	return store_pg__run_changed(store_pg__conn(base), PG_MESSAGE_UPDATE, sql_update, &p);
}

enum og_err store_pg_message_outbox_claim(struct store_conn *base, int64_t now_ms,
					  int64_t lease_until_ms, size_t max,
					  struct store_message *out, size_t *n)
{
	struct store_pg_conn *c = store_pg__conn(base);
	struct store_pg_params p;

	assert(out && n && max < INT64_MAX);
	/* The claim commits on its own, so it cannot join a caller's transaction. */
	assert(!c->in_tx);
	*n = 0;
	if (max == 0)
		return OG_OK;
	store_pg__params_init(&p);
	store_pg__param_int64(&p, now_ms);
	store_pg__param_int64(&p, lease_until_ms);
	store_pg__param_int64(&p, (int64_t)max);
	return store_pg__collect(c, PG_OUTBOX_CLAIM, sql_claim, &p, message_read, out, sizeof *out,
				 max, n);
}

enum og_err store_pg_message_outbox_depth(struct store_conn *base, int64_t *out)
{
	assert(out);
	*out = 0;
	return store_pg__ints(store_pg__conn(base), PG_OUTBOX_DEPTH, sql_depth, NULL, out, NULL);
}
