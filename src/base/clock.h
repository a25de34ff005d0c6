/*
 * Time. Inside otpgate a time is int64_t milliseconds since the Unix epoch in
 * UTC; it is formatted only at the edges, by the functions here. Billing dates
 * are computed in a fixed UTC offset (India's +05:30 by default).
 */
#ifndef OG_CLOCK_H
#define OG_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define CLOCK_ISO_MAX 32   /* "2026-06-01T12:00:00.000Z" plus NUL, with room */
#define CLOCK_LOCAL_MAX 20 /* "YYYY-MM-DD HH:MM:SS" plus NUL */
#define CLOCK_DATE_MAX 11  /* "YYYY-MM-DD" plus NUL */
#define CLOCK_MONTH_MAX 8  /* "YYYY-MM" plus NUL */

/** Returns the wall-clock time in milliseconds since the epoch. */
int64_t clock_now_ms(void);

/** Returns a monotonic time in milliseconds, for timeouts and latencies. */
int64_t clock_mono_ms(void);

/** Formats ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC). */
void clock_format_iso(int64_t ms, char out[CLOCK_ISO_MAX]);

/** Formats ms shifted by offset_sec as "YYYY-MM-DD HH:MM:SS". */
void clock_format_local(int64_t ms, int offset_sec, char out[CLOCK_LOCAL_MAX]);

/** Formats ms shifted by offset_sec as "YYYY-MM-DD". */
void clock_format_date(int64_t ms, int offset_sec, char out[CLOCK_DATE_MAX]);

/** Formats ms shifted by offset_sec as "YYYY-MM". */
void clock_format_month(int64_t ms, int offset_sec, char out[CLOCK_MONTH_MAX]);

/** Parses "+05:30", "-04:00" or "Z" into seconds east of UTC; false if malformed. */
bool clock_parse_offset(const char *text, int *offset_sec);

/** Parses a calendar date "YYYY-MM-DD"; false if malformed or not a real date. */
bool clock_parse_date(const char *text, int *year, int *month, int *day);

/** Parses a month "YYYY-MM"; false if malformed. */
bool clock_parse_month(const char *text, int *year, int *month);

/** Returns the ms at local midnight starting the given date in offset_sec. */
int64_t clock_date_start_ms(int year, int month, int day, int offset_sec);

/** Parses an ISO-8601 UTC time ("...Z" or with an offset, or a date); false if malformed. */
bool clock_parse_iso(const char *text, int64_t *ms);

#endif
