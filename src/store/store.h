/*
 * The store: the operations on the records otpgate keeps (store_record.h),
 * grouped by record. Each group is one file, store_<record>.c, holding the
 * record's SQL once over a narrow SQL driver (store_sql.h) that SQLite and
 * PostgreSQL implement; nothing above this header knows which database is
 * in use. The domain layer composes these operations inside a write
 * transaction; the store only moves records and makes no business decision.
 *
 * Every tenant-owned record carries tenant_id, and every lookup of one is
 * scoped by it, so one tenant's data is never reachable with another's id.
 * tenant_id "" names the platform where a record may belong to it (keys,
 * templates, the DLT registry). All times are int64_t ms since the epoch
 * (UTC); all money is int64_t paise.
 *
 * Return values: OG_OK; OG_ERR_NOT_FOUND when a get finds nothing, or an
 * update or delete matches no row; OG_ERR_CONFLICT when an insert breaks a
 * unique key (the transaction stays usable); OG_ERR_BUSY when a lock was
 * not granted in time; OG_ERR_UNAVAILABLE when the database cannot be
 * reached; OG_ERR_STORE for anything else.
 *
 * Inside a write transaction, a get marked "locks" keeps the row locked
 * until the transaction ends, for a read that is written back.
 */
#ifndef OG_STORE_H
#define OG_STORE_H

#include "store/store_record.h" /* the records and their field limits */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct store_conn;

/* ---- Databases, connections, transactions (store.c) ------------------- */

/** Opens the database at url with the first driver that accepts it, creating it if absent. */
enum og_err store_open(const char *url, struct store **out);
/** Closes the database; every connection must be closed first. */
void store_close(struct store *s);
/** The name of the driver behind s ("sqlite", "postgres"). */
const char *store_driver_name(const struct store *s);
/** Opens a connection of the caller's own; one thread uses it at a time. */
enum og_err store_conn_open(struct store *s, struct store_conn **out);
/** Closes a connection, rolling back a transaction left open; c may be NULL. */
void store_conn_close(struct store_conn *c);
/** Returns this thread's connection to s, opening it on first use; it closes at thread exit. */
enum og_err store_thread_conn(struct store *s, struct store_conn **out);
/** Closes this thread's connection now (before store_close on the main thread). */
void store_thread_conn_release(void);
/** Applies every migration newer than the schema; *applied counts them. */
enum og_err store_migrate(struct store_conn *c, int *applied);
/** Checks that the database answers. */
enum og_err store_ping(struct store_conn *c);
/** Starts a write transaction; transactions do not nest. */
enum og_err store_begin(struct store_conn *c);
/** Commits; OG_OK only once the transaction's writes are durable. */
enum og_err store_commit(struct store_conn *c);
/** Rolls back; safe when no transaction is open, and c may be NULL. */
void store_rollback(struct store_conn *c);
/** Starts a batch: until store_batch_end, writes may travel in one round trip. */
enum og_err store_batch_begin(struct store_conn *c);
/** Sends the batch's writes and waits for them: the first error, if any. */
enum og_err store_batch_end(struct store_conn *c);

/* ---- The configuration generation (store_generation.c) ---------------- */

/** Reads the counter every configuration write bumps (keys, tenants, templates,
 *  policies, test numbers, the DLT registry, pumping alerts). */
enum og_err store_generation_get(struct store_conn *c, int64_t *gen);

/* ---- Tenants (store_tenant.c) ------------------------------------------ */

enum og_err store_tenant_insert(struct store_conn *c, const struct store_tenant *t);
/** Reads a tenant; locks, for a read that is written back. */
enum og_err store_tenant_get(struct store_conn *c, const char *id, struct store_tenant *out);
/** Reads a tenant without locking it, also inside a transaction: a send only reads it. */
enum og_err store_tenant_read(struct store_conn *c, const char *id, struct store_tenant *out);
/** Replaces every field of the tenant with the same id. */
enum og_err store_tenant_update(struct store_conn *c, const struct store_tenant *t);
/** Lists tenants by id, after after_id (NULL: from the first). */
enum og_err store_tenant_list(struct store_conn *c, const char *after_id, size_t limit,
			      struct store_tenant *out, size_t *n);
/** Reads the tenant's own retention in days; OG_ERR_NOT_FOUND when it uses the default. */
enum og_err store_tenant_retention_get(struct store_conn *c, const char *tenant_id, int *days);
/** Sets the tenant's own retention in days. */
enum og_err store_tenant_retention_put(struct store_conn *c, const char *tenant_id, int days,
				       int64_t now_ms);

/* ---- API keys (store_key.c) --------------------------------------------- */

enum og_err store_key_insert(struct store_conn *c, const struct store_api_key *k);
/** Finds the key with this hash, revoked or not. */
enum og_err store_key_find_by_hash(struct store_conn *c, const unsigned char hash[SECRET_HASH_LEN],
				   struct store_api_key *out);
/** Reads one key of tenant_id; OG_ERR_NOT_FOUND if it is not theirs. */
enum og_err store_key_get(struct store_conn *c, const char *tenant_id, const char *id,
			  struct store_api_key *out);
/** Lists the keys of tenant_id by id, after after_id (NULL: from the first). */
enum og_err store_key_list(struct store_conn *c, const char *tenant_id, const char *after_id,
			   size_t limit, struct store_api_key *out, size_t *n);
/** Sets revoked_at_ms on the key if it belongs to tenant_id. */
enum og_err store_key_revoke(struct store_conn *c, const char *tenant_id, const char *id,
			     int64_t now_ms);
/** Sets a key's expiry if it belongs to tenant_id. */
enum og_err store_key_set_expiry(struct store_conn *c, const char *tenant_id, const char *id,
				 int64_t expires_at_ms);
/** Replaces a key's hash and the fingerprint of the secret it was made under. */
enum og_err store_key_rehash(struct store_conn *c, const char *id,
			     const unsigned char hash[SECRET_HASH_LEN], const char *secret_id);
/** Counts keys valid at now_ms whose hash was not made under secret_id. */
enum og_err store_key_count_stale(struct store_conn *c, const char *secret_id, int64_t now_ms,
				  int64_t *n);

/* ---- Templates (store_template.c) --------------------------------------- */

enum og_err store_template_insert(struct store_conn *c, const struct store_template *t);
/** Finds a template by its name, or else by its DLT template id. */
enum og_err store_template_get(struct store_conn *c, const char *tenant_id,
			       const char *name_or_dlt_id, struct store_template *out);
/** Finds a template by its DLT template id alone (never by name). */
enum og_err store_template_get_by_dlt_id(struct store_conn *c, const char *tenant_id,
					 const char *dlt_template_id, struct store_template *out);
enum og_err store_template_get_default(struct store_conn *c, const char *tenant_id,
				       struct store_template *out);
/** Clears is_default on every template of the tenant. */
enum og_err store_template_clear_default(struct store_conn *c, const char *tenant_id);
/** Lists templates by name, after after_name (NULL: from the first). */
enum og_err store_template_list(struct store_conn *c, const char *tenant_id,
				const char *after_name, size_t limit, struct store_template *out,
				size_t *n);
/** Replaces every field of the template with the same (tenant_id, name). */
enum og_err store_template_update(struct store_conn *c, const struct store_template *t);
enum og_err store_template_delete(struct store_conn *c, const char *tenant_id, const char *name);

/* ---- Wallets and the ledger (store_wallet.c, store_ledger.c) ------------ */

/** Reads the wallet; a tenant without one reads as all zeros; locks. */
enum og_err store_wallet_get(struct store_conn *c, const char *tenant_id,
			     struct store_wallet *out);
/** Inserts or replaces the wallet. */
enum og_err store_wallet_put(struct store_conn *c, const struct store_wallet *w);
enum og_err store_ledger_insert(struct store_conn *c, const struct store_ledger_entry *e);
/** Finds the CREDIT entry with this reference; locks the reference, present or not. */
enum og_err store_ledger_find_credit(struct store_conn *c, const char *tenant_id,
				     const char *reference, struct store_ledger_entry *out);
/** Sums the tenant's entries the way the wallet caches them. */
enum og_err store_ledger_sums(struct store_conn *c, const char *tenant_id,
			      struct store_ledger_sums *out);

/* ---- Usage aggregates (store_usage.c) ----------------------------------- */

/** Adds sms and cost to the tenant's day ("YYYY-MM-DD", billing offset). */
enum og_err store_usage_add(struct store_conn *c, const char *tenant_id, const char *day,
			    int64_t sms, int64_t cost_paise);
/** Calls fn per tenant charged on from_day..to_day, by tenant id; tenant_id NULL: all.
 *  Inside a transaction one tenant's usage is read under its wallet's lock. */
enum og_err store_usage_range(struct store_conn *c, const char *tenant_id, const char *from_day,
			      const char *to_day, store_usage_fn fn, void *arg);
/** Adds sms and cost to the tenant's day on one route (enum store_route). */
enum og_err store_usage_route_add(struct store_conn *c, const char *tenant_id, const char *day,
				  int route, int64_t sms, int64_t cost_paise);
/** Calls fn per (tenant, route) charged on from_day..to_day, by tenant id then route. */
enum og_err store_usage_route_range(struct store_conn *c, const char *tenant_id,
				    const char *from_day, const char *to_day,
				    store_usage_route_fn fn, void *arg);
/** Adds sms and cost to the tenant's billing month ("YYYY-MM") on one route. */
enum og_err store_usage_month_add(struct store_conn *c, const char *tenant_id, const char *month,
				  int route, int64_t sms, int64_t cost_paise);
/** Sums the tenant's month over both routes (zeros if none), consistent with its wallet. */
enum og_err store_usage_month_sum(struct store_conn *c, const char *tenant_id, const char *month,
				  struct store_usage_row *out);
/** Calls fn per (tenant, route) charged in the month, with the tenant's name. */
enum og_err store_usage_month_lines(struct store_conn *c, const char *month,
				    store_invoice_fn fn, void *arg);

/* ---- OTP requests (store_otp.c) ------------------------------------------ */

enum og_err store_otp_insert(struct store_conn *c, const struct store_otp *o);
/** Reads a request of the tenant; locks. */
enum og_err store_otp_get(struct store_conn *c, const char *tenant_id, const char *id,
			  struct store_otp *out);
/** Reads a request by id alone, for a caller allowed to see every tenant. */
enum og_err store_otp_get_any(struct store_conn *c, const char *id, struct store_otp *out);
/** Finds the tenant's newest PENDING request for the phone hash; locks. */
enum og_err store_otp_find_pending(struct store_conn *c, const char *tenant_id,
				   const unsigned char phone_hash[SECRET_HASH_LEN],
				   struct store_otp *out);
/** Replaces status, attempts, resend_count, code_hash, context and the times. */
enum og_err store_otp_update(struct store_conn *c, const struct store_otp *o);
/** Deletes up to limit of the tenant's requests created before before_ms whose code
 *  expired before now_ms; *n counts them. */
enum og_err store_otp_purge(struct store_conn *c, const char *tenant_id, int64_t before_ms,
			    int64_t now_ms, size_t limit, size_t *n);
/** Empties the sealed context of up to limit requests whose code expired before
 *  now_ms (pending ones become expired); *n counts them. */
enum og_err store_otp_wipe_contexts(struct store_conn *c, int64_t now_ms, size_t limit,
				    size_t *n);

/* ---- Messages and the outbox (store_message.c, store_outbox.c) ---------- */

enum og_err store_message_insert(struct store_conn *c, const struct store_message *m);
/** Reads a message of the tenant; locks. */
enum og_err store_message_get(struct store_conn *c, const char *tenant_id, const char *id,
			      struct store_message *out);
/** Reads a message by id alone, for a caller allowed to see every tenant. */
enum og_err store_message_get_any(struct store_conn *c, const char *id,
				  struct store_message *out);
/** Lists messages newest first (by id) under the filter. */
enum og_err store_message_list(struct store_conn *c, const struct store_message_filter *f,
			       struct store_message *out, size_t *n);
/** Lists up to max messages of one OTP request, oldest first. */
enum og_err store_message_list_by_request(struct store_conn *c, const char *tenant_id,
					  const char *request_id, struct store_message *out,
					  size_t max, size_t *n);
/** Replaces status, provider fields, error, payload, attempts and the times. */
enum og_err store_message_update(struct store_conn *c, const struct store_message *m);
/** Clears the number, error and payload of up to limit of the tenant's final
 *  messages created before before_ms; *n counts them. */
enum og_err store_message_scrub(struct store_conn *c, const char *tenant_id, int64_t before_ms,
				size_t limit, size_t *n);
/** Claims up to max due messages (QUEUED and due, or SENDING past their lease): sets
 *  them SENDING with lease_until_ms and attempts + 1, and returns them, in one
 *  transaction of its own. */
enum og_err store_outbox_claim(struct store_conn *c, int64_t now_ms, int64_t lease_until_ms,
			       size_t max, struct store_message *out, size_t *n);
/** Counts QUEUED and SENDING messages, for the outbox-depth gauge. */
enum og_err store_outbox_depth(struct store_conn *c, int64_t *out);
/** The due time of the longest-waiting QUEUED message; 0 when none is queued. */
enum og_err store_outbox_oldest_due(struct store_conn *c, int64_t *due_ms);

/* ---- Idempotency records (store_idem.c) --------------------------------- */

/** Reads the record of (tenant_id, key); locks, present or not. */
enum og_err store_idem_get(struct store_conn *c, const char *tenant_id, const char *key,
			   struct store_idem *out);
/** Inserts or replaces the record with the same (tenant_id, key). */
enum og_err store_idem_put(struct store_conn *c, const struct store_idem *r);
/** Deletes the record; used when a claimed request ends in a server error. */
enum og_err store_idem_delete(struct store_conn *c, const char *tenant_id, const char *key);
/** Deletes records created before before_ms. */
enum og_err store_idem_expire(struct store_conn *c, int64_t before_ms);

/* ---- The audit trail (store_audit.c) ------------------------------------ */

enum og_err store_audit_insert(struct store_conn *c, const struct store_audit *a);
/** Lists entries newest first (by id) before before_id (NULL: the newest);
 *  tenant_id NULL means every tenant's and the platform's. */
enum og_err store_audit_list(struct store_conn *c, const char *tenant_id, const char *before_id,
			     size_t limit, struct store_audit *out, size_t *n);

/* ---- Abuse policies (store_policy.c) ------------------------------------ */

/** Reads the tenant's overrides; OG_ERR_NOT_FOUND if it has none; locks, present or not. */
enum og_err store_policy_get(struct store_conn *c, const char *tenant_id,
			     struct store_policy *out);
/** Inserts or replaces the tenant's overrides. */
enum og_err store_policy_put(struct store_conn *c, const struct store_policy *p);

/* ---- Rate-limit state (store_guard.c) ------------------------------------ */

enum og_err store_guard_send_insert(struct store_conn *c, const struct store_guard_send *s);
/** Counts the tenant's sends under one key (enum store_guard_key) after from_ms; *oldest_ms
 *  is the earliest counted (0 when none). Locks the key's window until the end. */
enum og_err store_guard_send_count(struct store_conn *c, const char *tenant_id, int key,
				   const unsigned char hash[SECRET_HASH_LEN], int64_t from_ms,
				   int64_t *count, int64_t *oldest_ms);
/** Counts the prefix's sends in [from_ms, to_ms) and how many were verified. */
enum og_err store_guard_send_stats(struct store_conn *c, const char *tenant_id,
				   const unsigned char prefix_hash[SECRET_HASH_LEN],
				   int64_t from_ms, int64_t to_ms, int64_t *sent,
				   int64_t *verified);
/** Marks the phone's sends since from_ms as verified. */
enum og_err store_guard_send_verified(struct store_conn *c, const char *tenant_id,
				      const unsigned char phone_hash[SECRET_HASH_LEN],
				      int64_t from_ms);
/** Deletes up to max of the tenant's sends older than before_ms. */
enum og_err store_guard_send_prune(struct store_conn *c, const char *tenant_id,
				   int64_t before_ms, size_t max);
/** Reads the tenant's token bucket and the rate it was filled at; OG_ERR_NOT_FOUND
 *  if it has none yet; locks, present or not. */
enum og_err store_guard_bucket_get(struct store_conn *c, const char *tenant_id, int64_t *rps,
				   int64_t *tokens_milli, int64_t *updated_at_ms);
enum og_err store_guard_bucket_put(struct store_conn *c, const char *tenant_id, int64_t rps,
				   int64_t tokens_milli, int64_t updated_at_ms);
/** Reads a phone's failure count and lock; OG_ERR_NOT_FOUND if it has none; locks. */
enum og_err store_guard_lock_get(struct store_conn *c, const char *tenant_id,
				 const unsigned char phone_hash[SECRET_HASH_LEN],
				 struct store_verify_lock *out);
enum og_err store_guard_lock_put(struct store_conn *c, const struct store_verify_lock *l);
enum og_err store_guard_lock_delete(struct store_conn *c, const char *tenant_id,
				    const unsigned char phone_hash[SECRET_HASH_LEN]);

/* ---- Pumping alerts (store_alert.c) -------------------------------------- */

/** Inserts an alert; OG_ERR_CONFLICT if the prefix already has an active one. */
enum og_err store_alert_insert(struct store_conn *c, const struct store_alert *a);
/** Finds the prefix's active alert; OG_ERR_NOT_FOUND if it is not blocked. */
enum og_err store_alert_find_active(struct store_conn *c, const char *tenant_id,
				    const char *prefix, struct store_alert *out);
/** The latest time an alert on the prefix was lifted, 0 if never. */
enum og_err store_alert_last_lift(struct store_conn *c, const char *tenant_id,
				  const char *prefix, int64_t *lifted_at_ms);
enum og_err store_alert_get(struct store_conn *c, const char *tenant_id, const char *id,
			    struct store_alert *out);
/** Lists alerts newest first (by id) before before_id (NULL: the newest). */
enum og_err store_alert_list(struct store_conn *c, const char *tenant_id, const char *before_id,
			     size_t limit, struct store_alert *out, size_t *n);
/** Lists up to max of the tenant's active alerts, by prefix. */
enum og_err store_alert_list_active(struct store_conn *c, const char *tenant_id, size_t max,
				    struct store_alert *out, size_t *n);
/** Lifts an active alert; OG_ERR_NOT_FOUND if there is no such active alert. */
enum og_err store_alert_lift(struct store_conn *c, const char *tenant_id, const char *id,
			     int64_t now_ms, const char *lifted_by);
/** Counts active alerts of every tenant, for the metrics gauge. */
enum og_err store_alert_count_active(struct store_conn *c, int64_t *out);

/* ---- Test numbers (store_testnum.c) -------------------------------------- */

/** Inserts a test number; OG_ERR_CONFLICT if the tenant has the phone already. */
enum og_err store_testnum_insert(struct store_conn *c, const struct store_test_number *t);
enum og_err store_testnum_find(struct store_conn *c, const char *tenant_id,
			       const unsigned char phone_hash[SECRET_HASH_LEN],
			       struct store_test_number *out);
/** Lists test numbers by id, after after_id (NULL: from the first). */
enum og_err store_testnum_list(struct store_conn *c, const char *tenant_id, const char *after_id,
			       size_t limit, struct store_test_number *out, size_t *n);
/** Deletes by id; OG_ERR_NOT_FOUND if the tenant has no such test number. */
enum og_err store_testnum_delete(struct store_conn *c, const char *tenant_id, const char *id);
enum og_err store_testnum_count(struct store_conn *c, const char *tenant_id, int64_t *out);

/* ---- Sealed values and the secret (store_sealed.c) ---------------------- */

/** Lists up to limit non-empty sealed values of kind (enum store_sealed_kind) by
 *  (tenant_id, id), after (after_tenant_id, after_id); "" and "" start at the first. */
enum og_err store_sealed_list(struct store_conn *c, int kind, const char *after_tenant_id,
			      const char *after_id, size_t limit, struct store_sealed *out,
			      size_t *n);
/** Replaces one sealed value of kind. */
enum og_err store_sealed_put(struct store_conn *c, int kind, const struct store_sealed *s);
/** Replaces the phone hash of a row of kind STORE_SEALED_OTP_CONTEXT or
 *  STORE_SEALED_TEST_NUMBER (a secret rotation rehashing it). */
enum og_err store_sealed_phone_hash_put(struct store_conn *c, int kind, const char *tenant_id,
					const char *id, const unsigned char hash[SECRET_HASH_LEN]);
/** Reads the secret state; OG_ERR_NOT_FOUND before it was first recorded; locks. */
enum og_err store_sealed_secret_get(struct store_conn *c, struct store_secret_state *out);
/** Inserts or replaces the secret state. */
enum og_err store_sealed_secret_put(struct store_conn *c, const struct store_secret_state *s);

/* ---- The DLT registry (store_dlt.c) -------------------------------------- */

/** Inserts or replaces a header. */
enum og_err store_dlt_header_put(struct store_conn *c, const struct store_dlt_header *h);
enum og_err store_dlt_header_get(struct store_conn *c, const char *tenant_id, const char *header,
				 struct store_dlt_header *out);
/** Lists headers by name, after after_header (NULL: from the first). */
enum og_err store_dlt_header_list(struct store_conn *c, const char *tenant_id,
				  const char *after_header, size_t limit,
				  struct store_dlt_header *out, size_t *n);
/** Deletes a header; OG_ERR_NOT_FOUND if there is none by that name. */
enum og_err store_dlt_header_delete(struct store_conn *c, const char *tenant_id,
				    const char *header);
/** Inserts or replaces a whitelist entry. */
enum og_err store_dlt_whitelist_put(struct store_conn *c, const struct store_dlt_whitelist *w);
/** Lists entries by value, after after_value (NULL: from the first). */
enum og_err store_dlt_whitelist_list(struct store_conn *c, const char *tenant_id,
				     const char *after_value, size_t limit,
				     struct store_dlt_whitelist *out, size_t *n);
/** Deletes an entry; OG_ERR_NOT_FOUND if there is none with that value. */
enum og_err store_dlt_whitelist_delete(struct store_conn *c, const char *tenant_id,
				       const char *value);
/** Reads the platform's entity; never set reads as all empty (OG_OK). */
enum og_err store_dlt_platform_get(struct store_conn *c, struct store_dlt_platform *out);
enum og_err store_dlt_platform_put(struct store_conn *c, const struct store_dlt_platform *p);

#endif
