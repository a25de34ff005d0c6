/*
 * The ledger: every movement of money as an append-only entry. Partial
 * unique indexes (migrations 0001) make a credit reference and a message's
 * settlement happen at most once, whatever the caller does, and the
 * tenant_sms_ledger view over captures is what the seed's billing query
 * reads. Optional text (message_id, reference, billed_local) is stored as
 * NULL when empty, so the CHECKs can say which kind carries what.
 */
#include "store/store_int.h"

#define LEDGER_COLS \
	"tenant_id, id, kind, amount_paise, message_id, reference, created_at_ms, billed_local"

static struct store_sql sql_insert = {
	.text = "INSERT INTO ledger_entries (" LEDGER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
		" ?8) ON CONFLICT DO NOTHING"};
/* The kind is spelled out so the planner can use the partial index. */
static struct store_sql sql_find_credit = {
	.text = "SELECT " LEDGER_COLS " FROM ledger_entries"
		" WHERE tenant_id = ?1 AND reference = ?2 AND kind = 'credit'"};
/* The same arithmetic as ledger_apply: captures leave both the balance and
 * the holds; releases only the holds. */
static struct store_sql sql_sums = {
	.text = "SELECT"
		" COALESCE(SUM(CASE kind WHEN 'credit' THEN amount_paise"
		"                        WHEN 'capture' THEN -amount_paise ELSE 0 END), 0),"
		" COALESCE(SUM(CASE kind WHEN 'hold' THEN amount_paise"
		"                        WHEN 'capture' THEN -amount_paise"
		"                        WHEN 'release' THEN -amount_paise ELSE 0 END), 0),"
		" COALESCE(SUM(CASE kind WHEN 'hold' THEN 1 WHEN 'capture' THEN -1"
		"                        WHEN 'release' THEN -1 ELSE 0 END), 0)"
		" FROM ledger_entries WHERE tenant_id = ?1"};

/* Reads a row selected as LEDGER_COLS. */
static void ledger_read(struct store_row *r, void *record)
{
	struct store_ledger_entry *e = record;

	memset(e, 0, sizeof *e);
	store_row_text(r, e->tenant_id);
	store_row_text(r, e->id);
	e->kind = store_row_enum(r, &store_enum_ledger_kind);
	e->amount_paise = store_row_int64(r);
	store_row_text(r, e->message_id);
	store_row_text(r, e->reference);
	e->created_at_ms = store_row_int64(r);
	store_row_text(r, e->billed_local);
}

enum og_err store_ledger_insert(struct store_conn *c, const struct store_ledger_entry *e)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(e && memchr(e->message_id, '\0', sizeof e->message_id) &&
	       memchr(e->reference, '\0', sizeof e->reference) &&
	       memchr(e->billed_local, '\0', sizeof e->billed_local));
	rc = store_prepare(c, &sql_insert, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_field(st, 1, e->tenant_id);
	store_bind_field(st, 2, e->id);
	store_bind_enum(st, 3, &store_enum_ledger_kind, e->kind);
	store_bind_int64(st, 4, e->amount_paise);
	store_bind_text_or_null(st, 5, e->message_id);
	store_bind_text_or_null(st, 6, e->reference);
	store_bind_int64(st, 7, e->created_at_ms);
	store_bind_text_or_null(st, 8, e->billed_local);
	return store_run_insert(st);
}

/* A top-up looks its reference up and credits it if absent: inside a
 * transaction the reference is locked first, so of two top-ups with one
 * reference on any nodes the second waits, then finds the first's credit
 * (each statement reads what was committed before it began). */
enum og_err store_ledger_find_credit(struct store_conn *c, const char *tenant_id,
				     const char *reference, struct store_ledger_entry *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && reference && out);
	rc = store_lock(c, STORE_LOCK_CREDIT, tenant_id, reference, strlen(reference));
	if (rc == OG_OK)
		rc = store_prepare(c, &sql_find_credit, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, reference);
	return store_fetch(st, ledger_read, out);
}

/* Reads the one row of sql_sums. */
static void ledger_sums_read(struct store_row *r, void *record)
{
	struct store_ledger_sums *s = record;

	s->balance_paise = store_row_int64(r);
	s->held_paise = store_row_int64(r);
	s->held_count = store_row_int64(r);
}

enum og_err store_ledger_sums(struct store_conn *c, const char *tenant_id,
			      struct store_ledger_sums *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && out);
	memset(out, 0, sizeof *out);
	rc = store_prepare(c, &sql_sums, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	rc = store_fetch(st, ledger_sums_read, out);
	/* An aggregate always yields a row. */
	return rc == OG_ERR_NOT_FOUND ? OG_ERR_STORE : rc;
}
