/*
 * Retention of personal data (docs/SECURITY.md SEC-22..SEC-26). Each tenant
 * keeps its OTP requests and the personal parts of its messages for a number
 * of days (its own, else the deployment's, 365 by default), and a purge pass
 * deletes what is older: OTP requests whose code is dead, and each final
 * message's masked number, error text and payload. The ledger, usage and
 * audit trail are never touched, so invoices and balances stay exact. A pass
 * also wipes the sealed context (which holds the number) of every request
 * whose code has expired, however young. Work goes in bounded batches, one
 * short write transaction each, so a large backlog never holds the write
 * lock for long.
 */
#ifndef OG_RETENTION_H
#define OG_RETENTION_H

#include "domain/audit.h"
#include "domain/domain.h"

#define RETENTION_DAYS_DEFAULT 365
#define RETENTION_DAYS_MIN 1
#define RETENTION_DAYS_MAX 3650
#define RETENTION_BATCH_ROWS 500       /* rows one purge transaction touches */
#define RETENTION_TENANT_PAGE 100      /* tenants read at a time */
#define RETENTION_DAY_MS (24LL * 3600 * 1000)

/* What one purge pass did. */
struct retention_stats {
	int64_t tenants;            /* tenants looked at */
	int64_t otp_deleted;        /* OTP requests deleted */
	int64_t messages_scrubbed;  /* messages whose personal fields were cleared */
	int64_t contexts_wiped;     /* sealed contexts of dead codes emptied */
	int64_t batches;            /* write transactions that changed rows */
	bool complete;              /* false if max_batches cut the pass short */
};

/** Reads the tenant's retention in days: its own, else d->cfg.retention_days. */
enum og_err retention_days(const struct domain *d, struct store_conn *c, const char *tenant_id,
			   int *days);

/** In the tenant change's open transaction: sets the tenant's own retention when given
 *  (RETENTION_DAYS_MIN..MAX, else OG_ERR_INVALID_REQUEST naming retention_days). */
enum og_err retention_write(struct store_conn *c, const char *tenant_id, bool given, int days,
			    int64_t now_ms, struct og_detail *det);

/** Runs one pass as of now_ms, at most max_batches transactions that change rows (0: until
 *  done; a pass cut short is taken up by the next, to which finished tenants cost one
 *  index probe each, so no tenant is starved by the bound); every
 *  batch that deletes is audited in its transaction, and the pass as retention.purge
 *  naming source ("cli" or "serve") unless quiet and it changed nothing. */
enum og_err retention_purge(const struct domain *d, struct store_conn *c,
			    const struct audit_actor *who, int64_t now_ms, size_t max_batches,
			    const char *source, bool quiet, struct retention_stats *out);

#endif
