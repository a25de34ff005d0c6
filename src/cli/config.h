/*
 * Command-line and environment configuration. Every flag has an OTPGATE_*
 * environment variable; a flag on the command line wins over the variable,
 * which wins over the default. The option table in config.c is the one
 * place a setting is declared.
 */
#ifndef OG_CONFIG_H
#define OG_CONFIG_H

#include "base/og_err.h"
#include "domain/policy.h"
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
	int http_timeout_sec;      /* SEC-41: a request's headers, and then its body, must arrive within this */
	int http_max_connections;  /* SEC-42: open connections at most */
	int retention_days;        /* SEC-24: the default retention of personal data */
	int purge_interval_sec;    /* SEC-26: seconds between background purges; 0 turns them off */
	char now[CONFIG_VALUE_MAX];             /* purge --now: the time to purge as of ("" for now) */
	char new_secret_file[CONFIG_VALUE_MAX]; /* rotate-secret: the new secret ("" to generate one) */
	int retire_previous;       /* rotate-secret --retire-previous */
	int force;                 /* rotate-secret --force */
	struct policy guard;       /* ABUSE-xx: the deployment's limits (domain/policy.h) */
	char allowed_countries[POLICY_COUNTRIES_TEXT_MAX]; /* "" keeps the default, "91" */
	char trusted_proxies[CONFIG_VALUE_MAX]; /* CIDRs whose X-Forwarded-For is believed */
	int64_t price_own_paise;   /* DLT: the own route's price (price_paise is the shared route's) */
	int dlt_var_max_len;       /* DLT-45: a template variable's default maximum length */
};

/* Which options a subcommand takes. */
enum config_scope {
	CONFIG_STORE = 1,  /* --db, --secret-file */
	CONFIG_SERVE = 2,  /* the server's options */
	CONFIG_PURGE = 4,  /* otpgate purge */
	CONFIG_ROTATE = 8, /* otpgate rotate-secret */
	CONFIG_DLT = 16    /* otpgate dlt (and serve): the DLT registry's settings */
};

/** Sets the defaults, then applies OTPGATE_* variables and the argv flags in scope. */
enum og_err config_load(struct config *cfg, unsigned scope, int argc, char **argv);

/** Copies db for messages and logs with any password in it replaced by "***". */
void config_db_display(const char *db, char out[CONFIG_VALUE_MAX]);

/** Fills secret_file beside the database when it was not given. */
void config_resolve_secret(struct config *cfg);

/** Prints the options in scope with their variables and defaults. */
void config_usage(unsigned scope);

#endif
