/*
 * Phone numbers. Inside otpgate a phone is E.164 text: '+', a country code,
 * then the subscriber number, 8 to 15 digits in all. Indian numbers (+91) are
 * further held to the mobile plan: 10 digits whose first is 6-9. Whatever is
 * logged or returned to clients is the masked form.
 */
#ifndef OG_PHONE_H
#define OG_PHONE_H

#include <stdbool.h>

#define PHONE_DIGITS_MIN 8
#define PHONE_DIGITS_MAX 15
#define PHONE_MAX (1 + PHONE_DIGITS_MAX + 1) /* '+', digits, NUL */
#define PHONE_MASK_KEEP 4                     /* trailing digits left visible */

/** Validates text as E.164 (with the +91 mobile rule) and copies it; false if invalid. */
bool phone_parse(const char *text, char out[PHONE_MAX]);

/** Writes the masked form, "+91******3210": country code and last 4 digits kept. */
void phone_mask(const char *e164, char out[PHONE_MAX]);

#endif
