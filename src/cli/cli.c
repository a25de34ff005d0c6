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

enum og_err cli_store_open(const struct config *cfg, struct cli_store *out)
{
	enum og_err rc;
	int applied = 0;

	memset(out, 0, sizeof *out);
	if (sodium_init() < 0) {
		fprintf(stderr, "otpgate: libsodium failed to initialise\n");
		return OG_ERR_INTERNAL;
	}
	ensure_parent_dir(cfg->db);
	ensure_parent_dir(cfg->secret_file);
	rc = secret_load(cfg->secret_file, &out->secret);
	if (rc != OG_OK) {
		fprintf(stderr, "otpgate: cannot read or create the secret file %s\n",
			cfg->secret_file);
		goto out;
	}
	rc = store_open(cfg->db, &out->store);
	if (rc != OG_OK) {
		fprintf(stderr, "otpgate: cannot open the database %s\n", cfg->db);
		goto out;
	}
	rc = store_thread_conn(out->store, &out->conn);
	if (rc != OG_OK) {
		fprintf(stderr, "otpgate: cannot connect to the database %s\n", cfg->db);
		goto out;
	}
	rc = out->conn->ops->migrate(out->conn, &applied);
	if (rc != OG_OK) {
		fprintf(stderr, "otpgate: migrating the database failed\n");
		goto out;
	}
out:
	if (rc != OG_OK)
		cli_store_close(out);
	return rc;
}

void cli_store_close(struct cli_store *cs)
{
	if (cs->conn)
		store_thread_conn_release();
	cs->conn = NULL;
	store_close(cs->store);
	cs->store = NULL;
	secret_wipe(&cs->secret);
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
