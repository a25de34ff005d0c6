/*
 * Operations endpoints, public so that probes and scrapers need no key:
 * /healthz answers 200 only when the database does, and /metrics renders
 * every series in Prometheus text, first refreshing the outbox gauges from
 * the store (the readings of it that need no domain rule). Neither
 * reveals anything about a tenant.
 */
#include "api/api_int.h"

#include "base/metrics.h"
#include "domain/pumping.h"

#include <string.h>

#define API_METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum og_err api_ops_healthz(struct api_call *call)
{
	struct store_conn *c = NULL;

	if (store_thread_conn(call->env->store, &c) != OG_OK || store_ping(c) != OG_OK)
		return api_fail(call, OG_ERR_UNAVAILABLE, NULL, "the database does not answer");
	return api_reply_json(call, 200, json_pack("{s:s}", "status", "ok"));
}

enum og_err api_ops_metrics(struct api_call *call)
{
	struct store_conn *c = NULL;
	int64_t depth = 0, due_ms = 0, now_ms = domain_now_ms(call->d);
	char *text;

	/* A database that does not answer leaves the gauges at their last
	 * values: the rest of the page is still worth serving. */
	if (store_thread_conn(call->env->store, &c) == OG_OK && store_outbox_depth(c, &depth) == OG_OK)
		metrics_gauge("otpgate_outbox_depth", "", depth);
	/* How far the dispatcher is behind: a queue that is short but old
	 * means sends are stuck, which depth alone does not show. */
	if (c && store_outbox_oldest_due(c, &due_ms) == OG_OK)
		metrics_gauge("otpgate_outbox_oldest_wait_seconds", "",
			      due_ms > 0 && due_ms < now_ms ? (now_ms - due_ms) / 1000 : 0);
	if (c)
		pumping_refresh_metrics(call->d, c); /* otpgate_prefix_blocks */
	text = metrics_render();
	if (!text)
		return OG_ERR_NOMEM;
	return api_reply_text(call, 200, API_METRICS_TYPE, text, strlen(text));
}
