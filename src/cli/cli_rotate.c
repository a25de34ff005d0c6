/*
 * `otpgate rotate-secret`: replaces the deployment secret (docs/SECURITY.md
 * SEC-03..SEC-07). Beside the secret file SECRET it uses SECRET.next (the
 * staged new secret) and SECRET.prev (the replaced one, kept so hashes that
 * cannot be recomputed still verify). The steps, each safe to repeat, so
 * running the command again after a crash at any point finishes the
 * rotation:
 *
 *   1. lock SECRET exclusively (a running server holds it shared);
 *   2. stage SECRET.next atomically, unless a crashed run already did;
 *   3. re-encrypt every sealed value and rehash the phone lookups (rekey.c,
 *      one transaction per batch, rows already done are skipped);
 *   4. record the new fingerprint and an audit entry in one transaction;
 *   5. write SECRET.prev atomically from SECRET, then rename SECRET.next
 *      over SECRET.
 *
 * `--retire-previous` deletes SECRET.prev once no live API key is still
 * hashed under it and every code sent before the rotation is dead.
 *
 * OTPGATE_ROTATE_CRASH_AT (staged, batch:N, recorded, prev) ends the
 * process with _exit at that step, exactly as kill -9 would; the crash
 * tests use it to stop a rotation at each point deterministically.
 */
#include "cli/cli.h"

#include "base/clock.h"
#include "base/log.h"
#include "domain/audit.h"
#include "domain/rekey.h"
#include "domain/tenant.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ROTATE_CRASH_ENV "OTPGATE_ROTATE_CRASH_AT"
#define ROTATE_CRASH_EXIT 137 /* what a shell reports for kill -9 */
#define ROTATE_CODE_LIFE_MS ((int64_t)TENANT_OTP_TTL_MAX_SEC * 1000)

/* The three files beside the secret file. */
struct rotate_paths {
	char cur[SECRET_PATH_MAX];
	char prev[SECRET_PATH_MAX];
	char next[SECRET_PATH_MAX];
};

/* Ends the process at the named step when the crash test asks for it. */
static void rotate_crash_point(const char *step)
{
	const char *at = getenv(ROTATE_CRASH_ENV);

	if (at && strcmp(at, step) == 0) {
		fprintf(stderr, "otpgate: %s=%s: exiting as if killed\n", ROTATE_CRASH_ENV, step);
		_exit(ROTATE_CRASH_EXIT);
	}
}

static void rotate_after_batch(void *arg, int64_t batches)
{
	char step[32];

	(void)arg;
	snprintf(step, sizeof step, "batch:%lld", (long long)batches);
	rotate_crash_point(step);
}

static bool rotate_paths_init(const char *secret_file, struct rotate_paths *p)
{
	return secret_path(secret_file, "", p->cur) &&
	       secret_path(secret_file, SECRET_PREV_SUFFIX, p->prev) &&
	       secret_path(secret_file, SECRET_NEXT_SUFFIX, p->next);
}

/* Step 2: the new secret, staged as SECRET.next; a crashed run's is reused. */
static enum og_err rotate_stage(const struct config *cfg, const struct rotate_paths *p,
				const unsigned char cur[SECRET_KEY_LEN],
				unsigned char next[SECRET_KEY_LEN], bool *resumed)
{
	unsigned char given[SECRET_KEY_LEN];
	bool has_given = false;
	enum og_err rc;

	if (cfg->new_secret_file[0]) {
		rc = secret_read_master(cfg->new_secret_file, given);
		if (rc != OG_OK) {
			fprintf(stderr, "otpgate: %s must be an existing file of exactly %d bytes\n",
				cfg->new_secret_file, SECRET_KEY_LEN);
			return rc;
		}
		has_given = true;
	}
	rc = secret_read_master(p->next, next);
	*resumed = rc == OG_OK;
	if (rc == OG_OK) {
		if (has_given && sodium_memcmp(given, next, SECRET_KEY_LEN) != 0) {
			fprintf(stderr, "otpgate: %s holds another new secret from a rotation that did "
					"not finish; run again without --new-secret-file to finish it\n",
				p->next);
			rc = OG_ERR_CONFLICT;
		}
		goto out;
	}
	if (rc != OG_ERR_NOT_FOUND) {
		fprintf(stderr, "otpgate: cannot read %s\n", p->next);
		goto out;
	}
	if (has_given)
		memcpy(next, given, SECRET_KEY_LEN);
	else
		randombytes_buf(next, SECRET_KEY_LEN);
	if (sodium_memcmp(next, cur, SECRET_KEY_LEN) == 0) {
		fprintf(stderr, "otpgate: the new secret is the current one\n");
		rc = OG_ERR_INVALID_REQUEST;
		goto out;
	}
	rc = secret_write(p->next, next);
	if (rc != OG_OK)
		fprintf(stderr, "otpgate: cannot write %s: %s\n", p->next, strerror(errno));
out:
	sodium_memzero(given, sizeof given);
	return rc;
}

/* Live keys still hashed under a secret other than `current`. */
static enum og_err rotate_stale_keys(struct store_conn *c, const struct secret *current,
				     int64_t *n)
{
	enum og_err rc = store_key_count_stale(c, current->id, clock_now_ms(), n);

	if (rc != OG_OK)
		fprintf(stderr, "otpgate: counting the API keys failed\n");
	return rc;
}

/* The database must belong to the current secret or, when a crashed run
 * got past step 4, to the staged one (next; NULL before anything is staged). */
static enum og_err rotate_check_db(struct store_conn *c, const struct secret *cur,
				   const struct secret *next, bool *recorded)
{
	struct store_secret_state st;
	enum og_err rc = store_sealed_secret_get(c, &st);

	*recorded = false;
	if (rc == OG_ERR_NOT_FOUND)
		return OG_OK; /* never opened by a server: it holds nothing sealed yet */
	if (rc != OG_OK)
		return rc;
	if (next && strcmp(st.fingerprint, next->id) == 0) {
		*recorded = true; /* a crashed run got past step 4 */
		return OG_OK;
	}
	if (strcmp(st.fingerprint, cur->id) != 0) {
		fprintf(stderr, "otpgate: the secret file (fingerprint %s) is not the secret of this "
				"database (fingerprint %s)\n",
			cur->id, st.fingerprint);
		return OG_ERR_CONFLICT;
	}
	return OG_OK;
}

/* Step 4: the new fingerprint and the audit entry, in one transaction. */
static enum og_err rotate_record(const struct domain *d, struct store_conn *c,
				 const struct secret *cur, const struct secret *next,
				 const struct rekey_stats *rs, int64_t stale)
{
	struct store_secret_state st;
	char detail[STORE_AUDIT_DETAIL_MAX];
	int64_t resealed = 0, unreadable = 0;
	enum og_err rc;

	for (int k = 0; k < STORE_SEALED__COUNT; k++) {
		resealed += rs->resealed[k];
		unreadable += rs->unreadable[k];
	}
	snprintf(detail, sizeof detail,
		 "{\"from\":\"%s\",\"to\":\"%s\",\"resealed\":%lld,\"phones_rehashed\":%lld,"
		 "\"unreadable\":%lld,\"keys_on_previous_secret\":%lld}",
		 cur->id, next->id, (long long)resealed, (long long)rs->phones_rehashed,
		 (long long)unreadable, (long long)stale);
	memset(&st, 0, sizeof st);
	memcpy(st.fingerprint, next->id, sizeof st.fingerprint);
	memcpy(st.previous_fingerprint, cur->id, sizeof st.previous_fingerprint);
	st.rotated_at_ms = domain_now_ms(d);
	rc = store_begin(c);
	if (rc != OG_OK)
		return rc;
	rc = store_sealed_secret_put(c, &st);
	if (rc == OG_OK)
		rc = audit_write(d, c, &audit_cli, "secret.rotate", "", "", detail);
	if (rc == OG_OK)
		rc = store_commit(c);
	if (rc != OG_OK)
		store_rollback(c);
	return rc;
}

/* Step 5: SECRET.prev from SECRET, then SECRET.next over SECRET. */
static enum og_err rotate_swap(const struct rotate_paths *p, const unsigned char cur[SECRET_KEY_LEN])
{
	enum og_err rc = secret_write(p->prev, cur);

	if (rc != OG_OK) {
		fprintf(stderr, "otpgate: cannot write %s\n", p->prev);
		return rc;
	}
	rotate_crash_point("prev");
	if (rename(p->next, p->cur) != 0) {
		fprintf(stderr, "otpgate: cannot rename %s to %s: %s\n", p->next, p->cur,
			strerror(errno));
		return OG_ERR_IO;
	}
	/* The rename is durable only once the directory is; writing SECRET.prev
	 * again syncs that same directory. */
	return secret_write(p->prev, cur);
}

static void rotate_report(const struct secret *cur, const struct secret *next,
			  const struct rekey_stats *rs, int64_t stale, bool resumed)
{
	json_t *resealed = json_object(), *unreadable = json_object();
	json_t *out;
	char *text;

	for (int k = 0; k < STORE_SEALED__COUNT; k++) {
		json_object_set_new(resealed, rekey_kind_name(k), json_integer(rs->resealed[k]));
		json_object_set_new(unreadable, rekey_kind_name(k), json_integer(rs->unreadable[k]));
	}
	out = json_pack("{s:s, s:s, s:b, s:o, s:o, s:I, s:I}", "from", cur->id, "to", next->id,
			"resumed", resumed, "resealed", resealed, "unreadable", unreadable,
			"phones_rehashed", (json_int_t)rs->phones_rehashed,
			"keys_on_previous_secret", (json_int_t)stale);
	text = out ? json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(out);
}

/* Rotation proper, with the lock held and the store open. */
static int rotate_run(const struct config *cfg, const struct rotate_paths *p,
		      struct cli_store *cs)
{
	unsigned char cur_raw[SECRET_KEY_LEN], next_raw[SECRET_KEY_LEN];
	struct secret cur, next;
	struct rekey_stats rs;
	struct domain d;
	bool resumed = false, recorded = false;
	int64_t stale = 0;
	int status = 1;
	enum og_err rc;

	rc = secret_read_master(p->cur, cur_raw);
	if (rc != OG_OK) {
		fprintf(stderr, "otpgate: no readable secret file at %s; nothing to rotate\n",
			p->cur);
		goto out;
	}
	secret_derive(cur_raw, &cur);
	rc = cli_store_connect(cfg, cs);
	if (rc != OG_OK)
		goto out;
	/* Before anything is staged, the database must be this secret's. */
	if (access(p->next, F_OK) != 0) {
		rc = rotate_check_db(cs->conn, &cur, NULL, &recorded);
		if (rc != OG_OK)
			goto out;
	}
	/* A new rotation would drop SECRET.prev; refuse while keys need it. */
	if (access(p->next, F_OK) != 0 && access(p->prev, F_OK) == 0 && !cfg->force) {
		rc = rotate_stale_keys(cs->conn, &cur, &stale);
		if (rc != OG_OK)
			goto out;
		if (stale > 0) {
			fprintf(stderr,
				"otpgate: %lld live API key(s) are still hashed under the previous "
				"secret %s, which a new rotation would discard; let them be used once, "
				"rotate or revoke them, or pass --force\n",
				(long long)stale, p->prev);
			rc = OG_ERR_CONFLICT;
			goto out;
		}
	}
	rc = rotate_stage(cfg, p, cur_raw, next_raw, &resumed);
	if (rc != OG_OK)
		goto out;
	secret_derive(next_raw, &next);
	rotate_crash_point("staged");
	rc = rotate_check_db(cs->conn, &cur, &next, &recorded);
	if (rc != OG_OK)
		goto out;
	log_info("secret.rotating", "{s:s, s:s, s:b}", "from", cur.id, "to", next.id, "resumed",
		 resumed);
	rc = rekey_run(cs->conn, &cur, &next, rotate_after_batch, NULL, &rs);
	if (rc != OG_OK) {
		fprintf(stderr, "otpgate: re-encrypting failed (%s); run the command again to "
				"finish\n",
			og_err_strerror(rc));
		goto out;
	}
	rc = rotate_stale_keys(cs->conn, &next, &stale);
	if (rc != OG_OK)
		goto out;
	domain_init(&d, &next);
	if (!recorded)
		rc = rotate_record(&d, cs->conn, &cur, &next, &rs, stale);
	if (rc != OG_OK) {
		fprintf(stderr, "otpgate: recording the rotation failed; run the command again\n");
		goto out;
	}
	rotate_crash_point("recorded");
	rc = rotate_swap(p, cur_raw);
	if (rc != OG_OK)
		goto out;
	log_info("secret.rotated", "{s:s, s:s, s:I}", "from", cur.id, "to", next.id,
		 "keys_on_previous_secret", (json_int_t)stale);
	rotate_report(&cur, &next, &rs, stale, resumed);
	status = 0;
out:
	sodium_memzero(cur_raw, sizeof cur_raw);
	sodium_memzero(next_raw, sizeof next_raw);
	secret_wipe(&cur);
	secret_wipe(&next);
	return status;
}

/* --retire-previous: SECRET.prev goes once nothing can need it. */
static int rotate_retire(const struct config *cfg, const struct rotate_paths *p,
			 struct cli_store *cs)
{
	struct secret cur, prev;
	struct store_secret_state st;
	char detail[STORE_AUDIT_DETAIL_MAX];
	struct domain d;
	int64_t stale = 0, since_ms;
	int status = 1;
	enum og_err rc;

	if (access(p->next, F_OK) == 0) {
		fprintf(stderr, "otpgate: a rotation did not finish (%s exists); run "
				"`otpgate rotate-secret` first\n",
			p->next);
		return 1;
	}
	rc = secret_read(p->prev, &prev);
	if (rc == OG_ERR_NOT_FOUND) {
		printf("{\"retired\":false,\"reason\":\"no previous secret\"}\n");
		return 0;
	}
	if (rc != OG_OK || secret_read(p->cur, &cur) != OG_OK) {
		fprintf(stderr, "otpgate: cannot read %s or %s\n", p->prev, p->cur);
		goto out;
	}
	rc = cli_store_connect(cfg, cs);
	if (rc == OG_OK)
		rc = store_sealed_secret_get(cs->conn, &st);
	if (rc == OG_OK && strcmp(st.fingerprint, cur.id) != 0) {
		fprintf(stderr, "otpgate: the secret file is not the secret of this database\n");
		rc = OG_ERR_CONFLICT;
	}
	if (rc == OG_OK)
		rc = rotate_stale_keys(cs->conn, &cur, &stale);
	if (rc != OG_OK)
		goto out;
	since_ms = clock_now_ms() - st.rotated_at_ms;
	if (!cfg->force && (stale > 0 || since_ms < ROTATE_CODE_LIFE_MS)) {
		fprintf(stderr,
			"otpgate: the previous secret is still needed: %lld live API key(s) are "
			"hashed under it (each is rehashed on its next use; or rotate or revoke "
			"them), and codes sent before the rotation live until %lld s after it; "
			"pass --force to retire it anyway\n",
			(long long)stale, (long long)(ROTATE_CODE_LIFE_MS / 1000));
		goto out;
	}
	snprintf(detail, sizeof detail,
		 "{\"fingerprint\":\"%s\",\"keys_on_previous_secret\":%lld,\"forced\":%s}", prev.id,
		 (long long)stale, cfg->force ? "true" : "false");
	domain_init(&d, &cur);
	rc = store_begin(cs->conn);
	if (rc == OG_OK)
		rc = audit_write(&d, cs->conn, &audit_cli, "secret.retire_previous", "", "", detail);
	/* The file goes inside the transaction: if unlinking fails, no entry
	 * claims it went. */
	if (rc == OG_OK && unlink(p->prev) != 0)
		rc = OG_ERR_IO;
	if (rc == OG_OK)
		rc = store_commit(cs->conn);
	if (rc != OG_OK) {
		store_rollback(cs->conn);
		fprintf(stderr, "otpgate: retiring %s failed\n", p->prev);
		goto out;
	}
	printf("{\"retired\":true,\"fingerprint\":\"%s\",\"keys_on_previous_secret\":%lld}\n",
	       prev.id, (long long)stale);
	status = 0;
out:
	secret_wipe(&cur);
	secret_wipe(&prev);
	return status;
}

int cli_rotate_secret(int argc, char **argv)
{
	struct config cfg;
	struct cli_store cs;
	struct rotate_paths p;
	bool busy = false;
	int status;

	if (config_load(&cfg, CONFIG_STORE | CONFIG_ROTATE, argc, argv) != OG_OK)
		return 2;
	if (sodium_init() < 0) {
		fprintf(stderr, "otpgate: libsodium failed to initialise\n");
		return 1;
	}
	if (!rotate_paths_init(cfg.secret_file, &p)) {
		fprintf(stderr, "otpgate: the secret file path is too long\n");
		return 2;
	}
	memset(&cs, 0, sizeof cs);
	/* SEC-07: retiring leaves every seal as it is, so a running server
	 * (which holds the lock shared) may stay up; a rotation may not. */
	cs.lock_fd = secret_lock(cfg.secret_file, !cfg.retire_previous, &busy);
	if (cs.lock_fd < 0) {
		fprintf(stderr,
			busy ? "otpgate: %s is in use (is `otpgate serve` running?); stop it and "
			       "run the rotation again\n"
			     : "otpgate: cannot open the secret file %s; nothing to rotate\n",
			cfg.secret_file);
		return 1;
	}
	if (cfg.retire_previous)
		status = rotate_retire(&cfg, &p, &cs);
	else
		status = rotate_run(&cfg, &p, &cs);
	cli_store_close(&cs);
	sodium_memzero(&cfg, sizeof cfg);
	return status;
}
