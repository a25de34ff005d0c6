/*
 * The fixture the store's unit tests share, on either database: the one
 * OG_TEST_BACKEND names ("sqlite", the default, or "postgres", on a fresh
 * database of the server at OTPGATE_TEST_PG_URL, as CTest runs each test
 * once per backend). Each test gets a new database, migrated, with tenants
 * t_alpha and t_beta, and the builders for the records the tests write.
 * A PostgreSQL run without a server exits 77 (skipped) unless
 * OG_TEST_PG_REQUIRED=1 makes that a failure. Everything is static inline
 * so each test file takes only what it uses.
 */
#ifndef OG_STORE_FIXTURE_H
#define OG_STORE_FIXTURE_H

#include "store/store.h"
#include "store/store_int.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define T0 1780300000000LL /* 2026-06-01 07:36:40 UTC */
#define FIXTURE_URL_MAX 1024
#define FIXTURE_NAME_MAX 64
#define FIXTURE_SKIP 77 /* CTest's SKIP_RETURN_CODE */

struct fixture {
	bool pg;                          /* PostgreSQL, else SQLite */
	char dir[FIXTURE_NAME_MAX];       /* SQLite: the temporary directory */
	char name[FIXTURE_NAME_MAX];      /* PostgreSQL: the database's name */
	char url[FIXTURE_URL_MAX];        /* what store_open is given */
	char admin_url[FIXTURE_URL_MAX];  /* PostgreSQL: the maintenance database */
	struct store *s;
	struct store_conn *c;
};

/* Copies a string into a zeroed fixed field, failing the test if it does not
 * fit; the zeroing lets whole records be compared byte for byte. */
#define SET(field, text)                                                   \
	do {                                                               \
		assert_true(strlen(text) < sizeof(field));                \
		memset((field), 0, sizeof(field));                         \
		memcpy((field), (text), strlen(text) + 1);                 \
	} while (0)

/** True when this run is on PostgreSQL. */
static inline bool fixture_is_pg(void)
{
	const char *b = getenv("OG_TEST_BACKEND");

	return b && strcmp(b, "postgres") == 0;
}

/** Exits 77 (skipped) on a PostgreSQL run without a server, unless one is required. */
static inline void fixture_require_backend(void)
{
	const char *url = getenv("OTPGATE_TEST_PG_URL");

	if (!fixture_is_pg() || (url && url[0]))
		return;
	if (getenv("OG_TEST_PG_REQUIRED")) {
		fprintf(stderr, "OTPGATE_TEST_PG_URL is not set\n");
		exit(1);
	}
	exit(FIXTURE_SKIP);
}

/* Replaces the database name (the last path segment) of url. */
static inline void fixture_url_with_db(const char *url, const char *db,
				       char out[FIXTURE_URL_MAX])
{
	const char *q = strchr(url, '?');
	size_t base = q ? (size_t)(q - url) : strlen(url);
	const char *slash = url + base;

	while (slash > url && *(slash - 1) != '/')
		slash--;
	assert_true(slash > url);
	assert_true(snprintf(out, FIXTURE_URL_MAX, "%.*s%s%s", (int)(slash - url), url, db,
			     q ? q : "") < FIXTURE_URL_MAX);
}

/** Runs one statement on a PostgreSQL url outside the store; false if it failed. */
static inline bool fixture_pg_run(const char *url, const char *sql)
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

/** Opens a new, empty database on the run's backend (not migrated). */
static inline void fixture_create(struct fixture *f)
{
	static atomic_int seq;

	memset(f, 0, sizeof *f);
	f->pg = fixture_is_pg();
	if (f->pg) {
		snprintf(f->name, sizeof f->name, "og_unit_%d_%ld_%d", (int)getpid(),
			 (long)time(NULL) % 100000, atomic_fetch_add(&seq, 1));
		fixture_url_with_db(getenv("OTPGATE_TEST_PG_URL"), f->name, f->url);
		fixture_url_with_db(getenv("OTPGATE_TEST_PG_URL"), "postgres", f->admin_url);
	} else {
		snprintf(f->dir, sizeof f->dir, "/tmp/og_store_XXXXXX");
		assert_non_null(mkdtemp(f->dir));
		snprintf(f->url, sizeof f->url, "%s/otpgate.db", f->dir);
	}
	/* store_open creates the database, as it does on a fresh server. */
	assert_int_equal(store_open(f->url, &f->s), OG_OK);
	assert_string_equal(store_driver_name(f->s), f->pg ? "postgres" : "sqlite");
}

/** Closes and removes what fixture_create made. */
static inline void fixture_destroy(struct fixture *f)
{
	char cmd[FIXTURE_URL_MAX];

	store_close(f->s);
	if (f->pg) {
		snprintf(cmd, sizeof cmd, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", f->name);
		fixture_pg_run(f->admin_url, cmd);
	} else {
		snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
		assert_int_equal(system(cmd), 0);
	}
}

/** How many migration files the run's driver carries: a fresh database applies all. */
static inline int migration_count(const struct fixture *f)
{
	const struct migration *m = f->s->drv->migrations;
	int n = 0;

	while (m[n].version != 0)
		n++;
	return n;
}

static inline struct store_tenant make_tenant(const char *id)
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
	t.monthly_cap_sms = 1000;
	t.otp_length = 6;
	t.otp_ttl_sec = 300;
	t.otp_max_attempts = 5;
	SET(t.upstream_provider, "startmessaging");
	SET(t.upstream_url, "https://gw.example/v1");
	t.upstream_key_sealed_len = 50;
	memset(t.upstream_key_sealed, 0xab, t.upstream_key_sealed_len);
	t.created_at_ms = T0;
	t.updated_at_ms = T0 + 1;
	return t;
}

static inline struct store_ledger_entry make_entry(const char *tenant, const char *id, int kind,
						   int64_t amount, const char *message_id,
						   const char *reference, const char *billed_local)
{
	struct store_ledger_entry e;

	memset(&e, 0, sizeof e);
	SET(e.tenant_id, tenant);
	SET(e.id, id);
	e.kind = kind;
	e.amount_paise = amount;
	SET(e.message_id, message_id);
	SET(e.reference, reference);
	SET(e.billed_local, billed_local);
	e.created_at_ms = T0;
	return e;
}

static inline struct store_message make_message(const char *tenant, const char *id,
						const char *request, int64_t created_at_ms)
{
	struct store_message m;

	memset(&m, 0, sizeof m);
	SET(m.tenant_id, tenant);
	SET(m.id, id);
	SET(m.request_id, request);
	SET(m.phone_masked, "+91******3210");
	SET(m.sender_header, "ALPHAR");
	SET(m.pe_id, "1101234567890123456");
	SET(m.dlt_template_id, "1107160000000012345");
	m.status = STORE_MSG_QUEUED;
	m.cost_paise = 25;
	m.payload_sealed_len = 100;
	memset(m.payload_sealed, 0x5a, m.payload_sealed_len);
	m.next_attempt_at_ms = created_at_ms;
	m.created_at_ms = created_at_ms;
	m.updated_at_ms = created_at_ms;
	return m;
}

/** cmocka setup: a fresh, migrated database with tenants t_alpha and t_beta. */
static inline int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	struct store_tenant t;
	int applied = -1;

	assert_non_null(f);
	fixture_create(f);
	assert_int_equal(store_conn_open(f->s, &f->c), OG_OK);
	assert_int_equal(store_migrate(f->c, &applied), OG_OK);
	assert_int_equal(applied, migration_count(f));
	t = make_tenant("t_alpha");
	assert_int_equal(store_tenant_insert(f->c, &t), OG_OK);
	t = make_tenant("t_beta");
	assert_int_equal(store_tenant_insert(f->c, &t), OG_OK);
	*state = f;
	return 0;
}

/** cmocka teardown for setup. */
static inline int teardown(void **state)
{
	struct fixture *f = *state;

	store_conn_close(f->c);
	fixture_destroy(f);
	free(f);
	return 0;
}

/** Runs sql (one statement, ?1 bound to text1 if not NULL) on c for its effect. */
static inline enum og_err fixture_exec(struct store_conn *c, struct store_sql *sql,
				       const char *text1)
{
	struct store_stmt *st;
	enum og_err rc = store_prepare(c, sql, &st);

	if (rc != OG_OK)
		return rc;
	if (text1)
		store_bind_text(st, 1, text1);
	return store_run(st, NULL);
}

#endif
