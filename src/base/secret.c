/*
 * Secret file handling, keyed hashing and authenticated encryption, all with
 * libsodium: crypto_kdf for subkeys, HMAC-SHA256 for lookups and codes, and
 * XChaCha20-Poly1305 (random 192-bit nonces are safe) for data at rest.
 */
#include "base/secret.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET_SEAL_VERSION 1
#define SECRET_NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES

static const char secret_kdf_context[crypto_kdf_CONTEXTBYTES] = {'o', 't', 'p', 'g',
								   'a', 't', 'e', '1'};

/* SEC-04: a secret's name. A keyed hash of a constant reveals nothing of
 * the key, yet tells two secrets apart, so it can sit in the database and
 * in logs to show which secret a hash or a seal belongs to. */
static void secret_make_id(struct secret *s)
{
	static const char *const parts[] = {"otpgate secret id"};
	unsigned char mac[SECRET_HASH_LEN];

	secret_hmac(s, SECRET_ID, parts, 1, mac);
	sodium_bin2hex(s->id, sizeof s->id, mac, (SECRET_ID_MAX - 1) / 2);
	sodium_memzero(mac, sizeof mac);
}

void secret_derive(const unsigned char master[SECRET_KEY_LEN], struct secret *out)
{
	memset(out, 0, sizeof *out); /* the seal key has no HMAC state: keep it defined */
	for (int i = 0; i < SECRET__COUNT; i++) {
		crypto_kdf_derive_from_key(out->subkey[i], SECRET_KEY_LEN, (uint64_t)i + 1,
					   secret_kdf_context, master);
		if (i != SECRET_SEAL)
			crypto_auth_hmacsha256_init(&out->keyed[i], out->subkey[i], SECRET_KEY_LEN);
	}
	secret_make_id(out);
}

static enum og_err read_exact(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return OG_ERR_IO;
		got += (size_t)n;
	}
	return OG_OK;
}

static enum og_err write_exact(int fd, const unsigned char *buf, size_t len)
{
	size_t put = 0;
	while (put < len) {
		ssize_t n = write(fd, buf + put, len - put);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return OG_ERR_IO;
		put += (size_t)n;
	}
	return OG_OK;
}

/* Creates the file exclusively so two processes starting at once cannot
 * both write a different secret; the loser reads the winner's. */
static enum og_err secret_create(const char *path, unsigned char master[SECRET_KEY_LEN])
{
	enum og_err rc;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? OG_ERR_CONFLICT : OG_ERR_IO;
	randombytes_buf(master, SECRET_KEY_LEN);
	rc = write_exact(fd, master, SECRET_KEY_LEN);
	if (rc == OG_OK && fsync(fd) != 0)
		rc = OG_ERR_IO;
	close(fd);
	if (rc != OG_OK)
		unlink(path);
	return rc;
}

enum og_err secret_load(const char *path, struct secret *out)
{
	unsigned char master[SECRET_KEY_LEN];
	enum og_err rc;
	int fd = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		rc = secret_create(path, master);
		if (rc == OG_OK)
			goto derive;
		if (rc != OG_ERR_CONFLICT)
			goto out;
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		rc = OG_ERR_IO;
		goto out;
	}
	rc = read_exact(fd, master, SECRET_KEY_LEN);
	if (rc != OG_OK)
		goto out;
derive:
	secret_derive(master, out);
	rc = OG_OK;
out:
	if (fd >= 0)
		close(fd);
	sodium_memzero(master, sizeof master);
	return rc;
}

void secret_hmac(const struct secret *s, enum secret_purpose purpose, const char *const parts[],
		 size_t nparts, unsigned char out[SECRET_HASH_LEN])
{
	crypto_auth_hmacsha256_state st;

	assert(purpose >= 0 && purpose < SECRET__COUNT && purpose != SECRET_SEAL);
	assert(nparts <= SECRET_HMAC_PARTS_MAX);
	st = s->keyed[purpose];
	/* Length prefixes keep ("ab","c") and ("a","bc") apart. */
	for (size_t i = 0; i < nparts; i++) {
		uint32_t len = (uint32_t)strlen(parts[i]);
		unsigned char be[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16),
				       (unsigned char)(len >> 8), (unsigned char)len};
		crypto_auth_hmacsha256_update(&st, be, sizeof be);
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)parts[i], len);
	}
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof st);
}

enum og_err secret_seal(const struct secret *s, const char *ad, const void *plain, size_t len,
			unsigned char *out, size_t out_max, size_t *out_len)
{
	unsigned long long clen = 0;

	if (out_max < len + SECRET_SEAL_OVERHEAD)
		return OG_ERR_INTERNAL;
	out[0] = SECRET_SEAL_VERSION;
	randombytes_buf(out + 1, SECRET_NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	    out + 1 + SECRET_NONCE_LEN, &clen, plain, len, (const unsigned char *)ad, strlen(ad), NULL,
	    out + 1, s->subkey[SECRET_SEAL]);
	*out_len = 1 + SECRET_NONCE_LEN + (size_t)clen;
	return OG_OK;
}

enum og_err secret_open(const struct secret *s, const char *ad, const unsigned char *sealed,
			size_t len, void *plain, size_t plain_max, size_t *plain_len)
{
	unsigned long long plen = 0;

	if (len < SECRET_SEAL_OVERHEAD || sealed[0] != SECRET_SEAL_VERSION)
		return OG_ERR_INTERNAL;
	if (len - SECRET_SEAL_OVERHEAD > plain_max)
		return OG_ERR_INTERNAL;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		plain, &plen, NULL, sealed + 1 + SECRET_NONCE_LEN, len - 1 - SECRET_NONCE_LEN,
		(const unsigned char *)ad, strlen(ad), sealed + 1, s->subkey[SECRET_SEAL]) != 0)
		return OG_ERR_INTERNAL;
	*plain_len = (size_t)plen;
	return OG_OK;
}

void secret_wipe(struct secret *s) { sodium_memzero(s, sizeof *s); }

enum og_err secret_read_master(const char *path, unsigned char master[SECRET_KEY_LEN])
{
	unsigned char extra;
	enum og_err rc;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? OG_ERR_NOT_FOUND : OG_ERR_IO;
	rc = read_exact(fd, master, SECRET_KEY_LEN);
	/* A longer file is not a secret file of ours; refuse rather than guess. */
	if (rc == OG_OK) {
		n = read(fd, &extra, 1);
		if (n != 0)
			rc = OG_ERR_IO;
	}
	close(fd);
	if (rc != OG_OK)
		sodium_memzero(master, SECRET_KEY_LEN);
	return rc;
}

enum og_err secret_read(const char *path, struct secret *out)
{
	unsigned char master[SECRET_KEY_LEN];
	enum og_err rc = secret_read_master(path, master);

	if (rc == OG_OK)
		secret_derive(master, out);
	sodium_memzero(master, sizeof master);
	return rc;
}

/* Syncs the directory holding path, so a rename in it survives a crash. */
static enum og_err secret_sync_dir(const char *path)
{
	char copy[SECRET_PATH_MAX];
	size_t len = strnlen(path, SECRET_PATH_MAX);
	enum og_err rc = OG_OK;
	int fd;

	if (len >= SECRET_PATH_MAX)
		return OG_ERR_IO;
	memcpy(copy, path, len + 1);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return OG_ERR_IO;
	if (fsync(fd) != 0)
		rc = OG_ERR_IO;
	close(fd);
	return rc;
}

bool secret_path(const char *path, const char *suffix, char out[SECRET_PATH_MAX])
{
	int n = snprintf(out, SECRET_PATH_MAX, "%s%s", path, suffix);

	return n > 0 && n < SECRET_PATH_MAX;
}

/* SEC-06: the new file is complete and on disk before its name appears, so
 * a crash leaves either the old file or the whole new one, never a part. */
enum og_err secret_write(const char *path, const unsigned char master[SECRET_KEY_LEN])
{
	char tmp[SECRET_PATH_MAX];
	enum og_err rc;
	int fd;

	if (!secret_path(path, ".tmp", tmp))
		return OG_ERR_IO;
	(void)unlink(tmp); /* left by a crash during an earlier write */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return OG_ERR_IO;
	rc = write_exact(fd, master, SECRET_KEY_LEN);
	if (rc == OG_OK && fsync(fd) != 0)
		rc = OG_ERR_IO;
	if (close(fd) != 0 && rc == OG_OK)
		rc = OG_ERR_IO;
	if (rc == OG_OK && rename(tmp, path) != 0)
		rc = OG_ERR_IO;
	if (rc != OG_OK) {
		(void)unlink(tmp);
		return rc;
	}
	return secret_sync_dir(path);
}

/* The lock is on the file's inode. A rotation renames the new secret over
 * the old one only while it holds the old inode's lock exclusively, so no
 * server can hold, or take, a shared lock on a secret being replaced. */
int secret_lock(const char *path, bool exclusive, bool *busy)
{
	int fd;

	*busy = false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
		*busy = errno == EWOULDBLOCK;
		close(fd);
		return -1;
	}
	return fd;
}

void secret_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* closing the descriptor releases the flock */
}
