/*
 * Fuzz target: SMS text encoding and decoding (src/upstream/sms_text.c).
 * The first byte chooses the mode, the second the concatenation reference,
 * and the rest is the text, given with an exact length and no NUL after it.
 * Invariants for text that encodes: 1 to SMS_TEXT_SEGMENTS_MAX segments
 * within their octet limits, a UDH on every segment exactly when there are
 * several, the alphabet's data_coding, no segment that ends inside a GSM
 * escape or a surrogate pair (or starts inside one), and the segments decode
 * back to the very text. The same bytes are also decoded as a short_message
 * of each data_coding, which must end NUL-terminated within its buffer.
 */
#include "upstream/sms_text.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_SMS_TEXT_OUT_MAX (SMS_TEXT_UTF8_MAX * 3)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_segments_ok(const struct sms_text *t, uint8_t ref, const char *text, size_t len)
{
	static char joined[FUZZ_SMS_TEXT_OUT_MAX];
	size_t used = 0, units = 0;
	bool parts = t->segment_count > 1;

	assert(t->segment_count >= 1 && t->segment_count <= SMS_TEXT_SEGMENTS_MAX);
	assert(t->esm_class == (parts ? SMS_TEXT_ESM_CLASS_UDHI : 0));
	assert(t->data_coding == (t->alphabet == SMS_TEXT_GSM7  ? SMS_TEXT_DATA_CODING_GSM7
				  : t->alphabet == SMS_TEXT_IA5 ? SMS_TEXT_DATA_CODING_IA5
								: SMS_TEXT_DATA_CODING_UCS2));
	for (size_t i = 0; i < t->segment_count; i++) {
		const struct sms_text_segment *s = &t->segment[i];
		size_t head = parts ? SMS_TEXT_UDH_LEN : 0;
		const uint8_t *o = s->octets + head;
		size_t n, body;
		char part[FUZZ_SMS_TEXT_OUT_MAX];

		assert(s->len > head && s->len <= SMS_TEXT_SEGMENT_MAX);
		body = s->len - head;
		if (parts) {
			assert(s->octets[0] == 5 && s->octets[1] == 0 && s->octets[2] == 3);
			assert(s->octets[3] == ref && s->octets[4] == t->segment_count);
			assert(s->octets[5] == i + 1);
		}
		if (t->alphabet == SMS_TEXT_UCS2) {
			assert(body % 2 == 0);
			assert(body / 2 <= (parts ? SMS_TEXT_UCS2_PART_MAX : SMS_TEXT_UCS2_SINGLE_MAX));
			assert((o[0] & 0xFC) != 0xDC);        /* no low half first */
			assert((o[body - 2] & 0xFC) != 0xD8); /* no high half last */
			units += body / 2;
		} else if (t->alphabet == SMS_TEXT_GSM7) {
			assert(body <= (parts ? SMS_TEXT_GSM7_PART_MAX : SMS_TEXT_GSM7_SINGLE_MAX));
			for (size_t k = 0; k < body; k++) {
				assert(o[k] < 0x80);
				if (o[k] == 0x1B) {
					assert(k + 1 < body); /* never an escape at the end */
					k++;
				}
			}
			units += body;
		} else {
			assert(body <= (parts ? SMS_TEXT_GSM7_PART_MAX : SMS_TEXT_GSM7_SINGLE_MAX));
			for (size_t k = 0; k < body; k++)
				assert((o[k] >= 0x20 && o[k] <= 0x7E) || o[k] == '\n' || o[k] == '\r');
		}
		assert(sms_text_decode(t->data_coding, parts, s->octets, s->len, part, sizeof part,
				       &n, NULL) == OG_OK);
		assert(used + n <= sizeof joined);
		memcpy(joined + used, part, n);
		used += n;
	}
	if (t->alphabet != SMS_TEXT_IA5)
		assert(units == t->units);
	assert(used == len && memcmp(joined, text, len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t codings[] = {SMS_TEXT_DATA_CODING_GSM7, SMS_TEXT_DATA_CODING_IA5,
					  SMS_TEXT_DATA_CODING_LATIN1, SMS_TEXT_DATA_CODING_UCS2,
					  0x04};
	static struct sms_text t;
	static char out[FUZZ_SMS_TEXT_OUT_MAX];
	enum sms_text_mode mode;
	uint8_t ref;
	char *text;
	size_t len, n;

	if (size < 2)
		return 0;
	mode = (enum sms_text_mode)(data[0] % 3);
	ref = data[1];
	len = size - 2;
	text = malloc(len ? len : 1);
	assert(text);
	memcpy(text, data + 2, len);
	if (sms_text_encode(text, len, mode, ref, &t, NULL) == OG_OK)
		fuzz_segments_ok(&t, ref, text, len);
	else
		assert(t.segment_count == 0);
	for (size_t i = 0; i < sizeof codings / sizeof codings[0]; i++) {
		for (int udhi = 0; udhi < 2; udhi++) {
			(void)sms_text_decode(codings[i], udhi, (const uint8_t *)text, len, out,
					      sizeof out, &n, NULL);
			assert(n < sizeof out && strlen(out) == n);
		}
	}
	free(text);
	return 0;
}
