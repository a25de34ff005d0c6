/*
 * The sealed context of an OTP request: what a resend needs again (the
 * phone, the caller's variables and the sender header the send asked for),
 * as compact JSON sealed under the request's id. SEC-22: otp.c wipes it
 * once the request's code can no longer be used.
 */
#ifndef OG_OTP_CONTEXT_H
#define OG_OTP_CONTEXT_H

#include "domain/otp.h"

/** Seals phone, vars and sender_header into o->context_sealed, bound to o->id. */
enum og_err otp_context_seal(const struct domain *d, const char *phone,
			     const struct otp_variable *vars, size_t nvars,
			     const char *sender_header, struct store_otp *o);

/** Opens o's context into phone, vars (OTP_VARIABLES_MAX) and sender_header;
 *  OG_ERR_INTERNAL if it is not a context otp_context_seal could have written. */
enum og_err otp_context_open(const struct domain *d, const struct store_otp *o,
			     char phone[PHONE_MAX], struct otp_variable *vars, size_t *nvars,
			     char sender_header[STORE_HEADER_MAX]);

#endif
