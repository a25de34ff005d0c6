/*
 * Standard Webhooks signing with libsodium: crypto_auth_hmacsha256 (which
 * takes a key of any length, as the spec's 24-64 bytes need), the ORIGINAL
 * (standard alphabet, padded) base64 variant that the reference libraries
 * write and read, and randombytes_buf for new secrets. The signed content
 * is streamed into the HMAC in its three parts, so a body is never copied
 * next to its prefix. Key material on the stack is zeroed before return.
 */
#include "base/webhook_sig.h"

#include <assert.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define WEBHOOK_SIG_VERSION "v1,"
#define WEBHOOK_SIG_VERSION_LEN 3
#define WEBHOOK_SIG_TIMESTAMP_MAX 21 /* an int64 in decimal, plus NUL */

_Static_assert(sizeof WEBHOOK_SIG_PREFIX - 1 == WEBHOOK_SIG_PREFIX_LEN, "prefix length");
_Static_assert(WEBHOOK_SIG_B64_LEN(WEBHOOK_SIG_KEY_MAX) + 1 ==
		       sodium_base64_ENCODED_LEN(WEBHOOK_SIG_KEY_MAX, sodium_base64_VARIANT_ORIGINAL),
	       "our base64 length is libsodium's");
_Static_assert(WEBHOOK_SIG_HMAC_LEN == crypto_auth_hmacsha256_BYTES, "HMAC-SHA256 length");

void webhook_sig_secret_new(char out[WEBHOOK_SIG_SECRET_MAX])
{
	unsigned char key[WEBHOOK_SIG_KEY_NEW];

	assert(out);
	randombytes_buf(key, sizeof key);
	memcpy(out, WEBHOOK_SIG_PREFIX, WEBHOOK_SIG_PREFIX_LEN);
	sodium_bin2base64(out + WEBHOOK_SIG_PREFIX_LEN, WEBHOOK_SIG_SECRET_MAX - WEBHOOK_SIG_PREFIX_LEN,
			  key, sizeof key, sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(key, sizeof key);
}

enum og_err webhook_sig_secret_parse(const char *secret, struct webhook_sig_key *key)
{
	enum og_err rc = OG_ERR_INVALID_REQUEST;
	size_t len, b64_len, bin_len = 0;
	const char *b64;

	assert(secret && key);
	webhook_sig_key_wipe(key);
	len = strnlen(secret, WEBHOOK_SIG_SECRET_MAX);
	if (len >= WEBHOOK_SIG_SECRET_MAX || len <= WEBHOOK_SIG_PREFIX_LEN)
		goto out;
	/* The prefix says what the string is; a bare base64 key is refused so
	 * that a key pasted into the wrong field is caught here. */
	if (memcmp(secret, WEBHOOK_SIG_PREFIX, WEBHOOK_SIG_PREFIX_LEN) != 0)
		goto out;
	b64 = secret + WEBHOOK_SIG_PREFIX_LEN;
	b64_len = len - WEBHOOK_SIG_PREFIX_LEN;
	/* No characters ignored and no b64_end: libsodium then fails unless the
	 * whole string is canonical padded base64, and fails past the buffer,
	 * which is how a key over WEBHOOK_SIG_KEY_MAX is refused. */
	if (sodium_base642bin(key->bytes, sizeof key->bytes, b64, b64_len, NULL, &bin_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		goto out;
	if (bin_len < WEBHOOK_SIG_KEY_MIN || bin_len > WEBHOOK_SIG_KEY_MAX)
		goto out;
	key->len = bin_len;
	rc = OG_OK;
out:
	if (rc != OG_OK)
		webhook_sig_key_wipe(key);
	return rc;
}

/* True if id is 1..WEBHOOK_SIG_MSG_ID_MAX of [A-Za-z0-9_-]. */
static bool webhook_sig_id_ok(const char *msg_id)
{
	size_t len = strnlen(msg_id, WEBHOOK_SIG_MSG_ID_MAX + 1);

	if (len == 0 || len > WEBHOOK_SIG_MSG_ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = msg_id[i];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

/* Checks the inputs every signature shares. */
static enum og_err webhook_sig_check(const char *msg_id, int64_t timestamp_sec, const void *body,
				     size_t body_len)
{
	assert(msg_id);
	assert(body || body_len == 0);
	if (!webhook_sig_id_ok(msg_id) || timestamp_sec < 0)
		return OG_ERR_INVALID_REQUEST;
	if (body_len > WEBHOOK_SIG_BODY_MAX)
		return OG_ERR_PAYLOAD_TOO_LARGE;
	return OG_OK;
}

/* Writes the signature of checked inputs; cannot fail. */
static void webhook_sig_compute(const struct webhook_sig_key *key, const char *msg_id,
				int64_t timestamp_sec, const void *body, size_t body_len,
				char out[WEBHOOK_SIG_SIGNATURE_MAX])
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[WEBHOOK_SIG_HMAC_LEN];
	char ts[WEBHOOK_SIG_TIMESTAMP_MAX];
	int ts_len;

	assert(key->len >= WEBHOOK_SIG_KEY_MIN && key->len <= WEBHOOK_SIG_KEY_MAX);
	ts_len = snprintf(ts, sizeof ts, "%" PRId64, timestamp_sec);
	assert(ts_len > 0 && (size_t)ts_len < sizeof ts);
	crypto_auth_hmacsha256_init(&st, key->bytes, key->len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg_id, strlen(msg_id));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, (size_t)ts_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	if (body_len > 0)
		crypto_auth_hmacsha256_update(&st, body, body_len);
	crypto_auth_hmacsha256_final(&st, mac);
	memcpy(out, WEBHOOK_SIG_VERSION, WEBHOOK_SIG_VERSION_LEN);
	sodium_bin2base64(out + WEBHOOK_SIG_VERSION_LEN,
			  WEBHOOK_SIG_SIGNATURE_MAX - WEBHOOK_SIG_VERSION_LEN, mac, sizeof mac,
			  sodium_base64_VARIANT_ORIGINAL);
	/* The state holds the key's padded blocks; the MAC is harmless but is
	 * wiped with it so no copy outlives the output. */
	sodium_memzero(&st, sizeof st);
	sodium_memzero(mac, sizeof mac);
}

enum og_err webhook_sig_sign(const struct webhook_sig_key *key, const char *msg_id,
			     int64_t timestamp_sec, const void *body, size_t body_len,
			     char out[WEBHOOK_SIG_SIGNATURE_MAX])
{
	enum og_err rc;

	assert(key && out);
	out[0] = '\0';
	rc = webhook_sig_check(msg_id, timestamp_sec, body, body_len);
	if (rc != OG_OK)
		return rc;
	webhook_sig_compute(key, msg_id, timestamp_sec, body, body_len, out);
	return OG_OK;
}

enum og_err webhook_sig_header(const struct webhook_sig_key *const keys[], size_t nkeys,
			       const char *msg_id, int64_t timestamp_sec, const void *body,
			       size_t body_len, char out[WEBHOOK_SIG_HEADER_MAX])
{
	size_t used = 0;
	enum og_err rc;

	assert(keys && out);
	assert(nkeys >= 1 && nkeys <= WEBHOOK_SIG_SECRETS_MAX);
	out[0] = '\0';
	rc = webhook_sig_check(msg_id, timestamp_sec, body, body_len);
	if (rc != OG_OK)
		return rc;
	for (size_t i = 0; i < nkeys; i++) {
		char sig[WEBHOOK_SIG_SIGNATURE_MAX];
		size_t len;

		assert(keys[i]);
		webhook_sig_compute(keys[i], msg_id, timestamp_sec, body, body_len, sig);
		len = strlen(sig);
		/* Each signature takes its length plus a separator or the NUL,
		 * which is exactly what WEBHOOK_SIG_HEADER_MAX counts. */
		assert(used + (i > 0) + len < WEBHOOK_SIG_HEADER_MAX);
		if (i > 0)
			out[used++] = ' ';
		memcpy(out + used, sig, len + 1);
		used += len;
	}
	return OG_OK;
}

bool webhook_sig_verify(const struct webhook_sig_key *key, const char *msg_id,
			int64_t timestamp_sec, const void *body, size_t body_len, const char *header)
{
	char want[WEBHOOK_SIG_SIGNATURE_MAX];
	size_t want_len, header_len;
	bool found = false;
	const char *p;

	assert(key && header);
	if (webhook_sig_check(msg_id, timestamp_sec, body, body_len) != OG_OK)
		return false;
	header_len = strnlen(header, WEBHOOK_SIG_VERIFY_HEADER_MAX);
	if (header_len >= WEBHOOK_SIG_VERIFY_HEADER_MAX)
		return false;
	webhook_sig_compute(key, msg_id, timestamp_sec, body, body_len, want);
	want_len = strlen(want);
	p = header;
	/* Every candidate is compared, matched or not, so the time taken says
	 * nothing about which one matched. */
	while (p < header + header_len) {
		size_t len = strcspn(p, " ");
		if (len == want_len && sodium_memcmp(p, want, want_len) == 0)
			found = true;
		p += len;
		if (*p == ' ')
			p++;
	}
	sodium_memzero(want, sizeof want);
	return found;
}

void webhook_sig_key_wipe(struct webhook_sig_key *key)
{
	assert(key);
	sodium_memzero(key, sizeof *key);
}
