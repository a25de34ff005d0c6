/*
 * Fuzz target: phone parsing and masking (src/base/phone.c). Invariants: a
 * parsed number is valid E.164 text that parses again to itself, and its
 * masked form has the same length, keeps the '+', shows no more than the
 * last PHONE_MASK_KEEP digits of the subscriber number, and never equals
 * the number itself.
 */
#include "base/phone.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FUZZ_PHONE_TEXT_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[FUZZ_PHONE_TEXT_MAX];
	char e164[PHONE_MAX], again[PHONE_MAX], masked[PHONE_MAX];
	size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
	size_t len, hidden = 0;

	memcpy(text, data, n);
	text[n] = '\0';
	if (!phone_parse(text, e164))
		return 0;
	len = strlen(e164);
	assert(len < PHONE_MAX && e164[0] == '+');
	assert(phone_parse(e164, again) && strcmp(e164, again) == 0);
	phone_mask(e164, masked);
	assert(strlen(masked) == len && masked[0] == '+');
	for (size_t i = 1; i < len; i++) {
		if (masked[i] == '*') {
			hidden++;
			continue;
		}
		assert(masked[i] == e164[i]);
	}
	/* At least everything but the country code and the last digits is hidden. */
	assert(hidden > 0 && strcmp(masked, e164) != 0);
	assert(strncmp(masked + len - PHONE_MASK_KEEP, e164 + len - PHONE_MASK_KEEP,
		       PHONE_MASK_KEEP) == 0);
	return 0;
}
