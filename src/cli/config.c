/*
 * The option table and its parser. Values are checked here, at the edge, so
 * the rest of the program sees only valid settings; a bad value ends the
 * program with a message naming the flag or variable.
 */
#include "cli/config.h"

#include "base/cidr.h"
#include "base/clock.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* CONFIG_FLAG takes no value on the command line (its presence means 1);
 * its variable is 1 or 0. */
enum config_type { CONFIG_TEXT, CONFIG_INT, CONFIG_OFFSET, CONFIG_FLAG };

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

/* ABUSE-xx: the abuse-defence defaults. Each is bounded by its entry in
 * policy.c's table (config_guard_check), not here, so the two cannot drift. */
#define GUARD(f, e, i, h)                                                                      \
	{f, e, CONFIG_SERVE, CONFIG_INT, offsetof(struct config, guard.values[i]),            \
	 sizeof(int64_t), -1, 1000000000000LL, h}

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
	    "price per SMS in paise on the shared DLT route [25]"),
	INT("--price-own-paise", "OTPGATE_PRICE_OWN_PAISE", CONFIG_SERVE, price_own_paise, 0,
	    100000, "price per SMS on a tenant's own DLT route [18; --price-paise if only it is "
	    "given]"),
	INT("--dlt-var-max-len", "OTPGATE_DLT_VAR_MAX_LEN", CONFIG_SERVE | CONFIG_DLT,
	    dlt_var_max_len, 1, 128, "a DLT template variable's default maximum length [30]"),
	{"--billing-utc-offset", "OTPGATE_BILLING_UTC_OFFSET", CONFIG_SERVE, CONFIG_OFFSET,
	 offsetof(struct config, billing_offset_sec), sizeof(int), 0, 0,
	 "billing dates' UTC offset [+05:30]"},
	INT("--resend-cooldown-sec", "OTPGATE_RESEND_COOLDOWN_SEC", CONFIG_SERVE,
	    resend_cooldown_sec, 0, 3600, "least seconds between sends of one request [30]"),
	INT("--workers", "OTPGATE_WORKERS", CONFIG_SERVE, workers, 0, 256,
	    "HTTP worker threads [8 per core]"),
	INT("--http-timeout-sec", "OTPGATE_HTTP_TIMEOUT_SEC", CONFIG_SERVE, http_timeout_sec, 1,
	    3600, "a request's headers, then its body, must arrive within this [10]"),
	INT("--http-max-connections", "OTPGATE_HTTP_MAX_CONNECTIONS", CONFIG_SERVE,
	    http_max_connections, 1, 1000000, "open HTTP connections at most [1024]"),
	INT("--retention-days", "OTPGATE_RETENTION_DAYS", CONFIG_SERVE | CONFIG_PURGE,
	    retention_days, 1, 3650, "personal data kept this long unless a tenant says [365]"),
	INT("--purge-interval-sec", "OTPGATE_PURGE_INTERVAL_SEC", CONFIG_SERVE, purge_interval_sec,
	    0, 604800, "seconds between background purges; 0 for none [3600]"),
	TEXT("--now", "OTPGATE_NOW", CONFIG_PURGE, now,
	     "purge as of this ISO-8601 time [the current time]"),
	TEXT("--new-secret-file", "OTPGATE_NEW_SECRET_FILE", CONFIG_ROTATE, new_secret_file,
	     "a 32-byte file holding the new secret [generate one]"),
	{"--retire-previous", "OTPGATE_RETIRE_PREVIOUS", CONFIG_ROTATE, CONFIG_FLAG,
	 offsetof(struct config, retire_previous), sizeof(int), 0, 1,
	 "drop SECRET.prev once no live key needs it (no rotation)"},
	{"--force", "OTPGATE_FORCE", CONFIG_ROTATE, CONFIG_FLAG, offsetof(struct config, force),
	 sizeof(int), 0, 1, "retire or replace a previous secret that keys still need"},
	GUARD("--limit-per-phone-count", "OTPGATE_LIMIT_PER_PHONE_COUNT",
	      STORE_POLICY_PER_PHONE_COUNT, "sends per phone per window; 0 for none [5]"),
	GUARD("--limit-per-phone-window-sec", "OTPGATE_LIMIT_PER_PHONE_WINDOW_SEC",
	      STORE_POLICY_PER_PHONE_WINDOW_SEC, "[600]"),
	GUARD("--limit-per-prefix-count", "OTPGATE_LIMIT_PER_PREFIX_COUNT",
	      STORE_POLICY_PER_PREFIX_COUNT, "sends per number prefix per window [200]"),
	GUARD("--limit-per-prefix-window-sec", "OTPGATE_LIMIT_PER_PREFIX_WINDOW_SEC",
	      STORE_POLICY_PER_PREFIX_WINDOW_SEC, "[3600]"),
	GUARD("--limit-per-ip-count", "OTPGATE_LIMIT_PER_IP_COUNT", STORE_POLICY_PER_IP_COUNT,
	      "sends per client IP per window [100]"),
	GUARD("--limit-per-ip-window-sec", "OTPGATE_LIMIT_PER_IP_WINDOW_SEC",
	      STORE_POLICY_PER_IP_WINDOW_SEC, "[600]"),
	GUARD("--limit-tenant-rps", "OTPGATE_LIMIT_TENANT_RPS", STORE_POLICY_TENANT_RPS,
	      "sends per second per tenant (token bucket) [200]"),
	GUARD("--limit-tenant-daily", "OTPGATE_LIMIT_TENANT_DAILY", STORE_POLICY_TENANT_DAILY,
	      "sends per tenant per billing day [100000]"),
	GUARD("--limit-verify-failures", "OTPGATE_LIMIT_VERIFY_FAILURES",
	      STORE_POLICY_VERIFY_FAILURES, "failed verifies per phone before a lock [100]"),
	GUARD("--verify-lock-sec", "OTPGATE_VERIFY_LOCK_SEC", STORE_POLICY_VERIFY_LOCK_SEC,
	      "how long such a phone stays locked [3600]"),
	GUARD("--test-numbers-exempt", "OTPGATE_TEST_NUMBERS_EXEMPT",
	      STORE_POLICY_TEST_NUMBERS_EXEMPT, "1: test numbers skip the rate limits [1]"),
	GUARD("--daily-spend-cap-paise", "OTPGATE_DAILY_SPEND_CAP_PAISE",
	      STORE_POLICY_DAILY_SPEND_CAP_PAISE, "spend per tenant per billing day; 0 none [0]"),
	GUARD("--pumping-window-sec", "OTPGATE_PUMPING_WINDOW_SEC", STORE_POLICY_PUMPING_WINDOW_SEC,
	      "the pumping detector's window [3600]"),
	GUARD("--pumping-min-sends", "OTPGATE_PUMPING_MIN_SENDS", STORE_POLICY_PUMPING_MIN_SENDS,
	      "judged sends before a prefix can be blocked [50]"),
	GUARD("--pumping-min-conversion-pct", "OTPGATE_PUMPING_MIN_CONVERSION_PCT",
	      STORE_POLICY_PUMPING_MIN_CONVERSION_PCT, "block below this conversion; 0 off [20]"),
	GUARD("--pumping-grace-sec", "OTPGATE_PUMPING_GRACE_SEC", STORE_POLICY_PUMPING_GRACE_SEC,
	      "sends younger than this are not judged [120]"),
	TEXT("--allowed-countries", "OTPGATE_ALLOWED_COUNTRIES", CONFIG_SERVE, allowed_countries,
	     "calling codes tenants may send to, e.g. 91,1 [91]"),
	TEXT("--trusted-proxies", "OTPGATE_TRUSTED_PROXIES", CONFIG_SERVE, trusted_proxies,
	     "CIDRs whose X-Forwarded-For is believed [none]"),
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
	case CONFIG_FLAG:
		if (strcmp(value, "1") != 0 && strcmp(value, "0") != 0) {
			fprintf(stderr, "otpgate: %s must be 1 or 0\n", source);
			return OG_ERR_INVALID_REQUEST;
		}
		*(int *)(void *)field = value[0] == '1';
		return OG_OK;
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
	cfg->price_paise = -1;     /* resolved with price_own_paise in config_load */
	cfg->price_own_paise = -1;
	cfg->dlt_var_max_len = 30; /* DLT-45 */
	cfg->billing_offset_sec = 5 * 3600 + 30 * 60;
	cfg->resend_cooldown_sec = 30;
	cfg->http_timeout_sec = 10;
	cfg->http_max_connections = 1024;
	cfg->retention_days = 365;
	cfg->purge_interval_sec = 3600;
	policy_defaults(&cfg->guard);
}

/* Checks the abuse-defence settings against policy.c's bounds, naming the flag. */
static enum og_err config_guard_check(struct config *cfg)
{
	struct cidr_list proxies;
	int bad = 0;

	if (cfg->allowed_countries[0] && !policy_countries_parse(cfg->allowed_countries, &cfg->guard)) {
		fprintf(stderr, "otpgate: --allowed-countries must be calling codes such as 91,1\n");
		return OG_ERR_INVALID_REQUEST;
	}
	if (!cidr_list_parse(cfg->trusted_proxies, &proxies)) {
		fprintf(stderr, "otpgate: --trusted-proxies must be CIDRs such as 10.0.0.0/8,::1 "
				"(at most %d)\n", CIDR_LIST_MAX);
		return OG_ERR_INVALID_REQUEST;
	}
	if (policy_valid(&cfg->guard, &bad))
		return OG_OK;
	for (size_t i = 0; i < CONFIG_OPTION_COUNT; i++) {
		const struct config_option *o = &config_options[i];
		const struct policy_setting *s = policy_setting(bad);
		if (o->offset != offsetof(struct config, guard.values) + (size_t)bad * sizeof(int64_t))
			continue;
		if (bad == STORE_POLICY_PUMPING_GRACE_SEC)
			fprintf(stderr, "otpgate: %s must be from %lld to %lld and below "
					"--pumping-window-sec\n", o->flag, (long long)s->min,
				(long long)s->max);
		else
			fprintf(stderr, "otpgate: %s must be from %lld to %lld\n", o->flag,
				(long long)s->min, (long long)s->max);
	}
	return OG_ERR_INVALID_REQUEST;
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
		else if (o->type == CONFIG_FLAG)
			value = "1";
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
	if ((scope & CONFIG_SERVE) && config_guard_check(cfg) != OG_OK)
		return OG_ERR_INVALID_REQUEST;
	/* DLT: --price-paise is the shared route's price, 25 by default; the
	 * own route's is 18, unless only --price-paise is given, so that a
	 * deployment configured before routes existed keeps one price. */
	if (cfg->price_own_paise < 0)
		cfg->price_own_paise = cfg->price_paise >= 0 ? cfg->price_paise : 18;
	if (cfg->price_paise < 0)
		cfg->price_paise = 25;
	config_resolve_secret(cfg);
	return OG_OK;
}

/* A libpq URL may carry a password in its user information
 * (postgres://user:PASSWORD@host/db) or as a password= parameter; neither
 * may reach a log line or a message. */
void config_db_display(const char *db, char out[CONFIG_VALUE_MAX])
{
	const char *scheme = strstr(db, "://");
	const char *user = scheme ? scheme + 3 : NULL;
	const char *at = user ? strchr(user, '@') : NULL;
	const char *slash = user ? strchr(user, '/') : NULL;
	const char *colon = NULL;
	size_t len = strnlen(db, CONFIG_VALUE_MAX - 1), o = 0, i = 0;

	if (at && slash && slash < at)
		at = NULL; /* an '@' past the host is not user information */
	if (at)
		colon = memchr(user, ':', (size_t)(at - user));
	while (i < len && o + 13 < CONFIG_VALUE_MAX) {
		if (colon && db + i == colon) {
			memcpy(out + o, ":***", 4); /* the password runs to the '@' */
			o += 4;
			i = (size_t)(at - db);
		} else if (strncasecmp(db + i, "password=", 9) == 0) {
			memcpy(out + o, "password=***", 12);
			o += 12;
			for (i += 9; i < len && db[i] != '&' && db[i] != ' ';)
				i++;
		} else {
			out[o++] = db[i++];
		}
	}
	out[o] = '\0';
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
