/*
 * Reading the message log. Scoping is the caller's: a tenant sees only its
 * own messages, and another tenant's message reads exactly like a missing one.
 */
#ifndef OG_MESSAGE_H
#define OG_MESSAGE_H

#include "domain/domain.h"

/** Reads one message; tenant_id NULL means any tenant (admin). */
enum og_err message_get(const struct domain *d, struct store_conn *c, const char *tenant_id,
			const char *id, struct store_message *out);

/** Lists messages newest first under the filter (limit 1..STORE_PAGE_MAX). */
enum og_err message_list(const struct domain *d, struct store_conn *c,
			 const struct store_message_filter *f, struct store_message *out,
			 size_t *n);

/** Returns "queued", "sending", "sent" or "failed"; -1 from parse if unknown. */
const char *message_status_name(int status);
int message_status_parse(const char *name);

#endif
