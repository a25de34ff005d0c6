/*
 * API key creation and authentication. The key's kind is visible in its
 * prefix so an operator can tell keys apart in a config file, but the kind
 * that counts is the one stored with the hash: a forged prefix gains nothing.
 */
#include "domain/apikey.h"

#include "base/log.h"

#include <assert.h>
#include <sodium.h>
#include <string.h>

#define APIKEY_SECRET_BYTES 20 /* 160 bits, past the 128 that keys need */
#define APIKEY_PREFIX_LEN 4    /* "ogt_" */
#define APIKEY_DISPLAY_LEN 12  /* "ogt_" plus 8 characters, enough to tell keys apart */

static const char *const apikey_prefixes[] = {
	[STORE_KEY_ADMIN] = "oga_",
	[STORE_KEY_SEND] = "ogs_",
	[STORE_KEY_TENANT] = "ogt_",
};

static const char *const apikey_kind_names[] = {
	[STORE_KEY_ADMIN] = "admin",
	[STORE_KEY_SEND] = "send",
	[STORE_KEY_TENANT] = "tenant",
};

const char *apikey_kind_name(int kind)
{
	assert(kind >= STORE_KEY_ADMIN && kind <= STORE_KEY_TENANT);
	return apikey_kind_names[kind];
}

static void apikey_hash(const struct domain *d, const char *text,
			unsigned char out[SECRET_HASH_LEN])
{
	const char *parts[] = {text};
	secret_hmac(d->secret, SECRET_KEY_HMAC, parts, 1, out);
}

enum og_err apikey_create(const struct domain *d, struct store_conn *c,
			  const struct audit_actor *who, int kind, const char *tenant_id, const char *name, char text[APIKEY_TEXT_MAX],
			  struct store_api_key *out)
{
	struct store_api_key k;
	char token[RND_TOKEN_MAX];
	size_t name_len = strlen(name);
	enum og_err rc;

	assert(kind >= STORE_KEY_ADMIN && kind <= STORE_KEY_TENANT);
	assert((kind == STORE_KEY_TENANT) == (tenant_id[0] != '\0'));
	if (name_len >= sizeof k.name)
		return OG_ERR_INVALID_REQUEST;

	memset(&k, 0, sizeof k);
	k.created_at_ms = domain_now_ms(d);
	rnd_id("key", k.created_at_ms, k.id);
	memcpy(k.tenant_id, tenant_id, strlen(tenant_id) + 1);
	k.kind = kind;
	memcpy(k.name, name, name_len + 1);
	rnd_token(APIKEY_SECRET_BYTES, token);
	memcpy(text, apikey_prefixes[kind], APIKEY_PREFIX_LEN);
	memcpy(text + APIKEY_PREFIX_LEN, token, strlen(token) + 1);
	memcpy(k.prefix, text, APIKEY_DISPLAY_LEN);
	k.prefix[APIKEY_DISPLAY_LEN] = '\0';
	apikey_hash(d, text, k.hash);
	sodium_memzero(token, sizeof token);

	rc = c->ops->begin(c);
	if (rc == OG_OK)
		rc = c->ops->key_insert(c, &k);
	if (rc == OG_OK)
		rc = audit_write(d, c, who, "key.create", tenant_id, k.id,
				 kind == STORE_KEY_ADMIN  ? "{\"kind\":\"admin\"}"
				 : kind == STORE_KEY_SEND ? "{\"kind\":\"send\"}"
							  : "{\"kind\":\"tenant\"}");
	if (rc == OG_OK)
		rc = c->ops->commit(c);
	if (rc != OG_OK) {
		c->ops->rollback(c);
		sodium_memzero(text, APIKEY_TEXT_MAX);
		return rc;
	}
	log_info("key.created", "{s:s, s:s, s:s, s:s}", "key_id", k.id, "kind",
		 apikey_kind_name(kind), "prefix", k.prefix, "tenant_id", tenant_id);
	*out = k;
	return OG_OK;
}

enum og_err apikey_authenticate(const struct domain *d, struct store_conn *c, const char *text,
				struct apikey_principal *out)
{
	struct store_api_key k;
	unsigned char hash[SECRET_HASH_LEN];
	size_t len = strnlen(text, APIKEY_TEXT_MAX);
	enum og_err rc;

	/* Reject what cannot be a key before spending a hash and a query on it. */
	if (len < APIKEY_PREFIX_LEN + 16 || len >= APIKEY_TEXT_MAX || strncmp(text, "og", 2) != 0)
		return OG_ERR_UNAUTHORIZED;
	apikey_hash(d, text, hash);
	rc = c->ops->key_find_by_hash(c, hash, &k);
	if (rc == OG_ERR_NOT_FOUND)
		return OG_ERR_UNAUTHORIZED;
	if (rc != OG_OK)
		return rc;
	/* The index found the row by hash; comparing again in constant time
	 * costs nothing and does not rely on the database's comparison. */
	if (sodium_memcmp(hash, k.hash, SECRET_HASH_LEN) != 0 || k.revoked_at_ms != 0)
		return OG_ERR_UNAUTHORIZED;
	memset(out, 0, sizeof *out);
	out->kind = k.kind;
	memcpy(out->key_id, k.id, sizeof out->key_id);
	memcpy(out->tenant_id, k.tenant_id, sizeof out->tenant_id);
	return OG_OK;
}

enum og_err apikey_revoke(const struct domain *d, struct store_conn *c,
			  const struct audit_actor *who, const char *tenant_id, const char *id)
{
	enum og_err rc;

	if (strlen(id) >= STORE_ID_MAX)
		return OG_ERR_NOT_FOUND;
	rc = c->ops->begin(c);
	if (rc != OG_OK)
		return rc;
	rc = c->ops->key_revoke(c, tenant_id, id, domain_now_ms(d));
	if (rc == OG_OK)
		rc = audit_write(d, c, who, "key.revoke", tenant_id, id, NULL);
	if (rc == OG_OK)
		rc = c->ops->commit(c);
	if (rc != OG_OK)
		c->ops->rollback(c);
	if (rc == OG_OK)
		log_info("key.revoked", "{s:s, s:s}", "key_id", id, "tenant_id", tenant_id);
	return rc;
}

enum og_err apikey_list(const struct domain *d, struct store_conn *c, const char *tenant_id,
			const char *after_id, size_t limit, struct store_api_key *out, size_t *n)
{
	(void)d;
	assert(limit >= 1 && limit <= STORE_PAGE_MAX);
	return c->ops->key_list(c, tenant_id, after_id, limit, out, n);
}
