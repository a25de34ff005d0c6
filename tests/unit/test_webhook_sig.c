/*
 * Unit tests for src/base/webhook_sig: Standard Webhooks 1.0 signatures.
 *
 * The expected signatures are literals computed by the reference
 * implementation, the npm package standardwebhooks 1.3.0 (pinned in
 * tests/peers/webhook/package.json), with tests/peers/webhook/vectors.js:
 * `new Webhook(secret).sign(msg_id, new Date(ts * 1000), body)` for three
 * secrets (24, 32 and 64 bytes) and four messages. The first one,
 * g0hM9SsE..., is also the example signature the spec's libraries document
 * for their example secret, so the vectors agree with the spec and not only
 * with one library. Also: secret generation and parsing limits, the
 * rotation header, constant-time verification, refused inputs.
 */
#include "base/webhook_sig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>
#include <string.h>

static const char secret_spec24[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
static const char secret_seq32[] = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
static const char secret_rev64[] = "whsec_//79/Pv6+fj39vX08/Lx8O/u7ezr6uno5+bl5OPi4eDf3t3c29rZ2NfW1dTT0tHQz87NzMvKycjHxsXEw8LBwA==";

struct message {
	const char *id;
	int64_t ts;
	const char *body;
	size_t len;
};

/* The same messages as vectors.js, in its order. */
static const char body_utf8[] = "{\"text\":\"आपका कोड 492811\\n\",\"n\":1}\n";
static const char body_binary[] = {0, 1, 0x2e, (char)0xff, 0, 0x0a, (char)0x80, 0x7f};
static const struct message messages[] = {
	{"msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}", 20},
	{"msg_empty", 1700000000, "", 0},
	{"msg_2Lm-utf_8", 1733300000, body_utf8, sizeof body_utf8 - 1},
	{"m", 0, body_binary, sizeof body_binary},
};

static const struct {
	const char *secret;
	const char *sig[4]; /* per message */
} vectors[] = {
	{secret_spec24,
	 {"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "v1,LrOGikvEp3ovC4ipwU5sfXzzFy9SMN1tDL3jPPGtLmc=",
	  "v1,scL6ZXNQ0gqPDn2Oewjt3IIu24yyOoZtgzPjWM6fkaw=", "v1,JVFAMUQDImy2btbwpguhymtOIBKbA4wUuAt5vg5fBOQ="}},
	{secret_seq32,
	 {"v1,O4Gjv1HqPqsMrjmczoggs/sWA8gZD0VyHG+fLh4+ktI=", "v1,yredJpxuSO+Nbs3mRe+H7WF2AiIQovC4+sTzycX9L54=",
	  "v1,3UIftKR1ooNKAAQNUg+PZE5bTM2NoyD8ntv/mtE7rGU=", "v1,qhe1eZFM/ICouIWtbPNZ/Mc3spuyjzCMu4SUZXkcolA="}},
	{secret_rev64,
	 {"v1,W1ii68kLynfAoav0UlTrIO+lTT1zTkDmOLFsgDKwzJ8=", "v1,LBUQsLzoQe+RzQEFOpVL5SVY1gLdepT+XSsF4At5MTM=",
	  "v1,545O4CwbQSKrq0Nb+CaVeZJeef/lYT2aPuEkuqUtBHA=", "v1,DsKJJt7h2YXXWI3ktln4hsI5tVgF8LdEzUBRCXL5pk0="}},
};

#define N_MESSAGES (sizeof messages / sizeof messages[0])
#define N_VECTORS (sizeof vectors / sizeof vectors[0])

static int setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

static void parse_ok(const char *secret, struct webhook_sig_key *key)
{
	assert_int_equal(webhook_sig_secret_parse(secret, key), OG_OK);
}

static void reference_vectors(void **state)
{
	(void)state;
	for (size_t v = 0; v < N_VECTORS; v++) {
		struct webhook_sig_key key;
		parse_ok(vectors[v].secret, &key);
		for (size_t m = 0; m < N_MESSAGES; m++) {
			char sig[WEBHOOK_SIG_SIGNATURE_MAX];
			const struct message *msg = &messages[m];
			assert_int_equal(webhook_sig_sign(&key, msg->id, msg->ts, msg->body, msg->len, sig), OG_OK);
			assert_string_equal(sig, vectors[v].sig[m]);
			assert_int_equal(strlen(sig), WEBHOOK_SIG_SIGNATURE_MAX - 1);
			assert_true(webhook_sig_verify(&key, msg->id, msg->ts, msg->body, msg->len, sig));
		}
		webhook_sig_key_wipe(&key);
	}
}

static void parsed_key_bytes(void **state)
{
	struct webhook_sig_key key;

	(void)state;
	parse_ok(secret_spec24, &key);
	assert_int_equal(key.len, 24);
	parse_ok(secret_seq32, &key);
	assert_int_equal(key.len, 32);
	for (int i = 0; i < 32; i++)
		assert_int_equal(key.bytes[i], i);
	parse_ok(secret_rev64, &key);
	assert_int_equal(key.len, 64);
	for (int i = 0; i < 64; i++)
		assert_int_equal(key.bytes[i], 255 - i);
	webhook_sig_key_wipe(&key);
	assert_int_equal(key.len, 0);
	for (size_t i = 0; i < sizeof key.bytes; i++)
		assert_int_equal(key.bytes[i], 0);
}

static void secrets_outside_the_rules_are_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"whsec_",
		"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",       /* no prefix */
		"WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", /* the prefix is lower-case */
		"whsec:MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		/* 23 bytes: one short of the minimum. */
		"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRY=",
		/* 65 bytes: one past the maximum. */
		"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0A=",
		/* 32 bytes without their padding: the ORIGINAL variant needs it. */
		"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
		/* URL-safe alphabet. */
		"whsec___79_Pv6-fj39vX08_Lx8O_u7ezr6uno5-bl5OPi4eDf3t3c29rZ2NfW1dTT0tHQz87NzMvKycjHxsXEw8LBwA==",
		/* Unused bits not zero (non-canonical: ...Hh9= would be ...Hh8=). */
		"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=",
		"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= ",
		" whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
		"whsec_AAECAwQFBgcICQoLDA0O\nDxAREhMUFRYXGBkaGxwdHh8=",
		"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=AAAA",
		"whsec_not base64 at all!",
	};
	struct webhook_sig_key key;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&key, 0xa5, sizeof key);
		if (webhook_sig_secret_parse(bad[i], &key) != OG_ERR_INVALID_REQUEST)
			fail_msg("accepted \"%s\"", bad[i]);
		/* A refused secret leaves nothing of itself behind. */
		assert_int_equal(key.len, 0);
		for (size_t j = 0; j < sizeof key.bytes; j++)
			assert_int_equal(key.bytes[j], 0);
	}
}

static void secret_over_the_text_maximum_is_refused(void **state)
{
	char text[WEBHOOK_SIG_SECRET_MAX + 8];
	struct webhook_sig_key key;

	(void)state;
	memset(text, 'A', sizeof text - 1);
	memcpy(text, WEBHOOK_SIG_PREFIX, WEBHOOK_SIG_PREFIX_LEN);
	text[sizeof text - 1] = '\0';
	assert_int_equal(webhook_sig_secret_parse(text, &key), OG_ERR_INVALID_REQUEST);
}

static void generated_secrets(void **state)
{
	char a[WEBHOOK_SIG_SECRET_MAX], b[WEBHOOK_SIG_SECRET_MAX];
	struct webhook_sig_key key;

	(void)state;
	webhook_sig_secret_new(a);
	webhook_sig_secret_new(b);
	assert_int_equal(strlen(a), WEBHOOK_SIG_PREFIX_LEN + WEBHOOK_SIG_B64_LEN(WEBHOOK_SIG_KEY_NEW));
	assert_int_equal(strlen(a), 50);
	assert_memory_equal(a, "whsec_", 6);
	assert_string_not_equal(a, b);
	parse_ok(a, &key);
	assert_int_equal(key.len, WEBHOOK_SIG_KEY_NEW);
	webhook_sig_key_wipe(&key);
}

/* During a rotation the header carries both signatures, in key order, and
 * each key verifies it. */
static void rotation_header(void **state)
{
	struct webhook_sig_key old_key, new_key, other;
	const struct webhook_sig_key *both[] = {&old_key, &new_key};
	const struct webhook_sig_key *one[] = {&new_key};
	char header[WEBHOOK_SIG_HEADER_MAX];
	const struct message *msg = &messages[0];

	(void)state;
	parse_ok(secret_spec24, &old_key);
	parse_ok(secret_seq32, &new_key);
	parse_ok(secret_rev64, &other);
	assert_int_equal(webhook_sig_header(both, 2, msg->id, msg->ts, msg->body, msg->len, header), OG_OK);
	assert_string_equal(header, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= "
				    "v1,O4Gjv1HqPqsMrjmczoggs/sWA8gZD0VyHG+fLh4+ktI=");
	assert_int_equal(strlen(header), WEBHOOK_SIG_HEADER_MAX - 1);
	assert_true(webhook_sig_verify(&old_key, msg->id, msg->ts, msg->body, msg->len, header));
	assert_true(webhook_sig_verify(&new_key, msg->id, msg->ts, msg->body, msg->len, header));
	assert_false(webhook_sig_verify(&other, msg->id, msg->ts, msg->body, msg->len, header));

	assert_int_equal(webhook_sig_header(one, 1, msg->id, msg->ts, msg->body, msg->len, header), OG_OK);
	assert_string_equal(header, "v1,O4Gjv1HqPqsMrjmczoggs/sWA8gZD0VyHG+fLh4+ktI=");
	assert_false(webhook_sig_verify(&old_key, msg->id, msg->ts, msg->body, msg->len, header));
}

static void verify_refuses_near_misses(void **state)
{
	struct webhook_sig_key key;
	const struct message *msg = &messages[0];
	const char *good = vectors[0].sig[0];
	static const char *const headers[] = {
		"",
		" ",
		"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",    /* one character short */
		"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE==",  /* one too many */
		"v1,h0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",   /* one character changed */
		"v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",  /* another version */
		"v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
		"g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",     /* no version */
		"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=,x", /* a list, not a space */
	};

	(void)state;
	parse_ok(secret_spec24, &key);
	for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++)
		if (webhook_sig_verify(&key, msg->id, msg->ts, msg->body, msg->len, headers[i]))
			fail_msg("verified \"%s\"", headers[i]);
	/* The right signature among others, in any position. */
	assert_true(webhook_sig_verify(&key, msg->id, msg->ts, msg->body, msg->len,
				       "v1a,abc v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v2,zzz"));
	assert_true(webhook_sig_verify(&key, msg->id, msg->ts, msg->body, msg->len,
				       "v1,O4Gjv1HqPqsMrjmczoggs/sWA8gZD0VyHG+fLh4+ktI= "
				       "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
	/* Any change to what is signed fails. */
	assert_true(webhook_sig_verify(&key, msg->id, msg->ts, msg->body, msg->len, good));
	assert_false(webhook_sig_verify(&key, "msg_p5jXN8AQM9LWM0D4loKWxJeK", msg->ts, msg->body, msg->len, good));
	assert_false(webhook_sig_verify(&key, msg->id, msg->ts + 1, msg->body, msg->len, good));
	assert_false(webhook_sig_verify(&key, msg->id, msg->ts, msg->body, msg->len - 1, good));
	assert_false(webhook_sig_verify(&key, msg->id, msg->ts, "{\"test\": 2432232315}", msg->len, good));
	/* A header past the maximum is not read. */
	{
		char big[WEBHOOK_SIG_VERIFY_HEADER_MAX + 64];
		size_t glen = strlen(good);
		memset(big, ' ', sizeof big);
		memcpy(big + sizeof big - 1 - glen, good, glen);
		big[sizeof big - 1] = '\0';
		assert_false(webhook_sig_verify(&key, msg->id, msg->ts, msg->body, msg->len, big));
	}
}

static void bad_inputs_are_refused(void **state)
{
	struct webhook_sig_key key;
	const struct webhook_sig_key *keys[] = {&key};
	char sig[WEBHOOK_SIG_SIGNATURE_MAX];
	char header[WEBHOOK_SIG_HEADER_MAX];
	char id[WEBHOOK_SIG_MSG_ID_MAX + 2];
	static const char *const bad_ids[] = {"", "msg.1", "msg 1", "msg\n1", "msg:1", "msg/1", "msg,1"};

	(void)state;
	parse_ok(secret_seq32, &key);
	for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
		memcpy(sig, "stale", sizeof "stale");
		assert_int_equal(webhook_sig_sign(&key, bad_ids[i], 1, "{}", 2, sig), OG_ERR_INVALID_REQUEST);
		assert_string_equal(sig, "");
		assert_int_equal(webhook_sig_header(keys, 1, bad_ids[i], 1, "{}", 2, header), OG_ERR_INVALID_REQUEST);
		assert_string_equal(header, "");
	}
	assert_int_equal(webhook_sig_sign(&key, "msg_1", -1, "{}", 2, sig), OG_ERR_INVALID_REQUEST);
	assert_int_equal(webhook_sig_sign(&key, "msg_1", 1, "{}", WEBHOOK_SIG_BODY_MAX + 1, sig),
			 OG_ERR_PAYLOAD_TOO_LARGE);
	assert_int_equal(webhook_sig_header(keys, 1, "msg_1", 1, "{}", WEBHOOK_SIG_BODY_MAX + 1, header),
			 OG_ERR_PAYLOAD_TOO_LARGE);
	/* The longest id is signed; one more character is refused. */
	memset(id, 'a', sizeof id);
	id[WEBHOOK_SIG_MSG_ID_MAX] = '\0';
	assert_int_equal(webhook_sig_sign(&key, id, 1, "{}", 2, sig), OG_OK);
	id[WEBHOOK_SIG_MSG_ID_MAX] = 'a';
	id[WEBHOOK_SIG_MSG_ID_MAX + 1] = '\0';
	assert_int_equal(webhook_sig_sign(&key, id, 1, "{}", 2, sig), OG_ERR_INVALID_REQUEST);
	/* A large timestamp is written in full. */
	assert_int_equal(webhook_sig_sign(&key, "msg_1", INT64_MAX, NULL, 0, sig), OG_OK);
	assert_true(webhook_sig_verify(&key, "msg_1", INT64_MAX, NULL, 0, sig));
	assert_false(webhook_sig_verify(&key, "msg_1", -1, NULL, 0, sig));
	webhook_sig_key_wipe(&key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reference_vectors),
		cmocka_unit_test(parsed_key_bytes),
		cmocka_unit_test(secrets_outside_the_rules_are_refused),
		cmocka_unit_test(secret_over_the_text_maximum_is_refused),
		cmocka_unit_test(generated_secrets),
		cmocka_unit_test(rotation_header),
		cmocka_unit_test(verify_refuses_near_misses),
		cmocka_unit_test(bad_inputs_are_refused),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
