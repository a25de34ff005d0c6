/*
 * SMSC message ids as keys for matching delivery receipts. The id an SMSC
 * returns in submit_sm_resp and the one it later names in a receipt often
 * differ in spelling only: letter case, leading zeros, or the base, hex in
 * one and decimal in the other (UPSTREAMS.md §1, jasmin #586 and #1129). So
 * each id is kept raw, as received, and reduced to a canonical form: trimmed,
 * upper-cased, leading zeros stripped, and, when the upstream is configured
 * for it, converted between hex and decimal. Conversion works on digit
 * strings of any length, since real ids overflow 64 bits; an id that is not
 * a number in the source base (a UUID, say) is left unconverted. Receipts
 * match on (upstream, canonical id), so both sides must be parsed with the
 * setting that belongs to their side.
 */
#ifndef OG_SMPP_MSGID_H
#define OG_SMPP_MSGID_H

#include "base/og_err.h"

#include <stdbool.h>
#include <stddef.h>

#define SMPP_MSGID_RAW_MAX 65 /* SMPP's message_id: 64 octets, plus NUL */
/* 64 hex digits make at most 78 decimal ones (64 * log10(16) = 77.06),
 * plus NUL; 64 decimal digits make at most 54 hex ones. */
#define SMPP_MSGID_CANONICAL_MAX 79

/* The base conversion an upstream's ids need; a per-upstream setting. */
enum smpp_msgid_convert {
	SMPP_MSGID_KEEP,       /* no conversion */
	SMPP_MSGID_HEX_TO_DEC, /* an id that is all hex digits becomes decimal */
	SMPP_MSGID_DEC_TO_HEX  /* an id that is all decimal digits becomes upper-case hex */
};

struct smpp_msgid {
	char raw[SMPP_MSGID_RAW_MAX];             /* exactly as received, NUL-terminated */
	char canonical[SMPP_MSGID_CANONICAL_MAX]; /* the matching key */
	bool converted;                           /* the base conversion was applied */
};

/** Keeps len octets of text as the raw id and builds its canonical form; OG_ERR_INVALID_REQUEST if blank, holding a NUL, a space or a non-ASCII octet, OG_ERR_PAYLOAD_TOO_LARGE over 64 octets. */
enum og_err smpp_msgid_parse(const char *text, size_t len, enum smpp_msgid_convert convert,
			     struct smpp_msgid *out, struct og_detail *d);

/** True if a and b name the same message, that is their canonical forms are equal. */
bool smpp_msgid_equal(const struct smpp_msgid *a, const struct smpp_msgid *b);

#endif
