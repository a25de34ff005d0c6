/*
 * Unit tests for the PostgreSQL store driver. The first checks, with no
 * server, that store_pg_ops sets every member the SQLite driver sets (and
 * none is NULL), so an operation added to the interface cannot be missing
 * from one driver. The others run against a fresh database on the server
 * at OTPGATE_TEST_PG_URL (scripts/test.sh starts one) and pin the edge
 * cases the domain relies on, as the SQLite driver behaves: a refused
 * insert is OG_ERR_CONFLICT and leaves the transaction usable, a change to
 * no row is OG_ERR_NOT_FOUND, text orders bytewise, NULL and empty blobs
 * round-trip, two connections never claim one message, an expired lease is
 * retaken, migrations apply once, and a lost connection is reported as
 * OG_ERR_UNAVAILABLE and reopened on the next use. Without a server those
 * tests are skipped, unless OG_TEST_PG_REQUIRED=1 makes that a failure.
 */
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern const struct store_ops store_pg_ops;
extern const struct store_ops store_sqlite_ops;

#define T0 1780300000000LL
#define URL_MAX 1024
#define DB_NAME_MAX 64
#define CLAIM_MESSAGES 20

struct pg_fixture {
	char url[URL_MAX];       /* the test database */
	char admin_url[URL_MAX]; /* the server's maintenance database */
	char name[DB_NAME_MAX];
	struct store *s;
	struct store_conn *c;
	const struct store_ops *ops;
};

#define SET(field, text)                                                   \
	do {                                                               \
		assert_true(strlen(text) < sizeof(field));                \
		memset((field), 0, sizeof(field));                         \
		memcpy((field), (text), strlen(text) + 1);                 \
	} while (0)

/* ---- The ops table ---------------------------------------------------- */

/* struct store_ops is a name and function pointers only; read as slots of
 * pointer size, every slot of the PostgreSQL table must be set, as every
 * slot the SQLite table sets. */
static void test_ops_table_complete(void **state)
{
	typedef void (*slot_fn)(void);
	size_t slots = sizeof(struct store_ops) / sizeof(slot_fn);

	(void)state;
	assert_int_equal(sizeof(struct store_ops) % sizeof(slot_fn), 0);
	assert_int_equal(offsetof(struct store_ops, name), 0);
	for (size_t i = 1; i < slots; i++) {
		slot_fn pg, sq;

		memcpy(&pg, (const char *)&store_pg_ops + i * sizeof(slot_fn), sizeof pg);
		memcpy(&sq, (const char *)&store_sqlite_ops + i * sizeof(slot_fn), sizeof sq);
		if (!pg)
			fprintf(stderr, "store_pg_ops: member %zu of struct store_ops is NULL\n", i);
		assert_non_null(pg);
		assert_true(sq == NULL || pg != NULL);
	}
	assert_string_equal(store_pg_ops.name, "postgres");
	assert_true(store_pg_ops.accepts("postgres://u@h/db"));
	assert_true(store_pg_ops.accepts("postgresql://h:5432/db?sslmode=disable"));
	assert_false(store_pg_ops.accepts("sqlite:/tmp/x.db"));
	assert_false(store_pg_ops.accepts("/var/otpgate.db"));
	assert_false(store_sqlite_ops.accepts("postgres://u@h/db"));
}

/* ---- Fixture ---------------------------------------------------------- */

/* Replaces the database name (the last path segment) of url. */
static void url_with_db(const char *url, const char *db, char out[URL_MAX])
{
	const char *q = strchr(url, '?');
	size_t base = q ? (size_t)(q - url) : strlen(url);
	const char *slash = url + base;

	while (slash > url && *(slash - 1) != '/')
		slash--;
	assert_true(slash > url);
	assert_true(snprintf(out, URL_MAX, "%.*s%s%s", (int)(slash - url), url, db, q ? q : "") <
		    URL_MAX);
}

/* Runs one statement on url; false if it failed. */
static bool pg_run(const char *url, const char *sql)
{
	PGconn *db = PQconnectdb(url);
	PGresult *res = NULL;
	bool ok = PQstatus(db) == CONNECTION_OK;

	if (ok) {
		res = PQexec(db, sql);
		ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
		     PQresultStatus(res) == PGRES_TUPLES_OK;
		if (!ok)
			fprintf(stderr, "%s: %s", sql, PQerrorMessage(db));
	}
	PQclear(res);
	PQfinish(db);
	return ok;
}

static int setup(void **state)
{
	const char *base = getenv("OTPGATE_TEST_PG_URL");
	struct pg_fixture *f;
	int applied = -1;

	if (!base || !base[0]) {
		*state = NULL;
		return 0;
	}
	f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->name, sizeof f->name, "og_unit_%d_%ld", (int)getpid(),
		 (long)time(NULL) % 100000);
	url_with_db(base, f->name, f->url);
	url_with_db(base, "postgres", f->admin_url);
	/* store_open creates the database, as it does on a fresh server. */
	assert_int_equal(store_open(f->url, &f->s), OG_OK);
	assert_ptr_equal(f->s->ops, &store_pg_ops);
	f->ops = f->s->ops;
	assert_int_equal(f->ops->conn_open(f->s, &f->c), OG_OK);
	assert_int_equal(f->ops->migrate(f->c, &applied), OG_OK);
	assert_true(applied >= 5);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct pg_fixture *f = *state;
	char sql[128];

	if (!f)
		return 0;
	f->ops->conn_close(f->c);
	store_close(f->s);
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", f->name);
	pg_run(f->admin_url, sql);
	free(f);
	return 0;
}

/* Skips a test that needs a server when there is none (fails if required). */
#define NEED_SERVER(f)                                                                  \
	do {                                                                            \
		if (!(f)) {                                                             \
			if (getenv("OG_TEST_PG_REQUIRED"))                              \
				fail_msg("OTPGATE_TEST_PG_URL is not set");             \
			skip();                                                         \
		}                                                                       \
	} while (0)

static struct store_tenant make_tenant(const char *id)
{
	struct store_tenant t;

	memset(&t, 0, sizeof t);
	SET(t.id, id);
	SET(t.name, "Alpha Retail");
	SET(t.sender_header, "ALPHAR");
	SET(t.pe_id, "1101234567890123456");
	t.price_paise = 25;
	t.billing_mode = STORE_BILLING_POSTPAID;
	t.credit_limit_paise = 5000;
	t.otp_length = 6;
	t.otp_ttl_sec = 300;
	t.otp_max_attempts = 5;
	SET(t.upstream_provider, "startmessaging");
	SET(t.upstream_url, "https://gw.example/v1");
	t.upstream_key_sealed_len = 50;
	memset(t.upstream_key_sealed, 0xab, t.upstream_key_sealed_len);
	t.upstream_key_sealed[3] = 0; /* a zero byte inside a bytea */
	t.route = STORE_ROUTE_SHARED;
	t.price_own_paise = 30;
	t.created_at_ms = T0;
	t.updated_at_ms = T0 + 1;
	return t;
}

static struct store_message make_message(const char *tenant, const char *id, int64_t due_ms)
{
	struct store_message m;

	memset(&m, 0, sizeof m);
	SET(m.tenant_id, tenant);
	SET(m.id, id);
	SET(m.request_id, "req_1");
	SET(m.phone_masked, "+91******3210");
	SET(m.sender_header, "ALPHAR");
	SET(m.pe_id, "1101234567890123456");
	SET(m.dlt_template_id, "1107160000000012345");
	m.status = STORE_MSG_QUEUED;
	SET(m.provider, "startmessaging");
	m.cost_paise = 25;
	m.payload_sealed_len = 64;
	memset(m.payload_sealed, 0x5a, m.payload_sealed_len);
	m.next_attempt_at_ms = due_ms;
	m.created_at_ms = T0;
	m.updated_at_ms = T0;
	return m;
}

/* ---- Records ---------------------------------------------------------- */

static void test_tenant_round_trip_and_order(void **state)
{
	struct pg_fixture *f = *state;
	struct store_tenant t, got, list[4];
	size_t n = 0;

	NEED_SERVER(f);
	t = make_tenant("b_tenant");
	assert_int_equal(f->ops->tenant_insert(f->c, &t), OG_OK);
	assert_int_equal(f->ops->tenant_insert(f->c, &t), OG_ERR_CONFLICT);
	assert_int_equal(f->ops->tenant_get(f->c, "b_tenant", &got), OG_OK);
	assert_memory_equal(&got, &t, sizeof t);
	/* No key of its own: NULL, read back as length 0. */
	t = make_tenant("B_tenant");
	t.upstream_key_sealed_len = 0;
	memset(t.upstream_key_sealed, 0, sizeof t.upstream_key_sealed);
	assert_int_equal(f->ops->tenant_insert(f->c, &t), OG_OK);
	assert_int_equal(f->ops->tenant_get(f->c, "B_tenant", &got), OG_OK);
	assert_memory_equal(&got, &t, sizeof t);
	t = make_tenant("_tenant");
	assert_int_equal(f->ops->tenant_insert(f->c, &t), OG_OK);
	/* Bytewise, as SQLite orders: "B" < "_" < "b", whatever the locale. */
	assert_int_equal(f->ops->tenant_list(f->c, NULL, 4, list, &n), OG_OK);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].id, "B_tenant");
	assert_string_equal(list[1].id, "_tenant");
	assert_string_equal(list[2].id, "b_tenant");
	assert_int_equal(f->ops->tenant_list(f->c, "_tenant", 4, list, &n), OG_OK);
	assert_int_equal(n, 1);
	/* An update of no row is NOT_FOUND. */
	t = make_tenant("nobody");
	assert_int_equal(f->ops->tenant_update(f->c, &t), OG_ERR_NOT_FOUND);
	assert_int_equal(f->ops->tenant_get(f->c, "nobody", &got), OG_ERR_NOT_FOUND);
}

static void test_conflict_keeps_transaction(void **state)
{
	struct pg_fixture *f = *state;
	struct store_tenant t = make_tenant("t_tx");
	struct store_ledger_entry e;
	struct store_wallet w;
	struct store_ledger_sums sums;

	NEED_SERVER(f);
	assert_int_equal(f->ops->tenant_insert(f->c, &t), OG_OK);
	memset(&e, 0, sizeof e);
	SET(e.tenant_id, "t_tx");
	SET(e.id, "led_1");
	e.kind = STORE_LEDGER_CREDIT;
	e.amount_paise = 500;
	SET(e.reference, "topup-1");
	e.created_at_ms = T0;
	assert_int_equal(f->ops->begin(f->c), OG_OK);
	assert_int_equal(f->ops->ledger_insert(f->c, &e), OG_OK);
	/* The same reference again: refused, and the transaction goes on. */
	SET(e.id, "led_2");
	assert_int_equal(f->ops->ledger_insert(f->c, &e), OG_ERR_CONFLICT);
	assert_int_equal(f->ops->wallet_get(f->c, "t_tx", &w), OG_OK);
	assert_int_equal(w.balance_paise, 0); /* no wallet row yet: zeros */
	w.balance_paise = 500;
	w.updated_at_ms = T0;
	assert_int_equal(f->ops->wallet_put(f->c, &w), OG_OK);
	assert_int_equal(f->ops->commit(f->c), OG_OK);
	assert_int_equal(f->ops->ledger_sums(f->c, "t_tx", &sums), OG_OK);
	assert_int_equal(sums.balance_paise, 500);
	assert_int_equal(f->ops->wallet_get(f->c, "t_tx", &w), OG_OK);
	assert_int_equal(w.balance_paise, 500);
	assert_int_equal(f->ops->ledger_find_credit(f->c, "t_tx", "topup-1", &e), OG_OK);
	assert_string_equal(e.id, "led_1");
	assert_string_equal(e.message_id, ""); /* NULL reads as "" */
	/* Rollback outside a transaction is harmless. */
	f->ops->rollback(f->c);
	assert_int_equal(f->ops->ping(f->c), OG_OK);
}

static void test_platform_key_null_tenant(void **state)
{
	struct pg_fixture *f = *state;
	struct store_api_key k, got, list[2];
	size_t n = 0;

	NEED_SERVER(f);
	memset(&k, 0, sizeof k);
	SET(k.id, "key_1");
	k.kind = STORE_KEY_ADMIN;
	SET(k.name, "ops");
	SET(k.prefix, "oga_");
	memset(k.hash, 0x11, sizeof k.hash);
	k.created_at_ms = T0;
	assert_int_equal(f->ops->key_insert(f->c, &k), OG_OK);
	assert_int_equal(f->ops->key_find_by_hash(f->c, k.hash, &got), OG_OK);
	assert_memory_equal(&got, &k, sizeof k);
	assert_int_equal(f->ops->key_list(f->c, "", NULL, 2, list, &n), OG_OK);
	assert_int_equal(n, 1);
	assert_int_equal(f->ops->key_revoke(f->c, "t_other", "key_1", T0 + 5), OG_ERR_NOT_FOUND);
	assert_int_equal(f->ops->key_revoke(f->c, "", "key_1", T0 + 5), OG_OK);
	assert_int_equal(f->ops->key_revoke(f->c, "", "key_1", T0 + 9), OG_OK);
	assert_int_equal(f->ops->key_get(f->c, "", "key_1", &got), OG_OK);
	assert_int_equal(got.revoked_at_ms, T0 + 5); /* the first revocation stays */
}

/* ---- The outbox ------------------------------------------------------- */

static void test_claims_exclusive_and_lease_retaken(void **state)
{
	struct pg_fixture *f = *state;
	struct store_tenant t = make_tenant("t_out");
	struct store_message m, got[CLAIM_MESSAGES], got2[CLAIM_MESSAGES];
	struct store_conn *c2 = NULL;
	char id[32];
	size_t n1 = 0, n2 = 0, n3 = 0;

	NEED_SERVER(f);
	assert_int_equal(f->ops->tenant_insert(f->c, &t), OG_OK);
	for (int i = 0; i < CLAIM_MESSAGES; i++) {
		snprintf(id, sizeof id, "msg_%03d", i);
		m = make_message("t_out", id, T0 + i);
		assert_int_equal(f->ops->message_insert(f->c, &m), OG_OK);
	}
	assert_int_equal(f->ops->message_insert(f->c, &m), OG_ERR_CONFLICT);
	assert_int_equal(f->ops->conn_open(f->s, &c2), OG_OK);
	/* Two connections claim; together they get each message once. */
	assert_int_equal(f->ops->outbox_claim(f->c, T0 + 100, T0 + 30100, 12, got, &n1), OG_OK);
	assert_int_equal(f->ops->outbox_claim(c2, T0 + 100, T0 + 30100, 12, got2, &n2), OG_OK);
	assert_int_equal(n1, 12);
	assert_int_equal(n2, CLAIM_MESSAGES - 12);
	for (size_t i = 0; i < n1; i++) {
		assert_int_equal(got[i].status, STORE_MSG_SENDING);
		assert_int_equal(got[i].attempts, 1);
		assert_int_equal(got[i].lease_until_ms, T0 + 30100);
		assert_int_equal(got[i].payload_sealed_len, 64);
		if (i > 0) /* in the order they fell due */
			assert_true(got[i - 1].next_attempt_at_ms <= got[i].next_attempt_at_ms);
		for (size_t j = 0; j < n2; j++)
			assert_string_not_equal(got[i].id, got2[j].id);
	}
	/* Nothing is due before the leases end; all of them after. */
	assert_int_equal(f->ops->outbox_claim(f->c, T0 + 30099, T0 + 60000, 50, got, &n3), OG_OK);
	assert_int_equal(n3, 0);
	assert_int_equal(f->ops->outbox_claim(c2, T0 + 30100, T0 + 60100, 50, got, &n3), OG_OK);
	assert_int_equal(n3, CLAIM_MESSAGES);
	assert_int_equal(got[0].attempts, 2);
	f->ops->conn_close(c2);
	/* Updating a message that is not there is NOT_FOUND. */
	m = make_message("t_out", "msg_none", T0);
	assert_int_equal(f->ops->message_update(f->c, &m), OG_ERR_NOT_FOUND);
}

/* ---- Sessions --------------------------------------------------------- */

static void test_migrate_again_and_reconnect(void **state)
{
	struct pg_fixture *f = *state;
	struct store_tenant got;
	char sql[256];
	int applied = -1;
	enum og_err rc;

	NEED_SERVER(f);
	assert_int_equal(f->ops->migrate(f->c, &applied), OG_OK);
	assert_int_equal(applied, 0);
	/* The server ends this session: the next use reports it, the one after
	 * reconnects. */
	snprintf(sql, sizeof sql,
		 "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '%s'"
		 " AND application_name = 'otpgate'",
		 f->name);
	assert_true(pg_run(f->admin_url, sql));
	rc = f->ops->tenant_get(f->c, "b_tenant", &got);
	assert_int_equal(rc, OG_ERR_UNAVAILABLE);
	assert_int_equal(f->ops->ping(f->c), OG_OK);
	assert_int_equal(f->ops->begin(f->c), OG_OK);
	assert_int_equal(f->ops->commit(f->c), OG_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ops_table_complete),
		cmocka_unit_test_setup_teardown(test_tenant_round_trip_and_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflict_keeps_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_key_null_tenant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claims_exclusive_and_lease_retaken, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_migrate_again_and_reconnect, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
