/*
 * What the files of the SQLite driver share, and nothing else includes: the
 * driver's store and connection structs, the per-connection cache of
 * prepared statements, the one place SQLite result codes become og_err
 * values, and small helpers that bind parameters and read columns with
 * bounds checks. store_sqlite.c holds the connection and migration code
 * and the ops table; store_sqlite_txn.c the write transactions (group
 * commit); store_sqlite_stmt.c the helpers; each
 * store_sqlite_<record>.c the operations on one kind of record (SQLite's
 * btree.h/btreeInt.h split).
 * Internal names that are not static start with store_sqlite__.
 */
#ifndef OG_STORE_SQLITE_INT_H
#define OG_STORE_SQLITE_INT_H

#include "store/store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>

#define STORE_SQLITE_PATH_MAX 1024
#define STORE_SQLITE_BUSY_TIMEOUT_MS 5000
#define STORE_SQLITE_ENUM_NAME_MAX 32 /* longer than any enum name stored */

/* Every statement the driver runs, so each connection can prepare each one
 * once, on first use, and reuse it. Grouped by the file that owns the SQL. */
enum store_sqlite_stmt {
	/* store_sqlite.c */
	SQ_BEGIN,
	SQ_COMMIT,
	SQ_ROLLBACK,
	SQ_PING,
	/* store_sqlite_txn.c */
	SQ_SAVEPOINT,
	SQ_RELEASE,
	SQ_ROLLBACK_TO,
	/* store_sqlite_tenant.c */
	SQ_TENANT_INSERT,
	SQ_TENANT_GET,
	SQ_TENANT_UPDATE,
	SQ_TENANT_LIST,
	/* store_sqlite_key.c */
	SQ_KEY_INSERT,
	SQ_KEY_FIND_BY_HASH,
	SQ_KEY_LIST,
	SQ_KEY_REVOKE,
	/* store_sqlite_template.c */
	SQ_TEMPLATE_INSERT,
	SQ_TEMPLATE_GET_BY_NAME,
	SQ_TEMPLATE_GET_BY_DLT_ID,
	SQ_TEMPLATE_GET_DEFAULT,
	SQ_TEMPLATE_CLEAR_DEFAULT,
	SQ_TEMPLATE_LIST,
	SQ_TEMPLATE_DELETE,
	/* store_sqlite_ledger.c */
	SQ_WALLET_GET,
	SQ_WALLET_PUT,
	SQ_LEDGER_INSERT,
	SQ_LEDGER_FIND_CREDIT,
	SQ_LEDGER_SUMS,
	SQ_USAGE_ADD,
	SQ_USAGE_RANGE_ALL,
	SQ_USAGE_RANGE_TENANT,
	/* store_sqlite_otp.c */
	SQ_OTP_INSERT,
	SQ_OTP_GET,
	SQ_OTP_GET_ANY,
	SQ_OTP_FIND_PENDING,
	SQ_OTP_UPDATE,
	/* store_sqlite_message.c; the four list variants are consecutive */
	SQ_MESSAGE_INSERT,
	SQ_MESSAGE_GET,
	SQ_MESSAGE_GET_ANY,
	SQ_MESSAGE_LIST,
	SQ_MESSAGE_LIST_AFTER,
	SQ_MESSAGE_LIST_TENANT,
	SQ_MESSAGE_LIST_TENANT_AFTER,
	SQ_MESSAGE_LIST_BY_REQUEST,
	SQ_MESSAGE_UPDATE,
	SQ_OUTBOX_CLAIM_SELECT,
	SQ_OUTBOX_CLAIM_UPDATE,
	SQ_OUTBOX_DEPTH,
	/* store_sqlite_idem.c */
	SQ_IDEM_GET,
	SQ_IDEM_PUT,
	SQ_IDEM_DELETE,
	SQ_IDEM_EXPIRE,
	/* store_sqlite_audit.c */
	SQ_AUDIT_INSERT,
	SQ_AUDIT_LIST_ALL,
	SQ_AUDIT_LIST_TENANT,
	/* store_sqlite_guard.c */
	SQ_POLICY_GET,
	SQ_POLICY_PUT,
	SQ_GUARD_SEND_INSERT,
	SQ_GUARD_SEND_COUNT_PHONE,
	SQ_GUARD_SEND_COUNT_PREFIX,
	SQ_GUARD_SEND_COUNT_IP,
	SQ_GUARD_SEND_STATS,
	SQ_GUARD_SEND_VERIFIED,
	SQ_GUARD_SEND_PRUNE,
	SQ_GUARD_BUCKET_GET,
	SQ_GUARD_BUCKET_PUT,
	SQ_GUARD_LOCK_GET,
	SQ_GUARD_LOCK_PUT,
	SQ_GUARD_LOCK_DELETE,
	/* store_sqlite_alert.c */
	SQ_ALERT_INSERT,
	SQ_ALERT_FIND_ACTIVE,
	SQ_ALERT_LAST_LIFT,
	SQ_ALERT_GET,
	SQ_ALERT_LIST,
	SQ_ALERT_LIFT,
	SQ_ALERT_COUNT_ACTIVE,
	/* store_sqlite_testnum.c */
	SQ_TESTNUM_INSERT,
	SQ_TESTNUM_FIND,
	SQ_TESTNUM_LIST,
	SQ_TESTNUM_DELETE,
	SQ_TESTNUM_COUNT,
	/* store_sqlite_security.c */
	SQ_SEC_RETENTION_GET,
	SQ_SEC_RETENTION_PUT,
	SQ_SEC_OTP_PURGE,
	SQ_SEC_MESSAGE_SCRUB,
	SQ_SEC_OTP_WIPE_CONTEXTS,
	SQ_SEC_KEY_GET,
	SQ_SEC_KEY_SET_EXPIRY,
	SQ_SEC_KEY_REHASH,
	SQ_SEC_KEY_COUNT_STALE,
	SQ_SEC_SEALED_LIST_TENANT, /* the sealed_list variants are consecutive, by kind */
	SQ_SEC_SEALED_LIST_MESSAGE,
	SQ_SEC_SEALED_LIST_OTP,
	SQ_SEC_SEALED_LIST_TESTNUM,
	SQ_SEC_SEALED_PUT_TENANT, /* and so are the sealed_put variants */
	SQ_SEC_SEALED_PUT_MESSAGE,
	SQ_SEC_SEALED_PUT_OTP,
	SQ_SEC_SEALED_PUT_TESTNUM,
	SQ_SEC_PHONE_HASH_OTP,
	SQ_SEC_PHONE_HASH_TESTNUM,
	SQ_SEC_SECRET_STATE_GET,
	SQ_SEC_SECRET_STATE_PUT,
	/* store_sqlite_dlt.c: each tenant statement is followed by its
	 * platform twin (tenant_id "" reads the platform_* tables) */
	SQ_DLT_HEADER_PUT,
	SQ_DLT_HEADER_PUT_PLATFORM,
	SQ_DLT_HEADER_GET,
	SQ_DLT_HEADER_GET_PLATFORM,
	SQ_DLT_HEADER_LIST,
	SQ_DLT_HEADER_LIST_PLATFORM,
	SQ_DLT_HEADER_DELETE,
	SQ_DLT_HEADER_DELETE_PLATFORM,
	SQ_DLT_WL_PUT,
	SQ_DLT_WL_PUT_PLATFORM,
	SQ_DLT_WL_LIST,
	SQ_DLT_WL_LIST_PLATFORM,
	SQ_DLT_WL_DELETE,
	SQ_DLT_WL_DELETE_PLATFORM,
	SQ_DLT_PLATFORM_GET,
	SQ_DLT_PLATFORM_PUT,
	SQ_DLT_USAGE_ROUTE_ADD,
	SQ_DLT_USAGE_ROUTE_ALL,
	SQ_DLT_USAGE_ROUTE_TENANT,
	/* store_sqlite_template.c: the platform's templates, and updates */
	SQ_PTEMPLATE_INSERT,
	SQ_PTEMPLATE_GET_BY_NAME,
	SQ_PTEMPLATE_GET_BY_DLT_ID,
	SQ_PTEMPLATE_GET_DEFAULT,
	SQ_PTEMPLATE_CLEAR_DEFAULT,
	SQ_PTEMPLATE_LIST,
	SQ_PTEMPLATE_DELETE,
	SQ_TEMPLATE_UPDATE,
	SQ_PTEMPLATE_UPDATE,
	/* store_sqlite_usage.c: the monthly usage aggregate */
	SQ_USAGE_MONTH_ADD,
	SQ_USAGE_MONTH_SUM,
	SQ_USAGE_MONTH_LINES,
	SQ__COUNT
};

#define STORE_SQLITE_GROUP_MAX 64 /* transactions committed together, at most */

struct store_sqlite_conn;

/* A member of a group commit waiting for the end of its group. */
struct store_sqlite_ticket {
	enum og_err rc; /* how the group's transaction ended, once done */
	bool done;
};

/* The process's write transactions, taken in turn on one writer
 * connection and committed in groups (store_sqlite_txn.c). */
struct store_sqlite_group {
	pthread_mutex_t turn;          /* held by the member writing now */
	pthread_mutex_t lock;          /* guards waiting and the tickets */
	pthread_cond_t committed;      /* a group's transaction has ended */
	int waiting;                   /* threads in begin, waiting for the turn */
	struct store_sqlite_conn *w;   /* the writer; opened on first use */
	bool open;                     /* w has a transaction open (with the turn) */
	size_t members;                /* tickets in w's open transaction */
	size_t kept;                   /* of them, members whose writes are kept */
	int wal_frames;                /* the WAL's length after w's last commit */
	struct store_sqlite_ticket *tickets[STORE_SQLITE_GROUP_MAX];
};

struct store_sqlite {
	struct store base;               /* first, so a struct store * converts */
	char path[STORE_SQLITE_PATH_MAX]; /* what sqlite3_open_v2 is given */
	atomic_int conn_count;           /* open connections, checked at close */
	struct store_sqlite_group group; /* the write transactions */
};

struct store_sqlite_conn {
	struct store_conn base;                /* first, so a struct store_conn * converts */
	sqlite3 *db;                           /* used by one thread only */
	sqlite3_stmt *stmt[SQ__COUNT];         /* prepared on first use, NULL before */
	const char *stmt_sql[SQ__COUNT];       /* the text each was prepared from */
	struct store_sqlite_conn *txn;         /* the writer, while in a transaction */
};

/* A text name for each value of a C enum, as stored in a column. */
struct store_sqlite_enum {
	const char *const *names; /* indexed by the enum value */
	int count;
};

/* Reads a result row's columns left to right. The first failure sticks in
 * rc and later reads do nothing, so a reader checks once at the end. */
struct store_sqlite_row {
	sqlite3_stmt *st;
	int col;        /* the next column to read */
	enum og_err rc; /* OG_OK, or the first failure */
};

extern const struct store_ops store_sqlite_ops;

/* The DLT enums' column names (store_sqlite_dlt.c), shared by the files
 * whose records carry them. */
extern const struct store_sqlite_enum store_sqlite__route;        /* enum store_route */
extern const struct store_sqlite_enum store_sqlite__dlt_category; /* enum store_dlt_category */
extern const struct store_sqlite_enum store_sqlite__dlt_status;   /* enum store_dlt_status */

/** Returns the driver's connection behind c (asserting that it is one): the
 *  shared writer while c is in a write transaction, else c's own. */
struct store_sqlite_conn *store_sqlite__conn(struct store_conn *c);

/** Prepares the group commit state of a store; OG_ERR_INTERNAL on failure. */
enum og_err store_sqlite__group_init(struct store_sqlite_group *g);

/** Closes the writer connection and frees the group; no transaction may be open. */
void store_sqlite__group_free(struct store_sqlite_group *g);

/** Starts a write transaction on c: a savepoint in the writer's transaction. */
enum og_err store_sqlite__txn_begin(struct store_conn *c);

/** Ends c's transaction; OG_OK once the group COMMIT that includes it succeeded. */
enum og_err store_sqlite__txn_commit(struct store_conn *c);

/** Undoes c's transaction, if one is open, once its group has ended. */
void store_sqlite__txn_rollback(struct store_conn *c);

/** Converts a SQLite result code; the only place that does. Logs real failures.
 *  db may be NULL; what names the failed step for the log. */
enum og_err store_sqlite__err(sqlite3 *db, int sqlite_rc, const char *what);

/** Returns in *out the cached statement id, preparing it from sql on first use. */
enum og_err store_sqlite__prepare(struct store_sqlite_conn *c, enum store_sqlite_stmt id,
				  const char *sql, sqlite3_stmt **out);

/** Resets st and clears its bindings for the next use; st may be NULL. */
void store_sqlite__reset(sqlite3_stmt *st);

/** Steps st once: OG_OK with a row, OG_ERR_NOT_FOUND when done, else the error. */
enum og_err store_sqlite__step_row(struct store_sqlite_conn *c, sqlite3_stmt *st);

/** Steps a statement that returns no rows; OG_OK when done, else the error. */
enum og_err store_sqlite__step_done(struct store_sqlite_conn *c, sqlite3_stmt *st);

/** Returns OG_OK if the last statement changed a row, else OG_ERR_NOT_FOUND. */
enum og_err store_sqlite__changed(struct store_sqlite_conn *c);

/** Reads the current row into one record; failures stick in r->rc. */
typedef void (*store_sqlite_read_fn)(struct store_sqlite_row *r, void *record);

/** Steps st once and reads the row into record: OG_OK, OG_ERR_NOT_FOUND, or the error. */
enum og_err store_sqlite__fetch(struct store_sqlite_conn *c, sqlite3_stmt *st,
				store_sqlite_read_fn read, void *record);

/** Reads up to max rows of st into the array records of record_size-byte
 *  elements, stopping at the end of the result; *n counts what was read. */
enum og_err store_sqlite__collect(struct store_sqlite_conn *c, sqlite3_stmt *st,
				  store_sqlite_read_fn read, void *records, size_t record_size,
				  size_t max, size_t *n);

/* Binding. Text is bound without a copy, so it must live until the statement
 * is reset; every operation resets before it returns. */

/** Binds a NUL-terminated string, or NULL as SQL NULL. */
void store_sqlite__bind_text(sqlite3_stmt *st, int idx, const char *s);

/** Binds a record's fixed-size text field, asserting it is NUL-terminated. */
void store_sqlite__bind_field(sqlite3_stmt *st, int idx, const char *field, size_t size);

/** Binds a string, or SQL NULL when it is "" (for columns where NULL means absent). */
void store_sqlite__bind_text_or_null(sqlite3_stmt *st, int idx, const char *s);

void store_sqlite__bind_int64(sqlite3_stmt *st, int idx, int64_t v);

/** Binds len bytes, or SQL NULL when len is 0. */
void store_sqlite__bind_blob(sqlite3_stmt *st, int idx, const void *p, size_t len);

/** Binds an enum value as its text name; the value must be in the table. */
void store_sqlite__bind_enum(sqlite3_stmt *st, int idx, const struct store_sqlite_enum *e,
			     int value);

#define STORE_SQLITE_BIND_FIELD(st, idx, field) \
	store_sqlite__bind_field((st), (idx), (field), sizeof(field))

/* Reading. Each reads the next column of the row. */

void store_sqlite__row_init(struct store_sqlite_row *r, sqlite3_stmt *st);

/** Copies text (NULL reads as ""); text that does not fit fails, never truncates. */
void store_sqlite__row_text(struct store_sqlite_row *r, char *dst, size_t size);

/** Copies a blob (NULL reads as length 0); a blob longer than size fails. */
void store_sqlite__row_blob(struct store_sqlite_row *r, unsigned char *dst, size_t size,
			    size_t *len);

/** Copies a blob that must be exactly size bytes long. */
void store_sqlite__row_blob_exact(struct store_sqlite_row *r, unsigned char *dst, size_t size);

int64_t store_sqlite__row_int64(struct store_sqlite_row *r);

/** Reads an int column; a value outside int's range fails. */
int store_sqlite__row_int(struct store_sqlite_row *r);

/** Reads a text name back into its enum value; an unknown name fails. */
int store_sqlite__row_enum(struct store_sqlite_row *r, const struct store_sqlite_enum *e);

#define STORE_SQLITE_ROW_TEXT(r, field) store_sqlite__row_text((r), (field), sizeof(field))

/* The operations, one file per kind of record. */

enum og_err store_sqlite_tenant_insert(struct store_conn *c, const struct store_tenant *t);
enum og_err store_sqlite_tenant_get(struct store_conn *c, const char *id,
				    struct store_tenant *out);
enum og_err store_sqlite_tenant_update(struct store_conn *c, const struct store_tenant *t);
enum og_err store_sqlite_tenant_list(struct store_conn *c, const char *after_id, size_t limit,
				     struct store_tenant *out, size_t *n);

enum og_err store_sqlite_key_insert(struct store_conn *c, const struct store_api_key *k);
enum og_err store_sqlite_key_find_by_hash(struct store_conn *c,
					  const unsigned char hash[SECRET_HASH_LEN],
					  struct store_api_key *out);
enum og_err store_sqlite_key_list(struct store_conn *c, const char *tenant_id,
				  const char *after_id, size_t limit, struct store_api_key *out,
				  size_t *n);
enum og_err store_sqlite_key_revoke(struct store_conn *c, const char *tenant_id, const char *id,
				    int64_t now_ms);

enum og_err store_sqlite_template_insert(struct store_conn *c, const struct store_template *t);
enum og_err store_sqlite_template_get(struct store_conn *c, const char *tenant_id,
				      const char *name_or_dlt_id, struct store_template *out);
enum og_err store_sqlite_template_get_default(struct store_conn *c, const char *tenant_id,
					      struct store_template *out);
enum og_err store_sqlite_template_clear_default(struct store_conn *c, const char *tenant_id);
enum og_err store_sqlite_template_list(struct store_conn *c, const char *tenant_id,
				       const char *after_name, size_t limit,
				       struct store_template *out, size_t *n);
enum og_err store_sqlite_template_delete(struct store_conn *c, const char *tenant_id,
					 const char *name);

enum og_err store_sqlite_ledger_wallet_get(struct store_conn *c, const char *tenant_id,
					   struct store_wallet *out);
enum og_err store_sqlite_ledger_wallet_put(struct store_conn *c, const struct store_wallet *w);
enum og_err store_sqlite_ledger_insert(struct store_conn *c, const struct store_ledger_entry *e);
enum og_err store_sqlite_ledger_find_credit(struct store_conn *c, const char *tenant_id,
					    const char *reference,
					    struct store_ledger_entry *out);
enum og_err store_sqlite_ledger_sums(struct store_conn *c, const char *tenant_id,
				     struct store_ledger_sums *out);
enum og_err store_sqlite_ledger_usage_add(struct store_conn *c, const char *tenant_id,
					  const char *day, int64_t sms, int64_t cost_paise);
enum og_err store_sqlite_ledger_usage_range(struct store_conn *c, const char *tenant_id,
					    const char *from_day, const char *to_day,
					    store_usage_fn fn, void *arg);

enum og_err store_sqlite_otp_insert(struct store_conn *c, const struct store_otp *o);
enum og_err store_sqlite_audit_insert(struct store_conn *c, const struct store_audit *a);
enum og_err store_sqlite_audit_list(struct store_conn *c, const char *tenant_id,
				    const char *before_id, size_t limit, struct store_audit *out,
				    size_t *n);
enum og_err store_sqlite_otp_get_any(struct store_conn *c, const char *id, struct store_otp *out);
enum og_err store_sqlite_otp_get(struct store_conn *c, const char *tenant_id, const char *id,
				 struct store_otp *out);
enum og_err store_sqlite_otp_find_pending(struct store_conn *c, const char *tenant_id,
					  const unsigned char phone_hash[SECRET_HASH_LEN],
					  struct store_otp *out);
enum og_err store_sqlite_otp_update(struct store_conn *c, const struct store_otp *o);

enum og_err store_sqlite_message_insert(struct store_conn *c, const struct store_message *m);
enum og_err store_sqlite_message_get(struct store_conn *c, const char *tenant_id,
				     const char *id, struct store_message *out);
enum og_err store_sqlite_message_get_any(struct store_conn *c, const char *id,
					 struct store_message *out);
enum og_err store_sqlite_message_list(struct store_conn *c, const struct store_message_filter *f,
				      struct store_message *out, size_t *n);
enum og_err store_sqlite_message_list_by_request(struct store_conn *c, const char *tenant_id,
						 const char *request_id,
						 struct store_message *out, size_t max, size_t *n);
enum og_err store_sqlite_message_update(struct store_conn *c, const struct store_message *m);
enum og_err store_sqlite_message_outbox_claim(struct store_conn *c, int64_t now_ms,
					      int64_t lease_until_ms, size_t max,
					      struct store_message *out, size_t *n);
enum og_err store_sqlite_message_outbox_depth(struct store_conn *c, int64_t *out);

enum og_err store_sqlite_idem_get(struct store_conn *c, const char *tenant_id, const char *key,
				  struct store_idem *out);
enum og_err store_sqlite_idem_put(struct store_conn *c, const struct store_idem *r);
enum og_err store_sqlite_idem_delete(struct store_conn *c, const char *tenant_id,
				     const char *key);
enum og_err store_sqlite_idem_expire(struct store_conn *c, int64_t before_ms);

enum og_err store_sqlite_guard_policy_get(struct store_conn *c, const char *tenant_id,
					  struct store_policy *out);
enum og_err store_sqlite_guard_policy_put(struct store_conn *c, const struct store_policy *p);
enum og_err store_sqlite_guard_send_insert(struct store_conn *c,
					   const struct store_guard_send *s);
enum og_err store_sqlite_guard_send_count(struct store_conn *c, const char *tenant_id, int key,
					  const unsigned char hash[SECRET_HASH_LEN],
					  int64_t from_ms, int64_t *count, int64_t *oldest_ms);
enum og_err store_sqlite_guard_send_stats(struct store_conn *c, const char *tenant_id,
					  const unsigned char prefix_hash[SECRET_HASH_LEN],
					  int64_t from_ms, int64_t to_ms, int64_t *sent,
					  int64_t *verified);
enum og_err store_sqlite_guard_send_verified(struct store_conn *c, const char *tenant_id,
					     const unsigned char phone_hash[SECRET_HASH_LEN],
					     int64_t from_ms);
enum og_err store_sqlite_guard_send_prune(struct store_conn *c, const char *tenant_id,
					  int64_t before_ms, size_t max);
enum og_err store_sqlite_guard_bucket_get(struct store_conn *c, const char *tenant_id,
					  int64_t *rps, int64_t *tokens_milli,
					  int64_t *updated_at_ms);
enum og_err store_sqlite_guard_bucket_put(struct store_conn *c, const char *tenant_id,
					  int64_t rps, int64_t tokens_milli, int64_t updated_at_ms);
enum og_err store_sqlite_guard_lock_get(struct store_conn *c, const char *tenant_id,
					const unsigned char phone_hash[SECRET_HASH_LEN],
					struct store_verify_lock *out);
enum og_err store_sqlite_guard_lock_put(struct store_conn *c, const struct store_verify_lock *l);
enum og_err store_sqlite_guard_lock_delete(struct store_conn *c, const char *tenant_id,
					   const unsigned char phone_hash[SECRET_HASH_LEN]);

enum og_err store_sqlite_alert_insert(struct store_conn *c, const struct store_alert *a);
enum og_err store_sqlite_alert_find_active(struct store_conn *c, const char *tenant_id,
					   const char *prefix, struct store_alert *out);
enum og_err store_sqlite_alert_last_lift(struct store_conn *c, const char *tenant_id,
					 const char *prefix, int64_t *lifted_at_ms);
enum og_err store_sqlite_alert_get(struct store_conn *c, const char *tenant_id, const char *id,
				   struct store_alert *out);
enum og_err store_sqlite_alert_list(struct store_conn *c, const char *tenant_id,
				    const char *before_id, size_t limit, struct store_alert *out,
				    size_t *n);
enum og_err store_sqlite_alert_lift(struct store_conn *c, const char *tenant_id, const char *id,
				    int64_t now_ms, const char *lifted_by);
enum og_err store_sqlite_alert_count_active(struct store_conn *c, int64_t *out);

enum og_err store_sqlite_testnum_insert(struct store_conn *c, const struct store_test_number *t);
enum og_err store_sqlite_testnum_find(struct store_conn *c, const char *tenant_id,
				      const unsigned char phone_hash[SECRET_HASH_LEN],
				      struct store_test_number *out);
enum og_err store_sqlite_testnum_list(struct store_conn *c, const char *tenant_id,
				      const char *after_id, size_t limit,
				      struct store_test_number *out, size_t *n);
enum og_err store_sqlite_testnum_delete(struct store_conn *c, const char *tenant_id,
					const char *id);
enum og_err store_sqlite_testnum_count(struct store_conn *c, const char *tenant_id,
				       int64_t *out);

enum og_err store_sqlite_security_retention_get(struct store_conn *c, const char *tenant_id,
						int *days);
enum og_err store_sqlite_security_retention_put(struct store_conn *c, const char *tenant_id,
						int days, int64_t now_ms);
enum og_err store_sqlite_security_otp_purge(struct store_conn *c, const char *tenant_id,
					    int64_t before_ms, int64_t now_ms, size_t limit,
					    size_t *n);
enum og_err store_sqlite_security_message_scrub(struct store_conn *c, const char *tenant_id,
						int64_t before_ms, size_t limit, size_t *n);
enum og_err store_sqlite_security_otp_wipe_contexts(struct store_conn *c, int64_t now_ms,
						    size_t limit, size_t *n);
enum og_err store_sqlite_key_get(struct store_conn *c, const char *tenant_id, const char *id,
				 struct store_api_key *out);
enum og_err store_sqlite_security_key_set_expiry(struct store_conn *c, const char *tenant_id,
						 const char *id, int64_t expires_at_ms);
enum og_err store_sqlite_security_key_rehash(struct store_conn *c, const char *id,
					     const unsigned char hash[SECRET_HASH_LEN],
					     const char *secret_id);
enum og_err store_sqlite_security_key_count_stale(struct store_conn *c, const char *secret_id,
						  int64_t now_ms, int64_t *n);
enum og_err store_sqlite_security_sealed_list(struct store_conn *c, int kind,
					      const char *after_tenant_id, const char *after_id,
					      size_t limit, struct store_sealed *out, size_t *n);
enum og_err store_sqlite_security_sealed_put(struct store_conn *c, int kind,
					     const struct store_sealed *s);
enum og_err store_sqlite_security_phone_hash_put(struct store_conn *c, int kind,
						 const char *tenant_id, const char *id,
						 const unsigned char hash[SECRET_HASH_LEN]);
enum og_err store_sqlite_security_secret_state_get(struct store_conn *c,
						   struct store_secret_state *out);
enum og_err store_sqlite_security_secret_state_put(struct store_conn *c,
						   const struct store_secret_state *s);

enum og_err store_sqlite_template_get_by_dlt_id(struct store_conn *c, const char *tenant_id,
						const char *dlt_template_id,
						struct store_template *out);
enum og_err store_sqlite_template_update(struct store_conn *c, const struct store_template *t);

enum og_err store_sqlite_dlt_header_put(struct store_conn *c, const struct store_dlt_header *h);
enum og_err store_sqlite_dlt_header_get(struct store_conn *c, const char *tenant_id,
					const char *header, struct store_dlt_header *out);
enum og_err store_sqlite_dlt_header_list(struct store_conn *c, const char *tenant_id,
					 const char *after_header, size_t limit,
					 struct store_dlt_header *out, size_t *n);
enum og_err store_sqlite_dlt_header_delete(struct store_conn *c, const char *tenant_id,
					   const char *header);
enum og_err store_sqlite_dlt_whitelist_put(struct store_conn *c,
					   const struct store_dlt_whitelist *w);
enum og_err store_sqlite_dlt_whitelist_list(struct store_conn *c, const char *tenant_id,
					    const char *after_value, size_t limit,
					    struct store_dlt_whitelist *out, size_t *n);
enum og_err store_sqlite_dlt_whitelist_delete(struct store_conn *c, const char *tenant_id,
					      const char *value);
enum og_err store_sqlite_dlt_platform_get(struct store_conn *c, struct store_dlt_platform *out);
enum og_err store_sqlite_dlt_platform_put(struct store_conn *c,
					  const struct store_dlt_platform *p);
enum og_err store_sqlite_dlt_usage_route_add(struct store_conn *c, const char *tenant_id,
					     const char *day, int route, int64_t sms,
					     int64_t cost_paise);
enum og_err store_sqlite_dlt_usage_route_range(struct store_conn *c, const char *tenant_id,
					       const char *from_day, const char *to_day,
					       store_usage_route_fn fn, void *arg);

/* store_sqlite_usage.c */
enum og_err store_sqlite_usage_month_add(struct store_conn *c, const char *tenant_id,
				     const char *month, int route, int64_t sms,
				     int64_t cost_paise);
enum og_err store_sqlite_usage_month_sum(struct store_conn *c, const char *tenant_id,
				     const char *month, struct store_usage_row *out);
enum og_err store_sqlite_usage_month_lines(struct store_conn *c, const char *month,
				       store_invoice_fn fn, void *arg);

#endif
