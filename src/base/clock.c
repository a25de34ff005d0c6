/*
 * Clock reading and the formatting and parsing of times at the edges. Civil
 * dates are converted with days_from_civil/civil_from_days (proleptic
 * Gregorian), which need no time zone database and are exact for any offset.
 */
#include "base/clock.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t clock_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days since 1970-01-01 of a civil date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

struct civil {
	int year, month, day, hour, minute, second, milli;
};

static struct civil civil_from_ms(int64_t ms)
{
	struct civil c;
	int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int64_t rem = secs - days * 86400;
	civil_from_days(days, &c.year, &c.month, &c.day);
	c.hour = (int)(rem / 3600);
	c.minute = (int)(rem % 3600 / 60);
	c.second = (int)(rem % 60);
	c.milli = (int)(ms - secs * 1000);
	return c;
}

void clock_format_iso(int64_t ms, char out[CLOCK_ISO_MAX])
{
	struct civil c = civil_from_ms(ms);
	snprintf(out, CLOCK_ISO_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year, c.month, c.day,
		 c.hour, c.minute, c.second, c.milli);
}

void clock_format_local(int64_t ms, int offset_sec, char out[CLOCK_LOCAL_MAX])
{
	struct civil c = civil_from_ms(ms + (int64_t)offset_sec * 1000);
	snprintf(out, CLOCK_LOCAL_MAX, "%04d-%02d-%02d %02d:%02d:%02d", c.year, c.month, c.day,
		 c.hour, c.minute, c.second);
}

/* The date and the month are prefixes of the local time. Cutting them from
 * it, rather than formatting each on its own, also keeps GCC's -O3 range
 * analysis (the Release build) from reporting a truncation of snprintf
 * into these small buffers that cannot happen for years 0000-9999. */
_Static_assert(CLOCK_DATE_MAX < CLOCK_LOCAL_MAX && CLOCK_MONTH_MAX < CLOCK_DATE_MAX,
	       "date and month are prefixes of the local time");

void clock_format_date(int64_t ms, int offset_sec, char out[CLOCK_DATE_MAX])
{
	char local[CLOCK_LOCAL_MAX];

	clock_format_local(ms, offset_sec, local);
	memcpy(out, local, CLOCK_DATE_MAX - 1);
	out[CLOCK_DATE_MAX - 1] = '\0';
}

void clock_format_month(int64_t ms, int offset_sec, char out[CLOCK_MONTH_MAX])
{
	char local[CLOCK_LOCAL_MAX];

	clock_format_local(ms, offset_sec, local);
	memcpy(out, local, CLOCK_MONTH_MAX - 1);
	out[CLOCK_MONTH_MAX - 1] = '\0';
}

/* Reads exactly n decimal digits; advances *p only on success. */
static bool read_digits(const char **p, int n, int *value)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char ch = (*p)[i];
		if (ch < '0' || ch > '9')
			return false;
		v = v * 10 + (ch - '0');
	}
	*p += n;
	*value = v;
	return true;
}

static bool read_char(const char **p, char want)
{
	if (**p != want)
		return false;
	(*p)++;
	return true;
}

bool clock_parse_offset(const char *text, int *offset_sec)
{
	const char *p = text;
	int sign, hh, mm;
	if (strcmp(text, "Z") == 0) {
		*offset_sec = 0;
		return true;
	}
	if (*p != '+' && *p != '-')
		return false;
	sign = *p++ == '-' ? -1 : 1;
	if (!read_digits(&p, 2, &hh) || !read_char(&p, ':') || !read_digits(&p, 2, &mm) || *p)
		return false;
	if (hh > 14 || mm > 59)
		return false;
	*offset_sec = sign * (hh * 3600 + mm * 60);
	return true;
}

static int days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

static bool parse_date_prefix(const char **p, int *year, int *month, int *day)
{
	if (!read_digits(p, 4, year) || !read_char(p, '-') || !read_digits(p, 2, month) ||
	    !read_char(p, '-') || !read_digits(p, 2, day))
		return false;
	return *month >= 1 && *month <= 12 && *day >= 1 && *day <= days_in_month(*year, *month);
}

bool clock_parse_date(const char *text, int *year, int *month, int *day)
{
	const char *p = text;
	return parse_date_prefix(&p, year, month, day) && *p == '\0';
}

bool clock_parse_month(const char *text, int *year, int *month)
{
	const char *p = text;
	if (!read_digits(&p, 4, year) || !read_char(&p, '-') || !read_digits(&p, 2, month) || *p)
		return false;
	return *month >= 1 && *month <= 12;
}

int64_t clock_date_start_ms(int year, int month, int day, int offset_sec)
{
	assert(month >= 1 && month <= 12 && day >= 1 && day <= 31);
	return (days_from_civil(year, month, day) * 86400 - offset_sec) * 1000;
}

bool clock_parse_iso(const char *text, int64_t *ms)
{
	const char *p = text;
	int y, mo, d, hh = 0, mi = 0, ss = 0, milli = 0, offset = 0;
	if (!parse_date_prefix(&p, &y, &mo, &d))
		return false;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (!read_digits(&p, 2, &hh) || !read_char(&p, ':') || !read_digits(&p, 2, &mi) ||
		    !read_char(&p, ':') || !read_digits(&p, 2, &ss))
			return false;
		if (*p == '.') {
			p++;
			if (!read_digits(&p, 3, &milli))
				return false;
		}
		if (hh > 23 || mi > 59 || ss > 60)
			return false;
		if (*p && !clock_parse_offset(p, &offset))
			return false;
	} else if (*p) {
		return false;
	}
	*ms = clock_date_start_ms(y, mo, d, offset) +
	      ((int64_t)hh * 3600 + mi * 60 + ss) * 1000 + milli;
	return true;
}
