/*
 * The dispatcher: one thread that claims due messages from the outbox, sends
 * them through their tenant's provider with libcurl's multi interface (so a
 * slow upstream never blocks an HTTP worker, and many sends are in flight at
 * once), and settles each outcome through the domain's outbox.
 */
#ifndef OG_DISPATCH_H
#define OG_DISPATCH_H

#include "domain/domain.h"

#define DISPATCH_INFLIGHT_MAX 256       /* concurrent upstream requests */
#define DISPATCH_TIMEOUT_MS 10000       /* per upstream request */
#define DISPATCH_POLL_MS 250            /* idle re-check of the outbox */

struct dispatch_config {
	const char *provider;     /* the deployment's provider: "log" or "startmessaging" */
	const char *provider_url; /* the deployment's upstream base URL, or NULL */
	const char *provider_key; /* the deployment's upstream credential, or NULL */
	const char *sms_log_path; /* where the log provider writes; NULL for stdout */
	size_t inflight_max;      /* 0 for DISPATCH_INFLIGHT_MAX */
	int64_t timeout_ms;       /* 0 for DISPATCH_TIMEOUT_MS */
};

struct dispatch;

/** Starts the dispatcher thread; it opens its own store connection. */
enum og_err dispatch_start(struct store *s, const struct domain *d,
			   const struct dispatch_config *cfg, struct dispatch **out);

/** Wakes the dispatcher to claim new work now; safe from any thread (domain on_queued hook). */
void dispatch_wake(void *dispatch);

/** Stops claiming, waits up to drain_ms for in-flight sends to settle, and frees it. */
void dispatch_stop(struct dispatch *dp, int64_t drain_ms);

/** True if the provider name is known. */
int dispatch_provider_known(const char *name);

#endif
