/*
 * SMS providers and their registry. A provider is a static table of function
 * pointers: one that needs no network (the log provider) delivers
 * synchronously, and an HTTP provider only fills a libcurl easy handle and
 * later classifies the reply, so the dispatcher can drive many transfers at
 * once through one multi handle. upstream.c is the only file that names the
 * providers; everything else finds them by name.
 */
#ifndef OG_UPSTREAM_H
#define OG_UPSTREAM_H

#include "store/store.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

#define UPSTREAM_PROVIDERS_MAX 8             /* entries in the registry */
#define UPSTREAM_VARS_MAX STORE_TEMPLATE_VARS_MAX
#define UPSTREAM_URL_MAX (STORE_URL_MAX + 64) /* base URL plus an endpoint path */
#define UPSTREAM_REQUEST_BODY_MAX 8192       /* one request body, plus NUL */
#define UPSTREAM_RESPONSE_MAX 16384          /* reply bytes kept; the rest is cut off */
#define UPSTREAM_CURL_ERROR_MAX CURL_ERROR_SIZE

/* One SMS to send. Every string is NUL-terminated and owned by the caller
 * for as long as the provider may use it (until classify returns). */
struct upstream_request {
	const char *tenant_id;
	const char *message_id;
	const char *to;              /* E.164, unmasked: only a provider may see it */
	const char *sender_header;
	const char *pe_id;
	const char *dlt_template_id;
	const char *text;            /* the rendered SMS */
	size_t var_count;
	const char *var_names[UPSTREAM_VARS_MAX];
	const char *var_values[UPSTREAM_VARS_MAX];
	const char *url;             /* the upstream base URL; "" if none */
	const char *api_key;         /* the upstream credential; "" if none */
};

enum upstream_verdict {
	UPSTREAM_ACCEPTED,  /* the upstream took the message */
	UPSTREAM_TRANSIENT, /* connection error, timeout, 5xx or 429: retry later */
	UPSTREAM_PERMANENT  /* any other refusal: retrying would not help */
};

struct upstream_result {
	int verdict;                                         /* enum upstream_verdict */
	long http_status;                                    /* 0 when there was no reply */
	char provider_message_id[STORE_PROVIDER_MSG_ID_MAX]; /* set when accepted */
	char error[STORE_ERROR_TEXT_MAX];                    /* set otherwise; never a secret */
};

/* What an HTTP provider sets up for one transfer. The dispatcher owns it and
 * keeps it alive until the transfer ends, because libcurl reads the body and
 * the header list in place. */
struct upstream_transfer {
	char url[UPSTREAM_URL_MAX];
	char body[UPSTREAM_REQUEST_BODY_MAX];
	size_t body_len;
	struct curl_slist *headers; /* freed by the dispatcher with curl_slist_free_all */
};

/* How a transfer ended, as the dispatcher saw it. */
struct upstream_response {
	CURLcode curl_code;  /* CURLE_OK when a whole (or deliberately cut) reply arrived */
	const char *curl_error; /* libcurl's error text, "" if none */
	long http_status;    /* 0 when no reply arrived */
	const char *body;    /* the first body_len bytes of the reply, not NUL-terminated */
	size_t body_len;
	bool body_cut;       /* the reply exceeded UPSTREAM_RESPONSE_MAX */
};

/* Settings every provider instance may draw on. */
struct upstream_options {
	const char *sms_log_path; /* the log provider's file; NULL for stdout */
};

struct upstream_provider {
	const char *name;
	/** Creates the provider's state for one dispatcher; NULL if it keeps none. */
	enum og_err (*instance_new)(const struct upstream_options *o, void **out);
	/** Frees what instance_new made; NULL if it keeps none. */
	void (*instance_free)(void *inst);
	/** Delivers rq synchronously into res; NULL for HTTP providers. */
	void (*deliver)(void *inst, const struct upstream_request *rq, struct upstream_result *res);
	/** Fills easy and xf for rq; false with res set if rq cannot be sent at all. */
	bool (*prepare)(void *inst, const struct upstream_request *rq, CURL *easy,
			struct upstream_transfer *xf, struct upstream_result *res);
	/** Turns a finished transfer into a verdict in res. */
	void (*classify)(void *inst, const struct upstream_response *rsp,
			 struct upstream_result *res);
};

/* The providers' live state for one dispatcher: one instance per provider. */
struct upstream_set {
	size_t count;
	const struct upstream_provider *provider[UPSTREAM_PROVIDERS_MAX];
	void *instance[UPSTREAM_PROVIDERS_MAX];
};

/** Returns the registered provider called name, or NULL if there is none. */
const struct upstream_provider *upstream_find(const char *name);

/** Creates an instance of every provider; on failure nothing is left open. */
enum og_err upstream_set_open(const struct upstream_options *o, struct upstream_set *out);

/** Frees every instance in s; s may be zeroed or partly opened. */
void upstream_set_close(struct upstream_set *s);

/** Finds name in s with its instance; false if no such provider is registered. */
bool upstream_set_find(const struct upstream_set *s, const char *name,
		       const struct upstream_provider **p, void **inst);

/** Copies up to len bytes of src into dst (size max), cut on a UTF-8 boundary, controls blanked. */
void upstream_text_copy(char *dst, size_t max, const char *src, size_t len);

/** Sets res to a verdict with a printf-style error text (cut to fit). */
void upstream_fail(struct upstream_result *res, int verdict, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** Classifies a transfer that brought no HTTP reply as transient; false if a reply must decide. */
bool upstream_classify_common(const struct upstream_response *rsp, struct upstream_result *res);

#endif
