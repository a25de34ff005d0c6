/*
 * The one project-wide error enum. Every failure that can reach a client has
 * a code here, and og_err.c maps each code to exactly one HTTP status and one
 * stable JSON error code, so the mapping lives in a single table.
 */
#ifndef OG_ERR_H
#define OG_ERR_H

enum og_err {
	OG_OK = 0,
	/* Client errors, in the order of their HTTP status. */
	OG_ERR_INVALID_JSON,         /* 400 invalid_json */
	OG_ERR_INVALID_REQUEST,      /* 400 invalid_request */
	OG_ERR_UNAUTHORIZED,         /* 401 unauthorized */
	OG_ERR_INSUFFICIENT_FUNDS,   /* 402 insufficient_funds */
	OG_ERR_CREDIT_LIMIT_REACHED, /* 402 credit_limit_reached */
	OG_ERR_MONTHLY_CAP_REACHED,  /* 402 monthly_cap_reached */
	OG_ERR_DAILY_SPEND_CAP_REACHED, /* 402 daily_spend_cap_reached */
	OG_ERR_FORBIDDEN,            /* 403 forbidden */
	OG_ERR_TENANT_SUSPENDED,     /* 403 tenant_suspended */
	OG_ERR_NOT_FOUND,            /* 404 not_found */
	OG_ERR_METHOD_NOT_ALLOWED,   /* 405 method_not_allowed */
	OG_ERR_CONFLICT,             /* 409 conflict */
	OG_ERR_IDEMPOTENCY_IN_FLIGHT,/* 409 conflict */
	OG_ERR_PAYLOAD_TOO_LARGE,    /* 413 payload_too_large */
	OG_ERR_UNSUPPORTED_MEDIA,    /* 415 unsupported_media_type */
	OG_ERR_INVALID_PHONE,        /* 422 invalid_phone */
	OG_ERR_TEMPLATE_NOT_FOUND,   /* 422 template_not_found */
	OG_ERR_IDEMPOTENCY_REUSED,   /* 422 idempotency_key_reused */
	OG_ERR_TEMPLATE_REJECTED,    /* 422 template_rejected: a DLT lint rule (og_detail.rule) */
	OG_ERR_DLT_REJECTED,         /* 422 dlt_rejected: the pre-scrub (og_detail.dlt_code, .rule) */
	OG_ERR_COUNTRY_NOT_ALLOWED,  /* 422 country_not_allowed */
	OG_ERR_RESEND_TOO_SOON,      /* 429 resend_too_soon */
	OG_ERR_TOO_MANY_RESENDS,     /* 429 too_many_resends */
	OG_ERR_RATE_LIMITED,         /* 429 rate_limited: og_detail.limit names the limit */
	OG_ERR_PREFIX_BLOCKED,       /* 429 prefix_blocked */
	/* Operational errors: the service, not the request, is at fault. */
	OG_ERR_UNAVAILABLE,          /* 503 unavailable */
	OG_ERR_BUSY,                 /* 503 unavailable: the store is locked; retry */
	OG_ERR_STORE,                /* 500 internal: the store failed */
	OG_ERR_NOMEM,                /* 500 internal */
	OG_ERR_IO,                   /* 500 internal: a file or socket failed */
	OG_ERR_INTERNAL,             /* 500 internal */
	OG_ERR__COUNT
};

#define OG_DETAIL_MESSAGE_MAX 192

/* What went wrong in words for the client: the offending field and a
 * sentence. Filled by the layer that detects the error. */
struct og_detail {
	const char *field; /* a static string such as "otp.length", or NULL */
	char message[OG_DETAIL_MESSAGE_MAX];
	const char *limit;    /* the limit that refused a request (a static name), or NULL */
	int retry_after_sec;  /* > 0: when a refused request may succeed (Retry-After) */
	const char *dlt_code; /* the operator's DLT code, e.g. "TL-NT-MTCHD" (static), or NULL */
	const char *rule;     /* the rule that refused, e.g. "DLT-05" (static), or NULL */
};

/** Records field and a printf-style message in d (which may be NULL); returns err. */
enum og_err og_fail(struct og_detail *d, enum og_err err, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/** Returns the HTTP status that the error maps to. */
int og_err_http_status(enum og_err err);

/** Returns the stable snake_case code sent to clients, e.g. "not_found". */
const char *og_err_code(enum og_err err);

/** Returns a human sentence describing the error, for messages and logs. */
const char *og_err_strerror(enum og_err err);

#endif
