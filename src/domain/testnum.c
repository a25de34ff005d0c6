/*
 * Test numbers. The fixed code is sealed, not hashed: a send to a test
 * number must put the code into the request exactly as a generated code
 * would be (its keyed hash bound to the new request), so otp_verify has one
 * path for every request and a test code can verify nothing else. The seal
 * is bound to the tenant and the test number's id.
 */
#include "domain/testnum.h"

#include "domain/cache.h"

#include "base/log.h"

#include <assert.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TESTNUM_AD_MAX (STORE_TENANT_ID_MAX + STORE_ID_MAX + 1)
#define TESTNUM_PLAIN_MAX (STORE_TEST_NUMBER_SEALED_MAX - SECRET_SEAL_OVERHEAD)
#define TESTNUM_DETAIL_MAX 96

static void testnum_ad(const char *tenant_id, const char *id, char out[TESTNUM_AD_MAX])
{
	snprintf(out, TESTNUM_AD_MAX, "%s/%s", tenant_id, id); /* both are bounded ids */
}

/* The same keyed hash as a request's phone_hash, so one lookup serves both. */
static void testnum_phone_hash(const struct domain *d, const char *tenant_id, const char *phone,
			       unsigned char out[SECRET_HASH_LEN])
{
	const char *parts[] = {tenant_id, phone};
	secret_hmac(d->secret, SECRET_PHONE_HMAC, parts, 2, out);
}

static bool testnum_code_valid(const char *code)
{
	size_t len = strnlen(code, RND_CODE_LEN_MAX + 1);

	return len >= RND_CODE_LEN_MIN && len <= RND_CODE_LEN_MAX &&
	       strspn(code, "0123456789") == len;
}

static enum og_err testnum_seal(const struct domain *d, const char *phone, const char *code,
				struct store_test_number *t)
{
	char ad[TESTNUM_AD_MAX];
	char plain[TESTNUM_PLAIN_MAX];
	json_t *obj = json_pack("{s:s, s:s}", "phone", phone, "code", code);
	size_t len = obj ? json_dumpb(obj, plain, sizeof plain, JSON_COMPACT) : 0;
	enum og_err rc;

	json_decref(obj);
	if (len == 0 || len >= sizeof plain)
		return OG_ERR_INTERNAL;
	testnum_ad(t->tenant_id, t->id, ad);
	rc = secret_seal(d->secret, ad, plain, len, t->sealed, sizeof t->sealed, &t->sealed_len);
	sodium_memzero(plain, sizeof plain);
	return rc;
}

enum og_err testnum_add(const struct domain *d, struct store_conn *c,
			const struct audit_actor *who, const char *tenant_id, const char *phone,
			const char *code, struct store_test_number *out, struct og_detail *det)
{
	struct store_test_number t;
	struct store_tenant tenant;
	char e164[PHONE_MAX];
	char detail[TESTNUM_DETAIL_MAX];
	int64_t now = domain_now_ms(d);
	int64_t count = 0;
	enum og_err rc;

	if (!phone_parse(phone, e164))
		return og_fail(det, OG_ERR_INVALID_PHONE, "phone",
			       "phone must be E.164, e.g. +919876543210");
	if (!testnum_code_valid(code))
		return og_fail(det, OG_ERR_INVALID_REQUEST, "code",
			       "the code must be %d to %d digits", RND_CODE_LEN_MIN,
			       RND_CODE_LEN_MAX);
	memset(&t, 0, sizeof t);
	memcpy(t.tenant_id, tenant_id, strnlen(tenant_id, STORE_TENANT_ID_MAX - 1));
	rnd_id("tnum", now, t.id);
	testnum_phone_hash(d, t.tenant_id, e164, t.phone_hash);
	phone_mask(e164, t.phone_masked);
	t.created_at_ms = now;
	rc = testnum_seal(d, e164, code, &t);
	if (rc != OG_OK)
		goto out;
	rc = store_begin(c);
	if (rc != OG_OK)
		goto out;
	rc = store_tenant_get(c, t.tenant_id, &tenant);
	if (rc == OG_OK)
		rc = store_testnum_count(c, t.tenant_id, &count);
	if (rc == OG_OK && count >= TESTNUM_PER_TENANT_MAX)
		rc = og_fail(det, OG_ERR_INVALID_REQUEST, NULL,
			     "a tenant may have at most %d test numbers", TESTNUM_PER_TENANT_MAX);
	if (rc == OG_OK) {
		rc = store_testnum_insert(c, &t);
		if (rc == OG_ERR_CONFLICT)
			og_fail(det, rc, "phone", "the tenant already has this test number");
	}
	snprintf(detail, sizeof detail, "{\"phone\":\"%s\"}", t.phone_masked);
	if (rc == OG_OK)
		rc = audit_write(d, c, who, "test_number.create", t.tenant_id, t.id, detail);
	if (rc == OG_OK)
		rc = store_commit(c);
	if (rc != OG_OK) {
		store_rollback(c);
		goto out;
	}
	log_info("guard.test_number_added", "{s:s, s:s, s:s}", "tenant_id", t.tenant_id, "id",
		 t.id, "phone", t.phone_masked);
	*out = t;
out:
	sodium_memzero(e164, sizeof e164);
	return rc;
}

enum og_err testnum_list(const struct domain *d, struct store_conn *c, const char *tenant_id,
			 const char *after_id, size_t limit, struct store_test_number *out,
			 size_t *n)
{
	(void)d;
	assert(limit >= 1 && limit <= STORE_PAGE_MAX);
	return store_testnum_list(c, tenant_id, after_id, limit, out, n);
}

enum og_err testnum_remove(const struct domain *d, struct store_conn *c,
			   const struct audit_actor *who, const char *tenant_id, const char *ref)
{
	struct store_test_number t;
	char e164[PHONE_MAX];
	char id[STORE_ID_MAX];
	char detail[TESTNUM_DETAIL_MAX];
	enum og_err rc;

	if (strnlen(ref, STORE_ID_MAX) >= STORE_ID_MAX)
		return OG_ERR_NOT_FOUND;
	memcpy(id, ref, strlen(ref) + 1);
	rc = store_begin(c);
	if (rc != OG_OK)
		return rc;
	/* The path may name the number itself rather than its id. */
	if (ref[0] == '+' && phone_parse(ref, e164)) {
		unsigned char hash[SECRET_HASH_LEN];
		testnum_phone_hash(d, tenant_id, e164, hash);
		rc = store_testnum_find(c, tenant_id, hash, &t);
		if (rc == OG_OK)
			memcpy(id, t.id, sizeof id);
	} else {
		rc = OG_OK;
	}
	if (rc == OG_OK)
		rc = store_testnum_delete(c, tenant_id, id);
	snprintf(detail, sizeof detail, "{}");
	if (rc == OG_OK)
		rc = audit_write(d, c, who, "test_number.delete", tenant_id, id, detail);
	if (rc == OG_OK)
		rc = store_commit(c);
	if (rc != OG_OK)
		store_rollback(c);
	return rc;
}

enum og_err testnum_lookup(const struct domain *d, struct store_conn *c, const char *tenant_id,
			   const char *phone, bool *found, char code[RND_CODE_LEN_MAX + 1])
{
	struct store_test_number t;
	unsigned char hash[SECRET_HASH_LEN];
	char ad[TESTNUM_AD_MAX];
	char plain[TESTNUM_PLAIN_MAX + 1];
	size_t len = 0;
	json_t *obj = NULL;
	const char *ph, *cd;
	enum og_err rc;

	*found = false;
	testnum_phone_hash(d, tenant_id, phone, hash);
	rc = cache_testnum(d, c, tenant_id, hash, &t);
	if (rc == OG_ERR_NOT_FOUND)
		return OG_OK;
	if (rc != OG_OK)
		return rc;
	testnum_ad(t.tenant_id, t.id, ad);
	rc = secret_open(d->secret, ad, t.sealed, t.sealed_len, plain, TESTNUM_PLAIN_MAX, &len);
	if (rc != OG_OK)
		goto out;
	plain[len] = '\0';
	obj = json_loads(plain, 0, NULL);
	ph = json_string_value(json_object_get(obj, "phone"));
	cd = json_string_value(json_object_get(obj, "code"));
	/* The hash matched; the sealed number must too, or the row was moved. */
	if (!ph || !cd || strcmp(ph, phone) != 0 || !testnum_code_valid(cd)) {
		rc = OG_ERR_INTERNAL;
		goto out;
	}
	memcpy(code, cd, strlen(cd) + 1);
	*found = true;
out:
	json_decref(obj);
	sodium_memzero(plain, sizeof plain);
	return rc;
}
