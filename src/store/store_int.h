/*
 * What the store's record files share and nothing above the store sees:
 * running a statement through the narrow driver (store_sql.h) in the few
 * shapes every operation takes (run for effect, insert-or-conflict, read
 * one row, read up to N rows, read an aggregate), a row reader that takes
 * the columns left to right with every text and blob checked against its
 * destination, and the text names of the enums stored in columns. Each
 * store_<record>.c then holds one kind of record: its SQL, written once,
 * and the functions that bind its fields and read its rows.
 *
 * Every helper that runs a statement also resets it, on every path, so an
 * operation is: prepare, bind, one helper call.
 */
#ifndef OG_STORE_INT_H
#define OG_STORE_INT_H

#include "store/store.h"
#include "store/store_sql.h"

#include <assert.h>
#include <string.h>

#define STORE_ENUM_NAME_MAX 32 /* longer than any enum name stored */

/* A text name for each value of a C enum, as stored in a column. */
struct store_enum {
	const char *const *names; /* indexed by the enum value */
	int count;
};

#define STORE_ENUM(names_array) {(names_array), (int)(sizeof(names_array) / sizeof((names_array)[0]))}

/* The enums' column names (store_enum.c), one table per enum. */
extern const struct store_enum store_enum_billing;      /* enum store_billing_mode */
extern const struct store_enum store_enum_key_kind;     /* enum store_key_kind */
extern const struct store_enum store_enum_ledger_kind;  /* enum store_ledger_kind */
extern const struct store_enum store_enum_otp_status;   /* enum store_otp_status */
extern const struct store_enum store_enum_msg_status;   /* enum store_msg_status */
extern const struct store_enum store_enum_idem_state;   /* enum store_idem_state */
extern const struct store_enum store_enum_actor_kind;   /* enum store_actor_kind */
extern const struct store_enum store_enum_alert_kind;   /* enum store_alert_kind */
extern const struct store_enum store_enum_route;        /* enum store_route */
extern const struct store_enum store_enum_dlt_category; /* enum store_dlt_category */
extern const struct store_enum store_enum_dlt_status;   /* enum store_dlt_status */
extern const struct store_enum store_enum_wl_kind;      /* enum store_dlt_wl_kind */

/* Reads a result row's columns left to right. The first failure sticks in
 * rc and later reads do nothing, so a reader checks once at the end. */
struct store_row {
	struct store_stmt *st;
	int col;        /* the next column to read */
	enum og_err rc; /* OG_OK, or the first failure */
};

/** Reads the current row into one record; failures stick in r->rc. */
typedef void (*store_read_fn)(struct store_row *r, void *record);

/** Returns the dialect of c's database, for the rare operation that differs in more than SQL. */
static inline enum store_dialect store_dialect(const struct store_conn *c)
{
	return c->drv->dialect;
}

/** Prepares sql on c (see store_driver.prepare). */
static inline enum og_err store_prepare(struct store_conn *c, struct store_sql *sql,
					struct store_stmt **out)
{
	return c->drv->prepare(c, sql, out);
}

/** Holds a row lock until the transaction ends (see store_driver.lock). */
static inline enum og_err store_lock(struct store_conn *c, enum store_lock_class cls,
				     const char *key1, const void *key2, size_t key2_len)
{
	return c->drv->lock(c, cls, key1, key2, key2_len);
}

/* Binding; idx counts from 1, as the ?N in the SQL. */

static inline void store_bind_int64(struct store_stmt *st, int idx, int64_t v)
{
	st->drv->bind_int64(st, idx, v);
}

/** Binds a NUL-terminated string, or SQL NULL for NULL. */
static inline void store_bind_text(struct store_stmt *st, int idx, const char *s)
{
	st->drv->bind_text(st, idx, s);
}

/** Binds a string, or SQL NULL when it is "" (for columns where NULL means absent). */
static inline void store_bind_text_or_null(struct store_stmt *st, int idx, const char *s)
{
	st->drv->bind_text(st, idx, s && s[0] ? s : NULL);
}

/** Binds len bytes, or SQL NULL when len is 0. */
static inline void store_bind_blob(struct store_stmt *st, int idx, const void *p, size_t len)
{
	st->drv->bind_blob(st, idx, p, len);
}

/** Binds a record's fixed-size text field, asserting it is NUL-terminated. */
static inline void store_bind_field_sized(struct store_stmt *st, int idx, const char *field,
					  size_t size)
{
	assert(memchr(field, '\0', size) != NULL);
	(void)size;
	st->drv->bind_text(st, idx, field);
}

#define store_bind_field(st, idx, field) store_bind_field_sized((st), (idx), (field), sizeof(field))

/** Binds an enum value as its text name; the value must be in the table. */
void store_bind_enum(struct store_stmt *st, int idx, const struct store_enum *e, int value);

/* Running. Each resets st before it returns. */

/** Runs st for its effect; *changed (if not NULL) counts the rows it changed, or is
 *  -1 when st was queued in a batch (store_batch_begin). */
enum og_err store_run(struct store_stmt *st, int64_t *changed);

/** Runs st for its effect; OG_ERR_NOT_FOUND when it changed no row (unseen in a batch). */
enum og_err store_run_changed(struct store_stmt *st);

/** Runs an INSERT ... ON CONFLICT DO NOTHING: OG_ERR_CONFLICT when it inserted nothing
 *  (unseen in a batch), which leaves the transaction usable on every database. */
enum og_err store_run_insert(struct store_stmt *st);

/** Reads the first row into record: OG_OK, OG_ERR_NOT_FOUND, or the error. */
enum og_err store_fetch(struct store_stmt *st, store_read_fn read, void *record);

/** Reads up to max rows into records of record_size bytes; *n counts them. */
enum og_err store_collect(struct store_stmt *st, store_read_fn read, void *records,
			  size_t record_size, size_t max, size_t *n);

/** Reads every row into records (at most max, bound LIMIT max + 1 for it); more rows
 *  than that fail with OG_ERR_STORE rather than cut the list. */
enum og_err store_collect_all(struct store_stmt *st, store_read_fn read, void *records,
			      size_t record_size, size_t max, size_t *n);

/** Reads the one row of an aggregate: its first integer into *a, the second into *b
 *  (b may be NULL); no row at all is OG_ERR_STORE. */
enum og_err store_ints(struct store_stmt *st, int64_t *a, int64_t *b);

/** Reads the first column of the first row as an integer: OG_OK, OG_ERR_NOT_FOUND
 *  when there is no row, or the error. */
enum og_err store_fetch_int(struct store_stmt *st, int64_t *out);

/** Calls fn(arg, record) for each row read into record, stopping at fn's first
 *  non-OG_OK return, which is returned. fn must not use st. */
enum og_err store_each(struct store_stmt *st, store_read_fn read, void *record,
		       enum og_err (*fn)(void *arg, const void *record), void *arg);

/* Reading. Each reads the next column of the row. */

void store_row_init(struct store_row *r, struct store_stmt *st);

/** Copies text (NULL reads as ""); text that does not fit fails, never truncates. */
void store_row_text_sized(struct store_row *r, char *dst, size_t size);

#define store_row_text(r, field) store_row_text_sized((r), (field), sizeof(field))

/** Copies a blob (NULL reads as length 0); a blob longer than size fails. */
void store_row_blob(struct store_row *r, unsigned char *dst, size_t size, size_t *len);

/** Copies a blob that must be exactly size bytes long. */
void store_row_blob_exact(struct store_row *r, unsigned char *dst, size_t size);

int64_t store_row_int64(struct store_row *r);

/** Reads an integer column; a value outside int's range fails. */
int store_row_int(struct store_row *r);

/** True if the next column is SQL NULL (reads nothing). */
bool store_row_is_null(const struct store_row *r);

/** Skips the next column. */
void store_row_skip(struct store_row *r);

/** Reads a text name back into its enum value; an unknown name fails. */
int store_row_enum(struct store_row *r, const struct store_enum *e);

/** Records the first failure to read a row, naming the column for the log. */
void store_row_fail(struct store_row *r, const char *why);

/* ---- Shared by the message log (store_message.c) and the outbox -------- */

#define MESSAGE_COLS                                                                         \
	"tenant_id, id, request_id, phone_masked, sender_header, pe_id, dlt_template_id, "   \
	"status, provider, provider_message_id, cost_paise, error, payload_sealed, attempts, " \
	"next_attempt_at_ms, lease_until_ms, created_at_ms, sent_at_ms, updated_at_ms, route"

/** Reads a row selected as MESSAGE_COLS into a struct store_message. */
void store_message_read(struct store_row *r, void *record);

#endif
