/*
 * Canonical SMSC message ids (smpp_msgid.h). The base conversion is schoolbook
 * long arithmetic: the digits of the result are kept least significant first
 * in the target base, and each source digit multiplies the whole number by
 * the source base and adds itself. No machine integer ever holds the id, so
 * its length is bounded only by SMPP's 64 octets, never by 64 bits (Kannel's
 * strtoll overflows there, UPSTREAMS.md §1).
 */
#include "upstream/smpp_msgid.h"

#include <assert.h>
#include <string.h>

#define SMPP_MSGID_DIGITS_MAX (SMPP_MSGID_CANONICAL_MAX - 1)

static bool smpp_msgid_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Returns c's value as a digit in base, or -1. c is already upper-case. */
static int smpp_msgid_digit(char c, unsigned base)
{
	int v = -1;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	return v >= 0 && (unsigned)v < base ? v : -1;
}

static bool smpp_msgid_all_digits(const char *s, size_t n, unsigned base)
{
	for (size_t i = 0; i < n; i++)
		if (smpp_msgid_digit(s[i], base) < 0)
			return false;
	return true;
}

/* Rewrites the n digits of s (base from) in base to, as NUL-terminated text
 * without leading zeros ("0" for zero). The caller has checked the digits,
 * and n <= 64 digits always fit SMPP_MSGID_DIGITS_MAX. */
static void smpp_msgid_rebase(const char *s, size_t n, unsigned from, unsigned to,
			      char out[SMPP_MSGID_CANONICAL_MAX])
{
	static const char digit_chars[] = "0123456789ABCDEF";
	unsigned char digits[SMPP_MSGID_DIGITS_MAX]; /* least significant first */
	size_t count = 0;

	assert(n <= SMPP_MSGID_RAW_MAX - 1);
	for (size_t i = 0; i < n; i++) {
		unsigned carry = (unsigned)smpp_msgid_digit(s[i], from);

		for (size_t k = 0; k < count; k++) {
			unsigned x = digits[k] * from + carry;

			digits[k] = (unsigned char)(x % to);
			carry = x / to;
		}
		while (carry > 0) {
			assert(count < SMPP_MSGID_DIGITS_MAX);
			digits[count++] = (unsigned char)(carry % to);
			carry /= to;
		}
	}
	if (count == 0)
		digits[count++] = 0;
	for (size_t k = 0; k < count; k++)
		out[k] = digit_chars[digits[count - 1 - k]];
	out[count] = '\0';
}

enum og_err smpp_msgid_parse(const char *text, size_t len, enum smpp_msgid_convert convert,
			     struct smpp_msgid *out, struct og_detail *d)
{
	char upper[SMPP_MSGID_RAW_MAX];
	size_t start = 0, end = len, n;
	bool alnum = true;
	enum og_err rc = OG_OK;
	unsigned from = 0, to = 0;

	assert((text || len == 0) && out);
	assert(convert == SMPP_MSGID_KEEP || convert == SMPP_MSGID_HEX_TO_DEC ||
	       convert == SMPP_MSGID_DEC_TO_HEX);
	memset(out, 0, sizeof *out);
	if (len > SMPP_MSGID_RAW_MAX - 1) {
		rc = og_fail(d, OG_ERR_PAYLOAD_TOO_LARGE, "smpp.message_id",
			     "a message id of %zu octets is over %d", len, SMPP_MSGID_RAW_MAX - 1);
		goto out;
	}
	if (len > 0 && memchr(text, '\0', len)) {
		rc = og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.message_id",
			     "the message id holds a NUL");
		goto out;
	}
	while (start < end && smpp_msgid_space(text[start]))
		start++;
	while (end > start && smpp_msgid_space(text[end - 1]))
		end--;
	if (start == end) {
		rc = og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.message_id", "the message id is blank");
		goto out;
	}
	n = end - start;
	for (size_t i = 0; i < n; i++) {
		char c = text[start + i];

		if (c < 0x21 || c > 0x7E) {
			rc = og_fail(d, OG_ERR_INVALID_REQUEST, "smpp.message_id",
				     "the message id holds octet 0x%02X", (unsigned char)c);
			goto out;
		}
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')))
			alnum = false;
		upper[i] = c;
	}
	upper[n] = '\0';
	memcpy(out->raw, text, len);
	out->raw[len] = '\0';

	if (convert == SMPP_MSGID_HEX_TO_DEC) {
		from = 16;
		to = 10;
	} else if (convert == SMPP_MSGID_DEC_TO_HEX) {
		from = 10;
		to = 16;
	}
	if (from && smpp_msgid_all_digits(upper, n, from)) {
		smpp_msgid_rebase(upper, n, from, to, out->canonical);
		out->converted = true;
		goto out;
	}
	/* Leading zeros are padding only in an id made of digits and letters:
	 * "00B8BE19" is "B8BE19" (jasmin #1129). An id with other characters,
	 * a UUID above all, keeps them, or "0000-11" would become "-11". The
	 * rule looks at the text alone, never at the conversion setting, so
	 * both sides of a match treat an unconvertible id alike. */
	start = 0;
	if (alnum)
		while (start + 1 < n && upper[start] == '0')
			start++;
	memcpy(out->canonical, upper + start, n - start + 1);
out:
	if (rc != OG_OK)
		memset(out, 0, sizeof *out);
	return rc;
}

bool smpp_msgid_equal(const struct smpp_msgid *a, const struct smpp_msgid *b)
{
	assert(a && b);
	return a->canonical[0] != '\0' && strcmp(a->canonical, b->canonical) == 0;
}
