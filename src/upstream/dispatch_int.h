/*
 * What the dispatcher's two files share and nothing else includes: the
 * dispatcher and slot structs, and the calls between the halves.
 * dispatch.c runs the thread (claims, starts sends, reaps finished
 * transfers, stops); dispatch_settle.c queues each attempt's outcome and
 * settles the queue in batches through the domain's outbox, then counts,
 * logs and frees the slots.
 */
#ifndef OG_DISPATCH_INT_H
#define OG_DISPATCH_INT_H

#include "domain/outbox.h"
#include "upstream/dispatch.h"
#include "upstream/upstream.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define DISPATCH_PATH_MAX 1024         /* the --sms-log path, plus NUL */

/* One in-flight send. The slot owns everything libcurl reads in place (the
 * request, its body and headers) until the transfer is removed. */
struct dispatch_slot {
	CURL *easy; /* pooled: kept across sends so its connection is reused */
	bool busy;
	struct store_message msg;     /* as claimed; what outbox_settle needs */
	struct outbox_payload payload; /* holds the code: wiped after each send */
	struct outbox_route route;    /* with the deployment's fallbacks applied */
	const struct upstream_provider *provider;
	void *instance;
	struct upstream_request rq;   /* points into msg, payload and route */
	struct upstream_transfer xf;
	char response[UPSTREAM_RESPONSE_MAX];
	size_t response_len;
	bool response_cut; /* the reply was longer than response holds */
	char curl_error[UPSTREAM_CURL_ERROR_MAX];
	/* Set while the slot's outcome waits in the settle list. */
	struct upstream_result result;
	bool from_upstream; /* the verdict came from a provider */
};

struct dispatch {
	struct store *store;
	const struct domain *domain;
	char provider[STORE_PROVIDER_MAX];
	char provider_url[STORE_URL_MAX];
	char provider_key[STORE_CREDENTIAL_MAX];
	char sms_log_path[DISPATCH_PATH_MAX];
	size_t inflight_max;
	int64_t timeout_ms;
	struct upstream_set providers;
	CURLM *multi;
	struct dispatch_slot *slots; /* inflight_max of them */
	size_t inflight;             /* busy slots */
	struct store_message claimed[OUTBOX_CLAIM_MAX];
	/* Outcomes waiting to be settled together (dispatch_settle_flush);
	 * each slot is in the list at most once, and stays busy until settled. */
	struct dispatch_slot *done[DISPATCH_INFLIGHT_MAX];
	struct outbox_settlement settle[DISPATCH_INFLIGHT_MAX];
	size_t done_count;
	pthread_t thread;
	atomic_bool stopping;
	atomic_bool wake_pending; /* dispatch_wake ran since the last claim */
	_Atomic int64_t drain_until_mono_ms;
	/* The thread reports once whether its store connection opened. */
	pthread_mutex_t ready_lock;
	pthread_cond_t ready_cond;
	bool ready;
	enum og_err ready_rc;
};

/* ---- dispatch.c ------------------------------------------------------ */

/** Sleeps ms milliseconds on the dispatcher thread. */
void dispatch_pause_ms(int64_t ms);

/** Forgets a slot's send, wiping what carries the code, and marks the slot free. */
void dispatch_slot_clear(struct dispatch_slot *slot);

/* ---- dispatch_settle.c ----------------------------------------------- */

/** Queues res for dispatch_settle_flush (from_upstream: a provider gave it); the slot stays busy. */
void dispatch_settle_queue(struct dispatch *dp, struct dispatch_slot *slot,
			   const struct upstream_result *res, bool from_upstream);

/** Settles every queued outcome in one transaction (one by one if that fails), then reports and frees their slots. */
void dispatch_settle_flush(struct dispatch *dp, struct store_conn *c);

#endif
