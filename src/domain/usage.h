/*
 * Usage and invoices, read from the per-day and per-month aggregates that
 * every capture updates in its own transaction, so neither scans the ledger.
 */
#ifndef OG_USAGE_H
#define OG_USAGE_H

#include "domain/domain.h"

/** Sums charged SMS per tenant over from_day..to_day ("YYYY-MM-DD", inclusive). */
enum og_err usage_range(const struct domain *d, struct store_conn *c, const char *tenant_id,
			const char *from_day, const char *to_day, store_usage_fn fn, void *arg);

/** Calls fn per (tenant, route) charged in a billing month ("YYYY-MM"), with the
 *  tenant's name, ordered by tenant then route; from the monthly aggregate. */
enum og_err usage_month_lines(const struct domain *d, struct store_conn *c, const char *month,
			      store_invoice_fn fn, void *arg);

/** As usage_range, per tenant and DLT route (own, shared), ordered by tenant then route. */
enum og_err usage_route_range(const struct domain *d, struct store_conn *c, const char *tenant_id,
			      const char *from_day, const char *to_day, store_usage_route_fn fn,
			      void *arg);

#endif
