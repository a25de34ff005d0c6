/*
 * Test numbers in the PostgreSQL store. A tenant's test number is found by
 * the keyed hash of its phone; the phone itself and its fixed code are only
 * in the sealed blob, which the domain opens.
 */
#include "store/store_pgInt.h"

#include <assert.h>
#include <string.h>

#define TESTNUM_COLS "tenant_id, id, phone_hash, phone_masked, sealed, created_at_ms"

static const char sql_insert[] = "INSERT INTO test_numbers (" TESTNUM_COLS ")"
				 " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";
static const char sql_find[] = "SELECT " TESTNUM_COLS " FROM test_numbers"
			       " WHERE tenant_id = $1 AND phone_hash = $2";
static const char sql_list[] = "SELECT " TESTNUM_COLS " FROM test_numbers"
			       " WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3";
static const char sql_delete[] = "DELETE FROM test_numbers WHERE tenant_id = $1 AND id = $2";
static const char sql_count[] = "SELECT COUNT(*) FROM test_numbers WHERE tenant_id = $1";

static void testnum_read(struct store_pg_row *r, void *record)
{
	struct store_test_number *t = record;

	memset(t, 0, sizeof *t);
	STORE_PG_ROW_TEXT(r, t->tenant_id);
	STORE_PG_ROW_TEXT(r, t->id);
	store_pg__row_blob_exact(r, t->phone_hash, sizeof t->phone_hash);
	STORE_PG_ROW_TEXT(r, t->phone_masked);
	store_pg__row_blob(r, t->sealed, sizeof t->sealed, &t->sealed_len);
	t->created_at_ms = store_pg__row_int64(r);
}

enum og_err store_pg_testnum_insert(struct store_conn *base, const struct store_test_number *t)
{
	struct store_pg_params p;

	assert(t && t->sealed_len > 0 && t->sealed_len <= sizeof t->sealed);
	store_pg__params_init(&p);
	STORE_PG_PARAM_FIELD(&p, t->tenant_id);
	STORE_PG_PARAM_FIELD(&p, t->id);
	store_pg__param_blob(&p, t->phone_hash, sizeof t->phone_hash);
	STORE_PG_PARAM_FIELD(&p, t->phone_masked);
	store_pg__param_blob(&p, t->sealed, t->sealed_len);
	store_pg__param_int64(&p, t->created_at_ms);
	return store_pg__insert(store_pg__conn(base), PG_TESTNUM_INSERT, sql_insert, &p);
}

enum og_err store_pg_testnum_find(struct store_conn *base, const char *tenant_id,
				  const unsigned char phone_hash[SECRET_HASH_LEN],
				  struct store_test_number *out)
{
	struct store_pg_params p;

	assert(tenant_id && phone_hash && out);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_blob(&p, phone_hash, SECRET_HASH_LEN);
	return store_pg__fetch(store_pg__conn(base), PG_TESTNUM_FIND, sql_find, &p, testnum_read,
			       out);
}

enum og_err store_pg_testnum_list(struct store_conn *base, const char *tenant_id,
				  const char *after_id, size_t limit,
				  struct store_test_number *out, size_t *n)
{
	struct store_pg_params p;

	assert(tenant_id && limit >= 1 && limit <= STORE_PAGE_MAX && out && n);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, after_id ? after_id : "");
	store_pg__param_int64(&p, (int64_t)limit);
	return store_pg__collect(store_pg__conn(base), PG_TESTNUM_LIST, sql_list, &p,
				 testnum_read, out, sizeof *out, limit, n);
}

enum og_err store_pg_testnum_delete(struct store_conn *base, const char *tenant_id,
				    const char *id)
{
	struct store_pg_params p;

	assert(tenant_id && id);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	store_pg__param_text(&p, id);
	return store_pg__run_changed(store_pg__conn(base), PG_TESTNUM_DELETE, sql_delete, &p);
}

enum og_err store_pg_testnum_count(struct store_conn *base, const char *tenant_id,
				   int64_t *out)
{
	struct store_pg_params p;

	assert(tenant_id && out);
	store_pg__params_init(&p);
	store_pg__param_text(&p, tenant_id);
	return store_pg__ints(store_pg__conn(base), PG_TESTNUM_COUNT, sql_count, &p, out, NULL);
}
