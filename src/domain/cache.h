/*
 * The configuration cache: what the send and verify paths read of the
 * configuration (API keys, tenants, templates, policies, test numbers,
 * DLT headers, active pumping alerts) kept in memory, shared by every
 * thread of the process. It is valid for one configuration generation
 * (store_generation_get): every write to those tables bumps it by trigger,
 * on any node or process, so a request that starts with cache_refresh sees
 * every change committed before it, a revoked key included.
 *
 * Each lookup has the contract of the store operation it stands for,
 * NOT_FOUND included (remembered where the set of keys is bounded). With no
 * cache (d->cache NULL, as in the CLI) each goes straight to the store.
 * Lookups never lock rows: inside a write transaction that must read what
 * it writes back, call the store.
 */
#ifndef OG_CACHE_H
#define OG_CACHE_H

#include "domain/domain.h"

#define CACHE_BYTES_MAX (64u << 20) /* past this much, everything is dropped */
#define CACHE_BUCKETS 8192          /* hash chains; a power of two */

struct cache;

/** Makes an empty cache; OG_ERR_NOMEM. */
enum og_err cache_new(struct cache **out);

/** Frees the cache and everything in it; k may be NULL. */
void cache_free(struct cache *k);

/** At the start of a request: reads the generation and drops anything older. */
enum og_err cache_refresh(const struct domain *d, struct store_conn *c);

/** As store_key_find_by_hash (keys found only: unknown hashes are not kept). */
enum og_err cache_key(const struct domain *d, struct store_conn *c,
		      const unsigned char hash[SECRET_HASH_LEN], struct store_api_key *out);

/** As store_tenant_read. */
enum og_err cache_tenant(const struct domain *d, struct store_conn *c, const char *id,
			 struct store_tenant *out);

/** As store_template_get (by name, or else by DLT template id). */
enum og_err cache_template(const struct domain *d, struct store_conn *c, const char *tenant_id,
			   const char *name_or_dlt_id, struct store_template *out);

/** As store_template_get_default. */
enum og_err cache_template_default(const struct domain *d, struct store_conn *c,
				   const char *tenant_id, struct store_template *out);

/** As store_template_get_by_dlt_id. */
enum og_err cache_template_by_dlt_id(const struct domain *d, struct store_conn *c,
				     const char *tenant_id, const char *dlt_template_id,
				     struct store_template *out);

/** As store_policy_get. */
enum og_err cache_policy(const struct domain *d, struct store_conn *c, const char *tenant_id,
			 struct store_policy *out);

/** As store_testnum_find, from the tenant's whole list. */
enum og_err cache_testnum(const struct domain *d, struct store_conn *c, const char *tenant_id,
			  const unsigned char phone_hash[SECRET_HASH_LEN],
			  struct store_test_number *out);

/** As store_dlt_header_get. */
enum og_err cache_dlt_header(const struct domain *d, struct store_conn *c, const char *tenant_id,
			     const char *header, struct store_dlt_header *out);

/** As store_alert_find_active, from the tenant's list of active alerts. */
enum og_err cache_alert_active(const struct domain *d, struct store_conn *c,
			       const char *tenant_id, const char *prefix, struct store_alert *out);

#endif
