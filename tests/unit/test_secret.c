/*
 * Unit tests for src/base/secret: subkey derivation and HMAC against known
 * answers computed independently (Python's hashlib: BLAKE2b crypto_kdf, then
 * HMAC-SHA256 over 4-byte big-endian length-prefixed parts), so a change to
 * the scheme, which would orphan every stored code and key hash, is caught;
 * sealing round trips and refuses tampering; the secret file is created
 * with mode 0600 and read back the same.
 */
#include "base/secret.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void fixed_secret(struct secret *s)
{
	unsigned char master[SECRET_KEY_LEN];
	for (int i = 0; i < SECRET_KEY_LEN; i++)
		master[i] = (unsigned char)i;
	secret_derive(master, s);
}

static void to_hex(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static int setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

static void test_hmac_known_answers(void **state)
{
	struct secret s;
	unsigned char mac[SECRET_HASH_LEN];
	char hex[2 * SECRET_HASH_LEN + 1];
	const char *const code_parts[] = {"tenant_alpha_99", "492811"};
	const char *const key_parts[] = {"ogk_test"};
	(void)state;

	fixed_secret(&s);
	secret_hmac(&s, SECRET_CODE_HMAC, code_parts, 2, mac);
	to_hex(mac, sizeof mac, hex);
	assert_string_equal(hex, "ea9725b01a0f11ad9ec836d94942ecbf10f2b983185e38a9c4afe4c80947e0a3");

	secret_hmac(&s, SECRET_KEY_HMAC, key_parts, 1, mac);
	to_hex(mac, sizeof mac, hex);
	assert_string_equal(hex, "e23d51b96ed5f65a19b85eb5629b634beeae8b0a125c878d7ca8ce23791e8f49");

	secret_hmac(&s, SECRET_CODE_HMAC, NULL, 0, mac);
	to_hex(mac, sizeof mac, hex);
	assert_string_equal(hex, "11d6610733b74e6584652a724bd24995dc6cc8b529233ccd49435ea8b7319c0b");
}

static void test_derive_deterministic(void **state)
{
	struct secret a, b;
	unsigned char ma[SECRET_HASH_LEN], mb[SECRET_HASH_LEN];
	const char *const parts[] = {"t1", "123456"};
	(void)state;
	fixed_secret(&a);
	fixed_secret(&b);
	assert_memory_equal(&a, &b, sizeof a);
	secret_hmac(&a, SECRET_CODE_HMAC, parts, 2, ma);
	secret_hmac(&b, SECRET_CODE_HMAC, parts, 2, mb);
	assert_memory_equal(ma, mb, sizeof ma);
	/* Subkeys of different purposes are different. */
	for (int i = 0; i < SECRET__COUNT; i++)
		for (int j = i + 1; j < SECRET__COUNT; j++)
			assert_memory_not_equal(a.subkey[i], a.subkey[j], SECRET_KEY_LEN);
}

static void test_hmac_inputs_separate(void **state)
{
	struct secret s, other;
	unsigned char m1[SECRET_HASH_LEN], m2[SECRET_HASH_LEN];
	unsigned char master[SECRET_KEY_LEN];
	const char *const ab_c[] = {"ab", "c"};
	const char *const a_bc[] = {"a", "bc"};
	const char *const abc[] = {"abc"};
	const char *const code1[] = {"t1", "123456"};
	const char *const code2[] = {"t1", "123457"};
	const char *const code3[] = {"t2", "123456"};
	(void)state;

	fixed_secret(&s);
	secret_hmac(&s, SECRET_CODE_HMAC, ab_c, 2, m1);
	secret_hmac(&s, SECRET_CODE_HMAC, a_bc, 2, m2);
	assert_memory_not_equal(m1, m2, sizeof m1);
	secret_hmac(&s, SECRET_CODE_HMAC, abc, 1, m2);
	assert_memory_not_equal(m1, m2, sizeof m1);

	secret_hmac(&s, SECRET_CODE_HMAC, code1, 2, m1);
	secret_hmac(&s, SECRET_CODE_HMAC, code2, 2, m2);
	assert_memory_not_equal(m1, m2, sizeof m1);
	secret_hmac(&s, SECRET_CODE_HMAC, code3, 2, m2);
	assert_memory_not_equal(m1, m2, sizeof m1);

	/* The same input under another purpose or another master differs. */
	secret_hmac(&s, SECRET_PHONE_HMAC, code1, 2, m2);
	assert_memory_not_equal(m1, m2, sizeof m1);
	memset(master, 7, sizeof master);
	secret_derive(master, &other);
	secret_hmac(&other, SECRET_CODE_HMAC, code1, 2, m2);
	assert_memory_not_equal(m1, m2, sizeof m1);
}

static void test_seal_round_trip(void **state)
{
	struct secret s;
	const char plain[] = "sm_live_alpha_key_xyz123";
	unsigned char sealed[128], sealed2[128];
	char out[64];
	size_t slen = 0, slen2 = 0, plen = 0;
	(void)state;

	fixed_secret(&s);
	assert_int_equal(secret_seal(&s, "tenant:t1", plain, strlen(plain), sealed, sizeof sealed,
				     &slen),
			 OG_OK);
	assert_int_equal(slen, strlen(plain) + SECRET_SEAL_OVERHEAD);
	assert_null(memmem(sealed, slen, plain, strlen(plain)));
	assert_int_equal(secret_open(&s, "tenant:t1", sealed, slen, out, sizeof out, &plen), OG_OK);
	assert_int_equal(plen, strlen(plain));
	assert_memory_equal(out, plain, plen);

	/* A fresh nonce each time: the same plaintext seals differently. */
	assert_int_equal(secret_seal(&s, "tenant:t1", plain, strlen(plain), sealed2,
				     sizeof sealed2, &slen2),
			 OG_OK);
	assert_int_equal(slen, slen2);
	assert_memory_not_equal(sealed, sealed2, slen);

	/* Empty plaintext round-trips too. */
	assert_int_equal(secret_seal(&s, "x", "", 0, sealed, sizeof sealed, &slen), OG_OK);
	assert_int_equal(slen, SECRET_SEAL_OVERHEAD);
	assert_int_equal(secret_open(&s, "x", sealed, slen, out, sizeof out, &plen), OG_OK);
	assert_int_equal(plen, 0);
}

static void test_seal_refuses_tampering(void **state)
{
	struct secret s, other;
	unsigned char master[SECRET_KEY_LEN];
	const char plain[] = "payload";
	unsigned char sealed[64];
	char out[64];
	size_t slen = 0, plen = 0;
	(void)state;

	fixed_secret(&s);
	assert_int_equal(secret_seal(&s, "ad", plain, strlen(plain), sealed, sizeof sealed, &slen),
			 OG_OK);
	/* Every single flipped byte is detected. */
	for (size_t i = 0; i < slen; i++) {
		sealed[i] ^= 0x01;
		assert_int_not_equal(secret_open(&s, "ad", sealed, slen, out, sizeof out, &plen),
				     OG_OK);
		sealed[i] ^= 0x01;
	}
	assert_int_not_equal(secret_open(&s, "ad2", sealed, slen, out, sizeof out, &plen), OG_OK);
	assert_int_not_equal(secret_open(&s, "", sealed, slen, out, sizeof out, &plen), OG_OK);
	assert_int_not_equal(secret_open(&s, "ad", sealed, slen - 1, out, sizeof out, &plen), OG_OK);
	assert_int_not_equal(secret_open(&s, "ad", sealed, 3, out, sizeof out, &plen), OG_OK);
	memset(master, 9, sizeof master);
	secret_derive(master, &other);
	assert_int_not_equal(secret_open(&other, "ad", sealed, slen, out, sizeof out, &plen), OG_OK);
	/* Still intact afterwards. */
	assert_int_equal(secret_open(&s, "ad", sealed, slen, out, sizeof out, &plen), OG_OK);
}

static void test_seal_buffer_limits(void **state)
{
	struct secret s;
	const char plain[] = "0123456789";
	unsigned char sealed[64];
	char out[64];
	size_t slen = 0, plen = 0;
	(void)state;

	fixed_secret(&s);
	assert_int_not_equal(secret_seal(&s, "ad", plain, 10, sealed, 10 + SECRET_SEAL_OVERHEAD - 1,
					 &slen),
			     OG_OK);
	assert_int_equal(secret_seal(&s, "ad", plain, 10, sealed, 10 + SECRET_SEAL_OVERHEAD, &slen),
			 OG_OK);
	assert_int_not_equal(secret_open(&s, "ad", sealed, slen, out, 9, &plen), OG_OK);
	assert_int_equal(secret_open(&s, "ad", sealed, slen, out, 10, &plen), OG_OK);
	assert_int_equal(plen, 10);
}

static void test_secret_file(void **state)
{
	char dir[] = "/tmp/og_secret_XXXXXX";
	char path[256], bad[256];
	struct secret a, b;
	struct stat st;
	int fd;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/secret", dir);
	assert_int_equal(secret_load(path, &a), OG_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, SECRET_KEY_LEN);
	assert_int_equal(secret_load(path, &b), OG_OK);
	assert_memory_equal(&a, &b, sizeof a);

	/* A short file is refused rather than padded. */
	snprintf(bad, sizeof bad, "%s/short", dir);
	fd = open(bad, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "short", 5), 5);
	close(fd);
	assert_int_not_equal(secret_load(bad, &b), OG_OK);

	/* A file in a missing directory cannot be created. */
	snprintf(bad, sizeof bad, "%s/missing/secret", dir);
	assert_int_not_equal(secret_load(bad, &b), OG_OK);

	secret_wipe(&b);
	for (size_t i = 0; i < sizeof b; i++)
		assert_int_equal(((unsigned char *)&b)[i], 0);

	snprintf(bad, sizeof bad, "%s/short", dir);
	unlink(bad);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hmac_known_answers),
	    cmocka_unit_test(test_derive_deterministic),
	    cmocka_unit_test(test_hmac_inputs_separate),
	    cmocka_unit_test(test_seal_round_trip),
	    cmocka_unit_test(test_seal_refuses_tampering),
	    cmocka_unit_test(test_seal_buffer_limits),
	    cmocka_unit_test(test_secret_file),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
