/*
 * Idempotency records. A claim is committed on its own before the operation
 * runs, so a concurrent duplicate sees it and gets 409; the operation then
 * replaces the claim with its response inside its own transaction, so the
 * effect and the record of it commit together or not at all. A claim whose
 * process died is abandoned after DOMAIN_IDEM_LOCK_MS and may be retaken:
 * nothing was committed under it, so running again is safe.
 */
#include "domain/idem.h"

#include <assert.h>
#include <sodium.h>
#include <string.h>

static void idem_record(const struct idem_ticket *t, struct store_idem *r)
{
	memset(r, 0, sizeof *r);
	memcpy(r->tenant_id, t->tenant_id, sizeof r->tenant_id);
	memcpy(r->key, t->key, sizeof r->key);
	memcpy(r->request_hash, t->request_hash, sizeof r->request_hash);
}

enum og_err idem_claim(const struct domain *d, struct store_conn *c, const struct idem_ticket *t,
		       enum idem_claim_result *result, struct store_idem *replay)
{
	struct store_idem r;
	int64_t now = domain_now_ms(d);
	enum og_err rc;

	rc = store_begin(c);
	if (rc != OG_OK)
		return rc;
	rc = store_idem_get(c, t->tenant_id, t->key, replay);
	if (rc == OG_OK && replay->created_at_ms + DOMAIN_IDEM_TTL_MS <= now)
		rc = OG_ERR_NOT_FOUND; /* expired: the key is free again */
	if (rc == OG_OK) {
		if (sodium_memcmp(replay->request_hash, t->request_hash, SECRET_HASH_LEN) != 0) {
			rc = OG_ERR_IDEMPOTENCY_REUSED;
			goto out;
		}
		if (replay->state == STORE_IDEM_DONE) {
			*result = IDEM_REPLAY;
			goto out;
		}
		if (replay->locked_until_ms > now) {
			rc = OG_ERR_IDEMPOTENCY_IN_FLIGHT;
			goto out;
		}
	} else if (rc != OG_ERR_NOT_FOUND) {
		goto out;
	}
	idem_record(t, &r);
	r.state = STORE_IDEM_IN_FLIGHT;
	r.created_at_ms = now;
	r.locked_until_ms = now + DOMAIN_IDEM_LOCK_MS;
	rc = store_idem_put(c, &r);
	if (rc == OG_OK)
		rc = store_commit(c);
	if (rc == OG_OK) {
		*result = IDEM_CLAIMED;
		return OG_OK;
	}
out:
	store_rollback(c);
	return rc;
}

enum og_err idem_complete(const struct domain *d, struct store_conn *c,
			  const struct idem_ticket *t, const void *result)
{
	struct store_idem r;

	assert(t->render);
	idem_record(t, &r);
	r.state = STORE_IDEM_DONE;
	r.created_at_ms = domain_now_ms(d);
	r.response_status = t->render(t->render_arg, result, r.response_body,
				      sizeof r.response_body);
	if (r.response_status <= 0)
		return OG_ERR_INTERNAL;
	return store_idem_put(c, &r);
}

enum og_err idem_finish(const struct domain *d, struct store_conn *c, const struct idem_ticket *t,
			int status, const char *body)
{
	struct store_idem r;
	size_t len = strlen(body);
	enum og_err rc;

	if (len >= sizeof r.response_body)
		return OG_ERR_INTERNAL;
	idem_record(t, &r);
	r.state = STORE_IDEM_DONE;
	r.created_at_ms = domain_now_ms(d);
	r.response_status = status;
	memcpy(r.response_body, body, len + 1);
	rc = store_begin(c);
	if (rc != OG_OK)
		return rc;
	rc = store_idem_put(c, &r);
	if (rc == OG_OK)
		rc = store_commit(c);
	if (rc != OG_OK)
		store_rollback(c);
	return rc;
}

void idem_abandon(const struct domain *d, struct store_conn *c, const struct idem_ticket *t)
{
	(void)d;
	/* Best effort: if this fails the claim simply expires after its lock. */
	if (store_begin(c) != OG_OK)
		return;
	if (store_idem_delete(c, t->tenant_id, t->key) != OG_OK ||
	    store_commit(c) != OG_OK)
		store_rollback(c);
}
