/*
 * The text each C enum is stored as in a column: the names the
 * migrations' CHECKs list, the same on every database, so a database moved
 * from one backend to the other reads the same. Each table is indexed by
 * the enum value.
 */
#include "store/store_int.h"

static const char *const billing_names[] = {
	[STORE_BILLING_PREPAID] = "prepaid",
	[STORE_BILLING_POSTPAID] = "postpaid",
};
const struct store_enum store_enum_billing = STORE_ENUM(billing_names);

static const char *const key_kind_names[] = {
	[STORE_KEY_ADMIN] = "admin",
	[STORE_KEY_SEND] = "send",
	[STORE_KEY_TENANT] = "tenant",
};
const struct store_enum store_enum_key_kind = STORE_ENUM(key_kind_names);

static const char *const ledger_kind_names[] = {
	[STORE_LEDGER_CREDIT] = "credit",
	[STORE_LEDGER_HOLD] = "hold",
	[STORE_LEDGER_CAPTURE] = "capture",
	[STORE_LEDGER_RELEASE] = "release",
};
const struct store_enum store_enum_ledger_kind = STORE_ENUM(ledger_kind_names);

static const char *const otp_status_names[] = {
	[STORE_OTP_PENDING] = "pending",
	[STORE_OTP_APPROVED] = "approved",
	[STORE_OTP_EXPIRED] = "expired",
	[STORE_OTP_MAX_ATTEMPTS] = "max_attempts_reached",
	[STORE_OTP_CANCELED] = "canceled",
	[STORE_OTP_FAILED] = "failed",
};
const struct store_enum store_enum_otp_status = STORE_ENUM(otp_status_names);

static const char *const msg_status_names[] = {
	[STORE_MSG_QUEUED] = "queued",
	[STORE_MSG_SENDING] = "sending",
	[STORE_MSG_SENT] = "sent",
	[STORE_MSG_FAILED] = "failed",
};
const struct store_enum store_enum_msg_status = STORE_ENUM(msg_status_names);

static const char *const idem_state_names[] = {
	[STORE_IDEM_IN_FLIGHT] = "in_flight",
	[STORE_IDEM_DONE] = "done",
};
const struct store_enum store_enum_idem_state = STORE_ENUM(idem_state_names);

static const char *const actor_kind_names[] = {
	[STORE_ACTOR_ADMIN] = "admin",
	[STORE_ACTOR_SEND] = "send",
	[STORE_ACTOR_TENANT] = "tenant",
	[STORE_ACTOR_CLI] = "cli",
};
const struct store_enum store_enum_actor_kind = STORE_ENUM(actor_kind_names);

static const char *const alert_kind_names[] = {
	[STORE_ALERT_PREFIX_BLOCKED] = "prefix_blocked",
};
const struct store_enum store_enum_alert_kind = STORE_ENUM(alert_kind_names);

static const char *const route_names[] = {
	[STORE_ROUTE_OWN] = "own",
	[STORE_ROUTE_SHARED] = "shared",
};
const struct store_enum store_enum_route = STORE_ENUM(route_names);

static const char *const category_names[] = {
	[STORE_DLT_SERVICE_IMPLICIT] = "service_implicit",
	[STORE_DLT_TRANSACTIONAL] = "transactional",
	[STORE_DLT_SERVICE_EXPLICIT] = "service_explicit",
	[STORE_DLT_PROMOTIONAL] = "promotional",
	[STORE_DLT_GOVERNMENT] = "government",
};
const struct store_enum store_enum_dlt_category = STORE_ENUM(category_names);
_Static_assert(sizeof category_names / sizeof category_names[0] == STORE_DLT__CATEGORIES,
	       "every DLT category has a name");

static const char *const dlt_status_names[] = {
	[STORE_DLT_ACTIVE] = "active",
	[STORE_DLT_INACTIVE] = "inactive",
	[STORE_DLT_BLACKLISTED] = "blacklisted",
};
const struct store_enum store_enum_dlt_status = STORE_ENUM(dlt_status_names);

static const char *const wl_kind_names[] = {
	[STORE_DLT_WL_URL] = "url",
	[STORE_DLT_WL_CBN] = "cbn",
};
const struct store_enum store_enum_wl_kind = STORE_ENUM(wl_kind_names);
