/*
 * Unit tests for src/upstream/smpp_msgid: the canonical form (trimmed,
 * upper-cased, leading zeros stripped, "0" for all zeros), hex and decimal
 * conversion on numbers far past 64 bits, ids left unconverted because they
 * are not numbers in the source base (UUIDs), the receipt-matching cases
 * from jasmin #586 and #1129, and the bounds on what an id may be.
 */
#include "upstream/smpp_msgid.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

static struct smpp_msgid id;

static const char *canon(const char *s, enum smpp_msgid_convert c)
{
	struct og_detail d;

	memset(&d, 0, sizeof d);
	if (smpp_msgid_parse(s, strlen(s), c, &id, &d) != OG_OK)
		fail_msg("\"%s\" refused: %s", s, d.message);
	return id.canonical;
}

static void test_canonical_form(void **state)
{
	(void)state;
	assert_string_equal(canon("abc123", SMPP_MSGID_KEEP), "ABC123");
	assert_string_equal(canon("  abc123\r\n", SMPP_MSGID_KEEP), "ABC123");
	assert_string_equal(id.raw, "  abc123\r\n"); /* raw is kept as received */
	assert_false(id.converted);
	assert_string_equal(canon("\t0042\t", SMPP_MSGID_KEEP), "42");
	assert_string_equal(canon("0000", SMPP_MSGID_KEEP), "0");
	assert_string_equal(canon("0", SMPP_MSGID_KEEP), "0");
	assert_string_equal(canon("000a", SMPP_MSGID_KEEP), "A");
	/* Other printable characters are kept, and so are their zeros. */
	assert_string_equal(canon("msg_01", SMPP_MSGID_KEEP), "MSG_01");
	assert_string_equal(canon("00-11", SMPP_MSGID_KEEP), "00-11");
	/* The form is a fixed point. */
	assert_string_equal(canon("B8BE19", SMPP_MSGID_KEEP), "B8BE19");
}

static void test_hex_to_dec(void **state)
{
	(void)state;
	assert_string_equal(canon("B8BE19", SMPP_MSGID_HEX_TO_DEC), "12107289");
	assert_true(id.converted);
	assert_string_equal(canon("00b8be19", SMPP_MSGID_HEX_TO_DEC), "12107289");
	assert_string_equal(canon("ff", SMPP_MSGID_HEX_TO_DEC), "255");
	assert_string_equal(canon("0", SMPP_MSGID_HEX_TO_DEC), "0");
	assert_string_equal(canon("000", SMPP_MSGID_HEX_TO_DEC), "0");
	assert_true(id.converted);
	/* 64 bits, 128 bits, and the 64 hex digits SMPP allows (256 bits,
	 * 78 decimal digits: strtoll gave up long before). */
	assert_string_equal(canon("1A2B3C4D5E6F7089", SMPP_MSGID_HEX_TO_DEC), "1885667171979194505");
	assert_string_equal(canon("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", SMPP_MSGID_HEX_TO_DEC),
			    "340282366920938463463374607431768211455");
	assert_string_equal(
	    canon("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
		  SMPP_MSGID_HEX_TO_DEC),
	    "115792089237316195423570985008687907853269984665640564039457584007913129639935");
	assert_int_equal(strlen(id.canonical), SMPP_MSGID_CANONICAL_MAX - 1);
}

static void test_dec_to_hex(void **state)
{
	(void)state;
	assert_string_equal(canon("12107289", SMPP_MSGID_DEC_TO_HEX), "B8BE19");
	assert_true(id.converted);
	assert_string_equal(canon("0012107289", SMPP_MSGID_DEC_TO_HEX), "B8BE19");
	assert_string_equal(canon("18446744073709551616", SMPP_MSGID_DEC_TO_HEX),
			    "10000000000000000");
	assert_string_equal(canon("1234567890123456789012", SMPP_MSGID_DEC_TO_HEX),
			    "42ED123B0BD8203A14");
	assert_string_equal(
	    canon("9999999999999999999999999999999999999999999999999999999999999999",
		  SMPP_MSGID_DEC_TO_HEX),
	    "184F03E93FF9F4DAA797ED6E38ED64BF6A1F00FFFFFFFFFFFFFFFF");
	assert_string_equal(canon("0", SMPP_MSGID_DEC_TO_HEX), "0");
}

static void test_not_in_source_base(void **state)
{
	(void)state;
	/* A UUID is not hex digits alone: upper-cased only, zeros and all. */
	assert_string_equal(canon("550e8400-e29b-41d4-a716-446655440000", SMPP_MSGID_HEX_TO_DEC),
			    "550E8400-E29B-41D4-A716-446655440000");
	assert_false(id.converted);
	assert_string_equal(canon("0000abcd-0000-4000-8000-000000000000", SMPP_MSGID_HEX_TO_DEC),
			    "0000ABCD-0000-4000-8000-000000000000");
	/* Hex on a decimal-to-hex side stays hex; its zeros still go, as
	 * they would on a side with no conversion. */
	assert_string_equal(canon("00b8be19", SMPP_MSGID_DEC_TO_HEX), "B8BE19");
	assert_false(id.converted);
	/* "0x" is not a hex digit. */
	assert_string_equal(canon("0x1F", SMPP_MSGID_HEX_TO_DEC), "X1F");
	assert_false(id.converted);
	/* Letters past F are not hex. */
	assert_string_equal(canon("00ZZ", SMPP_MSGID_HEX_TO_DEC), "ZZ");
	assert_false(id.converted);
}

/* Parses a under ca and b under cb and says whether they match. */
static bool match(const char *a, enum smpp_msgid_convert ca, const char *b,
		  enum smpp_msgid_convert cb)
{
	struct smpp_msgid x, y;

	assert_int_equal(smpp_msgid_parse(a, strlen(a), ca, &x, NULL), OG_OK);
	assert_int_equal(smpp_msgid_parse(b, strlen(b), cb, &y, NULL), OG_OK);
	return smpp_msgid_equal(&x, &y);
}

static void test_receipt_matching(void **state)
{
	(void)state;
	/* jasmin #1129: zeros and case. */
	assert_true(match("00B8BE19", SMPP_MSGID_KEEP, "b8be19", SMPP_MSGID_KEEP));
	/* jasmin #586: hex in the resp, a 19-digit decimal in the receipt. */
	assert_true(match("1A2B3C4D5E6F7089", SMPP_MSGID_HEX_TO_DEC, "1885667171979194505",
			  SMPP_MSGID_KEEP));
	assert_true(match("1a2b3c4d5e6f7089", SMPP_MSGID_HEX_TO_DEC, "01885667171979194505",
			  SMPP_MSGID_KEEP));
	/* ... or the other way round. */
	assert_true(match("1885667171979194505", SMPP_MSGID_DEC_TO_HEX, "1A2B3C4D5E6F7089",
			  SMPP_MSGID_KEEP));
	/* A UUID matches itself whatever side converts. */
	assert_true(match("550e8400-e29b-41d4-a716-446655440000", SMPP_MSGID_HEX_TO_DEC,
			  "550E8400-E29B-41D4-A716-446655440000", SMPP_MSGID_KEEP));
	assert_false(match("1001", SMPP_MSGID_KEEP, "1002", SMPP_MSGID_KEEP));
	assert_false(match("10", SMPP_MSGID_HEX_TO_DEC, "10", SMPP_MSGID_KEEP));
}

static void test_bounds(void **state)
{
	char s[SMPP_MSGID_RAW_MAX + 2];
	struct og_detail d;

	(void)state;
	/* 64 octets fit, 65 do not. */
	memset(s, '7', sizeof s);
	assert_int_equal(smpp_msgid_parse(s, SMPP_MSGID_RAW_MAX - 1, SMPP_MSGID_KEEP, &id, NULL),
			 OG_OK);
	assert_int_equal(strlen(id.raw), 64);
	memset(&d, 0, sizeof d);
	assert_int_equal(smpp_msgid_parse(s, SMPP_MSGID_RAW_MAX, SMPP_MSGID_KEEP, &id, &d),
			 OG_ERR_PAYLOAD_TOO_LARGE);
	assert_string_equal(d.field, "smpp.message_id");
	assert_string_equal(id.canonical, "");
	assert_string_equal(id.raw, "");
	/* Blank, NULs, spaces inside, and octets outside printable ASCII. */
	assert_int_equal(smpp_msgid_parse("", 0, SMPP_MSGID_KEEP, &id, NULL), OG_ERR_INVALID_REQUEST);
	assert_int_equal(smpp_msgid_parse(NULL, 0, SMPP_MSGID_KEEP, &id, NULL),
			 OG_ERR_INVALID_REQUEST);
	assert_int_equal(smpp_msgid_parse(" \t\r\n", 4, SMPP_MSGID_KEEP, &id, NULL),
			 OG_ERR_INVALID_REQUEST);
	assert_int_equal(smpp_msgid_parse("a\0b", 3, SMPP_MSGID_KEEP, &id, NULL),
			 OG_ERR_INVALID_REQUEST);
	assert_int_equal(smpp_msgid_parse("12\0", 3, SMPP_MSGID_KEEP, &id, NULL),
			 OG_ERR_INVALID_REQUEST);
	assert_int_equal(smpp_msgid_parse("12 34", 5, SMPP_MSGID_KEEP, &id, NULL),
			 OG_ERR_INVALID_REQUEST);
	assert_int_equal(smpp_msgid_parse("\xC3\xA9", 2, SMPP_MSGID_KEEP, &id, NULL),
			 OG_ERR_INVALID_REQUEST);
	assert_int_equal(smpp_msgid_parse("a\x7F", 2, SMPP_MSGID_KEEP, &id, NULL),
			 OG_ERR_INVALID_REQUEST);
	assert_int_equal(smpp_msgid_parse("a\x01", 2, SMPP_MSGID_KEEP, &id, NULL),
			 OG_ERR_INVALID_REQUEST);
	/* A blank canonical form never matches, not even another blank. */
	{
		struct smpp_msgid a, b;

		memset(&a, 0, sizeof a);
		memset(&b, 0, sizeof b);
		assert_false(smpp_msgid_equal(&a, &b));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_canonical_form),  cmocka_unit_test(test_hex_to_dec),
	    cmocka_unit_test(test_dec_to_hex),      cmocka_unit_test(test_not_in_source_base),
	    cmocka_unit_test(test_receipt_matching), cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
