/*
 * The StartMessaging-style HTTP gateway (DOMAIN.md §2): the request body the
 * provider sends and the parser for the gateway's replies, exposed here so
 * unit tests and fuzz targets can drive them without a network. The provider
 * table itself is reached through upstream_find("startmessaging").
 */
#ifndef OG_PROVIDER_STARTMESSAGING_H
#define OG_PROVIDER_STARTMESSAGING_H

#include "upstream/upstream.h"

#define PROVIDER_STARTMESSAGING_SEND_PATH "/otp/send"
#define PROVIDER_STARTMESSAGING_HEADER_MAX (16 + STORE_CREDENTIAL_MAX) /* "X-API-Key: " + key */

/** Writes rq's send body as NUL-terminated JSON into out; returns its length, 0 if it won't fit. */
size_t provider_startmessaging_body(const struct upstream_request *rq, char *out, size_t max);

/** Classifies a gateway reply (status, len bytes of body) into res; never fails. */
void provider_startmessaging_parse(long http_status, const char *body, size_t len,
				   struct upstream_result *res);

#endif
