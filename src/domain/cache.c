/*
 * The configuration cache (cache.h): one hash table of copies of records,
 * each under the kind and key of the lookup that read it, with the result
 * code (so a template or policy known to be absent costs no query either).
 * Chains are keyed with SipHash (libsodium's shorthash) under a per-process
 * random key, so no client can choose keys that collide.
 *
 * Generations: cache_refresh reads the counter on the request's own
 * connection, drops every entry when it moved, and remembers, per thread,
 * the generation the request started at. An entry is added only while the
 * cache is still at that generation: a row read by a request that started
 * before a change, but put after another request saw the change, would
 * otherwise outlive it. Reads that found rows newer than their generation
 * are harmless: they are what the next request would read anyway.
 */
#include "domain/cache.h"

#include "base/log.h"

#include <assert.h>
#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_KEY_MAX (2 * STORE_TENANT_ID_MAX + STORE_URL_MAX) /* the longest lookup key */

enum cache_kind {
	CACHE_KEY,
	CACHE_TENANT,
	CACHE_TEMPLATE,
	CACHE_TEMPLATE_DEFAULT,
	CACHE_TEMPLATE_DLT,
	CACHE_POLICY,
	CACHE_TESTNUMS,
	CACHE_DLT_HEADER,
	CACHE_ALERTS
};

struct cache_entry {
	struct cache_entry *next;
	uint64_t hash;
	int kind;
	enum og_err rc;  /* OG_OK, or the NOT_FOUND remembered */
	size_t key_len;
	size_t size;     /* of the record after the key */
	unsigned char data[]; /* the key, then the record */
};

struct cache {
	pthread_mutex_t lock;
	unsigned char seed[crypto_shorthash_KEYBYTES];
	int64_t gen;   /* the generation every entry was read under; 0 before the first */
	size_t bytes;  /* held by entries */
	struct cache_entry *buckets[CACHE_BUCKETS];
};

/* A tenant's test numbers, as one entry: at most TESTNUM_PER_TENANT_MAX. */
struct cache_testnums {
	size_t count;
	struct store_test_number list[STORE_PAGE_MAX];
};

/* A tenant's active pumping alerts; a full list is not trusted. */
struct cache_alerts {
	size_t count;
	struct store_alert list[STORE_PAGE_MAX];
};

/* The generation this thread's request started at (cache_refresh). */
static _Thread_local int64_t cache_request_gen;

enum og_err cache_new(struct cache **out)
{
	struct cache *k = calloc(1, sizeof *k);

	if (!k)
		return OG_ERR_NOMEM;
	if (pthread_mutex_init(&k->lock, NULL) != 0) {
		free(k);
		return OG_ERR_INTERNAL;
	}
	randombytes_buf(k->seed, sizeof k->seed);
	*out = k;
	return OG_OK;
}

/* Drops every entry; the lock is held. */
static void cache_clear(struct cache *k)
{
	for (size_t i = 0; i < CACHE_BUCKETS; i++) {
		struct cache_entry *e = k->buckets[i];

		while (e) {
			struct cache_entry *next = e->next;
			free(e);
			e = next;
		}
		k->buckets[i] = NULL;
	}
	k->bytes = 0;
}

void cache_free(struct cache *k)
{
	if (!k)
		return;
	cache_clear(k);
	pthread_mutex_destroy(&k->lock);
	free(k);
}

enum og_err cache_refresh(const struct domain *d, struct store_conn *c)
{
	struct cache *k = d->cache;
	int64_t gen = 0;
	enum og_err rc;

	if (!k)
		return OG_OK;
	rc = store_generation_get(c, &gen);
	if (rc != OG_OK)
		return rc;
	pthread_mutex_lock(&k->lock);
	if (gen > k->gen) {
		cache_clear(k);
		k->gen = gen;
	}
	pthread_mutex_unlock(&k->lock);
	cache_request_gen = gen;
	return OG_OK;
}

static uint64_t cache_hash(const struct cache *k, int kind, const void *key, size_t len)
{
	unsigned char buf[1 + CACHE_KEY_MAX];
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h = 0;

	assert(len <= CACHE_KEY_MAX);
	buf[0] = (unsigned char)kind;
	memcpy(buf + 1, key, len);
	crypto_shorthash(out, buf, len + 1, k->seed);
	memcpy(&h, out, sizeof h);
	return h;
}

/* Copies the entry for kind/key into out (at most size bytes: lists are
 * kept only as long as they are); false on a miss. */
static bool cache_find(struct cache *k, int kind, const void *key, size_t key_len, void *out,
		       size_t size, enum og_err *rc)
{
	uint64_t h = cache_hash(k, kind, key, key_len);
	bool found = false;

	pthread_mutex_lock(&k->lock);
	for (struct cache_entry *e = k->buckets[h & (CACHE_BUCKETS - 1)]; e; e = e->next) {
		if (e->hash != h || e->kind != kind || e->key_len != key_len ||
		    memcmp(e->data, key, key_len) != 0)
			continue;
		assert(e->size <= size);
		*rc = e->rc;
		if (e->rc == OG_OK)
			memcpy(out, e->data + key_len, e->size);
		found = true;
		break;
	}
	pthread_mutex_unlock(&k->lock);
	return found;
}

/* Keeps a lookup's result, if the cache is still at the request's generation. */
static void cache_put(struct cache *k, int kind, const void *key, size_t key_len,
		      const void *record, size_t size, enum og_err rc)
{
	size_t bytes = sizeof(struct cache_entry) + key_len + size;
	struct cache_entry *e;
	size_t b;

	if (rc != OG_OK && rc != OG_ERR_NOT_FOUND)
		return; /* a failure says nothing about the configuration */
	e = malloc(bytes);
	if (!e)
		return; /* the next lookup reads the store again */
	e->hash = cache_hash(k, kind, key, key_len);
	e->kind = kind;
	e->rc = rc;
	e->key_len = key_len;
	e->size = size;
	memcpy(e->data, key, key_len);
	if (rc == OG_OK)
		memcpy(e->data + key_len, record, size);
	b = e->hash & (CACHE_BUCKETS - 1);
	pthread_mutex_lock(&k->lock);
	if (k->gen != cache_request_gen) {
		pthread_mutex_unlock(&k->lock);
		free(e);
		return;
	}
	if (k->bytes + bytes > CACHE_BYTES_MAX) {
		log_info("cache.full", "{s:I}", "bytes", (json_int_t)k->bytes);
		cache_clear(k);
	}
	/* Two requests may read the same row at once; either copy will do. */
	e->next = k->buckets[b];
	k->buckets[b] = e;
	k->bytes += bytes;
	pthread_mutex_unlock(&k->lock);
}

/* Builds the key "a\0b" (b may be NULL) into out; returns its length. */
static size_t cache_key2(const char *a, const char *b, unsigned char out[CACHE_KEY_MAX])
{
	size_t la = strlen(a), lb = b ? strlen(b) : 0;

	assert(la + 1 + lb <= CACHE_KEY_MAX);
	memcpy(out, a, la + 1);
	if (b)
		memcpy(out + la + 1, b, lb);
	return la + 1 + lb;
}

enum og_err cache_key(const struct domain *d, struct store_conn *c,
		      const unsigned char hash[SECRET_HASH_LEN], struct store_api_key *out)
{
	enum og_err rc;

	if (d->cache && cache_find(d->cache, CACHE_KEY, hash, SECRET_HASH_LEN, out, sizeof *out,
				   &rc))
		return rc;
	rc = store_key_find_by_hash(c, hash, out);
	/* Keys that are not there are not remembered: anyone can make up more. */
	if (d->cache && rc == OG_OK)
		cache_put(d->cache, CACHE_KEY, hash, SECRET_HASH_LEN, out, sizeof *out, rc);
	return rc;
}

enum og_err cache_tenant(const struct domain *d, struct store_conn *c, const char *id,
			 struct store_tenant *out)
{
	unsigned char key[CACHE_KEY_MAX];
	size_t len;
	enum og_err rc;

	if (!d->cache || strlen(id) >= STORE_TENANT_ID_MAX)
		return store_tenant_read(c, id, out);
	len = cache_key2(id, NULL, key);
	if (cache_find(d->cache, CACHE_TENANT, key, len, out, sizeof *out, &rc))
		return rc;
	rc = store_tenant_read(c, id, out);
	cache_put(d->cache, CACHE_TENANT, key, len, out, sizeof *out, rc);
	return rc;
}

/* The template lookups share a shape: kind, tenant and (maybe) a key. */
static enum og_err cache_template_kind(const struct domain *d, struct store_conn *c, int kind,
				       const char *tenant_id, const char *ref,
				       struct store_template *out)
{
	unsigned char key[CACHE_KEY_MAX];
	size_t len = 0;
	enum og_err rc;
	bool cached = d->cache && strlen(tenant_id) < STORE_TENANT_ID_MAX &&
		      (!ref || strlen(ref) < STORE_TEMPLATE_NAME_MAX);

	if (cached) {
		len = cache_key2(tenant_id, ref, key);
		if (cache_find(d->cache, kind, key, len, out, sizeof *out, &rc))
			return rc;
	}
	if (kind == CACHE_TEMPLATE)
		rc = store_template_get(c, tenant_id, ref, out);
	else if (kind == CACHE_TEMPLATE_DLT)
		rc = store_template_get_by_dlt_id(c, tenant_id, ref, out);
	else
		rc = store_template_get_default(c, tenant_id, out);
	if (cached)
		cache_put(d->cache, kind, key, len, out, sizeof *out, rc);
	return rc;
}

enum og_err cache_template(const struct domain *d, struct store_conn *c, const char *tenant_id,
			   const char *name_or_dlt_id, struct store_template *out)
{
	return cache_template_kind(d, c, CACHE_TEMPLATE, tenant_id, name_or_dlt_id, out);
}

enum og_err cache_template_default(const struct domain *d, struct store_conn *c,
				   const char *tenant_id, struct store_template *out)
{
	return cache_template_kind(d, c, CACHE_TEMPLATE_DEFAULT, tenant_id, NULL, out);
}

enum og_err cache_template_by_dlt_id(const struct domain *d, struct store_conn *c,
				     const char *tenant_id, const char *dlt_template_id,
				     struct store_template *out)
{
	return cache_template_kind(d, c, CACHE_TEMPLATE_DLT, tenant_id, dlt_template_id, out);
}

enum og_err cache_policy(const struct domain *d, struct store_conn *c, const char *tenant_id,
			 struct store_policy *out)
{
	unsigned char key[CACHE_KEY_MAX];
	size_t len;
	enum og_err rc;

	if (!d->cache || strlen(tenant_id) >= STORE_TENANT_ID_MAX)
		return store_policy_get(c, tenant_id, out);
	len = cache_key2(tenant_id, NULL, key);
	if (cache_find(d->cache, CACHE_POLICY, key, len, out, sizeof *out, &rc))
		return rc;
	rc = store_policy_get(c, tenant_id, out);
	cache_put(d->cache, CACHE_POLICY, key, len, out, sizeof *out, rc);
	return rc;
}

enum og_err cache_dlt_header(const struct domain *d, struct store_conn *c, const char *tenant_id,
			     const char *header, struct store_dlt_header *out)
{
	unsigned char key[CACHE_KEY_MAX];
	size_t len;
	enum og_err rc;

	if (!d->cache || strlen(tenant_id) >= STORE_TENANT_ID_MAX ||
	    strlen(header) >= STORE_HEADER_MAX)
		return store_dlt_header_get(c, tenant_id, header, out);
	len = cache_key2(tenant_id, header, key);
	if (cache_find(d->cache, CACHE_DLT_HEADER, key, len, out, sizeof *out, &rc))
		return rc;
	rc = store_dlt_header_get(c, tenant_id, header, out);
	cache_put(d->cache, CACHE_DLT_HEADER, key, len, out, sizeof *out, rc);
	return rc;
}

enum og_err cache_testnum(const struct domain *d, struct store_conn *c, const char *tenant_id,
			  const unsigned char phone_hash[SECRET_HASH_LEN],
			  struct store_test_number *out)
{
	unsigned char key[CACHE_KEY_MAX];
	struct cache_testnums *all;
	size_t len;
	enum og_err rc;

	if (!d->cache || strlen(tenant_id) >= STORE_TENANT_ID_MAX)
		return store_testnum_find(c, tenant_id, phone_hash, out);
	all = malloc(sizeof *all);
	if (!all)
		return OG_ERR_NOMEM;
	len = cache_key2(tenant_id, NULL, key);
	if (!cache_find(d->cache, CACHE_TESTNUMS, key, len, all, sizeof *all, &rc)) {
		rc = store_testnum_list(c, tenant_id, NULL, STORE_PAGE_MAX, all->list, &all->count);
		if (rc != OG_OK)
			goto out;
		/* A tenant holds at most TESTNUM_PER_TENANT_MAX; a full page may
		 * not be all of them, so it is not kept. */
		if (all->count < STORE_PAGE_MAX)
			cache_put(d->cache, CACHE_TESTNUMS, key, len, all,
				  offsetof(struct cache_testnums, list) + all->count * sizeof all->list[0],
				  OG_OK);
		else {
			rc = store_testnum_find(c, tenant_id, phone_hash, out);
			goto out;
		}
	}
	rc = OG_ERR_NOT_FOUND;
	for (size_t i = 0; i < all->count; i++) {
		if (sodium_memcmp(all->list[i].phone_hash, phone_hash, SECRET_HASH_LEN) == 0) {
			*out = all->list[i];
			rc = OG_OK;
			break;
		}
	}
out:
	free(all);
	return rc;
}

enum og_err cache_alert_active(const struct domain *d, struct store_conn *c,
			       const char *tenant_id, const char *prefix, struct store_alert *out)
{
	unsigned char key[CACHE_KEY_MAX];
	struct cache_alerts *all;
	size_t len;
	enum og_err rc;

	if (!d->cache || strlen(tenant_id) >= STORE_TENANT_ID_MAX)
		return store_alert_find_active(c, tenant_id, prefix, out);
	all = malloc(sizeof *all);
	if (!all)
		return OG_ERR_NOMEM;
	len = cache_key2(tenant_id, NULL, key);
	if (!cache_find(d->cache, CACHE_ALERTS, key, len, all, sizeof *all, &rc)) {
		rc = store_alert_list_active(c, tenant_id, STORE_PAGE_MAX, all->list, &all->count);
		if (rc != OG_OK)
			goto out;
		/* A full page may leave alerts out: ask the store each time. */
		if (all->count == STORE_PAGE_MAX) {
			rc = store_alert_find_active(c, tenant_id, prefix, out);
			goto out;
		}
		cache_put(d->cache, CACHE_ALERTS, key, len, all,
			  offsetof(struct cache_alerts, list) + all->count * sizeof all->list[0], OG_OK);
	}
	rc = OG_ERR_NOT_FOUND;
	for (size_t i = 0; i < all->count; i++) {
		if (strcmp(all->list[i].prefix, prefix) == 0) {
			*out = all->list[i];
			rc = OG_OK;
			break;
		}
	}
out:
	free(all);
	return rc;
}
