/*
 * The purge thread. It sleeps on a condition variable, so purger_stop wakes
 * it at once instead of waiting out the interval, and it uses its own store
 * connection (closed before the thread ends). The actor of its audit
 * entries is otpgate itself (the "cli" actor, with no key and no address),
 * and the summary names "serve" as the source; a run that changed nothing
 * leaves no audit entry, so an idle deployment's trail does not fill up.
 */
#include "cli/purger.h"

#include "base/clock.h"
#include "base/log.h"
#include "domain/retention.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct purger {
	struct store *store;
	const struct domain *domain;
	int64_t interval_ms;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stopping; /* under lock */
};

/* Waits up to ms or until stopped; returns true if stopping. */
static bool purger_wait(struct purger *p, int64_t ms)
{
	struct timespec until;
	bool stopping;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(ms / 1000);
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		if (pthread_cond_timedwait(&p->cond, &p->lock, &until) == ETIMEDOUT)
			break;
	}
	stopping = p->stopping;
	pthread_mutex_unlock(&p->lock);
	return stopping;
}

static void *purger_main(void *arg)
{
	struct purger *p = arg;
	struct store_conn *c = NULL;
	struct retention_stats st;
	int64_t pause_ms = 0;

	for (;;) {
		if (purger_wait(p, pause_ms))
			break;
		pause_ms = p->interval_ms;
		if (!c && store_thread_conn(p->store, &c) != OG_OK) {
			log_error("retention.no_connection", NULL);
			c = NULL;
			continue;
		}
		if (retention_purge(p->domain, c, &audit_cli, domain_now_ms(p->domain),
				    PURGER_BATCHES_PER_RUN, "serve", true, &st) == OG_OK &&
		    !st.complete)
			pause_ms = PURGER_CONTINUE_MS;
	}
	store_thread_conn_release();
	return NULL;
}

enum og_err purger_start(struct store *s, const struct domain *d, int interval_sec,
			 struct purger **out)
{
	struct purger *p;

	*out = NULL;
	if (interval_sec <= 0)
		return OG_OK;
	p = calloc(1, sizeof *p);
	if (!p)
		return OG_ERR_NOMEM;
	p->store = s;
	p->domain = d;
	p->interval_ms = (int64_t)interval_sec * 1000;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	if (pthread_create(&p->thread, NULL, purger_main, p) != 0) {
		pthread_cond_destroy(&p->cond);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return OG_ERR_INTERNAL;
	}
	log_info("retention.job_started", "{s:i}", "interval_sec", interval_sec);
	*out = p;
	return OG_OK;
}

void purger_stop(struct purger *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
