/*
 * A tenant's wallet: read by an admin or by the tenant's own key, credited
 * by an admin. A credit's "reference" makes it idempotent by itself (the
 * same reference again answers 200 and credits nothing); an
 * Idempotency-Key header is honoured on top, like on sends.
 */
#include "api/api_int.h"

#include "domain/ledger.h"
#include "domain/tenant.h"

struct api_wallet_credit_input {
	bool has_amount;
	int64_t amount_paise;
	char reference[STORE_REFERENCE_MAX];
};

static const struct api_json_field api_wallet_credit_fields[] = {
	API_JSON_F_HAS("amount_paise", "amount_paise", API_JSON_INT64,
		       struct api_wallet_credit_input, amount_paise, has_amount, API_JSON_REQUIRED),
	API_JSON_F("reference", "reference", API_JSON_STRING, struct api_wallet_credit_input,
		   reference, API_JSON_REQUIRED),
};
static const struct api_json_object api_wallet_credit_spec =
	API_JSON_OBJECT_OF(api_wallet_credit_fields);

static json_t *api_wallet_json(const struct ledger_view *w)
{
	const char *mode = w->mode == STORE_BILLING_POSTPAID ? "postpaid" : "prepaid";

	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "mode", mode, "balance_paise",
			 (json_int_t)w->balance_paise, "held_paise", (json_int_t)w->held_paise,
			 "available_paise", (json_int_t)w->available_paise, "credit_limit_paise",
			 (json_int_t)w->credit_limit_paise, "month_sms", (json_int_t)w->month_sms,
			 "monthly_cap_sms", (json_int_t)w->monthly_cap_sms);
}

/* The idempotency renderer: 201 for a new credit, 200 for a known reference. */
static int api_wallet_render(void *arg, const void *result, char *body, size_t body_max)
{
	const struct ledger_topup_result *r = result;

	return api_render_into(api_wallet_json(&r->wallet), r->created ? 201 : 200, body, body_max);
}

enum og_err api_wallet_get(struct api_call *call)
{
	struct store_tenant t;
	struct ledger_view w;
	enum og_err rc;

	rc = tenant_get(call->d, call->conn, call->params[0], &t);
	if (rc != OG_OK)
		return rc;
	rc = ledger_view(call->d, call->conn, &t, &w);
	if (rc != OG_OK)
		return rc;
	return api_reply_json(call, 200, api_wallet_json(&w));
}

enum og_err api_wallet_credit(struct api_call *call)
{
	struct api_wallet_credit_input in = {0};
	struct store_tenant t;
	struct ledger_topup_result result;
	struct api_idem idem;
	bool replayed;
	enum og_err rc;

	rc = tenant_get(call->d, call->conn, call->params[0], &t);
	if (rc != OG_OK)
		return rc;
	rc = api_body(call, &api_wallet_credit_spec, &in, false);
	if (rc != OG_OK)
		return rc;
	rc = api_idem_begin(call, t.id, api_wallet_render, NULL, &idem, &replayed);
	if (rc != OG_OK || replayed)
		return rc;
	rc = ledger_topup(call->d, call->conn, &call->actor, &t, in.amount_paise, in.reference,
			  api_idem_ticket(&idem), &result, &call->det);
	if (rc != OG_OK)
		return api_idem_end(call, &idem, rc);
	return api_idem_reply(call, api_wallet_render, NULL, &result);
}
