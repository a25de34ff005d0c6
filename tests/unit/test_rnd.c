/*
 * Unit tests for src/base/rnd: OTP codes must be uniform decimal digits (a
 * chi-squared test per digit position and over adjacent pairs), ids must have
 * the documented "<prefix>_<26 Crockford chars>" shape, sort by time and never
 * repeat, and tokens must be lowercase base32 of the right length.
 *
 * The chi-squared tests use the 0.999 critical values, so a fair generator
 * fails one of them about once in a thousand runs. A failing statistic is
 * therefore re-drawn once from a fresh sample: a biased generator fails both
 * draws, a fair one fails both about once in a million runs.
 */
#include "base/rnd.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define CHI2_DOF9_P999 27.88   /* 9 degrees of freedom, p = 0.999 */
#define CHI2_DOF99_P999 148.23 /* 99 degrees of freedom, p = 0.999 */
#define CODE_LEN 6
#define CODE_COUNT 33334 /* 6 digits each: about 200k digits */

static int setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

static double chi2(const long *observed, size_t cells, double expected)
{
	double sum = 0;
	for (size_t i = 0; i < cells; i++) {
		double d = (double)observed[i] - expected;
		sum += d * d / expected;
	}
	return sum;
}

/* Returns the largest per-position chi-squared over one fresh sample, and
 * through *pairs the chi-squared of adjacent digit pairs. */
static double sample_positions(double *pairs)
{
	static long counts[CODE_LEN][10];
	static long pair_counts[100];
	char code[RND_CODE_LEN_MAX + 1];
	double worst = 0;

	memset(counts, 0, sizeof counts);
	memset(pair_counts, 0, sizeof pair_counts);
	for (int n = 0; n < CODE_COUNT; n++) {
		rnd_code(CODE_LEN, code);
		assert_int_equal(strlen(code), CODE_LEN);
		for (int i = 0; i < CODE_LEN; i++) {
			assert_true(code[i] >= '0' && code[i] <= '9');
			counts[i][code[i] - '0']++;
		}
		for (int i = 0; i + 1 < CODE_LEN; i += 2)
			pair_counts[(code[i] - '0') * 10 + (code[i + 1] - '0')]++;
	}
	for (int i = 0; i < CODE_LEN; i++) {
		double x = chi2(counts[i], 10, CODE_COUNT / 10.0);
		if (x > worst)
			worst = x;
	}
	*pairs = chi2(pair_counts, 100, CODE_COUNT * (CODE_LEN / 2) / 100.0);
	return worst;
}

static void test_code_digits_uniform_per_position(void **state)
{
	double pairs, worst;
	(void)state;
	worst = sample_positions(&pairs);
	if (worst >= CHI2_DOF9_P999)
		worst = sample_positions(&pairs); /* one re-draw; see the file comment */
	assert_true(worst < CHI2_DOF9_P999);
}

static void test_code_digit_pairs_uniform(void **state)
{
	double pairs;
	(void)state;
	sample_positions(&pairs);
	if (pairs >= CHI2_DOF99_P999)
		sample_positions(&pairs);
	assert_true(pairs < CHI2_DOF99_P999);
}

static void test_code_lengths(void **state)
{
	char code[RND_CODE_LEN_MAX + 1];
	(void)state;
	for (size_t len = RND_CODE_LEN_MIN; len <= RND_CODE_LEN_MAX; len++) {
		memset(code, 'x', sizeof code);
		rnd_code(len, code);
		assert_int_equal(code[len], '\0');
		assert_int_equal(strlen(code), len);
		assert_int_equal(strspn(code, "0123456789"), len);
	}
}

static void test_code_not_constant(void **state)
{
	char a[RND_CODE_LEN_MAX + 1], b[RND_CODE_LEN_MAX + 1];
	int same = 0;
	(void)state;
	/* Two 10-digit codes collide with probability 1e-10; 20 tries. */
	for (int i = 0; i < 20; i++) {
		rnd_code(10, a);
		rnd_code(10, b);
		same += strcmp(a, b) == 0;
	}
	assert_int_equal(same, 0);
}

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void test_id_format(void **state)
{
	char id[RND_ID_MAX];
	const char *prefixes[] = {"t", "msg", "otp", "abcdefgh"};
	(void)state;
	for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++) {
		size_t plen = strlen(prefixes[p]);
		rnd_id(prefixes[p], 1780000000123LL, id);
		assert_int_equal(strlen(id), plen + 1 + 26);
		assert_memory_equal(id, prefixes[p], plen);
		assert_int_equal(id[plen], '_');
		assert_int_equal(strspn(id + plen + 1, crockford), 26);
	}
}

static long long decode_time(const char *ulid)
{
	long long t = 0;
	for (int i = 0; i < 10; i++)
		t = t * 32 + (long long)(strchr(crockford, ulid[i]) - crockford);
	return t;
}

static void test_id_time_prefix_and_order(void **state)
{
	char a[RND_ID_MAX], b[RND_ID_MAX];
	(void)state;
	rnd_id("msg", 1780000000123LL, a);
	rnd_id("msg", 1780000000124LL, b);
	assert_int_equal(decode_time(a + 4), 1780000000123LL);
	assert_int_equal(decode_time(b + 4), 1780000000124LL);
	assert_true(strcmp(a, b) < 0);
	/* A clock that steps back cannot reorder ids: the next id still sorts
	 * after the last one, within that last millisecond. */
	rnd_id("msg", 0, a);
	assert_int_equal(decode_time(a + 4), 1780000000124LL);
	assert_true(strcmp(b, a) < 0);
}

static void test_id_monotonic_within_ms(void **state)
{
	char prev[RND_ID_MAX], next[RND_ID_MAX];
	(void)state;
	rnd_id("req", 1790000000000LL, prev);
	for (int i = 0; i < 1000; i++) {
		rnd_id("req", 1790000000000LL, next);
		assert_true(strcmp(prev, next) < 0);
		memcpy(prev, next, sizeof prev);
	}
}

static int cmp_str(const void *x, const void *y) { return strcmp(x, y); }

static void test_id_unique_same_ms(void **state)
{
	enum { N = 20000 };
	char(*ids)[RND_ID_MAX] = calloc(N, RND_ID_MAX);
	(void)state;
	assert_non_null(ids);
	for (int i = 0; i < N; i++)
		rnd_id("otp", 1780000000000LL, ids[i]);
	qsort(ids, N, RND_ID_MAX, cmp_str);
	for (int i = 1; i < N; i++)
		assert_true(strcmp(ids[i - 1], ids[i]) != 0);
	free(ids);
}

static void test_token_length_and_charset(void **state)
{
	char tok[RND_TOKEN_MAX];
	(void)state;
	/* 40 is left to test_token_max_fits_buffer, which runs last. */
	for (size_t n = 1; n < 40; n++) {
		memset(tok, 'X', sizeof tok);
		rnd_token(n, tok);
		assert_int_equal(strlen(tok), (n * 8 + 4) / 5);
		assert_int_equal(strspn(tok, "abcdefghijklmnopqrstuvwxyz234567"), strlen(tok));
	}
}

/* The header promises nbytes <= 40 fits in RND_TOKEN_MAX; with an exactly
 * sized heap buffer, ASan catches a write past the end. */
static void test_token_max_fits_buffer(void **state)
{
	char *tok = malloc(RND_TOKEN_MAX);
	(void)state;
	assert_non_null(tok);
	rnd_token(40, tok);
	assert_int_equal(strlen(tok), 64);
	free(tok);
}

static void test_token_unique(void **state)
{
	enum { N = 5000 };
	char(*toks)[RND_TOKEN_MAX] = calloc(N, RND_TOKEN_MAX);
	(void)state;
	assert_non_null(toks);
	for (int i = 0; i < N; i++)
		rnd_token(16, toks[i]);
	qsort(toks, N, RND_TOKEN_MAX, cmp_str);
	for (int i = 1; i < N; i++)
		assert_true(strcmp(toks[i - 1], toks[i]) != 0);
	free(toks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_code_digits_uniform_per_position),
	    cmocka_unit_test(test_code_digit_pairs_uniform),
	    cmocka_unit_test(test_code_lengths),
	    cmocka_unit_test(test_code_not_constant),
	    cmocka_unit_test(test_id_format),
	    cmocka_unit_test(test_id_time_prefix_and_order),
	    cmocka_unit_test(test_id_monotonic_within_ms),
	    cmocka_unit_test(test_id_unique_same_ms),
	    cmocka_unit_test(test_token_length_and_charset),
	    cmocka_unit_test(test_token_unique),
	    cmocka_unit_test(test_token_max_fits_buffer),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
