/*
 * Unit tests for src/base/clock: ISO-8601 formatting in UTC, local dates and
 * months in a fixed offset (India's +05:30 shifts the day boundary to 18:30
 * UTC, and a month boundary with it), and strict parsing of offsets, dates,
 * months and timestamps, including dates that do not exist. The expected
 * epoch values were computed independently with Python's datetime.
 */
#include "base/clock.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#define IST (5 * 3600 + 30 * 60)
#define MS_2026_05_31T18_30Z 1780252200000LL /* 2026-06-01 00:00 in +05:30 */
#define MS_2026_12_31T18_30Z 1798741800000LL /* 2027-01-01 00:00 in +05:30 */
#define MS_2024_02_29T12_00Z 1709208000000LL

static void test_format_iso(void **state)
{
	char out[CLOCK_ISO_MAX];
	(void)state;
	clock_format_iso(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
	clock_format_iso(1780000000123LL, out);
	assert_string_equal(out, "2026-05-28T20:26:40.123Z");
	clock_format_iso(MS_2024_02_29T12_00Z + 999, out);
	assert_string_equal(out, "2024-02-29T12:00:00.999Z");
	clock_format_iso(-1, out);
	assert_string_equal(out, "1969-12-31T23:59:59.999Z");
}

static void test_local_day_boundary(void **state)
{
	char local[CLOCK_LOCAL_MAX], date[CLOCK_DATE_MAX], month[CLOCK_MONTH_MAX];
	(void)state;
	/* One millisecond before local midnight: still 31 May in India. */
	clock_format_local(MS_2026_05_31T18_30Z - 1, IST, local);
	assert_string_equal(local, "2026-05-31 23:59:59");
	clock_format_date(MS_2026_05_31T18_30Z - 1, IST, date);
	assert_string_equal(date, "2026-05-31");
	clock_format_month(MS_2026_05_31T18_30Z - 1, IST, month);
	assert_string_equal(month, "2026-05");
	/* Local midnight: 1 June in India while it is still 31 May in UTC. */
	clock_format_local(MS_2026_05_31T18_30Z, IST, local);
	assert_string_equal(local, "2026-06-01 00:00:00");
	clock_format_date(MS_2026_05_31T18_30Z, IST, date);
	assert_string_equal(date, "2026-06-01");
	clock_format_month(MS_2026_05_31T18_30Z, IST, month);
	assert_string_equal(month, "2026-06");
	clock_format_date(MS_2026_05_31T18_30Z, 0, date);
	assert_string_equal(date, "2026-05-31");
	/* Year boundary. */
	clock_format_month(MS_2026_12_31T18_30Z, IST, month);
	assert_string_equal(month, "2027-01");
	clock_format_month(MS_2026_12_31T18_30Z - 1, IST, month);
	assert_string_equal(month, "2026-12");
	/* A negative offset moves the other way. */
	clock_format_local(MS_2026_05_31T18_30Z, -4 * 3600, local);
	assert_string_equal(local, "2026-05-31 14:30:00");
}

static void test_parse_offset(void **state)
{
	int off = 12345;
	(void)state;
	assert_true(clock_parse_offset("+05:30", &off));
	assert_int_equal(off, IST);
	assert_true(clock_parse_offset("-04:00", &off));
	assert_int_equal(off, -4 * 3600);
	assert_true(clock_parse_offset("Z", &off));
	assert_int_equal(off, 0);
	assert_true(clock_parse_offset("+00:00", &off));
	assert_int_equal(off, 0);
	assert_true(clock_parse_offset("+14:00", &off));
	assert_int_equal(off, 14 * 3600);
	const char *bad[] = {"", "+5:30", "05:30", "+0530", "+05:60", "+15:00",
			     "+05:30x", "z", "+05:3", "UTC", "++05:30"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (clock_parse_offset(bad[i], &off))
			fail_msg("offset \"%s\" accepted", bad[i]);
}

static void test_parse_date(void **state)
{
	int y = 0, m = 0, d = 0;
	(void)state;
	assert_true(clock_parse_date("2026-06-01", &y, &m, &d));
	assert_int_equal(y, 2026);
	assert_int_equal(m, 6);
	assert_int_equal(d, 1);
	assert_true(clock_parse_date("2024-02-29", &y, &m, &d)); /* leap year */
	assert_true(clock_parse_date("2000-02-29", &y, &m, &d)); /* divisible by 400 */
	assert_true(clock_parse_date("2026-12-31", &y, &m, &d));
	const char *bad[] = {"2026-02-30", "2026-02-29", "1900-02-29", "2026-04-31", "2026-13-01",
			     "2026-00-10", "2026-06-00", "2026-6-01",  "2026-06-1",  "26-06-01",
			     "2026/06/01", "2026-06-01x", "2026-06-01T00:00:00Z", "", "abcd-ef-gh"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (clock_parse_date(bad[i], &y, &m, &d))
			fail_msg("date \"%s\" accepted", bad[i]);
}

static void test_parse_month(void **state)
{
	int y = 0, m = 0;
	(void)state;
	assert_true(clock_parse_month("2026-06", &y, &m));
	assert_int_equal(y, 2026);
	assert_int_equal(m, 6);
	assert_true(clock_parse_month("2026-12", &y, &m));
	const char *bad[] = {"2026-13", "2026-00", "2026-6", "2026-06-01", "202606", "", "2026-06x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (clock_parse_month(bad[i], &y, &m))
			fail_msg("month \"%s\" accepted", bad[i]);
}

static void test_date_start(void **state)
{
	(void)state;
	assert_int_equal(clock_date_start_ms(2026, 6, 1, IST), MS_2026_05_31T18_30Z);
	assert_int_equal(clock_date_start_ms(2027, 1, 1, IST), MS_2026_12_31T18_30Z);
	assert_int_equal(clock_date_start_ms(1970, 1, 1, 0), 0);
	assert_int_equal(clock_date_start_ms(2024, 2, 29, 0), MS_2024_02_29T12_00Z - 12 * 3600000LL);
	/* Consecutive days are 86400 s apart, across a month end too. */
	assert_int_equal(clock_date_start_ms(2026, 6, 1, IST) - clock_date_start_ms(2026, 5, 31, IST),
			 86400000LL);
}

static void test_parse_iso(void **state)
{
	int64_t ms = 0;
	(void)state;
	assert_true(clock_parse_iso("2026-05-31T18:30:00.000Z", &ms));
	assert_int_equal(ms, MS_2026_05_31T18_30Z);
	assert_true(clock_parse_iso("2026-06-01T00:00:00+05:30", &ms));
	assert_int_equal(ms, MS_2026_05_31T18_30Z);
	assert_true(clock_parse_iso("2026-05-28T20:26:40.123Z", &ms));
	assert_int_equal(ms, 1780000000123LL);
	assert_true(clock_parse_iso("2026-05-31", &ms));
	assert_int_equal(ms, MS_2026_05_31T18_30Z - 18 * 3600000LL - 30 * 60000LL);
	const char *bad[] = {"2026-05-31T24:00:00Z", "2026-05-31T18:60:00Z", "2026-02-30T00:00:00Z",
			     "2026-05-31T18:30:00+5:30", "2026-05-31x", "", "now"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (clock_parse_iso(bad[i], &ms))
			fail_msg("time \"%s\" accepted", bad[i]);
}

static void test_round_trip_iso(void **state)
{
	char out[CLOCK_ISO_MAX];
	int64_t back = 0;
	const int64_t samples[] = {0, 1, 999, MS_2024_02_29T12_00Z + 7, MS_2026_05_31T18_30Z - 1,
				   1780000000123LL, 4102444799999LL};
	(void)state;
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		clock_format_iso(samples[i], out);
		assert_true(clock_parse_iso(out, &back));
		assert_int_equal(back, samples[i]);
	}
}

static void test_now(void **state)
{
	int64_t a, b;
	(void)state;
	a = clock_now_ms();
	assert_true(a > 1704067200000LL); /* after 2024-01-01 */
	a = clock_mono_ms();
	b = clock_mono_ms();
	assert_true(b >= a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format_iso),     cmocka_unit_test(test_local_day_boundary),
	    cmocka_unit_test(test_parse_offset),   cmocka_unit_test(test_parse_date),
	    cmocka_unit_test(test_parse_month),    cmocka_unit_test(test_date_start),
	    cmocka_unit_test(test_parse_iso),      cmocka_unit_test(test_round_trip_iso),
	    cmocka_unit_test(test_now),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
