/*
 * The rekey walk. It trusts nothing about a row's state: each value is
 * tried under the new secret first, so the walk is idempotent, and one that
 * opens under neither secret (damaged, or sealed by another deployment) is
 * counted, logged by id and left alone, since rewriting it could only lose
 * it. Plaintext lives in one stack buffer per row and is wiped at once.
 */
#include "domain/rekey.h"

#include "base/log.h"

#include <assert.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const rekey_kind_names[STORE_SEALED__COUNT] = {
	[STORE_SEALED_TENANT_UPSTREAM_KEY] = "tenant_upstream_key",
	[STORE_SEALED_MESSAGE_PAYLOAD] = "message_payload",
	[STORE_SEALED_OTP_CONTEXT] = "otp_context",
	[STORE_SEALED_TEST_NUMBER] = "test_number",
};

const char *rekey_kind_name(int kind)
{
	assert(kind >= 0 && kind < STORE_SEALED__COUNT);
	return rekey_kind_names[kind];
}

void rekey_ad(int kind, const char *tenant_id, const char *id, char out[REKEY_AD_MAX])
{
	/* testnum.c binds its seal to both ids; the others to the row's id. */
	if (kind == STORE_SEALED_TEST_NUMBER)
		snprintf(out, REKEY_AD_MAX, "%s/%s", tenant_id, id);
	else
		snprintf(out, REKEY_AD_MAX, "%s", id);
}

void rekey_phone_hash(const struct secret *s, const char *tenant_id, const char *phone,
		      unsigned char out[SECRET_HASH_LEN])
{
	const char *parts[] = {tenant_id, phone};
	secret_hmac(s, SECRET_PHONE_HMAC, parts, 2, out);
}

static bool rekey_has_phone(int kind)
{
	return kind == STORE_SEALED_OTP_CONTEXT || kind == STORE_SEALED_TEST_NUMBER;
}

/* Rehashes the row's phone from its opened seal ({"phone": ...}). */
static enum og_err rekey_phone(struct store_conn *c, int kind, const struct secret *to,
			       const struct store_sealed *row, const char *plain, size_t len,
			       struct rekey_stats *st)
{
	unsigned char hash[SECRET_HASH_LEN];
	json_t *root = json_loadb(plain, len, 0, NULL);
	const char *phone = json_string_value(json_object_get(root, "phone"));
	enum og_err rc = OG_OK;

	if (!phone) {
		log_warn("secret.rekey_no_phone", "{s:s, s:s, s:s}", "kind", rekey_kind_name(kind),
			 "tenant_id", row->tenant_id, "id", row->id);
		goto out;
	}
	rekey_phone_hash(to, row->tenant_id, phone, hash);
	rc = store_sealed_phone_hash_put(c, kind, row->tenant_id, row->id, hash);
	if (rc == OG_OK)
		st->phones_rehashed++;
out:
	json_decref(root); /* frees jansson's copy; the command exits soon after */
	return rc;
}

/* One row: skip, move, or count as unreadable. */
static enum og_err rekey_row(struct store_conn *c, int kind, const struct secret *from,
			     const struct secret *to, struct store_sealed *row,
			     struct rekey_stats *st)
{
	char ad[REKEY_AD_MAX];
	unsigned char plain[STORE_SEALED_PAYLOAD_MAX];
	size_t len = 0;
	enum og_err rc;

	rekey_ad(kind, row->tenant_id, row->id, ad);
	if (secret_open(to, ad, row->blob, row->blob_len, plain, sizeof plain, &len) == OG_OK) {
		st->current[kind]++;
		rc = OG_OK;
		goto out;
	}
	if (secret_open(from, ad, row->blob, row->blob_len, plain, sizeof plain, &len) != OG_OK) {
		st->unreadable[kind]++;
		log_warn("secret.rekey_unreadable", "{s:s, s:s, s:s}", "kind",
			 rekey_kind_name(kind), "tenant_id", row->tenant_id, "id", row->id);
		rc = OG_OK;
		goto out;
	}
	rc = secret_seal(to, ad, plain, len, row->blob, sizeof row->blob, &row->blob_len);
	if (rc == OG_OK)
		rc = store_sealed_put(c, kind, row);
	if (rc == OG_OK && rekey_has_phone(kind))
		rc = rekey_phone(c, kind, to, row, (const char *)plain, len, st);
	if (rc == OG_OK)
		st->resealed[kind]++;
out:
	sodium_memzero(plain, sizeof plain);
	return rc;
}

/* One batch of one kind in one transaction; *n counts the rows read. */
static enum og_err rekey_batch(struct store_conn *c, int kind, const struct secret *from,
			       const struct secret *to, struct store_sealed *rows, char *after_tenant,
			       char *after_id, size_t *n, struct rekey_stats *st)
{
	enum og_err rc = store_begin(c);

	*n = 0;
	if (rc != OG_OK)
		return rc;
	rc = store_sealed_list(c, kind, after_tenant, after_id, REKEY_BATCH_ROWS, rows, n);
	for (size_t i = 0; rc == OG_OK && i < *n; i++)
		rc = rekey_row(c, kind, from, to, &rows[i], st);
	if (rc == OG_OK)
		rc = store_commit(c);
	if (rc != OG_OK) {
		store_rollback(c);
		return rc;
	}
	if (*n > 0) {
		memcpy(after_tenant, rows[*n - 1].tenant_id, STORE_TENANT_ID_MAX);
		memcpy(after_id, rows[*n - 1].id, STORE_ID_MAX);
	}
	return OG_OK;
}

enum og_err rekey_run(struct store_conn *c, const struct secret *from, const struct secret *to,
		      rekey_batch_fn after_batch, void *arg, struct rekey_stats *out)
{
	struct store_sealed *rows;
	enum og_err rc = OG_OK;

	_Static_assert(REKEY_BATCH_ROWS <= STORE_PAGE_MAX, "a batch is one list call");
	memset(out, 0, sizeof *out);
	rows = calloc(REKEY_BATCH_ROWS, sizeof *rows);
	if (!rows)
		return OG_ERR_NOMEM;
	for (int kind = 0; rc == OG_OK && kind < STORE_SEALED__COUNT; kind++) {
		char after_tenant[STORE_TENANT_ID_MAX] = "";
		char after_id[STORE_ID_MAX] = "";
		size_t n = REKEY_BATCH_ROWS;
		while (rc == OG_OK && n == REKEY_BATCH_ROWS) {
			rc = rekey_batch(c, kind, from, to, rows, after_tenant, after_id, &n, out);
			if (rc != OG_OK)
				break;
			out->batches++;
			if (after_batch)
				after_batch(arg, out->batches);
		}
	}
	/* The rows held sealed values only, but need not linger either. */
	sodium_memzero(rows, REKEY_BATCH_ROWS * sizeof *rows);
	free(rows);
	return rc;
}
