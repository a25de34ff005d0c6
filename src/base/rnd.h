/*
 * Randomness from libsodium's CSPRNG: OTP codes, object ids and API key
 * secrets. Nothing here ever uses rand().
 */
#ifndef OG_RND_H
#define OG_RND_H

#include <stddef.h>

#define RND_CODE_LEN_MIN 4
#define RND_CODE_LEN_MAX 10
/* An id is a short type prefix, '_', then 26 Crockford base32 characters:
 * 48 bits of milliseconds (so ids sort by creation) and 80 random bits. */
#define RND_ID_PREFIX_MAX 8
#define RND_ID_MAX (RND_ID_PREFIX_MAX + 1 + 26 + 1)
#define RND_TOKEN_MAX 65 /* base32 of up to 40 random bytes (64 characters), plus NUL */

/** Fills out with len uniformly random decimal digits (rejection-sampled) and a NUL. */
void rnd_code(size_t len, char out[RND_CODE_LEN_MAX + 1]);

/** Writes "<prefix>_<ulid>" for the given time, greater than any id made before in this process. */
void rnd_id(const char *prefix, long long now_ms, char out[RND_ID_MAX]);

/** Writes nbytes random bytes as lowercase base32 (no padding); nbytes <= 40. */
void rnd_token(size_t nbytes, char out[RND_TOKEN_MAX]);

#endif
