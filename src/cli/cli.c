/*
 * Store-touching subcommands and the setup they share.
 */
#include "cli/cli.h"

#include "domain/apikey.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Creates the directory that will hold a file path, one level, as
 * `make run` expects ./var to appear on first start. */
static void ensure_parent_dir(const char *path)
{
	char dir[CONFIG_VALUE_MAX];
	const char *slash;
	size_t len;

	if (strstr(path, "://"))
		return;
	if (strncmp(path, "sqlite:", 7) == 0)
		path += 7;
	else if (strncmp(path, "file:", 5) == 0)
		path += 5;
	slash = strrchr(path, '/');
	if (!slash || slash == path)
		return;
	len = (size_t)(slash - path);
	if (len >= sizeof dir)
		return;
	memcpy(dir, path, len);
	dir[len] = '\0';
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		fprintf(stderr, "otpgate: cannot create %s: %s\n", dir, strerror(errno));
}

enum og_err cli_store_connect(const struct config *cfg, struct cli_store *out)
{
	char shown[CONFIG_VALUE_MAX];
	enum og_err rc;
	int applied = 0;

	config_db_display(cfg->db, shown);

	rc = store_open(cfg->db, &out->store);
	if (rc != OG_OK) {
		fprintf(stderr, "otpgate: cannot open the database %s\n", shown);
		return rc;
	}
	rc = store_thread_conn(out->store, &out->conn);
	if (rc != OG_OK) {
		fprintf(stderr, "otpgate: cannot connect to the database %s\n", shown);
		return rc;
	}
	rc = store_migrate(out->conn, &applied);
	if (rc != OG_OK)
		fprintf(stderr, "otpgate: migrating the database failed\n");
	return rc;
}

/* SEC-04: the first process to open a database records which secret it
 * uses; any later one with a different secret file is refused, instead of
 * starting and answering 401 to every key and failing every seal. */
static enum og_err cli_store_check_secret(const struct config *cfg, struct cli_store *cs)
{
	struct store_conn *c = cs->conn;
	struct store_secret_state st;
	enum og_err rc;

	rc = store_begin(c);
	if (rc != OG_OK)
		goto out;
	rc = store_sealed_secret_get(c, &st);
	if (rc == OG_ERR_NOT_FOUND) {
		memset(&st, 0, sizeof st);
		memcpy(st.fingerprint, cs->secret.id, sizeof st.fingerprint);
		rc = store_sealed_secret_put(c, &st);
	} else if (rc == OG_OK && strcmp(st.fingerprint, cs->secret.id) != 0) {
		char shown[CONFIG_VALUE_MAX];
		config_db_display(cfg->db, shown);
		fprintf(stderr,
			"otpgate: the secret file %s (fingerprint %s) is not the secret of the "
			"database %s (fingerprint %s)\n",
			cfg->secret_file, cs->secret.id, shown, st.fingerprint);
		rc = OG_ERR_CONFLICT;
	}
	if (rc == OG_OK)
		rc = store_commit(c);
out:
	if (rc != OG_OK)
		store_rollback(c);
	return rc;
}

/* Loads the secret and, when a rotation left one, the previous secret. */
static enum og_err cli_store_secrets(const struct config *cfg, struct cli_store *out)
{
	char path[SECRET_PATH_MAX];
	bool busy = false;
	enum og_err rc;

	if (!secret_path(cfg->secret_file, SECRET_NEXT_SUFFIX, path) ||
	    !secret_path(cfg->secret_file, SECRET_PREV_SUFFIX, path)) {
		fprintf(stderr, "otpgate: the secret file path is too long\n");
		return OG_ERR_INVALID_REQUEST;
	}
	/* SEC-06: a staged secret means a rotation stopped half-way; the data
	 * is sealed under two secrets until it is run again. */
	secret_path(cfg->secret_file, SECRET_NEXT_SUFFIX, path);
	if (access(path, F_OK) == 0) {
		fprintf(stderr,
			"otpgate: a secret rotation did not finish (%s exists); run `otpgate "
			"rotate-secret` with the same --db and --secret-file to complete it\n",
			path);
		return OG_ERR_CONFLICT;
	}
	/* Created on first use, then locked: SEC-07, a rotation holds the lock
	 * exclusively while it runs. The secret is read again under the lock,
	 * so it cannot be one a rotation replaced a moment before. */
	rc = secret_load(cfg->secret_file, &out->secret);
	if (rc == OG_OK) {
		out->lock_fd = secret_lock(cfg->secret_file, false, &busy);
		if (out->lock_fd < 0)
			rc = busy ? OG_ERR_BUSY : OG_ERR_IO;
	}
	if (rc == OG_ERR_BUSY) {
		fprintf(stderr, "otpgate: a secret rotation is running on %s; try again when it "
				"has finished\n",
			cfg->secret_file);
		return rc;
	}
	if (rc == OG_OK)
		rc = secret_read(cfg->secret_file, &out->secret);
	if (rc != OG_OK) {
		fprintf(stderr, "otpgate: cannot read, create or lock the secret file %s\n",
			cfg->secret_file);
		return rc;
	}
	secret_path(cfg->secret_file, SECRET_PREV_SUFFIX, path);
	rc = secret_read(path, &out->secret_prev);
	if (rc == OG_ERR_NOT_FOUND)
		return OG_OK;
	if (rc != OG_OK) {
		fprintf(stderr, "otpgate: cannot read the previous secret %s\n", path);
		return rc;
	}
	out->has_prev = true;
	return OG_OK;
}

enum og_err cli_store_open(const struct config *cfg, struct cli_store *out)
{
	enum og_err rc;

	memset(out, 0, sizeof *out);
	out->lock_fd = -1;
	if (sodium_init() < 0) {
		fprintf(stderr, "otpgate: libsodium failed to initialise\n");
		return OG_ERR_INTERNAL;
	}
	ensure_parent_dir(cfg->db);
	ensure_parent_dir(cfg->secret_file);
	rc = cli_store_secrets(cfg, out);
	if (rc == OG_OK)
		rc = cli_store_connect(cfg, out);
	if (rc == OG_OK)
		rc = cli_store_check_secret(cfg, out);
	if (rc != OG_OK)
		cli_store_close(out);
	return rc;
}

const struct secret *cli_store_secret_prev(const struct cli_store *cs)
{
	return cs->has_prev ? &cs->secret_prev : NULL;
}

void cli_store_close(struct cli_store *cs)
{
	if (cs->conn)
		store_thread_conn_release();
	cs->conn = NULL;
	store_close(cs->store);
	cs->store = NULL;
	secret_wipe(&cs->secret);
	secret_wipe(&cs->secret_prev);
	cs->has_prev = false;
	secret_unlock(cs->lock_fd);
	cs->lock_fd = -1;
}

int cli_admin_key(int argc, char **argv)
{
	struct config cfg;
	struct cli_store cs;
	struct domain d;
	struct store_api_key k;
	char text[APIKEY_TEXT_MAX];
	int status = 1;

	if (config_load(&cfg, CONFIG_STORE, argc, argv) != OG_OK)
		return 2;
	if (cli_store_open(&cfg, &cs) != OG_OK)
		return 1;
	domain_init(&d, &cs.secret);
	d.secret_prev = cli_store_secret_prev(&cs);
	if (apikey_create(&d, cs.conn, &audit_cli, STORE_KEY_ADMIN, "", "cli", text, &k) != OG_OK) {
		fprintf(stderr, "otpgate: creating the admin key failed\n");
		goto out;
	}
	printf("%s\n", text);
	sodium_memzero(text, sizeof text);
	status = 0;
out:
	cli_store_close(&cs);
	return status;
}

int cli_migrate(int argc, char **argv)
{
	struct config cfg;
	struct cli_store cs;

	if (config_load(&cfg, CONFIG_STORE, argc, argv) != OG_OK)
		return 2;
	if (cli_store_open(&cfg, &cs) != OG_OK)
		return 1;
	cli_store_close(&cs);
	fprintf(stderr, "otpgate: the database is up to date\n");
	return 0;
}
