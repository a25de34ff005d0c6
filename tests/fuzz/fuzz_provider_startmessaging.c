/*
 * Fuzz target: the StartMessaging gateway reply parser
 * (provider_startmessaging_parse). The first two bytes choose the HTTP
 * status (0..999, so impossible ones are tried too); the rest is the body,
 * which the parser receives with an exact length and no terminating NUL (a
 * copy without one, so ASan sees any read past the end). Invariants: the
 * verdict is one of the three, the status is echoed, and the message id and
 * error are NUL-terminated within their buffers.
 */
#include "upstream/provider_startmessaging.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct upstream_result res;
	long status;
	char *body;

	if (size < 2)
		return 0;
	status = (long)(((unsigned)data[0] << 8 | data[1]) % 1000);
	body = malloc(size - 2 ? size - 2 : 1);
	if (!body)
		return 0;
	memcpy(body, data + 2, size - 2);
	memset(&res, 0, sizeof res);
	provider_startmessaging_parse(status, body, size - 2, &res);
	assert(res.verdict == UPSTREAM_ACCEPTED || res.verdict == UPSTREAM_TRANSIENT ||
	       res.verdict == UPSTREAM_PERMANENT);
	assert(memchr(res.provider_message_id, '\0', sizeof res.provider_message_id) != NULL);
	assert(memchr(res.error, '\0', sizeof res.error) != NULL);
	free(body);
	return 0;
}
