/*
 * Standard Webhooks 1.0 signatures (UPSTREAMS.md §4), the scheme otpgate
 * signs its deliveries to tenants with. An endpoint's secret is "whsec_"
 * followed by the standard, padded base64 of 24 to 64 random bytes; a
 * delivery carries webhook-id, webhook-timestamp (Unix seconds) and
 * webhook-signature, which is "v1," and the base64 of HMAC-SHA256(key,
 * "id.timestamp.body"). During a rotation the header carries one signature
 * per live secret, separated by a space, so the tenant can verify with
 * either. libsodium does all of it; libsodium must be initialised
 * (sodium_init) before any function here is called.
 */
#ifndef OG_WEBHOOK_SIG_H
#define OG_WEBHOOK_SIG_H

#include "base/og_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEBHOOK_SIG_PREFIX "whsec_"
#define WEBHOOK_SIG_PREFIX_LEN 6
#define WEBHOOK_SIG_KEY_MIN 24 /* bytes of key a secret may carry, per the spec */
#define WEBHOOK_SIG_KEY_MAX 64
#define WEBHOOK_SIG_KEY_NEW 32 /* bytes of key in a secret otpgate generates */
/* Padded base64 of n bytes, without the NUL. */
#define WEBHOOK_SIG_B64_LEN(n) ((((n) + 2) / 3) * 4)
#define WEBHOOK_SIG_SECRET_MAX (WEBHOOK_SIG_PREFIX_LEN + WEBHOOK_SIG_B64_LEN(WEBHOOK_SIG_KEY_MAX) + 1)
#define WEBHOOK_SIG_HMAC_LEN 32
/* "v1," + base64 of one HMAC, plus NUL: 48. */
#define WEBHOOK_SIG_SIGNATURE_MAX (3 + WEBHOOK_SIG_B64_LEN(WEBHOOK_SIG_HMAC_LEN) + 1)
/* Live secrets per endpoint: the current one and, during a rotation, the next. */
#define WEBHOOK_SIG_SECRETS_MAX 2
#define WEBHOOK_SIG_HEADER_MAX (WEBHOOK_SIG_SECRETS_MAX * WEBHOOK_SIG_SIGNATURE_MAX)
/* A webhook-id otpgate signs: 1 to 64 of [A-Za-z0-9_-]. No '.', which
 * would make "id.timestamp.body" ambiguous, and nothing a header cannot carry. */
#define WEBHOOK_SIG_MSG_ID_MAX 64
#define WEBHOOK_SIG_BODY_MAX (1024 * 1024) /* bytes of payload signed at most */
/* A header webhook_sig_verify reads: a few signatures of any version. */
#define WEBHOOK_SIG_VERIFY_HEADER_MAX 1024

/* An endpoint's key. Secret: wipe it with webhook_sig_key_wipe. */
struct webhook_sig_key {
	unsigned char bytes[WEBHOOK_SIG_KEY_MAX];
	size_t len; /* WEBHOOK_SIG_KEY_MIN..WEBHOOK_SIG_KEY_MAX once parsed */
};

/** Writes a new secret: "whsec_" + base64 of WEBHOOK_SIG_KEY_NEW random bytes (50 characters). */
void webhook_sig_secret_new(char out[WEBHOOK_SIG_SECRET_MAX]);

/** Reads a "whsec_" secret into key; OG_ERR_INVALID_REQUEST (key zeroed) unless the rest is
 *  canonical padded standard base64 of 24-64 bytes. */
enum og_err webhook_sig_secret_parse(const char *secret, struct webhook_sig_key *key);

/** Writes "v1,<base64 HMAC-SHA256(key, msg_id.timestamp.body)>"; OG_ERR_INVALID_REQUEST for a bad id or
 *  timestamp, OG_ERR_PAYLOAD_TOO_LARGE past WEBHOOK_SIG_BODY_MAX; out is "" on failure. */
enum og_err webhook_sig_sign(const struct webhook_sig_key *key, const char *msg_id,
			     int64_t timestamp_sec, const void *body, size_t body_len,
			     char out[WEBHOOK_SIG_SIGNATURE_MAX]);

/** Writes the webhook-signature header value: one signature per key (1 or 2), space-separated in key
 *  order; errors as webhook_sig_sign. */
enum og_err webhook_sig_header(const struct webhook_sig_key *const keys[], size_t nkeys,
			       const char *msg_id, int64_t timestamp_sec, const void *body,
			       size_t body_len, char out[WEBHOOK_SIG_HEADER_MAX]);

/** True if any space-separated signature in header is the v1 signature under key, compared in constant
 *  time; false for anything else. Checks no timestamp tolerance: that is the receiver's policy. */
bool webhook_sig_verify(const struct webhook_sig_key *key, const char *msg_id,
			int64_t timestamp_sec, const void *body, size_t body_len, const char *header);

/** Zeroes the key bytes and length. */
void webhook_sig_key_wipe(struct webhook_sig_key *key);

#endif
