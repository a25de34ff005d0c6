/*
 * The store interface: the operations on the records otpgate keeps
 * (store_record.h), as a table of function pointers that a driver (store_sqlite, later
 * store_pg) fills in. Nothing above this header knows which database is in
 * use. The domain layer composes these operations inside a write
 * transaction; a driver only moves records, it makes no business decision.
 *
 * Every tenant-owned record carries tenant_id, and every lookup of one is
 * scoped by it, so one tenant's data is never reachable with another's id.
 * All times are int64_t ms since the epoch (UTC); all money is int64_t paise.
 *
 * Return values: OG_OK; OG_ERR_NOT_FOUND when a get finds nothing;
 * OG_ERR_CONFLICT when an insert breaks a unique key; OG_ERR_BUSY when the
 * database stayed locked past its timeout; OG_ERR_STORE for anything else.
 */
#ifndef OG_STORE_H
#define OG_STORE_H

#include "store/store_record.h" /* the records and their field limits */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Driver interface ------------------------------------------------- */

struct store;
struct store_conn;

struct store_ops {
	const char *name;
	/** True if this driver handles the URL (a path, or a scheme it owns). */
	bool (*accepts)(const char *url);
	/** Opens the database named by url; creates it if absent. */
	enum og_err (*open)(const char *url, struct store **out);
	/** Closes the database; every connection must be closed first. */
	void (*close)(struct store *s);
	/** Opens a connection; each thread uses its own. */
	enum og_err (*conn_open)(struct store *s, struct store_conn **out);
	void (*conn_close)(struct store_conn *c);

	/** Applies every migration newer than the schema; *applied counts them. */
	enum og_err (*migrate)(struct store_conn *c, int *applied);
	/** Checks that the database answers. */
	enum og_err (*ping)(struct store_conn *c);

	/** Starts a write transaction that holds the write lock from its start. */
	enum og_err (*begin)(struct store_conn *c);
	enum og_err (*commit)(struct store_conn *c);
	/** Rolls back; safe to call when no transaction is open. */
	void (*rollback)(struct store_conn *c);

	enum og_err (*tenant_insert)(struct store_conn *c, const struct store_tenant *t);
	/** Reads a tenant; inside a transaction its row stays locked until the end, for a
	 *  read that is written back. */
	enum og_err (*tenant_get)(struct store_conn *c, const char *id, struct store_tenant *out);
	/** Reads a tenant's settings without locking its row, also inside a transaction:
	 *  a send only reads them, and must not queue behind every other send. */
	enum og_err (*tenant_read)(struct store_conn *c, const char *id, struct store_tenant *out);
	/** Replaces every field of the tenant with the same id. */
	enum og_err (*tenant_update)(struct store_conn *c, const struct store_tenant *t);
	/** Lists tenants ordered by id, starting after after_id (or the first when NULL). */
	enum og_err (*tenant_list)(struct store_conn *c, const char *after_id, size_t limit,
				   struct store_tenant *out, size_t *n);

	enum og_err (*key_insert)(struct store_conn *c, const struct store_api_key *k);
	/** Finds the key with this hash, revoked or not. */
	enum og_err (*key_find_by_hash)(struct store_conn *c,
					const unsigned char hash[SECRET_HASH_LEN],
					struct store_api_key *out);
	/** Lists keys of one tenant, or platform keys when tenant_id is "", by id. */
	enum og_err (*key_list)(struct store_conn *c, const char *tenant_id, const char *after_id,
				size_t limit, struct store_api_key *out, size_t *n);
	/** Sets revoked_at_ms on the key if it belongs to tenant_id ("" for platform keys). */
	enum og_err (*key_revoke)(struct store_conn *c, const char *tenant_id, const char *id,
				  int64_t now_ms);

	enum og_err (*template_insert)(struct store_conn *c, const struct store_template *t);
	/** Finds a template by its name or else by its DLT template id. */
	enum og_err (*template_get)(struct store_conn *c, const char *tenant_id,
				    const char *name_or_dlt_id, struct store_template *out);
	enum og_err (*template_get_default)(struct store_conn *c, const char *tenant_id,
					    struct store_template *out);
	/** Clears is_default on every template of the tenant. */
	enum og_err (*template_clear_default)(struct store_conn *c, const char *tenant_id);
	enum og_err (*template_list)(struct store_conn *c, const char *tenant_id,
				     const char *after_name, size_t limit,
				     struct store_template *out, size_t *n);
	enum og_err (*template_delete)(struct store_conn *c, const char *tenant_id,
				       const char *name);

	/** Reads the wallet; a tenant without one reads as all zeros (OG_OK). */
	enum og_err (*wallet_get)(struct store_conn *c, const char *tenant_id,
				  struct store_wallet *out);
	/** Inserts or replaces the wallet. */
	enum og_err (*wallet_put)(struct store_conn *c, const struct store_wallet *w);

	enum og_err (*ledger_insert)(struct store_conn *c, const struct store_ledger_entry *e);
	/** Finds the CREDIT entry with this reference. */
	enum og_err (*ledger_find_credit)(struct store_conn *c, const char *tenant_id,
					  const char *reference, struct store_ledger_entry *out);
	/** Sums the tenant's entries the way the wallet cache should. */
	enum og_err (*ledger_sums)(struct store_conn *c, const char *tenant_id,
				   struct store_ledger_sums *out);

	/** Adds count SMS and cost to the tenant's day ("YYYY-MM-DD", billing offset). */
	enum og_err (*usage_add)(struct store_conn *c, const char *tenant_id, const char *day,
				 int64_t sms, int64_t cost_paise);
	/** Calls fn once per tenant with charged SMS on days from_day..to_day inclusive,
	 *  ordered by tenant id; tenant_id NULL means every tenant. */
	enum og_err (*usage_range)(struct store_conn *c, const char *tenant_id,
				   const char *from_day, const char *to_day, store_usage_fn fn,
				   void *arg);

	enum og_err (*otp_insert)(struct store_conn *c, const struct store_otp *o);
	enum og_err (*otp_get)(struct store_conn *c, const char *tenant_id, const char *id,
			       struct store_otp *out);
	/** Looks a request up by id alone, for a caller allowed to see every tenant. */
	enum og_err (*otp_get_any)(struct store_conn *c, const char *id, struct store_otp *out);
	/** Finds the tenant's newest PENDING request for the phone hash. */
	enum og_err (*otp_find_pending)(struct store_conn *c, const char *tenant_id,
					const unsigned char phone_hash[SECRET_HASH_LEN],
					struct store_otp *out);
	/** Replaces status, attempts, resend_count, code_hash, context and the times. */
	enum og_err (*otp_update)(struct store_conn *c, const struct store_otp *o);

	enum og_err (*message_insert)(struct store_conn *c, const struct store_message *m);
	enum og_err (*message_get)(struct store_conn *c, const char *tenant_id, const char *id,
				   struct store_message *out);
	/** Looks a message up by id alone, for a caller allowed to see every tenant. */
	enum og_err (*message_get_any)(struct store_conn *c, const char *id,
				       struct store_message *out);
	/** Lists messages newest first (by id) under the filter. */
	enum og_err (*message_list)(struct store_conn *c, const struct store_message_filter *f,
				    struct store_message *out, size_t *n);
	/** Lists the messages of one OTP request, oldest first. */
	enum og_err (*message_list_by_request)(struct store_conn *c, const char *tenant_id,
					       const char *request_id, struct store_message *out,
					       size_t max, size_t *n);
	/** Replaces status, provider fields, error, payload, attempts and the times. */
	enum og_err (*message_update)(struct store_conn *c, const struct store_message *m);
	/** Claims up to max due messages: sets them SENDING with lease_until_ms and
	 *  attempts + 1, and returns them. Runs in its own write transaction. */
	enum og_err (*outbox_claim)(struct store_conn *c, int64_t now_ms, int64_t lease_until_ms,
				    size_t max, struct store_message *out, size_t *n);
	/** Counts QUEUED and SENDING messages, for the outbox-depth gauge. */
	enum og_err (*outbox_depth)(struct store_conn *c, int64_t *out);

	enum og_err (*idem_get)(struct store_conn *c, const char *tenant_id, const char *key,
				struct store_idem *out);
	/** Inserts or replaces the record with the same (tenant_id, key). */
	enum og_err (*idem_put)(struct store_conn *c, const struct store_idem *r);
	/** Deletes the record; used when a claimed request ends in a server error. */
	enum og_err (*idem_delete)(struct store_conn *c, const char *tenant_id, const char *key);
	/** Deletes records created before before_ms. */
	enum og_err (*idem_expire)(struct store_conn *c, int64_t before_ms);

	enum og_err (*audit_insert)(struct store_conn *c, const struct store_audit *a);
	/** Lists entries newest first (by id) before before_id (NULL: the newest);
	 *  tenant_id NULL means every tenant's and the platform's. */
	enum og_err (*audit_list)(struct store_conn *c, const char *tenant_id,
				  const char *before_id, size_t limit, struct store_audit *out,
				  size_t *n);

	/* Abuse defence (store_sqlite_guard.c, _alert.c, _testnum.c). */
	/** Reads the tenant's overrides; OG_ERR_NOT_FOUND if it has none. */
	enum og_err (*policy_get)(struct store_conn *c, const char *tenant_id,
				  struct store_policy *out);
	/** Inserts or replaces the tenant's overrides. */
	enum og_err (*policy_put)(struct store_conn *c, const struct store_policy *p);
	enum og_err (*guard_send_insert)(struct store_conn *c, const struct store_guard_send *s);
	/** Counts the tenant's sends under one key after from_ms; *oldest_ms is the
	 *  earliest counted (0 when none). */
	enum og_err (*guard_send_count)(struct store_conn *c, const char *tenant_id, int key,
					const unsigned char hash[SECRET_HASH_LEN], int64_t from_ms,
					int64_t *count, int64_t *oldest_ms);
	/** Counts the prefix's sends in [from_ms, to_ms) and how many were verified. */
	enum og_err (*guard_send_stats)(struct store_conn *c, const char *tenant_id,
					const unsigned char prefix_hash[SECRET_HASH_LEN],
					int64_t from_ms, int64_t to_ms, int64_t *sent,
					int64_t *verified);
	/** Marks the phone's sends since from_ms as verified. */
	enum og_err (*guard_send_verified)(struct store_conn *c, const char *tenant_id,
					   const unsigned char phone_hash[SECRET_HASH_LEN],
					   int64_t from_ms);
	/** Deletes up to max of the tenant's sends older than before_ms. */
	enum og_err (*guard_send_prune)(struct store_conn *c, const char *tenant_id,
					int64_t before_ms, size_t max);
	/** Reads the tenant's token bucket and the rate it was filled at;
	 *  OG_ERR_NOT_FOUND if it has none yet. */
	enum og_err (*guard_bucket_get)(struct store_conn *c, const char *tenant_id, int64_t *rps,
					int64_t *tokens_milli, int64_t *updated_at_ms);
	enum og_err (*guard_bucket_put)(struct store_conn *c, const char *tenant_id, int64_t rps,
					int64_t tokens_milli, int64_t updated_at_ms);
	/** Reads a phone's failure count and lock; OG_ERR_NOT_FOUND if it has none. */
	enum og_err (*guard_lock_get)(struct store_conn *c, const char *tenant_id,
				      const unsigned char phone_hash[SECRET_HASH_LEN],
				      struct store_verify_lock *out);
	enum og_err (*guard_lock_put)(struct store_conn *c, const struct store_verify_lock *l);
	enum og_err (*guard_lock_delete)(struct store_conn *c, const char *tenant_id,
					 const unsigned char phone_hash[SECRET_HASH_LEN]);
	/** Inserts an alert; OG_ERR_CONFLICT if the prefix already has an active one. */
	enum og_err (*alert_insert)(struct store_conn *c, const struct store_alert *a);
	/** Finds the prefix's active alert; OG_ERR_NOT_FOUND if it is not blocked. */
	enum og_err (*alert_find_active)(struct store_conn *c, const char *tenant_id,
					 const char *prefix, struct store_alert *out);
	/** The latest time an alert on the prefix was lifted, 0 if never. */
	enum og_err (*alert_last_lift)(struct store_conn *c, const char *tenant_id,
				       const char *prefix, int64_t *lifted_at_ms);
	enum og_err (*alert_get)(struct store_conn *c, const char *tenant_id, const char *id,
				 struct store_alert *out);
	/** Lists alerts newest first (by id) before before_id (NULL: the newest). */
	enum og_err (*alert_list)(struct store_conn *c, const char *tenant_id,
				  const char *before_id, size_t limit, struct store_alert *out,
				  size_t *n);
	/** Lifts an active alert; OG_ERR_NOT_FOUND if there is no such active alert. */
	enum og_err (*alert_lift)(struct store_conn *c, const char *tenant_id, const char *id,
				  int64_t now_ms, const char *lifted_by);
	/** Counts active alerts of every tenant, for the metrics gauge. */
	enum og_err (*alert_count_active)(struct store_conn *c, int64_t *out);
	/** Inserts a test number; OG_ERR_CONFLICT if the tenant has the phone already. */
	enum og_err (*testnum_insert)(struct store_conn *c, const struct store_test_number *t);
	enum og_err (*testnum_find)(struct store_conn *c, const char *tenant_id,
				    const unsigned char phone_hash[SECRET_HASH_LEN],
				    struct store_test_number *out);
	/** Lists test numbers by id after after_id (NULL: the first). */
	enum og_err (*testnum_list)(struct store_conn *c, const char *tenant_id,
				    const char *after_id, size_t limit,
				    struct store_test_number *out, size_t *n);
	/** Deletes by id; OG_ERR_NOT_FOUND if the tenant has no such test number. */
	enum og_err (*testnum_delete)(struct store_conn *c, const char *tenant_id, const char *id);
	enum og_err (*testnum_count)(struct store_conn *c, const char *tenant_id, int64_t *out);

	/* Security (migration 0005): retention, purge, key expiry, secret rotation. */
	/** Reads the tenant's own retention; OG_ERR_NOT_FOUND when it uses the default. */
	enum og_err (*retention_get)(struct store_conn *c, const char *tenant_id, int *days);
	/** Sets the tenant's own retention in days. */
	enum og_err (*retention_put)(struct store_conn *c, const char *tenant_id, int days,
				     int64_t now_ms);
	/** Deletes up to limit of the tenant's requests created before before_ms whose
	 *  code expired before now_ms; *n counts them. */
	enum og_err (*otp_purge)(struct store_conn *c, const char *tenant_id, int64_t before_ms,
				 int64_t now_ms, size_t limit, size_t *n);
	/** Clears the number, error text and payload of up to limit of the tenant's
	 *  final messages created before before_ms; *n counts them. */
	enum og_err (*message_scrub)(struct store_conn *c, const char *tenant_id,
				     int64_t before_ms, size_t limit, size_t *n);
	/** Empties the sealed context of up to limit requests whose code expired
	 *  before now_ms (pending ones become expired); *n counts them. */
	enum og_err (*otp_wipe_contexts)(struct store_conn *c, int64_t now_ms, size_t limit,
					 size_t *n);
	/** Reads one key of tenant_id ("" for platform keys); OG_ERR_NOT_FOUND if not theirs. */
	enum og_err (*key_get)(struct store_conn *c, const char *tenant_id, const char *id,
			       struct store_api_key *out);
	/** Sets a key's expiry; tenant_id "" for platform keys; OG_ERR_NOT_FOUND if not theirs. */
	enum og_err (*key_set_expiry)(struct store_conn *c, const char *tenant_id, const char *id,
				      int64_t expires_at_ms);
	/** Replaces a key's hash and the fingerprint of the secret it was made under. */
	enum og_err (*key_rehash)(struct store_conn *c, const char *id,
				  const unsigned char hash[SECRET_HASH_LEN], const char *secret_id);
	/** Counts keys valid at now_ms (not revoked, not expired) whose hash was
	 *  not made under secret_id. */
	enum og_err (*key_count_stale)(struct store_conn *c, const char *secret_id, int64_t now_ms,
				       int64_t *n);
	/** Lists up to limit non-empty sealed values of kind by (tenant_id, id),
	 *  after the row (after_tenant_id, after_id); "" and "" start at the first. */
	enum og_err (*sealed_list)(struct store_conn *c, int kind, const char *after_tenant_id,
				   const char *after_id, size_t limit, struct store_sealed *out,
				   size_t *n);
	/** Replaces one sealed value of kind. */
	enum og_err (*sealed_put)(struct store_conn *c, int kind, const struct store_sealed *s);
	/** Replaces the phone hash of a row of kind STORE_SEALED_OTP_CONTEXT or
	 *  STORE_SEALED_TEST_NUMBER (a secret rotation rehashing it). */
	enum og_err (*phone_hash_put)(struct store_conn *c, int kind, const char *tenant_id,
				      const char *id, const unsigned char hash[SECRET_HASH_LEN]);
	/** Reads the secret state; OG_ERR_NOT_FOUND before it was first recorded. */
	enum og_err (*secret_state_get)(struct store_conn *c, struct store_secret_state *out);
	/** Inserts or replaces the secret state. */
	enum og_err (*secret_state_put)(struct store_conn *c, const struct store_secret_state *s);

	/* DLT registry (store_sqlite_dlt.c; migration 0003). tenant_id "" names
	 * the platform's registry, kept in platform_* tables; the template_*
	 * operations above take "" the same way. */
	/** Inserts or replaces a header. */
	enum og_err (*dlt_header_put)(struct store_conn *c, const struct store_dlt_header *h);
	enum og_err (*dlt_header_get)(struct store_conn *c, const char *tenant_id,
				      const char *header, struct store_dlt_header *out);
	/** Lists headers by name after after_header (NULL: the first). */
	enum og_err (*dlt_header_list)(struct store_conn *c, const char *tenant_id,
				       const char *after_header, size_t limit,
				       struct store_dlt_header *out, size_t *n);
	/** Deletes a header; OG_ERR_NOT_FOUND if there is none by that name. */
	enum og_err (*dlt_header_delete)(struct store_conn *c, const char *tenant_id,
					 const char *header);
	/** Inserts or replaces a whitelist entry. */
	enum og_err (*dlt_whitelist_put)(struct store_conn *c, const struct store_dlt_whitelist *w);
	/** Lists entries by value after after_value (NULL: the first). */
	enum og_err (*dlt_whitelist_list)(struct store_conn *c, const char *tenant_id,
					  const char *after_value, size_t limit,
					  struct store_dlt_whitelist *out, size_t *n);
	/** Deletes an entry; OG_ERR_NOT_FOUND if there is none with that value. */
	enum og_err (*dlt_whitelist_delete)(struct store_conn *c, const char *tenant_id,
					    const char *value);
	/** Reads the platform's entity; never set reads as all empty (OG_OK). */
	enum og_err (*dlt_platform_get)(struct store_conn *c, struct store_dlt_platform *out);
	enum og_err (*dlt_platform_put)(struct store_conn *c, const struct store_dlt_platform *p);
	/** Finds a template by its DLT template id alone (never by name). */
	enum og_err (*template_get_by_dlt_id)(struct store_conn *c, const char *tenant_id,
					      const char *dlt_template_id,
					      struct store_template *out);
	/** Replaces every field of the template with the same (tenant_id, name). */
	enum og_err (*template_update)(struct store_conn *c, const struct store_template *t);
	/** Adds count SMS and cost to the tenant's day on one route (enum store_route). */
	enum og_err (*usage_route_add)(struct store_conn *c, const char *tenant_id,
				       const char *day, int route, int64_t sms, int64_t cost_paise);
	/** Calls fn per (tenant, route) with charged SMS on from_day..to_day, ordered by
	 *  tenant id then route; tenant_id NULL means every tenant. */
	enum og_err (*usage_route_range)(struct store_conn *c, const char *tenant_id,
					 const char *from_day, const char *to_day,
					 store_usage_route_fn fn, void *arg);

	/** Adds count SMS and cost to the tenant's billing month ("YYYY-MM") on one route. */
	enum og_err (*usage_month_add)(struct store_conn *c, const char *tenant_id,
				       const char *month, int route, int64_t sms,
				       int64_t cost_paise);
	/** Sums the tenant's month over both routes into out (zeros if none); inside a
	 *  transaction, consistent with the tenant's wallet as usage_range is. */
	enum og_err (*usage_month_sum)(struct store_conn *c, const char *tenant_id,
				       const char *month, struct store_usage_row *out);
	/** Calls fn per (tenant, route) charged in the month, with the tenant's name,
	 *  ordered by tenant id then route. */
	enum og_err (*usage_month_lines)(struct store_conn *c, const char *month,
					 store_invoice_fn fn, void *arg);
};

/* Drivers embed these as their first member. */
struct store {
	const struct store_ops *ops;
};

struct store_conn {
	const struct store_ops *ops;
	struct store *store;
};

/** Opens the database at url with the first registered driver that accepts it. */
enum og_err store_open(const char *url, struct store **out);

/** Closes the database opened by store_open. */
void store_close(struct store *s);

/** Returns this thread's connection to s, opening it on first use; it closes at thread exit. */
enum og_err store_thread_conn(struct store *s, struct store_conn **out);

/** Closes this thread's connection now (before store_close on the main thread). */
void store_thread_conn_release(void);

/** Runs ops->rollback if a transaction may be open; for cleanup paths. */
void store_rollback(struct store_conn *c);

#endif
