/*
 * The DLT registries: each tenant's (its PE-ID, headers, whitelist and
 * templates) and the platform's own, which the shared route sends through
 * (DLT-52). The owner of a registry is named by a tenant id, or by ""
 * (REGISTRY_PLATFORM) for the platform's; the store keeps the platform's
 * in platform_* tables. Every change is audited in its own transaction and
 * applies to the next send, since sends read the registry afresh.
 */
#ifndef OG_REGISTRY_H
#define OG_REGISTRY_H

#include "domain/audit.h"
#include "domain/dlt.h"
#include "domain/domain.h"

#define REGISTRY_PLATFORM "" /* the owner name of the platform's registry */

/* A registry's entity: whose PE, and the header a send uses by default. */
struct registry_owner {
	char id[STORE_TENANT_ID_MAX]; /* "" for the platform */
	char pe_id[STORE_PE_ID_MAX];
	char default_header[STORE_HEADER_MAX];
};

struct registry_header_input {
	char header[STORE_HEADER_MAX];
	bool has_category;
	int category; /* enum store_dlt_category; absent: service_implicit */
	bool has_status;
	int status;   /* active or inactive; absent: active */
};

struct registry_whitelist_input {
	int kind; /* enum store_dlt_wl_kind */
	char value[STORE_DLT_VALUE_MAX];
};

struct registry_platform_input {
	bool has_pe_id;
	char pe_id[STORE_PE_ID_MAX];
	bool has_sender_header;
	char sender_header[STORE_HEADER_MAX];
};

/** Loads the owner's PE-ID and default header; OG_ERR_NOT_FOUND for an unknown tenant. */
enum og_err registry_owner_load(const struct domain *d, struct store_conn *c, const char *owner,
				struct registry_owner *out);

/** Registers (or re-registers) a header under the owner's current PE-ID; *created tells which. */
enum og_err registry_header_put(const struct domain *d, struct store_conn *c,
				const struct audit_actor *who, const char *owner,
				const struct registry_header_input *in, struct store_dlt_header *out,
				bool *created, struct og_detail *det);

/** Lists the owner's headers by name after after (NULL for the first page). */
enum og_err registry_header_list(const struct domain *d, struct store_conn *c, const char *owner,
				 const char *after, size_t limit, struct store_dlt_header *out,
				 size_t *n);

/** Removes a header; OG_ERR_NOT_FOUND if the owner has none by that name. */
enum og_err registry_header_delete(const struct domain *d, struct store_conn *c,
				   const struct audit_actor *who, const char *owner,
				   const char *header);

/** Whitelists a URL or callback number (DLT-43/44) for the owner; *created is false if it was there. */
enum og_err registry_whitelist_add(const struct domain *d, struct store_conn *c,
				   const struct audit_actor *who, const char *owner,
				   const struct registry_whitelist_input *in,
				   struct store_dlt_whitelist *out, bool *created,
				   struct og_detail *det);

/** Lists the owner's whitelist by value after after (NULL for the first page). */
enum og_err registry_whitelist_list(const struct domain *d, struct store_conn *c,
				    const char *owner, const char *after, size_t limit,
				    struct store_dlt_whitelist *out, size_t *n);

/** Removes an entry given as stored or as a callback number in any accepted form. */
enum og_err registry_whitelist_delete(const struct domain *d, struct store_conn *c,
				      const struct audit_actor *who, const char *owner,
				      const char *value);

/** Loads up to STORE_DLT_WHITELIST_MAX entries of the owner's whitelist into out. */
enum og_err registry_whitelist_load(struct store_conn *c, const char *owner,
				    struct store_dlt_whitelist *out, size_t *n);

/** Reads the platform's entity (all empty until set). */
enum og_err registry_platform_get(const struct domain *d, struct store_conn *c,
				  struct store_dlt_platform *out);

/** Sets the platform's PE-ID and default header; the header is registered as for a tenant.
 *  *warned (with warn) when the PE-ID is not 19 digits (DLT-40). */
enum og_err registry_platform_patch(const struct domain *d, struct store_conn *c,
				    const struct audit_actor *who,
				    const struct registry_platform_input *in,
				    struct store_dlt_platform *out, struct dlt_finding *warn,
				    bool *warned, struct og_detail *det);

/** In the caller's transaction: registers t's sender_header as an active service_implicit
 *  header under t's PE-ID, unless it has no PE-ID or the header is registered already. */
enum og_err registry_tenant_sync(const struct domain *d, struct store_conn *c,
				 const struct audit_actor *who, const struct store_tenant *t);

/** In the caller's transaction: maps t to the owner's default header when no headers were given,
 *  lints it against the registry (DLT-21..34, OG_ERR_TEMPLATE_REJECTED) and adds the warnings. */
enum og_err registry_template_check(const struct domain *d, struct store_conn *c,
				    const char *owner, bool has_headers, struct store_template *t,
				    const struct dlt_parsed *p, struct og_detail *det);

/** Renders a finding as an og_detail with its rule and DLT code; returns err. */
enum og_err registry_fail(struct og_detail *det, enum og_err err, const struct dlt_finding *f);

#endif
