/*
 * The receipt text parser and its tables. Parsing walks a cursor over the
 * bytes once; each step either recognises what is at the cursor and moves
 * past it, or leaves the cursor where it was, so no step can consume what
 * it failed to read. Values are checked and copied into a local struct,
 * which reaches the caller only when the whole text has been read. The
 * stat words, the message_state values and the DLT codes are static tables.
 */
#include "upstream/receipt_text.h"

#include <assert.h>
#include <string.h>

/* The keys, in the order of the spec's example. */
enum receipt_text_key {
	RECEIPT_TEXT_KEY_ID,
	RECEIPT_TEXT_KEY_SUB,
	RECEIPT_TEXT_KEY_DLVRD,
	RECEIPT_TEXT_KEY_SUBMIT_DATE,
	RECEIPT_TEXT_KEY_DONE_DATE,
	RECEIPT_TEXT_KEY_STAT,
	RECEIPT_TEXT_KEY_ERR,
	RECEIPT_TEXT_KEY_TEXT,
	RECEIPT_TEXT_KEY__COUNT
};

/* Written lower-case; a space stands for ' ' or '_' in the text. */
static const struct {
	const char *name;
	unsigned field;
} receipt_text_keys[RECEIPT_TEXT_KEY__COUNT] = {
	[RECEIPT_TEXT_KEY_ID] = {"id", RECEIPT_TEXT_HAS_ID},
	[RECEIPT_TEXT_KEY_SUB] = {"sub", RECEIPT_TEXT_HAS_SUB},
	[RECEIPT_TEXT_KEY_DLVRD] = {"dlvrd", RECEIPT_TEXT_HAS_DLVRD},
	[RECEIPT_TEXT_KEY_SUBMIT_DATE] = {"submit date", RECEIPT_TEXT_HAS_SUBMIT_DATE},
	[RECEIPT_TEXT_KEY_DONE_DATE] = {"done date", RECEIPT_TEXT_HAS_DONE_DATE},
	[RECEIPT_TEXT_KEY_STAT] = {"stat", RECEIPT_TEXT_HAS_STAT},
	[RECEIPT_TEXT_KEY_ERR] = {"err", RECEIPT_TEXT_HAS_ERR},
	[RECEIPT_TEXT_KEY_TEXT] = {"text", RECEIPT_TEXT_HAS_TEXT},
};

/* The stat words: SMPP v3.4 Appendix B's seven, the buffered ones Kannel
 * knows (ACKED, BUFFRED, BUFFERD), and the message_state names of §5.2.28
 * that some SMSCs write in full, so that "DELIVERED" is never mistaken for
 * an unknown word and so for a failure. */
static const struct {
	const char *word; /* upper-case */
	enum receipt_text_state state;
} receipt_text_stats[] = {
	{"DELIVRD", RECEIPT_TEXT_STATE_DELIVERED},
	{"DELIVERED", RECEIPT_TEXT_STATE_DELIVERED},
	{"UNDELIV", RECEIPT_TEXT_STATE_UNDELIVERED},
	{"UNDELIVERABLE", RECEIPT_TEXT_STATE_UNDELIVERED},
	{"REJECTD", RECEIPT_TEXT_STATE_UNDELIVERED},
	{"REJECTED", RECEIPT_TEXT_STATE_UNDELIVERED},
	{"DELETED", RECEIPT_TEXT_STATE_UNDELIVERED},
	/* The SMSC lost track of the message: for the sender that is a failure. */
	{"UNKNOWN", RECEIPT_TEXT_STATE_UNDELIVERED},
	{"EXPIRED", RECEIPT_TEXT_STATE_EXPIRED},
	/* ACCEPTD is final in the spec (read by customer service) but SMSCs
	 * send it as an acknowledgement; Kannel counts it as buffered too. */
	{"ACCEPTD", RECEIPT_TEXT_STATE_IN_PROGRESS},
	{"ACCEPTED", RECEIPT_TEXT_STATE_IN_PROGRESS},
	{"ENROUTE", RECEIPT_TEXT_STATE_IN_PROGRESS},
	{"ACKED", RECEIPT_TEXT_STATE_IN_PROGRESS},
	{"BUFFRED", RECEIPT_TEXT_STATE_IN_PROGRESS},
	{"BUFFERD", RECEIPT_TEXT_STATE_IN_PROGRESS},
};

/* SMPP v3.4 §5.2.28, indexed by value. 0 (SCHEDULED) and 9 (SKIPPED) are
 * SMPP 5.0's and stay unknown: a v3.4 bind never sends them. */
static const enum receipt_text_state receipt_text_message_states[] = {
	[0] = RECEIPT_TEXT_STATE_UNKNOWN,
	[1] = RECEIPT_TEXT_STATE_IN_PROGRESS, /* ENROUTE */
	[2] = RECEIPT_TEXT_STATE_DELIVERED,   /* DELIVERED */
	[3] = RECEIPT_TEXT_STATE_EXPIRED,     /* EXPIRED */
	[4] = RECEIPT_TEXT_STATE_UNDELIVERED, /* DELETED */
	[5] = RECEIPT_TEXT_STATE_UNDELIVERED, /* UNDELIVERABLE */
	[6] = RECEIPT_TEXT_STATE_IN_PROGRESS, /* ACCEPTED, as ACCEPTD above */
	[7] = RECEIPT_TEXT_STATE_UNDELIVERED, /* UNKNOWN */
	[8] = RECEIPT_TEXT_STATE_UNDELIVERED, /* REJECTED */
};

static const char *const receipt_text_state_names[RECEIPT_TEXT_STATE__COUNT] = {
	[RECEIPT_TEXT_STATE_UNKNOWN] = "unknown",
	[RECEIPT_TEXT_STATE_IN_PROGRESS] = "in_progress",
	[RECEIPT_TEXT_STATE_DELIVERED] = "delivered",
	[RECEIPT_TEXT_STATE_UNDELIVERED] = "undelivered",
	[RECEIPT_TEXT_STATE_EXPIRED] = "expired",
};

/* DOMAIN.md §1 (Kaleyra's list); the names are those the pre-scrub's rules
 * carry in src/domain/dlt_rules.c, so a refusal we predicted and one the
 * operator reported read alike. */
#define RECEIPT_TEXT_DLT_FIRST 23
static const struct receipt_text_dlt receipt_text_dlts[] = {
	{23, "023", "TL-NT-MTCHD", "content does not match the template"},
	{24, "024", "SDR-TL-MSMAT", "header and template are not mapped to each other"},
	{25, "025", "TL-NT-FOUND", "template not found"},
	{26, "026", "TL-LMT-EXCED", "a variable is too long"},
	{27, "027", "TL-BLKLST", "template blacklisted"},
	{28, "028", "TL-INACTIVE", "template inactive"},
	{29, "029", "SNDR-NT-REG", "header not registered"},
	{30, "030", "SNDR-INACTVE", "header inactive"},
	{31, "031", "SNDR-NT-MTCH", "header does not belong to the entity"},
	{32, "032", "TL-ID-INVLD", "template ID invalid"},
};
#define RECEIPT_TEXT_DLT_COUNT (sizeof receipt_text_dlts / sizeof receipt_text_dlts[0])

/* The unread part of the text. */
struct receipt_text_cursor {
	const char *at;
	const char *end;
};

static char receipt_text_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static char receipt_text_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static bool receipt_text_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool receipt_text_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool receipt_text_is_hex(char c)
{
	char l = receipt_text_lower(c);
	return receipt_text_is_digit(c) || (l >= 'a' && l <= 'f');
}

static bool receipt_text_all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!receipt_text_is_digit(s[i]))
			return false;
	return true;
}

/* Printable ASCII without the space: what an id, a stat, an err or a date
 * may be made of, so each is safe in a log line and a store key. */
static bool receipt_text_all_graphic(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

/* Reads n decimal digits that are known to be digits. */
static int receipt_text_digits(const char *s, size_t n)
{
	int v = 0;

	assert(n <= RECEIPT_TEXT_COUNT_DIGITS_MAX);
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static void receipt_text_skip_space(struct receipt_text_cursor *c)
{
	while (c->at < c->end && receipt_text_is_space(*c->at))
		c->at++;
}

/* Moves past the token at the cursor: everything up to the next separator. */
static void receipt_text_skip_token(struct receipt_text_cursor *c)
{
	while (c->at < c->end && !receipt_text_is_space(*c->at))
		c->at++;
}

/* If "key:" is at the cursor, moves past it and returns true. */
static bool receipt_text_take_key(struct receipt_text_cursor *c, const char *key)
{
	const char *p = c->at;

	for (; *key; key++, p++) {
		if (p == c->end)
			return false;
		if (*key == ' ' ? (*p != ' ' && *p != '_') : receipt_text_lower(*p) != *key)
			return false;
	}
	if (p == c->end || *p != ':')
		return false;
	c->at = p + 1;
	return true;
}

/* Returns the key at the cursor, moved past, or RECEIPT_TEXT_KEY__COUNT. */
static enum receipt_text_key receipt_text_next_key(struct receipt_text_cursor *c)
{
	for (int k = 0; k < RECEIPT_TEXT_KEY__COUNT; k++)
		if (receipt_text_take_key(c, receipt_text_keys[k].name))
			return (enum receipt_text_key)k;
	return RECEIPT_TEXT_KEY__COUNT;
}

/* Copies a value into a field of max bytes; false if it does not fit with
 * its NUL or is not graphic ASCII. */
static bool receipt_text_copy(char *dst, size_t max, const char *v, size_t len)
{
	if (len >= max || !receipt_text_all_graphic(v, len))
		return false;
	memcpy(dst, v, len);
	dst[len] = '\0';
	return true;
}

static enum receipt_text_id_form receipt_text_id_form_of(const char *id, size_t len)
{
	bool letter = false;

	if (len == 0)
		return RECEIPT_TEXT_ID_NONE;
	if (len == 36) {
		bool uuid = true;
		for (size_t i = 0; i < len && uuid; i++)
			uuid = (i == 8 || i == 13 || i == 18 || i == 23) ? id[i] == '-'
									 : receipt_text_is_hex(id[i]);
		if (uuid)
			return RECEIPT_TEXT_ID_UUID;
	}
	for (size_t i = 0; i < len; i++) {
		if (!receipt_text_is_hex(id[i]))
			return RECEIPT_TEXT_ID_OTHER;
		letter = letter || !receipt_text_is_digit(id[i]);
	}
	return letter ? RECEIPT_TEXT_ID_HEX : RECEIPT_TEXT_ID_DECIMAL;
}

static int receipt_text_count(const char *v, size_t len)
{
	if (len == 0 || len > RECEIPT_TEXT_COUNT_DIGITS_MAX || !receipt_text_all_digits(v, len))
		return -1;
	return receipt_text_digits(v, len);
}

static bool receipt_text_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int receipt_text_month_days(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	assert(month >= 1 && month <= 12);
	return month == 2 && receipt_text_leap(year) ? 29 : days[month - 1];
}

/* Reads a date's text (already copied and known graphic) into its parts. */
static void receipt_text_read_date(struct receipt_text_date *d)
{
	const char *s = d->text;
	size_t len = strlen(s);
	struct receipt_text_date r = *d;

	d->valid = false;
	if (len != 10 && len != 12 && len != 16)
		return;
	if (!receipt_text_all_digits(s, len == 16 ? 15 : len))
		return;
	r.year = 2000 + receipt_text_digits(s, 2);
	r.month = receipt_text_digits(s + 2, 2);
	r.day = receipt_text_digits(s + 4, 2);
	r.hour = receipt_text_digits(s + 6, 2);
	r.minute = receipt_text_digits(s + 8, 2);
	r.second = len >= 12 ? receipt_text_digits(s + 10, 2) : 0;
	r.zoned = len == 16;
	r.tenths = 0;
	r.utc_offset_min = 0;
	if (r.zoned) {
		int quarters = receipt_text_digits(s + 13, 2);
		/* 'R' (relative time) says when, from now, not when it was. */
		if ((s[15] != '+' && s[15] != '-') || quarters > 48)
			return;
		r.tenths = s[12] - '0';
		r.utc_offset_min = (s[15] == '-' ? -1 : 1) * quarters * 15;
	}
	if (r.month < 1 || r.month > 12)
		return;
	if (r.day < 1 || r.day > receipt_text_month_days(r.year, r.month))
		return;
	if (r.hour > 23 || r.minute > 59 || r.second > 59)
		return;
	r.valid = true;
	*d = r;
}

/* Checks and stores the value of key k; false if it breaks its field's rule. */
static bool receipt_text_store(struct receipt_text *r, enum receipt_text_key k, const char *v,
			       size_t len)
{
	struct receipt_text_date *date;

	switch (k) {
	case RECEIPT_TEXT_KEY_ID:
		if (!receipt_text_copy(r->id, sizeof r->id, v, len))
			return false;
		r->id_form = receipt_text_id_form_of(v, len);
		return true;
	case RECEIPT_TEXT_KEY_SUB:
		r->sub = receipt_text_count(v, len);
		return true;
	case RECEIPT_TEXT_KEY_DLVRD:
		r->dlvrd = receipt_text_count(v, len);
		return true;
	case RECEIPT_TEXT_KEY_SUBMIT_DATE:
	case RECEIPT_TEXT_KEY_DONE_DATE:
		date = k == RECEIPT_TEXT_KEY_SUBMIT_DATE ? &r->submit_date : &r->done_date;
		if (!receipt_text_copy(date->text, sizeof date->text, v, len))
			return false;
		receipt_text_read_date(date);
		return true;
	case RECEIPT_TEXT_KEY_STAT:
		if (!receipt_text_copy(r->stat, sizeof r->stat, v, len))
			return false;
		r->state = receipt_text_state_from_stat(v, len);
		return true;
	case RECEIPT_TEXT_KEY_ERR:
		if (!receipt_text_copy(r->err, sizeof r->err, v, len))
			return false;
		r->err_code = -1;
		if (len > 0 && receipt_text_all_digits(v, len))
			r->err_code = receipt_text_digits(v, len);
		r->dlt = receipt_text_dlt_lookup(v, len);
		return true;
	case RECEIPT_TEXT_KEY_TEXT:
		/* Any byte but NUL (which ended the text) and the line end: it is
		 * the message's own text, GSM or UTF-8 or garbage alike. */
		assert(len < sizeof r->text);
		memcpy(r->text, v, len);
		r->text[len] = '\0';
		return true;
	case RECEIPT_TEXT_KEY__COUNT:
		break;
	}
	assert(0 && "every key is handled");
	return false;
}

enum og_err receipt_text_parse(const char *text, size_t len, struct receipt_text *out)
{
	struct receipt_text r;
	struct receipt_text_cursor c;
	size_t scan = len < RECEIPT_TEXT_RAW_MAX + 1 ? len : RECEIPT_TEXT_RAW_MAX + 1;
	const char *nul;
	enum og_err rc;

	assert(text || len == 0);
	assert(out);
	memset(&r, 0, sizeof r);
	r.sub = r.dlvrd = r.err_code = -1;
	/* Some SMSCs count the C string's NUL in sm_length, or pad after it:
	 * the text is what comes before. Only the first RAW_MAX + 1 bytes are
	 * looked at, which is enough to tell that a text is too long. */
	nul = scan > 0 ? memchr(text, '\0', scan) : NULL;
	r.raw_len = nul ? (size_t)(nul - text) : scan;
	if (r.raw_len > RECEIPT_TEXT_RAW_MAX) {
		rc = OG_ERR_PAYLOAD_TOO_LARGE;
		goto out;
	}
	if (r.raw_len > 0)
		memcpy(r.raw, text, r.raw_len);
	r.raw[r.raw_len] = '\0';

	/* Read from the copy, whose every byte is known to be there. */
	c.at = r.raw;
	c.end = r.raw + r.raw_len;
	for (;;) {
		enum receipt_text_key k;
		const char *value;
		bool seen;

		receipt_text_skip_space(&c);
		if (c.at == c.end)
			break;
		k = receipt_text_next_key(&c);
		if (k == RECEIPT_TEXT_KEY__COUNT) {
			receipt_text_skip_token(&c);
			continue;
		}
		value = c.at;
		if (k == RECEIPT_TEXT_KEY_TEXT) {
			while (c.at < c.end && *c.at != '\r' && *c.at != '\n')
				c.at++;
		} else {
			receipt_text_skip_token(&c);
		}
		seen = (r.fields & receipt_text_keys[k].field) != 0;
		r.fields |= receipt_text_keys[k].field;
		/* The first value counts; a repeat is not even checked, as a
		 * reader that stops at the first match would never see it. */
		if (!seen && !receipt_text_store(&r, k, value, (size_t)(c.at - value))) {
			rc = OG_ERR_INVALID_REQUEST;
			goto out;
		}
		if (k == RECEIPT_TEXT_KEY_TEXT)
			break; /* nothing after the message's own text is a field */
	}
	if (r.fields == 0) {
		rc = OG_ERR_INVALID_REQUEST;
		goto out;
	}
	*out = r;
	rc = OG_OK;
out:
	return rc;
}

enum receipt_text_state receipt_text_state_from_stat(const char *word, size_t len)
{
	assert(word || len == 0);
	for (size_t i = 0; i < sizeof receipt_text_stats / sizeof receipt_text_stats[0]; i++) {
		const char *w = receipt_text_stats[i].word;
		size_t j = 0;

		if (strlen(w) != len)
			continue;
		while (j < len && receipt_text_upper(word[j]) == w[j])
			j++;
		if (j == len)
			return receipt_text_stats[i].state;
	}
	return RECEIPT_TEXT_STATE_UNKNOWN;
}

enum receipt_text_state receipt_text_state_from_message_state(int message_state)
{
	int n = (int)(sizeof receipt_text_message_states / sizeof receipt_text_message_states[0]);

	if (message_state < 0 || message_state >= n)
		return RECEIPT_TEXT_STATE_UNKNOWN;
	return receipt_text_message_states[message_state];
}

bool receipt_text_state_is_final(enum receipt_text_state state)
{
	assert(state >= 0 && state < RECEIPT_TEXT_STATE__COUNT);
	return state != RECEIPT_TEXT_STATE_IN_PROGRESS;
}

const char *receipt_text_state_name(enum receipt_text_state state)
{
	assert(state >= 0 && state < RECEIPT_TEXT_STATE__COUNT);
	return receipt_text_state_names[state];
}

const struct receipt_text_dlt *receipt_text_dlt_lookup(const char *err, size_t len)
{
	assert(err || len == 0);
	/* Decimal only, as operators write the codes: "0x17" and the like are
	 * some other scheme's numbers, and reading them as 23 would blame a
	 * template for an error it did not cause. */
	if (len == 0 || len > RECEIPT_TEXT_DLT_ERR_DIGITS_MAX || !receipt_text_all_digits(err, len))
		return NULL;
	return receipt_text_dlt_by_code(receipt_text_digits(err, len));
}

const struct receipt_text_dlt *receipt_text_dlt_by_code(int code)
{
	int last = RECEIPT_TEXT_DLT_FIRST + (int)RECEIPT_TEXT_DLT_COUNT - 1;

	if (code < RECEIPT_TEXT_DLT_FIRST || code > last)
		return NULL;
	assert(receipt_text_dlts[code - RECEIPT_TEXT_DLT_FIRST].code == code);
	return &receipt_text_dlts[code - RECEIPT_TEXT_DLT_FIRST];
}

/* Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil): exact, no table, no time zone involved. */
static int64_t receipt_text_days_from_civil(int year, int month, int day)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (month + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool receipt_text_date_ms(const struct receipt_text_date *date, int smsc_utc_offset_min,
			  int64_t *out_ms)
{
	int64_t ms;
	int offset;

	assert(date && out_ms);
	assert(smsc_utc_offset_min >= -RECEIPT_TEXT_UTC_OFFSET_MAX_MIN &&
	       smsc_utc_offset_min <= RECEIPT_TEXT_UTC_OFFSET_MAX_MIN);
	if (!date->valid)
		return false;
	/* A zoned date says its own offset; any other is SMSC local time. */
	offset = date->zoned ? date->utc_offset_min : smsc_utc_offset_min;
	ms = receipt_text_days_from_civil(date->year, date->month, date->day) * 86400000;
	ms += ((int64_t)date->hour * 3600 + date->minute * 60 + date->second) * 1000;
	ms += date->tenths * 100;
	ms -= (int64_t)offset * 60000;
	*out_ms = ms;
	return true;
}

bool receipt_text_id_canonical(const char *id, char out[RECEIPT_TEXT_ID_MAX])
{
	size_t len, start = 0;

	assert(id && out);
	out[0] = '\0';
	len = strnlen(id, RECEIPT_TEXT_ID_MAX);
	if (len == 0 || len >= RECEIPT_TEXT_ID_MAX || !receipt_text_all_graphic(id, len))
		return false;
	/* "00B8BE19" and "B8BE19" are one message (jasmin#1129); an id of
	 * zeros keeps one. */
	while (start + 1 < len && id[start] == '0')
		start++;
	for (size_t i = start; i < len; i++)
		out[i - start] = receipt_text_upper(id[i]);
	out[len - start] = '\0';
	return true;
}
