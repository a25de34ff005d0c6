/*
 * The fixture the SQLite store's unit tests share: a fresh database file in
 * a temporary directory, migrated, with tenants t_alpha and t_beta, and
 * builders for the records the tests write. Everything is static inline so
 * each test file takes only what it uses.
 */
#ifndef OG_STORE_SQLITE_FIXTURE_H
#define OG_STORE_SQLITE_FIXTURE_H

#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/migration.h"

extern const struct migration store_sqlite_migrations[];

/* How many migration files the binary carries: a fresh database applies all. */
static inline int migration_count(void)
{
	int n = 0;
	while (store_sqlite_migrations[n].version != 0)
		n++;
	return n;
}

#define T0 1780300000000LL /* 2026-06-01 07:36:40 UTC */

struct fixture {
	char dir[64];
	char path[128];
	struct store *s;
	struct store_conn *c;
	const struct store_ops *ops;
};

/* Copies a string into a zeroed fixed field, failing the test if it does not
 * fit; the zeroing lets whole records be compared byte for byte. */
#define SET(field, text)                                                   \
	do {                                                               \
		assert_true(strlen(text) < sizeof(field));                \
		memset((field), 0, sizeof(field));                         \
		memcpy((field), (text), strlen(text) + 1);                 \
	} while (0)

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

static inline struct store_ledger_entry make_entry(const char *tenant, const char *id,
						   int kind, int64_t amount,
						   const char *message_id,
						   const char *reference,
						   const char *billed_local)
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

static inline struct store_message make_message(const char *tenant, const char *id, const char *request,
					 int64_t created_at_ms)
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

static inline void remove_db_files(struct fixture *f)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	char name[160];

	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		snprintf(name, sizeof name, "%s%s", f->path, suffixes[i]);
		unlink(name);
	}
	rmdir(f->dir);
}

static inline int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	struct store_tenant t;
	int applied = -1;

	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/og_store_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "sqlite:%s/otpgate.db", f->dir);
	assert_int_equal(store_open(f->path, &f->s), OG_OK);
	/* Keep the bare path for the raw handle and for cleanup. */
	snprintf(f->path, sizeof f->path, "%s/otpgate.db", f->dir);
	f->ops = f->s->ops;
	assert_int_equal(f->ops->conn_open(f->s, &f->c), OG_OK);
	assert_int_equal(f->ops->migrate(f->c, &applied), OG_OK);
	assert_int_equal(applied, migration_count());
	t = make_tenant("t_alpha");
	assert_int_equal(f->ops->tenant_insert(f->c, &t), OG_OK);
	t = make_tenant("t_beta");
	assert_int_equal(f->ops->tenant_insert(f->c, &t), OG_OK);
	*state = f;
	return 0;
}

static inline int teardown(void **state)
{
	struct fixture *f = *state;

	f->ops->conn_close(f->c);
	store_close(f->s);
	remove_db_files(f);
	free(f);
	return 0;
}

#endif
