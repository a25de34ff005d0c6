/*
 * SMS pumping detection (OWASP API4:2023; docs/SECURITY.md ABUSE-07). For
 * each tenant and number prefix, conversion is verified sends over all
 * sends in a sliding window, judged only on sends older than a grace period
 * so that codes still being typed do not count as failures. When a prefix
 * with at least min_sends judged sends converts below min_conversion_pct,
 * it is blocked for the tenant: an alert is written, shown in /metrics and
 * in GET /v1/tenants/{id}/alerts, and every later send to the prefix gets
 * 429 prefix_blocked until an admin lifts the alert. Sends before a lift
 * are not judged again.
 */
#ifndef OG_PUMPING_H
#define OG_PUMPING_H

#include "domain/audit.h"
#include "domain/domain.h"

/** Refuses a blocked prefix, and blocks one the detector condemns now:
 *  OG_OK or 429 prefix_blocked (det names the alert). */
enum og_err pumping_gate(const struct domain *d, struct store_conn *c, const char *tenant_id,
			 const struct policy *p, const char *prefix,
			 const unsigned char prefix_hash[SECRET_HASH_LEN], struct og_detail *det);

/** In an open transaction: 429 prefix_blocked if the prefix has an active alert. */
enum og_err pumping_blocked(const struct domain *d, struct store_conn *c, const char *tenant_id,
			    const char *prefix, struct og_detail *det);

/** Lists the tenant's alerts newest first before before_id (NULL: the newest). */
enum og_err pumping_alert_list(const struct domain *d, struct store_conn *c,
			       const char *tenant_id, const char *before_id, size_t limit,
			       struct store_alert *out, size_t *n);

/** Lifts an active alert, with its audit entry; 404 if none, 409 if already lifted. */
enum og_err pumping_alert_lift(const struct domain *d, struct store_conn *c,
			       const struct audit_actor *who, const char *tenant_id,
			       const char *alert_id, struct store_alert *out,
			       struct og_detail *det);

/** Refreshes the otpgate_prefix_blocks gauge from the store. */
void pumping_refresh_metrics(const struct domain *d, struct store_conn *c);

#endif
