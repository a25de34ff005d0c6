/*
 * Deployment defaults shared by the domain modules.
 */
#include "domain/domain.h"

#include <assert.h>
#include <string.h>

void domain_init(struct domain *d, const struct secret *secret)
{
	memset(d, 0, sizeof *d);
	d->cfg.price_paise = 25;
	d->cfg.billing_offset_sec = 5 * 3600 + 30 * 60;
	d->cfg.resend_cooldown_sec = 30;
	memcpy(d->cfg.provider, "log", sizeof "log");
	policy_defaults(&d->cfg.guard);
	d->cfg.retention_days = 365; /* SEC-24: DPDP logs and personal data, one year */
	d->cfg.price_own_paise = 18; /* StartMessaging's published own-route price (DOMAIN §2) */
	d->cfg.dlt_var_max_len = 30; /* DLT-45 */
	d->secret = secret;
	d->now_ms = clock_now_ms;
}

int64_t domain_now_ms(const struct domain *d)
{
	assert(d->now_ms);
	return d->now_ms();
}

int64_t domain_price_paise(const struct domain *d, const struct store_tenant *t)
{
	return domain_route_price_paise(d, t, t->route);
}

int64_t domain_route_price_paise(const struct domain *d, const struct store_tenant *t, int route)
{
	if (t->price_paise > 0)
		return t->price_paise;
	if (route == STORE_ROUTE_SHARED)
		return t->price_shared_paise > 0 ? t->price_shared_paise : d->cfg.price_paise;
	return t->price_own_paise > 0 ? t->price_own_paise : d->cfg.price_own_paise;
}
