/*
 * SMS text: how a rendered UTF-8 message becomes the octets of one or more
 * short_message fields, and back. The encoder picks the alphabet, GSM 03.38
 * (3GPP TS 23.038) default alphabet with its extension table when every
 * character is in it, UCS2 (UTF-16BE, with surrogate pairs beyond the BMP)
 * otherwise, or IA5 (ASCII) when an upstream asks for it. Text over one SMS
 * is cut into segments, each with a 6-octet concatenation UDH (TS 23.040
 * §9.2.3.24.1), and a cut never falls inside an escape sequence or a
 * surrogate pair, which would garble the character on both sides of it.
 *
 * The name is sms_text rather than smpp_text because nothing here is SMPP:
 * the alphabets, the limits and the UDH are GSM's, and the same octets serve
 * any binary SMS upstream. Only the data_coding values come from SMPP.
 */
#ifndef OG_SMS_TEXT_H
#define OG_SMS_TEXT_H

#include "base/og_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMS_TEXT_UTF8_MAX 4096    /* input octets; 8 full UCS2 segments need at most 1608 */
#define SMS_TEXT_SEGMENTS_MAX 8   /* beyond this a message is refused, never cut short */
#define SMS_TEXT_UDH_LEN 6        /* 05 00 03 ref total seq */
#define SMS_TEXT_GSM7_SINGLE_MAX 160 /* septets in one SMS */
#define SMS_TEXT_GSM7_PART_MAX 153   /* septets in a segment after the UDH */
#define SMS_TEXT_UCS2_SINGLE_MAX 70  /* UTF-16 code units in one SMS */
#define SMS_TEXT_UCS2_PART_MAX 67    /* UTF-16 code units in a segment after the UDH */
#define SMS_TEXT_SEGMENT_MAX 160     /* octets of one segment: a single full GSM SMS is the most */

/* data_coding (SMPP v3.4 §5.2.19) of each alphabet, and the esm_class bit
 * that says a short_message starts with a UDH. */
#define SMS_TEXT_DATA_CODING_GSM7 0x00 /* the SMSC default alphabet, GSM 03.38 unpacked */
#define SMS_TEXT_DATA_CODING_IA5 0x01
#define SMS_TEXT_DATA_CODING_LATIN1 0x03
#define SMS_TEXT_DATA_CODING_UCS2 0x08
#define SMS_TEXT_ESM_CLASS_UDHI 0x40

/* What an upstream accepts; a per-upstream setting. */
enum sms_text_mode {
	SMS_TEXT_MODE_GSM7, /* GSM 03.38 when the text fits it, else UCS2 (the default) */
	SMS_TEXT_MODE_IA5,  /* ASCII as IA5 when the text is printable ASCII, else UCS2 */
	SMS_TEXT_MODE_UCS2  /* always UCS2 */
};

enum sms_text_alphabet {
	SMS_TEXT_GSM7,
	SMS_TEXT_IA5,
	SMS_TEXT_UCS2
};

/* One short_message: the UDH (when segmented), then the text's octets. */
struct sms_text_segment {
	size_t len;
	uint8_t octets[SMS_TEXT_SEGMENT_MAX];
};

/* An encoded message. */
struct sms_text {
	int alphabet;         /* enum sms_text_alphabet */
	uint8_t data_coding;  /* SMS_TEXT_DATA_CODING_* for submit_sm */
	uint8_t esm_class;    /* SMS_TEXT_ESM_CLASS_UDHI when segmented, else 0: OR it in */
	size_t units;         /* the text's length in septets (GSM7, IA5) or UTF-16 units */
	size_t segment_count; /* 1..SMS_TEXT_SEGMENTS_MAX */
	struct sms_text_segment segment[SMS_TEXT_SEGMENTS_MAX];
};

/** Encodes len octets of UTF-8 for mode, segments tagged with ref; OG_ERR_INVALID_REQUEST for bad or empty UTF-8, OG_ERR_PAYLOAD_TOO_LARGE over SMS_TEXT_SEGMENTS_MAX. */
enum og_err sms_text_encode(const char *utf8, size_t len, enum sms_text_mode mode, uint8_t ref,
			    struct sms_text *out, struct og_detail *d);

/** Decodes one short_message (skipping its UDH if udhi) of data_coding 0, 1, 3 or 8 into NUL-terminated UTF-8 of at most max octets; sets *out_len. */
enum og_err sms_text_decode(uint8_t data_coding, bool udhi, const uint8_t *octets, size_t len,
			    char *utf8, size_t max, size_t *out_len, struct og_detail *d);

#endif
