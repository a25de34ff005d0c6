/*
 * The option table and its parser. Values are checked here, at the edge, so
 * the rest of the program sees only valid settings; a bad value ends the
 * program with a message naming the flag or variable.
 */
#include "cli/config.h"

#include "base/clock.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum config_type { CONFIG_TEXT, CONFIG_INT, CONFIG_OFFSET };

struct config_option {
	const char *flag;
	const char *env;
	unsigned scope;
	enum config_type type;
	size_t offset;
	size_t size; /* for text: the buffer's size */
	long long min, max;
	const char *help;
};

#define TEXT(f, e, s, field, h)                                                                \
	{f, e, s, CONFIG_TEXT, offsetof(struct config, field),                                 \
	 sizeof(((struct config *)0)->field), 0, 0, h}
#define INT(f, e, s, field, lo, hi, h)                                                         \
	{f, e, s, CONFIG_INT, offsetof(struct config, field),                                  \
	 sizeof(((struct config *)0)->field), lo, hi, h}

static const struct config_option config_options[] = {
	TEXT("--db", "OTPGATE_DB", CONFIG_STORE, db, "database path or URL [./var/otpgate.db]"),
	TEXT("--secret-file", "OTPGATE_SECRET_FILE", CONFIG_STORE, secret_file,
	     "32-byte secret, created 0600 on first run [beside the DB]"),
	TEXT("--listen", "OTPGATE_LISTEN", CONFIG_SERVE, listen, "HOST:PORT [127.0.0.1:8080]"),
	TEXT("--provider", "OTPGATE_PROVIDER", CONFIG_SERVE, provider,
	     "log|startmessaging [log]"),
	TEXT("--sms-log", "OTPGATE_SMS_LOG", CONFIG_SERVE, sms_log,
	     "where the log provider writes SMS [stdout]"),
	TEXT("--provider-url", "OTPGATE_PROVIDER_URL", CONFIG_SERVE, provider_url,
	     "the default upstream's base URL"),
	TEXT("--provider-key", "OTPGATE_PROVIDER_KEY", CONFIG_SERVE, provider_key,
	     "the default upstream's API key"),
	INT("--price-paise", "OTPGATE_PRICE_PAISE", CONFIG_SERVE, price_paise, 0, 100000,
	    "price per SMS in paise [25]"),
	{"--billing-utc-offset", "OTPGATE_BILLING_UTC_OFFSET", CONFIG_SERVE, CONFIG_OFFSET,
	 offsetof(struct config, billing_offset_sec), sizeof(int), 0, 0,
	 "billing dates' UTC offset [+05:30]"},
	INT("--resend-cooldown-sec", "OTPGATE_RESEND_COOLDOWN_SEC", CONFIG_SERVE,
	    resend_cooldown_sec, 0, 3600, "least seconds between sends of one request [30]"),
	INT("--workers", "OTPGATE_WORKERS", CONFIG_SERVE, workers, 0, 256,
	    "HTTP worker threads [one per core]"),
};

#define CONFIG_OPTION_COUNT (sizeof config_options / sizeof config_options[0])

static enum og_err config_set(struct config *cfg, const struct config_option *o,
			      const char *source, const char *value)
{
	char *field = (char *)cfg + o->offset;

	switch (o->type) {
	case CONFIG_TEXT: {
		size_t len = strlen(value);
		if (len >= o->size) {
			fprintf(stderr, "otpgate: %s is longer than %zu characters\n", source,
				o->size - 1);
			return OG_ERR_INVALID_REQUEST;
		}
		memcpy(field, value, len + 1);
		return OG_OK;
	}
	case CONFIG_INT: {
		char *end = NULL;
		long long v;
		errno = 0;
		v = strtoll(value, &end, 10);
		if (errno || end == value || *end || v < o->min || v > o->max) {
			fprintf(stderr, "otpgate: %s must be an integer from %lld to %lld\n", source,
				o->min, o->max);
			return OG_ERR_INVALID_REQUEST;
		}
		if (o->size == sizeof(int64_t))
			*(int64_t *)(void *)field = v;
		else
			*(int *)(void *)field = (int)v;
		return OG_OK;
	}
	case CONFIG_OFFSET:
		if (!clock_parse_offset(value, (int *)(void *)field)) {
			fprintf(stderr, "otpgate: %s must look like +05:30\n", source);
			return OG_ERR_INVALID_REQUEST;
		}
		return OG_OK;
	}
	return OG_ERR_INTERNAL;
}

static void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	memcpy(cfg->listen, "127.0.0.1:8080", sizeof "127.0.0.1:8080");
	memcpy(cfg->db, "./var/otpgate.db", sizeof "./var/otpgate.db");
	memcpy(cfg->provider, "log", sizeof "log");
	cfg->price_paise = 25;
	cfg->billing_offset_sec = 5 * 3600 + 30 * 60;
	cfg->resend_cooldown_sec = 30;
}

enum og_err config_load(struct config *cfg, unsigned scope, int argc, char **argv)
{
	config_defaults(cfg);
	for (size_t i = 0; i < CONFIG_OPTION_COUNT; i++) {
		const struct config_option *o = &config_options[i];
		const char *v = getenv(o->env);
		if ((o->scope & scope) && v && config_set(cfg, o, o->env, v) != OG_OK)
			return OG_ERR_INVALID_REQUEST;
	}
	for (int a = 0; a < argc; a++) {
		const char *arg = argv[a], *value = NULL;
		const struct config_option *o = NULL;
		size_t name_len = strcspn(arg, "=");
		for (size_t i = 0; i < CONFIG_OPTION_COUNT && !o; i++)
			if ((config_options[i].scope & scope) &&
			    strlen(config_options[i].flag) == name_len &&
			    strncmp(config_options[i].flag, arg, name_len) == 0)
				o = &config_options[i];
		if (!o) {
			fprintf(stderr, "otpgate: unknown option %s (see otpgate help)\n", arg);
			return OG_ERR_INVALID_REQUEST;
		}
		if (arg[name_len] == '=')
			value = arg + name_len + 1;
		else if (a + 1 < argc)
			value = argv[++a];
		else {
			fprintf(stderr, "otpgate: %s needs a value\n", o->flag);
			return OG_ERR_INVALID_REQUEST;
		}
		if (config_set(cfg, o, o->flag, value) != OG_OK)
			return OG_ERR_INVALID_REQUEST;
	}
	if ((scope & CONFIG_SERVE) && strcmp(cfg->provider, "log") != 0 &&
	    strcmp(cfg->provider, "startmessaging") != 0) {
		fprintf(stderr, "otpgate: --provider must be log or startmessaging\n");
		return OG_ERR_INVALID_REQUEST;
	}
	if ((scope & CONFIG_SERVE) && strcmp(cfg->provider, "startmessaging") == 0 &&
	    !cfg->provider_url[0]) {
		fprintf(stderr, "otpgate: --provider startmessaging needs --provider-url\n");
		return OG_ERR_INVALID_REQUEST;
	}
	config_resolve_secret(cfg);
	return OG_OK;
}

void config_resolve_secret(struct config *cfg)
{
	const char *path = cfg->db, *slash;
	size_t dir_len;

	if (cfg->secret_file[0])
		return;
	/* A URL has no directory to sit beside; use ./var. */
	if (strstr(path, "://")) {
		memcpy(cfg->secret_file, "./var/otpgate.secret", sizeof "./var/otpgate.secret");
		return;
	}
	if (strncmp(path, "sqlite:", 7) == 0)
		path += 7;
	else if (strncmp(path, "file:", 5) == 0)
		path += 5;
	slash = strrchr(path, '/');
	dir_len = slash ? (size_t)(slash - path) + 1 : 0;
	snprintf(cfg->secret_file, sizeof cfg->secret_file, "%.*sotpgate.secret", (int)dir_len,
		 path);
}

void config_usage(unsigned scope)
{
	for (size_t i = 0; i < CONFIG_OPTION_COUNT; i++) {
		const struct config_option *o = &config_options[i];
		if (o->scope & scope)
			fprintf(stdout, "  %-24s %-30s %s\n", o->flag, o->env, o->help);
	}
}
