/*
 * Unit tests for src/upstream/sms_text: the alphabet chosen for each mode,
 * the GSM 03.38 septets of the default and extension tables, UCS2 for Hindi
 * and surrogate pairs for emoji, the one-SMS and per-segment limits with the
 * concatenation UDH, escapes and surrogate pairs that would straddle a
 * segment boundary, the segment maximum, invalid UTF-8, and decoding every
 * encoding back to the text it came from.
 */
#include "upstream/sms_text.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#define TEXT_MAX (SMS_TEXT_UTF8_MAX + 8)
#define HINDI_OTP "\xE0\xA4\x86\xE0\xA4\xAA\xE0\xA4\x95\xE0\xA4\xBE OTP 123456 \xE0\xA4\xB9\xE0\xA5\x88" /* आपका OTP 123456 है */
#define EMOJI "\xF0\x9F\x98\x80"  /* U+1F600 */
#define EURO "\xE2\x82\xAC"       /* U+20AC */

static struct sms_text enc;

static void encode_ok(const char *s, size_t len, enum sms_text_mode mode, uint8_t ref)
{
	struct og_detail d;

	memset(&d, 0, sizeof d);
	if (sms_text_encode(s, len, mode, ref, &enc, &d) != OG_OK)
		fail_msg("encode failed: %s", d.message);
}

/* Decodes every segment of enc and checks they join to the original. */
static void decodes_back(const char *s, size_t len)
{
	char all[TEXT_MAX * 2];
	size_t used = 0;

	for (size_t i = 0; i < enc.segment_count; i++) {
		char part[TEXT_MAX];
		size_t n;
		struct og_detail d;

		memset(&d, 0, sizeof d);
		if (sms_text_decode(enc.data_coding, enc.esm_class != 0, enc.segment[i].octets,
				    enc.segment[i].len, part, sizeof part, &n, &d) != OG_OK)
			fail_msg("segment %zu does not decode: %s", i, d.message);
		assert_int_equal(strlen(part), n);
		assert_true(used + n < sizeof all);
		memcpy(all + used, part, n);
		used += n;
	}
	assert_int_equal(used, len);
	assert_memory_equal(all, s, len);
}

/* Checks every segment's UDH: ref, total, sequence from 1. */
static void udh_ok(uint8_t ref)
{
	assert_int_equal(enc.esm_class, SMS_TEXT_ESM_CLASS_UDHI);
	for (size_t i = 0; i < enc.segment_count; i++) {
		const uint8_t *o = enc.segment[i].octets;

		assert_true(enc.segment[i].len > SMS_TEXT_UDH_LEN);
		assert_int_equal(o[0], 5);
		assert_int_equal(o[1], 0);
		assert_int_equal(o[2], 3);
		assert_int_equal(o[3], ref);
		assert_int_equal(o[4], enc.segment_count);
		assert_int_equal(o[5], i + 1);
	}
}

static void test_gsm_basic(void **state)
{
	const char *s = "Your code is 492811. @ $ _ \xC2\xA3 \xC3\xA9 \xC3\x87 \xCE\x94\r\n";
	static const uint8_t want[] = {
	    'Y', 'o', 'u', 'r', ' ', 'c', 'o', 'd', 'e', ' ', 'i', 's', ' ', '4', '9', '2', '8', '1',
	    '1', '.', ' ', 0x00, ' ', 0x02, ' ', 0x11, ' ', 0x01, ' ', 0x05, ' ', 0x09, ' ', 0x10,
	    0x0D, 0x0A,
	};

	(void)state;
	encode_ok(s, strlen(s), SMS_TEXT_MODE_GSM7, 0);
	assert_int_equal(enc.alphabet, SMS_TEXT_GSM7);
	assert_int_equal(enc.data_coding, 0x00);
	assert_int_equal(enc.esm_class, 0);
	assert_int_equal(enc.segment_count, 1);
	assert_int_equal(enc.units, sizeof want);
	assert_int_equal(enc.segment[0].len, sizeof want);
	assert_memory_equal(enc.segment[0].octets, want, sizeof want);
	decodes_back(s, strlen(s));
}

static void test_gsm_extension(void **state)
{
	const char *s = "{}[]~\\|^" EURO "\f";
	static const uint8_t want[] = {
	    0x1B, 0x28, 0x1B, 0x29, 0x1B, 0x3C, 0x1B, 0x3E, 0x1B, 0x3D,
	    0x1B, 0x2F, 0x1B, 0x40, 0x1B, 0x14, 0x1B, 0x65, 0x1B, 0x0A,
	};

	(void)state;
	encode_ok(s, strlen(s), SMS_TEXT_MODE_GSM7, 0);
	assert_int_equal(enc.alphabet, SMS_TEXT_GSM7);
	assert_int_equal(enc.units, 20);
	assert_memory_equal(enc.segment[0].octets, want, sizeof want);
	decodes_back(s, strlen(s));
}

static void test_gsm_single_limit(void **state)
{
	char s[TEXT_MAX];

	(void)state;
	memset(s, 'a', 160);
	encode_ok(s, 160, SMS_TEXT_MODE_GSM7, 7);
	assert_int_equal(enc.segment_count, 1);
	assert_int_equal(enc.esm_class, 0);
	assert_int_equal(enc.segment[0].len, 160);
	/* 158 + a two-septet euro is 160: still one SMS. */
	memcpy(s + 158, EURO, 3);
	encode_ok(s, 161, SMS_TEXT_MODE_GSM7, 7);
	assert_int_equal(enc.units, 160);
	assert_int_equal(enc.segment_count, 1);
	/* 161 septets: two segments of 153 and 8, each with a UDH. */
	memset(s, 'a', 161);
	encode_ok(s, 161, SMS_TEXT_MODE_GSM7, 7);
	assert_int_equal(enc.segment_count, 2);
	udh_ok(7);
	assert_int_equal(enc.segment[0].len, SMS_TEXT_UDH_LEN + 153);
	assert_int_equal(enc.segment[1].len, SMS_TEXT_UDH_LEN + 8);
	decodes_back(s, 161);
}

static void test_gsm_escape_at_boundary(void **state)
{
	char s[TEXT_MAX];
	size_t len;

	(void)state;
	/* 152 a, then a euro that would take septets 153 and 154: it moves
	 * whole to the second segment, which leaves the first one short. */
	memset(s, 'a', 152);
	memcpy(s + 152, EURO, 3);
	memset(s + 155, 'b', 10);
	len = 165;
	encode_ok(s, len, SMS_TEXT_MODE_GSM7, 0x42);
	assert_int_equal(enc.units, 164);
	assert_int_equal(enc.segment_count, 2);
	udh_ok(0x42);
	assert_int_equal(enc.segment[0].len, SMS_TEXT_UDH_LEN + 152);
	assert_int_equal(enc.segment[0].octets[SMS_TEXT_UDH_LEN + 151], 'a');
	assert_int_equal(enc.segment[1].octets[SMS_TEXT_UDH_LEN], 0x1B);
	assert_int_equal(enc.segment[1].octets[SMS_TEXT_UDH_LEN + 1], 0x65);
	assert_int_equal(enc.segment[1].len, SMS_TEXT_UDH_LEN + 12);
	decodes_back(s, len);
	/* 153 a then a euro: the first is exactly full. */
	memset(s, 'a', 153);
	memcpy(s + 153, EURO, 3);
	memset(s + 156, 'b', 10);
	encode_ok(s, 166, SMS_TEXT_MODE_GSM7, 0);
	assert_int_equal(enc.segment[0].len, SMS_TEXT_UDH_LEN + 153);
	assert_int_equal(enc.segment[1].octets[SMS_TEXT_UDH_LEN], 0x1B);
	decodes_back(s, 166);
	/* Only euros: every segment holds 76 of them (152 septets), never an
	 * ESC at its end. */
	len = 0;
	for (size_t i = 0; i < 100; i++) {
		memcpy(s + len, EURO, 3);
		len += 3;
	}
	encode_ok(s, len, SMS_TEXT_MODE_GSM7, 0);
	assert_int_equal(enc.units, 200);
	assert_int_equal(enc.segment_count, 2);
	for (size_t i = 0; i < enc.segment_count; i++) {
		assert_int_not_equal(enc.segment[i].octets[enc.segment[i].len - 1], 0x1B);
		assert_int_equal((enc.segment[i].len - SMS_TEXT_UDH_LEN) % 2, 0);
	}
	assert_int_equal(enc.segment[0].len, SMS_TEXT_UDH_LEN + 152);
	decodes_back(s, len);
}

static void test_ucs2_hindi(void **state)
{
	static const uint8_t want[] = {
	    0x09, 0x06, 0x09, 0x2A, 0x09, 0x15, 0x09, 0x3E, 0x00, 0x20, 0x00, 0x4F, 0x00, 0x54,
	    0x00, 0x50, 0x00, 0x20, 0x00, 0x31, 0x00, 0x32, 0x00, 0x33, 0x00, 0x34, 0x00, 0x35,
	    0x00, 0x36, 0x00, 0x20, 0x09, 0x39, 0x09, 0x48,
	};
	char s[TEXT_MAX];
	size_t len = 0;

	(void)state;
	encode_ok(HINDI_OTP, strlen(HINDI_OTP), SMS_TEXT_MODE_GSM7, 0);
	assert_int_equal(enc.alphabet, SMS_TEXT_UCS2);
	assert_int_equal(enc.data_coding, 0x08);
	assert_int_equal(enc.units, 18);
	assert_int_equal(enc.segment_count, 1);
	assert_int_equal(enc.segment[0].len, sizeof want);
	assert_memory_equal(enc.segment[0].octets, want, sizeof want);
	decodes_back(HINDI_OTP, strlen(HINDI_OTP));
	/* Hindi is UCS2 whatever the mode. */
	encode_ok(HINDI_OTP, strlen(HINDI_OTP), SMS_TEXT_MODE_IA5, 0);
	assert_int_equal(enc.alphabet, SMS_TEXT_UCS2);
	/* 70 units are one SMS, 71 are two of 67 and 4. */
	while (len + 3 <= 70 * 3) {
		memcpy(s + len, "\xE0\xA4\x95", 3); /* क */
		len += 3;
	}
	encode_ok(s, len, SMS_TEXT_MODE_GSM7, 0);
	assert_int_equal(enc.units, 70);
	assert_int_equal(enc.segment_count, 1);
	assert_int_equal(enc.segment[0].len, 140);
	memcpy(s + len, "\xE0\xA4\x95", 3);
	len += 3;
	encode_ok(s, len, SMS_TEXT_MODE_GSM7, 9);
	assert_int_equal(enc.segment_count, 2);
	udh_ok(9);
	assert_int_equal(enc.segment[0].len, SMS_TEXT_UDH_LEN + 134);
	assert_int_equal(enc.segment[1].len, SMS_TEXT_UDH_LEN + 8);
	decodes_back(s, len);
}

static void test_ucs2_emoji(void **state)
{
	char s[TEXT_MAX];
	size_t len;

	(void)state;
	encode_ok("OK " EMOJI, 7, SMS_TEXT_MODE_GSM7, 0);
	assert_int_equal(enc.alphabet, SMS_TEXT_UCS2);
	assert_int_equal(enc.units, 5);
	assert_int_equal(enc.segment[0].len, 10);
	assert_memory_equal(enc.segment[0].octets, "\x00O\x00K\x00 \xD8\x3D\xDE\x00", 10);
	decodes_back("OK " EMOJI, 7);
	/* 66 units, then a pair that would take units 67 and 68: it moves
	 * whole to the second segment. */
	memset(s, 'x', 66);
	memcpy(s + 66, EMOJI, 4);
	memset(s + 70, 'y', 10);
	len = 80;
	encode_ok(s, len, SMS_TEXT_MODE_GSM7, 1);
	assert_int_equal(enc.units, 78);
	assert_int_equal(enc.segment_count, 2);
	udh_ok(1);
	assert_int_equal(enc.segment[0].len, SMS_TEXT_UDH_LEN + 132);
	assert_memory_equal(enc.segment[1].octets + SMS_TEXT_UDH_LEN, "\xD8\x3D\xDE\x00", 4);
	decodes_back(s, len);
	/* Only emoji: 33 pairs (66 units) a segment, never a lone half. */
	len = 0;
	for (size_t i = 0; i < 40; i++) {
		memcpy(s + len, EMOJI, 4);
		len += 4;
	}
	encode_ok(s, len, SMS_TEXT_MODE_GSM7, 1);
	assert_int_equal(enc.segment_count, 2);
	assert_int_equal(enc.segment[0].len, SMS_TEXT_UDH_LEN + 132);
	for (size_t i = 0; i < enc.segment_count; i++) {
		const uint8_t *o = enc.segment[i].octets + SMS_TEXT_UDH_LEN;
		size_t n = enc.segment[i].len - SMS_TEXT_UDH_LEN;

		assert_int_equal(o[0], 0xD8);            /* starts with a high half */
		assert_int_equal(o[n - 2] & 0xFC, 0xDC); /* ends with a low half */
	}
	decodes_back(s, len);
}

static void test_alphabet_choice(void **state)
{
	(void)state;
	/* Upper-case C cedilla is GSM, lower-case is not. */
	encode_ok("\xC3\x87", 2, SMS_TEXT_MODE_GSM7, 0);
	assert_int_equal(enc.alphabet, SMS_TEXT_GSM7);
	assert_int_equal(enc.segment[0].octets[0], 0x09);
	encode_ok("\xC3\xA7", 2, SMS_TEXT_MODE_GSM7, 0);
	assert_int_equal(enc.alphabet, SMS_TEXT_UCS2);
	/* A tab and a backtick are not GSM. */
	encode_ok("a\tb", 3, SMS_TEXT_MODE_GSM7, 0);
	assert_int_equal(enc.alphabet, SMS_TEXT_UCS2);
	encode_ok("`", 1, SMS_TEXT_MODE_GSM7, 0);
	assert_int_equal(enc.alphabet, SMS_TEXT_UCS2);
	/* U+FFFF must not be taken for the escape's empty table slot. */
	encode_ok("\xEF\xBF\xBF", 3, SMS_TEXT_MODE_GSM7, 0);
	assert_int_equal(enc.alphabet, SMS_TEXT_UCS2);
	assert_memory_equal(enc.segment[0].octets, "\xFF\xFF", 2);
	/* UCS2 when asked, even for ASCII. */
	encode_ok("abc", 3, SMS_TEXT_MODE_UCS2, 0);
	assert_int_equal(enc.alphabet, SMS_TEXT_UCS2);
	assert_int_equal(enc.data_coding, 0x08);
	assert_memory_equal(enc.segment[0].octets, "\x00" "a\x00" "b\x00" "c", 6);
	decodes_back("abc", 3);
}

static void test_ia5(void **state)
{
	char s[TEXT_MAX];

	(void)state;
	encode_ok("Code {x} `1`", 12, SMS_TEXT_MODE_IA5, 0);
	assert_int_equal(enc.alphabet, SMS_TEXT_IA5);
	assert_int_equal(enc.data_coding, 0x01);
	assert_int_equal(enc.segment[0].len, 12);
	assert_memory_equal(enc.segment[0].octets, "Code {x} `1`", 12);
	/* The braces cost two septets each once the SMSC makes them GSM. */
	assert_int_equal(enc.units, 14);
	decodes_back("Code {x} `1`", 12);
	/* Not ASCII: UCS2, not GSM, in this mode. */
	encode_ok("caf\xC3\xA9", 5, SMS_TEXT_MODE_IA5, 0);
	assert_int_equal(enc.alphabet, SMS_TEXT_UCS2);
	/* 80 braces are 160 septets: one SMS; 81 are not. */
	memset(s, '[', 81);
	encode_ok(s, 80, SMS_TEXT_MODE_IA5, 0);
	assert_int_equal(enc.segment_count, 1);
	encode_ok(s, 81, SMS_TEXT_MODE_IA5, 3);
	assert_int_equal(enc.segment_count, 2);
	udh_ok(3);
	assert_int_equal(enc.segment[0].len, SMS_TEXT_UDH_LEN + 76);
	decodes_back(s, 81);
}

static void test_segment_maximum(void **state)
{
	char s[TEXT_MAX];
	struct og_detail d;
	size_t len = 0;

	(void)state;
	memset(s, 'z', sizeof s);
	encode_ok(s, SMS_TEXT_SEGMENTS_MAX * 153, SMS_TEXT_MODE_GSM7, 0);
	assert_int_equal(enc.segment_count, SMS_TEXT_SEGMENTS_MAX);
	udh_ok(0);
	decodes_back(s, SMS_TEXT_SEGMENTS_MAX * 153);
	memset(&d, 0, sizeof d);
	assert_int_equal(sms_text_encode(s, SMS_TEXT_SEGMENTS_MAX * 153 + 1, SMS_TEXT_MODE_GSM7, 0,
					 &enc, &d),
			 OG_ERR_PAYLOAD_TOO_LARGE);
	assert_string_equal(d.field, "sms.text");
	assert_int_equal(enc.segment_count, 0);
	/* The same for UCS2: 8 x 67 units. */
	while (len < SMS_TEXT_SEGMENTS_MAX * 67 * 3) {
		memcpy(s + len, "\xE0\xA4\x95", 3);
		len += 3;
	}
	encode_ok(s, len, SMS_TEXT_MODE_GSM7, 0);
	assert_int_equal(enc.segment_count, SMS_TEXT_SEGMENTS_MAX);
	memcpy(s + len, "\xE0\xA4\x95", 3);
	assert_int_equal(sms_text_encode(s, len + 3, SMS_TEXT_MODE_GSM7, 0, &enc, NULL),
			 OG_ERR_PAYLOAD_TOO_LARGE);
	/* And input past SMS_TEXT_UTF8_MAX is refused before it is read. */
	assert_int_equal(sms_text_encode(s, SMS_TEXT_UTF8_MAX + 1, SMS_TEXT_MODE_GSM7, 0, &enc, NULL),
			 OG_ERR_PAYLOAD_TOO_LARGE);
}

static void test_invalid_utf8(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
	    {"\x80", 1},                     /* a stray continuation */
	    {"a\xBF", 2},
	    {"\xC0\x80", 2},                 /* an overlong NUL */
	    {"\xC1\xBF", 2},                 /* an overlong DEL */
	    {"\xE0\x80\xAF", 3},             /* an overlong slash */
	    {"\xF0\x80\x80\xAF", 4},
	    {"\xED\xA0\x80", 3},             /* a high surrogate */
	    {"\xED\xBF\xBF", 3},             /* a low surrogate */
	    {"\xF4\x90\x80\x80", 4},         /* past U+10FFFF */
	    {"\xF8\x88\x80\x80\x80", 5},     /* a 5-octet form */
	    {"\xFF", 1},
	    {"\xFE", 1},
	    {"\xE2\x82", 2},                 /* cut short */
	    {"ok \xF0\x9F\x98", 6},
	    {"\xC3(", 2},                    /* a continuation that is not one */
	    {"a\0b", 3},                     /* a NUL */
	    {"", 0},                         /* nothing at all */
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct og_detail d;

		memset(&d, 0, sizeof d);
		if (sms_text_encode(bad[i].s, bad[i].len, SMS_TEXT_MODE_GSM7, 0, &enc, &d) !=
		    OG_ERR_INVALID_REQUEST)
			fail_msg("case %zu accepted", i);
		assert_true(d.message[0] != '\0');
		assert_int_equal(enc.segment_count, 0);
	}
	/* The extremes that are valid. */
	encode_ok("\xF4\x8F\xBF\xBF", 4, SMS_TEXT_MODE_GSM7, 0);
	assert_int_equal(enc.units, 2);
	encode_ok("\xEE\x80\x80", 3, SMS_TEXT_MODE_GSM7, 0);
	assert_int_equal(enc.units, 1);
	encode_ok("\x7F", 1, SMS_TEXT_MODE_GSM7, 0);
	assert_int_equal(enc.alphabet, SMS_TEXT_UCS2);
}

static void test_decode(void **state)
{
	char out[64];
	size_t n;

	(void)state;
	/* An escape before a septet the extension table lacks is that septet;
	 * a trailing one is a space, and so is one before another escape,
	 * which then starts its own sequence. */
	assert_int_equal(sms_text_decode(0, false, (const uint8_t *)"\x1B\x41\x1B", 3, out,
					 sizeof out, &n, NULL),
			 OG_OK);
	assert_string_equal(out, "A ");
	assert_int_equal(sms_text_decode(0, false, (const uint8_t *)"\x1B\x1B\x65", 3, out,
					 sizeof out, &n, NULL),
			 OG_OK);
	assert_string_equal(out, " " EURO);
	assert_int_equal(sms_text_decode(0, false, (const uint8_t *)"\x80", 1, out, sizeof out, &n,
					 NULL),
			 OG_ERR_INVALID_REQUEST);
	/* Latin-1 and IA5. */
	assert_int_equal(sms_text_decode(3, false, (const uint8_t *)"caf\xE9", 4, out, sizeof out,
					 &n, NULL),
			 OG_OK);
	assert_string_equal(out, "caf\xC3\xA9");
	assert_int_equal(n, 5);
	assert_int_equal(sms_text_decode(1, false, (const uint8_t *)"caf\xE9", 4, out, sizeof out,
					 &n, NULL),
			 OG_ERR_INVALID_REQUEST);
	/* UCS2 that is not whole, or has a lone half, or a NUL. */
	assert_int_equal(sms_text_decode(8, false, (const uint8_t *)"\x00" "a\x00", 3, out,
					 sizeof out, &n, NULL),
			 OG_ERR_INVALID_REQUEST);
	assert_int_equal(sms_text_decode(8, false, (const uint8_t *)"\xD8\x3D\x00" "a", 4, out,
					 sizeof out, &n, NULL),
			 OG_ERR_INVALID_REQUEST);
	assert_int_equal(sms_text_decode(8, false, (const uint8_t *)"\xD8\x3D", 2, out, sizeof out,
					 &n, NULL),
			 OG_ERR_INVALID_REQUEST);
	assert_int_equal(sms_text_decode(8, false, (const uint8_t *)"\xDE\x00", 2, out, sizeof out,
					 &n, NULL),
			 OG_ERR_INVALID_REQUEST);
	assert_int_equal(sms_text_decode(8, false, (const uint8_t *)"\x00\x00", 2, out, sizeof out,
					 &n, NULL),
			 OG_ERR_INVALID_REQUEST);
	/* A UDH longer than the message; data_coding we do not read. */
	assert_int_equal(sms_text_decode(0, true, (const uint8_t *)"\x05\x00\x03\x01", 4, out,
					 sizeof out, &n, NULL),
			 OG_ERR_INVALID_REQUEST);
	assert_int_equal(sms_text_decode(0, true, (const uint8_t *)"", 0, out, sizeof out, &n, NULL),
			 OG_ERR_INVALID_REQUEST);
	assert_int_equal(sms_text_decode(0, true, (const uint8_t *)"\x05\x00\x03\x01\x02\x01" "hi",
					 8, out, sizeof out, &n, NULL),
			 OG_OK);
	assert_string_equal(out, "hi");
	assert_int_equal(sms_text_decode(4, false, (const uint8_t *)"\x01", 1, out, sizeof out, &n,
					 NULL),
			 OG_ERR_INVALID_REQUEST);
	/* Nothing at all, with no buffer behind it, is empty text. */
	assert_int_equal(sms_text_decode(8, false, NULL, 0, out, sizeof out, &n, NULL), OG_OK);
	assert_int_equal(n, 0);
	assert_string_equal(out, "");
	/* Output that does not fit, by one: refused, and still terminated. */
	assert_int_equal(sms_text_decode(0, false, (const uint8_t *)"abcd", 4, out, 4, &n, NULL),
			 OG_ERR_PAYLOAD_TOO_LARGE);
	assert_int_equal(n, 0);
	assert_string_equal(out, "");
	assert_int_equal(sms_text_decode(0, false, (const uint8_t *)"abcd", 4, out, 5, &n, NULL),
			 OG_OK);
	assert_string_equal(out, "abcd");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gsm_basic),         cmocka_unit_test(test_gsm_extension),
	    cmocka_unit_test(test_gsm_single_limit),  cmocka_unit_test(test_gsm_escape_at_boundary),
	    cmocka_unit_test(test_ucs2_hindi),        cmocka_unit_test(test_ucs2_emoji),
	    cmocka_unit_test(test_alphabet_choice),   cmocka_unit_test(test_ia5),
	    cmocka_unit_test(test_segment_maximum),   cmocka_unit_test(test_invalid_utf8),
	    cmocka_unit_test(test_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
