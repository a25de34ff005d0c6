/*
 * Unit tests for src/upstream/receipt_text: every receipt shape of
 * UPSTREAMS.md §1 (the spec's, Kannel's and the test SMSC's, missing sub and
 * dlvrd, 12-digit and zoned dates, UUID, hex and long decimal ids,
 * stat:DELIVRD with err:002, DLT rejections), the tokenizer's rules (any
 * order, any case, text: to the end of its line and no further, first value
 * wins, trailing NULs, input that is not NUL-terminated), the limits, the
 * stat, message_state and DLT tables, dates to UTC, and canonical ids.
 * Every text is handed over in a heap buffer of exactly its length, so an
 * ASan build catches any read past it.
 */
#include "upstream/receipt_text.h"

#include "domain/dlt_rules.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

/* Parses len bytes of s from a buffer holding exactly those bytes. */
static enum og_err parse_n(const char *s, size_t len, struct receipt_text *r)
{
	char *exact = malloc(len ? len : 1);
	enum og_err rc;

	assert_non_null(exact);
	memcpy(exact, s, len);
	rc = receipt_text_parse(len ? exact : NULL, len, r);
	free(exact);
	return rc;
}

static enum og_err parse(const char *s, struct receipt_text *r)
{
	return parse_n(s, strlen(s), r);
}

static void parse_ok(const char *s, struct receipt_text *r)
{
	enum og_err rc = parse(s, r);
	if (rc != OG_OK)
		fail_msg("refused (%d): %s", rc, s);
}

#define ALL_FIELDS                                                                                      \
	(RECEIPT_TEXT_HAS_ID | RECEIPT_TEXT_HAS_SUB | RECEIPT_TEXT_HAS_DLVRD | RECEIPT_TEXT_HAS_SUBMIT_DATE | \
	 RECEIPT_TEXT_HAS_DONE_DATE | RECEIPT_TEXT_HAS_STAT | RECEIPT_TEXT_HAS_ERR | RECEIPT_TEXT_HAS_TEXT)

static void spec_shape(void **state)
{
	static const char s[] = "id:0123456789 sub:001 dlvrd:001 submit date:1807110700 done date:1807110701 "
				"stat:DELIVRD err:000 text:Your code is 492811";
	struct receipt_text r;

	(void)state;
	parse_ok(s, &r);
	assert_int_equal(r.fields, ALL_FIELDS);
	assert_int_equal(r.raw_len, strlen(s));
	assert_string_equal(r.raw, s);
	assert_string_equal(r.id, "0123456789");
	assert_int_equal(r.id_form, RECEIPT_TEXT_ID_DECIMAL);
	assert_int_equal(r.sub, 1);
	assert_int_equal(r.dlvrd, 1);
	assert_string_equal(r.submit_date.text, "1807110700");
	assert_true(r.submit_date.valid);
	assert_false(r.submit_date.zoned);
	assert_int_equal(r.submit_date.year, 2018);
	assert_int_equal(r.submit_date.month, 7);
	assert_int_equal(r.submit_date.day, 11);
	assert_int_equal(r.submit_date.hour, 7);
	assert_int_equal(r.submit_date.minute, 0);
	assert_int_equal(r.submit_date.second, 0);
	assert_int_equal(r.done_date.minute, 1);
	assert_string_equal(r.stat, "DELIVRD");
	assert_int_equal(r.state, RECEIPT_TEXT_STATE_DELIVERED);
	assert_string_equal(r.err, "000");
	assert_int_equal(r.err_code, 0);
	assert_null(r.dlt);
	assert_string_equal(r.text, "Your code is 492811");
}

/* What the test SMSC of UPSTREAMS.md §2 sends: a hex id, an empty text. */
static void test_smsc_shape(void **state)
{
	struct receipt_text r;

	(void)state;
	parse_ok("id:1001 sub:001 dlvrd:001 submit date:2612041030 done date:2612041030 stat:DELIVRD err:000 text:",
		 &r);
	assert_int_equal(r.fields, ALL_FIELDS);
	assert_string_equal(r.id, "1001");
	assert_string_equal(r.text, "");
	assert_int_equal(r.submit_date.year, 2026);
	parse_ok("id:10A0 sub:001 dlvrd:001 submit date:2612041030 done date:2612041030 stat:DELIVRD err:000 text:",
		 &r);
	assert_int_equal(r.id_form, RECEIPT_TEXT_ID_HEX);
}

/* jsmpp#62: no sub, no dlvrd. */
static void missing_sub_and_dlvrd(void **state)
{
	struct receipt_text r;

	(void)state;
	parse_ok("id:1234567 submit date:1212121212 done date:1212121213 stat:DELIVRD err:000 text:", &r);
	assert_int_equal(r.fields, ALL_FIELDS & ~(unsigned)(RECEIPT_TEXT_HAS_SUB | RECEIPT_TEXT_HAS_DLVRD));
	assert_int_equal(r.sub, -1);
	assert_int_equal(r.dlvrd, -1);
	assert_int_equal(r.state, RECEIPT_TEXT_STATE_DELIVERED);
	/* Only an id and a stat: still a receipt. */
	parse_ok("id:77 stat:EXPIRED", &r);
	assert_int_equal(r.fields, RECEIPT_TEXT_HAS_ID | RECEIPT_TEXT_HAS_STAT);
	assert_int_equal(r.state, RECEIPT_TEXT_STATE_EXPIRED);
	assert_string_equal(r.err, "");
	assert_int_equal(r.err_code, -1);
	assert_false(r.submit_date.valid);
	assert_string_equal(r.submit_date.text, "");
	/* No id: the receipted_message_id TLV may carry it. */
	parse_ok("stat:UNDELIV err:001", &r);
	assert_int_equal(r.id_form, RECEIPT_TEXT_ID_NONE);
	assert_string_equal(r.id, "");
}

static void any_order_any_case(void **state)
{
	struct receipt_text r;

	(void)state;
	parse_ok("STAT:undeliv ERR:023 Done Date:1807110701 ID:abc123 Submit Date:1807110700 DLVRD:000 Sub:001 "
		 "TEXT:Hi",
		 &r);
	assert_int_equal(r.fields, ALL_FIELDS);
	assert_string_equal(r.id, "abc123");
	assert_int_equal(r.id_form, RECEIPT_TEXT_ID_HEX);
	assert_string_equal(r.stat, "undeliv"); /* kept as written */
	assert_int_equal(r.state, RECEIPT_TEXT_STATE_UNDELIVERED);
	assert_int_equal(r.dlvrd, 0);
	assert_true(r.submit_date.valid && r.done_date.valid);
	assert_string_equal(r.text, "Hi");
	/* Underscores for the space in the two-word keys; tabs and line
	 * breaks between fields. */
	parse_ok("id:9\tsubmit_date:1807110700\r\ndone_DATE:1807110702\nstat:DELIVRD", &r);
	assert_int_equal(r.fields, RECEIPT_TEXT_HAS_ID | RECEIPT_TEXT_HAS_SUBMIT_DATE |
					   RECEIPT_TEXT_HAS_DONE_DATE | RECEIPT_TEXT_HAS_STAT);
	assert_int_equal(r.done_date.minute, 2);
	assert_string_equal(r.id, "9");
}

static void twelve_digit_dates(void **state)
{
	struct receipt_text r;

	(void)state;
	parse_ok("id:61 sub:001 dlvrd:001 submit date:180711070003 done date:180711070159 stat:DELIVRD err:000 text:",
		 &r);
	assert_true(r.submit_date.valid);
	assert_false(r.submit_date.zoned);
	assert_int_equal(r.submit_date.second, 3);
	assert_int_equal(r.done_date.minute, 1);
	assert_int_equal(r.done_date.second, 59);
}

/* smppex#46: SMPP absolute time, tenths and a quarter-hour UTC offset. */
static void zoned_dates(void **state)
{
	struct receipt_text r;

	(void)state;
	parse_ok("id:61 sub:001 dlvrd:001 submit date:180711070003912+ done date:180711070004048- stat:DELIVRD "
		 "err:000 text:",
		 &r);
	assert_true(r.submit_date.valid);
	assert_true(r.submit_date.zoned);
	assert_string_equal(r.submit_date.text, "180711070003912+");
	assert_int_equal(r.submit_date.second, 3);
	assert_int_equal(r.submit_date.tenths, 9);
	assert_int_equal(r.submit_date.utc_offset_min, 180);
	assert_true(r.done_date.zoned);
	assert_int_equal(r.done_date.tenths, 0);
	assert_int_equal(r.done_date.utc_offset_min, -720);
}

static void dates_that_are_not_dates(void **state)
{
	static const char *const bad[] = {
		"18071107",          /* 8 digits */
		"180711070",         /* 9 */
		"18071107000",       /* 11 */
		"1807110700031",     /* 13 */
		"20180711070003",    /* 14: YYYY is not a form SMSCs were seen to use */
		"180711070003912R",  /* relative time */
		"180711070003949+",  /* 49 quarter hours */
		"180711070003912",   /* 15: no sign */
		"18071107000391+2",
		"1813110700",        /* month 13 */
		"1800110700",        /* month 0 */
		"1802300700",        /* 30 February */
		"2302290700",        /* 29 February 2023 */
		"1807002400",        /* day 0 */
		"1807112400",        /* hour 24 */
		"1807110760",        /* minute 60 */
		"180711070060",      /* second 60 */
		"18O7110700",        /* a letter O */
		"",
	};
	struct receipt_text r;
	char text[96];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t ms = 42;
		memcpy(text, "id:1 done date:", 15);
		memcpy(text + 15, bad[i], strlen(bad[i]) + 1);
		parse_ok(text, &r);
		assert_true(r.fields & RECEIPT_TEXT_HAS_DONE_DATE);
		if (r.done_date.valid)
			fail_msg("read \"%s\" as a date", bad[i]);
		assert_string_equal(r.done_date.text, bad[i]);
		assert_false(receipt_text_date_ms(&r.done_date, 0, &ms));
		assert_int_equal(ms, 42);
	}
	parse_ok("id:1 done date:2402290700", &r); /* 29 February 2024 */
	assert_true(r.done_date.valid);
	parse_ok("id:1 done date:0001010000", &r);
	assert_true(r.done_date.valid);
	assert_int_equal(r.done_date.year, 2000);
}

static void dates_in_utc(void **state)
{
	struct receipt_text r;
	int64_t ms;

	(void)state;
	/* An unzoned date is SMSC local time: IST here, then UTC. */
	parse_ok("id:1 submit date:1807110700 done date:180711070003912+", &r);
	assert_true(receipt_text_date_ms(&r.submit_date, 330, &ms));
	assert_int_equal(ms, 1531272600000LL); /* 2018-07-11T01:30:00Z */
	assert_true(receipt_text_date_ms(&r.submit_date, 0, &ms));
	assert_int_equal(ms, 1531292400000LL);
	/* A zoned date carries its own offset, whatever the SMSC's is. */
	assert_true(receipt_text_date_ms(&r.done_date, 330, &ms));
	assert_int_equal(ms, 1531281603900LL); /* 2018-07-11T04:00:03.9Z */
	parse_ok("id:1 done date:180711070003912-", &r);
	assert_true(receipt_text_date_ms(&r.done_date, 0, &ms));
	assert_int_equal(ms, 1531303203900LL);
	parse_ok("id:1 done date:240229235959", &r);
	assert_true(receipt_text_date_ms(&r.done_date, 0, &ms));
	assert_int_equal(ms, 1709251199000LL);
	parse_ok("id:1 done date:0001010000", &r);
	assert_true(receipt_text_date_ms(&r.done_date, 0, &ms));
	assert_int_equal(ms, 946684800000LL);
	parse_ok("id:1 done date:991231235959", &r);
	assert_true(receipt_text_date_ms(&r.done_date, -720, &ms));
	assert_int_equal(ms, 4102487999000LL);
}

static void id_shapes(void **state)
{
	struct receipt_text r;

	(void)state;
	parse_ok("id:4f9a6c2e-8b1d-4e57-9a3c-0d2f7b6e1a90 sub:001 dlvrd:001 stat:DELIVRD", &r);
	assert_string_equal(r.id, "4f9a6c2e-8b1d-4e57-9a3c-0d2f7b6e1a90");
	assert_int_equal(r.id_form, RECEIPT_TEXT_ID_UUID);
	parse_ok("id:4F9A6C2E-8B1D-4E57-9A3C-0D2F7B6E1A90 stat:DELIVRD", &r);
	assert_int_equal(r.id_form, RECEIPT_TEXT_ID_UUID);
	/* jasmin#586: a 19-digit decimal id (whose submit_sm_resp was hex), kept as text. */
	parse_ok("id:7232345678901234567 stat:DELIVRD", &r);
	assert_string_equal(r.id, "7232345678901234567");
	assert_int_equal(r.id_form, RECEIPT_TEXT_ID_DECIMAL);
	/* jasmin#1129: leading zeros. */
	parse_ok("id:00B8BE19 stat:DELIVRD", &r);
	assert_int_equal(r.id_form, RECEIPT_TEXT_ID_HEX);
	assert_string_equal(r.id, "00B8BE19");
	parse_ok("id:c449ab9744f47b6af1879e49e75e4f40 stat:ACCEPTD", &r);
	assert_int_equal(r.id_form, RECEIPT_TEXT_ID_HEX);
	parse_ok("id:msg-2024_01.7 stat:DELIVRD", &r);
	assert_int_equal(r.id_form, RECEIPT_TEXT_ID_OTHER);
	parse_ok("id:4f9a6c2e-8b1d-4e57-9a3c-0d2f7b6e1a9g stat:DELIVRD", &r); /* a 'g' */
	assert_int_equal(r.id_form, RECEIPT_TEXT_ID_OTHER);
	parse_ok("id:4f9a6c2e8b1d-4e57-9a3c-0d2f7b6e1a90- stat:DELIVRD", &r); /* dashes misplaced */
	assert_int_equal(r.id_form, RECEIPT_TEXT_ID_OTHER);
}

/* jasmin#760: delivered, yet err is not zero. The stat decides. */
static void delivered_with_an_error_code(void **state)
{
	struct receipt_text r;

	(void)state;
	parse_ok("id:2875309 sub:001 dlvrd:001 submit date:1907221233 done date:1907221233 stat:DELIVRD err:002 "
		 "text:",
		 &r);
	assert_int_equal(r.state, RECEIPT_TEXT_STATE_DELIVERED);
	assert_string_equal(r.err, "002");
	assert_int_equal(r.err_code, 2);
	assert_null(r.dlt);
}

static void dlt_rejections(void **state)
{
	struct receipt_text r;

	(void)state;
	parse_ok("id:1101 sub:001 dlvrd:000 submit date:2612041030 done date:2612041030 stat:UNDELIV err:023 "
		 "text:Your code is",
		 &r);
	assert_int_equal(r.state, RECEIPT_TEXT_STATE_UNDELIVERED);
	assert_int_equal(r.err_code, 23);
	assert_non_null(r.dlt);
	assert_int_equal(r.dlt->code, 23);
	assert_string_equal(r.dlt->code_text, "023");
	assert_string_equal(r.dlt->name, "TL-NT-MTCHD");
	parse_ok("id:1 stat:REJECTD err:32", &r);
	assert_non_null(r.dlt);
	assert_string_equal(r.dlt->name, "TL-ID-INVLD");
	parse_ok("id:1 stat:REJECTD err:0x17", &r);
	assert_null(r.dlt);
	assert_int_equal(r.err_code, -1);
	assert_string_equal(r.err, "0x17");
}

static void dlt_table(void **state)
{
	static const struct {
		const char *err;
		const char *name;
	} rows[] = {
		{"023", "TL-NT-MTCHD"}, {"024", "SDR-TL-MSMAT"}, {"025", "TL-NT-FOUND"},  {"026", "TL-LMT-EXCED"},
		{"027", "TL-BLKLST"},   {"028", "TL-INACTIVE"},  {"029", "SNDR-NT-REG"},  {"030", "SNDR-INACTVE"},
		{"031", "SNDR-NT-MTCH"}, {"032", "TL-ID-INVLD"},
	};
	static const char *const not_dlt[] = {"", "0", "000", "002", "022", "033", "099", "0023", "0x17", "x23",
					      "23 ", "+23", "-23", "TL-NT-MTCHD", "2 3"};

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct receipt_text_dlt *d = receipt_text_dlt_lookup(rows[i].err, strlen(rows[i].err));
		assert_non_null(d);
		assert_string_equal(d->name, rows[i].name);
		assert_string_equal(d->code_text, rows[i].err);
		assert_int_equal(d->code, 23 + (int)i);
		assert_non_null(d->meaning);
		/* "23" is "023". */
		assert_ptr_equal(receipt_text_dlt_lookup(rows[i].err + 1, 2), d);
		assert_ptr_equal(receipt_text_dlt_by_code(d->code), d);
	}
	for (size_t i = 0; i < sizeof not_dlt / sizeof not_dlt[0]; i++)
		if (receipt_text_dlt_lookup(not_dlt[i], strlen(not_dlt[i])))
			fail_msg("\"%s\" read as a DLT code", not_dlt[i]);
	/* The length is honoured: "0235" cut at 3 is "023". */
	assert_non_null(receipt_text_dlt_lookup("0235", 3));
	assert_null(receipt_text_dlt_lookup(NULL, 0));
	assert_null(receipt_text_dlt_by_code(22));
	assert_null(receipt_text_dlt_by_code(33));
	assert_null(receipt_text_dlt_by_code(-23));
}

/* The pre-scrub's refusals carry the operator's code names too
 * (src/domain/dlt_rules.c): each one it uses is a code a receipt can report,
 * so a refusal predicted and one reported read alike. */
static void dlt_names_match_the_rule_table(void **state)
{
	size_t used = 0;

	(void)state;
	for (size_t i = 0; dlt_rules_at(i); i++) {
		const char *name = dlt_rules_at(i)->dlt_code;
		bool found = false;
		if (!name)
			continue;
		for (int code = 23; code <= 32; code++)
			found = found || strcmp(receipt_text_dlt_by_code(code)->name, name) == 0;
		if (!found)
			fail_msg("rule %s carries %s, which no DLT code has", dlt_rules_at(i)->id, name);
		used++;
	}
	assert_true(used > 0);
}

/* text: takes the rest of its line, spaces and lookalike fields included,
 * and nothing after it is a field. */
static void text_is_the_rest_of_the_line(void **state)
{
	struct receipt_text r;

	(void)state;
	parse_ok("id:5 stat:UNDELIV err:000 text:code 4928 stat:DELIVRD err:023  ", &r);
	assert_int_equal(r.state, RECEIPT_TEXT_STATE_UNDELIVERED);
	assert_null(r.dlt);
	assert_string_equal(r.text, "code 4928 stat:DELIVRD err:023  ");
	/* text: first (not the spec's order): what follows is text, not fields. */
	parse_ok("text:hello id:5 stat:DELIVRD", &r);
	assert_int_equal(r.fields, RECEIPT_TEXT_HAS_TEXT);
	assert_string_equal(r.text, "hello id:5 stat:DELIVRD");
	assert_int_equal(r.state, RECEIPT_TEXT_STATE_UNKNOWN);
	/* The line ends the text, and the parse: the next line may be the
	 * message's own second line. */
	parse_ok("id:5 stat:UNDELIV text:Your code\r\nstat:DELIVRD", &r);
	assert_string_equal(r.text, "Your code");
	assert_int_equal(r.state, RECEIPT_TEXT_STATE_UNDELIVERED);
	parse_ok("id:5 text:a\nb", &r);
	assert_string_equal(r.text, "a");
	/* Any byte but NUL and the line end: UTF-8, controls, 8-bit. */
	parse_ok("id:5 text:आपका कोड\t\x01\xff", &r);
	assert_string_equal(r.text, "आपका कोड\t\x01\xff");
	parse_ok("id:5 text: leading space kept", &r);
	assert_string_equal(r.text, " leading space kept");
	/* Once text: has been read there is no second one. */
	parse_ok("id:5 text:\ntext:second", &r);
	assert_string_equal(r.text, "");
}

static void first_value_wins(void **state)
{
	struct receipt_text r;
	char s[256];

	(void)state;
	parse_ok("id:1 stat:DELIVRD stat:UNDELIV id:2 err:000 err:023", &r);
	assert_string_equal(r.id, "1");
	assert_int_equal(r.state, RECEIPT_TEXT_STATE_DELIVERED);
	assert_string_equal(r.err, "000");
	assert_null(r.dlt);
	/* A repeat is not read, so one that would be refused is harmless. */
	memcpy(s, "id:1 id:", 8);
	memset(s + 8, 'a', 100);
	s[108] = '\0';
	parse_ok(s, &r);
	assert_string_equal(r.id, "1");
}

/* Kannel counts the C string's NUL in sm_length on some binds; others pad. */
static void trailing_nul_and_padding(void **state)
{
	static const char s[] = "id:12 stat:DELIVRD err:000 text:ok\0\0\0garbage stat:UNDELIV";
	struct receipt_text r;

	(void)state;
	assert_int_equal(parse_n(s, sizeof s - 1, &r), OG_OK);
	assert_int_equal(r.raw_len, strlen(s));
	assert_string_equal(r.raw, "id:12 stat:DELIVRD err:000 text:ok");
	assert_string_equal(r.text, "ok");
	assert_int_equal(r.state, RECEIPT_TEXT_STATE_DELIVERED);
	assert_int_equal(parse_n("id:12 stat:DELIVRD\0", 19, &r), OG_OK);
	assert_int_equal(r.raw_len, 18);
	/* A NUL first: nothing is there. */
	assert_int_equal(parse_n("\0id:12 stat:DELIVRD", 19, &r), OG_ERR_INVALID_REQUEST);
}

/* The length, not a NUL, ends the input. */
static void not_nul_terminated(void **state)
{
	static const char s[] = "id:12345 stat:DELIVRD err:023 text:hello";
	struct receipt_text r;

	(void)state;
	assert_int_equal(parse_n(s, 6, &r), OG_OK);
	assert_string_equal(r.id, "123");
	assert_int_equal(r.fields, RECEIPT_TEXT_HAS_ID);
	assert_int_equal(parse_n(s, 17, &r), OG_OK);
	assert_string_equal(r.stat, "DEL");
	assert_int_equal(r.state, RECEIPT_TEXT_STATE_UNKNOWN);
	assert_int_equal(parse_n(s, 28, &r), OG_OK);
	assert_string_equal(r.err, "02");
	assert_int_equal(r.err_code, 2);
	assert_int_equal(parse_n(s, sizeof s - 3, &r), OG_OK);
	assert_string_equal(r.text, "hel");
	/* A key cut before its colon is not a key. */
	assert_int_equal(parse_n(s, 2, &r), OG_ERR_INVALID_REQUEST);
	assert_int_equal(parse_n(s, 3, &r), OG_OK);
	assert_string_equal(r.id, "");
	assert_int_equal(parse_n("", 0, &r), OG_ERR_INVALID_REQUEST);
	assert_int_equal(receipt_text_parse(NULL, 0, &r), OG_ERR_INVALID_REQUEST);
}

static void empty_values(void **state)
{
	struct receipt_text r;

	(void)state;
	parse_ok("id: sub: dlvrd: submit date: done date: stat: err: text:", &r);
	assert_int_equal(r.fields, ALL_FIELDS);
	assert_string_equal(r.id, "");
	assert_int_equal(r.id_form, RECEIPT_TEXT_ID_NONE);
	assert_int_equal(r.sub, -1);
	assert_int_equal(r.dlvrd, -1);
	assert_false(r.submit_date.valid);
	assert_string_equal(r.stat, "");
	assert_int_equal(r.state, RECEIPT_TEXT_STATE_UNKNOWN);
	assert_int_equal(r.err_code, -1);
	assert_null(r.dlt);
	assert_string_equal(r.text, "");
}

static void counts(void **state)
{
	struct receipt_text r;

	(void)state;
	parse_ok("id:1 sub:1 dlvrd:0", &r);
	assert_int_equal(r.sub, 1);
	assert_int_equal(r.dlvrd, 0);
	parse_ok("id:1 sub:999999999 dlvrd:0000000001", &r); /* 9 digits; then 10 */
	assert_int_equal(r.sub, 999999999);
	assert_int_equal(r.dlvrd, -1);
	parse_ok("id:1 sub:abc dlvrd:-1", &r);
	assert_int_equal(r.sub, -1);
	assert_int_equal(r.dlvrd, -1);
	assert_int_equal(r.fields, RECEIPT_TEXT_HAS_ID | RECEIPT_TEXT_HAS_SUB | RECEIPT_TEXT_HAS_DLVRD);
}

static void junk_is_skipped_but_not_a_receipt(void **state)
{
	struct receipt_text r;
	static const char *const not_receipts[] = {
		" ", "hello world", "Your OTP is 492811", "idd:1 stats:DELIVRD", "i d:1", "id :1", "xid:1 xstat:DELIVRD",
		":::", "submit  date:1807110700", "submitdate:1807110700",
	};

	(void)state;
	for (size_t i = 0; i < sizeof not_receipts / sizeof not_receipts[0]; i++)
		if (parse(not_receipts[i], &r) != OG_ERR_INVALID_REQUEST)
			fail_msg("read \"%s\" as a receipt", not_receipts[i]);
	/* Unknown tokens around real fields are skipped. */
	parse_ok("Receipt: id:12 foo:bar stat:DELIVRD baz err:000", &r);
	assert_string_equal(r.id, "12");
	assert_int_equal(r.state, RECEIPT_TEXT_STATE_DELIVERED);
	assert_int_equal(r.fields, RECEIPT_TEXT_HAS_ID | RECEIPT_TEXT_HAS_STAT | RECEIPT_TEXT_HAS_ERR);
}

static void limits(void **state)
{
	char s[RECEIPT_TEXT_RAW_MAX + 64];
	struct receipt_text r;

	(void)state;
	/* The whole text: RAW_MAX bytes, then one more. */
	memset(s, ' ', sizeof s);
	memcpy(s, "id:1 text:", 10);
	assert_int_equal(parse_n(s, RECEIPT_TEXT_RAW_MAX, &r), OG_OK);
	assert_int_equal(r.raw_len, RECEIPT_TEXT_RAW_MAX);
	assert_int_equal(strlen(r.text), RECEIPT_TEXT_RAW_MAX - 10);
	assert_int_equal(parse_n(s, RECEIPT_TEXT_RAW_MAX + 1, &r), OG_ERR_PAYLOAD_TOO_LARGE);
	/* A NUL within the limit ends the text, however long the buffer. */
	s[100] = '\0';
	assert_int_equal(parse_n(s, sizeof s, &r), OG_OK);
	assert_int_equal(r.raw_len, 100);
	s[RECEIPT_TEXT_RAW_MAX] = '\0';
	s[100] = ' ';
	assert_int_equal(parse_n(s, sizeof s, &r), OG_OK);
	s[RECEIPT_TEXT_RAW_MAX] = ' ';
	s[RECEIPT_TEXT_RAW_MAX + 1] = '\0';
	assert_int_equal(parse_n(s, sizeof s, &r), OG_ERR_PAYLOAD_TOO_LARGE);

	/* Each value at its maximum, then one past it. */
	static const struct {
		const char *key;
		size_t max; /* characters */
	} fields[] = {
		{"id:", RECEIPT_TEXT_ID_MAX - 1},
		{"stat:", RECEIPT_TEXT_STAT_MAX - 1},
		{"err:", RECEIPT_TEXT_ERR_MAX - 1},
		{"submit date:", RECEIPT_TEXT_DATE_MAX - 1},
		{"done date:", RECEIPT_TEXT_DATE_MAX - 1},
	};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		size_t klen = strlen(fields[i].key);
		memcpy(s, fields[i].key, klen);
		memset(s + klen, '7', fields[i].max + 1);
		assert_int_equal(parse_n(s, klen + fields[i].max, &r), OG_OK);
		assert_int_equal(parse_n(s, klen + fields[i].max + 1, &r), OG_ERR_INVALID_REQUEST);
	}
}

/* id, stat, err and dates are printable ASCII, or the receipt is refused. */
static void values_must_be_printable(void **state)
{
	static const char *const bad[] = {
		"id:12\x01 stat:DELIVRD", "id:1\x7f stat:DELIVRD", "id:\xc3\xa9 stat:DELIVRD",
		"id:1 stat:DELIV\x80RD",  "id:1 err:0\x1b", "id:1 done date:18071107\v00",
	};
	struct receipt_text r;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(parse(bad[i], &r), OG_ERR_INVALID_REQUEST);
}

static void failure_leaves_out_alone(void **state)
{
	struct receipt_text r, before;

	(void)state;
	parse_ok("id:1 stat:DELIVRD", &r);
	before = r;
	assert_int_equal(parse("id:1 stat:UNDELIV err:\x01", &r), OG_ERR_INVALID_REQUEST);
	assert_memory_equal(&r, &before, sizeof r);
	assert_int_equal(parse("nothing here", &r), OG_ERR_INVALID_REQUEST);
	assert_memory_equal(&r, &before, sizeof r);
}

static void stat_words(void **state)
{
	static const struct {
		const char *word;
		enum receipt_text_state state;
	} rows[] = {
		{"DELIVRD", RECEIPT_TEXT_STATE_DELIVERED},     {"delivrd", RECEIPT_TEXT_STATE_DELIVERED},
		{"DELIVERED", RECEIPT_TEXT_STATE_DELIVERED},   {"UNDELIV", RECEIPT_TEXT_STATE_UNDELIVERED},
		{"UNDELIVERABLE", RECEIPT_TEXT_STATE_UNDELIVERED}, {"REJECTD", RECEIPT_TEXT_STATE_UNDELIVERED},
		{"REJECTED", RECEIPT_TEXT_STATE_UNDELIVERED}, {"DELETED", RECEIPT_TEXT_STATE_UNDELIVERED},
		{"UNKNOWN", RECEIPT_TEXT_STATE_UNDELIVERED},  {"EXPIRED", RECEIPT_TEXT_STATE_EXPIRED},
		{"Expired", RECEIPT_TEXT_STATE_EXPIRED},      {"ACCEPTD", RECEIPT_TEXT_STATE_IN_PROGRESS},
		{"ACCEPTED", RECEIPT_TEXT_STATE_IN_PROGRESS}, {"ENROUTE", RECEIPT_TEXT_STATE_IN_PROGRESS},
		{"ACKED", RECEIPT_TEXT_STATE_IN_PROGRESS},    {"BUFFRED", RECEIPT_TEXT_STATE_IN_PROGRESS},
		{"BUFFERD", RECEIPT_TEXT_STATE_IN_PROGRESS},  {"", RECEIPT_TEXT_STATE_UNKNOWN},
		{"DELIVR", RECEIPT_TEXT_STATE_UNKNOWN},       {"DELIVRDX", RECEIPT_TEXT_STATE_UNKNOWN},
		{"FAILED", RECEIPT_TEXT_STATE_UNKNOWN},       {"SENT", RECEIPT_TEXT_STATE_UNKNOWN},
		{"0", RECEIPT_TEXT_STATE_UNKNOWN},            {"DELIV RD", RECEIPT_TEXT_STATE_UNKNOWN},
	};
	struct receipt_text r;
	char s[64];

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		size_t len = strlen(rows[i].word);
		if (receipt_text_state_from_stat(rows[i].word, len) != rows[i].state)
			fail_msg("stat \"%s\" mapped wrongly", rows[i].word);
		/* And inside a receipt, where a space would end the word. */
		if (strchr(rows[i].word, ' '))
			continue;
		memcpy(s, "id:1 stat:", 10);
		memcpy(s + 10, rows[i].word, len + 1);
		parse_ok(s, &r);
		assert_int_equal(r.state, rows[i].state);
	}
	/* The length is honoured. */
	assert_int_equal(receipt_text_state_from_stat("DELIVRDXYZ", 7), RECEIPT_TEXT_STATE_DELIVERED);
	assert_int_equal(receipt_text_state_from_stat(NULL, 0), RECEIPT_TEXT_STATE_UNKNOWN);
}

static void message_states(void **state)
{
	static const enum receipt_text_state want[] = {
		RECEIPT_TEXT_STATE_UNKNOWN,     /* 0: SMPP 5.0 SCHEDULED */
		RECEIPT_TEXT_STATE_IN_PROGRESS, /* 1 ENROUTE */
		RECEIPT_TEXT_STATE_DELIVERED,   /* 2 DELIVERED */
		RECEIPT_TEXT_STATE_EXPIRED,     /* 3 EXPIRED */
		RECEIPT_TEXT_STATE_UNDELIVERED, /* 4 DELETED */
		RECEIPT_TEXT_STATE_UNDELIVERED, /* 5 UNDELIVERABLE */
		RECEIPT_TEXT_STATE_IN_PROGRESS, /* 6 ACCEPTED */
		RECEIPT_TEXT_STATE_UNDELIVERED, /* 7 UNKNOWN */
		RECEIPT_TEXT_STATE_UNDELIVERED, /* 8 REJECTED */
		RECEIPT_TEXT_STATE_UNKNOWN,     /* 9: SMPP 5.0 SKIPPED */
	};

	(void)state;
	for (int i = 0; i < (int)(sizeof want / sizeof want[0]); i++)
		assert_int_equal(receipt_text_state_from_message_state(i), want[i]);
	assert_int_equal(receipt_text_state_from_message_state(-1), RECEIPT_TEXT_STATE_UNKNOWN);
	assert_int_equal(receipt_text_state_from_message_state(255), RECEIPT_TEXT_STATE_UNKNOWN);
	/* The TLV and the stat word agree. */
	assert_int_equal(receipt_text_state_from_message_state(2), receipt_text_state_from_stat("DELIVRD", 7));
	assert_int_equal(receipt_text_state_from_message_state(5), receipt_text_state_from_stat("UNDELIV", 7));
	assert_int_equal(receipt_text_state_from_message_state(8), receipt_text_state_from_stat("REJECTD", 7));
}

static void state_names_and_finality(void **state)
{
	(void)state;
	assert_string_equal(receipt_text_state_name(RECEIPT_TEXT_STATE_UNKNOWN), "unknown");
	assert_string_equal(receipt_text_state_name(RECEIPT_TEXT_STATE_IN_PROGRESS), "in_progress");
	assert_string_equal(receipt_text_state_name(RECEIPT_TEXT_STATE_DELIVERED), "delivered");
	assert_string_equal(receipt_text_state_name(RECEIPT_TEXT_STATE_UNDELIVERED), "undelivered");
	assert_string_equal(receipt_text_state_name(RECEIPT_TEXT_STATE_EXPIRED), "expired");
	assert_false(receipt_text_state_is_final(RECEIPT_TEXT_STATE_IN_PROGRESS));
	/* Unknown is final: treated as undelivered, and named so it is seen. */
	assert_true(receipt_text_state_is_final(RECEIPT_TEXT_STATE_UNKNOWN));
	assert_true(receipt_text_state_is_final(RECEIPT_TEXT_STATE_DELIVERED));
	assert_true(receipt_text_state_is_final(RECEIPT_TEXT_STATE_UNDELIVERED));
	assert_true(receipt_text_state_is_final(RECEIPT_TEXT_STATE_EXPIRED));
}

static void canonical_ids(void **state)
{
	static const struct {
		const char *id;
		const char *want;
	} rows[] = {
		{"00B8BE19", "B8BE19"},
		{"b8be19", "B8BE19"},
		{"000", "0"},
		{"0", "0"},
		{"0000000000000000012", "12"},
		{"4f9a6c2e-8b1d-4e57-9a3c-0d2f7b6e1a90", "4F9A6C2E-8B1D-4E57-9A3C-0D2F7B6E1A90"},
		{"msg-01", "MSG-01"},
	};
	char out[RECEIPT_TEXT_ID_MAX], again[RECEIPT_TEXT_ID_MAX], longest[RECEIPT_TEXT_ID_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		assert_true(receipt_text_id_canonical(rows[i].id, out));
		assert_string_equal(out, rows[i].want);
		assert_true(receipt_text_id_canonical(out, again));
		assert_string_equal(again, out);
	}
	assert_false(receipt_text_id_canonical("", out));
	assert_string_equal(out, "");
	assert_false(receipt_text_id_canonical("a b", out));
	assert_false(receipt_text_id_canonical("\xc3\xa9", out));
	memset(longest, 'a', sizeof longest);
	longest[RECEIPT_TEXT_ID_MAX - 1] = '\0';
	assert_true(receipt_text_id_canonical(longest, out));
	longest[RECEIPT_TEXT_ID_MAX - 1] = 'a';
	longest[RECEIPT_TEXT_ID_MAX] = '\0';
	assert_false(receipt_text_id_canonical(longest, out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(spec_shape),
		cmocka_unit_test(test_smsc_shape),
		cmocka_unit_test(missing_sub_and_dlvrd),
		cmocka_unit_test(any_order_any_case),
		cmocka_unit_test(twelve_digit_dates),
		cmocka_unit_test(zoned_dates),
		cmocka_unit_test(dates_that_are_not_dates),
		cmocka_unit_test(dates_in_utc),
		cmocka_unit_test(id_shapes),
		cmocka_unit_test(delivered_with_an_error_code),
		cmocka_unit_test(dlt_rejections),
		cmocka_unit_test(dlt_table),
		cmocka_unit_test(dlt_names_match_the_rule_table),
		cmocka_unit_test(text_is_the_rest_of_the_line),
		cmocka_unit_test(first_value_wins),
		cmocka_unit_test(trailing_nul_and_padding),
		cmocka_unit_test(not_nul_terminated),
		cmocka_unit_test(empty_values),
		cmocka_unit_test(counts),
		cmocka_unit_test(junk_is_skipped_but_not_a_receipt),
		cmocka_unit_test(limits),
		cmocka_unit_test(values_must_be_printable),
		cmocka_unit_test(failure_leaves_out_alone),
		cmocka_unit_test(stat_words),
		cmocka_unit_test(message_states),
		cmocka_unit_test(state_names_and_finality),
		cmocka_unit_test(canonical_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
