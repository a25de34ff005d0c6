/*
 * Fault injection (store_fault.h), on each database: the whole service runs
 * in this process (domain, API and HTTP server on 127.0.0.1, the
 * dispatcher with the log provider) over a store whose driver fails the
 * Nth call on purpose. For each flow a clean run counts the flow's store
 * calls; then, for every N up to that count, the flow runs again with call
 * N failing (busy, I/O, connection lost, or connection lost after a
 * commit that went through). After each:
 *   - the client got either the flow's success, for work that is then found
 *     committed, or a clean 500/503 error, never a success for work that
 *     was not committed;
 *   - the ledger balances: every wallet equals the sums of its entries, and
 *     every message has exactly one hold and at most one capture or release;
 * and after the walk, once the dispatcher has run, no committed message is
 * lost: each is sent and captured, or failed and released.
 * The flows: send, verify, resend, a wallet credit, and the dispatcher's
 * claim and settlement.
 */
#include "store_fault.h"
#include "store_fixture.h"

#include "api/api.h"
#include "domain/apikey.h"
#include "domain/outbox.h"
#include "upstream/dispatch.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>

#define FAULT_TENANT "t_fault"
#define FAULT_BODY_MAX 8192        /* a response body the test keeps */
#define FAULT_URL_MAX 256
#define FAULT_CALLS_MAX 400        /* a flow with more store calls is a regression to look at */
#define FAULT_DRAIN_ROUNDS 400     /* 25 ms each: 10 s for the dispatcher to empty the outbox */
#define FAULT_DRAIN_STEP_MS 25
#define FAULT_CODE_MAX 16

struct fault_env {
	struct fixture fx;
	struct domain d;
	struct secret secret;
	struct api_env api;
	struct httpd *http;
	uint16_t port;
	char admin[APIKEY_TEXT_MAX];
	char tenant_key[APIKEY_TEXT_MAX];
	char sms_log[FIXTURE_NAME_MAX + 32];
	int phone_seq;
	int ref_seq;
};

/* The domain's clock: real time plus what the test skips ahead (a lease). */
static atomic_llong fault_skew_ms;

static int64_t fault_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + atomic_load(&fault_skew_ms);
}

/* ---- HTTP ------------------------------------------------------------- */

struct fault_body {
	char text[FAULT_BODY_MAX];
	size_t len;
};

static size_t fault_write(char *data, size_t size, size_t n, void *arg)
{
	struct fault_body *b = arg;
	size_t len = size * n;

	if (b->len + len >= sizeof b->text)
		len = sizeof b->text - 1 - b->len;
	memcpy(b->text + b->len, data, len);
	b->len += len;
	b->text[b->len] = '\0';
	return size * n;
}

/* Calls the service; returns the HTTP status, the parsed body in *out (or NULL). */
static long fault_call(struct fault_env *e, const char *method, const char *path, const char *key,
		       const char *body, json_t **out)
{
	CURL *h = curl_easy_init();
	struct curl_slist *headers = NULL;
	struct fault_body b = {.len = 0};
	char url[FAULT_URL_MAX], auth[APIKEY_TEXT_MAX + 16];
	long status = 0;

	assert_non_null(h);
	snprintf(url, sizeof url, "http://127.0.0.1:%u%s", e->port, path);
	snprintf(auth, sizeof auth, "X-API-Key: %s", key);
	headers = curl_slist_append(headers, auth);
	headers = curl_slist_append(headers, "Content-Type: application/json");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fault_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	if (body)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(h);
	if (out)
		*out = json_loads(b.text, 0, NULL);
	return status;
}

/* Calls and expects status; returns the body (the caller decrefs). */
static json_t *fault_expect(struct fault_env *e, const char *method, const char *path,
			    const char *key, const char *body, long want)
{
	json_t *out = NULL;
	long status = fault_call(e, method, path, key, body, &out);

	if (status != want)
		fail_msg("%s %s: %ld, not %ld", method, path, status, want);
	assert_non_null(out);
	return out;
}

/* A failed call must be a clean server error with a JSON error body. */
static void fault_check_error(long status, json_t *body, long n, enum store_fault_kind kind)
{
	const char *code = json_string_value(json_object_get(json_object_get(body, "error"), "code"));

	if (status != 500 && status != 503)
		fail_msg("call %ld failed (%s): status %ld", n, store_fault_name(kind), status);
	assert_non_null(code);
	assert_string_equal(code, status == 503 ? "unavailable" : "internal");
}

/* ---- Checks on the database ------------------------------------------ */

static struct store_sql sql_tenants = {.text = "SELECT id FROM tenants ORDER BY id"};
/* Messages with a hold count other than one, or more than one settlement. */
static struct store_sql sql_bad_holds = {
	.text = "SELECT COUNT(*) FROM messages m WHERE"
		" (SELECT COUNT(*) FROM ledger_entries l WHERE l.tenant_id = m.tenant_id"
		"  AND l.message_id = m.id AND l.kind = 'hold') <> 1"
		" OR (SELECT COUNT(*) FROM ledger_entries l WHERE l.tenant_id = m.tenant_id"
		"  AND l.message_id = m.id AND l.kind IN ('capture', 'release')) > 1"};
/* Final messages without their settlement: sent not captured, failed not released. */
static struct store_sql sql_unsettled = {
	.text = "SELECT COUNT(*) FROM messages m WHERE status IN ('queued', 'sending')"
		" OR (status = 'sent' AND NOT EXISTS (SELECT 1 FROM ledger_entries l"
		"  WHERE l.tenant_id = m.tenant_id AND l.message_id = m.id AND l.kind = 'capture'))"
		" OR (status = 'failed' AND NOT EXISTS (SELECT 1 FROM ledger_entries l"
		"  WHERE l.tenant_id = m.tenant_id AND l.message_id = m.id AND l.kind = 'release'))"};
static struct store_sql sql_credit_count = {
	.text = "SELECT COUNT(*) FROM ledger_entries WHERE tenant_id = ?1 AND reference = ?2"};
static struct store_sql sql_request_messages = {
	.text = "SELECT COUNT(*) FROM messages WHERE tenant_id = ?1 AND request_id = ?2"};

static void tenant_id_read(struct store_row *r, void *record)
{
	store_row_text_sized(r, record, STORE_TENANT_ID_MAX);
}

static int64_t fault_count(struct fault_env *e, struct store_sql *sql, const char *a,
			   const char *b)
{
	struct store_stmt *st;
	int64_t n = -1;

	assert_int_equal(store_prepare(e->fx.c, sql, &st), OG_OK);
	if (a)
		store_bind_text(st, 1, a);
	if (b)
		store_bind_text(st, 2, b);
	assert_int_equal(store_ints(st, &n, NULL), OG_OK);
	return n;
}

/* The ledger balances: wallets equal their sums; one hold per message, settled once at most. */
static void fault_check_ledger(struct fault_env *e)
{
	char ids[8][STORE_TENANT_ID_MAX];
	struct store_stmt *st;
	size_t n = 0;

	assert_int_equal(store_prepare(e->fx.c, &sql_tenants, &st), OG_OK);
	assert_int_equal(store_collect(st, tenant_id_read, ids, sizeof ids[0], 8, &n), OG_OK);
	for (size_t i = 0; i < n; i++) {
		struct store_wallet w;
		struct store_ledger_sums s;

		assert_int_equal(store_wallet_get(e->fx.c, ids[i], &w), OG_OK);
		assert_int_equal(store_ledger_sums(e->fx.c, ids[i], &s), OG_OK);
		assert_int_equal(w.balance_paise, s.balance_paise);
		assert_int_equal(w.held_paise, s.held_paise);
		assert_int_equal(w.held_count, s.held_count);
	}
	assert_int_equal(fault_count(e, &sql_bad_holds, NULL, NULL), 0);
}

/* Runs the dispatcher until the outbox is empty, skipping the clock past
 * the lease of a claim whose settlement was made to fail. */
static void fault_drain(struct fault_env *e)
{
	struct dispatch_config dc = {.provider = "log", .sms_log_path = e->sms_log};
	struct dispatch *dp = NULL;
	int64_t depth = -1;

	assert_int_equal(dispatch_start(e->fx.s, &e->d, &dc, &dp), OG_OK);
	for (int i = 0; i < FAULT_DRAIN_ROUNDS; i++) {
		struct timespec nap = {0, FAULT_DRAIN_STEP_MS * 1000000L};

		assert_int_equal(store_outbox_depth(e->fx.c, &depth), OG_OK);
		if (depth == 0)
			break;
		if (i > 0 && i % 8 == 0)
			atomic_fetch_add(&fault_skew_ms, OUTBOX_LEASE_MS + 1000);
		dispatch_wake(dp);
		nanosleep(&nap, NULL);
	}
	dispatch_stop(dp, 5000);
	assert_int_equal(depth, 0);
}

/* ---- Setting up ------------------------------------------------------- */

static int fault_setup(void **state)
{
	unsigned char master[SECRET_KEY_LEN] = {0x42};
	struct httpd_config hc = {.listen = "127.0.0.1:0", .workers = 2};
	struct fault_env *e = calloc(1, sizeof *e);
	struct store_api_key k;
	json_t *j;
	char path[FAULT_URL_MAX];
	int applied = 0;

	assert_non_null(e);
	fixture_create(&e->fx);
	/* The test's own connection, opened first, keeps the real driver: its
	 * checks are never counted or failed. */
	assert_int_equal(store_conn_open(e->fx.s, &e->fx.c), OG_OK);
	store_fault_install(e->fx.s);
	assert_int_equal(store_migrate(e->fx.c, &applied), OG_OK);
	secret_derive(master, &e->secret);
	domain_init(&e->d, &e->secret);
	e->d.now_ms = fault_clock;
	e->d.cfg.resend_cooldown_sec = 0;
	/* The walks send to many numbers fast: the abuse limits are off. */
	e->d.cfg.guard.values[STORE_POLICY_PER_PHONE_COUNT] = 0;
	e->d.cfg.guard.values[STORE_POLICY_PER_PREFIX_COUNT] = 0;
	e->d.cfg.guard.values[STORE_POLICY_PER_IP_COUNT] = 0;
	e->d.cfg.guard.values[STORE_POLICY_TENANT_RPS] = 0;
	e->d.cfg.guard.values[STORE_POLICY_TENANT_DAILY] = 0;
	e->d.cfg.guard.values[STORE_POLICY_PUMPING_MIN_CONVERSION_PCT] = 0;
	snprintf(e->sms_log, sizeof e->sms_log, "%s/sms.log",
		 e->fx.pg ? "/tmp" : e->fx.dir);
	if (e->fx.pg)
		snprintf(e->sms_log, sizeof e->sms_log, "/tmp/%s.sms.log", e->fx.name);
	assert_int_equal(apikey_create(&e->d, e->fx.c, &audit_cli, STORE_KEY_ADMIN, "", "fault",
				       e->admin, &k),
			 OG_OK);
	e->api.store = e->fx.s;
	e->api.domain = &e->d;
	assert_int_equal(httpd_start(&hc, api_handle, &e->api, &e->http), OG_OK);
	e->port = httpd_port(e->http);

	json_decref(fault_expect(
		e, "POST", "/v1/tenants", e->admin,
		"{\"id\":\"" FAULT_TENANT "\",\"name\":\"Fault Retail\",\"sender_header\":\"ALPHAR\","
		"\"pe_id\":\"1101234567890123456\",\"price_paise\":25,\"billing\":{\"mode\":"
		"\"prepaid\",\"credit_limit_paise\":0,\"monthly_cap_sms\":0},\"otp\":{\"length\":6,"
		"\"ttl_sec\":300,\"max_attempts\":5}}",
		201));
	json_decref(fault_expect(
		e, "POST", "/v1/tenants/" FAULT_TENANT "/templates", e->admin,
		"{\"name\":\"login\",\"dlt_template_id\":\"1107160000000012345\",\"body\":\"Your OTP"
		" for {#var#} is {#var#}. Valid for 5 minutes.\",\"vars\":[\"appName\",\"otp\"],"
		"\"default\":true}",
		201));
	json_decref(fault_expect(e, "POST", "/v1/tenants/" FAULT_TENANT "/wallet/credits",
				 e->admin, "{\"amount_paise\":1000000,\"reference\":\"seed\"}", 201));
	snprintf(path, sizeof path, "/v1/tenants/%s/keys", FAULT_TENANT);
	j = fault_expect(e, "POST", path, e->admin, "{\"name\":\"fault\"}", 201);
	snprintf(e->tenant_key, sizeof e->tenant_key, "%s", json_string_value(json_object_get(j, "key")));
	json_decref(j);
	*state = e;
	return 0;
}

static int fault_teardown(void **state)
{
	struct fault_env *e = *state;

	store_fault_disarm();
	httpd_stop(e->http, 2000);
	store_conn_close(e->fx.c);
	store_thread_conn_release();
	unlink(e->sms_log);
	fixture_destroy(&e->fx);
	free(e);
	return 0;
}

/* A new number for each send, each with its own prefix. */
static void fault_phone(struct fault_env *e, char out[PHONE_MAX])
{
	snprintf(out, PHONE_MAX, "+919%09d", 10000 * ++e->phone_seq);
}

/* Sends an OTP to phone; the status, and the request id on success. */
static long fault_send(struct fault_env *e, const char *phone, char request_id[STORE_ID_MAX],
		       json_t **body)
{
	char req[128];
	long status;

	snprintf(req, sizeof req, "{\"phone\":\"%s\"}", phone);
	status = fault_call(e, "POST", "/v1/otp/send", e->tenant_key, req, body);
	if (status == 202)
		snprintf(request_id, STORE_ID_MAX, "%s",
			 json_string_value(json_object_get(*body, "request_id")));
	return status;
}

/* The code the log provider wrote last for phone (the drain has run). */
static void fault_code_of(struct fault_env *e, const char *phone, char code[FAULT_CODE_MAX])
{
	FILE *f = fopen(e->sms_log, "r");
	char line[2048];

	assert_non_null(f);
	code[0] = '\0';
	while (fgets(line, sizeof line, f)) {
		json_t *j = json_loads(line, 0, NULL);
		const char *to = json_string_value(json_object_get(j, "to"));
		const char *text = json_string_value(json_object_get(j, "text"));
		const char *is = text ? strstr(text, " is ") : NULL;

		if (to && is && strcmp(to, phone) == 0)
			snprintf(code, FAULT_CODE_MAX, "%.6s", is + 4);
		json_decref(j);
	}
	fclose(f);
	assert_int_equal(strlen(code), 6);
}

/* The flow to walk: runs once with the store as armed; returns whether the
 * client was told it succeeded, after checking that what it was told holds. */
typedef bool (*fault_flow_fn)(struct fault_env *e, long n, enum store_fault_kind kind, void *arg);

/* Counts the flow's calls on a clean run, then fails each in turn. */
static void fault_walk(struct fault_env *e, const char *name, fault_flow_fn flow, void *arg)
{
	long calls;
	int ok = 0, refused = 0;

	store_fault_arm(0, STORE_FAULT_BUSY);
	assert_true(flow(e, 0, STORE_FAULT_BUSY, arg));
	calls = store_fault_calls();
	store_fault_disarm();
	assert_true(calls > 0 && calls <= FAULT_CALLS_MAX);
	for (long n = 1; n <= calls; n++) {
		enum store_fault_kind kind = (enum store_fault_kind)(n % STORE_FAULT__COUNT);
		bool told_ok;

		store_fault_arm(n, kind);
		told_ok = flow(e, n, kind, arg);
		store_fault_disarm();
		if (told_ok && getenv("OG_FAULT_VERBOSE"))
			print_message("%s: call %ld (%s) failed, and the flow still succeeded\n", name, n,
				      store_fault_name(kind));
		ok += told_ok;
		refused += !told_ok;
		fault_check_ledger(e);
	}
	print_message("%s: %ld store calls; %d answered success, %d a clean error\n", name, calls,
		      ok, refused);
	assert_true(refused > 0);
}

/* ---- The flows -------------------------------------------------------- */

static bool flow_send(struct fault_env *e, long n, enum store_fault_kind kind, void *arg)
{
	char phone[PHONE_MAX], request_id[STORE_ID_MAX], path[FAULT_URL_MAX];
	json_t *body = NULL;
	long status;

	(void)arg;
	fault_phone(e, phone);
	status = fault_send(e, phone, request_id, &body);
	store_fault_disarm();
	if (status != 202) {
		fault_check_error(status, body, n, kind);
		json_decref(body);
		return false;
	}
	json_decref(body);
	/* Told it is queued: the request, its message and the hold are there. */
	snprintf(path, sizeof path, "/v1/otp/%s", request_id);
	json_decref(fault_expect(e, "GET", path, e->tenant_key, NULL, 200));
	assert_int_equal(fault_count(e, &sql_request_messages, FAULT_TENANT, request_id), 1);
	return true;
}

/* The pending requests and codes the verify walk uses, one per call. */
struct verify_pool {
	size_t count, next;
	char request_id[FAULT_CALLS_MAX + 1][STORE_ID_MAX];
	char code[FAULT_CALLS_MAX + 1][FAULT_CODE_MAX];
};

static bool flow_verify(struct fault_env *e, long n, enum store_fault_kind kind, void *arg)
{
	struct verify_pool *p = arg;
	struct store_otp o;
	char req[160];
	json_t *body = NULL;
	long status;
	size_t i = p->next++;

	assert_true(i < p->count);
	snprintf(req, sizeof req, "{\"request_id\":\"%s\",\"code\":\"%s\"}", p->request_id[i],
		 p->code[i]);
	status = fault_call(e, "POST", "/v1/otp/verify", e->tenant_key, req, &body);
	store_fault_disarm();
	assert_int_equal(store_otp_get(e->fx.c, FAULT_TENANT, p->request_id[i], &o), OG_OK);
	if (status != 200) {
		fault_check_error(status, body, n, kind);
		json_decref(body);
		/* Refused: still pending, unless a lost commit went through. */
		if (kind != STORE_FAULT_LOST_AFTER)
			assert_int_equal(o.status, STORE_OTP_PENDING);
		return false;
	}
	assert_true(json_is_true(json_object_get(body, "verified")));
	json_decref(body);
	assert_int_equal(o.status, STORE_OTP_APPROVED);
	return true;
}

static bool flow_resend(struct fault_env *e, long n, enum store_fault_kind kind, void *arg)
{
	struct verify_pool *p = arg; /* the requests; their codes are not needed */
	char req[128];
	json_t *body = NULL;
	int64_t before, after;
	long status;
	size_t i = p->next++;

	assert_true(i < p->count);
	before = fault_count(e, &sql_request_messages, FAULT_TENANT, p->request_id[i]);
	snprintf(req, sizeof req, "{\"request_id\":\"%s\"}", p->request_id[i]);
	status = fault_call(e, "POST", "/v1/otp/resend", e->tenant_key, req, &body);
	store_fault_disarm();
	after = fault_count(e, &sql_request_messages, FAULT_TENANT, p->request_id[i]);
	if (status != 202) {
		fault_check_error(status, body, n, kind);
		json_decref(body);
		if (kind != STORE_FAULT_LOST_AFTER)
			assert_int_equal(after, before);
		return false;
	}
	json_decref(body);
	assert_int_equal(after, before + 1); /* told queued: the new message is there */
	return true;
}

static bool flow_credit(struct fault_env *e, long n, enum store_fault_kind kind, void *arg)
{
	char ref[32], req[96];
	json_t *body = NULL;
	long status;

	(void)arg;
	snprintf(ref, sizeof ref, "ref-%d", ++e->ref_seq);
	snprintf(req, sizeof req, "{\"amount_paise\":500,\"reference\":\"%s\"}", ref);
	status = fault_call(e, "POST", "/v1/tenants/" FAULT_TENANT "/wallet/credits", e->admin, req,
			    &body);
	store_fault_disarm();
	if (status != 201) {
		fault_check_error(status, body, n, kind);
		json_decref(body);
		if (kind != STORE_FAULT_LOST_AFTER)
			assert_int_equal(fault_count(e, &sql_credit_count, FAULT_TENANT, ref), 0);
		return false;
	}
	json_decref(body);
	assert_int_equal(fault_count(e, &sql_credit_count, FAULT_TENANT, ref), 1);
	return true;
}

/* The dispatcher's claim, delivery and settlement of one queued message,
 * with call n failing; whatever fails, the message ends settled, once. */
static bool flow_settle(struct fault_env *e, long n, enum store_fault_kind kind, void *arg)
{
	char phone[PHONE_MAX], request_id[STORE_ID_MAX];
	json_t *body = NULL;

	(void)arg;
	(void)kind;
	(void)n;
	store_fault_disarm();
	fault_phone(e, phone);
	assert_int_equal(fault_send(e, phone, request_id, &body), 202);
	json_decref(body);
	store_fault_arm(n, kind);
	fault_drain(e);
	store_fault_disarm();
	assert_int_equal(fault_count(e, &sql_unsettled, NULL, NULL), 0);
	return !store_fault_fired();
}

/* Sends count requests and, once delivered, learns their codes. */
static void fault_pool(struct fault_env *e, struct verify_pool *p, size_t count)
{
	char phones[FAULT_CALLS_MAX + 1][PHONE_MAX];

	assert_true(count <= FAULT_CALLS_MAX + 1);
	p->count = count;
	p->next = 0;
	for (size_t i = 0; i < count; i++) {
		json_t *body = NULL;

		fault_phone(e, phones[i]);
		assert_int_equal(fault_send(e, phones[i], p->request_id[i], &body), 202);
		json_decref(body);
	}
	fault_drain(e);
	for (size_t i = 0; i < count; i++)
		fault_code_of(e, phones[i], p->code[i]);
}

/* ---- Tests ------------------------------------------------------------ */

static void test_send(void **state)
{
	struct fault_env *e = *state;

	fault_walk(e, "send", flow_send, NULL);
	fault_drain(e);
	assert_int_equal(fault_count(e, &sql_unsettled, NULL, NULL), 0);
	fault_check_ledger(e);
}

static void test_verify_and_resend(void **state)
{
	struct fault_env *e = *state;
	struct verify_pool *p = calloc(1, sizeof *p);

	assert_non_null(p);
	fault_pool(e, p, FAULT_CALLS_MAX / 4);
	fault_walk(e, "verify", flow_verify, p);
	fault_pool(e, p, FAULT_CALLS_MAX / 4);
	fault_walk(e, "resend", flow_resend, p);
	fault_drain(e);
	assert_int_equal(fault_count(e, &sql_unsettled, NULL, NULL), 0);
	fault_check_ledger(e);
	free(p);
}

static void test_credit(void **state)
{
	fault_walk(*state, "credit", flow_credit, NULL);
}

static void test_settlement(void **state)
{
	fault_walk(*state, "settlement", flow_settle, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send),
		cmocka_unit_test(test_verify_and_resend),
		cmocka_unit_test(test_credit),
		cmocka_unit_test(test_settlement),
	};

	fixture_require_backend();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, fault_setup, fault_teardown);
}
