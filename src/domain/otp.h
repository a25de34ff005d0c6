/*
 * OTP requests: send, verify, resend and status. A send validates the
 * phone, resolves the template, generates the code (CSPRNG, rejection
 * sampling), renders the SMS, and then in one transaction records the
 * request with only the code's keyed hash, places the ledger hold and queues
 * the message in the outbox. Verification compares hashes in constant time
 * and marks the code used in the same transaction that checks it.
 */
#ifndef OG_OTP_H
#define OG_OTP_H

#include "domain/domain.h"
#include "domain/idem.h"
#include "domain/template.h"

#define OTP_VARIABLES_MAX 8 /* caller-supplied variables per send */
#define OTP_MESSAGES_MAX (1 + DOMAIN_RESENDS_MAX)

struct otp_variable {
	char name[STORE_VAR_NAME_MAX];
	char value[TEMPLATE_VALUE_MAX];
};

struct otp_send_input {
	char tenant_id[STORE_TENANT_ID_MAX];
	char phone[PHONE_MAX + 8];                /* as given; validated by otp_send */
	char template_ref[STORE_TEMPLATE_NAME_MAX]; /* name or DLT id; "" for the default */
	struct otp_variable vars[OTP_VARIABLES_MAX];
	size_t var_count;
	bool has_code; /* the caller chose the code (the gateway-compatible API) */
	char code[RND_CODE_LEN_MAX + 1];
	char client_ip[STORE_IP_MAX]; /* the end user's address, for the per-IP limit; "" if unknown */
	char sender_header[STORE_HEADER_MAX]; /* the DLT header to send under; "" for the default */
};

struct otp_send_result {
	char request_id[STORE_ID_MAX];
	char message_id[STORE_ID_MAX];
	int64_t expires_at_ms;
	int64_t cost_paise;
};

struct otp_verify_input {
	char tenant_id[STORE_TENANT_ID_MAX];
	char request_id[STORE_ID_MAX]; /* "" to use the newest pending request for phone */
	char phone[PHONE_MAX + 8];
	char code[RND_CODE_LEN_MAX + 8]; /* room to see that it is too long */
};

struct otp_verify_result {
	char request_id[STORE_ID_MAX];
	bool verified;
	int status; /* enum store_otp_status */
	int attempts_left;
};

struct otp_status_result {
	struct store_otp otp;
	struct store_message messages[OTP_MESSAGES_MAX];
	size_t message_count;
};

/** Sends an OTP; ticket may be NULL. Refusals: 402s, 403 suspended, 422 phone/template. */
enum og_err otp_send(const struct domain *d, struct store_conn *c, struct otp_send_input *in,
		     const struct idem_ticket *ticket, struct otp_send_result *out,
		     struct og_detail *det);

/** Checks a code; a wrong code still answers OG_OK with verified false. */
enum og_err otp_verify(const struct domain *d, struct store_conn *c,
		       const struct otp_verify_input *in, struct otp_verify_result *out,
		       struct og_detail *det);

/** Sends a new code for a pending request; the old code stops working. */
enum og_err otp_resend(const struct domain *d, struct store_conn *c, const char *tenant_id,
		       const char *request_id, const struct idem_ticket *ticket,
		       struct otp_send_result *out, int *retry_after_sec, struct og_detail *det);

/** Reads a request and its messages (tenant_id NULL: any tenant, for admins);
 *  status reads as expired once past expires_at. */
enum og_err otp_status(const struct domain *d, struct store_conn *c, const char *tenant_id,
		       const char *request_id, struct otp_status_result *out);

/** Returns "pending", "approved", "expired", "max_attempts_reached", "canceled" or "failed". */
const char *otp_status_name(int status);

#endif
