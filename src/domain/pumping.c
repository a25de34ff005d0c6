/*
 * The pumping detector and its alerts. Detection runs before the send's
 * write transaction: it reads the prefix's judged sends and, when they
 * condemn the prefix, commits the alert in a short transaction of its own,
 * so the block holds even though the send that found it is refused. The
 * unique index on active alerts makes two racing detectors write one alert.
 */
#include "domain/pumping.h"

#include "domain/cache.h"

#include "base/log.h"
#include "base/metrics.h"

#include <assert.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define PUMPING_DETAIL_MAX 128

static pthread_once_t pumping_metrics_once = PTHREAD_ONCE_INIT;

static void pumping_describe_metrics(void)
{
	metrics_describe("otpgate_pumping_alerts_total", "counter",
			 "Number prefixes blocked by the pumping detector.");
	metrics_describe("otpgate_prefix_blocks", "gauge",
			 "Number prefixes blocked now, over every tenant.");
}

static enum og_err pumping_refuse(const struct store_alert *a, struct og_detail *det)
{
	return og_fail(det, OG_ERR_PREFIX_BLOCKED, "phone",
		       "sends to %sXXXX are blocked for suspected SMS pumping (alert %s)",
		       a->prefix, a->id);
}

enum og_err pumping_blocked(const struct domain *d, struct store_conn *c, const char *tenant_id,
			    const char *prefix, struct og_detail *det)
{
	struct store_alert a;
	enum og_err rc = cache_alert_active(d, c, tenant_id, prefix, &a);

	if (rc == OG_ERR_NOT_FOUND)
		return OG_OK;
	if (rc != OG_OK)
		return rc;
	return pumping_refuse(&a, det);
}

/* Writes the alert that blocks the prefix, in its own transaction. */
static enum og_err pumping_block(const struct domain *d, struct store_conn *c,
				 const char *tenant_id, const char *prefix, int64_t sent,
				 int64_t verified, int64_t window_sec, struct store_alert *out)
{
	int64_t now = domain_now_ms(d);
	enum og_err rc;

	memset(out, 0, sizeof *out);
	memcpy(out->tenant_id, tenant_id, strnlen(tenant_id, STORE_TENANT_ID_MAX - 1));
	rnd_id("alr", now, out->id);
	out->kind = STORE_ALERT_PREFIX_BLOCKED;
	memcpy(out->prefix, prefix, strnlen(prefix, STORE_PREFIX_MAX - 1));
	out->sent = sent;
	out->verified = verified;
	out->window_sec = window_sec;
	out->created_at_ms = now;
	rc = store_begin(c);
	if (rc != OG_OK)
		return rc;
	rc = store_alert_insert(c, out);
	if (rc == OG_ERR_CONFLICT) {
		/* Another send blocked it first; report that alert. */
		rc = store_alert_find_active(c, tenant_id, prefix, out);
		store_rollback(c);
		return rc;
	}
	if (rc == OG_OK)
		rc = store_commit(c);
	if (rc != OG_OK) {
		store_rollback(c);
		return rc;
	}
	pthread_once(&pumping_metrics_once, pumping_describe_metrics);
	metrics_count("otpgate_pumping_alerts_total", "", 1);
	log_warn("guard.prefix_blocked", "{s:s, s:s, s:s, s:I, s:I, s:I}", "tenant_id", tenant_id,
		 "alert_id", out->id, "prefix", prefix, "sent", (json_int_t)sent, "verified",
		 (json_int_t)verified, "window_sec", (json_int_t)window_sec);
	return OG_OK;
}

enum og_err pumping_gate(const struct domain *d, struct store_conn *c, const char *tenant_id,
			 const struct policy *p, const char *prefix,
			 const unsigned char prefix_hash[SECRET_HASH_LEN], struct og_detail *det)
{
	int64_t now = domain_now_ms(d);
	int64_t window_sec = p->values[STORE_POLICY_PUMPING_WINDOW_SEC];
	int64_t min_sends = p->values[STORE_POLICY_PUMPING_MIN_SENDS];
	int64_t min_pct = p->values[STORE_POLICY_PUMPING_MIN_CONVERSION_PCT];
	int64_t from, to, lifted = 0, sent = 0, verified = 0;
	struct store_alert a;
	enum og_err rc;

	rc = pumping_blocked(d, c, tenant_id, prefix, det);
	if (rc != OG_OK || min_pct == 0)
		return rc;
	rc = store_alert_last_lift(c, tenant_id, prefix, &lifted);
	if (rc != OG_OK)
		return rc;
	/* ABUSE-07: judge only sends whose users had grace_sec to type the
	 * code, and none from before an admin's last lift. */
	from = now - window_sec * 1000;
	if (lifted > from)
		from = lifted;
	to = now - p->values[STORE_POLICY_PUMPING_GRACE_SEC] * 1000;
	if (to <= from)
		return OG_OK;
	rc = store_guard_send_stats(c, tenant_id, prefix_hash, from, to, &sent, &verified);
	if (rc != OG_OK)
		return rc;
	if (sent < min_sends || verified * 100 >= min_pct * sent)
		return OG_OK;
	rc = pumping_block(d, c, tenant_id, prefix, sent, verified, window_sec, &a);
	if (rc != OG_OK)
		return rc;
	return pumping_refuse(&a, det);
}

enum og_err pumping_alert_list(const struct domain *d, struct store_conn *c,
			       const char *tenant_id, const char *before_id, size_t limit,
			       struct store_alert *out, size_t *n)
{
	(void)d;
	assert(limit >= 1 && limit <= STORE_PAGE_MAX);
	return store_alert_list(c, tenant_id, before_id, limit, out, n);
}

enum og_err pumping_alert_lift(const struct domain *d, struct store_conn *c,
			       const struct audit_actor *who, const char *tenant_id,
			       const char *alert_id, struct store_alert *out,
			       struct og_detail *det)
{
	char detail[PUMPING_DETAIL_MAX];
	int64_t now = domain_now_ms(d);
	const char *by = who->key_id[0] ? who->key_id : "cli";
	enum og_err rc;

	memset(out, 0, sizeof *out);
	if (strnlen(alert_id, STORE_ID_MAX) >= STORE_ID_MAX)
		return og_fail(det, OG_ERR_NOT_FOUND, NULL, "no such alert");
	rc = store_begin(c);
	if (rc != OG_OK)
		return rc;
	rc = store_alert_get(c, tenant_id, alert_id, out);
	if (rc == OG_ERR_NOT_FOUND)
		og_fail(det, rc, NULL, "no such alert");
	if (rc == OG_OK && out->lifted_at_ms != 0)
		rc = og_fail(det, OG_ERR_CONFLICT, NULL, "the alert was already lifted");
	if (rc == OG_OK)
		rc = store_alert_lift(c, tenant_id, alert_id, now, by);
	snprintf(detail, sizeof detail, "{\"prefix\":\"%sXXXX\"}", out->prefix);
	if (rc == OG_OK)
		rc = audit_write(d, c, who, "alert.lift", tenant_id, alert_id, detail);
	if (rc == OG_OK)
		rc = store_commit(c);
	if (rc != OG_OK) {
		store_rollback(c);
		return rc;
	}
	out->lifted_at_ms = now;
	memset(out->lifted_by, 0, sizeof out->lifted_by);
	memcpy(out->lifted_by, by, strnlen(by, STORE_ID_MAX - 1));
	log_info("guard.alert_lifted", "{s:s, s:s, s:s}", "tenant_id", tenant_id, "alert_id",
		 alert_id, "prefix", out->prefix);
	return OG_OK;
}

void pumping_refresh_metrics(const struct domain *d, struct store_conn *c)
{
	int64_t n = 0;

	(void)d;
	pthread_once(&pumping_metrics_once, pumping_describe_metrics);
	/* A store that does not answer leaves the gauge at its last value. */
	if (store_alert_count_active(c, &n) == OG_OK)
		metrics_gauge("otpgate_prefix_blocks", "", n);
}
