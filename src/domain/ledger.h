/*
 * The ledger: the only way money moves. Every movement is an entry (credit,
 * hold, capture, release) written in the same transaction as the change to
 * the tenant's wallet, so the wallet always equals the sums of its entries.
 * A send places a hold; the dispatcher later captures it (charge) or
 * releases it (no charge), exactly once per message.
 */
#ifndef OG_LEDGER_H
#define OG_LEDGER_H

#define LEDGER_TOPUP_MAX_PAISE 10000000000LL /* ₹10 crore in one top-up */

#include "domain/audit.h"
#include "domain/domain.h"

/* A wallet as clients see it. */
struct ledger_view {
	int mode; /* enum store_billing_mode */
	int64_t balance_paise;
	int64_t held_paise;
	int64_t available_paise; /* balance - held */
	int64_t credit_limit_paise;
	int64_t month_sms; /* SMS charged or held in the current billing month */
	int64_t monthly_cap_sms;
};

/** Applies one entry's effect to a wallet (pure arithmetic). */
void ledger_apply(struct store_wallet *w, int kind, int64_t amount_paise);

/** Decides whether a send at price can be afforded: OG_OK or the 402 error to return. */
enum og_err ledger_check(const struct store_tenant *t, const struct store_wallet *w,
			 int64_t month_sms, int64_t price_paise);

/** Counts the SMS charged this billing month plus those held now. */
enum og_err ledger_month_sms(const struct domain *d, struct store_conn *c,
			     const struct store_tenant *t, const struct store_wallet *w,
			     int64_t *out);

/** In an open transaction: checks affordability and places a hold for message_id. */
enum og_err ledger_hold(const struct domain *d, struct store_conn *c,
			const struct store_tenant *t, const char *message_id, int64_t amount_paise);

/** In an open transaction: charges the message's hold and counts it in usage. */
enum og_err ledger_capture(const struct domain *d, struct store_conn *c, const char *tenant_id,
			   const char *message_id, int64_t amount_paise);

/** ledger_capture for a message sent on route (enum store_route), which usage by route counts. */
enum og_err ledger_capture_route(const struct domain *d, struct store_conn *c,
				 const char *tenant_id, const char *message_id,
				 int64_t amount_paise, int route);

/** In an open transaction: releases the message's hold without charge. */
enum og_err ledger_release(const struct domain *d, struct store_conn *c, const char *tenant_id,
			   const char *message_id, int64_t amount_paise);

/** In an open transaction: adds funds; *created is false if reference was already credited. */
enum og_err ledger_credit(const struct domain *d, struct store_conn *c, const char *tenant_id,
			  int64_t amount_paise, const char *reference, bool *created);

struct idem_ticket;

/* The result of a top-up, as passed to an idempotency renderer. */
struct ledger_topup_result {
	bool created; /* false when the reference had already been credited */
	struct ledger_view wallet;
};

/** Runs a top-up in its own transaction (with an optional idempotency ticket). */
enum og_err ledger_topup(const struct domain *d, struct store_conn *c,
			 const struct audit_actor *who, const struct store_tenant *t,
			 int64_t amount_paise, const char *reference, const struct idem_ticket *ticket, struct ledger_topup_result *out,
			 struct og_detail *det);

/** Reads the tenant's wallet as clients see it. */
enum og_err ledger_view(const struct domain *d, struct store_conn *c,
			const struct store_tenant *t, struct ledger_view *out);

/** Recomputes the wallet from the entries; OG_ERR_INTERNAL if the cache disagrees. */
enum og_err ledger_verify(const struct domain *d, struct store_conn *c, const char *tenant_id);

#endif
