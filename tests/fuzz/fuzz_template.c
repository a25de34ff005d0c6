/*
 * Fuzz target: template variable counting and rendering
 * (src/domain/template.c). The input is a template body, then after the
 * first NUL byte the values, separated by NULs. Invariants: rendering never
 * writes past out_max (checked with a guard byte and ASan) and, when it
 * succeeds, leaves a NUL-terminated text; a body with n variables renders
 * with n values. Each input is also rendered into a tiny buffer, to drive
 * the "will not fit" paths.
 */
#include "domain/template.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FUZZ_GUARD 0x5a
#define FUZZ_TINY_OUT 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char body[STORE_TEMPLATE_BODY_MAX];
	static char values_buf[STORE_TEMPLATE_VARS_MAX][TEMPLATE_VALUE_MAX];
	static char out[TEMPLATE_RENDERED_MAX + 1];
	const char *values[STORE_TEMPLATE_VARS_MAX];
	const uint8_t *p = data, *end = data + size, *nul;
	size_t len, nvalues = 0;
	int nvars;

	nul = memchr(p, 0, size);
	len = (size_t)((nul ? nul : end) - p);
	if (len >= sizeof body)
		len = sizeof body - 1;
	memcpy(body, p, len);
	body[len] = '\0';
	p = nul ? nul + 1 : end;
	while (p < end && nvalues < STORE_TEMPLATE_VARS_MAX) {
		nul = memchr(p, 0, (size_t)(end - p));
		len = (size_t)((nul ? nul : end) - p);
		if (len >= TEMPLATE_VALUE_MAX)
			len = TEMPLATE_VALUE_MAX - 1;
		memcpy(values_buf[nvalues], p, len);
		values_buf[nvalues][len] = '\0';
		values[nvalues] = values_buf[nvalues];
		nvalues++;
		p = nul ? nul + 1 : end;
	}
	nvars = template_count_vars(body);
	assert(nvars >= -1);
	if (nvars < 0 || (size_t)nvars > nvalues)
		return 0;
	out[TEMPLATE_RENDERED_MAX] = (char)FUZZ_GUARD;
	if (template_render(body, values, (size_t)nvars, out, TEMPLATE_RENDERED_MAX) == OG_OK)
		assert(memchr(out, '\0', TEMPLATE_RENDERED_MAX) != NULL);
	assert(out[TEMPLATE_RENDERED_MAX] == (char)FUZZ_GUARD);
	out[FUZZ_TINY_OUT] = (char)FUZZ_GUARD;
	if (template_render(body, values, (size_t)nvars, out, FUZZ_TINY_OUT) == OG_OK)
		assert(memchr(out, '\0', FUZZ_TINY_OUT) != NULL);
	assert(out[FUZZ_TINY_OUT] == (char)FUZZ_GUARD);
	return 0;
}
