/*
 * Test numbers. A tenant's test number is found by the keyed hash of its
 * phone; the phone itself and its fixed code are only in the sealed blob,
 * which the domain opens.
 */
#include "store/store_int.h"

#define TESTNUM_COLS "tenant_id, id, phone_hash, phone_masked, sealed, created_at_ms"

static struct store_sql sql_insert = {
	.text = "INSERT INTO test_numbers (" TESTNUM_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
		" ON CONFLICT DO NOTHING"};
static struct store_sql sql_find = {
	.text = "SELECT " TESTNUM_COLS " FROM test_numbers WHERE tenant_id = ?1 AND phone_hash = ?2"};
static struct store_sql sql_list = {
	.text = "SELECT " TESTNUM_COLS " FROM test_numbers WHERE tenant_id = ?1 AND id > ?2"
		" ORDER BY id LIMIT ?3"};
static struct store_sql sql_delete = {
	.text = "DELETE FROM test_numbers WHERE tenant_id = ?1 AND id = ?2"};
static struct store_sql sql_count = {
	.text = "SELECT COUNT(*) FROM test_numbers WHERE tenant_id = ?1"};

static void testnum_read(struct store_row *r, void *record)
{
	struct store_test_number *t = record;

	memset(t, 0, sizeof *t);
	store_row_text(r, t->tenant_id);
	store_row_text(r, t->id);
	store_row_blob_exact(r, t->phone_hash, sizeof t->phone_hash);
	store_row_text(r, t->phone_masked);
	store_row_blob(r, t->sealed, sizeof t->sealed, &t->sealed_len);
	t->created_at_ms = store_row_int64(r);
}

enum og_err store_testnum_insert(struct store_conn *c, const struct store_test_number *t)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(t && t->sealed_len > 0 && t->sealed_len <= sizeof t->sealed);
	rc = store_prepare(c, &sql_insert, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_field(st, 1, t->tenant_id);
	store_bind_field(st, 2, t->id);
	store_bind_blob(st, 3, t->phone_hash, sizeof t->phone_hash);
	store_bind_field(st, 4, t->phone_masked);
	store_bind_blob(st, 5, t->sealed, t->sealed_len);
	store_bind_int64(st, 6, t->created_at_ms);
	return store_run_insert(st);
}

enum og_err store_testnum_find(struct store_conn *c, const char *tenant_id,
			       const unsigned char phone_hash[SECRET_HASH_LEN],
			       struct store_test_number *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && phone_hash && out);
	rc = store_prepare(c, &sql_find, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_blob(st, 2, phone_hash, SECRET_HASH_LEN);
	return store_fetch(st, testnum_read, out);
}

enum og_err store_testnum_list(struct store_conn *c, const char *tenant_id, const char *after_id,
			       size_t limit, struct store_test_number *out, size_t *n)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	*n = 0;
	rc = store_prepare(c, &sql_list, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, after_id ? after_id : "");
	store_bind_int64(st, 3, (int64_t)limit);
	return store_collect(st, testnum_read, out, sizeof *out, limit, n);
}

enum og_err store_testnum_delete(struct store_conn *c, const char *tenant_id, const char *id)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && id);
	rc = store_prepare(c, &sql_delete, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	store_bind_text(st, 2, id);
	return store_run_changed(st);
}

enum og_err store_testnum_count(struct store_conn *c, const char *tenant_id, int64_t *out)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(tenant_id && out);
	*out = 0;
	rc = store_prepare(c, &sql_count, &st);
	if (rc != OG_OK)
		return rc;
	store_bind_text(st, 1, tenant_id);
	return store_ints(st, out, NULL);
}
