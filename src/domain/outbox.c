/*
 * The domain side of dispatch: claiming, payload sealing, routes, and
 * settlement. Settlement re-reads the message under the write lock, so an
 * outcome that arrives for a message already settled (a lease that ran out
 * and was retaken, say) changes nothing; the ledger's unique index on
 * (tenant_id, message_id) for captures and releases backs that up.
 */
#include "domain/outbox.h"

#include "domain/cache.h"

#include "base/log.h"
#include "base/metrics.h"
#include "domain/ledger.h"
#include "domain/tenant.h"

#include <assert.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

enum og_err outbox_claim(const struct domain *d, struct store_conn *c, size_t max,
			 struct store_message *out, size_t *n)
{
	int64_t now = domain_now_ms(d);
	enum og_err rc;

	assert(max >= 1 && max <= OUTBOX_CLAIM_MAX);
	/* The claimed messages' tenants are read through the cache: make it
	 * current first, so a changed upstream applies to the next message. */
	rc = cache_refresh(d, c);
	if (rc != OG_OK)
		return rc;
	return store_outbox_claim(c, now, now + OUTBOX_LEASE_MS, max, out, n);
}

enum og_err outbox_seal(const struct domain *d, const char *tenant_id,
			const struct outbox_payload *p, struct store_message *m)
{
	json_t *root, *vars;
	char *text = NULL;
	enum og_err rc = OG_ERR_NOMEM;

	(void)tenant_id;
	root = json_pack("{s:s, s:s, s:{}}", "to", p->to, "text", p->text, "vars");
	vars = root ? json_object_get(root, "vars") : NULL;
	if (!vars)
		goto out;
	for (size_t i = 0; i < p->var_count; i++)
		if (json_object_set_new(vars, p->var_names[i], json_string(p->var_values[i])) != 0)
			goto out;
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		goto out;
	if (strlen(text) > STORE_PAYLOAD_MAX) {
		rc = OG_ERR_INVALID_REQUEST;
		goto out;
	}
	/* Bound to the message id, so a payload moved to another row fails. */
	rc = secret_seal(d->secret, m->id, text, strlen(text), m->payload_sealed,
			 sizeof m->payload_sealed, &m->payload_sealed_len);
out:
	if (text) {
		sodium_memzero(text, strlen(text));
		free(text);
	}
	json_decref(root);
	return rc;
}

static bool copy_bounded(char *dst, size_t dst_max, const char *src)
{
	size_t len;
	if (!src)
		return false;
	len = strlen(src);
	if (len >= dst_max)
		return false;
	memcpy(dst, src, len + 1);
	return true;
}

enum og_err outbox_open(const struct domain *d, const struct store_message *m,
			struct outbox_payload *out)
{
	char text[STORE_PAYLOAD_MAX + 1];
	size_t len = 0;
	json_t *root = NULL, *vars, *value;
	const char *name;
	enum og_err rc;

	memset(out, 0, sizeof *out);
	rc = secret_open(d->secret, m->id, m->payload_sealed, m->payload_sealed_len, text,
			 STORE_PAYLOAD_MAX, &len);
	if (rc != OG_OK)
		return rc;
	text[len] = '\0';
	root = json_loads(text, 0, NULL);
	sodium_memzero(text, sizeof text);
	rc = OG_ERR_INTERNAL;
	vars = json_object_get(root, "vars");
	if (!copy_bounded(out->to, sizeof out->to, json_string_value(json_object_get(root, "to"))) ||
	    !copy_bounded(out->text, sizeof out->text,
			  json_string_value(json_object_get(root, "text"))) ||
	    !json_is_object(vars))
		goto out;
	json_object_foreach(vars, name, value)
	{
		size_t i = out->var_count;
		if (i >= OUTBOX_PAYLOAD_VARS_MAX ||
		    !copy_bounded(out->var_names[i], sizeof out->var_names[i], name) ||
		    !copy_bounded(out->var_values[i], sizeof out->var_values[i],
				  json_string_value(value)))
			goto out;
		out->var_count++;
	}
	rc = OG_OK;
out:
	json_decref(root);
	return rc;
}

enum og_err outbox_route(const struct domain *d, struct store_conn *c, const char *tenant_id,
			 struct outbox_route *out)
{
	struct store_tenant t;
	enum og_err rc;

	memset(out, 0, sizeof *out);
	rc = cache_tenant(d, c, tenant_id, &t);
	if (rc != OG_OK)
		return rc;
	memcpy(out->provider, t.upstream_provider, sizeof out->provider);
	memcpy(out->url, t.upstream_url, sizeof out->url);
	rc = tenant_upstream_key(d, &t, out->api_key);
	sodium_memzero(&t, sizeof t);
	return rc;
}

int64_t outbox_backoff_ms(int attempts)
{
	int64_t delay = OUTBOX_BACKOFF_BASE_MS;
	assert(attempts >= 1);
	for (int i = 1; i < attempts && delay < OUTBOX_BACKOFF_MAX_MS; i++)
		delay *= 2;
	if (delay > OUTBOX_BACKOFF_MAX_MS)
		delay = OUTBOX_BACKOFF_MAX_MS;
	/* Up to 25% jitter keeps many retries from arriving together. */
	return delay + (int64_t)randombytes_uniform((uint32_t)(delay / 4 + 1));
}

/* Marks the request failed when its newest message could not be delivered,
 * so the status tells the client to resend. */
static enum og_err outbox_fail_request(const struct domain *d, struct store_conn *c,
				       const struct store_message *m, int64_t now)
{
	struct store_otp o;
	enum og_err rc = store_otp_get(c, m->tenant_id, m->request_id, &o);
	if (rc == OG_ERR_NOT_FOUND)
		return OG_OK;
	if (rc != OG_OK)
		return rc;
	(void)d;
	if (o.status != STORE_OTP_PENDING || o.last_sent_at_ms > m->created_at_ms)
		return OG_OK; /* verified meanwhile, or a newer message is on its way */
	o.status = STORE_OTP_FAILED;
	o.updated_at_ms = now;
	return store_otp_update(c, &o);
}

static void outbox_wipe_payload(struct store_message *m)
{
	sodium_memzero(m->payload_sealed, sizeof m->payload_sealed);
	m->payload_sealed_len = 0;
}

static pthread_once_t outbox_metrics_once = PTHREAD_ONCE_INIT;

static void outbox_describe_metrics(void)
{
	metrics_describe("otpgate_sms_total", "counter",
			 "Messages by final outcome: sent (charged) or failed (released).");
}

/* One settlement inside an open transaction: re-read the message, give it
 * its new status, and capture or release its hold. *verdict comes back as
 * the verdict applied (a retry past its bounds becomes a rejection), or -1
 * when the outcome is stale and nothing was written. */
static enum og_err outbox_settle_in(const struct domain *d, struct store_conn *c,
				    const struct store_message *claimed,
				    const struct outbox_outcome *o, struct store_message *m,
				    int *verdict)
{
	int64_t now = domain_now_ms(d);
	enum og_err rc;

	*verdict = -1;
	rc = store_message_get(c, claimed->tenant_id, claimed->id, m);
	if (rc != OG_OK)
		return rc;
	if (m->status != STORE_MSG_SENDING || m->lease_until_ms != claimed->lease_until_ms) {
		/* Settled already, or retaken by a newer claim: not ours. */
		log_warn("outbox.stale_outcome", "{s:s, s:s}", "tenant_id", m->tenant_id,
			 "message_id", m->id);
		return OG_OK;
	}
	*verdict = o->verdict;
	if (*verdict == OUTBOX_RETRY &&
	    (m->attempts >= OUTBOX_ATTEMPTS_MAX || now - m->created_at_ms >= OUTBOX_AGE_MAX_MS))
		*verdict = OUTBOX_REJECTED; /* retries are bounded in count and age */
	memcpy(m->provider, o->provider, sizeof m->provider);
	memcpy(m->error, o->error, sizeof m->error);
	m->updated_at_ms = now;
	switch (*verdict) {
	case OUTBOX_SENT:
		m->status = STORE_MSG_SENT;
		m->sent_at_ms = now;
		memcpy(m->provider_message_id, o->provider_message_id,
		       sizeof m->provider_message_id);
		outbox_wipe_payload(m);
		rc = ledger_capture_route(d, c, m->tenant_id, m->id, m->cost_paise, m->route);
		break;
	case OUTBOX_RETRY:
		m->status = STORE_MSG_QUEUED;
		m->next_attempt_at_ms = now + outbox_backoff_ms(m->attempts);
		break;
	default:
		m->status = STORE_MSG_FAILED;
		outbox_wipe_payload(m);
		rc = ledger_release(d, c, m->tenant_id, m->id, m->cost_paise);
		if (rc == OG_OK)
			rc = outbox_fail_request(d, c, m, now);
		break;
	}
	if (rc == OG_OK)
		rc = store_message_update(c, m);
	return rc;
}

/* Counts and logs a settlement once it is committed. */
static void outbox_settled(const struct store_message *claimed, const struct outbox_outcome *o,
			   int verdict, int attempts)
{
	static const char *const events[] = {
		[OUTBOX_SENT] = "sms.sent",
		[OUTBOX_RETRY] = "sms.retry",
		[OUTBOX_REJECTED] = "sms.failed",
	};

	if (verdict < 0)
		return;
	assert((size_t)verdict < sizeof events / sizeof events[0]);
	pthread_once(&outbox_metrics_once, outbox_describe_metrics);
	if (verdict == OUTBOX_SENT)
		metrics_count("otpgate_sms_total", "outcome=\"sent\"", 1);
	else if (verdict == OUTBOX_REJECTED)
		metrics_count("otpgate_sms_total", "outcome=\"failed\"", 1);
	/* The error text can quote the gateway, which may echo the number, so
	 * it stays in the message record and out of the log. */
	log_info(events[verdict], "{s:s, s:s, s:s, s:i}", "tenant_id", claimed->tenant_id,
		 "message_id", claimed->id, "provider", o->provider, "attempts", attempts);
}

enum og_err outbox_settle(const struct domain *d, struct store_conn *c,
			  const struct store_message *claimed, const struct outbox_outcome *o)
{
	struct store_message *m;
	int verdict = -1;
	enum og_err rc;

	m = malloc(sizeof *m);
	if (!m)
		return OG_ERR_NOMEM;
	rc = store_begin(c);
	if (rc == OG_OK)
		rc = outbox_settle_in(d, c, claimed, o, m, &verdict);
	if (rc == OG_OK && verdict >= 0)
		rc = store_commit(c);
	if (rc == OG_OK)
		outbox_settled(claimed, o, verdict, m->attempts);
	store_rollback(c); /* a stale outcome wrote nothing; a failure undoes its part */
	free(m);
	return rc;
}

/* True if settlement a must be taken before b: by tenant, then message. */
static bool outbox_settle_before(const struct outbox_settlement *a,
				 const struct outbox_settlement *b)
{
	int by_tenant = strcmp(a->claimed->tenant_id, b->claimed->tenant_id);

	return by_tenant < 0 || (by_tenant == 0 && strcmp(a->claimed->id, b->claimed->id) < 0);
}

/* The settlements are taken in (tenant_id, message id) order, whatever
 * order they finished in: each locks its message and its tenant's wallet,
 * and on PostgreSQL two dispatchers (on two nodes) settling batches that
 * share tenants would deadlock if they locked the wallets in different
 * orders (docs/SCALING.md). */
enum og_err outbox_settle_many(const struct domain *d, struct store_conn *c,
			       struct outbox_settlement *s, size_t n)
{
	size_t order[OUTBOX_SETTLE_MAX];
	struct store_message *m;
	enum og_err rc;

	assert(n <= OUTBOX_SETTLE_MAX);
	if (n == 0)
		return OG_OK;
	m = malloc(sizeof *m);
	if (!m)
		return OG_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) { /* insertion sort: n is at most a batch */
		size_t j = i;

		for (; j > 0 && outbox_settle_before(&s[i], &s[order[j - 1]]); j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	rc = store_begin(c);
	for (size_t k = 0; rc == OG_OK && k < n; k++) {
		size_t i = order[k];

		s[i].verdict = -1;
		rc = outbox_settle_in(d, c, s[i].claimed, &s[i].outcome, m, &s[i].verdict);
		s[i].attempts = m->attempts;
	}
	if (rc == OG_OK)
		rc = store_commit(c);
	store_rollback(c);
	free(m);
	if (rc != OG_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		outbox_settled(s[i].claimed, &s[i].outcome, s[i].verdict, s[i].attempts);
	return OG_OK;
}
