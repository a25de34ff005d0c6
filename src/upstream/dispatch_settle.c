/*
 * The dispatcher's settlement half. Each finished attempt (a classified
 * transfer, a synchronous provider's verdict, or a message that could not
 * even be sent) is queued with its slot; after each round of claims or of
 * reaped transfers the whole queue is settled in one transaction
 * (outbox_settle_many), which captures, releases or reschedules each
 * message's hold, or one by one if that fails, so one bad outcome never
 * holds the others back. Then each attempt is counted and logged, and its
 * slot is wiped and freed. All of it runs on the dispatcher thread.
 */
#include "upstream/dispatch_int.h"

#include "base/log.h"
#include "base/metrics.h"

#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define DISPATCH_SETTLE_TRIES_MAX 3    /* settles attempted while the store is busy */
#define DISPATCH_SETTLE_PAUSE_MS 10    /* times the try number, between busy settles */
#define DISPATCH_SETTLE_LABEL_MAX (16 + STORE_PROVIDER_MAX) /* provider="..." or outcome="..." */

static const char *dispatch_settle_verdict_name(int verdict)
{
	static const char *const names[] = {
		[OUTBOX_SENT] = "sent",
		[OUTBOX_RETRY] = "retry",
		[OUTBOX_REJECTED] = "rejected",
	};
	assert(verdict >= 0 && (size_t)verdict < sizeof names / sizeof names[0]);
	return names[verdict];
}

/* The outcome to record for a slot's result. */
static void dispatch_settle_outcome(const struct dispatch_slot *slot, struct outbox_outcome *oc)
{
	static const int verdicts[] = {
		[UPSTREAM_ACCEPTED] = OUTBOX_SENT,
		[UPSTREAM_TRANSIENT] = OUTBOX_RETRY,
		[UPSTREAM_PERMANENT] = OUTBOX_REJECTED,
	};
	const struct upstream_result *res = &slot->result;
	const char *provider = slot->provider ? slot->provider->name : slot->route.provider;

	assert(res->verdict >= 0 && (size_t)res->verdict < sizeof verdicts / sizeof verdicts[0]);
	memset(oc, 0, sizeof *oc);
	oc->verdict = verdicts[res->verdict];
	upstream_text_copy(oc->provider, sizeof oc->provider, provider, strlen(provider));
	memcpy(oc->provider_message_id, res->provider_message_id, sizeof oc->provider_message_id);
	memcpy(oc->error, res->error, sizeof oc->error);
}

/* Settles one outcome on its own, retrying while the store is busy. */
static enum og_err dispatch_settle_one(struct dispatch *dp, struct store_conn *c,
				       struct dispatch_slot *slot, const struct outbox_outcome *oc)
{
	enum og_err rc = OG_OK;

	for (int tries = 1; tries <= DISPATCH_SETTLE_TRIES_MAX; tries++) {
		rc = outbox_settle(dp->domain, c, &slot->msg, oc);
		if (rc != OG_ERR_BUSY)
			break;
		if (tries < DISPATCH_SETTLE_TRIES_MAX)
			dispatch_pause_ms((int64_t)DISPATCH_SETTLE_PAUSE_MS * tries);
	}
	return rc;
}

/* Counts and logs one settled attempt (rc: how its settling went). */
static void dispatch_settle_report(const struct dispatch_slot *slot,
				   const struct outbox_outcome *oc, enum og_err rc)
{
	const struct upstream_result *res = &slot->result;
	char label[DISPATCH_SETTLE_LABEL_MAX];

	snprintf(label, sizeof label, "outcome=\"%s\"", dispatch_settle_verdict_name(oc->verdict));
	metrics_count("otpgate_upstream_attempts_total", label, 1);
	if (slot->from_upstream && oc->verdict != OUTBOX_SENT) {
		snprintf(label, sizeof label, "provider=\"%s\"", oc->provider);
		metrics_count("otpgate_upstream_errors_total", label, 1);
	}
	/* outbox_settle logs each settled message; this line adds the HTTP
	 * detail of the attempt. The upstream's own words may echo the number
	 * or the text, so only errors of our making (no reply) go in verbatim. */
	log_event(oc->verdict == OUTBOX_SENT ? LOG_DEBUG : LOG_WARN, "sms.attempt",
		  "{s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:s}", "tenant_id", slot->msg.tenant_id,
		  "message_id", slot->msg.id, "to", slot->msg.phone_masked, "provider", oc->provider,
		  "outcome", dispatch_settle_verdict_name(oc->verdict), "attempt", slot->msg.attempts,
		  "http_status", (json_int_t)res->http_status, "error",
		  res->http_status == 0 ? oc->error : "");
	if (rc != OG_OK) {
		/* The message stays SENDING and is retaken when its lease ends. */
		log_error("sms.settle_failed", "{s:s, s:s, s:s, s:s}", "tenant_id",
			  slot->msg.tenant_id, "message_id", slot->msg.id, "outcome",
			  dispatch_settle_verdict_name(oc->verdict), "reason", og_err_strerror(rc));
	}
}

void dispatch_settle_queue(struct dispatch *dp, struct dispatch_slot *slot,
			   const struct upstream_result *res, bool from_upstream)
{
	assert(dp->done_count < DISPATCH_INFLIGHT_MAX);
	slot->result = *res;
	slot->from_upstream = from_upstream;
	slot->busy = true;
	dp->done[dp->done_count++] = slot;
}

void dispatch_settle_flush(struct dispatch *dp, struct store_conn *c)
{
	size_t n = dp->done_count;
	enum og_err rc = OG_OK;

	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		dp->settle[i].claimed = &dp->done[i]->msg;
		dispatch_settle_outcome(dp->done[i], &dp->settle[i].outcome);
	}
	for (int tries = 1; tries <= DISPATCH_SETTLE_TRIES_MAX; tries++) {
		rc = outbox_settle_many(dp->domain, c, dp->settle, n);
		if (rc != OG_ERR_BUSY)
			break;
		if (tries < DISPATCH_SETTLE_TRIES_MAX)
			dispatch_pause_ms((int64_t)DISPATCH_SETTLE_PAUSE_MS * tries);
	}
	for (size_t i = 0; i < n; i++) {
		struct dispatch_slot *slot = dp->done[i];
		enum og_err one = rc == OG_OK ? OG_OK
					      : dispatch_settle_one(dp, c, slot, &dp->settle[i].outcome);
		dispatch_settle_report(slot, &dp->settle[i].outcome, one);
		dispatch_slot_clear(slot);
	}
	explicit_bzero(dp->settle, n * sizeof dp->settle[0]);
	dp->done_count = 0;
}
