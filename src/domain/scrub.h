/*
 * The local pre-scrub on the send path: which registry a send goes
 * through (the tenant's, or the platform's on the shared route), which
 * header and template it uses, and whether an operator's scrubber would
 * pass it (dlt_scrub). It runs after the text is rendered and before any
 * hold, queueing or upstream call, so a refused send costs nothing and
 * leaves no ledger entry. Refusals are counted in /metrics by tenant and
 * DLT code (otpgate_dlt_rejected_total).
 */
#ifndef OG_SCRUB_H
#define OG_SCRUB_H

#include "domain/domain.h"

/* What a send was checked against, and so what goes upstream. */
struct scrub_choice {
	int route; /* enum store_route */
	char pe_id[STORE_PE_ID_MAX];
	char sender_header[STORE_HEADER_MAX];
	char dlt_template_id[STORE_DLT_ID_MAX];
};

/** Finds the template a send names (name or DLT id; "" for the default) among the tenant's,
 *  then on the shared route among the platform's; OG_ERR_TEMPLATE_NOT_FOUND carries TL-NT-FOUND. */
enum og_err scrub_template_resolve(const struct domain *d, struct store_conn *c,
				   const struct store_tenant *t, const char *ref,
				   struct store_template *out, struct og_detail *det);

/** Checks a rendered send (DLT-01..17): OG_OK with out filled, or OG_ERR_DLT_REJECTED with
 *  det naming the rule, the DLT code and the field. requested_header may be "". */
enum og_err scrub_send(const struct domain *d, struct store_conn *c, const struct store_tenant *t,
		       const struct store_template *tmpl, const char *requested_header,
		       const char *content, struct scrub_choice *out, struct og_detail *det);

#endif
