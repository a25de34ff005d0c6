/*
 * The abuse defence on the OTP path (docs/SECURITY.md §8): what otp.c calls
 * to refuse a send or a verify before it can cost money or leak a code.
 *
 * A send passes two gates. guard_send_precheck runs before the write
 * transaction and needs no lock: it resolves the tenant's settings, spots a
 * test number, refuses a country outside the allow-list, and refuses a
 * prefix that is blocked or that the pumping detector blocks now.
 * guard_send_commit runs inside the send's write transaction, before the
 * hold, so counts are exact under concurrency and a refused send leaves no
 * trace: the per-phone, per-prefix and per-IP sliding windows, the tenant's
 * token bucket and daily count, and the daily spend cap. A refused send
 * makes no upstream call and writes no ledger entry.
 *
 * A verify is refused while the phone is locked after too many consecutive
 * failures; each attempt is counted, and a success records the conversion
 * the pumping detector reads.
 */
#ifndef OG_GUARD_H
#define OG_GUARD_H

#include "domain/domain.h"
#include "domain/policy.h"

#define GUARD_TEST_PROVIDER "test" /* the provider a test send's message names */
#define GUARD_PREFIX_CUT 4         /* a prefix is the number without its last 4 digits */
#define GUARD_PRUNE_PER_SEND 4     /* expired send-log rows each send deletes */

/* The limit names a 429 rate_limited carries in "limit". */
#define GUARD_LIMIT_PER_PHONE "per_phone"
#define GUARD_LIMIT_PER_PREFIX "per_prefix"
#define GUARD_LIMIT_PER_IP "per_ip"
#define GUARD_LIMIT_TENANT_RPS "tenant_rps"
#define GUARD_LIMIT_TENANT_DAILY "tenant_daily"
#define GUARD_LIMIT_VERIFY_FAILURES "verify_failures_per_phone"

/* What the precheck decided, carried into the commit. */
struct guard_send {
	struct policy policy;                  /* the tenant's settings in force */
	bool test;                             /* a registered test number */
	char test_code[RND_CODE_LEN_MAX + 1];  /* its fixed code */
	char prefix[STORE_PREFIX_MAX];
	unsigned char phone_hash[SECRET_HASH_LEN];
	unsigned char prefix_hash[SECRET_HASH_LEN];
	unsigned char ip_hash[SECRET_HASH_LEN];
	bool has_ip;                           /* the send named its end user's address */
};

/** Writes the number without its last GUARD_PREFIX_CUT digits. */
void guard_prefix(const char *e164, char out[STORE_PREFIX_MAX]);

/** Before the transaction: settings, test number, geo, prefix block and pumping;
 *  client_ip may be NULL or "". Refusals: 400 client_ip, 422 country, 429 prefix. */
enum og_err guard_send_precheck(const struct domain *d, struct store_conn *c,
				const struct store_tenant *t, const char *phone,
				const char *client_ip, struct guard_send *g,
				struct og_detail *det);

/** Replaces code with the test number's fixed code when the send is a test send. */
void guard_code(const struct guard_send *g, char code[RND_CODE_LEN_MAX + 1]);

/** In the send's transaction, before the hold: checks and counts every limit
 *  and the daily spend cap. Refusals: 429 rate_limited or prefix_blocked, 402. */
enum og_err guard_send_commit(const struct domain *d, struct store_conn *c,
			      const struct guard_send *g, const struct store_tenant *t,
			      int64_t price_paise, struct og_detail *det);

/** Makes a test send's message final and free: sent, provider "test", no payload. */
void guard_test_message(const struct guard_send *g, struct store_message *m);

/* What the verify check read, carried into the attempt in the same
 * transaction, so the attempt need not read it again. */
struct guard_verify {
	struct policy policy;          /* the tenant's settings in force */
	struct store_verify_lock lock; /* the phone's failure run; a fresh one if none */
};

/** In the verify's transaction: fills v; 429 rate_limited while the request's phone is locked. */
enum og_err guard_verify_check(const struct domain *d, struct store_conn *c,
			       const struct store_otp *o, struct guard_verify *v,
			       struct og_detail *det);

/** Later in the same transaction, after an attempt on a pending request, with v from
 *  guard_verify_check: counts a failure (locking the phone at the limit) or records a success. */
enum og_err guard_verify_attempt(const struct domain *d, struct store_conn *c,
				 const struct store_otp *o, struct guard_verify *v, bool verified);

#endif
