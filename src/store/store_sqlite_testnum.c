/*
 * Test numbers in the SQLite store. A tenant's test number is found by the
 * keyed hash of its phone; the phone itself and its fixed code are only in
 * the sealed blob, which the domain opens.
 */
#include "store/store_sqliteInt.h"

#include <assert.h>
#include <string.h>

#define TESTNUM_COLS "tenant_id, id, phone_hash, phone_masked, sealed, created_at_ms"

static const char sql_insert[] = "INSERT INTO test_numbers (" TESTNUM_COLS ")"
				 " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_find[] = "SELECT " TESTNUM_COLS " FROM test_numbers"
			       " WHERE tenant_id = ?1 AND phone_hash = ?2";
static const char sql_list[] = "SELECT " TESTNUM_COLS " FROM test_numbers"
			       " WHERE tenant_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3";
static const char sql_delete[] = "DELETE FROM test_numbers WHERE tenant_id = ?1 AND id = ?2";
static const char sql_count[] = "SELECT COUNT(*) FROM test_numbers WHERE tenant_id = ?1";

static void testnum_read(struct store_sqlite_row *r, void *record)
{
	struct store_test_number *t = record;

	memset(t, 0, sizeof *t);
	STORE_SQLITE_ROW_TEXT(r, t->tenant_id);
	STORE_SQLITE_ROW_TEXT(r, t->id);
	store_sqlite__row_blob_exact(r, t->phone_hash, sizeof t->phone_hash);
	STORE_SQLITE_ROW_TEXT(r, t->phone_masked);
	store_sqlite__row_blob(r, t->sealed, sizeof t->sealed, &t->sealed_len);
	t->created_at_ms = store_sqlite__row_int64(r);
}

enum og_err store_sqlite_testnum_insert(struct store_conn *base, const struct store_test_number *t)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(t && t->sealed_len > 0 && t->sealed_len <= sizeof t->sealed);
	rc = store_sqlite__prepare(c, SQ_TESTNUM_INSERT, sql_insert, &st);
	if (rc != OG_OK)
		goto out;
	STORE_SQLITE_BIND_FIELD(st, 1, t->tenant_id);
	STORE_SQLITE_BIND_FIELD(st, 2, t->id);
	store_sqlite__bind_blob(st, 3, t->phone_hash, sizeof t->phone_hash);
	STORE_SQLITE_BIND_FIELD(st, 4, t->phone_masked);
	store_sqlite__bind_blob(st, 5, t->sealed, t->sealed_len);
	store_sqlite__bind_int64(st, 6, t->created_at_ms);
	rc = store_sqlite__step_done(c, st);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_testnum_find(struct store_conn *base, const char *tenant_id,
				      const unsigned char phone_hash[SECRET_HASH_LEN],
				      struct store_test_number *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && phone_hash && out);
	rc = store_sqlite__prepare(c, SQ_TESTNUM_FIND, sql_find, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_blob(st, 2, phone_hash, SECRET_HASH_LEN);
	rc = store_sqlite__fetch(c, st, testnum_read, out);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_testnum_list(struct store_conn *base, const char *tenant_id,
				      const char *after_id, size_t limit,
				      struct store_test_number *out, size_t *n)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	*n = 0;
	rc = store_sqlite__prepare(c, SQ_TESTNUM_LIST, sql_list, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, after_id ? after_id : "");
	store_sqlite__bind_int64(st, 3, (int64_t)limit);
	rc = store_sqlite__collect(c, st, testnum_read, out, sizeof *out, limit, n);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_testnum_delete(struct store_conn *base, const char *tenant_id,
					const char *id)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && id);
	rc = store_sqlite__prepare(c, SQ_TESTNUM_DELETE, sql_delete, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	store_sqlite__bind_text(st, 2, id);
	rc = store_sqlite__step_done(c, st);
	if (rc == OG_OK)
		rc = store_sqlite__changed(c);
out:
	store_sqlite__reset(st);
	return rc;
}

enum og_err store_sqlite_testnum_count(struct store_conn *base, const char *tenant_id,
				       int64_t *out)
{
	struct store_sqlite_conn *c = store_sqlite__conn(base);
	sqlite3_stmt *st = NULL;
	enum og_err rc;

	assert(tenant_id && out);
	rc = store_sqlite__prepare(c, SQ_TESTNUM_COUNT, sql_count, &st);
	if (rc != OG_OK)
		goto out;
	store_sqlite__bind_text(st, 1, tenant_id);
	rc = store_sqlite__step_row(c, st);
	if (rc == OG_ERR_NOT_FOUND)
		rc = OG_ERR_STORE;
	if (rc == OG_OK)
		*out = sqlite3_column_int64(st, 0);
out:
	store_sqlite__reset(st);
	return rc;
}
