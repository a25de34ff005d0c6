/*
 * The configuration generation (migration 0007): one counter that every
 * write to a configuration table bumps by trigger, in its own transaction.
 * Reading it is how a process learns that what it keeps in memory of the
 * configuration may be stale (src/domain/cache.c).
 */
#include "store/store_int.h"

static struct store_sql sql_get = {.text = "SELECT gen FROM config_generation WHERE id = 1"};

enum og_err store_generation_get(struct store_conn *c, int64_t *gen)
{
	struct store_stmt *st;
	enum og_err rc;

	assert(gen);
	*gen = 0;
	rc = store_prepare(c, &sql_get, &st);
	if (rc != OG_OK)
		return rc;
	rc = store_fetch_int(st, gen);
	return rc == OG_ERR_NOT_FOUND ? OG_ERR_STORE : rc;
}
