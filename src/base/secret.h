/*
 * The deployment secret and what is derived from it. The secret is 32 random
 * bytes in a file of mode 0600 beside the database, never in the database
 * itself, so a stolen database alone reveals no code, key or credential.
 * Independent subkeys are derived per purpose with crypto_kdf, so a key used
 * for one purpose can never be confused with another.
 */
#ifndef OG_SECRET_H
#define OG_SECRET_H

#include "base/og_err.h"

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>

#define SECRET_KEY_LEN 32
#define SECRET_HASH_LEN 32
#define SECRET_PATH_MAX 1024
/* A sealed blob: version byte, 24-byte nonce, ciphertext, 16-byte tag. */
#define SECRET_SEAL_OVERHEAD (1 + 24 + 16)
#define SECRET_HMAC_PARTS_MAX 8
#define SECRET_ID_MAX 17 /* a secret's fingerprint: 16 hex characters plus NUL */
/* Files beside the secret file (SEC-03): the secret a rotation replaced,
 * kept to verify old hashes, and the secret a rotation in progress installs. */
#define SECRET_PREV_SUFFIX ".prev"
#define SECRET_NEXT_SUFFIX ".next"

enum secret_purpose {
	SECRET_CODE_HMAC,  /* OTP codes */
	SECRET_KEY_HMAC,   /* API keys */
	SECRET_PHONE_HMAC, /* phone-number lookups */
	SECRET_SEAL,       /* encryption at rest */
	SECRET_ID,         /* the fingerprint naming this secret (SEC-04) */
	SECRET__COUNT
};

struct secret {
	unsigned char subkey[SECRET__COUNT][SECRET_KEY_LEN]; /* derived, one per purpose */
	/* Each HMAC subkey's state after its key block: an HMAC starts from a
	 * copy, which saves the two key-block compressions that are half of
	 * hashing a short code or phone number. Secret like the subkeys. */
	crypto_auth_hmacsha256_state keyed[SECRET__COUNT];
	char id[SECRET_ID_MAX]; /* fingerprint: a keyed hash, safe to store and log */
};

/** Reads the secret file, creating 32 random bytes with mode 0600 if it is absent. */
enum og_err secret_load(const char *path, struct secret *out);

/** Derives the subkeys from raw key material; used by secret_load and by tests. */
void secret_derive(const unsigned char master[SECRET_KEY_LEN], struct secret *out);

/** HMAC-SHA256 over the length-prefixed parts, under the purpose's subkey. */
void secret_hmac(const struct secret *s, enum secret_purpose purpose, const char *const parts[],
		 size_t nparts, unsigned char out[SECRET_HASH_LEN]);

/** Encrypts len bytes bound to context ad; out needs len + SECRET_SEAL_OVERHEAD bytes. */
enum og_err secret_seal(const struct secret *s, const char *ad, const void *plain, size_t len,
			unsigned char *out, size_t out_max, size_t *out_len);

/** Decrypts a sealed blob; returns OG_ERR_INTERNAL if it was tampered with or the key differs. */
enum og_err secret_open(const struct secret *s, const char *ad, const unsigned char *sealed,
			size_t len, void *plain, size_t plain_max, size_t *plain_len);

/** Zeroes the subkeys and their HMAC states. */
void secret_wipe(struct secret *s);

/** Reads an existing secret file's raw bytes; OG_ERR_NOT_FOUND if absent, OG_ERR_IO if unreadable or short. */
enum og_err secret_read_master(const char *path, unsigned char master[SECRET_KEY_LEN]);

/** Reads an existing secret file (never creates one); OG_ERR_NOT_FOUND if absent. */
enum og_err secret_read(const char *path, struct secret *out);

/** Writes master to path atomically (temporary file, fsync, rename, directory fsync), mode 0600. */
enum og_err secret_write(const char *path, const unsigned char master[SECRET_KEY_LEN]);

/** Writes path plus suffix into out; false if it would not fit. */
bool secret_path(const char *path, const char *suffix, char out[SECRET_PATH_MAX]);

/** Locks the existing secret file itself (flock), shared or exclusive, without waiting,
 *  so a rotation and a running server exclude each other (SEC-07); returns the
 *  descriptor, or -1 with *busy set when another process holds the lock. */
int secret_lock(const char *path, bool exclusive, bool *busy);

/** Releases a lock taken by secret_lock; fd may be -1. */
void secret_unlock(int fd);

#endif
