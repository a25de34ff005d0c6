/*
 * The records of the store interface: what otpgate keeps, field by field,
 * with the field limits. store.h holds the operations on them; this split
 * keeps each readable in one sitting. Include store.h, not this file.
 */
#ifndef OG_STORE_RECORD_H
#define OG_STORE_RECORD_H

#include "base/clock.h"
#include "base/og_err.h"
#include "base/phone.h"
#include "base/rnd.h"
#include "base/secret.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Field limits. Input longer than these is refused at the API boundary. */
#define STORE_ID_MAX RND_ID_MAX
#define STORE_TENANT_ID_MAX 65 /* 64 characters plus NUL */
#define STORE_NAME_MAX 129     /* 128 characters plus NUL */
#define STORE_HEADER_MAX 12    /* sender header: up to 11 characters */
#define STORE_PE_ID_MAX 31     /* DLT PE-ID: up to 30 digits */
#define STORE_DLT_ID_MAX 31    /* DLT template id: up to 30 digits */
#define STORE_TEMPLATE_NAME_MAX 65
#define STORE_TEMPLATE_BODY_MAX 1025 /* 1024 bytes plus NUL */
#define STORE_TEMPLATE_VARS_MAX 10
#define STORE_VAR_NAME_MAX 33
#define STORE_PROVIDER_MAX 33
#define STORE_URL_MAX 513
#define STORE_CREDENTIAL_MAX 257 /* plaintext upstream API key */
#define STORE_SEALED_CREDENTIAL_MAX (STORE_CREDENTIAL_MAX + SECRET_SEAL_OVERHEAD)
#define STORE_PAYLOAD_MAX 4096 /* plaintext dispatch payload (JSON) */
#define STORE_SEALED_PAYLOAD_MAX (STORE_PAYLOAD_MAX + SECRET_SEAL_OVERHEAD)
#define STORE_KEY_PREFIX_MAX 24
#define STORE_REFERENCE_MAX 129
#define STORE_PROVIDER_MSG_ID_MAX 129
#define STORE_ERROR_TEXT_MAX 257
#define STORE_IDEM_KEY_MAX 129
#define STORE_IDEM_BODY_MAX 4096
#define STORE_PAGE_MAX 100 /* the most records one list call returns */
#define STORE_KEY_IPS_MAX 16   /* CIDRs in one API key's allow-list */
#define STORE_CIDR_TEXT_MAX 50 /* "ffff:...:ffff/128" plus NUL */
#define STORE_KEY_ALLOWED_IPS_MAX (STORE_KEY_IPS_MAX * STORE_CIDR_TEXT_MAX)
#define STORE_SECRET_ID_MAX 17 /* a secret's fingerprint: 16 hex characters plus NUL */

/* ---- DLT registry (migration 0003, docs/DLT.md) ------------------------ */

#define STORE_DLT_HEADERS_MAX 8       /* headers one template is mapped to */
#define STORE_DLT_WARNINGS_MAX 8      /* lint warnings kept with a template */
#define STORE_DLT_RULE_MAX 8          /* "DLT-NN" plus NUL */
#define STORE_DLT_WARNING_TEXT_MAX 192
#define STORE_DLT_WHITELIST_MAX 100   /* whitelist entries per PE */
#define STORE_DLT_VALUE_MAX STORE_URL_MAX /* a whitelisted URL or callback number */

/* Which registry a tenant's sends are checked against (DLT-50..52). */
enum store_route { STORE_ROUTE_OWN, STORE_ROUTE_SHARED };

enum store_dlt_category {
	STORE_DLT_SERVICE_IMPLICIT,
	STORE_DLT_TRANSACTIONAL,
	STORE_DLT_SERVICE_EXPLICIT,
	STORE_DLT_PROMOTIONAL,
	STORE_DLT_GOVERNMENT,
	STORE_DLT__CATEGORIES
};

enum store_dlt_status { STORE_DLT_ACTIVE, STORE_DLT_INACTIVE, STORE_DLT_BLACKLISTED };

enum store_dlt_wl_kind { STORE_DLT_WL_URL, STORE_DLT_WL_CBN };

struct store_dlt_warning {
	char rule[STORE_DLT_RULE_MAX];
	char message[STORE_DLT_WARNING_TEXT_MAX];
};

/* ---- Records ---------------------------------------------------------- */

enum store_billing_mode { STORE_BILLING_PREPAID, STORE_BILLING_POSTPAID };

struct store_tenant {
	char id[STORE_TENANT_ID_MAX];
	char name[STORE_NAME_MAX];
	char sender_header[STORE_HEADER_MAX];
	char pe_id[STORE_PE_ID_MAX];
	int64_t price_paise;      /* 0 means the deployment's price */
	int billing_mode;         /* enum store_billing_mode */
	int64_t credit_limit_paise;
	int64_t monthly_cap_sms;  /* 0 means no cap */
	int otp_length;
	int otp_ttl_sec;
	int otp_max_attempts;
	char upstream_provider[STORE_PROVIDER_MAX]; /* "" means the deployment's */
	char upstream_url[STORE_URL_MAX];
	unsigned char upstream_key_sealed[STORE_SEALED_CREDENTIAL_MAX];
	size_t upstream_key_sealed_len; /* 0 when the tenant has no key of its own */
	bool suspended;
	int64_t created_at_ms;
	int64_t updated_at_ms;
	/* DLT (migration 0003, docs/DLT.md). */
	int route;                  /* enum store_route (DLT-50) */
	int64_t price_own_paise;    /* the own route's price; 0 means the deployment's */
	int64_t price_shared_paise; /* the shared route's price; 0 means the deployment's */
};

enum store_key_kind { STORE_KEY_ADMIN, STORE_KEY_SEND, STORE_KEY_TENANT };

/* API keys are a platform catalogue (like tenants), looked up by hash alone. */
struct store_api_key {
	char id[STORE_ID_MAX];
	char tenant_id[STORE_TENANT_ID_MAX]; /* "" for admin and send keys */
	int kind;                            /* enum store_key_kind */
	char name[STORE_NAME_MAX];
	char prefix[STORE_KEY_PREFIX_MAX]; /* the first characters, for display */
	unsigned char hash[SECRET_HASH_LEN];
	int64_t created_at_ms;
	int64_t revoked_at_ms; /* 0 while the key is valid */
	int64_t expires_at_ms; /* 0: never expires (SEC-11) */
	char allowed_ips[STORE_KEY_ALLOWED_IPS_MAX]; /* canonical CIDRs, comma-separated; "" for any (SEC-12) */
	char secret_id[STORE_SECRET_ID_MAX]; /* fingerprint of the secret `hash` was made under (SEC-05) */
};

struct store_template {
	char tenant_id[STORE_TENANT_ID_MAX];
	char name[STORE_TEMPLATE_NAME_MAX];
	char dlt_template_id[STORE_DLT_ID_MAX];
	char body[STORE_TEMPLATE_BODY_MAX];
	int var_count;
	char vars[STORE_TEMPLATE_VARS_MAX][STORE_VAR_NAME_MAX];
	bool is_default;
	int64_t created_at_ms;
	/* DLT (migration 0003). tenant_id "" is the platform's registry. */
	int category; /* enum store_dlt_category */
	int status;   /* enum store_dlt_status */
	int header_count;
	char headers[STORE_DLT_HEADERS_MAX][STORE_HEADER_MAX]; /* the headers it is mapped to */
	int var_max_len[STORE_TEMPLATE_VARS_MAX]; /* characters per variable; 0: the default */
	int warning_count;
	struct store_dlt_warning warnings[STORE_DLT_WARNINGS_MAX]; /* lint warnings at registration */
};

/* The wallet is a cache of the ledger, updated in the same transaction as
 * every entry, so it always equals the sums over the tenant's entries. */
struct store_wallet {
	char tenant_id[STORE_TENANT_ID_MAX];
	int64_t balance_paise; /* credits minus captures */
	int64_t held_paise;    /* open holds */
	int64_t held_count;    /* number of open holds */
	int64_t updated_at_ms;
};

enum store_ledger_kind {
	STORE_LEDGER_CREDIT,  /* balance += amount */
	STORE_LEDGER_HOLD,    /* held += amount */
	STORE_LEDGER_CAPTURE, /* held -= amount, balance -= amount: the charge */
	STORE_LEDGER_RELEASE  /* held -= amount */
};

/* The store enforces: at most one CREDIT per (tenant_id, reference) and at
 * most one CAPTURE or RELEASE per (tenant_id, message_id). */
struct store_ledger_entry {
	char tenant_id[STORE_TENANT_ID_MAX];
	char id[STORE_ID_MAX];
	int kind; /* enum store_ledger_kind */
	int64_t amount_paise;
	char message_id[STORE_ID_MAX];      /* "" for credits */
	char reference[STORE_REFERENCE_MAX]; /* "" except for credits */
	int64_t created_at_ms;
	/* "YYYY-MM-DD HH:MM:SS" in the billing offset; set on captures only,
	 * and what the tenant_sms_ledger view shows as created_at. */
	char billed_local[CLOCK_LOCAL_MAX];
};

/* Sums over a tenant's ledger, to check the wallet cache against. */
struct store_ledger_sums {
	int64_t balance_paise;
	int64_t held_paise;
	int64_t held_count;
};

enum store_otp_status {
	STORE_OTP_PENDING,
	STORE_OTP_APPROVED,
	STORE_OTP_EXPIRED,
	STORE_OTP_MAX_ATTEMPTS,
	STORE_OTP_CANCELED,
	STORE_OTP_FAILED
};

struct store_otp {
	char tenant_id[STORE_TENANT_ID_MAX];
	char id[STORE_ID_MAX];
	unsigned char phone_hash[SECRET_HASH_LEN]; /* keyed hash, for lookup by phone */
	char phone_masked[PHONE_MAX];
	char template_name[STORE_TEMPLATE_NAME_MAX];
	unsigned char code_hash[SECRET_HASH_LEN]; /* keyed hash of the current code */
	int status;                               /* enum store_otp_status */
	int attempts;
	int max_attempts;
	int resend_count;
	/* Sealed JSON with the phone and the caller's variables, so a resend can
	 * render a new message; emptied once the request is final. */
	unsigned char context_sealed[STORE_SEALED_PAYLOAD_MAX];
	size_t context_sealed_len;
	int64_t expires_at_ms;
	int64_t last_sent_at_ms;
	int64_t created_at_ms;
	int64_t updated_at_ms;
};

enum store_msg_status { STORE_MSG_QUEUED, STORE_MSG_SENDING, STORE_MSG_SENT, STORE_MSG_FAILED };

/* A message is also the outbox entry: QUEUED rows whose next_attempt_at_ms
 * has come, and SENDING rows whose lease has run out, are claimable. */
struct store_message {
	char tenant_id[STORE_TENANT_ID_MAX];
	char id[STORE_ID_MAX];
	char request_id[STORE_ID_MAX];
	char phone_masked[PHONE_MAX];
	char sender_header[STORE_HEADER_MAX];
	char pe_id[STORE_PE_ID_MAX];
	char dlt_template_id[STORE_DLT_ID_MAX];
	int status; /* enum store_msg_status */
	char provider[STORE_PROVIDER_MAX];
	char provider_message_id[STORE_PROVIDER_MSG_ID_MAX];
	int64_t cost_paise; /* the amount held, and captured if sent */
	char error[STORE_ERROR_TEXT_MAX];
	/* Sealed JSON with the destination, text and variables (the code among
	 * them); emptied once the message is final. */
	unsigned char payload_sealed[STORE_SEALED_PAYLOAD_MAX];
	size_t payload_sealed_len;
	int attempts;
	int64_t next_attempt_at_ms;
	int64_t lease_until_ms;
	int64_t created_at_ms;
	int64_t sent_at_ms; /* 0 until sent */
	int64_t updated_at_ms;
	int route; /* enum store_route: the registry it was checked against (migration 0003) */
};

struct store_message_filter {
	const char *tenant_id; /* NULL for every tenant */
	const char *after_id;  /* NULL to start from the newest */
	int status;            /* enum store_msg_status, or -1 for any */
	int64_t from_ms;       /* created_at >= from_ms; 0 for no bound */
	int64_t to_ms;         /* created_at < to_ms; 0 for no bound */
	size_t limit;          /* 1..STORE_PAGE_MAX */
};

enum store_idem_state { STORE_IDEM_IN_FLIGHT, STORE_IDEM_DONE };

struct store_idem {
	char tenant_id[STORE_TENANT_ID_MAX];
	char key[STORE_IDEM_KEY_MAX];
	unsigned char request_hash[SECRET_HASH_LEN];
	int state; /* enum store_idem_state */
	int response_status;
	char response_body[STORE_IDEM_BODY_MAX];
	int64_t created_at_ms;
	int64_t locked_until_ms; /* an IN_FLIGHT claim older than this is abandoned */
};

#define STORE_AUDIT_ACTION_MAX 49
#define STORE_AUDIT_DETAIL_MAX 1025
#define STORE_IP_MAX 46 /* INET6_ADDRSTRLEN */

enum store_actor_kind { STORE_ACTOR_ADMIN, STORE_ACTOR_SEND, STORE_ACTOR_TENANT, STORE_ACTOR_CLI };

/* One audit entry. Append-only: the store offers no update or delete. */
struct store_audit {
	char tenant_id[STORE_TENANT_ID_MAX]; /* "" for platform-level actions */
	char id[STORE_ID_MAX];
	int actor_kind; /* enum store_actor_kind */
	char actor_key_id[STORE_ID_MAX]; /* "" for the CLI */
	char actor_ip[STORE_IP_MAX];     /* "" for the CLI */
	char action[STORE_AUDIT_ACTION_MAX]; /* e.g. "tenant.create" */
	char target_id[STORE_ID_MAX + STORE_TEMPLATE_NAME_MAX];
	char detail[STORE_AUDIT_DETAIL_MAX]; /* JSON; never a secret */
	int64_t created_at_ms;
};

/* One row of usage: charged SMS and their cost for a tenant over a range. */
struct store_usage_row {
	char tenant_id[STORE_TENANT_ID_MAX];
	int64_t total_sms;
	int64_t total_cost_paise;
};

/* ---- Security records (migration 0005) -------------------------------- */

/* The sealed columns: what a secret rotation re-encrypts. Each value is
 * sealed with its row's id as associated data (the tenant id for tenants)
 * unless its kind says otherwise. */
enum store_sealed_kind {
	STORE_SEALED_TENANT_UPSTREAM_KEY, /* tenants.upstream_key_sealed */
	STORE_SEALED_MESSAGE_PAYLOAD,     /* messages.payload_sealed */
	STORE_SEALED_OTP_CONTEXT,         /* otp_requests.context_sealed */
	STORE_SEALED_TEST_NUMBER,         /* test_numbers.sealed; under "tenant_id/id" */
	STORE_SEALED__COUNT
};

/* One sealed value and the row that holds it. */
struct store_sealed {
	char tenant_id[STORE_TENANT_ID_MAX];
	char id[STORE_ID_MAX]; /* the row's id; for a tenant, its id again */
	unsigned char blob[STORE_SEALED_PAYLOAD_MAX];
	size_t blob_len;
};

/* Which secret the database's hashes and seals were made with. */
struct store_secret_state {
	char fingerprint[STORE_SECRET_ID_MAX];
	char previous_fingerprint[STORE_SECRET_ID_MAX]; /* "" before the first rotation */
	int64_t rotated_at_ms;                          /* 0 before the first rotation */
};

/** Called once per usage row; a non-OG_OK return stops the iteration and is returned. */
typedef enum og_err (*store_usage_fn)(void *arg, const struct store_usage_row *row);

/* ---- Abuse defence: policies, send log, locks, alerts, test numbers --- */

/* A tenant's overrides of the deployment's abuse settings (ABUSE-xx in
 * docs/SECURITY.md), one integer per setting, in this order. */
enum store_policy_setting {
	STORE_POLICY_PER_PHONE_COUNT,
	STORE_POLICY_PER_PHONE_WINDOW_SEC,
	STORE_POLICY_PER_PREFIX_COUNT,
	STORE_POLICY_PER_PREFIX_WINDOW_SEC,
	STORE_POLICY_PER_IP_COUNT,
	STORE_POLICY_PER_IP_WINDOW_SEC,
	STORE_POLICY_TENANT_RPS,
	STORE_POLICY_TENANT_DAILY,
	STORE_POLICY_VERIFY_FAILURES,
	STORE_POLICY_VERIFY_LOCK_SEC,
	STORE_POLICY_TEST_NUMBERS_EXEMPT,
	STORE_POLICY_DAILY_SPEND_CAP_PAISE,
	STORE_POLICY_PUMPING_WINDOW_SEC,
	STORE_POLICY_PUMPING_MIN_SENDS,
	STORE_POLICY_PUMPING_MIN_CONVERSION_PCT,
	STORE_POLICY_PUMPING_GRACE_SEC,
	STORE_POLICY__COUNT
};

#define STORE_POLICY_UNSET INT64_MIN /* the deployment's value applies */
#define STORE_COUNTRIES_MAX 64   /* allowed country calling codes per tenant */
#define STORE_COUNTRY_CODE_MAX 4 /* 1 to 3 digits, plus NUL */

struct store_policy {
	char tenant_id[STORE_TENANT_ID_MAX];
	int64_t values[STORE_POLICY__COUNT]; /* STORE_POLICY_UNSET: the deployment's */
	bool countries_set;                  /* false: the deployment's country list */
	size_t country_count;
	char countries[STORE_COUNTRIES_MAX][STORE_COUNTRY_CODE_MAX];
	int64_t updated_at_ms;
};

/* What a send-log entry is counted under. */
enum store_guard_key { STORE_GUARD_PHONE, STORE_GUARD_PREFIX, STORE_GUARD_IP };

/* One accepted send, for the sliding-window limits and the conversion of
 * its prefix. Only keyed hashes: no phone, prefix or address in the clear. */
struct store_guard_send {
	char tenant_id[STORE_TENANT_ID_MAX];
	char id[STORE_ID_MAX];
	unsigned char phone_hash[SECRET_HASH_LEN];
	unsigned char prefix_hash[SECRET_HASH_LEN];
	unsigned char ip_hash[SECRET_HASH_LEN];
	bool has_ip; /* false when the send named no client address */
	int64_t sent_at_ms;
};

/* Consecutive failed verifies of one phone, across codes, and its lock. */
struct store_verify_lock {
	char tenant_id[STORE_TENANT_ID_MAX];
	unsigned char phone_hash[SECRET_HASH_LEN];
	int64_t failures;
	int64_t locked_until_ms; /* 0: not locked */
	int64_t updated_at_ms;
};

#define STORE_PREFIX_MAX PHONE_MAX

enum store_alert_kind { STORE_ALERT_PREFIX_BLOCKED };

/* A pumping alert. While lifted_at_ms is 0 the prefix is blocked for the
 * tenant; an admin lifts it. The prefix is kept in the clear because an
 * alert nobody can act on is useless; a prefix is a block of 10,000
 * numbers, not a person's number. */
struct store_alert {
	char tenant_id[STORE_TENANT_ID_MAX];
	char id[STORE_ID_MAX];
	int kind;                       /* enum store_alert_kind */
	char prefix[STORE_PREFIX_MAX];  /* E.164 without the last 4 digits */
	int64_t sent;                   /* the sends that were judged */
	int64_t verified;               /* of which verified */
	int64_t window_sec;
	int64_t created_at_ms;
	int64_t lifted_at_ms;           /* 0 while active */
	char lifted_by[STORE_ID_MAX];   /* the admin key that lifted it; "cli" */
};

#define STORE_TEST_NUMBER_SEALED_MAX (128 + SECRET_SEAL_OVERHEAD)

/* A tenant's test number: sends to it reach no upstream and cost nothing.
 * The number and its fixed code are sealed; the hash finds it. */
struct store_test_number {
	char tenant_id[STORE_TENANT_ID_MAX];
	char id[STORE_ID_MAX];
	unsigned char phone_hash[SECRET_HASH_LEN];
	char phone_masked[PHONE_MAX];
	unsigned char sealed[STORE_TEST_NUMBER_SEALED_MAX]; /* {"phone","code"} */
	size_t sealed_len;
	int64_t created_at_ms;
};

/* A registered header. tenant_id "" is the platform's registry. */
struct store_dlt_header {
	char tenant_id[STORE_TENANT_ID_MAX];
	char header[STORE_HEADER_MAX];
	int category;                /* enum store_dlt_category */
	int status;                  /* enum store_dlt_status (active or inactive) */
	char pe_id[STORE_PE_ID_MAX]; /* the PE it was registered under (DLT-05) */
	int64_t created_at_ms;
	int64_t updated_at_ms;
};

/* A whitelisted URL or callback number (DLT-15, DLT-16). */
struct store_dlt_whitelist {
	char tenant_id[STORE_TENANT_ID_MAX]; /* "" for the platform's */
	char value[STORE_DLT_VALUE_MAX];     /* a URL, or a normalised callback number */
	int kind;                            /* enum store_dlt_wl_kind */
	int64_t created_at_ms;
};

/* The platform's own entity, for the shared route (DLT-52). */
struct store_dlt_platform {
	char pe_id[STORE_PE_ID_MAX];
	char sender_header[STORE_HEADER_MAX]; /* its default header */
	int64_t updated_at_ms;                /* 0 while never set */
};

/* Charged SMS of one tenant on one route over a range. */
struct store_usage_route_row {
	char tenant_id[STORE_TENANT_ID_MAX];
	int route; /* enum store_route */
	int64_t total_sms;
	int64_t total_cost_paise;
};

/** Called once per usage-by-route row; a non-OG_OK return stops the iteration and is returned. */
typedef enum og_err (*store_usage_route_fn)(void *arg, const struct store_usage_route_row *row);

/* ---- The monthly usage aggregate (migration 0006) ---------------------- */

/* One row of a month's invoice: a tenant's charged SMS on one route, with
 * the tenant's name ("" if the tenant row is missing). */
struct store_invoice_row {
	char tenant_id[STORE_TENANT_ID_MAX];
	char name[STORE_NAME_MAX];
	int route; /* enum store_route */
	int64_t total_sms;
	int64_t total_cost_paise;
};

/** Called once per invoice row; a non-OG_OK return stops the iteration and is returned. */
typedef enum og_err (*store_invoice_fn)(void *arg, const struct store_invoice_row *row);

#endif
