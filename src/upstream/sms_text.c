/*
 * SMS text encoding and decoding (sms_text.h). Encoding makes two passes
 * over the UTF-8: the first validates it and measures it in each alphabet,
 * which decides the alphabet and whether one SMS holds it; the second emits
 * each character whole into the current segment, opening the next one when
 * the character would not fit, so no segment ends inside a character. The
 * GSM tables are the 3GPP TS 23.038 default alphabet and its extension
 * table, as in the Unicode consortium's GSM0338 mapping.
 */
#include "upstream/sms_text.h"

#include <assert.h>
#include <string.h>

#define SMS_TEXT_GSM_ESC 0x1B
#define SMS_TEXT_GSM_ALPHABET_SIZE 128 /* septets 0x00..0x7F */
#define SMS_TEXT_GSM_CHAR_MAX 2        /* septets of one character: ESC and its code */
#define SMS_TEXT_GSM_NONE 0xFFFF     /* a table slot no character maps to */
#define SMS_TEXT_CHAR_OCTETS_MAX 4   /* one character in any alphabet, or in UTF-8 */
#define SMS_TEXT_UNICODE_MAX 0x10FFFFu
#define SMS_TEXT_BMP_MAX 0xFFFFu

/* GSM 03.38 default alphabet: septet -> Unicode. 0x1B is the escape to the
 * extension table, so no character maps to it. */
static const uint16_t sms_text_gsm_basic[SMS_TEXT_GSM_ALPHABET_SIZE] = {
	0x0040, 0x00A3, 0x0024, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, /* 0x00 */
	0x00F2, 0x00C7, 0x000A, 0x00D8, 0x00F8, 0x000D, 0x00C5, 0x00E5, /* 0x08 */
	0x0394, 0x005F, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, /* 0x10 */
	0x03A3, 0x0398, 0x039E, SMS_TEXT_GSM_NONE, 0x00C6, 0x00E6, 0x00DF, 0x00C9, /* 0x18 */
	0x0020, 0x0021, 0x0022, 0x0023, 0x00A4, 0x0025, 0x0026, 0x0027, /* 0x20 */
	0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F, /* 0x28 */
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037, /* 0x30 */
	0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F, /* 0x38 */
	0x00A1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047, /* 0x40 */
	0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F, /* 0x48 */
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057, /* 0x50 */
	0x0058, 0x0059, 0x005A, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7, /* 0x58 */
	0x00BF, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067, /* 0x60 */
	0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F, /* 0x68 */
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077, /* 0x70 */
	0x0078, 0x0079, 0x007A, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0, /* 0x78 */
};

/* The extension table: each character costs ESC plus this septet. */
struct sms_text_gsm_ext {
	uint8_t septet;
	uint16_t unicode;
};

static const struct sms_text_gsm_ext sms_text_gsm_ext[] = {
	{0x0A, 0x000C}, /* form feed */
	{0x14, 0x005E}, /* ^ */
	{0x28, 0x007B}, /* { */
	{0x29, 0x007D}, /* } */
	{0x2F, 0x005C}, /* backslash */
	{0x3C, 0x005B}, /* [ */
	{0x3D, 0x007E}, /* ~ */
	{0x3E, 0x005D}, /* ] */
	{0x40, 0x007C}, /* | */
	{0x65, 0x20AC}, /* euro sign */
};

#define SMS_TEXT_GSM_EXT_COUNT (sizeof sms_text_gsm_ext / sizeof sms_text_gsm_ext[0])

/* Writes cp as GSM septets into out; returns how many (1, 2), 0 if cp has none. */
static size_t sms_text_gsm_encode(uint32_t cp, uint8_t out[SMS_TEXT_GSM_CHAR_MAX])
{
	for (size_t i = 0; i < SMS_TEXT_GSM_ALPHABET_SIZE; i++) {
		/* The escape's slot holds a sentinel that U+FFFF would match. */
		if (i != SMS_TEXT_GSM_ESC && sms_text_gsm_basic[i] == cp) {
			out[0] = (uint8_t)i;
			return 1;
		}
	}
	for (size_t i = 0; i < SMS_TEXT_GSM_EXT_COUNT; i++) {
		if (sms_text_gsm_ext[i].unicode == cp) {
			out[0] = SMS_TEXT_GSM_ESC;
			out[1] = sms_text_gsm_ext[i].septet;
			return 2;
		}
	}
	return 0;
}

/* Returns the Unicode for extension septet s, or SMS_TEXT_GSM_NONE. */
static uint32_t sms_text_gsm_ext_decode(uint8_t s)
{
	for (size_t i = 0; i < SMS_TEXT_GSM_EXT_COUNT; i++)
		if (sms_text_gsm_ext[i].septet == s)
			return sms_text_gsm_ext[i].unicode;
	return SMS_TEXT_GSM_NONE;
}

/* IA5 takes printable ASCII and the two line breaks, nothing else: other
 * control characters have no meaning on a handset. */
static bool sms_text_ia5_ok(uint32_t cp)
{
	return (cp >= 0x20 && cp <= 0x7E) || cp == '\n' || cp == '\r';
}

/* Decodes one strict UTF-8 character (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF) from s; returns its length, or 0 if
 * it is invalid or cut short. */
static size_t sms_text_utf8_next(const uint8_t *s, size_t len, uint32_t *cp)
{
	static const uint32_t min_for_len[SMS_TEXT_CHAR_OCTETS_MAX + 1] = {0, 0, 0x80, 0x800, 0x10000};
	size_t n;
	uint32_t v;

	assert(len > 0);
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		n = 2;
		v = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 3;
		v = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 4;
		v = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3F);
	}
	if (v < min_for_len[n] || v > SMS_TEXT_UNICODE_MAX || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

/* Appends cp as UTF-8 to out (max octets, one kept for the NUL). */
static enum og_err sms_text_utf8_put(uint32_t cp, char *out, size_t max, size_t *len,
				     struct og_detail *d)
{
	uint8_t b[SMS_TEXT_CHAR_OCTETS_MAX];
	size_t n;

	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xC0 | cp >> 6);
		b[1] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xE0 | cp >> 12);
		b[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
		b[2] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xF0 | cp >> 18);
		b[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
		b[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
		b[3] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 4;
	}
	if (n > max - 1 - *len)
		return og_fail(d, OG_ERR_PAYLOAD_TOO_LARGE, "sms.text",
			       "the decoded text does not fit in %zu octets", max - 1);
	memcpy(out + *len, b, n);
	*len += n;
	return OG_OK;
}

/* One character in the chosen alphabet: its octets, and what it costs of a
 * segment (septets or UTF-16 units). */
struct sms_text_char {
	uint8_t octets[SMS_TEXT_CHAR_OCTETS_MAX];
	size_t len;
	size_t cost;
};

static void sms_text_char_encode(int alphabet, uint32_t cp, struct sms_text_char *c)
{
	uint8_t septets[SMS_TEXT_GSM_CHAR_MAX];
	size_t gsm;

	memset(c, 0, sizeof *c);
	switch (alphabet) {
	case SMS_TEXT_GSM7:
		c->len = sms_text_gsm_encode(cp, c->octets);
		assert(c->len > 0);
		c->cost = c->len;
		return;
	case SMS_TEXT_IA5:
		/* The SMSC turns IA5 into GSM septets for the air, where the
		 * extension characters take two: cost them as GSM does, so no
		 * segment overflows after that conversion. */
		c->octets[0] = (uint8_t)cp;
		c->len = 1;
		gsm = sms_text_gsm_encode(cp, septets);
		c->cost = gsm > 0 ? gsm : 1;
		return;
	case SMS_TEXT_UCS2:
		if (cp > SMS_TEXT_BMP_MAX) {
			uint32_t v = cp - 0x10000;
			uint16_t hi = (uint16_t)(0xD800 | v >> 10);
			uint16_t lo = (uint16_t)(0xDC00 | (v & 0x3FF));

			c->octets[0] = (uint8_t)(hi >> 8);
			c->octets[1] = (uint8_t)hi;
			c->octets[2] = (uint8_t)(lo >> 8);
			c->octets[3] = (uint8_t)lo;
			c->len = 4;
			c->cost = 2;
		} else {
			c->octets[0] = (uint8_t)(cp >> 8);
			c->octets[1] = (uint8_t)cp;
			c->len = 2;
			c->cost = 1;
		}
		return;
	}
	assert(!"unknown alphabet");
}

/* What the first pass learns about the text. */
struct sms_text_measure {
	bool gsm_ok;      /* every character is in GSM 03.38 */
	bool ia5_ok;      /* every character is printable ASCII */
	size_t septets;   /* its length in GSM septets, when gsm_ok */
	size_t ia5_cost;  /* its length in septets after an SMSC's IA5 to GSM, when ia5_ok */
	size_t utf16;     /* its length in UTF-16 code units */
};

static enum og_err sms_text_measure(const uint8_t *s, size_t len, struct sms_text_measure *m,
				    struct og_detail *d)
{
	uint8_t septets[SMS_TEXT_GSM_CHAR_MAX];
	size_t off = 0;

	memset(m, 0, sizeof *m);
	m->gsm_ok = true;
	m->ia5_ok = true;
	while (off < len) {
		uint32_t cp;
		size_t n = sms_text_utf8_next(s + off, len - off, &cp);
		size_t gsm;

		if (n == 0)
			return og_fail(d, OG_ERR_INVALID_REQUEST, "sms.text",
				       "the text is not valid UTF-8 at octet %zu", off);
		/* A NUL has no place in a message, and would cut it short in
		 * any C string it passes through. */
		if (cp == 0)
			return og_fail(d, OG_ERR_INVALID_REQUEST, "sms.text",
				       "the text holds a NUL at octet %zu", off);
		gsm = sms_text_gsm_encode(cp, septets);
		if (gsm == 0)
			m->gsm_ok = false;
		m->septets += gsm;
		if (!sms_text_ia5_ok(cp))
			m->ia5_ok = false;
		m->ia5_cost += gsm > 0 ? gsm : 1;
		m->utf16 += cp > SMS_TEXT_BMP_MAX ? 2 : 1;
		off += n;
	}
	return OG_OK;
}

static void sms_text_choose(enum sms_text_mode mode, const struct sms_text_measure *m,
			    struct sms_text *out)
{
	if (mode == SMS_TEXT_MODE_GSM7 && m->gsm_ok) {
		out->alphabet = SMS_TEXT_GSM7;
		out->data_coding = SMS_TEXT_DATA_CODING_GSM7;
		out->units = m->septets;
	} else if (mode == SMS_TEXT_MODE_IA5 && m->ia5_ok) {
		out->alphabet = SMS_TEXT_IA5;
		out->data_coding = SMS_TEXT_DATA_CODING_IA5;
		out->units = m->ia5_cost;
	} else {
		out->alphabet = SMS_TEXT_UCS2;
		out->data_coding = SMS_TEXT_DATA_CODING_UCS2;
		out->units = m->utf16;
	}
}

enum og_err sms_text_encode(const char *utf8, size_t len, enum sms_text_mode mode, uint8_t ref,
			    struct sms_text *out, struct og_detail *d)
{
	const uint8_t *s = (const uint8_t *)utf8;
	struct sms_text_measure m;
	size_t single_max, part_max, cap, used = 0, off = 0;
	enum og_err rc;
	bool parts;

	assert((utf8 || len == 0) && out);
	assert(mode == SMS_TEXT_MODE_GSM7 || mode == SMS_TEXT_MODE_IA5 ||
	       mode == SMS_TEXT_MODE_UCS2);
	memset(out, 0, sizeof *out);
	if (len == 0) {
		rc = og_fail(d, OG_ERR_INVALID_REQUEST, "sms.text", "the text is empty");
		goto out;
	}
	if (len > SMS_TEXT_UTF8_MAX) {
		rc = og_fail(d, OG_ERR_PAYLOAD_TOO_LARGE, "sms.text",
			     "the text of %zu octets is over %d", len, SMS_TEXT_UTF8_MAX);
		goto out;
	}
	rc = sms_text_measure(s, len, &m, d);
	if (rc != OG_OK)
		goto out;
	sms_text_choose(mode, &m, out);
	single_max = out->alphabet == SMS_TEXT_UCS2 ? SMS_TEXT_UCS2_SINGLE_MAX
						    : SMS_TEXT_GSM7_SINGLE_MAX;
	part_max = out->alphabet == SMS_TEXT_UCS2 ? SMS_TEXT_UCS2_PART_MAX : SMS_TEXT_GSM7_PART_MAX;
	parts = out->units > single_max;
	cap = parts ? part_max : single_max;
	out->segment_count = 1;
	out->segment[0].len = parts ? SMS_TEXT_UDH_LEN : 0;
	while (off < len) {
		struct sms_text_segment *seg;
		struct sms_text_char c;
		uint32_t cp;
		size_t n = sms_text_utf8_next(s + off, len - off, &cp);

		assert(n > 0); /* the first pass checked every character */
		sms_text_char_encode(out->alphabet, cp, &c);
		if (used + c.cost > cap) {
			/* The whole character moves on: an escape or a surrogate
			 * pair split between two segments garbles both. */
			if (out->segment_count == SMS_TEXT_SEGMENTS_MAX) {
				rc = og_fail(d, OG_ERR_PAYLOAD_TOO_LARGE, "sms.text",
					     "the text needs more than %d segments",
					     SMS_TEXT_SEGMENTS_MAX);
				goto out;
			}
			out->segment[out->segment_count].len = SMS_TEXT_UDH_LEN;
			out->segment_count++;
			used = 0;
		}
		seg = &out->segment[out->segment_count - 1];
		assert(seg->len + c.len <= SMS_TEXT_SEGMENT_MAX);
		memcpy(seg->octets + seg->len, c.octets, c.len);
		seg->len += c.len;
		used += c.cost;
		off += n;
	}
	if (parts) {
		out->esm_class = SMS_TEXT_ESM_CLASS_UDHI;
		for (size_t i = 0; i < out->segment_count; i++) {
			const uint8_t udh[SMS_TEXT_UDH_LEN] = {
			    0x05,                         /* UDH length */
			    0x00,                         /* IEI: concatenation, 8-bit reference */
			    0x03,                         /* IE length */
			    ref,                          /* the same in every segment */
			    (uint8_t)out->segment_count,  /* total */
			    (uint8_t)(i + 1),             /* this one, from 1 */
			};

			memcpy(out->segment[i].octets, udh, sizeof udh);
		}
	}
out:
	if (rc != OG_OK)
		memset(out, 0, sizeof *out);
	return rc;
}

/* Decodes unpacked GSM septets. An escape before a septet the extension
 * table lacks stands for that septet's default character, as TS 23.038
 * asks of receivers; an escape with nothing after it (a cut message) or
 * before another escape becomes a space. */
static enum og_err sms_text_decode_gsm(const uint8_t *s, size_t len, char *out, size_t max,
				       size_t *olen, struct og_detail *d)
{
	for (size_t i = 0; i < len; i++) {
		uint32_t cp;
		enum og_err rc;

		if (s[i] >= SMS_TEXT_GSM_ALPHABET_SIZE)
			return og_fail(d, OG_ERR_INVALID_REQUEST, "sms.text",
				       "octet %zu (0x%02X) is not a GSM septet", i, s[i]);
		if (s[i] == SMS_TEXT_GSM_ESC) {
			if (i + 1 == len || s[i + 1] == SMS_TEXT_GSM_ESC || s[i + 1] >= SMS_TEXT_GSM_ALPHABET_SIZE) {
				cp = ' ';
			} else {
				cp = sms_text_gsm_ext_decode(s[i + 1]);
				if (cp == SMS_TEXT_GSM_NONE)
					cp = sms_text_gsm_basic[s[i + 1]];
				i++;
			}
		} else {
			cp = sms_text_gsm_basic[s[i]];
		}
		rc = sms_text_utf8_put(cp, out, max, olen, d);
		if (rc != OG_OK)
			return rc;
	}
	return OG_OK;
}

/* Decodes UTF-16BE; an unpaired surrogate or a NUL is refused. */
static enum og_err sms_text_decode_ucs2(const uint8_t *s, size_t len, char *out, size_t max,
					size_t *olen, struct og_detail *d)
{
	if (len % 2 != 0)
		return og_fail(d, OG_ERR_INVALID_REQUEST, "sms.text",
			       "UCS2 text of %zu octets is not whole code units", len);
	for (size_t i = 0; i < len; i += 2) {
		uint32_t cp = (uint32_t)s[i] << 8 | s[i + 1];
		enum og_err rc;

		if (cp >= 0xD800 && cp <= 0xDBFF) {
			uint32_t lo = i + 3 < len ? ((uint32_t)s[i + 2] << 8 | s[i + 3]) : 0;

			if (lo < 0xDC00 || lo > 0xDFFF)
				return og_fail(d, OG_ERR_INVALID_REQUEST, "sms.text",
					       "a high surrogate at octet %zu has no low one", i);
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			i += 2;
		} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
			return og_fail(d, OG_ERR_INVALID_REQUEST, "sms.text",
				       "a low surrogate at octet %zu has no high one", i);
		} else if (cp == 0) {
			return og_fail(d, OG_ERR_INVALID_REQUEST, "sms.text",
				       "the text holds a NUL at octet %zu", i);
		}
		rc = sms_text_utf8_put(cp, out, max, olen, d);
		if (rc != OG_OK)
			return rc;
	}
	return OG_OK;
}

/* Decodes IA5 (ASCII) or Latin-1, each octet one character. */
static enum og_err sms_text_decode_octets(const uint8_t *s, size_t len, uint32_t top, char *out,
					  size_t max, size_t *olen, struct og_detail *d)
{
	for (size_t i = 0; i < len; i++) {
		enum og_err rc;

		if (s[i] == 0 || s[i] > top)
			return og_fail(d, OG_ERR_INVALID_REQUEST, "sms.text",
				       "octet %zu (0x%02X) is not a character here", i, s[i]);
		rc = sms_text_utf8_put(s[i], out, max, olen, d);
		if (rc != OG_OK)
			return rc;
	}
	return OG_OK;
}

enum og_err sms_text_decode(uint8_t data_coding, bool udhi, const uint8_t *octets, size_t len,
			    char *utf8, size_t max, size_t *out_len, struct og_detail *d)
{
	const uint8_t *body;
	size_t skip = 0;
	enum og_err rc;

	assert((octets || len == 0) && utf8 && max > 0 && out_len);
	*out_len = 0;
	utf8[0] = '\0';
	if (udhi) {
		if (len == 0 || (size_t)octets[0] + 1 > len) {
			rc = og_fail(d, OG_ERR_INVALID_REQUEST, "sms.udh",
				     "the UDH runs past the %zu octets of the message", len);
			goto out;
		}
		skip = (size_t)octets[0] + 1;
	}
	/* octets may be NULL when len is 0, and NULL must not be offset. */
	body = len > 0 ? octets + skip : octets;
	switch (data_coding) {
	case SMS_TEXT_DATA_CODING_GSM7:
		rc = sms_text_decode_gsm(body, len - skip, utf8, max, out_len, d);
		break;
	case SMS_TEXT_DATA_CODING_IA5:
		rc = sms_text_decode_octets(body, len - skip, 0x7F, utf8, max, out_len, d);
		break;
	case SMS_TEXT_DATA_CODING_LATIN1:
		rc = sms_text_decode_octets(body, len - skip, 0xFF, utf8, max, out_len, d);
		break;
	case SMS_TEXT_DATA_CODING_UCS2:
		rc = sms_text_decode_ucs2(body, len - skip, utf8, max, out_len, d);
		break;
	default:
		rc = og_fail(d, OG_ERR_INVALID_REQUEST, "sms.data_coding",
			     "data_coding 0x%02X is not one this decodes", data_coding);
		break;
	}
out:
	if (rc != OG_OK)
		*out_len = 0;
	utf8[*out_len] = '\0';
	return rc;
}
