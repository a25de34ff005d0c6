/*
 * What dlt.c shares with dlt_scrub.c and nothing else includes: the
 * character checks of the template language (DLT-17, DLT-25) that the
 * send-time value checks apply as well, and the ASCII character classes
 * both files test with.
 */
#ifndef OG_DLT_INT_H
#define OG_DLT_INT_H

#include "domain/dlt.h"

/** True for an ASCII digit. */
static inline bool dlt_digit(char ch) { return ch >= '0' && ch <= '9'; }

/** True for an ASCII letter. */
static inline bool dlt_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/** True for [A-Za-z0-9_]. */
static inline bool dlt_word_char(char ch) { return dlt_alpha(ch) || dlt_digit(ch) || ch == '_'; }

/** DLT-17 (values) or DLT-25 (fixed text) over len bytes: NULL if clean, else a phrase naming the problem. */
const char *dlt_chars_problem(const char *s, size_t len, bool allow_newline, bool ascii_only);

#endif
