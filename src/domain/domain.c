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
	return t->price_paise > 0 ? t->price_paise : d->cfg.price_paise;
}
