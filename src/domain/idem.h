/*
 * Idempotency keys (Stripe's model, as in the IETF draft): a key is scoped to
 * the tenant and kept 24 h. The first request claims the key; the operation
 * then records its response in the same transaction as its effects, so a
 * replay returns the identical status and body and never repeats the effect.
 * The same key with a different request is refused (422); the same key while
 * the first request is still running gets 409.
 */
#ifndef OG_IDEM_H
#define OG_IDEM_H

#include "domain/domain.h"

/** Renders the response for an operation's result; returns the HTTP status. */
typedef int (*idem_render_fn)(void *arg, const void *result, char *body, size_t body_max);

struct idem_ticket {
	char tenant_id[STORE_TENANT_ID_MAX];
	char key[STORE_IDEM_KEY_MAX];
	unsigned char request_hash[SECRET_HASH_LEN]; /* over method, path and body */
	idem_render_fn render;
	void *render_arg;
};

enum idem_claim_result {
	IDEM_CLAIMED, /* new: run the operation */
	IDEM_REPLAY   /* done before: send the stored response */
};

/** Claims the key, or loads the stored response into replay; 409/422 errors as documented. */
enum og_err idem_claim(const struct domain *d, struct store_conn *c, const struct idem_ticket *t,
		       enum idem_claim_result *result, struct store_idem *replay);

/** In the operation's open transaction: stores its successful response. */
enum og_err idem_complete(const struct domain *d, struct store_conn *c,
			  const struct idem_ticket *t, const void *result);

/** Outside a transaction: stores a refusal (4xx) so a replay gets the same answer. */
enum og_err idem_finish(const struct domain *d, struct store_conn *c, const struct idem_ticket *t,
			int status, const char *body);

/** Outside a transaction: drops the claim after a server error, so a retry may run. */
void idem_abandon(const struct domain *d, struct store_conn *c, const struct idem_ticket *t);

#endif
