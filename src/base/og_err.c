/*
 * The error table: each og_err maps to one HTTP status, one stable client
 * code and one default sentence. Clients are written against the codes, so a
 * code here never changes once released.
 */
#include "base/og_err.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>

struct og_err_info {
	int http_status;
	const char *code;
	const char *message;
};

static const struct og_err_info og_err_table[OG_ERR__COUNT] = {
	[OG_OK] = {200, "ok", "success"},
	[OG_ERR_INVALID_JSON] = {400, "invalid_json", "the body is not valid JSON"},
	[OG_ERR_INVALID_REQUEST] = {400, "invalid_request", "the request is invalid"},
	[OG_ERR_UNAUTHORIZED] = {401, "unauthorized", "a valid API key is required"},
	[OG_ERR_INSUFFICIENT_FUNDS] = {402, "insufficient_funds",
				       "the wallet's available balance is below the price"},
	[OG_ERR_CREDIT_LIMIT_REACHED] = {402, "credit_limit_reached",
					 "the send would exceed the tenant's credit limit"},
	[OG_ERR_MONTHLY_CAP_REACHED] = {402, "monthly_cap_reached",
					"the tenant has reached its monthly SMS cap"},
	[OG_ERR_DAILY_SPEND_CAP_REACHED] = {402, "daily_spend_cap_reached",
					    "the tenant has reached its daily spend cap"},
	[OG_ERR_FORBIDDEN] = {403, "forbidden", "this key may not do that"},
	[OG_ERR_TENANT_SUSPENDED] = {403, "tenant_suspended", "the tenant is suspended"},
	[OG_ERR_NOT_FOUND] = {404, "not_found", "no such object"},
	[OG_ERR_METHOD_NOT_ALLOWED] = {405, "method_not_allowed",
				       "the method is not allowed on this path"},
	[OG_ERR_CONFLICT] = {409, "conflict", "the object already exists"},
	[OG_ERR_IDEMPOTENCY_IN_FLIGHT] = {409, "conflict",
					  "a request with this Idempotency-Key is still in flight"},
	[OG_ERR_PAYLOAD_TOO_LARGE] = {413, "payload_too_large", "the body is larger than 64 KiB"},
	[OG_ERR_UNSUPPORTED_MEDIA] = {415, "unsupported_media_type",
				      "the body must be application/json"},
	[OG_ERR_INVALID_PHONE] = {422, "invalid_phone", "the phone number is not valid E.164"},
	[OG_ERR_TEMPLATE_NOT_FOUND] = {422, "template_not_found", "no such template"},
	[OG_ERR_IDEMPOTENCY_REUSED] = {422, "idempotency_key_reused",
				       "the Idempotency-Key was used with a different request"},
	[OG_ERR_TEMPLATE_REJECTED] = {422, "template_rejected",
				      "the template breaks a DLT rule (see docs/DLT.md)"},
	[OG_ERR_DLT_REJECTED] = {422, "dlt_rejected",
				 "an operator's DLT scrub would block this message"},
	[OG_ERR_COUNTRY_NOT_ALLOWED] = {422, "country_not_allowed",
					"the tenant may not send to this country"},
	[OG_ERR_RESEND_TOO_SOON] = {429, "resend_too_soon", "wait before resending"},
	[OG_ERR_TOO_MANY_RESENDS] = {429, "too_many_resends",
				     "the request has been resent the maximum number of times"},
	[OG_ERR_RATE_LIMITED] = {429, "rate_limited", "a rate limit was reached; retry later"},
	[OG_ERR_PREFIX_BLOCKED] = {429, "prefix_blocked",
				   "sends to this number prefix are blocked for the tenant"},
	[OG_ERR_UNAVAILABLE] = {503, "unavailable", "the service is unavailable"},
	[OG_ERR_BUSY] = {503, "unavailable", "the store is busy; retry"},
	[OG_ERR_STORE] = {500, "internal", "the store failed"},
	[OG_ERR_NOMEM] = {500, "internal", "out of memory"},
	[OG_ERR_IO] = {500, "internal", "an I/O operation failed"},
	[OG_ERR_INTERNAL] = {500, "internal", "internal error"},
};

static const struct og_err_info *og_err_info(enum og_err err)
{
	assert(err >= 0 && err < OG_ERR__COUNT);
	return &og_err_table[err];
}

int og_err_http_status(enum og_err err) { return og_err_info(err)->http_status; }

const char *og_err_code(enum og_err err) { return og_err_info(err)->code; }

const char *og_err_strerror(enum og_err err) { return og_err_info(err)->message; }

enum og_err og_fail(struct og_detail *d, enum og_err err, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return err;
	d->field = field;
	va_start(ap, fmt);
	vsnprintf(d->message, sizeof d->message, fmt, ap);
	va_end(ap);
	return err;
}
