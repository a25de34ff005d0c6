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

/* SEC-13: after a rotation the old key stays valid this long unless the
 * caller says otherwise, so clients can switch without an outage. */
#define APIKEY_ROTATE_OVERLAP_MS (24LL * 3600 * 1000)

/* Optional restrictions on a key (SEC-11, SEC-12). */
struct apikey_limits {
	int64_t expires_at_ms; /* 0: never expires */
	size_t ip_count;       /* 0: usable from any address */
	char ips[STORE_KEY_IPS_MAX][STORE_CIDR_TEXT_MAX]; /* CIDRs or addresses, as given */
};

/* What a rotation may change; each field left out keeps the documented default. */
struct apikey_rotation {
	bool has_old_expires_at;
	int64_t old_expires_at_ms; /* default: now + APIKEY_ROTATE_OVERLAP_MS */
	bool has_expires_at;
	int64_t expires_at_ms;     /* the new key's; default: never */
	bool has_allowed_ips;
	struct apikey_limits ips;  /* the new key's list (ip_count, ips); default: the old key's */
};

/** Like apikey_create, with limits (NULL for none); a bad limit is OG_ERR_INVALID_REQUEST with det. */
enum og_err apikey_create_limited(const struct domain *d, struct store_conn *c,
				  const struct audit_actor *who, int kind, const char *tenant_id,
				  const char *name, const struct apikey_limits *lim,
				  char text[APIKEY_TEXT_MAX], struct store_api_key *out,
				  struct og_detail *det);

/** Creates the successor of key id (same kind, tenant and name) and sets the old key to
 *  expire, in one transaction; OG_ERR_NOT_FOUND if not tenant_id's, OG_ERR_CONFLICT if
 *  it is revoked or expired. */
enum og_err apikey_rotate(const struct domain *d, struct store_conn *c,
			  const struct audit_actor *who, const char *tenant_id, const char *id,
			  const struct apikey_rotation *in, char text[APIKEY_TEXT_MAX],
			  struct store_api_key *new_out, struct store_api_key *old_out,
			  struct og_detail *det);

/** Resolves key text used from client_ip to its principal: OG_ERR_UNAUTHORIZED if
 *  unknown, malformed, revoked or expired; OG_ERR_FORBIDDEN if client_ip is outside
 *  the key's allowed_ips. det (may be NULL) says which. */
enum og_err apikey_authenticate(const struct domain *d, struct store_conn *c, const char *text,
				const char *client_ip, struct apikey_principal *out,
				struct og_detail *det);

/** True if the key is past its expiry at now_ms. */
bool apikey_expired(const struct store_api_key *k, int64_t now_ms);

/** Revokes a key of tenant_id ("" for platform keys); OG_ERR_NOT_FOUND if not theirs. */
enum og_err apikey_revoke(const struct domain *d, struct store_conn *c,
			  const struct audit_actor *who, const char *tenant_id, const char *id);

/** Lists keys of tenant_id ("" for platform keys) by id after after_id. */
enum og_err apikey_list(const struct domain *d, struct store_conn *c, const char *tenant_id,
			const char *after_id, size_t limit, struct store_api_key *out, size_t *n);

/** Returns "admin", "send" or "tenant". */
const char *apikey_kind_name(int kind);

#endif
