/*
 * Ledger arithmetic and the four movements of money. Each movement writes
 * one entry and updates the wallet cache in the caller's transaction; the
 * store's unique indexes make a second capture or release of one message,
 * or a second credit of one reference, impossible rather than unlikely.
 */
#include "domain/ledger.h"

#include "base/log.h"
#include "domain/idem.h"

#include <assert.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void ledger_apply(struct store_wallet *w, int kind, int64_t amount_paise)
{
	assert(amount_paise >= 0);
	switch (kind) {
	case STORE_LEDGER_CREDIT:
		w->balance_paise += amount_paise;
		break;
	case STORE_LEDGER_HOLD:
		w->held_paise += amount_paise;
		w->held_count++;
		break;
	case STORE_LEDGER_CAPTURE:
		w->held_paise -= amount_paise;
		w->held_count--;
		w->balance_paise -= amount_paise;
		break;
	case STORE_LEDGER_RELEASE:
		w->held_paise -= amount_paise;
		w->held_count--;
		break;
	default:
		assert(!"unknown ledger kind");
	}
}

enum og_err ledger_check(const struct store_tenant *t, const struct store_wallet *w,
			 int64_t month_sms, int64_t price_paise)
{
	int64_t available = w->balance_paise - w->held_paise;

	if (t->monthly_cap_sms > 0 && month_sms >= t->monthly_cap_sms)
		return OG_ERR_MONTHLY_CAP_REACHED;
	if (t->billing_mode == STORE_BILLING_PREPAID)
		return available >= price_paise ? OG_OK : OG_ERR_INSUFFICIENT_FUNDS;
	/* Postpaid: the balance may go negative, down to -credit_limit. */
	return available - price_paise >= -t->credit_limit_paise ? OG_OK
								  : OG_ERR_CREDIT_LIMIT_REACHED;
}

enum og_err ledger_month_sms(const struct domain *d, struct store_conn *c,
			     const struct store_tenant *t, const struct store_wallet *w,
			     int64_t *out)
{
	char month[CLOCK_MONTH_MAX];
	struct store_usage_row sum;
	enum og_err rc;

	clock_format_month(domain_now_ms(d), d->cfg.billing_offset_sec, month);
	rc = store_usage_month_sum(c, t->id, month, &sum);
	if (rc != OG_OK)
		return rc;
	*out = sum.total_sms + w->held_count;
	return OG_OK;
}

/* route (enum store_route) matters for captures only: the per-route usage
 * aggregates that invoices show are counted here, on the same day and
 * month as usage. */
static enum og_err ledger_write(const struct domain *d, struct store_conn *c,
				const char *tenant_id, int kind, int64_t amount_paise,
				const char *message_id, const char *reference, int route,
				struct store_wallet *w)
{
	struct store_ledger_entry e;
	enum og_err rc;

	memset(&e, 0, sizeof e);
	memcpy(e.tenant_id, tenant_id, strlen(tenant_id) + 1);
	e.created_at_ms = domain_now_ms(d);
	rnd_id("led", e.created_at_ms, e.id);
	e.kind = kind;
	e.amount_paise = amount_paise;
	if (message_id)
		memcpy(e.message_id, message_id, strlen(message_id) + 1);
	if (reference)
		memcpy(e.reference, reference, strlen(reference) + 1);
	if (kind == STORE_LEDGER_CAPTURE)
		clock_format_local(e.created_at_ms, d->cfg.billing_offset_sec, e.billed_local);
	rc = store_ledger_insert(c, &e);
	if (rc != OG_OK)
		return rc;
	ledger_apply(w, kind, amount_paise);
	w->updated_at_ms = e.created_at_ms;
	rc = store_wallet_put(c, w);
	if (rc != OG_OK)
		return rc;
	if (kind == STORE_LEDGER_CAPTURE) {
		char day[CLOCK_DATE_MAX];
		memcpy(day, e.billed_local, CLOCK_DATE_MAX - 1);
		day[CLOCK_DATE_MAX - 1] = '\0';
		rc = store_usage_add(c, tenant_id, day, 1, amount_paise);
		if (rc == OG_OK)
			rc = store_usage_route_add(c, tenant_id, day, route, 1, amount_paise);
		if (rc == OG_OK) {
			char month[CLOCK_MONTH_MAX];
			memcpy(month, day, CLOCK_MONTH_MAX - 1);
			month[CLOCK_MONTH_MAX - 1] = '\0';
			rc = store_usage_month_add(c, tenant_id, month, route, 1, amount_paise);
		}
	}
	return rc;
}

enum og_err ledger_hold(const struct domain *d, struct store_conn *c,
			const struct store_tenant *t, const char *message_id, int64_t amount_paise)
{
	struct store_wallet w;
	int64_t month_sms = 0;
	enum og_err rc;

	rc = store_wallet_get(c, t->id, &w);
	if (rc != OG_OK)
		return rc;
	rc = ledger_month_sms(d, c, t, &w, &month_sms);
	if (rc != OG_OK)
		return rc;
	rc = ledger_check(t, &w, month_sms, amount_paise);
	if (rc != OG_OK)
		return rc;
	return ledger_write(d, c, t->id, STORE_LEDGER_HOLD, amount_paise, message_id, NULL,
			    STORE_ROUTE_OWN, &w);
}

static enum og_err ledger_settle(const struct domain *d, struct store_conn *c,
				 const char *tenant_id, int kind, const char *message_id,
				 int64_t amount_paise, int route)
{
	struct store_wallet w;
	enum og_err rc = store_wallet_get(c, tenant_id, &w);
	if (rc != OG_OK)
		return rc;
	return ledger_write(d, c, tenant_id, kind, amount_paise, message_id, NULL, route, &w);
}

enum og_err ledger_capture(const struct domain *d, struct store_conn *c, const char *tenant_id,
			   const char *message_id, int64_t amount_paise)
{
	return ledger_capture_route(d, c, tenant_id, message_id, amount_paise, STORE_ROUTE_OWN);
}

enum og_err ledger_capture_route(const struct domain *d, struct store_conn *c,
				 const char *tenant_id, const char *message_id,
				 int64_t amount_paise, int route)
{
	return ledger_settle(d, c, tenant_id, STORE_LEDGER_CAPTURE, message_id, amount_paise,
			     route);
}

enum og_err ledger_release(const struct domain *d, struct store_conn *c, const char *tenant_id,
			   const char *message_id, int64_t amount_paise)
{
	return ledger_settle(d, c, tenant_id, STORE_LEDGER_RELEASE, message_id, amount_paise,
			     STORE_ROUTE_OWN);
}

enum og_err ledger_credit(const struct domain *d, struct store_conn *c, const char *tenant_id,
			  int64_t amount_paise, const char *reference, bool *created)
{
	struct store_ledger_entry prior;
	struct store_wallet w;
	enum og_err rc;

	rc = store_ledger_find_credit(c, tenant_id, reference, &prior);
	if (rc == OG_OK) {
		*created = false;
		return OG_OK;
	}
	if (rc != OG_ERR_NOT_FOUND)
		return rc;
	rc = store_wallet_get(c, tenant_id, &w);
	if (rc != OG_OK)
		return rc;
	rc = ledger_write(d, c, tenant_id, STORE_LEDGER_CREDIT, amount_paise, NULL, reference,
			  STORE_ROUTE_OWN, &w);
	if (rc == OG_OK)
		*created = true;
	return rc;
}

static enum og_err ledger_view_locked(const struct domain *d, struct store_conn *c,
				      const struct store_tenant *t, struct ledger_view *out)
{
	struct store_wallet w;
	enum og_err rc = store_wallet_get(c, t->id, &w);
	if (rc != OG_OK)
		return rc;
	memset(out, 0, sizeof *out);
	out->mode = t->billing_mode;
	out->balance_paise = w.balance_paise;
	out->held_paise = w.held_paise;
	out->available_paise = w.balance_paise - w.held_paise;
	out->credit_limit_paise = t->credit_limit_paise;
	out->monthly_cap_sms = t->monthly_cap_sms;
	return ledger_month_sms(d, c, t, &w, &out->month_sms);
}

enum og_err ledger_view(const struct domain *d, struct store_conn *c,
			const struct store_tenant *t, struct ledger_view *out)
{
	return ledger_view_locked(d, c, t, out);
}

enum og_err ledger_topup(const struct domain *d, struct store_conn *c,
			 const struct audit_actor *who, const struct store_tenant *t,
			 int64_t amount_paise, const char *reference, const struct idem_ticket *ticket,
			 struct ledger_topup_result *out, struct og_detail *det)
{
	char detail[STORE_AUDIT_DETAIL_MAX];
	enum og_err rc;

	if (amount_paise <= 0 || amount_paise > LEDGER_TOPUP_MAX_PAISE)
		return og_fail(det, OG_ERR_INVALID_REQUEST, "amount_paise",
			       "amount_paise must be 1 to %lld", (long long)LEDGER_TOPUP_MAX_PAISE);
	if (!reference[0] || strlen(reference) >= STORE_REFERENCE_MAX)
		return og_fail(det, OG_ERR_INVALID_REQUEST, "reference",
			       "reference must be 1 to %d characters", STORE_REFERENCE_MAX - 1);
	rc = store_begin(c);
	if (rc != OG_OK)
		return rc;
	rc = ledger_credit(d, c, t->id, amount_paise, reference, &out->created);
	if (rc == OG_OK && out->created) {
		json_t *j = json_pack("{s:I, s:s}", "amount_paise", (json_int_t)amount_paise,
				      "reference", reference);
		char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
		rc = text && strlen(text) < sizeof detail ? OG_OK : OG_ERR_INTERNAL;
		if (rc == OG_OK)
			memcpy(detail, text, strlen(text) + 1);
		free(text);
		json_decref(j);
		if (rc == OG_OK)
			rc = audit_write(d, c, who, "wallet.credit", t->id, t->id, detail);
	}
	if (rc == OG_OK)
		rc = ledger_view_locked(d, c, t, &out->wallet);
	if (rc == OG_OK && ticket)
		rc = idem_complete(d, c, ticket, out);
	if (rc == OG_OK)
		rc = store_commit(c);
	if (rc != OG_OK) {
		store_rollback(c);
		return rc;
	}
	if (out->created)
		log_info("wallet.credited", "{s:s, s:I, s:I}", "tenant_id", t->id, "amount_paise",
			 (json_int_t)amount_paise, "balance_paise",
			 (json_int_t)out->wallet.balance_paise);
	return OG_OK;
}

enum og_err ledger_verify(const struct domain *d, struct store_conn *c, const char *tenant_id)
{
	struct store_ledger_sums sums;
	struct store_wallet w;
	enum og_err rc;

	(void)d;
	rc = store_wallet_get(c, tenant_id, &w);
	if (rc == OG_OK)
		rc = store_ledger_sums(c, tenant_id, &sums);
	if (rc != OG_OK)
		return rc;
	if (sums.balance_paise != w.balance_paise || sums.held_paise != w.held_paise ||
	    sums.held_count != w.held_count) {
		log_error("ledger.mismatch", "{s:s}", "tenant_id", tenant_id);
		return OG_ERR_INTERNAL;
	}
	return OG_OK;
}
