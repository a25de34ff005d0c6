/*
 * API key creation and authentication. The key's kind is visible in its
 * prefix so an operator can tell keys apart in a config file, but the kind
 * that counts is the one stored with the hash: a forged prefix gains nothing.
 */
#include "domain/apikey.h"

#include "domain/cache.h"

#include "base/cidr.h"
#include "base/log.h"

#include <arpa/inet.h>
#include <assert.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
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

static void apikey_hash(const struct secret *secret, const char *text,
			unsigned char out[SECRET_HASH_LEN])
{
	const char *parts[] = {text};
	secret_hmac(secret, SECRET_KEY_HMAC, parts, 1, out);
}

/* ---- Limits (SEC-11, SEC-12) ---------------------------------------- */

bool apikey_expired(const struct store_api_key *k, int64_t now_ms)
{
	return k->expires_at_ms != 0 && now_ms >= k->expires_at_ms;
}

/* Writes a block in its canonical form, "10.0.0.0/8" or "2001:db8::/32". */
static bool apikey_cidr_text(const struct cidr *b, char out[STORE_CIDR_TEXT_MAX])
{
	char addr[INET6_ADDRSTRLEN];
	int n;

	if (!inet_ntop(b->family, b->addr, addr, sizeof addr))
		return false;
	n = snprintf(out, STORE_CIDR_TEXT_MAX, "%s/%d", addr, b->bits);
	return n > 0 && n < STORE_CIDR_TEXT_MAX;
}

/* Validates the limits and writes them onto k: the expiry, and the blocks
 * as one comma-separated list of canonical CIDRs (cidr_list_parse reads it
 * back), with host bits cleared and a bare address made a /32 or /128. */
static enum og_err apikey_apply_limits(const struct apikey_limits *lim, int64_t now_ms,
				       struct store_api_key *k, struct og_detail *det)
{
	size_t used = 0;

	k->expires_at_ms = 0;
	k->allowed_ips[0] = '\0';
	if (!lim)
		return OG_OK;
	if (lim->expires_at_ms != 0 && lim->expires_at_ms <= now_ms)
		return og_fail(det, OG_ERR_INVALID_REQUEST, "expires_at",
			       "expires_at must be in the future");
	k->expires_at_ms = lim->expires_at_ms;
	if (lim->ip_count > STORE_KEY_IPS_MAX)
		return og_fail(det, OG_ERR_INVALID_REQUEST, "allowed_ips",
			       "allowed_ips may have at most %d items", STORE_KEY_IPS_MAX);
	for (size_t i = 0; i < lim->ip_count; i++) {
		struct cidr b;
		char text[STORE_CIDR_TEXT_MAX];
		size_t len;
		if (!cidr_parse(lim->ips[i], &b) || !apikey_cidr_text(&b, text))
			return og_fail(det, OG_ERR_INVALID_REQUEST, "allowed_ips",
				       "allowed_ips[%zu] is not an IPv4 or IPv6 address or CIDR block",
				       i);
		len = strlen(text);
		/* STORE_KEY_ALLOWED_IPS_MAX holds STORE_KEY_IPS_MAX of the longest. */
		assert(used + len + 2 <= sizeof k->allowed_ips);
		if (used)
			k->allowed_ips[used++] = ',';
		memcpy(k->allowed_ips + used, text, len + 1);
		used += len;
	}
	return OG_OK;
}

/* The audit detail of a new key: its kind and any limits. Never the key. */
static char *apikey_detail(const struct store_api_key *k, const char *rotates)
{
	json_t *root = json_pack("{s:s}", "kind", apikey_kind_name(k->kind));
	char when[CLOCK_ISO_MAX];
	char *text = NULL;

	if (!root)
		return NULL;
	if (k->expires_at_ms) {
		clock_format_iso(k->expires_at_ms, when);
		json_object_set_new(root, "expires_at", json_string(when));
	}
	if (k->allowed_ips[0]) {
		struct cidr_list list;
		json_t *ips = json_array();
		char block[STORE_CIDR_TEXT_MAX];
		if (ips && cidr_list_parse(k->allowed_ips, &list))
			for (size_t i = 0; i < list.count; i++)
				if (apikey_cidr_text(&list.items[i], block))
					json_array_append_new(ips, json_string(block));
		json_object_set_new(root, "allowed_ips", ips ? ips : json_null());
	}
	if (rotates)
		json_object_set_new(root, "rotates", json_string(rotates));
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	return text;
}

/* Fills k as a new key of kind and writes its text; nothing is stored yet. */
static enum og_err apikey_mint(const struct domain *d, int kind, const char *tenant_id,
			       const char *name, int64_t now_ms, char text[APIKEY_TEXT_MAX],
			       struct store_api_key *k)
{
	char token[RND_TOKEN_MAX];
	size_t name_len = strlen(name);

	assert(kind >= STORE_KEY_ADMIN && kind <= STORE_KEY_TENANT);
	assert((kind == STORE_KEY_TENANT) == (tenant_id[0] != '\0'));
	if (name_len >= sizeof k->name)
		return OG_ERR_INVALID_REQUEST;
	memset(k, 0, sizeof *k);
	k->created_at_ms = now_ms;
	rnd_id("key", k->created_at_ms, k->id);
	memcpy(k->tenant_id, tenant_id, strlen(tenant_id) + 1);
	k->kind = kind;
	memcpy(k->name, name, name_len + 1);
	rnd_token(APIKEY_SECRET_BYTES, token);
	memcpy(text, apikey_prefixes[kind], APIKEY_PREFIX_LEN);
	memcpy(text + APIKEY_PREFIX_LEN, token, strlen(token) + 1);
	memcpy(k->prefix, text, APIKEY_DISPLAY_LEN);
	k->prefix[APIKEY_DISPLAY_LEN] = '\0';
	apikey_hash(d->secret, text, k->hash);
	memcpy(k->secret_id, d->secret->id, sizeof k->secret_id);
	sodium_memzero(token, sizeof token);
	return OG_OK;
}

/* In an open transaction: stores k and its audit entry. */
static enum og_err apikey_insert(const struct domain *d, struct store_conn *c,
				 const struct audit_actor *who, const struct store_api_key *k,
				 const char *rotates)
{
	char *detail = apikey_detail(k, rotates);
	enum og_err rc;

	if (!detail)
		return OG_ERR_NOMEM;
	rc = store_key_insert(c, k);
	if (rc == OG_OK)
		rc = audit_write(d, c, who, "key.create", k->tenant_id, k->id, detail);
	free(detail);
	return rc;
}

enum og_err apikey_create(const struct domain *d, struct store_conn *c,
			  const struct audit_actor *who, int kind, const char *tenant_id, const char *name, char text[APIKEY_TEXT_MAX],
			  struct store_api_key *out)
{
	return apikey_create_limited(d, c, who, kind, tenant_id, name, NULL, text, out, NULL);
}

enum og_err apikey_create_limited(const struct domain *d, struct store_conn *c,
				  const struct audit_actor *who, int kind, const char *tenant_id,
				  const char *name, const struct apikey_limits *lim,
				  char text[APIKEY_TEXT_MAX], struct store_api_key *out,
				  struct og_detail *det)
{
	struct store_api_key k;
	enum og_err rc;

	rc = apikey_mint(d, kind, tenant_id, name, domain_now_ms(d), text, &k);
	if (rc == OG_OK)
		rc = apikey_apply_limits(lim, k.created_at_ms, &k, det);
	if (rc != OG_OK)
		goto out;
	rc = store_begin(c);
	if (rc == OG_OK)
		rc = apikey_insert(d, c, who, &k, NULL);
	if (rc == OG_OK)
		rc = store_commit(c);
	if (rc != OG_OK)
		store_rollback(c);
out:
	if (rc != OG_OK) {
		sodium_memzero(text, APIKEY_TEXT_MAX);
		return rc;
	}
	log_info("key.created", "{s:s, s:s, s:s, s:s}", "key_id", k.id, "kind",
		 apikey_kind_name(kind), "prefix", k.prefix, "tenant_id", tenant_id);
	*out = k;
	return OG_OK;
}

/* ---- Rotation (SEC-13) ----------------------------------------------- */

/* In an open transaction: the old key's successor and the old key's end. */
static enum og_err apikey_rotate_locked(const struct domain *d, struct store_conn *c,
					const struct audit_actor *who, const char *tenant_id,
					const char *id, const struct apikey_rotation *in,
					int64_t now, char text[APIKEY_TEXT_MAX],
					struct store_api_key *nk, struct store_api_key *old,
					struct og_detail *det)
{
	struct apikey_limits lim;
	int64_t old_end;
	char when[CLOCK_ISO_MAX];
	char detail[STORE_AUDIT_DETAIL_MAX];
	enum og_err rc;

	rc = store_key_get(c, tenant_id, id, old);
	if (rc != OG_OK)
		return rc;
	if (old->revoked_at_ms != 0 || apikey_expired(old, now))
		return og_fail(det, OG_ERR_CONFLICT, NULL,
			       "the key is %s; create a new key instead",
			       old->revoked_at_ms ? "revoked" : "expired");
	old_end = in->has_old_expires_at ? in->old_expires_at_ms : now + APIKEY_ROTATE_OVERLAP_MS;
	if (old_end <= now)
		return og_fail(det, OG_ERR_INVALID_REQUEST, "old_expires_at",
			       "old_expires_at must be in the future; revoke the key to end it now");
	/* A rotation never lengthens the old key's life. */
	if (old->expires_at_ms != 0 && old->expires_at_ms < old_end)
		old_end = old->expires_at_ms;

	memset(&lim, 0, sizeof lim);
	lim.expires_at_ms = in->has_expires_at ? in->expires_at_ms : 0;
	if (in->has_allowed_ips) {
		lim.ip_count = in->ips.ip_count;
		memcpy(lim.ips, in->ips.ips, sizeof lim.ips);
	}
	rc = apikey_mint(d, old->kind, old->tenant_id, old->name, now, text, nk);
	if (rc == OG_OK)
		rc = apikey_apply_limits(&lim, now, nk, det);
	if (rc != OG_OK)
		return rc;
	if (!in->has_allowed_ips)
		memcpy(nk->allowed_ips, old->allowed_ips, sizeof nk->allowed_ips);
	rc = apikey_insert(d, c, who, nk, old->id);
	if (rc == OG_OK)
		rc = store_key_set_expiry(c, tenant_id, old->id, old_end);
	if (rc != OG_OK)
		return rc;
	old->expires_at_ms = old_end;
	clock_format_iso(old_end, when);
	snprintf(detail, sizeof detail, "{\"new_key_id\":\"%s\",\"old_expires_at\":\"%s\"}", nk->id,
		 when);
	return audit_write(d, c, who, "key.rotate", tenant_id, old->id, detail);
}

enum og_err apikey_rotate(const struct domain *d, struct store_conn *c,
			  const struct audit_actor *who, const char *tenant_id, const char *id,
			  const struct apikey_rotation *in, char text[APIKEY_TEXT_MAX],
			  struct store_api_key *new_out, struct store_api_key *old_out,
			  struct og_detail *det)
{
	int64_t now = domain_now_ms(d);
	enum og_err rc;

	if (strlen(id) >= STORE_ID_MAX)
		return OG_ERR_NOT_FOUND;
	rc = store_begin(c);
	if (rc == OG_OK)
		rc = apikey_rotate_locked(d, c, who, tenant_id, id, in, now, text, new_out, old_out,
					  det);
	if (rc == OG_OK)
		rc = store_commit(c);
	if (rc != OG_OK) {
		store_rollback(c);
		sodium_memzero(text, APIKEY_TEXT_MAX);
		return rc;
	}
	log_info("key.rotated", "{s:s, s:s, s:s, s:I}", "key_id", old_out->id, "new_key_id",
		 new_out->id, "tenant_id", tenant_id, "old_expires_at_ms",
		 (json_int_t)old_out->expires_at_ms);
	return OG_OK;
}

/* ---- Authentication -------------------------------------------------- */

/* SEC-05: a key hashed under the previous secret is found by that hash and
 * rehashed under the current one, so the previous secret is needed only
 * until every live key has been used once, rotated, revoked or expired. */
static enum og_err apikey_find(const struct domain *d, struct store_conn *c, const char *text,
			       struct store_api_key *k)
{
	unsigned char hash[SECRET_HASH_LEN];
	unsigned char old[SECRET_HASH_LEN];
	enum og_err rc;

	apikey_hash(d->secret, text, hash);
	rc = cache_key(d, c, hash, k);
	/* The index found the row by hash; comparing again in constant time
	 * costs nothing and does not rely on the database's comparison. */
	if (rc == OG_OK && sodium_memcmp(hash, k->hash, SECRET_HASH_LEN) != 0)
		rc = OG_ERR_NOT_FOUND;
	if (rc != OG_ERR_NOT_FOUND || !d->secret_prev)
		return rc;
	apikey_hash(d->secret_prev, text, old);
	rc = store_key_find_by_hash(c, old, k);
	if (rc == OG_OK && sodium_memcmp(old, k->hash, SECRET_HASH_LEN) != 0)
		rc = OG_ERR_NOT_FOUND;
	if (rc != OG_OK)
		return rc;
	/* The key is genuine; a failed upgrade only means it is tried again. */
	if (store_key_rehash(c, k->id, hash, d->secret->id) == OG_OK) {
		memcpy(k->hash, hash, sizeof k->hash);
		memcpy(k->secret_id, d->secret->id, sizeof k->secret_id);
		log_info("key.rehashed", "{s:s, s:s}", "key_id", k->id, "secret_id", d->secret->id);
	}
	return OG_OK;
}

enum og_err apikey_authenticate(const struct domain *d, struct store_conn *c, const char *text,
				const char *client_ip, struct apikey_principal *out,
				struct og_detail *det)
{
	struct store_api_key k;
	size_t len = strnlen(text, APIKEY_TEXT_MAX);
	enum og_err rc;

	/* Reject what cannot be a key before spending a hash and a query on it. */
	if (len < APIKEY_PREFIX_LEN + 16 || len >= APIKEY_TEXT_MAX || strncmp(text, "og", 2) != 0)
		return og_fail(det, OG_ERR_UNAUTHORIZED, NULL, "the API key is not valid");
	rc = apikey_find(d, c, text, &k);
	if (rc == OG_ERR_NOT_FOUND || (rc == OG_OK && k.revoked_at_ms != 0))
		return og_fail(det, OG_ERR_UNAUTHORIZED, NULL, "the API key is not valid");
	if (rc != OG_OK)
		return rc;
	/* SEC-11 */
	if (apikey_expired(&k, domain_now_ms(d)))
		return og_fail(det, OG_ERR_UNAUTHORIZED, NULL, "the API key has expired");
	/* SEC-12: an address that cannot be read is outside every list. */
	if (k.allowed_ips[0]) {
		struct cidr_list list;
		if (!cidr_list_parse(k.allowed_ips, &list)) {
			log_error("key.allowed_ips_unreadable", "{s:s}", "key_id", k.id);
			return og_fail(det, OG_ERR_FORBIDDEN, NULL,
				       "this API key may not be used from %s", client_ip);
		}
		if (!client_ip || !cidr_list_contains(&list, client_ip))
			return og_fail(det, OG_ERR_FORBIDDEN, NULL,
				       "this API key may not be used from %s",
				       client_ip && client_ip[0] ? client_ip : "an unknown address");
	}
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
	rc = store_begin(c);
	if (rc != OG_OK)
		return rc;
	rc = store_key_revoke(c, tenant_id, id, domain_now_ms(d));
	if (rc == OG_OK)
		rc = audit_write(d, c, who, "key.revoke", tenant_id, id, NULL);
	if (rc == OG_OK)
		rc = store_commit(c);
	if (rc != OG_OK)
		store_rollback(c);
	if (rc == OG_OK)
		log_info("key.revoked", "{s:s, s:s}", "key_id", id, "tenant_id", tenant_id);
	return rc;
}

enum og_err apikey_list(const struct domain *d, struct store_conn *c, const char *tenant_id,
			const char *after_id, size_t limit, struct store_api_key *out, size_t *n)
{
	(void)d;
	assert(limit >= 1 && limit <= STORE_PAGE_MAX);
	return store_key_list(c, tenant_id, after_id, limit, out, n);
}
