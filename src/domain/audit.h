/*
 * The audit trail: every administrative change (tenants, keys, templates,
 * wallets, limits, the DLT registry) records who made it, from which IP,
 * what it was and when, in the same transaction as the change itself, so
 * there is no change without its entry and no entry without its change.
 */
#ifndef OG_AUDIT_H
#define OG_AUDIT_H

#include "domain/domain.h"

/* Who is acting: an API key (with the client's address) or the CLI. */
struct audit_actor {
	int kind; /* enum store_actor_kind */
	char key_id[STORE_ID_MAX];
	char ip[STORE_IP_MAX];
};

/* The actor for changes made by otpgate's own subcommands. */
extern const struct audit_actor audit_cli;

/** In an open transaction: appends an entry; detail is JSON object text (NULL for {}). */
enum og_err audit_write(const struct domain *d, struct store_conn *c,
			const struct audit_actor *who, const char *action, const char *tenant_id,
			const char *target_id, const char *detail);

/** Lists entries newest first before before_id; tenant_id NULL for all. */
enum og_err audit_list(const struct domain *d, struct store_conn *c, const char *tenant_id,
		       const char *before_id, size_t limit, struct store_audit *out, size_t *n);

/** Returns "admin", "send", "tenant" or "cli". */
const char *audit_actor_kind_name(int kind);

#endif
