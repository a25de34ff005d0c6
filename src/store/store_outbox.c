/*
 * The outbox: a message row is its own outbox entry. The dispatcher claims
 * due rows (QUEUED and due, or SENDING past their lease) in a transaction
 * of their own, leasing them, so that a dispatcher killed mid-send loses
 * nothing: the lease runs out and the row is claimed again.
 */
#include "store/store_int.h"

#include <stdlib.h>

/* One statement claims and returns the rows. Served by the indexes
 * messages_due and messages_lease, one per arm of the OR. */
static struct store_sql sql_claim = {
	.text = "UPDATE messages SET status = 'sending', lease_until_ms = ?2,"
		" attempts = attempts + 1, updated_at_ms = ?1"
		" WHERE rowid IN (SELECT rowid FROM messages"
		"  WHERE (status = 'queued' AND next_attempt_at_ms <= ?1)"
		"  OR (status = 'sending' AND lease_until_ms <= ?1)"
		"  ORDER BY next_attempt_at_ms LIMIT ?3)"
		" RETURNING " MESSAGE_COLS,
	/* Nodes claim side by side: the sub-select locks the due rows it
	 * picks and skips those another node holds; a row claimed and
	 * committed meanwhile is re-checked against the WHERE after the lock
	 * and is no longer due. PostgreSQL has no rowid. */
	.dialect[STORE_DIALECT_PG] =
		"WITH due AS (SELECT tenant_id, id FROM messages"
		"  WHERE (status = 'queued' AND next_attempt_at_ms <= ?1)"
		"  OR (status = 'sending' AND lease_until_ms <= ?1)"
		"  ORDER BY next_attempt_at_ms LIMIT ?3 FOR UPDATE SKIP LOCKED)"
		" UPDATE messages m SET status = 'sending', lease_until_ms = ?2,"
		"  attempts = m.attempts + 1, updated_at_ms = ?1"
		"  FROM due WHERE m.tenant_id = due.tenant_id AND m.id = due.id"
		"  RETURNING m.tenant_id, m.id, m.request_id, m.phone_masked, m.sender_header,"
		"  m.pe_id, m.dlt_template_id, m.status, m.provider, m.provider_message_id,"
		"  m.cost_paise, m.error, m.payload_sealed, m.attempts, m.next_attempt_at_ms,"
		"  m.lease_until_ms, m.created_at_ms, m.sent_at_ms, m.updated_at_ms, m.route",
};
/* messages_due finds the smallest due time at once. */
static struct store_sql sql_oldest_due = {
	.text = "SELECT COALESCE(MIN(next_attempt_at_ms), 0) FROM messages WHERE status = 'queued'"};
static struct store_sql sql_depth = {
	.text = "SELECT COUNT(*) FROM messages WHERE status IN ('queued', 'sending')"};

/* Orders claimed messages as they fell due, then by key: RETURNING gives
 * them in no particular order. */
static int outbox_cmp(const void *a, const void *b)
{
	const struct store_message *x = a, *y = b;
	int rc;

	if (x->next_attempt_at_ms != y->next_attempt_at_ms)
		return x->next_attempt_at_ms < y->next_attempt_at_ms ? -1 : 1;
	rc = strcmp(x->tenant_id, y->tenant_id);
	return rc ? rc : strcmp(x->id, y->id);
}

enum og_err store_outbox_claim(struct store_conn *c, int64_t now_ms, int64_t lease_until_ms,
			       size_t max, struct store_message *out, size_t *n)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(out && n && max < INT64_MAX);
	*n = 0;
	if (max == 0)
		return OG_OK;
	/* The claim commits on its own, so it cannot join a caller's
	 * transaction (begin asserts there is none). */
	rc = store_begin(c);
	if (rc != OG_OK)
		return rc;
	rc = store_prepare(c, &sql_claim, &st);
	if (rc != OG_OK)
		goto out;
	store_bind_int64(st, 1, now_ms);
	store_bind_int64(st, 2, lease_until_ms);
	store_bind_int64(st, 3, (int64_t)max);
	rc = store_collect_all(st, store_message_read, out, sizeof *out, max, n);
	if (rc == OG_OK)
		rc = store_commit(c);
out:
	if (rc != OG_OK) {
		*n = 0;
		store_rollback(c);
		return rc;
	}
	qsort(out, *n, sizeof *out, outbox_cmp);
	return OG_OK;
}

enum og_err store_outbox_depth(struct store_conn *c, int64_t *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(out);
	*out = 0;
	rc = store_prepare(c, &sql_depth, &st);
	if (rc != OG_OK)
		return rc;
	return store_ints(st, out, NULL);
}

enum og_err store_outbox_oldest_due(struct store_conn *c, int64_t *due_ms)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(due_ms);
	*due_ms = 0;
	rc = store_prepare(c, &sql_oldest_due, &st);
	if (rc != OG_OK)
		return rc;
	return store_ints(st, due_ms, NULL);
}
