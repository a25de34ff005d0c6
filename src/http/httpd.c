/*
 * libmicrohttpd glue. MHD calls the access handler several times per
 * request: once when the headers are in, once per chunk of body, and once
 * more with no data. A response is queued only on that last call, never on
 * the first: libmicrohttpd 0.9.75 closes a keep-alive connection when a
 * response is queued before the body has been read, which cut throughput
 * about five times. The body is collected into a per-request buffer capped
 * at HTTPD_BODY_MAX; a larger one is drained and answered 413, and only one
 * past HTTPD_DRAIN_MAX has its connection closed instead.
 */
#include "http/httpd.h"

#include "base/log.h"
#include "base/metrics.h"
#include "http/httpd_client.h"
#include "http/httpd_watchdog.h"

#include <assert.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HTTPD_BODY_CHUNK 4096      /* first allocation when the length is not announced */
#define HTTPD_DRAIN_POLL_MS 10     /* how often httpd_stop re-checks in-flight requests */
#define HTTPD_PORT_TEXT_MAX 6      /* "65535" plus NUL */
#define HTTPD_MHD_LOG_MAX 256
#define HTTPD_MHD_LOG_PER_SEC 20   /* MHD diagnostics logged per second at most (SEC-43) */

struct httpd {
	struct MHD_Daemon *daemon;
	httpd_handler_fn fn;
	void *arg;
	atomic_int in_flight;  /* requests whose headers have arrived and not yet completed */
	atomic_bool stopping;  /* set by httpd_stop: answers carry Connection: close */
	const struct cidr_list *trusted_proxies; /* see httpd_config */
	struct httpd_watchdog *watchdog; /* SEC-41: header and body deadlines */
	uint16_t port;
};

/* Per-request state, from the first callback until MHD reports completion. */
struct httpd_ctx {
	char *body;            /* NUL-terminated once collected */
	size_t len;
	size_t cap;            /* bytes allocated, including room for the NUL */
	size_t discarded;      /* body bytes dropped after passing HTTPD_BODY_MAX */
	bool too_large;
	bool responded;        /* answered, or refused past the drain limit */
	double started_ms;
};

/* Latencies are often below a millisecond, finer than clock_mono_ms gives,
 * so the request clock reads the monotonic clock itself. */
static double httpd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

double httpd_elapsed_ms(const struct httpd_request *req) { return httpd_now_ms() - req->started_ms; }

bool httpd_parse_listen(const char *text, char host[HTTPD_LISTEN_MAX], uint16_t *port)
{
	const char *colon;
	const char *host_start = text;
	size_t host_len;
	char *end = NULL;
	unsigned long value;

	if (strnlen(text, HTTPD_LISTEN_MAX) >= HTTPD_LISTEN_MAX)
		return false;
	if (text[0] == '[') {
		const char *bracket = strchr(text, ']');
		if (!bracket || bracket[1] != ':')
			return false;
		host_start = text + 1;
		host_len = (size_t)(bracket - host_start);
		colon = bracket + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon || memchr(text, ':', (size_t)(colon - text)))
			return false; /* an unbracketed IPv6 address is ambiguous */
		host_len = (size_t)(colon - text);
	}
	if (colon[1] < '0' || colon[1] > '9')
		return false;
	errno = 0;
	value = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || value > 65535)
		return false;
	memcpy(host, host_start, host_len);
	host[host_len] = '\0';
	*port = (uint16_t)value;
	return true;
}

/* SEC-43: MHD writes a line per failed connection, so a flood of bad
 * connections (a slowloris run cut off by the watchdog, a connection-limit
 * overflow) would become a flood of log lines. At most HTTPD_MHD_LOG_PER_SEC
 * lines pass each second; the rest are counted in one line after. */
static bool httpd_mhd_log_quota(long *suppressed)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static time_t window;
	static long used, dropped;
	time_t now = time(NULL);
	bool pass;

	pthread_mutex_lock(&lock);
	*suppressed = 0;
	if (now != window) {
		*suppressed = dropped;
		window = now;
		used = 0;
		dropped = 0;
	}
	pass = used < HTTPD_MHD_LOG_PER_SEC;
	if (pass)
		used++;
	else
		dropped++;
	pthread_mutex_unlock(&lock);
	return pass;
}

/* MHD's own diagnostics (bind failures, protocol errors) go to our log. */
__attribute__((format(printf, 2, 0))) static void httpd_mhd_log(void *cls, const char *fmt,
								   va_list ap)
{
	char text[HTTPD_MHD_LOG_MAX];
	long suppressed = 0;
	bool pass = httpd_mhd_log_quota(&suppressed);

	if (suppressed > 0)
		log_warn("http.mhd_suppressed", "{s:i}", "lines", (int)suppressed);
	if (!pass)
		return;
	vsnprintf(text, sizeof text, fmt, ap); /* a truncated diagnostic is still useful */
	text[strcspn(text, "\n")] = '\0';
	log_warn("http.mhd", "{s:s}", "message", text);
}

const char *httpd_request_header(const struct httpd_request *req, const char *name)
{
	assert(req && req->conn && name);
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *httpd_request_query(const struct httpd_request *req, const char *name)
{
	assert(req && req->conn && name);
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* Sizes the buffer from Content-Length when it is announced, so a body
 * usually costs one allocation; a length past the cap marks it too large
 * before a byte is buffered. */
static void httpd_ctx_expect(struct httpd_ctx *ctx, struct MHD_Connection *conn)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	char *end = NULL;
	unsigned long long n;

	if (!cl)
		return;
	errno = 0;
	n = strtoull(cl, &end, 10);
	if (errno != 0 || end == cl)
		return; /* MHD itself rejects a malformed length */
	if (n > HTTPD_BODY_MAX)
		ctx->too_large = true;
	else
		ctx->cap = (size_t)n + 1;
}

/* Appends a chunk, or counts it as discarded once the body is too large. */
static void httpd_ctx_append(struct httpd_ctx *ctx, const char *data, size_t n)
{
	size_t want;

	if (!ctx->too_large && ctx->len + n > HTTPD_BODY_MAX)
		ctx->too_large = true;
	if (ctx->too_large) {
		ctx->discarded += n;
		return;
	}
	want = ctx->len + n + 1;
	if (!ctx->body || want > ctx->cap) {
		size_t cap = ctx->body ? ctx->cap : (ctx->cap ? ctx->cap : HTTPD_BODY_CHUNK);
		char *grown;
		while (cap < want)
			cap *= 2;
		if (cap > HTTPD_BODY_MAX + 1)
			cap = HTTPD_BODY_MAX + 1;
		grown = realloc(ctx->body, cap);
		if (!grown) {
			/* Out of memory reads to the client as a body we would not take. */
			ctx->too_large = true;
			ctx->discarded += n;
			return;
		}
		ctx->body = grown;
		ctx->cap = cap;
	}
	memcpy(ctx->body + ctx->len, data, n);
	ctx->len += n;
	ctx->body[ctx->len] = '\0';
}

/* Spells a route pattern's "{id}" as ":id" for a metric label. Braces are
 * legal inside a quoted label value, but line-oriented Prometheus parsers
 * that split a sample at '}' misread them. */
static void httpd_route_label(const char *route, char out[METRICS_LABELS_MAX])
{
	size_t n = 0;

	for (const char *p = route; *p && n < METRICS_LABELS_MAX - 1; p++) {
		if (*p == '}')
			continue;
		out[n++] = *p == '{' ? ':' : *p;
	}
	out[n] = '\0';
}

static void httpd_record(const char *method, const struct httpd_response *resp, double ms)
{
	char route[METRICS_LABELS_MAX];
	char labels[METRICS_LABELS_MAX];
	int n;

	httpd_route_label(resp->route, route);
	n = snprintf(labels, sizeof labels, "route=\"%s\",status=\"%d\"", route, resp->status);

	/* Routes are short static patterns; one that did not fit would be a bug,
	 * and a truncated label would merge series, so it is not counted. */
	assert(n > 0 && (size_t)n < sizeof labels);
	if (n > 0 && (size_t)n < sizeof labels)
		metrics_count("otpgate_http_requests_total", labels, 1);
	log_info("http.request", "{s:s, s:s, s:i, s:f}", "method", method, "route", resp->route,
		 "status", resp->status, "ms", ms);
}

static enum MHD_Result httpd_queue(struct httpd *h, struct MHD_Connection *conn,
				   struct httpd_response *resp)
{
	struct MHD_Response *r;
	enum MHD_Result ok;
	char retry[16];

	if (resp->body) {
		r = MHD_create_response_from_buffer(resp->body_len, resp->body,
						    MHD_RESPMEM_MUST_FREE);
		if (!r)
			free(resp->body);
		resp->body = NULL; /* owned by the response now, or freed */
	} else {
		r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	}
	if (!r)
		return MHD_NO; /* MHD closes the connection: nothing better is possible */
	if (resp->content_type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
	/* Responses carry keys and personal data; no cache should keep them. */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (resp->retry_after_sec > 0) {
		snprintf(retry, sizeof retry, "%d", resp->retry_after_sec);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry);
	}
	if (resp->extra_header)
		MHD_add_response_header(r, resp->extra_header, resp->extra_value);
	if (atomic_load(&h->stopping))
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ok = MHD_queue_response(conn, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	return ok;
}

/* Builds the typed request, runs the handler once, and queues its answer. */
static enum MHD_Result httpd_respond(struct httpd *h, struct MHD_Connection *conn,
				     struct httpd_ctx *ctx, const char *url, const char *method)
{
	struct httpd_request req = {
		.method = method,
		.path = url,
		.body = (ctx->body && !ctx->too_large) ? ctx->body : "",
		.body_len = ctx->too_large ? 0 : ctx->len,
		.body_too_large = ctx->too_large,
		.started_ms = ctx->started_ms,
		.conn = conn,
	};
	struct httpd_response resp = {.route = HTTPD_ROUTE_UNMATCHED};

	httpd_watchdog_handling(h->watchdog, conn);
	httpd_client_address(h->trusted_proxies, conn, &req);
	h->fn(h->arg, &req, &resp);
	assert(resp.status >= 100 && resp.status <= 599);
	if (resp.status < 100 || resp.status > 599) {
		free(resp.body);
		resp.body = NULL;
		resp.status = 500;
	}
	ctx->responded = true;
	httpd_record(method, &resp, httpd_elapsed_ms(&req));
	return httpd_queue(h, conn, &resp);
}

static enum MHD_Result httpd_access(void *cls, struct MHD_Connection *conn, const char *url,
				    const char *method, const char *version,
				    const char *upload_data, size_t *upload_data_size,
				    void **con_cls)
{
	struct httpd *h = cls;
	struct httpd_ctx *ctx = *con_cls;

	if (!ctx) {
		/* First call: headers only. Answering here would cost keep-alive. */
		ctx = calloc(1, sizeof *ctx);
		if (!ctx)
			return MHD_NO;
		ctx->started_ms = httpd_now_ms();
		httpd_watchdog_headers_done(h->watchdog, conn);
		httpd_ctx_expect(ctx, conn);
		atomic_fetch_add(&h->in_flight, 1);
		*con_cls = ctx;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (ctx->responded)
			return MHD_YES;
		httpd_ctx_append(ctx, upload_data, n);
		/* Draining a huge body only to refuse it is unbounded work. MHD
		 * cannot queue an answer while a body is still arriving, so past
		 * HTTPD_DRAIN_MAX the connection is closed without one. */
		if (ctx->discarded > HTTPD_DRAIN_MAX) {
			ctx->responded = true;
			log_warn("http.body_refused", "{s:s, s:s}", "method", method, "reason",
				 "body past the drain limit; connection closed");
			return MHD_NO;
		}
		return MHD_YES;
	}
	if (ctx->responded)
		return MHD_YES;
	return httpd_respond(h, conn, ctx, url, method);
}

static void httpd_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			    enum MHD_RequestTerminationCode toe)
{
	struct httpd *h = cls;
	struct httpd_ctx *ctx = *con_cls;

	if (!ctx)
		return;
	httpd_watchdog_request_done(h->watchdog, conn);
	free(ctx->body);
	free(ctx);
	*con_cls = NULL;
	atomic_fetch_sub(&h->in_flight, 1);
}

/* SEC-42: the connection limit means nothing if the process runs out of
 * descriptors first, so the soft limit is raised toward the hard one. */
static void httpd_raise_fd_limit(unsigned connections)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)connections + HTTPD_FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
		log_warn("http.fd_limit_low", "{s:i, s:i}", "connection_limit", (int)connections,
			 "open_files_max", rl.rlim_cur > INT32_MAX ? INT32_MAX : (int)rl.rlim_cur);
}

/* Resolves the listen address; an empty host means every IPv4 interface. */
static enum og_err httpd_resolve(const char *listen, struct sockaddr_storage *addr,
				 socklen_t *addr_len, uint16_t *port)
{
	char host[HTTPD_LISTEN_MAX];
	char port_text[HTTPD_PORT_TEXT_MAX];
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	enum og_err rc;

	if (!httpd_parse_listen(listen, host, port)) {
		log_error("http.listen_invalid", "{s:s}", "listen", listen);
		return OG_ERR_INVALID_REQUEST;
	}
	snprintf(port_text, sizeof port_text, "%u", (unsigned)*port);
	hints.ai_family = host[0] ? AF_UNSPEC : AF_INET;
	if (getaddrinfo(host[0] ? host : NULL, port_text, &hints, &res) != 0 || !res ||
	    res->ai_addrlen > sizeof *addr) {
		log_error("http.listen_unresolved", "{s:s}", "listen", listen);
		rc = OG_ERR_INVALID_REQUEST;
		goto out;
	}
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	*addr_len = res->ai_addrlen;
	rc = OG_OK;
out:
	if (res)
		freeaddrinfo(res);
	return rc;
}

enum og_err httpd_start(const struct httpd_config *cfg, httpd_handler_fn fn, void *arg,
			struct httpd **out)
{
	struct httpd *h = NULL;
	struct sockaddr_storage addr;
	socklen_t addr_len = 0;
	uint16_t port = 0;
	unsigned workers = cfg->workers;
	/* poll(), not epoll: with an epoll thread pool, MHD_quiesce_daemon
	 * races the workers to remove the listen socket from their epoll sets,
	 * and the loser's MHD_PANIC aborts the process (0.9.75, about one stop
	 * in a few hundred). The poll workers take the quiesce through the ITC
	 * and have no such race; at our connection counts poll costs nothing. */
	unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	unsigned limit = cfg->connection_limit ? cfg->connection_limit : HTTPD_CONNECTIONS_DEFAULT;
	unsigned timeout_sec = cfg->timeout_sec ? cfg->timeout_sec : HTTPD_TIMEOUT_SEC;
	const union MHD_DaemonInfo *info;
	enum og_err rc;

	assert(cfg && fn && out);
	*out = NULL;
	rc = httpd_resolve(cfg->listen, &addr, &addr_len, &port);
	if (rc != OG_OK)
		goto out;
	if (workers == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		workers = (n > 0 ? (unsigned)n : 1) * HTTPD_WORKERS_PER_CPU;
	}
	if (workers > HTTPD_WORKERS_MAX)
		workers = HTTPD_WORKERS_MAX;
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h = calloc(1, sizeof *h);
	if (!h) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	h->fn = fn;
	h->arg = arg;
	h->trusted_proxies = cfg->trusted_proxies;
	metrics_describe("otpgate_http_requests_total", "counter",
			 "HTTP requests by route pattern and status.");
	httpd_raise_fd_limit(limit);
	h->watchdog = httpd_watchdog_start((int64_t)timeout_sec * 1000);
	if (!h->watchdog) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	/* The logger goes first, so MHD reports even option errors through it.
	 * MHD's own timeout stays as the idle timeout of kept-alive connections;
	 * the watchdog adds the per-request deadlines (SEC-41). */
	h->daemon = MHD_start_daemon(
		flags, port, NULL, NULL, &httpd_access, h, MHD_OPTION_EXTERNAL_LOGGER, &httpd_mhd_log,
		NULL, MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&addr,
		MHD_OPTION_THREAD_POOL_SIZE, workers, MHD_OPTION_CONNECTION_LIMIT, limit,
		MHD_OPTION_CONNECTION_TIMEOUT, timeout_sec, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)HTTPD_CONNECTION_MEMORY, MHD_OPTION_NOTIFY_CONNECTION, &httpd_watchdog_notify,
		h->watchdog, MHD_OPTION_NOTIFY_COMPLETED, &httpd_completed, h, MHD_OPTION_END);
	if (!h->daemon) {
		log_error("http.start_failed", "{s:s}", "listen", cfg->listen);
		rc = OG_ERR_IO;
		goto out;
	}
	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : port;
	log_info("http.listening", "{s:s, s:i, s:i}", "listen", cfg->listen, "port", (int)h->port,
		 "workers", (int)workers);
	*out = h;
	h = NULL;
	rc = OG_OK;
out:
	if (h) {
		httpd_watchdog_stop(h->watchdog);
		httpd_watchdog_free(h->watchdog);
	}
	free(h);
	return rc;
}

uint16_t httpd_port(const struct httpd *h) { return h->port; }

void httpd_stop(struct httpd *h, int64_t drain_ms)
{
	MHD_socket listen_fd;
	double deadline;

	if (!h)
		return;
	atomic_store(&h->stopping, true);
	listen_fd = MHD_quiesce_daemon(h->daemon);
	/* In-flight requests, not open connections, are waited for: an idle
	 * keep-alive connection would otherwise hold shutdown for its whole
	 * timeout, and MHD_stop_daemon closes those without losing anything. */
	deadline = httpd_now_ms() + (double)drain_ms;
	while (atomic_load(&h->in_flight) > 0 && httpd_now_ms() < deadline) {
		struct timespec nap = {0, HTTPD_DRAIN_POLL_MS * 1000000L};
		nanosleep(&nap, NULL);
	}
	httpd_watchdog_stop(h->watchdog);
	MHD_stop_daemon(h->daemon);
	httpd_watchdog_free(h->watchdog);
	/* MHD hands the quiesced socket to us, to close only after it stopped. */
	if (listen_fd != MHD_INVALID_SOCKET)
		close(listen_fd);
	log_info("http.stopped", "{s:i}", "abandoned", atomic_load(&h->in_flight));
	free(h);
}
