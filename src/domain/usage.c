/*
 * Usage over date ranges and billing months.
 */
#include "domain/usage.h"

#include <string.h>

enum og_err usage_range(const struct domain *d, struct store_conn *c, const char *tenant_id,
			const char *from_day, const char *to_day, store_usage_fn fn, void *arg)
{
	int y, m, day;

	(void)d;
	if (!clock_parse_date(from_day, &y, &m, &day) || !clock_parse_date(to_day, &y, &m, &day) ||
	    strcmp(from_day, to_day) > 0)
		return OG_ERR_INVALID_REQUEST;
	return store_usage_range(c, tenant_id, from_day, to_day, fn, arg);
}

enum og_err usage_route_range(const struct domain *d, struct store_conn *c, const char *tenant_id,
			      const char *from_day, const char *to_day, store_usage_route_fn fn,
			      void *arg)
{
	(void)d;
	/* Day keys compare as text, so a month's range may end on "-31"
	 * whatever its length; only the shape and order are checked. */
	if (strlen(from_day) != CLOCK_DATE_MAX - 1 || strlen(to_day) != CLOCK_DATE_MAX - 1 ||
	    strcmp(from_day, to_day) > 0)
		return OG_ERR_INVALID_REQUEST;
	return store_usage_route_range(c, tenant_id, from_day, to_day, fn, arg);
}

enum og_err usage_month_lines(const struct domain *d, struct store_conn *c, const char *month,
			      store_invoice_fn fn, void *arg)
{
	int y, m;

	(void)d;
	if (strlen(month) != CLOCK_MONTH_MAX - 1 || !clock_parse_month(month, &y, &m))
		return OG_ERR_INVALID_REQUEST;
	return store_usage_month_lines(c, month, fn, arg);
}
