/*
 * Fuzz target: SMPP delivery-receipt text (src/upstream/receipt_text.c),
 * bytes an SMSC sends. The input is handed over as is, not NUL-terminated,
 * so ASan catches any read past its length. Invariants on success: raw is
 * a prefix of the input ending at its length or at a NUL; every kept value
 * is within its maximum, NUL-terminated and printable (text: aside); the
 * readings agree with the values (state with stat, dlt and err_code with
 * err, a valid date converts and its zone offset moves it by exactly that
 * much); parsing raw again gives the same receipt; canonical ids are fixed
 * points. On failure the error is one of the two documented codes and out
 * is untouched. The stat, message_state and DLT lookups get raw bytes too.
 */
#include "upstream/receipt_text.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_graphic(const char *s, size_t max)
{
	size_t len = strnlen(s, max);

	assert(len < max);
	for (size_t i = 0; i < len; i++)
		assert(s[i] >= 0x21 && s[i] <= 0x7e);
}

static void check_date(const struct receipt_text_date *d)
{
	int64_t ms = 0, local = 0;

	check_graphic(d->text, sizeof d->text);
	if (!d->valid) {
		assert(!receipt_text_date_ms(d, 0, &ms));
		return;
	}
	assert(strlen(d->text) == 10 || strlen(d->text) == 12 || strlen(d->text) == 16);
	assert(d->zoned == (strlen(d->text) == 16));
	assert(d->year >= 2000 && d->year <= 2099);
	assert(d->month >= 1 && d->month <= 12 && d->day >= 1 && d->day <= 31);
	assert(d->hour >= 0 && d->hour <= 23 && d->minute >= 0 && d->minute <= 59);
	assert(d->second >= 0 && d->second <= 59 && d->tenths >= 0 && d->tenths <= 9);
	assert(d->utc_offset_min >= -720 && d->utc_offset_min <= 720 && d->utc_offset_min % 15 == 0);
	assert(receipt_text_date_ms(d, 0, &ms));
	assert(receipt_text_date_ms(d, 330, &local));
	/* 2000-01-01 to 2100-01-01, give or take the zones. */
	assert(ms >= 946684800000LL - 86400000LL && ms < 4102444800000LL + 86400000LL);
	assert(d->zoned ? local == ms : ms - local == 330LL * 60000);
}

static void check_same(const struct receipt_text *a, const struct receipt_text *b)
{
	assert(a->raw_len == b->raw_len && memcmp(a->raw, b->raw, a->raw_len + 1) == 0);
	assert(a->fields == b->fields && a->id_form == b->id_form);
	assert(strcmp(a->id, b->id) == 0 && strcmp(a->stat, b->stat) == 0 && strcmp(a->err, b->err) == 0);
	assert(a->sub == b->sub && a->dlvrd == b->dlvrd && a->state == b->state);
	assert(a->err_code == b->err_code && a->dlt == b->dlt);
	assert(strcmp(a->text, b->text) == 0);
	assert(strcmp(a->submit_date.text, b->submit_date.text) == 0 && a->submit_date.valid == b->submit_date.valid);
	assert(strcmp(a->done_date.text, b->done_date.text) == 0 && a->done_date.valid == b->done_date.valid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct receipt_text r, again, untouched;
	const char *text = (const char *)data;
	char canon[RECEIPT_TEXT_ID_MAX], canon2[RECEIPT_TEXT_ID_MAX];
	enum og_err rc;

	/* The lookups take any bytes. */
	(void)receipt_text_state_from_stat(text, size);
	(void)receipt_text_dlt_lookup(text, size);
	if (size > 0)
		assert(receipt_text_state_from_message_state(data[0]) < RECEIPT_TEXT_STATE__COUNT);

	memset(&r, 0x5a, sizeof r);
	untouched = r;
	rc = receipt_text_parse(text, size, &r);
	if (rc != OG_OK) {
		assert(rc == OG_ERR_INVALID_REQUEST || rc == OG_ERR_PAYLOAD_TOO_LARGE);
		assert(rc != OG_ERR_PAYLOAD_TOO_LARGE || size > RECEIPT_TEXT_RAW_MAX);
		assert(memcmp(&r, &untouched, sizeof r) == 0);
		return 0;
	}

	/* raw is the input up to its end or its first NUL. */
	assert(r.raw_len <= RECEIPT_TEXT_RAW_MAX && r.raw_len <= size);
	assert(memcmp(r.raw, data, r.raw_len) == 0 && r.raw[r.raw_len] == '\0');
	assert(memchr(r.raw, '\0', r.raw_len) == NULL);
	assert(r.raw_len == size || data[r.raw_len] == 0);
	assert(r.fields != 0);

	check_graphic(r.id, sizeof r.id);
	check_graphic(r.stat, sizeof r.stat);
	check_graphic(r.err, sizeof r.err);
	assert(strlen(r.text) < sizeof r.text && strlen(r.text) <= r.raw_len);
	assert(strchr(r.text, '\r') == NULL && strchr(r.text, '\n') == NULL);
	check_date(&r.submit_date);
	check_date(&r.done_date);

	assert(r.state == receipt_text_state_from_stat(r.stat, strlen(r.stat)));
	assert(r.dlt == receipt_text_dlt_lookup(r.err, strlen(r.err)));
	assert(!r.dlt || (r.err_code == r.dlt->code && r.dlt->code >= 23 && r.dlt->code <= 32));
	assert(r.err_code >= -1);
	assert(r.sub >= -1 && r.dlvrd >= -1);
	assert((r.id[0] == '\0') == (r.id_form == RECEIPT_TEXT_ID_NONE));
	assert((r.fields & RECEIPT_TEXT_HAS_ID) || r.id[0] == '\0');
	assert((r.fields & RECEIPT_TEXT_HAS_STAT) || r.state == RECEIPT_TEXT_STATE_UNKNOWN);
	(void)receipt_text_state_name(r.state);
	(void)receipt_text_state_is_final(r.state);

	if (r.id[0]) {
		assert(receipt_text_id_canonical(r.id, canon));
		assert(strlen(canon) <= strlen(r.id) && canon[0] != '\0');
		assert(receipt_text_id_canonical(canon, canon2) && strcmp(canon, canon2) == 0);
	}

	/* What was read from raw is read again from raw alone. */
	assert(receipt_text_parse(r.raw, r.raw_len, &again) == OG_OK);
	check_same(&r, &again);
	return 0;
}
