/*
 * The outbox, as the dispatcher sees it: claim due messages, open their
 * sealed payloads, resolve where each goes, and settle each attempt. Settling
 * is where money is finally decided: a sent message captures its hold, a
 * permanently failed one releases it, both exactly once and in the same
 * transaction as the message's new status.
 */
#ifndef OG_OUTBOX_H
#define OG_OUTBOX_H

#include "domain/domain.h"
#include "domain/template.h"

#define OUTBOX_ATTEMPTS_MAX 6             /* tries per message before it fails */
#define OUTBOX_AGE_MAX_MS (10LL * 60 * 1000) /* an OTP older than this is useless */
#define OUTBOX_LEASE_MS (30LL * 1000)     /* a claim not settled by then is retaken */
#define OUTBOX_BACKOFF_BASE_MS 500LL      /* doubled per attempt */
#define OUTBOX_BACKOFF_MAX_MS (60LL * 1000)
#define OUTBOX_CLAIM_MAX 64
#define OUTBOX_PAYLOAD_VARS_MAX STORE_TEMPLATE_VARS_MAX

/* What the dispatcher needs to send one message, opened from its seal. */
struct outbox_payload {
	char to[PHONE_MAX];
	char text[TEMPLATE_RENDERED_MAX];
	size_t var_count;
	char var_names[OUTBOX_PAYLOAD_VARS_MAX][STORE_VAR_NAME_MAX];
	char var_values[OUTBOX_PAYLOAD_VARS_MAX][TEMPLATE_VALUE_MAX];
};

/* Where a tenant's messages go: its own upstream, else the deployment's. */
struct outbox_route {
	char provider[STORE_PROVIDER_MAX]; /* "" means the deployment's provider */
	char url[STORE_URL_MAX];           /* "" means the deployment's URL */
	char api_key[STORE_CREDENTIAL_MAX]; /* "" means the deployment's key */
};

enum outbox_verdict {
	OUTBOX_SENT,     /* the upstream accepted the message */
	OUTBOX_RETRY,    /* a transient failure: try again later */
	OUTBOX_REJECTED  /* a permanent failure: give up now */
};

struct outbox_outcome {
	int verdict; /* enum outbox_verdict */
	char provider[STORE_PROVIDER_MAX];
	char provider_message_id[STORE_PROVIDER_MSG_ID_MAX];
	char error[STORE_ERROR_TEXT_MAX];
};

/** Claims up to max due messages, leasing them for OUTBOX_LEASE_MS. */
enum og_err outbox_claim(const struct domain *d, struct store_conn *c, size_t max,
			 struct store_message *out, size_t *n);

/** Seals a payload for a message of tenant_id (used by otp_send). */
enum og_err outbox_seal(const struct domain *d, const char *tenant_id,
			const struct outbox_payload *p, struct store_message *m);

/** Opens a claimed message's payload. */
enum og_err outbox_open(const struct domain *d, const struct store_message *m,
			struct outbox_payload *out);

/** Resolves the tenant's route, decrypting its upstream key. */
enum og_err outbox_route(const struct domain *d, struct store_conn *c, const char *tenant_id,
			 struct outbox_route *out);

/** Records an attempt's outcome: capture, release, or reschedule with backoff. */
enum og_err outbox_settle(const struct domain *d, struct store_conn *c,
			  const struct store_message *m, const struct outbox_outcome *o);

#define OUTBOX_SETTLE_MAX 256 /* settlements in one transaction */

/* One attempt's outcome for outbox_settle_many. */
struct outbox_settlement {
	const struct store_message *claimed; /* as claimed; the caller's */
	struct outbox_outcome outcome;
	int verdict;  /* out: the verdict applied, or -1 for a stale outcome */
	int attempts; /* out: the message's attempts */
};

/** Settles n (<= OUTBOX_SETTLE_MAX) outcomes in one transaction, as outbox_settle
 *  would one by one; on failure nothing is settled: settle them one by one then. */
enum og_err outbox_settle_many(const struct domain *d, struct store_conn *c,
			       struct outbox_settlement *s, size_t n);

/** Returns the delay before retry number `attempts` (1-based), with jitter. */
int64_t outbox_backoff_ms(int attempts);

#endif
