/*
 * The dispatcher thread. It claims due messages from the outbox, opens each
 * one's sealed payload, resolves its tenant's route, and hands it to the
 * route's provider: a synchronous provider (log) is settled at once, an HTTP
 * provider gets a pooled libcurl easy handle added to one multi handle, so up
 * to inflight_max sends run at once over kept-alive connections and a slow
 * upstream never blocks anything but its own slot. Each finished attempt is
 * classified and queued for settlement (dispatch_settle.c), which after each
 * round of claims or of finished transfers captures, releases or
 * reschedules the holds of the whole queue in one transaction.
 *
 * Crash safety rests on the outbox lease, not on this thread: a claimed
 * message is SENDING until settled, and one whose settle never happens (a
 * crash, kill -9, or a stop that ran out of drain time) is claimed again once
 * its lease of OUTBOX_LEASE_MS runs out. The ledger allows one capture per
 * message, so such a retake can at worst send an SMS twice, never charge it
 * twice.
 */
#include "upstream/dispatch_int.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"

#include <assert.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_once_t dispatch_curl_once = PTHREAD_ONCE_INIT;
static CURLcode dispatch_curl_rc = CURLE_FAILED_INIT;

/* Once per process: libcurl's global state, and the metrics this module owns. */
static void dispatch_curl_init(void)
{
	dispatch_curl_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	metrics_describe("otpgate_upstream_attempts_total", "counter",
			 "Upstream send attempts by outcome: sent, retry or rejected.");
	metrics_describe("otpgate_upstream_errors_total", "counter",
			 "Failed upstream send attempts by provider.");
}

int dispatch_provider_known(const char *name)
{
	return upstream_find(name) != NULL;
}

void dispatch_pause_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* The payload and body carry the code, so they are wiped rather than left
 * for the next send to overwrite. */
void dispatch_slot_clear(struct dispatch_slot *slot)
{
	curl_slist_free_all(slot->xf.headers);
	slot->xf.headers = NULL;
	explicit_bzero(slot->xf.body, sizeof slot->xf.body);
	slot->xf.body_len = 0;
	explicit_bzero(&slot->payload, sizeof slot->payload);
	explicit_bzero(&slot->route, sizeof slot->route);
	memset(&slot->rq, 0, sizeof slot->rq);
	slot->provider = NULL;
	slot->instance = NULL;
	slot->response_len = 0;
	slot->response_cut = false;
	slot->curl_error[0] = '\0';
	slot->busy = false;
}

/* Queues the outcome of a message that never reached a provider. */
static void dispatch_give_up(struct dispatch *dp, struct dispatch_slot *slot,
			     const struct upstream_result *res)
{
	dispatch_settle_queue(dp, slot, res, false);
}

static size_t dispatch_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct dispatch_slot *slot = arg;
	size_t len = size * nmemb;
	size_t room = sizeof slot->response - slot->response_len;

	if (len > room) {
		/* Keep what fits and stop the transfer; the classifier decides
		 * from the part that was read and says the reply was cut. */
		memcpy(slot->response + slot->response_len, data, room);
		slot->response_len += room;
		slot->response_cut = true;
		return 0;
	}
	memcpy(slot->response + slot->response_len, data, len);
	slot->response_len += len;
	return len;
}

/* Applies the deployment's settings where the tenant's route leaves a gap. */
static void dispatch_route_fallbacks(const struct dispatch *dp, struct outbox_route *r)
{
	if (!r->provider[0])
		memcpy(r->provider, dp->provider, sizeof r->provider);
	if (!r->url[0]) {
		memcpy(r->url, dp->provider_url, sizeof r->url);
		if (!r->api_key[0])
			memcpy(r->api_key, dp->provider_key, sizeof r->api_key);
	}
	/* A tenant with its own URL but no key gets no key at all: the
	 * platform's credential must never be sent to a tenant's endpoint. */
}

static void dispatch_request_fill(struct dispatch_slot *slot)
{
	struct upstream_request *rq = &slot->rq;

	rq->tenant_id = slot->msg.tenant_id;
	rq->message_id = slot->msg.id;
	rq->to = slot->payload.to;
	rq->sender_header = slot->msg.sender_header;
	rq->pe_id = slot->msg.pe_id;
	rq->dlt_template_id = slot->msg.dlt_template_id;
	rq->text = slot->payload.text;
	rq->var_count = slot->payload.var_count;
	for (size_t i = 0; i < rq->var_count; i++) {
		rq->var_names[i] = slot->payload.var_names[i];
		rq->var_values[i] = slot->payload.var_values[i];
	}
	rq->url = slot->route.url;
	rq->api_key = slot->route.api_key;
}

/* Sets the options every HTTP transfer shares; the provider adds the rest. */
static void dispatch_easy_setup(const struct dispatch *dp, struct dispatch_slot *slot)
{
	CURL *easy = slot->easy;

	/* A reset keeps the handle's live connection and DNS cache. */
	curl_easy_reset(easy);
	slot->curl_error[0] = '\0';
	curl_easy_setopt(easy, CURLOPT_PRIVATE, (void *)slot);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)dp->timeout_ms);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, dispatch_write);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, (void *)slot);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, slot->curl_error);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	/* Tenants supply URLs, so nothing but HTTP(S) may be reached. */
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
}

/* Starts one claimed message: settled at once unless an HTTP transfer began. */
static void dispatch_begin(struct dispatch *dp, struct store_conn *c,
			   const struct store_message *m)
{
	struct dispatch_slot *slot = NULL;
	struct upstream_result res;
	enum og_err rc;

	for (size_t i = 0; i < dp->inflight_max; i++) {
		if (!dp->slots[i].busy) {
			slot = &dp->slots[i];
			break;
		}
	}
	/* The claim never asks for more messages than there are free slots. */
	assert(slot);
	memset(&res, 0, sizeof res);
	slot->msg = *m;
	rc = outbox_open(dp->domain, &slot->msg, &slot->payload);
	if (rc != OG_OK) {
		upstream_fail(&res, UPSTREAM_PERMANENT, "message payload cannot be opened: %s",
			      og_err_strerror(rc));
		dispatch_give_up(dp, slot, &res);
		return;
	}
	rc = outbox_route(dp->domain, c, slot->msg.tenant_id, &slot->route);
	if (rc != OG_OK) {
		/* A locked or failing store may recover; anything else will not. */
		bool transient = rc == OG_ERR_BUSY || rc == OG_ERR_STORE;

		upstream_fail(&res, transient ? UPSTREAM_TRANSIENT : UPSTREAM_PERMANENT,
			      "tenant route cannot be resolved: %s", og_err_strerror(rc));
		dispatch_give_up(dp, slot, &res);
		return;
	}
	dispatch_route_fallbacks(dp, &slot->route);
	if (!upstream_set_find(&dp->providers, slot->route.provider, &slot->provider,
			       &slot->instance)) {
		upstream_fail(&res, UPSTREAM_PERMANENT, "unknown provider \"%s\"",
			      slot->route.provider);
		dispatch_give_up(dp, slot, &res);
		return;
	}
	dispatch_request_fill(slot);
	if (slot->provider->deliver) {
		slot->provider->deliver(slot->instance, &slot->rq, &res);
		dispatch_settle_queue(dp, slot, &res, true);
		return;
	}
	if (!slot->easy)
		slot->easy = curl_easy_init();
	if (!slot->easy) {
		upstream_fail(&res, UPSTREAM_TRANSIENT, "out of memory for a transfer");
		dispatch_give_up(dp, slot, &res);
		return;
	}
	dispatch_easy_setup(dp, slot);
	if (!slot->provider->prepare(slot->instance, &slot->rq, slot->easy, &slot->xf, &res)) {
		dispatch_settle_queue(dp, slot, &res, true);
		return;
	}
	if (curl_multi_add_handle(dp->multi, slot->easy) != CURLM_OK) {
		upstream_fail(&res, UPSTREAM_TRANSIENT, "transfer could not be started");
		dispatch_give_up(dp, slot, &res);
		return;
	}
	slot->busy = true;
	dp->inflight++;
}

/* Claims as many due messages as there are free slots (up to a batch) and
 * starts them; returns true when the batch came back full, so more work is
 * likely waiting. */
static bool dispatch_claim(struct dispatch *dp, struct store_conn *c)
{
	size_t want = dp->inflight_max - dp->inflight;
	size_t n = 0;
	enum og_err rc;

	if (want > OUTBOX_CLAIM_MAX)
		want = OUTBOX_CLAIM_MAX;
	if (want == 0)
		return true;
	rc = outbox_claim(dp->domain, c, want, dp->claimed, &n);
	if (rc != OG_OK) {
		/* A busy store is normal under load; the next round retries. */
		if (rc != OG_ERR_BUSY)
			log_error("outbox.claim_failed", "{s:s}", "reason", og_err_strerror(rc));
		return false;
	}
	assert(n <= want);
	for (size_t i = 0; i < n; i++)
		dispatch_begin(dp, c, &dp->claimed[i]);
	dispatch_settle_flush(dp, c); /* what was settled at once: synchronous providers, failures */
	/* The claimed copies hold sealed payloads only, but need not linger. */
	explicit_bzero(dp->claimed, n * sizeof dp->claimed[0]);
	return n == want;
}

/* Classifies and settles every transfer that has finished. */
static void dispatch_reap(struct dispatch *dp, struct store_conn *c)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(dp->multi, &left)) != NULL) {
		struct dispatch_slot *slot = NULL;
		char *priv = NULL;
		struct upstream_response rsp;
		struct upstream_result res;
		CURL *easy = msg->easy_handle;
		CURLcode cc = msg->data.result;
		long status = 0;

		if (msg->msg != CURLMSG_DONE)
			continue;
		/* msg belongs to libcurl and is gone after the removal below. */
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		slot = (struct dispatch_slot *)priv;
		assert(slot && slot->busy && slot->easy == easy);
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		curl_multi_remove_handle(dp->multi, easy);
		dp->inflight--;
		/* A reply cut off by dispatch_write ended the transfer on purpose. */
		if (slot->response_cut && cc == CURLE_WRITE_ERROR)
			cc = CURLE_OK;
		rsp = (struct upstream_response){
			.curl_code = cc,
			.curl_error = slot->curl_error,
			.http_status = status,
			.body = slot->response,
			.body_len = slot->response_len,
			.body_cut = slot->response_cut,
		};
		memset(&res, 0, sizeof res);
		slot->provider->classify(slot->instance, &rsp, &res);
		dispatch_settle_queue(dp, slot, &res, true);
	}
	dispatch_settle_flush(dp, c);
}

/* Gives up on every transfer still running. Their messages stay SENDING
 * with a lease; the next dispatcher to start claims them again once the lease
 * runs out, which is what makes a bounded stop (or a crash) lose nothing. */
static void dispatch_abandon(struct dispatch *dp)
{
	for (size_t i = 0; i < dp->inflight_max; i++) {
		struct dispatch_slot *slot = &dp->slots[i];

		if (!slot->busy)
			continue;
		curl_multi_remove_handle(dp->multi, slot->easy);
		log_warn("sms.abandoned", "{s:s, s:s}", "tenant_id", slot->msg.tenant_id,
			 "message_id", slot->msg.id);
		dispatch_slot_clear(slot);
		dp->inflight--;
	}
	assert(dp->inflight == 0);
}

static void dispatch_report_ready(struct dispatch *dp, enum og_err rc)
{
	pthread_mutex_lock(&dp->ready_lock);
	dp->ready = true;
	dp->ready_rc = rc;
	pthread_cond_signal(&dp->ready_cond);
	pthread_mutex_unlock(&dp->ready_lock);
}

/* Whether to claim now: never without a free slot; always once a poll
 * interval has passed, for retries coming due; otherwise when a wake or a
 * full last batch says work is waiting, and enough slots are free to make a
 * claim (a write transaction) worth its cost. */
static bool dispatch_claim_due(const struct dispatch *dp, bool more, int64_t since_claim_ms)
{
	size_t free_slots = dp->inflight_max - dp->inflight;
	size_t batch_min = (dp->inflight_max < OUTBOX_CLAIM_MAX ? dp->inflight_max
								: OUTBOX_CLAIM_MAX) / 4;

	if (free_slots == 0)
		return false;
	if (since_claim_ms >= DISPATCH_POLL_MS)
		return true;
	if (!more && !atomic_load(&dp->wake_pending))
		return false;
	return free_slots >= batch_min || dp->inflight == 0;
}

static void *dispatch_main(void *arg)
{
	struct dispatch *dp = arg;
	struct store_conn *c = NULL;
	int64_t last_claim_mono_ms = clock_mono_ms() - DISPATCH_POLL_MS; /* claim at once */
	bool more = false; /* the last claim came back full */
	enum og_err rc;

	rc = store_thread_conn(dp->store, &c);
	dispatch_report_ready(dp, rc);
	if (rc != OG_OK)
		goto out;
	for (;;) {
		int64_t now = clock_mono_ms();
		int64_t wait_ms;
		int running = 0;

		if (!atomic_load(&dp->stopping) &&
		    dispatch_claim_due(dp, more, now - last_claim_mono_ms)) {
			/* Cleared before the claim, so a wake during it is kept. */
			atomic_store(&dp->wake_pending, false);
			more = dispatch_claim(dp, c);
			last_claim_mono_ms = now;
		}
		curl_multi_perform(dp->multi, &running);
		dispatch_reap(dp, c);
		now = clock_mono_ms();
		if (atomic_load(&dp->stopping)) {
			int64_t until = atomic_load(&dp->drain_until_mono_ms);

			if (dp->inflight == 0)
				break;
			if (now >= until) {
				dispatch_abandon(dp);
				break;
			}
			wait_ms = until - now < DISPATCH_POLL_MS ? until - now : DISPATCH_POLL_MS;
		} else if (dispatch_claim_due(dp, more, now - last_claim_mono_ms)) {
			wait_ms = 0;
		} else {
			/* Until the next periodic claim; sockets and wakes end it early. */
			wait_ms = DISPATCH_POLL_MS - (now - last_claim_mono_ms);
			if (wait_ms < 0 || wait_ms > DISPATCH_POLL_MS)
				wait_ms = DISPATCH_POLL_MS;
		}
		/* A failing poll must not turn this loop into a busy spin. */
		if (curl_multi_poll(dp->multi, NULL, 0, (int)wait_ms, NULL) != CURLM_OK)
			dispatch_pause_ms(wait_ms > 0 ? wait_ms : DISPATCH_POLL_MS);
	}
out:
	/* The connection is per thread and must be closed by this thread. */
	store_thread_conn_release();
	return NULL;
}

/* Copies a config string into dst; false if it does not fit. */
static bool dispatch_copy(char *dst, size_t max, const char *src)
{
	size_t len = src ? strlen(src) : 0;

	if (len >= max)
		return false;
	memcpy(dst, src ? src : "", len + 1);
	return true;
}

static void dispatch_free(struct dispatch *dp)
{
	if (!dp)
		return;
	if (dp->slots) {
		for (size_t i = 0; i < dp->inflight_max; i++) {
			assert(!dp->slots[i].busy);
			if (dp->slots[i].easy)
				curl_easy_cleanup(dp->slots[i].easy);
		}
	}
	if (dp->multi)
		curl_multi_cleanup(dp->multi);
	upstream_set_close(&dp->providers);
	free(dp->slots);
	pthread_cond_destroy(&dp->ready_cond);
	pthread_mutex_destroy(&dp->ready_lock);
	explicit_bzero(dp->provider_key, sizeof dp->provider_key);
	free(dp);
}

enum og_err dispatch_start(struct store *s, const struct domain *d,
			   const struct dispatch_config *cfg, struct dispatch **out)
{
	struct upstream_options uo = {0};
	struct dispatch *dp = NULL;
	bool thread_started = false;
	enum og_err rc = OG_OK;

	assert(s && d && cfg && out);
	pthread_once(&dispatch_curl_once, dispatch_curl_init);
	if (dispatch_curl_rc != CURLE_OK)
		return OG_ERR_INTERNAL;
	dp = calloc(1, sizeof *dp);
	if (!dp)
		return OG_ERR_NOMEM;
	pthread_mutex_init(&dp->ready_lock, NULL);
	pthread_cond_init(&dp->ready_cond, NULL);
	dp->store = s;
	dp->domain = d;
	dp->inflight_max = cfg->inflight_max ? cfg->inflight_max : DISPATCH_INFLIGHT_MAX;
	dp->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : DISPATCH_TIMEOUT_MS;
	if (!dispatch_copy(dp->provider, sizeof dp->provider, cfg->provider ? cfg->provider : "log") ||
	    !dispatch_copy(dp->provider_url, sizeof dp->provider_url, cfg->provider_url) ||
	    !dispatch_copy(dp->provider_key, sizeof dp->provider_key, cfg->provider_key) ||
	    !dispatch_copy(dp->sms_log_path, sizeof dp->sms_log_path, cfg->sms_log_path) ||
	    dp->inflight_max > DISPATCH_INFLIGHT_MAX || !dispatch_provider_known(dp->provider)) {
		rc = OG_ERR_INVALID_REQUEST;
		goto out;
	}
	uo.sms_log_path = dp->sms_log_path[0] ? dp->sms_log_path : NULL;
	rc = upstream_set_open(&uo, &dp->providers);
	if (rc != OG_OK)
		goto out;
	dp->slots = calloc(dp->inflight_max, sizeof dp->slots[0]);
	dp->multi = curl_multi_init();
	if (!dp->slots || !dp->multi) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	/* Keep one idle connection per slot, so a burst finds them warm. */
	curl_multi_setopt(dp->multi, CURLMOPT_MAXCONNECTS, (long)dp->inflight_max);
	if (pthread_create(&dp->thread, NULL, dispatch_main, dp) != 0) {
		rc = OG_ERR_INTERNAL;
		goto out;
	}
	thread_started = true;
	pthread_mutex_lock(&dp->ready_lock);
	while (!dp->ready)
		pthread_cond_wait(&dp->ready_cond, &dp->ready_lock);
	rc = dp->ready_rc;
	pthread_mutex_unlock(&dp->ready_lock);
	if (rc != OG_OK)
		goto out;
	log_info("dispatch.started", "{s:s, s:I, s:I, s:b}", "provider", dp->provider,
		 "inflight_max", (json_int_t)dp->inflight_max, "timeout_ms", (json_int_t)dp->timeout_ms,
		 "provider_url_set", dp->provider_url[0] != '\0');
	*out = dp;
	dp = NULL;
out:
	if (dp) {
		if (thread_started)
			pthread_join(dp->thread, NULL);
		dispatch_free(dp);
	}
	return rc;
}

void dispatch_wake(void *dispatch)
{
	struct dispatch *dp = dispatch;

	if (!dp)
		return;
	atomic_store(&dp->wake_pending, true);
	curl_multi_wakeup(dp->multi);
}

void dispatch_stop(struct dispatch *dp, int64_t drain_ms)
{
	if (!dp)
		return;
	atomic_store(&dp->drain_until_mono_ms, clock_mono_ms() + (drain_ms > 0 ? drain_ms : 0));
	atomic_store(&dp->stopping, true);
	curl_multi_wakeup(dp->multi);
	pthread_join(dp->thread, NULL);
	log_info("dispatch.stopped", NULL);
	dispatch_free(dp);
}
