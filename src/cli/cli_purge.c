/*
 * `otpgate purge`: one purge pass (docs/SECURITY.md SEC-25), the same work
 * the background job of `serve` does every --purge-interval-sec, run to the
 * end however much is due. It may run beside a live server: each batch is
 * a short transaction of its own. --now purges as of another time, for
 * reproducing a run or testing a retention period without waiting for it.
 * The summary goes to stdout as one JSON object.
 */
#include "cli/cli.h"

#include "base/clock.h"
#include "domain/retention.h"

#include <jansson.h>
#include <stdio.h>

int cli_purge(int argc, char **argv)
{
	struct config cfg;
	struct cli_store cs;
	struct domain d;
	struct retention_stats st;
	char as_of[CLOCK_ISO_MAX];
	int64_t now = clock_now_ms();
	enum og_err rc;

	if (config_load(&cfg, CONFIG_STORE | CONFIG_PURGE, argc, argv) != OG_OK)
		return 2;
	if (cfg.now[0] && !clock_parse_iso(cfg.now, &now)) {
		fprintf(stderr, "otpgate: --now must be an ISO-8601 time, e.g. 2030-01-31T00:00:00Z\n");
		return 2;
	}
	if (cli_store_open(&cfg, &cs) != OG_OK)
		return 1;
	domain_init(&d, &cs.secret);
	d.secret_prev = cli_store_secret_prev(&cs);
	d.cfg.retention_days = cfg.retention_days;
	rc = retention_purge(&d, cs.conn, &audit_cli, now, 0, "cli", false, &st);
	cli_store_close(&cs);
	if (rc != OG_OK) {
		fprintf(stderr, "otpgate: the purge failed: %s\n", og_err_strerror(rc));
		return 1;
	}
	clock_format_iso(now, as_of);
	printf("{\"as_of\":\"%s\",\"tenants\":%lld,\"otp_requests_deleted\":%lld,"
	       "\"messages_scrubbed\":%lld,\"contexts_wiped\":%lld}\n",
	       as_of, (long long)st.tenants, (long long)st.otp_deleted,
	       (long long)st.messages_scrubbed, (long long)st.contexts_wiped);
	return 0;
}
