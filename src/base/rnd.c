/*
 * CSPRNG helpers. Codes use randombytes_uniform(), which rejection-samples so
 * every digit is exactly uniform (no modulo bias). Ids are ULID-shaped so they
 * sort by time, yet carry 80 random bits so they cannot be guessed or
 * enumerated, and no global sequence is needed across nodes. Within one
 * process they are also strictly increasing (ULID's monotonic mode).
 */
#include "base/rnd.h"

#include <assert.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
static const char base32_lower[] = "abcdefghijklmnopqrstuvwxyz234567";

void rnd_code(size_t len, char out[RND_CODE_LEN_MAX + 1])
{
	assert(len >= RND_CODE_LEN_MIN && len <= RND_CODE_LEN_MAX);
	for (size_t i = 0; i < len; i++)
		out[i] = (char)('0' + randombytes_uniform(10));
	out[len] = '\0';
}

/* The last id's time and random part, so ids made by this process within
 * one millisecond (or while the clock steps back) still sort in the order
 * they were made: "the newest pending request" must mean the newest. */
static pthread_mutex_t rnd_id_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long rnd_id_last_ms;
static unsigned char rnd_id_last_rand[10];

/* Adds one to a big-endian 80-bit number; an overflow (after 2^80 ids in
 * one millisecond) wraps, which cannot happen in practice. */
static void rnd_increment(unsigned char n[10])
{
	for (int i = 9; i >= 0; i--)
		if (++n[i] != 0)
			break;
}

void rnd_id(const char *prefix, long long now_ms, char out[RND_ID_MAX])
{
	unsigned char rand_bytes[10];
	size_t plen = strlen(prefix);
	unsigned long long t = (unsigned long long)now_ms;
	char *p;

	assert(plen >= 1 && plen <= RND_ID_PREFIX_MAX);
	pthread_mutex_lock(&rnd_id_lock);
	if (t > rnd_id_last_ms) {
		rnd_id_last_ms = t;
		randombytes_buf(rnd_id_last_rand, sizeof rnd_id_last_rand);
		/* Leave headroom so increments within the ms never wrap. */
		rnd_id_last_rand[0] &= 0x7f;
	} else {
		t = rnd_id_last_ms;
		rnd_increment(rnd_id_last_rand);
	}
	memcpy(rand_bytes, rnd_id_last_rand, sizeof rand_bytes);
	pthread_mutex_unlock(&rnd_id_lock);

	memcpy(out, prefix, plen);
	out[plen] = '_';
	p = out + plen + 1;
	/* 48-bit time in 10 characters, most significant first. */
	for (int i = 9; i >= 0; i--) {
		p[i] = crockford[t & 31];
		t >>= 5;
	}
	/* 80 random bits in 16 characters. */
	for (int i = 0; i < 16; i++) {
		int bit = i * 5;
		int byte = bit / 8, shift = bit % 8;
		unsigned v = (unsigned)rand_bytes[byte] << 8;
		if (byte + 1 < (int)sizeof rand_bytes)
			v |= rand_bytes[byte + 1];
		p[10 + i] = crockford[(v >> (11 - shift)) & 31];
	}
	p[26] = '\0';
}

void rnd_token(size_t nbytes, char out[RND_TOKEN_MAX])
{
	unsigned char buf[40];
	size_t bits, n = 0;

	assert(nbytes > 0 && nbytes <= sizeof buf);
	randombytes_buf(buf, nbytes);
	bits = nbytes * 8;
	for (size_t bit = 0; bit < bits; bit += 5) {
		size_t byte = bit / 8, shift = bit % 8;
		unsigned v = (unsigned)buf[byte] << 8;
		if (byte + 1 < nbytes)
			v |= buf[byte + 1];
		out[n++] = base32_lower[(v >> (11 - shift)) & 31];
	}
	out[n] = '\0';
	sodium_memzero(buf, sizeof buf);
}
