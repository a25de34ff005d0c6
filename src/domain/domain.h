/*
 * What every domain operation needs: the deployment's settings, the derived
 * secrets, a clock, and a hook to wake the dispatcher when a message is
 * queued. The domain layer holds the business rules (tenants, keys,
 * templates, OTPs, the ledger); it speaks to the database only through
 * store.h and never touches HTTP, JSON on the wire, or an upstream.
 */
#ifndef OG_DOMAIN_H
#define OG_DOMAIN_H

#include "base/secret.h"
#include "domain/policy.h"
#include "store/store.h"

#include <stdint.h>

struct cache;

#define DOMAIN_RESENDS_MAX 3          /* resends allowed per OTP request */
#define DOMAIN_IDEM_TTL_MS (24LL * 3600 * 1000)
#define DOMAIN_IDEM_LOCK_MS (60LL * 1000) /* an in-flight claim older than this was abandoned */
#define DOMAIN_BUSY_RETRIES_MAX 5     /* write transactions retried on OG_ERR_BUSY */

struct domain_config {
	int64_t price_paise;        /* the deployment's price per SMS */
	int billing_offset_sec;     /* billing dates are computed in this UTC offset */
	int resend_cooldown_sec;    /* the least time between sends of one request */
	char provider[STORE_PROVIDER_MAX]; /* the deployment's default provider */
	struct policy guard;        /* abuse-defence defaults; tenants may override (policy.h) */
	int retention_days;         /* personal data kept this long unless the tenant says (SEC-24) */
	/* DLT (docs/DLT.md): price_paise above is the shared route's price. */
	int64_t price_own_paise;    /* the own route's price per SMS */
	int dlt_var_max_len;        /* a template variable's default maximum length (DLT-45) */
};

struct domain {
	struct domain_config cfg;
	const struct secret *secret;
	/* The secret before the last rotation, or NULL: hashes made under it
	 * (API keys, codes) still verify, and keys are rehashed on use (SEC-05). */
	const struct secret *secret_prev;
	/** Returns the current time in ms; clock_now_ms in production. */
	int64_t (*now_ms)(void);
	/** Called after a transaction that queued a message commits; may be NULL. */
	void (*on_queued)(void *arg);
	void *on_queued_arg;
	/* What the request paths keep of the configuration (cache.h); NULL to
	 * read the store every time, as the CLI does. Owned by whoever set it. */
	struct cache *cache;
};

/** Fills d with the defaults (25 paise, +05:30, 30 s cooldown, "log"). */
void domain_init(struct domain *d, const struct secret *secret);

/** Returns the time now, from d->now_ms. */
int64_t domain_now_ms(const struct domain *d);

/** Returns the tenant's price per SMS on its route (see domain_route_price_paise). */
int64_t domain_price_paise(const struct domain *d, const struct store_tenant *t);

/** Returns the tenant's price per SMS on route (enum store_route): its price_paise if set, else
 *  its price for that route if set, else the deployment's price for that route. */
int64_t domain_route_price_paise(const struct domain *d, const struct store_tenant *t, int route);

#endif
