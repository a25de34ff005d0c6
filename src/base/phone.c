/*
 * E.164 validation and masking. The country code's length is needed only to
 * decide what to keep visible when masking; a small table of the codes that
 * matter is enough, and anything else is masked as if its code had 3 digits
 * short of the last 4, which can only hide more, never less.
 */
#include "base/phone.h"

#include <assert.h>
#include <string.h>

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool phone_parse(const char *text, char out[PHONE_MAX])
{
	size_t len = strnlen(text, PHONE_MAX + 1);
	size_t digits;

	if (len > PHONE_MAX - 1 || text[0] != '+')
		return false;
	digits = len - 1;
	if (digits < PHONE_DIGITS_MIN || digits > PHONE_DIGITS_MAX || !all_digits(text + 1, digits))
		return false;
	if (text[1] == '0')
		return false; /* no country code starts with 0 */
	if (strncmp(text, "+91", 3) == 0) {
		if (digits != 12 || text[3] < '6' || text[3] > '9')
			return false;
	}
	memcpy(out, text, len + 1);
	return true;
}

/* Country codes of one and two digits that otpgate is likely to see; a
 * longer or unknown code keeps one digit visible, which still masks. */
static size_t country_code_len(const char *digits)
{
	static const char *const two[] = {"91", "44", "61", "65", "971", "92", "94", "977", "880",
					  "49", "33", "81", "86"};
	if (digits[0] == '1' || digits[0] == '7')
		return 1;
	for (size_t i = 0; i < sizeof two / sizeof two[0]; i++) {
		size_t n = strlen(two[i]);
		if (strncmp(digits, two[i], n) == 0)
			return n;
	}
	return 1;
}

void phone_mask(const char *e164, char out[PHONE_MAX])
{
	size_t len = strnlen(e164, PHONE_MAX - 1);
	size_t cc, keep_from;

	if (len < 2 || e164[0] != '+') {
		memcpy(out, "***", 4);
		return;
	}
	cc = country_code_len(e164 + 1);
	keep_from = len > PHONE_MASK_KEEP ? len - PHONE_MASK_KEEP : len;
	if (1 + cc > keep_from)
		cc = keep_from > 1 ? keep_from - 1 : 0;
	out[0] = '+';
	for (size_t i = 1; i < len; i++)
		out[i] = (i <= cc || i >= keep_from) ? e164[i] : '*';
	out[len] = '\0';
}
