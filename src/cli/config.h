/*
 * Command-line and environment configuration. Every flag has an OTPGATE_*
 * environment variable; a flag on the command line wins over the variable,
 * which wins over the default. The option table in config.c is the one
 * place a setting is declared.
 */
#ifndef OG_CONFIG_H
#define OG_CONFIG_H

#include "base/og_err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

#define CONFIG_VALUE_MAX 1024

struct config {
	char listen[CONFIG_VALUE_MAX];
	char db[CONFIG_VALUE_MAX];
	char secret_file[CONFIG_VALUE_MAX]; /* "" until resolved beside the DB */
	char provider[STORE_PROVIDER_MAX];
	char sms_log[CONFIG_VALUE_MAX];     /* "" for stdout */
	char provider_url[STORE_URL_MAX];
	char provider_key[STORE_CREDENTIAL_MAX];
	int64_t price_paise;
	int billing_offset_sec;
	int resend_cooldown_sec;
	int workers; /* 0 for one per core */
};

/* Which options a subcommand takes. */
enum config_scope {
	CONFIG_STORE = 1, /* --db, --secret-file */
	CONFIG_SERVE = 2  /* everything else */
};

/** Sets the defaults, then applies OTPGATE_* variables and the argv flags in scope. */
enum og_err config_load(struct config *cfg, unsigned scope, int argc, char **argv);

/** Fills secret_file beside the database when it was not given. */
void config_resolve_secret(struct config *cfg);

/** Prints the options in scope with their variables and defaults. */
void config_usage(unsigned scope);

#endif
