/*
 * The HTTP server: libmicrohttpd with an internal thread pool, one handler
 * for every request, and typed request and response structs so that nothing
 * above this layer includes microhttpd.h. The server collects each body
 * (up to HTTPD_BODY_MAX) before it calls the handler exactly once, records
 * per-route request counts, and writes one log line per request.
 */
#ifndef OG_HTTPD_H
#define OG_HTTPD_H

#include "base/cidr.h"
#include "base/og_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTPD_LISTEN_MAX 272        /* "HOST:PORT" or "[v6]:PORT", plus NUL */
#define HTTPD_BODY_MAX (64 * 1024)  /* a larger body is answered 413 */
#define HTTPD_DRAIN_MAX (1024 * 1024) /* past this much oversized body, the connection is closed */
#define HTTPD_IP_MAX 46             /* INET6_ADDRSTRLEN */
#define HTTPD_HEADER_VALUE_MAX 128  /* the optional extra response header's value */
#define HTTPD_TIMEOUT_SEC 10        /* SEC-41: headers, then body, must arrive within this */
#define HTTPD_CONNECTIONS_DEFAULT 1024 /* SEC-42 */
/* SEC-40: each connection's memory, from which MHD reads the request line
 * and headers; a header block that does not fit is refused (431). */
#define HTTPD_CONNECTION_MEMORY (32 * 1024)
#define HTTPD_FD_RESERVE 256        /* descriptors kept for the store, logs and upstreams */
#define HTTPD_WORKERS_MAX 256
/* Pool threads per CPU when the configuration says 0. A handler blocks
 * while its write transaction waits for the group commit (store_sqlite_txn.c),
 * so a few threads per core keep the cores busy and give the groups
 * members; docs/PERFORMANCE.md has the measurements behind the number. */
#define HTTPD_WORKERS_PER_CPU 8
#define HTTPD_ROUTE_UNMATCHED "unmatched" /* the metrics label for a path no route knows */

struct httpd_config {
	char listen[HTTPD_LISTEN_MAX]; /* "HOST:PORT"; port 0 picks a free one */
	unsigned workers;              /* pool threads; 0 for HTTPD_WORKERS_PER_CPU per CPU */
	unsigned connection_limit;     /* 0 for HTTPD_CONNECTIONS_DEFAULT */
	unsigned timeout_sec;          /* 0 for HTTPD_TIMEOUT_SEC */
	/* Peers whose X-Forwarded-For is believed (ABUSE-04); NULL or empty: no
	 * peer's. Owned by the caller, and must outlive the server. */
	const struct cidr_list *trusted_proxies;
};

/* One request, complete, as the handler sees it. Every pointer is valid
 * only during the handler call. */
struct httpd_request {
	const char *method;         /* "GET", "POST", ... */
	const char *path;           /* decoded path, without the query string */
	const char *body;           /* NUL-terminated; "" when there is none */
	size_t body_len;
	bool body_too_large;        /* the body passed HTTPD_BODY_MAX and was discarded */
	char client_ip[HTTPD_IP_MAX];
	bool forwarded;             /* client_ip came from a trusted proxy's X-Forwarded-For */
	double started_ms;          /* monotonic ms when the request began, see httpd_elapsed_ms */
	void *conn;                 /* the libmicrohttpd connection; for the lookups below */
};

/* What the handler answers. The handler sets status and may set the rest. */
struct httpd_response {
	int status;
	char *body;                 /* malloc'd; the server frees it once sent; NULL for none */
	size_t body_len;
	const char *content_type;   /* a static string; NULL for none */
	int retry_after_sec;        /* > 0 adds Retry-After */
	const char *extra_header;   /* a static header name, or NULL */
	char extra_value[HTTPD_HEADER_VALUE_MAX];
	const char *route;          /* the static route pattern, for metrics and logs */
};

/** Handles one request; must set resp->status, and resp->route to a static pattern. */
typedef void (*httpd_handler_fn)(void *arg, const struct httpd_request *req,
				 struct httpd_response *resp);

struct httpd;

/** Parses "HOST:PORT" (HOST may be empty or a bracketed IPv6 address); false if malformed. */
bool httpd_parse_listen(const char *text, char host[HTTPD_LISTEN_MAX], uint16_t *port);

/** Starts listening and serving; OG_ERR_INVALID_REQUEST for a bad listen address, OG_ERR_IO if it cannot bind. */
enum og_err httpd_start(const struct httpd_config *cfg, httpd_handler_fn fn, void *arg,
		struct httpd **out);

/** Returns the port actually bound (useful when the config asked for port 0). */
uint16_t httpd_port(const struct httpd *h);

/** Stops accepting, waits up to drain_ms for in-flight requests, then stops and frees h. */
void httpd_stop(struct httpd *h, int64_t drain_ms);

/** Returns a request header's value (case-insensitive name), or NULL. */
const char *httpd_request_header(const struct httpd_request *req, const char *name);

/** Returns a query-string argument's decoded value, or NULL if absent. */
const char *httpd_request_query(const struct httpd_request *req, const char *name);

/** Returns the ms elapsed since the request began. */
double httpd_elapsed_ms(const struct httpd_request *req);

#endif
