/*
 * Unit tests for OTP requests, messages and the outbox, on each database: round trips, the newest pending request by phone, message-log
 * pagination and filters, outbox claims under next_attempt_at and lease
 * expiry, and several connections migrating and claiming at once.
 */
#include "store_fixture.h"

#include <pthread.h>

#define RACE_THREADS 4
#define RACE_MESSAGES 40
#define RACE_CLAIM_MAX 3

static void test_otp_round_trip(void **state)
{
	struct fixture *f = *state;
	struct store_otp o, got;

	memset(&o, 0, sizeof o);
	SET(o.tenant_id, "t_alpha");
	SET(o.id, "req_0001");
	memset(o.phone_hash, 9, sizeof o.phone_hash);
	SET(o.phone_masked, "+91******3210");
	SET(o.template_name, "login");
	memset(o.code_hash, 4, sizeof o.code_hash);
	o.status = STORE_OTP_PENDING;
	o.max_attempts = 5;
	o.context_sealed_len = 90;
	memset(o.context_sealed, 0x3c, o.context_sealed_len);
	o.expires_at_ms = T0 + 300000;
	o.last_sent_at_ms = T0;
	o.created_at_ms = T0;
	o.updated_at_ms = T0;
	assert_int_equal(store_otp_insert(f->c, &o), OG_OK);
	assert_int_equal(store_otp_insert(f->c, &o), OG_ERR_CONFLICT);
	SET(o.id, "req_0002");
	assert_int_equal(store_otp_insert(f->c, &o), OG_OK);
	SET(o.id, "req_0003");
	o.status = STORE_OTP_APPROVED;
	assert_int_equal(store_otp_insert(f->c, &o), OG_OK);

	assert_int_equal(store_otp_get(f->c, "t_alpha", "req_0003", &got), OG_OK);
	assert_memory_equal(&got, &o, sizeof o);
	assert_int_equal(store_otp_get(f->c, "t_beta", "req_0003", &got), OG_ERR_NOT_FOUND);

	/* The newest pending one, not the newer approved one. */
	assert_int_equal(store_otp_find_pending(f->c, "t_alpha", o.phone_hash, &got), OG_OK);
	assert_string_equal(got.id, "req_0002");
	assert_int_equal(store_otp_find_pending(f->c, "t_beta", o.phone_hash, &got),
			 OG_ERR_NOT_FOUND);

	got.status = STORE_OTP_MAX_ATTEMPTS;
	got.attempts = 6;
	got.resend_count = 2;
	memset(got.code_hash, 7, sizeof got.code_hash);
	got.context_sealed_len = 0; /* emptied once final */
	memset(got.context_sealed, 0, sizeof got.context_sealed);
	got.expires_at_ms += 1;
	got.last_sent_at_ms += 2;
	got.updated_at_ms += 3;
	assert_int_equal(store_otp_update(f->c, &got), OG_OK);
	assert_int_equal(store_otp_get(f->c, "t_alpha", "req_0002", &o), OG_OK);
	assert_memory_equal(&o, &got, sizeof o);
	assert_int_equal(store_otp_find_pending(f->c, "t_alpha", o.phone_hash, &got), OG_OK);
	assert_string_equal(got.id, "req_0001");
	SET(got.id, "req_none");
	assert_int_equal(store_otp_update(f->c, &got), OG_ERR_NOT_FOUND);
}

/* Inserts alpha's msg_g1..msg_g5 a minute apart (only msg_g3 sent), and beta's msg_g6. */
static void insert_list_messages(struct fixture *f)
{
	char id[16];
	struct store_message m;

	for (int i = 1; i <= 5; i++) {
		snprintf(id, sizeof id, "msg_g%d", i);
		m = make_message("t_alpha", id, "req_list", T0 + i * 60000);
		m.status = i == 3 ? STORE_MSG_SENT : STORE_MSG_FAILED;
		assert_int_equal(store_message_insert(f->c, &m), OG_OK);
	}
	m = make_message("t_beta", "msg_g6", "req_other", T0 + 6 * 60000);
	m.status = STORE_MSG_SENT;
	assert_int_equal(store_message_insert(f->c, &m), OG_OK);
}

static void test_message_round_trip_and_list(void **state)
{
	struct fixture *f = *state;
	struct store_message m = make_message("t_alpha", "msg_r1", "req_r", T0), got;
	struct store_message page[STORE_PAGE_MAX];
	struct store_message_filter filt = {.tenant_id = "t_alpha", .status = -1, .limit = 2};
	size_t n = 0;

	assert_int_equal(store_message_insert(f->c, &m), OG_OK);
	assert_int_equal(store_message_insert(f->c, &m), OG_ERR_CONFLICT);
	assert_int_equal(store_message_get(f->c, "t_alpha", "msg_r1", &got), OG_OK);
	assert_memory_equal(&got, &m, sizeof m);
	assert_int_equal(store_message_get(f->c, "t_beta", "msg_r1", &got), OG_ERR_NOT_FOUND);
	assert_int_equal(store_message_get_any(f->c, "msg_r1", &got), OG_OK);
	assert_string_equal(got.tenant_id, "t_alpha");

	m.status = STORE_MSG_SENT;
	SET(m.provider, "log");
	SET(m.provider_message_id, "pm-123");
	SET(m.error, "");
	m.payload_sealed_len = 0;
	memset(m.payload_sealed, 0, sizeof m.payload_sealed);
	m.attempts = 1;
	m.sent_at_ms = T0 + 10;
	m.updated_at_ms = T0 + 10;
	assert_int_equal(store_message_update(f->c, &m), OG_OK);
	assert_int_equal(store_message_get(f->c, "t_alpha", "msg_r1", &got), OG_OK);
	assert_memory_equal(&got, &m, sizeof m);

	insert_list_messages(f);
	assert_int_equal(store_message_list_by_request(f->c, "t_alpha", "req_list", page, 5, &n),
			 OG_OK);
	assert_int_equal(n, 5);
	assert_string_equal(page[0].id, "msg_g1");
	assert_string_equal(page[4].id, "msg_g5");
	assert_int_equal(store_message_list_by_request(f->c, "t_alpha", "req_list", page, 4, &n),
			 OG_ERR_STORE);

	/* Newest first, pages of two, each after the last id of the one before. */
	filt.from_ms = T0 + 1; /* leaves msg_r1 out */
	assert_int_equal(store_message_list(f->c, &filt, page, &n), OG_OK);
	assert_int_equal(n, 2);
	assert_string_equal(page[0].id, "msg_g5");
	assert_string_equal(page[1].id, "msg_g4");
	filt.after_id = "msg_g4";
	assert_int_equal(store_message_list(f->c, &filt, page, &n), OG_OK);
	assert_int_equal(n, 2);
	assert_string_equal(page[0].id, "msg_g3");
	assert_string_equal(page[1].id, "msg_g2");
	filt.after_id = "msg_g2";
	assert_int_equal(store_message_list(f->c, &filt, page, &n), OG_OK);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].id, "msg_g1");

	/* Filters: status, a time window, and every tenant. */
	filt.after_id = NULL;
	filt.limit = STORE_PAGE_MAX;
	filt.status = STORE_MSG_SENT;
	assert_int_equal(store_message_list(f->c, &filt, page, &n), OG_OK);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].id, "msg_g3");
	filt.status = -1;
	filt.from_ms = T0 + 2 * 60000;
	filt.to_ms = T0 + 4 * 60000;
	assert_int_equal(store_message_list(f->c, &filt, page, &n), OG_OK);
	assert_int_equal(n, 2);
	assert_string_equal(page[0].id, "msg_g3");
	assert_string_equal(page[1].id, "msg_g2");
	filt.tenant_id = NULL;
	filt.from_ms = 0;
	filt.to_ms = 0;
	filt.status = STORE_MSG_SENT;
	assert_int_equal(store_message_list(f->c, &filt, page, &n), OG_OK);
	assert_int_equal(n, 3); /* by id, across tenants */
	assert_string_equal(page[0].id, "msg_r1");
	assert_string_equal(page[1].id, "msg_g6");
	assert_string_equal(page[2].id, "msg_g3");
	filt.after_id = "msg_g6";
	filt.limit = 1;
	assert_int_equal(store_message_list(f->c, &filt, page, &n), OG_OK);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].id, "msg_g3");
}

static void test_outbox_claim(void **state)
{
	struct fixture *f = *state;
	struct store_message m, out[8];
	int64_t now = T0 + 1000000, depth = -1, due = -1;
	size_t n = 0;

	/* Only the messages inserted here are queued or sending. */
	m = make_message("t_beta", "msg_o1", "req_o", now - 100);
	assert_int_equal(store_message_insert(f->c, &m), OG_OK);
	m = make_message("t_beta", "msg_o2", "req_o", now - 200);
	assert_int_equal(store_message_insert(f->c, &m), OG_OK);
	m = make_message("t_beta", "msg_o3", "req_o", now - 300);
	m.next_attempt_at_ms = now + 5000; /* backing off */
	assert_int_equal(store_message_insert(f->c, &m), OG_OK);
	assert_int_equal(store_outbox_depth(f->c, &depth), OG_OK);
	assert_int_equal(depth, 3);
	assert_int_equal(store_outbox_oldest_due(f->c, &due), OG_OK);
	assert_int_equal(due, now - 200);

	assert_int_equal(store_outbox_claim(f->c, now, now + 30000, 8, out, &n), OG_OK);
	assert_int_equal(n, 2);
	assert_string_equal(out[0].id, "msg_o2"); /* the longest due comes first */
	assert_string_equal(out[1].id, "msg_o1");
	assert_int_equal(out[0].status, STORE_MSG_SENDING);
	assert_int_equal(out[0].attempts, 1);
	assert_int_equal(out[0].lease_until_ms, now + 30000);
	assert_int_equal(out[0].payload_sealed_len, 100);
	assert_int_equal(store_message_get(f->c, "t_beta", "msg_o2", &m), OG_OK);
	assert_memory_equal(&m, &out[0], sizeof m);

	/* Leased rows are not claimed again until the lease runs out. */
	assert_int_equal(store_outbox_claim(f->c, now + 1000, now + 31000, 8, out, &n), OG_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_outbox_claim(f->c, now + 5000, now + 35000, 8, out, &n), OG_OK);
	assert_int_equal(n, 1);
	assert_string_equal(out[0].id, "msg_o3");
	assert_int_equal(store_outbox_claim(f->c, now + 30000, now + 60000, 1, out, &n), OG_OK);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].attempts, 2);
	assert_int_equal(store_outbox_claim(f->c, now + 30000, now + 60000, 8, out, &n), OG_OK);
	assert_int_equal(n, 1);

	/* Settled rows leave the outbox. */
	for (int i = 1; i <= 3; i++) {
		char id[16];
		snprintf(id, sizeof id, "msg_o%d", i);
		assert_int_equal(store_message_get(f->c, "t_beta", id, &m), OG_OK);
		m.status = STORE_MSG_SENT;
		assert_int_equal(store_message_update(f->c, &m), OG_OK);
	}
	assert_int_equal(store_outbox_depth(f->c, &depth), OG_OK);
	assert_int_equal(depth, 0);
	assert_int_equal(store_outbox_oldest_due(f->c, &due), OG_OK);
	assert_int_equal(due, 0);
	assert_int_equal(store_outbox_claim(f->c, now + 999999, now + 999999, 8, out, &n), OG_OK);
	assert_int_equal(n, 0);
}


/* ---- Concurrency: several connections, as several threads or processes ---- */

struct race {
	struct store *s;
	int applied[RACE_THREADS];
	int claimed[RACE_MESSAGES]; /* how often each message was handed out */
	pthread_mutex_t lock;
	enum og_err rc;
};

struct race_arg {
	struct race *race;
	int index;
};

/* "msg_007" -> 7, for the ids race_claim's messages are given; -1 for
 * anything else. (cmocka's asserts must not run off the main thread.) */
static int race_message_index(const char *id)
{
	char *end = NULL;
	long v = strtol(id + 4, &end, 10);

	return *end == '\0' && v >= 0 && v < RACE_MESSAGES ? (int)v : -1;
}

static void *race_migrate(void *p)
{
	struct race_arg *a = p;
	struct store_conn *c = NULL;
	enum og_err rc = store_conn_open(a->race->s, &c);

	if (rc == OG_OK)
		rc = store_migrate(c, &a->race->applied[a->index]);
	if (c)
		store_conn_close(c);
	if (rc != OG_OK) {
		pthread_mutex_lock(&a->race->lock);
		a->race->rc = rc;
		pthread_mutex_unlock(&a->race->lock);
	}
	return NULL;
}

static void *race_claim(void *p)
{
	struct race_arg *a = p;
	struct store_conn *c = NULL;
	struct store_message out[RACE_CLAIM_MAX];
	size_t n = 1;
	enum og_err rc = store_conn_open(a->race->s, &c);

	while (rc == OG_OK && n > 0) {
		rc = store_outbox_claim(c, T0, T0 + 60000, RACE_CLAIM_MAX, out, &n);
		for (size_t i = 0; rc == OG_OK && i < n; i++) {
			int k = race_message_index(out[i].id);
			if (k < 0) {
				rc = OG_ERR_INTERNAL;
				break;
			}
			pthread_mutex_lock(&a->race->lock);
			a->race->claimed[k]++;
			pthread_mutex_unlock(&a->race->lock);
		}
	}
	if (c)
		store_conn_close(c);
	if (rc != OG_OK) {
		pthread_mutex_lock(&a->race->lock);
		a->race->rc = rc;
		pthread_mutex_unlock(&a->race->lock);
	}
	return NULL;
}

/* Two otpgate processes (or nodes) may start at once on a fresh database;
 * their migrations serialise, and dispatchers never claim the same message. */
static void test_concurrent_migrate_and_claim(void **state)
{
	struct fixture g;
	struct race race;
	struct race_arg args[RACE_THREADS];
	pthread_t threads[RACE_THREADS];
	struct store_conn *c = NULL;
	struct store_tenant t = make_tenant("t_race");
	int total = 0;

	(void)state;
	memset(&g, 0, sizeof g);
	memset(&race, 0, sizeof race);
	pthread_mutex_init(&race.lock, NULL);
	fixture_create(&g);
	race.s = g.s;

	for (int i = 0; i < RACE_THREADS; i++) {
		args[i].race = &race;
		args[i].index = i;
		assert_int_equal(pthread_create(&threads[i], NULL, race_migrate, &args[i]), 0);
	}
	for (int i = 0; i < RACE_THREADS; i++) {
		pthread_join(threads[i], NULL);
		total += race.applied[i];
	}
	assert_int_equal(race.rc, OG_OK);
	assert_int_equal(total, migration_count(&g));

	assert_int_equal(store_conn_open(race.s, &c), OG_OK);
	assert_int_equal(store_tenant_insert(c, &t), OG_OK);
	for (int i = 0; i < RACE_MESSAGES; i++) {
		char id[16];
		struct store_message m;
		snprintf(id, sizeof id, "msg_%03d", i);
		m = make_message("t_race", id, "req_race", T0 - 1000 + i);
		assert_int_equal(store_message_insert(c, &m), OG_OK);
	}
	store_conn_close(c);
	for (int i = 0; i < RACE_THREADS; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, race_claim, &args[i]), 0);
	for (int i = 0; i < RACE_THREADS; i++)
		pthread_join(threads[i], NULL);
	assert_int_equal(race.rc, OG_OK);
	for (int i = 0; i < RACE_MESSAGES; i++)
		assert_int_equal(race.claimed[i], 1);

	pthread_mutex_destroy(&race.lock);
	fixture_destroy(&g);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_otp_round_trip),
		cmocka_unit_test(test_message_round_trip_and_list),
		cmocka_unit_test(test_outbox_claim),
		cmocka_unit_test(test_concurrent_migrate_and_claim),
	};

	fixture_require_backend();
	return cmocka_run_group_tests(tests, setup, teardown);
}
