/*
 * Subcommands and what they share: opening the store named by the
 * configuration, migrating it, and loading the secret.
 */
#ifndef OG_CLI_H
#define OG_CLI_H

#include "base/secret.h"
#include "cli/config.h"
#include "store/store.h"

/* What a subcommand that touches the store holds open. */
struct cli_store {
	struct store *store;
	struct store_conn *conn; /* the calling thread's connection */
	struct secret secret;
	struct secret secret_prev; /* valid when has_prev (SEC-05) */
	bool has_prev;
	int lock_fd;               /* the shared lock beside the secret file, or -1 (SEC-07) */
};

/** Loads the secret (and the previous one, if a rotation left it), takes the shared
 *  secret lock, opens and migrates the store, and checks the secret belongs to it;
 *  prints the reason on failure. */
enum og_err cli_store_open(const struct config *cfg, struct cli_store *out);

/** Opens and migrates the store alone (no secret, no lock); for rotate-secret. */
enum og_err cli_store_connect(const struct config *cfg, struct cli_store *out);

/** The previous secret for domain.secret_prev, or NULL. */
const struct secret *cli_store_secret_prev(const struct cli_store *cs);

/** Closes what cli_store_open opened and wipes the secret. */
void cli_store_close(struct cli_store *cs);

/** `otpgate serve`: runs until SIGTERM or SIGINT; returns the exit status. */
int cli_serve(int argc, char **argv);

/** `otpgate admin-key`: creates an admin key and prints only it. */
int cli_admin_key(int argc, char **argv);

/** `otpgate migrate`: applies pending migrations. */
int cli_migrate(int argc, char **argv);

/** `otpgate rotate-secret`: re-encrypts everything under a new secret (cli_rotate.c). */
int cli_rotate_secret(int argc, char **argv);

/** `otpgate purge`: deletes personal data past each tenant's retention (cli_purge.c). */
int cli_purge(int argc, char **argv);

/** `otpgate dlt import|rules`: the DLT registry from the command line (cli_dlt.c). */
int cli_dlt(int argc, char **argv);

#endif
