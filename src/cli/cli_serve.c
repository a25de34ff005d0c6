/*
 * `otpgate serve`: wires the layers together and runs until a signal. The
 * signals are blocked before any thread starts and taken with sigwait() on
 * the main thread, so no handler ever runs inside a worker. Shutdown order:
 * stop accepting and finish in-flight HTTP requests, then give the
 * dispatcher a bounded time to drain, then close the store.
 */
#include "api/api.h"
#include "base/log.h"
#include "cli/cli.h"
#include "cli/purger.h"
#include "domain/apikey.h"
#include "domain/cache.h"
#include "http/httpd.h"
#include "upstream/dispatch.h"

#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define SERVE_HTTP_DRAIN_MS 5000
#define SERVE_DISPATCH_DRAIN_MS 5000

/* On a database with no platform key yet, creates an admin key and shows
 * it once, with a request to paste, so a fresh `make run` is usable. */
static enum og_err serve_bootstrap(const struct domain *d, struct store_conn *c,
				   const char *listen)
{
	struct store_api_key existing, k;
	char text[APIKEY_TEXT_MAX];
	size_t n = 0;
	enum og_err rc;

	rc = apikey_list(d, c, "", NULL, 1, &existing, &n);
	if (rc != OG_OK || n > 0)
		return rc;
	rc = apikey_create(d, c, &audit_cli, STORE_KEY_ADMIN, "", "bootstrap", text, &k);
	if (rc != OG_OK)
		return rc;
	printf("\notpgate: bootstrap admin key (shown only now): %s\n\n"
	       "Create a tenant:\n"
	       "  curl -s -X POST http://%s/v1/tenants -H 'X-API-Key: %s' \\\n"
	       "    -H 'Content-Type: application/json' \\\n"
	       "    -d '{\"id\":\"tenant_alpha_99\",\"name\":\"Alpha Retail\","
	       "\"sender_header\":\"ALPHAR\",\"pe_id\":\"1101234567890123456\"}'\n\n"
	       "Tenants without a PE-ID send through the shared DLT route; set it up with\n"
	       "  OTPGATE_URL=http://%s OTPGATE_ADMIN_KEY=%s scripts/platform-setup.sh\n"
	       "(docs/DLT.md, \"The shared route\", shows the same as curl calls.)\n\n",
	       text, listen, text, listen, text);
	fflush(stdout);
	sodium_memzero(text, sizeof text);
	return OG_OK;
}

int cli_serve(int argc, char **argv)
{
	struct config cfg;
	struct cli_store cs;
	struct domain d;
	struct dispatch *dp = NULL;
	struct purger *purge = NULL;
	struct httpd *http = NULL;
	struct httpd_config hc;
	struct cidr_list proxies; /* outlives the server, which points at it */
	struct api_env env;
	struct dispatch_config dc;
	char db_shown[CONFIG_VALUE_MAX];
	sigset_t signals;
	int sig = 0, status = 1;

	if (config_load(&cfg, CONFIG_STORE | CONFIG_SERVE, argc, argv) != OG_OK)
		return 2;
	sigemptyset(&signals);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (cli_store_open(&cfg, &cs) != OG_OK)
		return 1;
	domain_init(&d, &cs.secret);
	d.secret_prev = cli_store_secret_prev(&cs);
	if (cache_new(&d.cache) != OG_OK) {
		fprintf(stderr, "otpgate: out of memory\n");
		cli_store_close(&cs);
		return 1;
	}
	d.cfg.price_paise = cfg.price_paise;
	d.cfg.price_own_paise = cfg.price_own_paise; /* DLT: the own route's price */
	d.cfg.dlt_var_max_len = cfg.dlt_var_max_len;
	d.cfg.billing_offset_sec = cfg.billing_offset_sec;
	d.cfg.resend_cooldown_sec = cfg.resend_cooldown_sec;
	d.cfg.retention_days = cfg.retention_days;
	memcpy(d.cfg.provider, cfg.provider, sizeof d.cfg.provider);
	d.cfg.guard = cfg.guard; /* the abuse-defence defaults (config_load checked them) */

	if (serve_bootstrap(&d, cs.conn, cfg.listen) != OG_OK) {
		fprintf(stderr, "otpgate: creating the bootstrap admin key failed\n");
		goto out;
	}

	memset(&dc, 0, sizeof dc);
	dc.provider = cfg.provider;
	dc.provider_url = cfg.provider_url[0] ? cfg.provider_url : NULL;
	dc.provider_key = cfg.provider_key[0] ? cfg.provider_key : NULL;
	dc.sms_log_path = cfg.sms_log[0] ? cfg.sms_log : NULL;
	if (dispatch_start(cs.store, &d, &dc, &dp) != OG_OK) {
		fprintf(stderr, "otpgate: starting the dispatcher failed\n");
		goto out;
	}
	d.on_queued = dispatch_wake;
	d.on_queued_arg = dp;

	memset(&hc, 0, sizeof hc);
	memcpy(hc.listen, cfg.listen, strnlen(cfg.listen, sizeof hc.listen - 1));
	hc.workers = (unsigned)cfg.workers;
	if (!cidr_list_parse(cfg.trusted_proxies, &proxies))
		goto out; /* config_load already refused a bad list */
	hc.trusted_proxies = &proxies;
	hc.timeout_sec = (unsigned)cfg.http_timeout_sec;
	hc.connection_limit = (unsigned)cfg.http_max_connections;
	env.store = cs.store;
	env.domain = &d;
	if (httpd_start(&hc, api_handle, &env, &http) != OG_OK) {
		fprintf(stderr, "otpgate: cannot listen on %s\n", cfg.listen);
		goto out;
	}
	if (purger_start(cs.store, &d, cfg.purge_interval_sec, &purge) != OG_OK) {
		fprintf(stderr, "otpgate: starting the purge job failed\n");
		goto out;
	}
	config_db_display(cfg.db, db_shown);
	log_info("serve.started", "{s:s, s:s, s:s, s:i}", "listen", cfg.listen, "db", db_shown,
		 "provider", cfg.provider, "port", (int)httpd_port(http));

	if (sigwait(&signals, &sig) != 0)
		sig = 0;
	log_info("serve.stopping", "{s:i}", "signal", sig);
	status = 0;
out:
	if (http)
		httpd_stop(http, SERVE_HTTP_DRAIN_MS);
	purger_stop(purge);
	if (dp) {
		d.on_queued = NULL;
		dispatch_stop(dp, SERVE_DISPATCH_DRAIN_MS);
	}
	cli_store_close(&cs);
	cache_free(d.cache);
	sodium_memzero(&cfg, sizeof cfg);
	if (status == 0)
		log_info("serve.stopped", NULL);
	return status;
}
