/*
 * Re-encryption under a new secret (src/domain/rekey.c) on a real SQLite
 * store, and the secret-file helpers it relies on (src/base/secret.c):
 * every sealed column moves to the new secret, phone lookups are rehashed,
 * a second run finds everything done, a value that opens under neither
 * secret is counted and left alone, and secret files are written whole
 * and locked against each other.
 */
#include "domain/rekey.h"

#include "store/store_fixture.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>

#define PHONE "+919876543210"

struct keys {
	struct secret a, b;
};

static void make_keys(struct keys *k)
{
	unsigned char ma[SECRET_KEY_LEN] = {1}, mb[SECRET_KEY_LEN] = {2};

	secret_derive(ma, &k->a);
	secret_derive(mb, &k->b);
}

/* Seals text for a row of kind under s, as the owning module does. */
static void seal(const struct secret *s, int kind, const char *tenant, const char *id,
		 const char *text, unsigned char *out, size_t out_max, size_t *len)
{
	char ad[REKEY_AD_MAX];

	rekey_ad(kind, tenant, id, ad);
	assert_int_equal(secret_seal(s, ad, text, strlen(text), out, out_max, len), OG_OK);
}

static bool opens(const struct secret *s, int kind, const char *tenant, const char *id,
		  const unsigned char *blob, size_t len, const char *want)
{
	char ad[REKEY_AD_MAX];
	char plain[STORE_SEALED_PAYLOAD_MAX + 1];
	size_t n = 0;

	rekey_ad(kind, tenant, id, ad);
	if (secret_open(s, ad, blob, len, plain, STORE_SEALED_PAYLOAD_MAX, &n) != OG_OK)
		return false;
	plain[n] = '\0';
	return strcmp(plain, want) == 0;
}

static struct store_otp make_request(const struct secret *s, const char *tenant, const char *id)
{
	struct store_otp o;

	memset(&o, 0, sizeof o);
	SET(o.tenant_id, tenant);
	SET(o.id, id);
	rekey_phone_hash(s, tenant, PHONE, o.phone_hash);
	SET(o.phone_masked, "+91******3210");
	SET(o.template_name, "login");
	o.status = STORE_OTP_PENDING;
	o.max_attempts = 5;
	o.expires_at_ms = T0 + 300000;
	o.created_at_ms = T0;
	o.updated_at_ms = T0;
	seal(s, STORE_SEALED_OTP_CONTEXT, tenant, id, "{\"phone\":\"" PHONE "\",\"vars\":{}}",
	     o.context_sealed, sizeof o.context_sealed, &o.context_sealed_len);
	return o;
}

static void test_rekey_moves_everything_once(void **state)
{
	struct fixture *f = *state;
	struct keys k;
	struct store_tenant t;
	struct store_otp o, got;
	struct store_message m, mgot;
	struct rekey_stats st;
	unsigned char hash[SECRET_HASH_LEN];

	make_keys(&k);
	/* A tenant credential, a pending request and a queued message, under a. */
	assert_int_equal(store_tenant_get(f->c, "t_alpha", &t), OG_OK);
	seal(&k.a, STORE_SEALED_TENANT_UPSTREAM_KEY, t.id, t.id, "sm_live_key",
	     t.upstream_key_sealed, sizeof t.upstream_key_sealed, &t.upstream_key_sealed_len);
	assert_int_equal(store_tenant_update(f->c, &t), OG_OK);
	o = make_request(&k.a, "t_alpha", "req_1");
	assert_int_equal(store_otp_insert(f->c, &o), OG_OK);
	m = make_message("t_alpha", "msg_1", "req_1", T0);
	seal(&k.a, STORE_SEALED_MESSAGE_PAYLOAD, m.tenant_id, m.id, "{\"to\":\"" PHONE "\"}",
	     m.payload_sealed, sizeof m.payload_sealed, &m.payload_sealed_len);
	assert_int_equal(store_message_insert(f->c, &m), OG_OK);

	assert_int_equal(rekey_run(f->c, &k.a, &k.b, NULL, NULL, &st), OG_OK);
	assert_int_equal(st.resealed[STORE_SEALED_TENANT_UPSTREAM_KEY], 1);
	assert_int_equal(st.resealed[STORE_SEALED_OTP_CONTEXT], 1);
	assert_int_equal(st.resealed[STORE_SEALED_MESSAGE_PAYLOAD], 1);
	assert_int_equal(st.phones_rehashed, 1);

	assert_int_equal(store_tenant_get(f->c, "t_alpha", &t), OG_OK);
	assert_true(opens(&k.b, STORE_SEALED_TENANT_UPSTREAM_KEY, t.id, t.id,
			  t.upstream_key_sealed, t.upstream_key_sealed_len, "sm_live_key"));
	assert_false(opens(&k.a, STORE_SEALED_TENANT_UPSTREAM_KEY, t.id, t.id,
			   t.upstream_key_sealed, t.upstream_key_sealed_len, "sm_live_key"));
	assert_int_equal(store_otp_get(f->c, "t_alpha", "req_1", &got), OG_OK);
	assert_true(opens(&k.b, STORE_SEALED_OTP_CONTEXT, "t_alpha", "req_1", got.context_sealed,
			  got.context_sealed_len, "{\"phone\":\"" PHONE "\",\"vars\":{}}"));
	rekey_phone_hash(&k.b, "t_alpha", PHONE, hash);
	assert_memory_equal(got.phone_hash, hash, SECRET_HASH_LEN);
	/* The rehashed lookup finds the request under the new secret. */
	assert_int_equal(store_otp_find_pending(f->c, "t_alpha", hash, &got), OG_OK);
	assert_int_equal(store_message_get(f->c, "t_alpha", "msg_1", &mgot), OG_OK);
	assert_true(opens(&k.b, STORE_SEALED_MESSAGE_PAYLOAD, "t_alpha", "msg_1",
			  mgot.payload_sealed, mgot.payload_sealed_len, "{\"to\":\"" PHONE "\"}"));

	/* A second run (a rerun after a crash) finds everything done. */
	assert_int_equal(rekey_run(f->c, &k.a, &k.b, NULL, NULL, &st), OG_OK);
	for (int kind = 0; kind < STORE_SEALED__COUNT; kind++)
		assert_int_equal(st.resealed[kind], 0);
	assert_int_equal(st.current[STORE_SEALED_TENANT_UPSTREAM_KEY], 1);
	assert_int_equal(st.current[STORE_SEALED_OTP_CONTEXT], 1);
	assert_int_equal(st.current[STORE_SEALED_MESSAGE_PAYLOAD], 1);
}

static void test_rekey_leaves_unreadable_values_alone(void **state)
{
	struct fixture *f = *state;
	struct keys k;
	struct store_otp o, got;
	struct rekey_stats st;
	unsigned char foreign[SECRET_KEY_LEN] = {3};
	struct secret other;

	make_keys(&k);
	secret_derive(foreign, &other);
	o = make_request(&other, "t_beta", "req_x"); /* sealed by another deployment */
	assert_int_equal(store_otp_insert(f->c, &o), OG_OK);
	assert_int_equal(rekey_run(f->c, &k.a, &k.b, NULL, NULL, &st), OG_OK);
	assert_int_equal(st.unreadable[STORE_SEALED_OTP_CONTEXT], 1);
	assert_int_equal(st.resealed[STORE_SEALED_OTP_CONTEXT], 0);
	assert_int_equal(store_otp_get(f->c, "t_beta", "req_x", &got), OG_OK);
	assert_int_equal(got.context_sealed_len, o.context_sealed_len);
	assert_memory_equal(got.context_sealed, o.context_sealed, o.context_sealed_len);
}

static int batches_seen;

static void count_batch(void *arg, int64_t batches)
{
	(void)arg;
	batches_seen = (int)batches;
}

static void test_rekey_works_in_batches(void **state)
{
	struct fixture *f = *state;
	struct keys k;
	struct rekey_stats st;
	char id[STORE_ID_MAX];
	int rows = REKEY_BATCH_ROWS * 2 + 7;

	make_keys(&k);
	for (int i = 0; i < rows; i++) {
		struct store_otp o;
		snprintf(id, sizeof id, "req_%04d", i);
		o = make_request(&k.a, "t_alpha", id);
		assert_int_equal(store_otp_insert(f->c, &o), OG_OK);
	}
	batches_seen = 0;
	assert_int_equal(rekey_run(f->c, &k.a, &k.b, count_batch, NULL, &st), OG_OK);
	assert_int_equal(st.resealed[STORE_SEALED_OTP_CONTEXT], rows);
	/* Three batches of requests, plus one (empty) per other kind. */
	assert_int_equal(st.batches, 3 + STORE_SEALED__COUNT - 1);
	assert_int_equal(batches_seen, st.batches);
}

static void test_secret_files(void **state)
{
	struct fixture *f = *state;
	char path[160], next[SECRET_PATH_MAX];
	unsigned char master[SECRET_KEY_LEN], back[SECRET_KEY_LEN];
	struct secret s1, s2;
	struct stat st;
	bool busy = false;
	int shared, other;

	snprintf(path, sizeof path, "%s/s", f->dir);
	assert_int_equal(secret_read(path, &s1), OG_ERR_NOT_FOUND);
	randombytes_buf(master, sizeof master);
	assert_int_equal(secret_write(path, master), OG_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, SECRET_KEY_LEN);
	assert_int_equal(secret_read_master(path, back), OG_OK);
	assert_memory_equal(back, master, sizeof master);
	/* Fingerprints: stable for one secret, different for another. */
	assert_int_equal(secret_read(path, &s1), OG_OK);
	secret_derive(master, &s2);
	assert_string_equal(s1.id, s2.id);
	assert_int_equal(strlen(s1.id), SECRET_ID_MAX - 1);
	master[0] ^= 1;
	secret_derive(master, &s2);
	assert_string_not_equal(s1.id, s2.id);
	/* A file that is not exactly 32 bytes is refused. */
	assert_true(secret_path(path, SECRET_NEXT_SUFFIX, next));
	other = open(next, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(other >= 0);
	assert_int_equal(write(other, master, 31), 31);
	close(other);
	assert_int_equal(secret_read_master(next, back), OG_ERR_IO);
	unlink(next);
	/* Shared locks share; an exclusive lock waits for none of them. */
	shared = secret_lock(path, false, &busy);
	assert_true(shared >= 0);
	other = secret_lock(path, false, &busy);
	assert_true(other >= 0);
	secret_unlock(other);
	assert_int_equal(secret_lock(path, true, &busy), -1);
	assert_true(busy);
	secret_unlock(shared);
	other = secret_lock(path, true, &busy);
	assert_true(other >= 0);
	assert_int_equal(secret_lock(path, false, &busy), -1);
	assert_true(busy);
	secret_unlock(other);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rekey_moves_everything_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rekey_leaves_unreadable_values_alone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rekey_works_in_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_files, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
