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
};

/** Loads the secret, opens and migrates the store; prints the reason on failure. */
enum og_err cli_store_open(const struct config *cfg, struct cli_store *out);

/** Closes what cli_store_open opened and wipes the secret. */
void cli_store_close(struct cli_store *cs);

/** `otpgate serve`: runs until SIGTERM or SIGINT; returns the exit status. */
int cli_serve(int argc, char **argv);

/** `otpgate admin-key`: creates an admin key and prints only it. */
int cli_admin_key(int argc, char **argv);

/** `otpgate migrate`: applies pending migrations. */
int cli_migrate(int argc, char **argv);

#endif
