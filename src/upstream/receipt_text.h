/*
 * SMPP delivery-receipt text (UPSTREAMS.md §1): the short_message of a
 * deliver_sm that is a receipt, "id:… sub:… dlvrd:… submit date:… done
 * date:… stat:… err:… text:…" in SMPP v3.4 Appendix B. Real SMSCs break
 * that shape (missing sub and dlvrd, 12-digit and zoned dates, UUID ids,
 * stat:DELIVRD with a non-zero err, a trailing NUL), so the parser reads
 * tolerant key:value pairs in any order and keeps the raw text beside what
 * it read. It also maps a stat word, or the message_state TLV, to the
 * receipt states of UPSTREAMS.md §3, and an err value to the DLT error
 * codes of DOMAIN.md §1. It is a pure function of its input: the
 * dispatcher decides what a receipt means for a message.
 *
 * What is read (the contract the tests and the fuzz target hold it to):
 *  - The text ends at len or at its first NUL byte, whichever comes first;
 *    nothing at or past len is read. Past RECEIPT_TEXT_RAW_MAX it is refused.
 *  - Fields are separated by spaces, tabs, CR or LF. A field is a key, ':'
 *    and a value running to the next separator. Keys are matched without
 *    regard to case; "submit date" and "done date" may also be written with
 *    '_' for the space. Unknown tokens are skipped; a repeated key keeps its
 *    first value, as Kannel's sscanf and Jasmin's regexes do.
 *  - text: takes the rest of its line, and parsing stops there. The text
 *    echoes the message, which a sender writes, so nothing after text: is
 *    ever read as a field: "text:x stat:DELIVRD" cannot fake a delivery.
 *  - id, stat, err and the dates are printable ASCII and within their
 *    maxima, or the receipt is refused: a value is never truncated. sub and
 *    dlvrd, which decide nothing, read as -1 when they are not 1-9 digits.
 *  - A text in which no key appears is not a receipt and is refused.
 */
#ifndef OG_RECEIPT_TEXT_H
#define OG_RECEIPT_TEXT_H

#include "base/og_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* short_message carries at most 254 octets; message_payload more, but no
 * receipt needs it, and twice the field is room for any padding. */
#define RECEIPT_TEXT_RAW_MAX 512
#define RECEIPT_TEXT_ID_MAX 65        /* 64 characters + NUL: SMPP's 65-octet message_id */
#define RECEIPT_TEXT_STAT_MAX 16      /* 15 characters + NUL, as Kannel reads it */
#define RECEIPT_TEXT_ERR_MAX 8        /* 7 characters + NUL; the spec writes 3 digits */
#define RECEIPT_TEXT_DATE_MAX 17      /* 16 characters (the zoned form) + NUL */
#define RECEIPT_TEXT_TEXT_MAX (RECEIPT_TEXT_RAW_MAX + 1) /* text: cannot be longer than the raw text */
#define RECEIPT_TEXT_COUNT_DIGITS_MAX 9 /* sub: and dlvrd: digits read; any int32 holds them */
#define RECEIPT_TEXT_DLT_ERR_DIGITS_MAX 3 /* err: digits a DLT code is written with ("23", "023") */
#define RECEIPT_TEXT_UTC_OFFSET_MAX_MIN (24 * 60) /* a zone offset beyond a day is a programmer error */

/* The keys that appeared in a receipt (struct receipt_text.fields). */
enum receipt_text_field {
	RECEIPT_TEXT_HAS_ID = 1u << 0,
	RECEIPT_TEXT_HAS_SUB = 1u << 1,
	RECEIPT_TEXT_HAS_DLVRD = 1u << 2,
	RECEIPT_TEXT_HAS_SUBMIT_DATE = 1u << 3,
	RECEIPT_TEXT_HAS_DONE_DATE = 1u << 4,
	RECEIPT_TEXT_HAS_STAT = 1u << 5,
	RECEIPT_TEXT_HAS_ERR = 1u << 6,
	RECEIPT_TEXT_HAS_TEXT = 1u << 7,
};

/* What a receipt says about its message (UPSTREAMS.md §3). */
enum receipt_text_state {
	RECEIPT_TEXT_STATE_UNKNOWN = 0, /* no stat, or a word not in the table: final, treated as
					 * undelivered, and reported as unknown to be looked at */
	RECEIPT_TEXT_STATE_IN_PROGRESS, /* ACCEPTD, ENROUTE, ACKED, BUFFRED, BUFFERD: not final */
	RECEIPT_TEXT_STATE_DELIVERED,   /* DELIVRD */
	RECEIPT_TEXT_STATE_UNDELIVERED, /* UNDELIV, REJECTD, DELETED, UNKNOWN */
	RECEIPT_TEXT_STATE_EXPIRED,     /* EXPIRED */
	RECEIPT_TEXT_STATE__COUNT
};

/* The shape of an id, for matching it to the submit_sm_resp's. */
enum receipt_text_id_form {
	RECEIPT_TEXT_ID_NONE = 0, /* absent or empty */
	RECEIPT_TEXT_ID_DECIMAL,  /* digits only (which are hex digits too) */
	RECEIPT_TEXT_ID_HEX,      /* hex digits with at least one letter */
	RECEIPT_TEXT_ID_UUID,     /* 8-4-4-4-12 hex digits */
	RECEIPT_TEXT_ID_OTHER,
};

/* A DLT error code an Indian operator reports in err: (DOMAIN.md §1). */
struct receipt_text_dlt {
	int code;              /* 23 */
	const char *code_text; /* "023", as operators write it */
	const char *name;      /* "TL-NT-MTCHD" */
	const char *meaning;   /* "content does not match the template" */
};

/* submit date: or done date:, in SMSC local time unless zoned. Accepted
 * forms: YYMMDDhhmm (10 digits), YYMMDDhhmmss (12), and SMPP's absolute
 * time YYMMDDhhmmsstnnp (16, e.g. "180711070003912+": tenths t, then nn
 * quarter hours ahead of (+) or behind (-) UTC). Anything else is kept as
 * written with valid false. */
struct receipt_text_date {
	char text[RECEIPT_TEXT_DATE_MAX]; /* as written; "" if absent */
	bool valid;                       /* one of the forms, every part in range */
	bool zoned;                       /* the 16-character form */
	int year;                         /* 2000-2099: YY is read as 20YY */
	int month, day, hour, minute;
	int second;                       /* 0 in the 10-digit form */
	int tenths;                       /* zoned only, else 0 */
	int utc_offset_min;               /* zoned only, else 0: local time minus UTC */
};

struct receipt_text {
	char raw[RECEIPT_TEXT_RAW_MAX + 1];   /* the text as received, up to any NUL; NUL-terminated */
	size_t raw_len;
	unsigned fields;                      /* RECEIPT_TEXT_HAS_* of the keys that appeared */
	char id[RECEIPT_TEXT_ID_MAX];         /* as written; "" if absent or empty */
	enum receipt_text_id_form id_form;
	int sub;                              /* -1 if absent or not 1-9 digits */
	int dlvrd;                            /* likewise */
	struct receipt_text_date submit_date;
	struct receipt_text_date done_date;
	char stat[RECEIPT_TEXT_STAT_MAX];     /* as written, e.g. "DELIVRD"; "" if absent */
	enum receipt_text_state state;        /* from stat */
	char err[RECEIPT_TEXT_ERR_MAX];       /* as written, e.g. "023"; "" if absent */
	int err_code;                         /* err as decimal digits; -1 if absent or not digits */
	const struct receipt_text_dlt *dlt;   /* err as a DLT code, else NULL; for DLT routes only */
	char text[RECEIPT_TEXT_TEXT_MAX];     /* text: verbatim to its line's end; any byte but NUL */
};

/** Parses len bytes of receipt text (not NUL-terminated) into out; OG_ERR_PAYLOAD_TOO_LARGE past
 *  RECEIPT_TEXT_RAW_MAX, OG_ERR_INVALID_REQUEST if no key appears or a value breaks its field's
 *  rule; out is written only on success. */
enum og_err receipt_text_parse(const char *text, size_t len, struct receipt_text *out);

/** Maps len bytes of a stat word (any case) to a state; UNKNOWN for a word not in the table. */
enum receipt_text_state receipt_text_state_from_stat(const char *word, size_t len);

/** Maps an SMPP v3.4 message_state TLV value (1 ENROUTE … 8 REJECTED) to a state; else UNKNOWN. */
enum receipt_text_state receipt_text_state_from_message_state(int message_state);

/** True for states after which no receipt changes the outcome (all but IN_PROGRESS). */
bool receipt_text_state_is_final(enum receipt_text_state state);

/** Returns the state's stable snake_case name, e.g. "delivered"; asserts it is in range. */
const char *receipt_text_state_name(enum receipt_text_state state);

/** Looks up an err value of 1-3 decimal digits ("23", "023") whose value is 23-32; NULL for anything
 *  else, hex ("0x17") and names included. */
const struct receipt_text_dlt *receipt_text_dlt_lookup(const char *err, size_t len);

/** Looks up a DLT code by number (23-32); NULL otherwise. */
const struct receipt_text_dlt *receipt_text_dlt_by_code(int code);

/** Converts a valid date to ms since the epoch (UTC), reading an unzoned one in the SMSC's zone
 *  (smsc_utc_offset_min, e.g. 330 for IST); false if the date is not valid. */
bool receipt_text_date_ms(const struct receipt_text_date *date, int smsc_utc_offset_min,
			  int64_t *out_ms);

/** Writes the id's canonical form (UPSTREAMS.md §1): upper-case, leading zeros stripped ("00b8be19" ->
 *  "B8BE19", "000" -> "0"); false if id is empty, too long or not printable ASCII. */
bool receipt_text_id_canonical(const char *id, char out[RECEIPT_TEXT_ID_MAX]);

#endif
