/*
 * fakegw: a fake StartMessaging-compatible SMS gateway (DOMAIN.md §2) for the
 * integration tests. It serves POST /otp/send, POST /otp/verify and
 * GET /messages/{id} in the gateway's shapes, records every valid send it
 * receives, and can be told through POST /_control to answer the next N
 * sends (or all of them) slowly, with 5xx, 4xx or 429. GET /_received lists
 * what it recorded; POST /_reset forgets it. It is a standalone program built
 * on libmicrohttpd and jansson only, so it shares no code with otpgate.
 *
 * With a DLT registry (--registry FILE, or POST /_registry with the JSON;
 * POST /_registry {} turns it off) it scrubs every send as an operator
 * would (fakegw_scrub.h): a send whose PE-ID, header, template or text
 * does not match is answered 400 with the operator's code ("code", and at
 * the start of "message"), and /_received shows each send's "verdict".
 *
 *   fakegw --listen 127.0.0.1:PORT [--key REQUIRED_API_KEY] [--registry FILE]
 *
 * It prints "listening PORT" on stdout once it accepts connections (PORT 0
 * picks a free port) and runs until SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include "fakegw_scrub.h"
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FAKEGW_RECORDS_MAX 100000     /* sends remembered; later ones are answered, not kept */
#define FAKEGW_BODY_MAX (64 * 1024)   /* request body; larger is refused with 413 */
#define FAKEGW_ID_MAX 32              /* "fgw_" plus a counter */
#define FAKEGW_DELAY_MAX_MS 600000    /* the longest "slow" answer */
#define FAKEGW_SLOW_DEFAULT_MS 1000
#define FAKEGW_HOST_MAX 64
#define FAKEGW_CONNECTIONS_MAX 4096
#define FAKEGW_IDLE_TIMEOUT_SEC 120

enum fakegw_mode { FAKEGW_OK, FAKEGW_SLOW, FAKEGW_5XX, FAKEGW_4XX, FAKEGW_429, FAKEGW__MODES };

static const char *const fakegw_mode_names[FAKEGW__MODES] = {
	[FAKEGW_OK] = "ok",   [FAKEGW_SLOW] = "slow", [FAKEGW_5XX] = "5xx",
	[FAKEGW_4XX] = "4xx", [FAKEGW_429] = "429",
};

struct fakegw_record {
	char *api_key; /* as sent; "" when absent */
	json_t *body;  /* the parsed request body */
	int mode;      /* enum fakegw_mode applied to it */
	int status;    /* the HTTP status answered */
	char message_id[FAKEGW_ID_MAX];     /* "" unless accepted */
	char request_id[FAKEGW_ID_MAX];     /* "" unless accepted */
	char otp_request_id[FAKEGW_ID_MAX]; /* "" unless accepted */
	bool verified; /* a code verifies once */
	const char *verdict; /* "accepted", or the operator's DLT code (a static string) */
};

/* Everything the handlers share, under one lock. */
static struct {
	pthread_mutex_t lock;
	const char *required_key; /* NULL: any key, or none, is accepted */
	int mode;
	int64_t delay_ms;
	int64_t remaining; /* sends the mode still applies to; 0 means forever */
	struct fakegw_record *records;
	size_t count;
	size_t capacity;
	uint64_t seq; /* never reset, so ids stay unique across /_reset */
	json_t *registry; /* the DLT registry to scrub against; NULL: no scrub */
} gw = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* One request's accumulated body. */
struct fakegw_request {
	char *body;
	size_t len;
	bool too_large;
};

static void fakegw_timestamp(char *out, size_t max)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, max, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, max - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

static void fakegw_sleep_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Queues body (consumed) as JSON with the status. */
static enum MHD_Result fakegw_reply(struct MHD_Connection *conn, unsigned int status, json_t *body)
{
	struct MHD_Response *rsp;
	enum MHD_Result ret;
	char *text;

	if (!body)
		return MHD_NO; /* json_pack ran out of memory */
	text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(body);
	if (!text)
		return MHD_NO;
	rsp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!rsp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(rsp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (status == 429)
		MHD_add_response_header(rsp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	ret = MHD_queue_response(conn, status, rsp);
	MHD_destroy_response(rsp);
	return ret;
}

static enum MHD_Result fakegw_error(struct MHD_Connection *conn, unsigned int status,
				    const char *message)
{
	return fakegw_reply(conn, status,
			    json_pack("{s:b, s:s}", "success", 0, "message", message));
}

/* Parses the body as a JSON object; NULL if it is not one. */
static json_t *fakegw_parse(const struct fakegw_request *rq)
{
	json_t *j = rq->len ? json_loadb(rq->body, rq->len, 0, NULL) : NULL;

	if (!json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* True if the request carries the key fakegw was started with (if any). */
static bool fakegw_authorised(struct MHD_Connection *conn)
{
	const char *key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-API-Key");

	return !gw.required_key || (key && strcmp(key, gw.required_key) == 0);
}

static bool fakegw_record_add(const struct fakegw_record *r)
{
	if (gw.count == gw.capacity) {
		size_t cap = gw.capacity ? gw.capacity * 2 : 256;
		struct fakegw_record *grown;

		if (gw.count >= FAKEGW_RECORDS_MAX)
			return false;
		if (cap > FAKEGW_RECORDS_MAX)
			cap = FAKEGW_RECORDS_MAX;
		grown = realloc(gw.records, cap * sizeof gw.records[0]);
		if (!grown)
			return false;
		gw.records = grown;
		gw.capacity = cap;
	}
	gw.records[gw.count++] = *r;
	return true;
}

static void fakegw_records_clear(void)
{
	for (size_t i = 0; i < gw.count; i++) {
		free(gw.records[i].api_key);
		json_decref(gw.records[i].body);
	}
	free(gw.records);
	gw.records = NULL;
	gw.count = 0;
	gw.capacity = 0;
}

static enum MHD_Result fakegw_send(struct MHD_Connection *conn, const struct fakegw_request *rq)
{
	static const unsigned int statuses[FAKEGW__MODES] = {
		[FAKEGW_OK] = 201, [FAKEGW_SLOW] = 201, [FAKEGW_5XX] = 503,
		[FAKEGW_4XX] = 400, [FAKEGW_429] = 429,
	};
	const char *key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-API-Key");
	struct fakegw_record r = {0};
	struct fakegw_verdict verdict = {0};
	char message[FAKEGW_SCRUB_REASON_MAX + 32];
	json_t *registry;
	char ts[40];
	int64_t delay_ms = 0;
	json_t *body;
	uint64_t n;

	if (!fakegw_authorised(conn))
		return fakegw_error(conn, 401, "invalid api key");
	if (rq->too_large)
		return fakegw_error(conn, 413, "body too large");
	body = fakegw_parse(rq);
	if (!body)
		return fakegw_error(conn, 400, "body must be a JSON object");
	if (!json_is_string(json_object_get(body, "phoneNumber")) ||
	    !json_is_string(json_object_get(body, "templateId")) ||
	    !json_is_object(json_object_get(body, "variables"))) {
		json_decref(body);
		return fakegw_error(conn, 400, "phoneNumber, templateId and variables are required");
	}
	/* The operator's scrub comes before anything else the gateway does. */
	pthread_mutex_lock(&gw.lock);
	registry = json_incref(gw.registry);
	pthread_mutex_unlock(&gw.lock);
	if (registry)
		fakegw_scrub(registry, body, &verdict);
	json_decref(registry);
	r.verdict = verdict.code ? verdict.code : "accepted";
	pthread_mutex_lock(&gw.lock);
	if (verdict.code) {
		r.mode = FAKEGW_OK;
		r.status = 400;
		r.api_key = strdup(key ? key : "");
		r.body = json_incref(body);
		if (!r.api_key || !fakegw_record_add(&r)) {
			free(r.api_key);
			json_decref(r.body);
		}
		pthread_mutex_unlock(&gw.lock);
		json_decref(body);
		snprintf(message, sizeof message, "%s: %s", verdict.code, verdict.reason);
		return fakegw_reply(conn, 400,
				    json_pack("{s:b, s:s, s:s}", "success", 0, "message", message,
					      "code", verdict.code));
	}
	r.mode = gw.mode;
	if (r.mode == FAKEGW_SLOW)
		delay_ms = gw.delay_ms;
	if (gw.remaining > 0 && --gw.remaining == 0)
		gw.mode = FAKEGW_OK;
	n = ++gw.seq;
	r.status = (int)statuses[r.mode];
	if (r.status == 201) {
		snprintf(r.message_id, sizeof r.message_id, "fgw_%llu", (unsigned long long)n);
		snprintf(r.request_id, sizeof r.request_id, "fgwr_%llu", (unsigned long long)n);
		snprintf(r.otp_request_id, sizeof r.otp_request_id, "fgwo_%llu",
			 (unsigned long long)n);
	}
	r.api_key = strdup(key ? key : "");
	r.body = json_incref(body);
	if (!r.api_key || !fakegw_record_add(&r)) {
		free(r.api_key);
		json_decref(r.body);
	}
	pthread_mutex_unlock(&gw.lock);
	json_decref(body);

	if (delay_ms > 0)
		fakegw_sleep_ms(delay_ms);
	switch (r.mode) {
	case FAKEGW_OK:
	case FAKEGW_SLOW:
		fakegw_timestamp(ts, sizeof ts);
		return fakegw_reply(conn, 201,
				    json_pack("{s:b, s:i, s:s, s:s, s:{s:s, s:s, s:s}}", "success", 1,
					      "statusCode", 201, "requestId", r.request_id,
					      "timestamp", ts, "data", "otpRequestId",
					      r.otp_request_id, "messageId", r.message_id, "status",
					      "queued"));
	case FAKEGW_5XX:
		return fakegw_error(conn, 503, "upstream unavailable");
	case FAKEGW_4XX:
		return fakegw_error(conn, 400, "rejected by operator");
	default:
		return fakegw_error(conn, 429, "too many requests");
	}
}

static enum MHD_Result fakegw_verify(struct MHD_Connection *conn, const struct fakegw_request *rq)
{
	const char *id;
	const char *code;
	bool found = false;
	bool verified = false;
	json_t *body;

	if (!fakegw_authorised(conn))
		return fakegw_error(conn, 401, "invalid api key");
	body = fakegw_parse(rq);
	/* Both published spellings of each field are accepted. */
	id = json_string_value(json_object_get(body, "requestId"));
	if (!id)
		id = json_string_value(json_object_get(body, "otpRequestId"));
	code = json_string_value(json_object_get(body, "otpCode"));
	if (!code)
		code = json_string_value(json_object_get(body, "otp"));
	if (!id || !code) {
		json_decref(body);
		return fakegw_error(conn, 400, "requestId and otpCode are required");
	}
	pthread_mutex_lock(&gw.lock);
	for (size_t i = 0; i < gw.count && !found; i++) {
		struct fakegw_record *r = &gw.records[i];
		const char *otp;

		if (!r->message_id[0] ||
		    (strcmp(r->request_id, id) != 0 && strcmp(r->otp_request_id, id) != 0))
			continue;
		found = true;
		otp = json_string_value(json_object_get(json_object_get(r->body, "variables"), "otp"));
		if (otp && !r->verified && strcmp(otp, code) == 0) {
			r->verified = true;
			verified = true;
		}
	}
	pthread_mutex_unlock(&gw.lock);
	json_decref(body);
	if (!found)
		return fakegw_error(conn, 404, "request not found");
	return fakegw_reply(conn, 200,
			    json_pack("{s:b, s:{s:b}}", "success", 1, "data", "verified", verified));
}

static enum MHD_Result fakegw_message(struct MHD_Connection *conn, const char *id)
{
	bool found = false;

	if (!fakegw_authorised(conn))
		return fakegw_error(conn, 401, "invalid api key");
	pthread_mutex_lock(&gw.lock);
	for (size_t i = 0; i < gw.count && !found; i++)
		found = gw.records[i].message_id[0] && strcmp(gw.records[i].message_id, id) == 0;
	pthread_mutex_unlock(&gw.lock);
	if (!found)
		return fakegw_error(conn, 404, "message not found");
	return fakegw_reply(conn, 200,
			    json_pack("{s:b, s:{s:s, s:s}}", "success", 1, "data", "messageId", id,
				      "status", "sent"));
}

static enum MHD_Result fakegw_control(struct MHD_Connection *conn, const struct fakegw_request *rq)
{
	json_t *body = fakegw_parse(rq);
	const char *name = json_string_value(json_object_get(body, "mode"));
	json_t *delay = json_object_get(body, "delay_ms");
	json_t *count = json_object_get(body, "count");
	int mode = -1;

	for (int i = 0; i < FAKEGW__MODES && name; i++) {
		if (strcmp(fakegw_mode_names[i], name) == 0)
			mode = i;
	}
	if (!body || mode < 0 || (delay && !json_is_integer(delay)) ||
	    (count && !json_is_integer(count)) ||
	    (delay && (json_integer_value(delay) < 0 ||
		       json_integer_value(delay) > FAKEGW_DELAY_MAX_MS)) ||
	    (count && json_integer_value(count) < 0)) {
		json_decref(body);
		return fakegw_error(conn, 400,
				    "want {\"mode\":\"ok|slow|5xx|4xx|429\",\"delay_ms\":N,\"count\":N}");
	}
	pthread_mutex_lock(&gw.lock);
	gw.mode = mode;
	gw.delay_ms = delay ? json_integer_value(delay) : FAKEGW_SLOW_DEFAULT_MS;
	gw.remaining = count ? json_integer_value(count) : 0;
	pthread_mutex_unlock(&gw.lock);
	json_decref(body);
	return fakegw_reply(conn, 200, json_pack("{s:b}", "success", 1));
}

static enum MHD_Result fakegw_received(struct MHD_Connection *conn)
{
	json_t *list = json_array();

	if (!list)
		return MHD_NO;
	pthread_mutex_lock(&gw.lock);
	for (size_t i = 0; i < gw.count; i++) {
		const struct fakegw_record *r = &gw.records[i];

		json_array_append_new(list, json_pack("{s:s, s:O, s:s, s:i, s:s, s:s}", "api_key",
						      r->api_key, "body", r->body, "mode",
						      fakegw_mode_names[r->mode], "status", r->status,
						      "message_id", r->message_id, "verdict",
						      r->verdict ? r->verdict : "accepted"));
	}
	pthread_mutex_unlock(&gw.lock);
	return fakegw_reply(conn, 200, list);
}

/* Replaces the DLT registry; {} turns the scrub off. */
static enum MHD_Result fakegw_registry(struct MHD_Connection *conn, const struct fakegw_request *rq)
{
	json_t *body = fakegw_parse(rq), *old;
	char why[128];

	if (!body)
		return fakegw_error(conn, 400, "the registry must be a JSON object");
	if (json_object_size(body) > 0 && !fakegw_scrub_registry_valid(body, why, sizeof why)) {
		json_decref(body);
		return fakegw_error(conn, 400, why);
	}
	pthread_mutex_lock(&gw.lock);
	old = gw.registry;
	gw.registry = json_object_size(body) > 0 ? json_incref(body) : NULL;
	pthread_mutex_unlock(&gw.lock);
	json_decref(old);
	json_decref(body);
	return fakegw_reply(conn, 200, json_pack("{s:b}", "success", 1));
}

static enum MHD_Result fakegw_reset(struct MHD_Connection *conn)
{
	pthread_mutex_lock(&gw.lock);
	fakegw_records_clear();
	gw.mode = FAKEGW_OK;
	gw.delay_ms = 0;
	gw.remaining = 0;
	pthread_mutex_unlock(&gw.lock);
	return fakegw_reply(conn, 200, json_pack("{s:b}", "success", 1));
}

static enum MHD_Result fakegw_route(struct MHD_Connection *conn, const char *method,
				    const char *url, const struct fakegw_request *rq)
{
	static const char messages_prefix[] = "/messages/";
	bool post = strcmp(method, "POST") == 0;
	bool get = strcmp(method, "GET") == 0;

	if (post && strcmp(url, "/otp/send") == 0)
		return fakegw_send(conn, rq);
	if (post && strcmp(url, "/otp/verify") == 0)
		return fakegw_verify(conn, rq);
	if (get && strncmp(url, messages_prefix, sizeof messages_prefix - 1) == 0 &&
	    url[sizeof messages_prefix - 1] != '\0')
		return fakegw_message(conn, url + sizeof messages_prefix - 1);
	if (post && strcmp(url, "/_control") == 0)
		return fakegw_control(conn, rq);
	if (get && strcmp(url, "/_received") == 0)
		return fakegw_received(conn);
	if (post && strcmp(url, "/_reset") == 0)
		return fakegw_reset(conn);
	if (post && strcmp(url, "/_registry") == 0)
		return fakegw_registry(conn, rq);
	return fakegw_error(conn, 404, "not found");
}

static enum MHD_Result fakegw_handle(void *cls, struct MHD_Connection *conn, const char *url,
				     const char *method, const char *version,
				     const char *upload_data, size_t *upload_data_size,
				     void **con_cls)
{
	struct fakegw_request *rq = *con_cls;

	/* The first call only sets up: a response queued here makes
	 * libmicrohttpd 0.9.75 close the connection instead of keeping it. */
	if (!rq) {
		rq = calloc(1, sizeof *rq);
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t len = *upload_data_size;

		*upload_data_size = 0;
		if (rq->too_large || rq->len + len > FAKEGW_BODY_MAX) {
			rq->too_large = true;
			return MHD_YES;
		}
		if (!rq->body) {
			rq->body = malloc(FAKEGW_BODY_MAX);
			if (!rq->body)
				return MHD_NO;
		}
		memcpy(rq->body + rq->len, upload_data, len);
		rq->len += len;
		return MHD_YES;
	}
	return fakegw_route(conn, method, url, rq);
}

static void fakegw_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			     enum MHD_RequestTerminationCode toe)
{
	struct fakegw_request *rq = *con_cls;

	if (rq) {
		free(rq->body);
		free(rq);
	}
	*con_cls = NULL;
}

/* Parses "HOST:PORT" (IPv4) into addr; false if malformed. */
static bool fakegw_parse_listen(const char *text, struct sockaddr_in *addr)
{
	char host[FAKEGW_HOST_MAX];
	const char *colon = strrchr(text, ':');
	char *end = NULL;
	long port;

	if (!colon || (size_t)(colon - text) >= sizeof host || colon[1] == '\0')
		return false;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end != '\0' || port < 0 || port > 65535)
		return false;
	memset(addr, 0, sizeof *addr);
	addr->sin_family = AF_INET;
	addr->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host[0] ? host : "127.0.0.1", &addr->sin_addr) == 1;
}

static void fakegw_usage(void)
{
	fprintf(stderr, "usage: fakegw --listen HOST:PORT [--key REQUIRED_API_KEY] "
			"[--registry FILE.json]\n");
}

int main(int argc, char **argv)
{
	struct MHD_Daemon *daemon = NULL;
	const union MHD_DaemonInfo *info;
	struct sockaddr_in addr;
	const char *listen_arg = "127.0.0.1:0";
	sigset_t stop_signals;
	int rc = 1;
	int sig = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
			listen_arg = argv[++i];
		} else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
			gw.required_key = argv[++i];
		} else if (strcmp(argv[i], "--registry") == 0 && i + 1 < argc) {
			json_error_t jerr;
			char why[128];
			const char *path = argv[++i];
			json_decref(gw.registry);
			gw.registry = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
			if (!gw.registry) {
				fprintf(stderr, "fakegw: %s: %s\n", path, jerr.text);
				return 2;
			}
			if (!fakegw_scrub_registry_valid(gw.registry, why, sizeof why)) {
				fprintf(stderr, "fakegw: %s: %s\n", path, why);
				json_decref(gw.registry);
				return 2;
			}
		} else {
			fakegw_usage();
			return 2;
		}
	}
	if (!fakegw_parse_listen(listen_arg, &addr)) {
		fprintf(stderr, "fakegw: bad --listen %s\n", listen_arg);
		return 2;
	}
	/* Blocked before any thread starts, so only sigwait below sees them. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

	/* A thread per connection, so a "slow" answer holds up only its own. */
	daemon = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0,
		NULL, NULL, fakegw_handle, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, 1U, MHD_OPTION_NOTIFY_COMPLETED,
		fakegw_completed, NULL, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned int)FAKEGW_CONNECTIONS_MAX, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)FAKEGW_IDLE_TIMEOUT_SEC, MHD_OPTION_END);
	if (!daemon) {
		fprintf(stderr, "fakegw: cannot listen on %s\n", listen_arg);
		goto out;
	}
	info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
	printf("listening %u\n", info ? (unsigned int)info->port : ntohs(addr.sin_port));
	fflush(stdout);
	while (sigwait(&stop_signals, &sig) != 0)
		;
	rc = 0;
out:
	if (daemon)
		MHD_stop_daemon(daemon);
	pthread_mutex_lock(&gw.lock);
	fakegw_records_clear();
	json_decref(gw.registry);
	gw.registry = NULL;
	pthread_mutex_unlock(&gw.lock);
	return rc;
}
