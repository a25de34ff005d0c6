/*
 * Retention and the purge pass. A pass walks every tenant (suspended ones
 * too: their data ages like anyone's), and for each runs batches of
 * RETENTION_BATCH_ROWS until nothing older than its cutoff is left or the
 * pass's batch budget is spent. Each batch that deletes anything writes its
 * audit entry in its own transaction, so there is no deletion without a
 * record of it. Wiping dead codes' contexts is housekeeping across all
 * tenants and counts toward the pass's summary entry only.
 */
#include "domain/retention.h"

#include "base/clock.h"
#include "base/log.h"

#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RETENTION_DETAIL_MAX 512 /* the longest detail below with 19-digit counts fits */

enum og_err retention_days(const struct domain *d, struct store_conn *c, const char *tenant_id,
			   int *days)
{
	enum og_err rc = store_tenant_retention_get(c, tenant_id, days);

	if (rc == OG_ERR_NOT_FOUND) {
		*days = d->cfg.retention_days > 0 ? d->cfg.retention_days : RETENTION_DAYS_DEFAULT;
		return OG_OK;
	}
	return rc;
}

enum og_err retention_write(struct store_conn *c, const char *tenant_id, bool given, int days,
			    int64_t now_ms, struct og_detail *det)
{
	if (!given)
		return OG_OK;
	if (days < RETENTION_DAYS_MIN || days > RETENTION_DAYS_MAX)
		return og_fail(det, OG_ERR_INVALID_REQUEST, "retention_days",
			       "retention_days must be %d to %d", RETENTION_DAYS_MIN,
			       RETENTION_DAYS_MAX);
	return store_tenant_retention_put(c, tenant_id, days, now_ms);
}

/* One batch for one tenant, in one transaction: deletes dead requests and
 * scrubs messages older than before_ms, and records it. *done is set when
 * the batch found less than a full batch of either. */
static enum og_err retention_batch(const struct domain *d, struct store_conn *c,
				   const struct audit_actor *who, const char *tenant_id,
				   int64_t before_ms, int64_t now_ms, struct retention_stats *st,
				   bool *done)
{
	char detail[RETENTION_DETAIL_MAX];
	char cutoff[CLOCK_ISO_MAX];
	size_t deleted = 0, scrubbed = 0;
	enum og_err rc;

	rc = store_begin(c);
	if (rc != OG_OK)
		return rc;
	rc = store_otp_purge(c, tenant_id, before_ms, now_ms, RETENTION_BATCH_ROWS, &deleted);
	if (rc == OG_OK)
		rc = store_message_scrub(c, tenant_id, before_ms, RETENTION_BATCH_ROWS, &scrubbed);
	if (rc == OG_OK && (deleted > 0 || scrubbed > 0)) {
		clock_format_iso(before_ms, cutoff);
		snprintf(detail, sizeof detail,
			 "{\"otp_requests_deleted\":%zu,\"messages_scrubbed\":%zu,\"before\":\"%s\"}",
			 deleted, scrubbed, cutoff);
		rc = audit_write(d, c, who, "retention.purge_batch", tenant_id, tenant_id, detail);
	}
	if (rc == OG_OK)
		rc = store_commit(c);
	if (rc != OG_OK) {
		store_rollback(c);
		return rc;
	}
	/* Only a batch that changed something spends the pass's budget: an
	 * empty one is an index probe, and every tenant must get its probe. */
	if (deleted > 0 || scrubbed > 0)
		st->batches++;
	st->otp_deleted += (int64_t)deleted;
	st->messages_scrubbed += (int64_t)scrubbed;
	*done = deleted < RETENTION_BATCH_ROWS && scrubbed < RETENTION_BATCH_ROWS;
	return OG_OK;
}

/* Purges one tenant batch by batch. A batch that finds the store locked by
 * another writer is retried a bounded number of times: the server's own
 * traffic must win, and the purge can wait. */
static enum og_err retention_tenant(const struct domain *d, struct store_conn *c,
				    const struct audit_actor *who, const struct store_tenant *t,
				    int64_t now_ms, size_t max_batches, struct retention_stats *st)
{
	int days = 0;
	int64_t before_ms;
	bool done = false;
	enum og_err rc;

	rc = retention_days(d, c, t->id, &days);
	if (rc != OG_OK)
		return rc;
	before_ms = now_ms - (int64_t)days * RETENTION_DAY_MS;
	while (!done) {
		if (max_batches && (size_t)st->batches >= max_batches) {
			st->complete = false;
			return OG_OK;
		}
		rc = OG_ERR_BUSY;
		for (int tries = 0; tries <= DOMAIN_BUSY_RETRIES_MAX && rc == OG_ERR_BUSY; tries++)
			rc = retention_batch(d, c, who, t->id, before_ms, now_ms, st, &done);
		if (rc != OG_OK)
			return rc;
	}
	return OG_OK;
}

/* SEC-22: contexts of dead codes, across every tenant. */
static enum og_err retention_contexts(struct store_conn *c, int64_t now_ms, size_t max_batches,
				      struct retention_stats *st)
{
	size_t n = RETENTION_BATCH_ROWS;
	enum og_err rc = OG_OK;

	while (n == RETENTION_BATCH_ROWS) {
		if (max_batches && (size_t)st->batches >= max_batches) {
			st->complete = false;
			break;
		}
		rc = OG_ERR_BUSY;
		for (int tries = 0; tries <= DOMAIN_BUSY_RETRIES_MAX && rc == OG_ERR_BUSY; tries++)
			rc = store_otp_wipe_contexts(c, now_ms, RETENTION_BATCH_ROWS, &n);
		if (rc != OG_OK)
			break;
		if (n > 0)
			st->batches++;
		st->contexts_wiped += (int64_t)n;
	}
	return rc;
}

/* The pass's summary entry, platform-level. */
static enum og_err retention_summary(const struct domain *d, struct store_conn *c,
				     const struct audit_actor *who, int64_t now_ms,
				     const char *source, const struct retention_stats *st)
{
	char detail[RETENTION_DETAIL_MAX];
	char now_text[CLOCK_ISO_MAX];
	enum og_err rc;

	clock_format_iso(now_ms, now_text);
	snprintf(detail, sizeof detail,
		 "{\"source\":\"%s\",\"as_of\":\"%s\",\"tenants\":%lld,\"otp_requests_deleted\":%lld,"
		 "\"messages_scrubbed\":%lld,\"contexts_wiped\":%lld,\"complete\":%s}",
		 source, now_text, (long long)st->tenants, (long long)st->otp_deleted,
		 (long long)st->messages_scrubbed, (long long)st->contexts_wiped,
		 st->complete ? "true" : "false");
	rc = store_begin(c);
	if (rc != OG_OK)
		return rc;
	rc = audit_write(d, c, who, "retention.purge", "", "", detail);
	if (rc == OG_OK)
		rc = store_commit(c);
	if (rc != OG_OK)
		store_rollback(c);
	return rc;
}

enum og_err retention_purge(const struct domain *d, struct store_conn *c,
			    const struct audit_actor *who, int64_t now_ms, size_t max_batches,
			    const char *source, bool quiet, struct retention_stats *out)
{
	struct store_tenant *page;
	char after[STORE_TENANT_ID_MAX] = "";
	size_t n = RETENTION_TENANT_PAGE;
	enum og_err rc = OG_OK;

	assert(source && strlen(source) < 16);
	memset(out, 0, sizeof *out);
	out->complete = true;
	page = calloc(RETENTION_TENANT_PAGE, sizeof *page);
	if (!page)
		return OG_ERR_NOMEM;
	rc = retention_contexts(c, now_ms, max_batches, out);
	while (rc == OG_OK && out->complete && n == RETENTION_TENANT_PAGE) {
		rc = store_tenant_list(c, after[0] ? after : NULL, RETENTION_TENANT_PAGE, page,
					 &n);
		for (size_t i = 0; rc == OG_OK && i < n && out->complete; i++) {
			out->tenants++;
			rc = retention_tenant(d, c, who, &page[i], now_ms, max_batches, out);
		}
		if (n > 0)
			memcpy(after, page[n - 1].id, sizeof after);
	}
	free(page);
	if (rc != OG_OK) {
		log_error("retention.purge_failed", "{s:s, s:s}", "source", source, "reason",
			  og_err_strerror(rc));
		return rc;
	}
	if (!quiet || out->otp_deleted || out->messages_scrubbed || out->contexts_wiped)
		rc = retention_summary(d, c, who, now_ms, source, out);
	log_info("retention.purged", "{s:s, s:I, s:I, s:I, s:I, s:b}", "source", source,
		 "tenants", (json_int_t)out->tenants, "otp_requests_deleted",
		 (json_int_t)out->otp_deleted, "messages_scrubbed",
		 (json_int_t)out->messages_scrubbed, "contexts_wiped",
		 (json_int_t)out->contexts_wiped, "complete", out->complete);
	return rc;
}
