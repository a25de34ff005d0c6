/*
 * API keys. A key is a type prefix and 160 random bits in base32
 * ("ogt_…" for a tenant, "ogs_…" for send, "oga_…" for admin). Only its
 * keyed hash is stored; the text is shown once, at creation.
 */
#ifndef OG_APIKEY_H
#define OG_APIKEY_H

#include "domain/audit.h"
#include "domain/domain.h"

#define APIKEY_TEXT_MAX 64 /* "ogt_" plus 32 base32 characters, with room */

/** The caller behind a request, as established from its key. */
struct apikey_principal {
	int kind; /* enum store_key_kind */
	char key_id[STORE_ID_MAX];
	char tenant_id[STORE_TENANT_ID_MAX]; /* set for tenant keys only */
};

/** Creates a key of kind (tenant_id for tenant keys, else ""); writes its text once. */
enum og_err apikey_create(const struct domain *d, struct store_conn *c,
			  const struct audit_actor *who, int kind, const char *tenant_id, const char *name, char text[APIKEY_TEXT_MAX],
			  struct store_api_key *out);

/** Resolves key text to its principal; OG_ERR_UNAUTHORIZED if unknown, malformed or revoked. */
enum og_err apikey_authenticate(const struct domain *d, struct store_conn *c, const char *text,
				struct apikey_principal *out);

/** Revokes a key of tenant_id ("" for platform keys); OG_ERR_NOT_FOUND if not theirs. */
enum og_err apikey_revoke(const struct domain *d, struct store_conn *c,
			  const struct audit_actor *who, const char *tenant_id, const char *id);

/** Lists keys of tenant_id ("" for platform keys) by id after after_id. */
enum og_err apikey_list(const struct domain *d, struct store_conn *c, const char *tenant_id,
			const char *after_id, size_t limit, struct store_api_key *out, size_t *n);

/** Returns "admin", "send" or "tenant". */
const char *apikey_kind_name(int kind);

#endif
