/*
 * What the files of the PostgreSQL driver share, and nothing else includes:
 * the driver's store and connection structs, the statement ids each
 * connection prepares once, the one place libpq results and SQLSTATEs
 * become og_err values, a parameter list that binds without copies, and a
 * row reader that copies text and bytea out with bounds checks. store_pg.c
 * holds the connection, transaction and migration code and the ops table;
 * store_pg_stmt.c the helpers; each store_pg_<record>.c the operations on
 * one kind of record, mirroring the SQLite driver file by file.
 * Internal names that are not static start with store_pg__.
 */
#ifndef OG_STORE_PG_INT_H
#define OG_STORE_PG_INT_H

#include "store/store.h"

#include <libpq-fe.h>
#include <stdatomic.h>

#define STORE_PG_URL_MAX 1024
#define STORE_PG_PARAMS_MAX 24       /* the most parameters one statement takes */
#define STORE_PG_NUM_MAX 24          /* an int64 in decimal, with sign and NUL */
#define STORE_PG_STMT_NAME_MAX 16    /* "og" and a statement id, plus NUL */
#define STORE_PG_LOCK_TIMEOUT_MS 5000 /* like SQLite's busy timeout: then OG_ERR_BUSY */
#define STORE_PG_ENUM_NAME_MAX 32    /* longer than any enum name stored */

/* What every session sets when it starts: the lock wait of
 * STORE_PG_LOCK_TIMEOUT_MS, bytea in the hex format the row reader
 * decodes, and no NOTICE chatter on stderr. */
#define STORE_PG_SESSION_SQL                                                   \
	"SET lock_timeout = 5000; SET bytea_output = 'hex';"                   \
	" SET client_min_messages = warning"

/* Every statement the driver prepares, so each connection prepares each
 * once, on first use. Grouped by the file that owns the SQL. */
enum store_pg_stmt {
	/* store_pg.c */
	PG_BEGIN,
	PG_COMMIT,
	PG_ROLLBACK,
	PG_PING,
	PG_ROW_LOCK, /* the advisory lock that guards a row that may not exist yet */
	/* store_pg_tenant.c */
	PG_TENANT_INSERT,
	PG_TENANT_GET,
	PG_TENANT_GET_LOCK,
	PG_TENANT_UPDATE,
	PG_TENANT_LIST,
	/* store_pg_key.c */
	PG_KEY_INSERT,
	PG_KEY_FIND_BY_HASH,
	PG_KEY_LIST,
	PG_KEY_REVOKE,
	PG_KEY_GET,
	/* store_pg_template.c: each tenant statement, then its platform twin */
	PG_TEMPLATE_INSERT,
	PG_TEMPLATE_INSERT_PLATFORM,
	PG_TEMPLATE_GET_BY_NAME,
	PG_TEMPLATE_GET_BY_NAME_PLATFORM,
	PG_TEMPLATE_GET_BY_DLT_ID,
	PG_TEMPLATE_GET_BY_DLT_ID_PLATFORM,
	PG_TEMPLATE_GET_DEFAULT,
	PG_TEMPLATE_GET_DEFAULT_PLATFORM,
	PG_TEMPLATE_CLEAR_DEFAULT,
	PG_TEMPLATE_CLEAR_DEFAULT_PLATFORM,
	PG_TEMPLATE_LIST,
	PG_TEMPLATE_LIST_PLATFORM,
	PG_TEMPLATE_DELETE,
	PG_TEMPLATE_DELETE_PLATFORM,
	PG_TEMPLATE_UPDATE,
	PG_TEMPLATE_UPDATE_PLATFORM,
	/* store_pg_ledger.c */
	PG_WALLET_GET,
	PG_WALLET_GET_LOCK,
	PG_WALLET_PUT,
	PG_LEDGER_INSERT,
	PG_LEDGER_FIND_CREDIT,
	PG_LEDGER_SUMS,
	PG_USAGE_ADD,
	PG_USAGE_RANGE_ALL,
	PG_USAGE_RANGE_TENANT,
	/* store_pg_otp.c */
	PG_OTP_INSERT,
	PG_OTP_GET,
	PG_OTP_GET_LOCK,
	PG_OTP_GET_ANY,
	PG_OTP_FIND_PENDING,
	PG_OTP_FIND_PENDING_LOCK,
	PG_OTP_UPDATE,
	/* store_pg_message.c; the four list variants are consecutive */
	PG_MESSAGE_INSERT,
	PG_MESSAGE_GET,
	PG_MESSAGE_GET_LOCK,
	PG_MESSAGE_GET_ANY,
	PG_MESSAGE_LIST,
	PG_MESSAGE_LIST_AFTER,
	PG_MESSAGE_LIST_TENANT,
	PG_MESSAGE_LIST_TENANT_AFTER,
	PG_MESSAGE_LIST_BY_REQUEST,
	PG_MESSAGE_UPDATE,
	PG_OUTBOX_CLAIM,
	PG_OUTBOX_DEPTH,
	/* store_pg_idem.c */
	PG_IDEM_GET,
	PG_IDEM_GET_LOCK,
	PG_IDEM_PUT,
	PG_IDEM_DELETE,
	PG_IDEM_EXPIRE,
	/* store_pg_audit.c */
	PG_AUDIT_INSERT,
	PG_AUDIT_LIST_ALL,
	PG_AUDIT_LIST_TENANT,
	/* store_pg_guard.c */
	PG_POLICY_GET,
	PG_POLICY_GET_LOCK,
	PG_POLICY_PUT,
	PG_GUARD_SEND_INSERT,
	PG_GUARD_SEND_COUNT_PHONE,
	PG_GUARD_SEND_COUNT_PREFIX,
	PG_GUARD_SEND_COUNT_IP,
	PG_GUARD_SEND_STATS,
	PG_GUARD_SEND_VERIFIED,
	PG_GUARD_SEND_PRUNE,
	PG_GUARD_BUCKET_GET,
	PG_GUARD_BUCKET_GET_LOCK,
	PG_GUARD_BUCKET_PUT,
	PG_GUARD_LOCK_GET,
	PG_GUARD_LOCK_GET_LOCK,
	PG_GUARD_LOCK_PUT,
	PG_GUARD_LOCK_DELETE,
	/* store_pg_alert.c */
	PG_ALERT_INSERT,
	PG_ALERT_FIND_ACTIVE,
	PG_ALERT_LAST_LIFT,
	PG_ALERT_GET,
	PG_ALERT_LIST,
	PG_ALERT_LIFT,
	PG_ALERT_COUNT_ACTIVE,
	/* store_pg_testnum.c */
	PG_TESTNUM_INSERT,
	PG_TESTNUM_FIND,
	PG_TESTNUM_LIST,
	PG_TESTNUM_DELETE,
	PG_TESTNUM_COUNT,
	/* store_pg_security.c; the sealed_list and sealed_put variants are
	 * consecutive, in the order of enum store_sealed_kind */
	PG_SEC_RETENTION_GET,
	PG_SEC_RETENTION_PUT,
	PG_SEC_OTP_PURGE,
	PG_SEC_MESSAGE_SCRUB,
	PG_SEC_OTP_WIPE_CONTEXTS,
	PG_SEC_KEY_SET_EXPIRY,
	PG_SEC_KEY_REHASH,
	PG_SEC_KEY_COUNT_STALE,
	PG_SEC_SEALED_LIST_TENANT,
	PG_SEC_SEALED_LIST_MESSAGE,
	PG_SEC_SEALED_LIST_OTP,
	PG_SEC_SEALED_LIST_TESTNUM,
	PG_SEC_SEALED_PUT_TENANT,
	PG_SEC_SEALED_PUT_MESSAGE,
	PG_SEC_SEALED_PUT_OTP,
	PG_SEC_SEALED_PUT_TESTNUM,
	PG_SEC_PHONE_HASH_OTP,
	PG_SEC_PHONE_HASH_TESTNUM,
	PG_SEC_SECRET_STATE_GET,
	PG_SEC_SECRET_STATE_GET_LOCK,
	PG_SEC_SECRET_STATE_PUT,
	/* store_pg_dlt.c: each tenant statement, then its platform twin */
	PG_DLT_HEADER_PUT,
	PG_DLT_HEADER_PUT_PLATFORM,
	PG_DLT_HEADER_GET,
	PG_DLT_HEADER_GET_PLATFORM,
	PG_DLT_HEADER_LIST,
	PG_DLT_HEADER_LIST_PLATFORM,
	PG_DLT_HEADER_DELETE,
	PG_DLT_HEADER_DELETE_PLATFORM,
	PG_DLT_WL_PUT,
	PG_DLT_WL_PUT_PLATFORM,
	PG_DLT_WL_LIST,
	PG_DLT_WL_LIST_PLATFORM,
	PG_DLT_WL_DELETE,
	PG_DLT_WL_DELETE_PLATFORM,
	PG_DLT_PLATFORM_GET,
	PG_DLT_PLATFORM_PUT,
	PG_DLT_USAGE_ROUTE_ADD,
	PG_DLT_USAGE_ROUTE_ALL,
	PG_DLT_USAGE_ROUTE_TENANT,
	/* store_pg_usage.c: the monthly usage aggregate */
	PG_USAGE_MONTH_ADD,
	PG_USAGE_MONTH_SUM,
	PG_USAGE_MONTH_LINES,
	PG__COUNT
};

/* What the advisory row locks guard: one class per table whose rows are
 * read and then written (inserted if absent) in a write transaction. */
enum store_pg_lock_class {
	STORE_PG_LOCK_WALLET = 1,
	STORE_PG_LOCK_IDEM,
	STORE_PG_LOCK_POLICY,
	STORE_PG_LOCK_BUCKET,
	STORE_PG_LOCK_VERIFY,
	STORE_PG_LOCK_SECRET_STATE,
	STORE_PG_LOCK_CREDIT, /* a top-up reference, looked up before it is credited */
	STORE_PG_LOCK_MIGRATE, /* the whole schema, while migrations run */
	STORE_PG_LOCK_WINDOW   /* a phone's, prefix's or address's send window, counted then logged */
};

struct store_pg {
	struct store base;            /* first, so a struct store * converts */
	char url[STORE_PG_URL_MAX];   /* the libpq connection URI */
	atomic_int conn_count;        /* open connections, checked at close */
};

struct store_pg_conn {
	struct store_conn base;       /* first, so a struct store_conn * converts */
	PGconn *db;                   /* used by one thread only */
	bool prepared[PG__COUNT];     /* prepared on this session */
	const char *stmt_sql[PG__COUNT]; /* the text each was prepared from */
	bool in_tx;                   /* between begin and commit or rollback */
};

/* A text name for each value of a C enum, as stored in a column. */
struct store_pg_enum {
	const char *const *names; /* indexed by the enum value */
	int count;
};

/* A statement's parameters, $1 upwards in the order they are added. Text
 * and bytea point at the caller's memory (no copy), so they must live until
 * the statement has run; integers are formatted into num. */
struct store_pg_params {
	int n;
	const char *values[STORE_PG_PARAMS_MAX];
	int lengths[STORE_PG_PARAMS_MAX];
	int formats[STORE_PG_PARAMS_MAX]; /* 0 text, 1 binary (bytea) */
	char num[STORE_PG_PARAMS_MAX][STORE_PG_NUM_MAX];
};

/* Reads a result row's columns left to right. The first failure sticks in
 * rc and later reads do nothing, so a reader checks once at the end. */
struct store_pg_row {
	const PGresult *res;
	int row;
	int col;        /* the next column to read */
	enum og_err rc; /* OG_OK, or the first failure */
};

extern const struct store_ops store_pg_ops;

/* The enums' column names (store_pg_enum.c), spelled as the SQLite
 * driver spells them, so both schemas hold the same text. */
extern const struct store_pg_enum store_pg__billing;      /* enum store_billing_mode */
extern const struct store_pg_enum store_pg__key_kind;     /* enum store_key_kind */
extern const struct store_pg_enum store_pg__ledger_kind;  /* enum store_ledger_kind */
extern const struct store_pg_enum store_pg__otp_status;   /* enum store_otp_status */
extern const struct store_pg_enum store_pg__msg_status;   /* enum store_msg_status */
extern const struct store_pg_enum store_pg__idem_state;   /* enum store_idem_state */
extern const struct store_pg_enum store_pg__actor_kind;   /* enum store_actor_kind */
extern const struct store_pg_enum store_pg__alert_kind;   /* enum store_alert_kind */
extern const struct store_pg_enum store_pg__route;        /* enum store_route */
extern const struct store_pg_enum store_pg__dlt_category; /* enum store_dlt_category */
extern const struct store_pg_enum store_pg__dlt_status;   /* enum store_dlt_status */
extern const struct store_pg_enum store_pg__wl_kind;      /* enum store_dlt_wl_kind */

/** Returns the driver's connection behind c (asserting that it is one). */
struct store_pg_conn *store_pg__conn(struct store_conn *c);

/** Reads one row into one record; failures stick in r->rc. */
typedef void (*store_pg_read_fn)(struct store_pg_row *r, void *record);

/** Runs statement id (prepared from sql on first use) with p; on OG_OK *out
 *  holds the result, which the caller PQclears. Converts every failure. */
enum og_err store_pg__exec(struct store_pg_conn *c, enum store_pg_stmt id, const char *sql,
			   const struct store_pg_params *p, PGresult **out);

/** Runs a statement for its effect; *changed (if not NULL) counts the rows it changed. */
enum og_err store_pg__run(struct store_pg_conn *c, enum store_pg_stmt id, const char *sql,
			  const struct store_pg_params *p, size_t *changed);

/** Runs a statement for its effect; OG_ERR_NOT_FOUND when it changed no row. */
enum og_err store_pg__run_changed(struct store_pg_conn *c, enum store_pg_stmt id,
				  const char *sql, const struct store_pg_params *p);

/** Runs an INSERT ... ON CONFLICT DO NOTHING; OG_ERR_CONFLICT when it inserted
 *  nothing. A conflict so reported leaves the caller's transaction usable,
 *  as a refused insert does in SQLite. */
enum og_err store_pg__insert(struct store_pg_conn *c, enum store_pg_stmt id, const char *sql,
			     const struct store_pg_params *p);

/** Reads the first row into record: OG_OK, OG_ERR_NOT_FOUND, or the error. */
enum og_err store_pg__fetch(struct store_pg_conn *c, enum store_pg_stmt id, const char *sql,
			    const struct store_pg_params *p, store_pg_read_fn read, void *record);

/** Reads up to max rows into records of record_size bytes; *n counts them. */
enum og_err store_pg__collect(struct store_pg_conn *c, enum store_pg_stmt id, const char *sql,
			      const struct store_pg_params *p, store_pg_read_fn read,
			      void *records, size_t record_size, size_t max, size_t *n);

/** Reads the two integers of an aggregate's one row (b may be NULL). */
enum og_err store_pg__ints(struct store_pg_conn *c, enum store_pg_stmt id, const char *sql,
			   const struct store_pg_params *p, int64_t *a, int64_t *b);

/** Inside a write transaction, takes the advisory lock on (class, key1/key2)
 *  until it ends, so that two transactions that read a row which may not
 *  exist yet and then write it run one after the other, as SQLite's single
 *  writer runs them. Outside a transaction it does nothing. */
enum og_err store_pg__row_lock(struct store_pg_conn *c, enum store_pg_lock_class cls,
			       const char *key1, const void *key2, size_t key2_len);

/* Parameters. */

void store_pg__params_init(struct store_pg_params *p);

/** Adds a NUL-terminated string, or NULL as SQL NULL. */
void store_pg__param_text(struct store_pg_params *p, const char *s);

/** Adds a record's fixed-size text field, asserting it is NUL-terminated. */
void store_pg__param_field(struct store_pg_params *p, const char *field, size_t size);

/** Adds a string, or SQL NULL when it is "" (for columns where NULL means absent). */
void store_pg__param_text_or_null(struct store_pg_params *p, const char *s);

void store_pg__param_int64(struct store_pg_params *p, int64_t v);

/** Adds len bytes as bytea, or SQL NULL when len is 0. */
void store_pg__param_blob(struct store_pg_params *p, const void *data, size_t len);

/** Adds an enum value as its text name; the value must be in the table. */
void store_pg__param_enum(struct store_pg_params *p, const struct store_pg_enum *e, int value);

#define STORE_PG_PARAM_FIELD(p, field) store_pg__param_field((p), (field), sizeof(field))

/* Reading. Each reads the next column of the row. */

void store_pg__row_init(struct store_pg_row *r, const PGresult *res, int row);

/** True if the next column is SQL NULL (reads nothing). */
bool store_pg__row_is_null(const struct store_pg_row *r);

/** Skips the next column. */
void store_pg__row_skip(struct store_pg_row *r);

/** Copies text (NULL reads as ""); text that does not fit fails, never truncates. */
void store_pg__row_text(struct store_pg_row *r, char *dst, size_t size);

/** Copies a bytea (NULL reads as length 0); one longer than size fails. */
void store_pg__row_blob(struct store_pg_row *r, unsigned char *dst, size_t size, size_t *len);

/** Copies a bytea that must be exactly size bytes long. */
void store_pg__row_blob_exact(struct store_pg_row *r, unsigned char *dst, size_t size);

int64_t store_pg__row_int64(struct store_pg_row *r);

/** Reads an integer column; a value outside int's range fails. */
int store_pg__row_int(struct store_pg_row *r);

/** Reads a text name back into its enum value; an unknown name fails. */
int store_pg__row_enum(struct store_pg_row *r, const struct store_pg_enum *e);

#define STORE_PG_ROW_TEXT(r, field) store_pg__row_text((r), (field), sizeof(field))

/* The operations, one file per kind of record (the same split as SQLite's). */

enum og_err store_pg_tenant_insert(struct store_conn *c, const struct store_tenant *t);
enum og_err store_pg_tenant_get(struct store_conn *c, const char *id, struct store_tenant *out);
enum og_err store_pg_tenant_read(struct store_conn *c, const char *id, struct store_tenant *out);
enum og_err store_pg_tenant_update(struct store_conn *c, const struct store_tenant *t);
enum og_err store_pg_tenant_list(struct store_conn *c, const char *after_id, size_t limit,
				 struct store_tenant *out, size_t *n);

enum og_err store_pg_key_insert(struct store_conn *c, const struct store_api_key *k);
enum og_err store_pg_key_find_by_hash(struct store_conn *c,
				      const unsigned char hash[SECRET_HASH_LEN],
				      struct store_api_key *out);
enum og_err store_pg_key_list(struct store_conn *c, const char *tenant_id, const char *after_id,
			      size_t limit, struct store_api_key *out, size_t *n);
enum og_err store_pg_key_revoke(struct store_conn *c, const char *tenant_id, const char *id,
				int64_t now_ms);
enum og_err store_pg_key_get(struct store_conn *c, const char *tenant_id, const char *id,
			     struct store_api_key *out);

enum og_err store_pg_template_insert(struct store_conn *c, const struct store_template *t);
enum og_err store_pg_template_get(struct store_conn *c, const char *tenant_id,
				  const char *name_or_dlt_id, struct store_template *out);
enum og_err store_pg_template_get_by_dlt_id(struct store_conn *c, const char *tenant_id,
					    const char *dlt_template_id,
					    struct store_template *out);
enum og_err store_pg_template_get_default(struct store_conn *c, const char *tenant_id,
					  struct store_template *out);
enum og_err store_pg_template_clear_default(struct store_conn *c, const char *tenant_id);
enum og_err store_pg_template_list(struct store_conn *c, const char *tenant_id,
				   const char *after_name, size_t limit, struct store_template *out,
				   size_t *n);
enum og_err store_pg_template_delete(struct store_conn *c, const char *tenant_id,
				     const char *name);
enum og_err store_pg_template_update(struct store_conn *c, const struct store_template *t);

enum og_err store_pg_ledger_wallet_get(struct store_conn *c, const char *tenant_id,
				       struct store_wallet *out);
enum og_err store_pg_ledger_wallet_put(struct store_conn *c, const struct store_wallet *w);
enum og_err store_pg_ledger_insert(struct store_conn *c, const struct store_ledger_entry *e);
enum og_err store_pg_ledger_find_credit(struct store_conn *c, const char *tenant_id,
					const char *reference, struct store_ledger_entry *out);
enum og_err store_pg_ledger_sums(struct store_conn *c, const char *tenant_id,
				 struct store_ledger_sums *out);
enum og_err store_pg_ledger_usage_add(struct store_conn *c, const char *tenant_id,
				      const char *day, int64_t sms, int64_t cost_paise);
enum og_err store_pg_ledger_usage_range(struct store_conn *c, const char *tenant_id,
					const char *from_day, const char *to_day,
					store_usage_fn fn, void *arg);

enum og_err store_pg_otp_insert(struct store_conn *c, const struct store_otp *o);
enum og_err store_pg_otp_get(struct store_conn *c, const char *tenant_id, const char *id,
			     struct store_otp *out);
enum og_err store_pg_otp_get_any(struct store_conn *c, const char *id, struct store_otp *out);
enum og_err store_pg_otp_find_pending(struct store_conn *c, const char *tenant_id,
				      const unsigned char phone_hash[SECRET_HASH_LEN],
				      struct store_otp *out);
enum og_err store_pg_otp_update(struct store_conn *c, const struct store_otp *o);

enum og_err store_pg_message_insert(struct store_conn *c, const struct store_message *m);
enum og_err store_pg_message_get(struct store_conn *c, const char *tenant_id, const char *id,
				 struct store_message *out);
enum og_err store_pg_message_get_any(struct store_conn *c, const char *id,
				     struct store_message *out);
enum og_err store_pg_message_list(struct store_conn *c, const struct store_message_filter *f,
				  struct store_message *out, size_t *n);
enum og_err store_pg_message_list_by_request(struct store_conn *c, const char *tenant_id,
					     const char *request_id, struct store_message *out,
					     size_t max, size_t *n);
enum og_err store_pg_message_update(struct store_conn *c, const struct store_message *m);
enum og_err store_pg_message_outbox_claim(struct store_conn *c, int64_t now_ms,
					  int64_t lease_until_ms, size_t max,
					  struct store_message *out, size_t *n);
enum og_err store_pg_message_outbox_depth(struct store_conn *c, int64_t *out);

enum og_err store_pg_idem_get(struct store_conn *c, const char *tenant_id, const char *key,
			      struct store_idem *out);
enum og_err store_pg_idem_put(struct store_conn *c, const struct store_idem *r);
enum og_err store_pg_idem_delete(struct store_conn *c, const char *tenant_id, const char *key);
enum og_err store_pg_idem_expire(struct store_conn *c, int64_t before_ms);

enum og_err store_pg_audit_insert(struct store_conn *c, const struct store_audit *a);
enum og_err store_pg_audit_list(struct store_conn *c, const char *tenant_id,
				const char *before_id, size_t limit, struct store_audit *out,
				size_t *n);

enum og_err store_pg_guard_policy_get(struct store_conn *c, const char *tenant_id,
				      struct store_policy *out);
enum og_err store_pg_guard_policy_put(struct store_conn *c, const struct store_policy *p);
enum og_err store_pg_guard_send_insert(struct store_conn *c, const struct store_guard_send *s);
enum og_err store_pg_guard_send_count(struct store_conn *c, const char *tenant_id, int key,
				      const unsigned char hash[SECRET_HASH_LEN], int64_t from_ms,
				      int64_t *count, int64_t *oldest_ms);
enum og_err store_pg_guard_send_stats(struct store_conn *c, const char *tenant_id,
				      const unsigned char prefix_hash[SECRET_HASH_LEN],
				      int64_t from_ms, int64_t to_ms, int64_t *sent,
				      int64_t *verified);
enum og_err store_pg_guard_send_verified(struct store_conn *c, const char *tenant_id,
					 const unsigned char phone_hash[SECRET_HASH_LEN],
					 int64_t from_ms);
enum og_err store_pg_guard_send_prune(struct store_conn *c, const char *tenant_id,
				      int64_t before_ms, size_t max);
enum og_err store_pg_guard_bucket_get(struct store_conn *c, const char *tenant_id,
				      int64_t *rps, int64_t *tokens_milli, int64_t *updated_at_ms);
enum og_err store_pg_guard_bucket_put(struct store_conn *c, const char *tenant_id,
				      int64_t rps, int64_t tokens_milli, int64_t updated_at_ms);
enum og_err store_pg_guard_lock_get(struct store_conn *c, const char *tenant_id,
				    const unsigned char phone_hash[SECRET_HASH_LEN],
				    struct store_verify_lock *out);
enum og_err store_pg_guard_lock_put(struct store_conn *c, const struct store_verify_lock *l);
enum og_err store_pg_guard_lock_delete(struct store_conn *c, const char *tenant_id,
				       const unsigned char phone_hash[SECRET_HASH_LEN]);

enum og_err store_pg_alert_insert(struct store_conn *c, const struct store_alert *a);
enum og_err store_pg_alert_find_active(struct store_conn *c, const char *tenant_id,
				       const char *prefix, struct store_alert *out);
enum og_err store_pg_alert_last_lift(struct store_conn *c, const char *tenant_id,
				     const char *prefix, int64_t *lifted_at_ms);
enum og_err store_pg_alert_get(struct store_conn *c, const char *tenant_id, const char *id,
			       struct store_alert *out);
enum og_err store_pg_alert_list(struct store_conn *c, const char *tenant_id,
				const char *before_id, size_t limit, struct store_alert *out,
				size_t *n);
enum og_err store_pg_alert_lift(struct store_conn *c, const char *tenant_id, const char *id,
				int64_t now_ms, const char *lifted_by);
enum og_err store_pg_alert_count_active(struct store_conn *c, int64_t *out);

enum og_err store_pg_testnum_insert(struct store_conn *c, const struct store_test_number *t);
enum og_err store_pg_testnum_find(struct store_conn *c, const char *tenant_id,
				  const unsigned char phone_hash[SECRET_HASH_LEN],
				  struct store_test_number *out);
enum og_err store_pg_testnum_list(struct store_conn *c, const char *tenant_id,
				  const char *after_id, size_t limit,
				  struct store_test_number *out, size_t *n);
enum og_err store_pg_testnum_delete(struct store_conn *c, const char *tenant_id, const char *id);
enum og_err store_pg_testnum_count(struct store_conn *c, const char *tenant_id, int64_t *out);

enum og_err store_pg_security_retention_get(struct store_conn *c, const char *tenant_id,
					    int *days);
enum og_err store_pg_security_retention_put(struct store_conn *c, const char *tenant_id,
					    int days, int64_t now_ms);
enum og_err store_pg_security_otp_purge(struct store_conn *c, const char *tenant_id,
					int64_t before_ms, int64_t now_ms, size_t limit, size_t *n);
enum og_err store_pg_security_message_scrub(struct store_conn *c, const char *tenant_id,
					    int64_t before_ms, size_t limit, size_t *n);
enum og_err store_pg_security_otp_wipe_contexts(struct store_conn *c, int64_t now_ms,
						size_t limit, size_t *n);
enum og_err store_pg_security_key_set_expiry(struct store_conn *c, const char *tenant_id,
					     const char *id, int64_t expires_at_ms);
enum og_err store_pg_security_key_rehash(struct store_conn *c, const char *id,
					 const unsigned char hash[SECRET_HASH_LEN],
					 const char *secret_id);
enum og_err store_pg_security_key_count_stale(struct store_conn *c, const char *secret_id,
					      int64_t now_ms, int64_t *n);
enum og_err store_pg_security_sealed_list(struct store_conn *c, int kind,
					  const char *after_tenant_id, const char *after_id,
					  size_t limit, struct store_sealed *out, size_t *n);
enum og_err store_pg_security_sealed_put(struct store_conn *c, int kind,
					 const struct store_sealed *s);
enum og_err store_pg_security_phone_hash_put(struct store_conn *c, int kind,
					     const char *tenant_id, const char *id,
					     const unsigned char hash[SECRET_HASH_LEN]);
enum og_err store_pg_security_secret_state_get(struct store_conn *c,
					       struct store_secret_state *out);
enum og_err store_pg_security_secret_state_put(struct store_conn *c,
					       const struct store_secret_state *s);

enum og_err store_pg_dlt_header_put(struct store_conn *c, const struct store_dlt_header *h);
enum og_err store_pg_dlt_header_get(struct store_conn *c, const char *tenant_id,
				    const char *header, struct store_dlt_header *out);
enum og_err store_pg_dlt_header_list(struct store_conn *c, const char *tenant_id,
				     const char *after_header, size_t limit,
				     struct store_dlt_header *out, size_t *n);
enum og_err store_pg_dlt_header_delete(struct store_conn *c, const char *tenant_id,
				       const char *header);
enum og_err store_pg_dlt_whitelist_put(struct store_conn *c, const struct store_dlt_whitelist *w);
enum og_err store_pg_dlt_whitelist_list(struct store_conn *c, const char *tenant_id,
					const char *after_value, size_t limit,
					struct store_dlt_whitelist *out, size_t *n);
enum og_err store_pg_dlt_whitelist_delete(struct store_conn *c, const char *tenant_id,
					  const char *value);
enum og_err store_pg_dlt_platform_get(struct store_conn *c, struct store_dlt_platform *out);
enum og_err store_pg_dlt_platform_put(struct store_conn *c, const struct store_dlt_platform *p);
enum og_err store_pg_dlt_usage_route_add(struct store_conn *c, const char *tenant_id,
					 const char *day, int route, int64_t sms,
					 int64_t cost_paise);
enum og_err store_pg_dlt_usage_route_range(struct store_conn *c, const char *tenant_id,
					   const char *from_day, const char *to_day,
					   store_usage_route_fn fn, void *arg);

/* store_pg_usage.c */
enum og_err store_pg_usage_month_add(struct store_conn *c, const char *tenant_id,
				     const char *month, int route, int64_t sms,
				     int64_t cost_paise);
enum og_err store_pg_usage_month_sum(struct store_conn *c, const char *tenant_id,
				     const char *month, struct store_usage_row *out);
enum og_err store_pg_usage_month_lines(struct store_conn *c, const char *month,
				       store_invoice_fn fn, void *arg);

#endif
