/*
 * OTP send, verify, resend and status. The order of a send matters: all
 * validation and rendering happen before the write transaction, so the write
 * lock is held only for the money check, the hold and three inserts; and
 * the message is queued in that same transaction, so a message exists if
 * and only if its hold does.
 */
#include "domain/otp.h"

#include "base/log.h"
#include "domain/cache.h"
#include "domain/guard.h"
#include "domain/ledger.h"
#include "domain/otp_context.h"
#include "domain/outbox.h"
#include "domain/scrub.h"

#include <assert.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* Everything a send needs that is decided before the transaction. */
struct otp_plan {
	struct store_tenant tenant;
	struct store_template tmpl;
	char phone[PHONE_MAX];
	char code[RND_CODE_LEN_MAX + 1];
	struct outbox_payload payload;
	struct guard_send guard; /* the abuse checks' verdicts (guard.h) */
	char requested_header[STORE_HEADER_MAX]; /* the send's sender_header, "" for none */
	struct scrub_choice dlt; /* the route, PE-ID, header and template the pre-scrub passed */
};

static const char *const otp_status_names[] = {
	[STORE_OTP_PENDING] = "pending",
	[STORE_OTP_APPROVED] = "approved",
	[STORE_OTP_EXPIRED] = "expired",
	[STORE_OTP_MAX_ATTEMPTS] = "max_attempts_reached",
	[STORE_OTP_CANCELED] = "canceled",
	[STORE_OTP_FAILED] = "failed",
};

const char *otp_status_name(int status)
{
	assert(status >= STORE_OTP_PENDING && status <= STORE_OTP_FAILED);
	return otp_status_names[status];
}

static bool code_valid(const char *code)
{
	size_t len = strlen(code);
	if (len < RND_CODE_LEN_MIN || len > RND_CODE_LEN_MAX)
		return false;
	return strspn(code, "0123456789") == len;
}

/* The code is bound to its tenant and request, so a hash copied onto
 * another request verifies nothing. */
static void otp_code_hash(const struct domain *d, const char *tenant_id, const char *request_id,
			  const char *code, unsigned char out[SECRET_HASH_LEN])
{
	const char *parts[] = {tenant_id, request_id, code};
	secret_hmac(d->secret, SECRET_CODE_HMAC, parts, 3, out);
}

/* SEC-05: a code sent before a secret rotation was hashed under the
 * previous secret, which still verifies it; codes live minutes, so this
 * fallback matters only for the requests in flight at the rotation. */
static bool otp_code_matches(const struct domain *d, const struct store_otp *o, const char *code)
{
	const char *parts[] = {o->tenant_id, o->id, code};
	unsigned char hash[SECRET_HASH_LEN];
	bool match;

	otp_code_hash(d, o->tenant_id, o->id, code, hash);
	match = sodium_memcmp(hash, o->code_hash, SECRET_HASH_LEN) == 0;
	if (!match && d->secret_prev) {
		secret_hmac(d->secret_prev, SECRET_CODE_HMAC, parts, 3, hash);
		match = sodium_memcmp(hash, o->code_hash, SECRET_HASH_LEN) == 0;
	}
	sodium_memzero(hash, sizeof hash);
	return match;
}

static void otp_phone_hash(const struct domain *d, const char *tenant_id, const char *phone,
			   unsigned char out[SECRET_HASH_LEN])
{
	const char *parts[] = {tenant_id, phone};
	secret_hmac(d->secret, SECRET_PHONE_HMAC, parts, 2, out);
}

static const char *find_var(const struct otp_variable *vars, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(vars[i].name, name) == 0)
			return vars[i].value;
	return NULL;
}

/* Fills the payload's variables from the template's names and renders the
 * text. "otp" is the code; "appName" falls back to the tenant's name. */
static enum og_err otp_render(struct otp_plan *p, const struct otp_variable *vars, size_t nvars,
			      struct og_detail *det)
{
	const char *values[STORE_TEMPLATE_VARS_MAX];
	struct outbox_payload *pl = &p->payload;

	assert(p->tmpl.var_count <= STORE_TEMPLATE_VARS_MAX);
	pl->var_count = (size_t)p->tmpl.var_count;
	for (size_t i = 0; i < pl->var_count; i++) {
		const char *name = p->tmpl.vars[i];
		const char *value;
		if (strcmp(name, TEMPLATE_VAR_OTP) == 0)
			value = p->code;
		else if ((value = find_var(vars, nvars, name)) == NULL &&
			 strcmp(name, TEMPLATE_VAR_APP_NAME) == 0)
			value = p->tenant.name;
		if (!value)
			return og_fail(det, OG_ERR_INVALID_REQUEST, "variables",
				       "variables.%s is required by template %s", name,
				       p->tmpl.name);
		if (strlen(value) >= TEMPLATE_VALUE_MAX)
			return og_fail(det, OG_ERR_INVALID_REQUEST, "variables",
				       "variables.%s is longer than %d", name,
				       TEMPLATE_VALUE_MAX - 1);
		memcpy(pl->var_names[i], name, strlen(name) + 1);
		memcpy(pl->var_values[i], value, strlen(value) + 1);
		values[i] = pl->var_values[i];
	}
	memcpy(pl->to, p->phone, sizeof pl->to);
	if (template_render(p->tmpl.body, values, pl->var_count, pl->text, sizeof pl->text) !=
	    OG_OK)
		return og_fail(det, OG_ERR_INVALID_REQUEST, "template",
			       "the rendered message is longer than %d bytes",
			       TEMPLATE_RENDERED_MAX - 1);
	return OG_OK;
}

/* Builds the outbox row for a message of request o carrying plan p. */
static enum og_err otp_message(const struct domain *d, const struct otp_plan *p,
			       const struct store_otp *o, int64_t now, int64_t cost_paise,
			       struct store_message *m)
{
	const struct store_tenant *t = &p->tenant;

	memset(m, 0, sizeof *m);
	memcpy(m->tenant_id, t->id, sizeof m->tenant_id);
	rnd_id("msg", now, m->id);
	memcpy(m->request_id, o->id, sizeof m->request_id);
	memcpy(m->phone_masked, o->phone_masked, sizeof m->phone_masked);
	/* What goes upstream is what the pre-scrub checked. */
	memcpy(m->sender_header, p->dlt.sender_header, sizeof m->sender_header);
	memcpy(m->pe_id, p->dlt.pe_id, sizeof m->pe_id);
	memcpy(m->dlt_template_id, p->dlt.dlt_template_id, sizeof m->dlt_template_id);
	m->route = p->dlt.route;
	m->status = STORE_MSG_QUEUED;
	memcpy(m->provider, t->upstream_provider[0] ? t->upstream_provider : d->cfg.provider,
	       sizeof m->provider);
	m->cost_paise = cost_paise;
	m->next_attempt_at_ms = now;
	m->created_at_ms = now;
	m->updated_at_ms = now;
	return outbox_seal(d, t->id, &p->payload, m);
}

/* Reads the tenant and checks it may send. */
static enum og_err otp_tenant(const struct domain *d, struct store_conn *c, const char *tenant_id,
			      struct store_tenant *out)
{
	enum og_err rc = cache_tenant(d, c, tenant_id, out);

	if (rc != OG_OK)
		return rc;
	return out->suspended ? OG_ERR_TENANT_SUSPENDED : OG_OK;
}

/* True if nothing a verify or resend changes has changed: every resend
 * draws a new code, and every verify counts an attempt. Times are no
 * version: two commits can fall in one millisecond. */
static bool otp_unchanged(const struct store_otp *now, const struct store_otp *then)
{
	return now->status == then->status && now->attempts == then->attempts &&
	       now->resend_count == then->resend_count &&
	       sodium_memcmp(now->code_hash, then->code_hash, SECRET_HASH_LEN) == 0;
}

/* The write half of a send or resend: re-read the tenant in the transaction,
 * hold the price, write the request and the message, record the response. */
static enum og_err otp_commit(const struct domain *d, struct store_conn *c, struct otp_plan *p,
			      struct store_otp *o, bool is_new, const struct store_otp *prior,
			      const struct idem_ticket *ticket, struct otp_send_result *out,
			      struct og_detail *det)
{
	struct store_message m;
	int64_t now = domain_now_ms(d);
	int64_t price;
	enum og_err rc;

	rc = store_begin(c);
	if (rc != OG_OK)
		return rc;
	rc = otp_tenant(d, c, p->tenant.id, &p->tenant);
	if (rc != OG_OK)
		goto out;
	if (!is_new) {
		/* The resend was decided on a read outside this transaction;
		 * if a verify or another resend has changed the request since,
		 * writing it back would lose that change. */
		struct store_otp current;
		rc = store_otp_get(c, o->tenant_id, o->id, &current);
		if (rc == OG_OK && !otp_unchanged(&current, prior))
			rc = OG_ERR_BUSY; /* otp_resend decides again on fresh state */
		if (rc != OG_OK)
			goto out;
	}
	price = p->guard.test ? 0 : domain_route_price_paise(d, &p->tenant, p->dlt.route);
	rc = guard_send_commit(d, c, &p->guard, &p->tenant, price, det);
	if (rc != OG_OK)
		goto out;
	rc = otp_message(d, p, o, now, price, &m);
	if (rc != OG_OK)
		goto out;
	guard_test_message(&p->guard, &m);
	rc = p->guard.test ? OG_OK : ledger_hold(d, c, &p->tenant, m.id, price);
	if (rc != OG_OK)
		goto out;
	rc = is_new ? store_otp_insert(c, o) : store_otp_update(c, o);
	if (rc != OG_OK)
		goto out;
	rc = store_message_insert(c, &m);
	if (rc != OG_OK)
		goto out;
	memcpy(out->request_id, o->id, sizeof out->request_id);
	memcpy(out->message_id, m.id, sizeof out->message_id);
	out->expires_at_ms = o->expires_at_ms;
	out->cost_paise = price;
	if (ticket)
		rc = idem_complete(d, c, ticket, out);
	if (rc == OG_OK)
		rc = store_commit(c);
out:
	if (rc != OG_OK) {
		store_rollback(c);
		return rc;
	}
	if (d->on_queued)
		d->on_queued(d->on_queued_arg);
	return OG_OK;
}

enum og_err otp_send(const struct domain *d, struct store_conn *c, struct otp_send_input *in,
		     const struct idem_ticket *ticket, struct otp_send_result *out,
		     struct og_detail *det)
{
	struct otp_plan *p = NULL;
	struct store_otp *o = NULL;
	int64_t now = domain_now_ms(d);
	enum og_err rc;

	if (in->has_code && !code_valid(in->code))
		return og_fail(det, OG_ERR_INVALID_REQUEST, "code", "the code must be %d to %d digits",
			       RND_CODE_LEN_MIN, RND_CODE_LEN_MAX);
	/* The plan and the request are large (sealed blobs); keep them off
	 * the worker thread's stack. */
	p = calloc(1, sizeof *p);
	o = calloc(1, sizeof *o);
	if (!p || !o) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	if (!phone_parse(in->phone, p->phone)) {
		rc = og_fail(det, OG_ERR_INVALID_PHONE, "phone",
			     "phone must be E.164, e.g. +919876543210 (Indian mobiles: 10 digits "
			     "starting 6-9)");
		goto out;
	}
	rc = otp_tenant(d, c, in->tenant_id, &p->tenant);
	if (rc == OG_OK)
		rc = guard_send_precheck(d, c, &p->tenant, p->phone, in->client_ip, &p->guard, det);
	if (rc != OG_OK)
		goto out;
	rc = scrub_template_resolve(d, c, &p->tenant, in->template_ref, &p->tmpl, det);
	if (rc != OG_OK)
		goto out;
	if (in->has_code)
		memcpy(p->code, in->code, sizeof p->code);
	else
		rnd_code((size_t)p->tenant.otp_length, p->code);
	guard_code(&p->guard, p->code);
	rc = otp_render(p, in->vars, in->var_count, det);
	if (rc == OG_OK) /* the DLT pre-scrub, before any hold (docs/DLT.md) */
		rc = scrub_send(d, c, &p->tenant, &p->tmpl, in->sender_header, p->payload.text,
				&p->dlt, det);
	if (rc != OG_OK)
		goto out;

	memcpy(o->tenant_id, p->tenant.id, sizeof o->tenant_id);
	rnd_id("req", now, o->id);
	/* The precheck computed this very hash (guard_phone_hash) for the limits. */
	memcpy(o->phone_hash, p->guard.phone_hash, sizeof o->phone_hash);
	phone_mask(p->phone, o->phone_masked);
	memcpy(o->template_name, p->tmpl.name, sizeof o->template_name);
	otp_code_hash(d, o->tenant_id, o->id, p->code, o->code_hash);
	o->status = STORE_OTP_PENDING;
	o->max_attempts = p->tenant.otp_max_attempts;
	o->expires_at_ms = now + (int64_t)p->tenant.otp_ttl_sec * 1000;
	o->last_sent_at_ms = now;
	o->created_at_ms = now;
	o->updated_at_ms = now;
	rc = otp_context_seal(d, p->phone, in->vars, in->var_count, in->sender_header, o);
	if (rc != OG_OK)
		goto out;
	rc = otp_commit(d, c, p, o, true, NULL, ticket, out, det);
	if (rc == OG_OK)
		log_info("otp.sent", "{s:s, s:s, s:s, s:s}", "tenant_id", o->tenant_id,
			 "request_id", o->id, "message_id", out->message_id, "phone",
			 o->phone_masked);
	else if (og_err_http_status(rc) == 402)
		log_info("otp.refused", "{s:s, s:s, s:s}", "tenant_id", o->tenant_id, "reason",
			 og_err_code(rc), "phone", o->phone_masked);
out:
	if (p)
		sodium_memzero(p, sizeof *p);
	free(p);
	free(o);
	return rc;
}

/* A pending request past its expiry reads, and is stored, as expired. */
static bool otp_expire(struct store_otp *o, int64_t now)
{
	if (o->status == STORE_OTP_PENDING && now >= o->expires_at_ms) {
		o->status = STORE_OTP_EXPIRED;
		return true;
	}
	return false;
}

static int otp_attempts_left(const struct store_otp *o)
{
	int left = o->max_attempts - o->attempts;
	return left > 0 ? left : 0;
}

static void otp_finalise(struct store_otp *o, int64_t now)
{
	o->context_sealed_len = 0; /* the phone is no longer needed */
	sodium_memzero(o->context_sealed, sizeof o->context_sealed);
	o->updated_at_ms = now;
}

enum og_err otp_verify(const struct domain *d, struct store_conn *c,
		       const struct otp_verify_input *in, struct otp_verify_result *out,
		       struct og_detail *det)
{
	struct store_otp *o = NULL;
	struct guard_verify gv;
	unsigned char hash[SECRET_HASH_LEN];
	char phone[PHONE_MAX];
	int64_t now = domain_now_ms(d);
	bool dirty = false;
	enum og_err rc;

	if (!code_valid(in->code))
		return og_fail(det, OG_ERR_INVALID_REQUEST, "code", "the code must be %d to %d digits",
			       RND_CODE_LEN_MIN, RND_CODE_LEN_MAX);
	if (!in->request_id[0] && !phone_parse(in->phone, phone))
		return og_fail(det, OG_ERR_INVALID_PHONE, "phone", "phone must be E.164");
	o = calloc(1, sizeof *o);
	if (!o)
		return OG_ERR_NOMEM;
	rc = store_begin(c);
	if (rc != OG_OK)
		goto out;
	if (in->request_id[0]) {
		rc = store_otp_get(c, in->tenant_id, in->request_id, o);
	} else {
		otp_phone_hash(d, in->tenant_id, phone, hash);
		rc = store_otp_find_pending(c, in->tenant_id, hash, o);
	}
	if (rc != OG_OK)
		goto out;
	memset(out, 0, sizeof *out);
	memcpy(out->request_id, o->id, sizeof out->request_id);
	rc = guard_verify_check(d, c, o, &gv, det);
	if (rc != OG_OK)
		goto out;

	dirty = otp_expire(o, now);
	if (o->status == STORE_OTP_PENDING) {
		dirty = true;
		if (o->attempts >= o->max_attempts) {
			/* This attempt exceeds the limit: the request is spent
			 * for good, whatever the code. */
			o->attempts++;
			o->status = STORE_OTP_MAX_ATTEMPTS;
		} else {
			o->attempts++;
			if (otp_code_matches(d, o, in->code)) {
				o->status = STORE_OTP_APPROVED;
				out->verified = true;
			}
		}
		rc = guard_verify_attempt(d, c, o, &gv, out->verified);
		if (rc != OG_OK)
			goto out;
	}
	if (o->status != STORE_OTP_PENDING)
		otp_finalise(o, now);
	if (dirty) {
		o->updated_at_ms = now;
		rc = store_otp_update(c, o);
		if (rc == OG_OK)
			rc = store_commit(c);
	}
	out->status = o->status;
	out->attempts_left = o->status == STORE_OTP_PENDING ? otp_attempts_left(o) : 0;
	if (o->status == STORE_OTP_APPROVED && !out->verified)
		out->attempts_left = 0;
out:
	if (rc != OG_OK || !dirty)
		store_rollback(c);
	if (rc == OG_OK)
		log_info("otp.verified", "{s:s, s:s, s:b, s:s}", "tenant_id", o->tenant_id,
			 "request_id", o->id, "verified", out->verified, "status",
			 otp_status_name(out->status));
	free(o);
	return rc;
}

static enum og_err otp_resend_once(const struct domain *d, struct store_conn *c,
				   const char *tenant_id, const char *request_id,
				   const struct idem_ticket *ticket, struct otp_send_result *out,
				   int *retry_after_sec, struct og_detail *det)
{
	struct otp_plan *p = NULL;
	struct store_otp *o = NULL;
	struct otp_variable vars[OTP_VARIABLES_MAX];
	size_t nvars = 0;
	int64_t now;
	struct store_otp *prior = NULL;
	int64_t next_ms;
	enum og_err rc;

	*retry_after_sec = 0;
	p = calloc(1, sizeof *p);
	o = calloc(1, sizeof *o);
	if (!p || !o) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	rc = store_otp_get(c, tenant_id, request_id, o);
	if (rc != OG_OK)
		goto out;
	/* Read the clock after the row: a racing resend that committed
	 * between the two would otherwise look as if it came from the future
	 * and this one would be refused as too soon. */
	now = domain_now_ms(d);
	otp_expire(o, now);
	/* A failed delivery is the usual reason to resend, so it may. */
	if (o->status != STORE_OTP_PENDING && o->status != STORE_OTP_FAILED) {
		rc = og_fail(det, OG_ERR_CONFLICT, "request_id", "the request is %s, not pending",
			     otp_status_name(o->status));
		goto out;
	}
	/* SEC-22: a request whose code died has had its context (the number)
	 * wiped; it cannot be resent, only replaced by a new send. */
	if (o->context_sealed_len == 0) {
		rc = og_fail(det, OG_ERR_CONFLICT, "request_id",
			     "the request has expired; send a new one");
		goto out;
	}
	if (o->resend_count >= DOMAIN_RESENDS_MAX) {
		rc = og_fail(det, OG_ERR_TOO_MANY_RESENDS, "request_id",
			     "the request was already resent %d times", DOMAIN_RESENDS_MAX);
		goto out;
	}
	next_ms = o->last_sent_at_ms + (int64_t)d->cfg.resend_cooldown_sec * 1000;
	if (now < next_ms) {
		*retry_after_sec = (int)((next_ms - now + 999) / 1000);
		rc = og_fail(det, OG_ERR_RESEND_TOO_SOON, NULL, "resend again in %d s",
			     *retry_after_sec);
		goto out;
	}
	rc = otp_tenant(d, c, tenant_id, &p->tenant);
	if (rc == OG_OK)
		rc = scrub_template_resolve(d, c, &p->tenant, o->template_name, &p->tmpl, det);
	if (rc == OG_OK)
		rc = otp_context_open(d, o, p->phone, vars, &nvars, p->requested_header);
	if (rc == OG_OK)
		rc = guard_send_precheck(d, c, &p->tenant, p->phone, NULL, &p->guard, det);
	if (rc != OG_OK)
		goto out;
	rnd_code((size_t)p->tenant.otp_length, p->code);
	guard_code(&p->guard, p->code);
	rc = otp_render(p, vars, nvars, det);
	if (rc == OG_OK) /* the DLT pre-scrub, before any hold (docs/DLT.md) */
		rc = scrub_send(d, c, &p->tenant, &p->tmpl, p->requested_header, p->payload.text,
				&p->dlt, det);
	if (rc != OG_OK)
		goto out;
	prior = malloc(sizeof *prior);
	if (!prior) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	*prior = *o;
	otp_code_hash(d, o->tenant_id, o->id, p->code, o->code_hash);
	o->status = STORE_OTP_PENDING;
	o->resend_count++;
	o->last_sent_at_ms = now;
	o->expires_at_ms = now + (int64_t)p->tenant.otp_ttl_sec * 1000;
	o->updated_at_ms = now;
	rc = otp_commit(d, c, p, o, false, prior, ticket, out, det);
	if (rc == OG_OK)
		log_info("otp.resent", "{s:s, s:s, s:s, s:i}", "tenant_id", o->tenant_id,
			 "request_id", o->id, "message_id", out->message_id, "resend",
			 o->resend_count);
out:
	if (p)
		sodium_memzero(p, sizeof *p);
	sodium_memzero(vars, sizeof vars);
	free(prior);
	free(p);
	free(o);
	return rc;
}

enum og_err otp_resend(const struct domain *d, struct store_conn *c, const char *tenant_id,
		       const char *request_id, const struct idem_ticket *ticket,
		       struct otp_send_result *out, int *retry_after_sec, struct og_detail *det)
{
	enum og_err rc;

	/* Each lost race means another resend or verify committed first; it
	 * can happen at most once per resend allowed, so the bound is ample. */
	for (int tries = 0; tries <= DOMAIN_BUSY_RETRIES_MAX; tries++) {
		rc = otp_resend_once(d, c, tenant_id, request_id, ticket, out, retry_after_sec, det);
		if (rc != OG_ERR_BUSY)
			break;
	}
	return rc;
}

enum og_err otp_status(const struct domain *d, struct store_conn *c, const char *tenant_id,
		       const char *request_id, struct otp_status_result *out)
{
	enum og_err rc;

	if (strlen(request_id) >= STORE_ID_MAX)
		return OG_ERR_NOT_FOUND;
	rc = tenant_id ? store_otp_get(c, tenant_id, request_id, &out->otp)
		       : store_otp_get_any(c, request_id, &out->otp);
	if (rc != OG_OK)
		return rc;
	otp_expire(&out->otp, domain_now_ms(d));
	return store_message_list_by_request(c, out->otp.tenant_id, request_id, out->messages,
					       OTP_MESSAGES_MAX, &out->message_count);
}
