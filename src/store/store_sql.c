/*
 * The shapes every store operation takes, written once over the narrow
 * driver: run for effect, insert-or-conflict, fetch one row, collect up to
 * N, read an aggregate, call back per row; and the row reader, which takes
 * columns left to right with every text and blob checked against its
 * destination, so nothing read from a database is ever silently truncated.
 * Also the ?N to $N rewrite the PostgreSQL driver applies when it prepares.
 */
#include "store/store_int.h"

#include "base/log.h"

#include <jansson.h>

#include <limits.h>

/* ---- Statements -------------------------------------------------------- */

/* Slots are handed out once per process, in the order statements are first
 * prepared, so each connection's cache is a plain array. */
static atomic_int store_sql_slots;

int store_sql_slot(struct store_sql *sql)
{
	int slot = atomic_load_explicit(&sql->slot, memory_order_acquire);
	int fresh, expected = 0;

	if (slot > 0)
		return slot - 1;
	fresh = atomic_fetch_add(&store_sql_slots, 1) + 1;
	/* More statements than slots is a build-time mistake, found by any test. */
	assert(fresh <= STORE_SQL_SLOTS_MAX);
	/* Two threads may race on a statement's first use; one slot wins and
	 * the other is simply never used. */
	if (!atomic_compare_exchange_strong(&sql->slot, &expected, fresh))
		fresh = expected;
	return fresh - 1;
}

/* ---- Placeholders ------------------------------------------------------ */

bool store_sql_dollar(const char *text, char *out, size_t size)
{
	size_t len = strlen(text);
	bool quoted = false;

	if (len >= size)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char ch = text[i];

		/* A '?' inside a string literal is text, not a placeholder;
		 * a doubled quote inside a literal toggles twice. */
		if (ch == '\'')
			quoted = !quoted;
		else if (ch == '?' && !quoted && text[i + 1] >= '1' && text[i + 1] <= '9')
			ch = '$';
		out[i] = ch;
	}
	return true;
}

/* ---- Binding ------------------------------------------------------------ */

void store_bind_enum(struct store_stmt *st, int idx, const struct store_enum *e, int value)
{
	assert(value >= 0 && value < e->count && e->names[value]);
	st->drv->bind_text(st, idx, e->names[value]);
}

/* ---- Running ------------------------------------------------------------ */

enum og_err store_run(struct store_stmt *st, int64_t *changed)
{
	enum og_err rc;

	if (changed)
		*changed = 0;
	/* A statement run for its effect may still yield rows (a function
	 * called for its side effect); they are passed over. */
	do {
		rc = st->drv->step(st);
	} while (rc == OG_OK);
	if (rc == OG_ERR_NOT_FOUND) {
		rc = OG_OK;
		if (changed)
			*changed = st->drv->changes(st);
	}
	st->drv->reset(st);
	return rc;
}

enum og_err store_run_changed(struct store_stmt *st)
{
	int64_t changed = 0;
	enum og_err rc = store_run(st, &changed);

	/* -1: queued in a batch, its count not known (store_sql.h). */
	if (rc == OG_OK && changed == 0)
		rc = OG_ERR_NOT_FOUND;
	return rc;
}

enum og_err store_run_insert(struct store_stmt *st)
{
	int64_t changed = 0;
	enum og_err rc = store_run(st, &changed);

	if (rc == OG_OK && changed == 0)
		rc = OG_ERR_CONFLICT;
	return rc;
}

enum og_err store_fetch(struct store_stmt *st, store_read_fn read, void *record)
{
	struct store_row r;
	enum og_err rc;

	rc = st->drv->step(st);
	if (rc == OG_OK) {
		store_row_init(&r, st);
		read(&r, record);
		rc = r.rc;
	}
	st->drv->reset(st);
	return rc;
}

/* Reads up to max rows; with all, one row more is an error. */
static enum og_err store_collect_rows(struct store_stmt *st, store_read_fn read, void *records,
				      size_t record_size, size_t max, bool all, size_t *n)
{
	unsigned char *next = records;
	struct store_row r;
	enum og_err rc = OG_OK;
	size_t count = 0;

	while (count < max) {
		rc = st->drv->step(st);
		if (rc != OG_OK)
			break;
		store_row_init(&r, st);
		read(&r, next);
		rc = r.rc;
		if (rc != OG_OK)
			break;
		next += record_size;
		count++;
	}
	if (count == max && all) {
		rc = st->drv->step(st);
		if (rc == OG_OK) {
			log_warn("store.list_too_long", "{s:I}", "max", (json_int_t)max);
			rc = OG_ERR_STORE;
		}
	}
	if (rc == OG_ERR_NOT_FOUND)
		rc = OG_OK;
	*n = rc == OG_OK ? count : 0;
	st->drv->reset(st);
	return rc;
}

enum og_err store_collect(struct store_stmt *st, store_read_fn read, void *records,
			  size_t record_size, size_t max, size_t *n)
{
	return store_collect_rows(st, read, records, record_size, max, false, n);
}

enum og_err store_collect_all(struct store_stmt *st, store_read_fn read, void *records,
			      size_t record_size, size_t max, size_t *n)
{
	return store_collect_rows(st, read, records, record_size, max, true, n);
}

enum og_err store_ints(struct store_stmt *st, int64_t *a, int64_t *b)
{
	struct store_row r;
	enum og_err rc;

	rc = st->drv->step(st);
	if (rc == OG_ERR_NOT_FOUND)
		rc = OG_ERR_STORE; /* an aggregate always yields a row */
	if (rc == OG_OK) {
		store_row_init(&r, st);
		*a = store_row_int64(&r);
		if (b)
			*b = store_row_int64(&r);
		rc = r.rc;
	}
	st->drv->reset(st);
	return rc;
}

/* Reads one integer column into the int64_t that record points at. */
static void store_int_read(struct store_row *r, void *record)
{
	*(int64_t *)record = store_row_int64(r);
}

enum og_err store_fetch_int(struct store_stmt *st, int64_t *out)
{
	*out = 0;
	return store_fetch(st, store_int_read, out);
}

enum og_err store_each(struct store_stmt *st, store_read_fn read, void *record,
		       enum og_err (*fn)(void *arg, const void *record), void *arg)
{
	struct store_row r;
	enum og_err rc;

	for (;;) {
		rc = st->drv->step(st);
		if (rc != OG_OK)
			break;
		store_row_init(&r, st);
		read(&r, record);
		rc = r.rc;
		if (rc == OG_OK)
			rc = fn(arg, record);
		if (rc != OG_OK)
			break;
	}
	if (rc == OG_ERR_NOT_FOUND)
		rc = OG_OK;
	st->drv->reset(st);
	return rc;
}

/* ---- Reading ------------------------------------------------------------ */

void store_row_init(struct store_row *r, struct store_stmt *st)
{
	r->st = st;
	r->col = 0;
	r->rc = OG_OK;
}

void store_row_fail(struct store_row *r, const char *why)
{
	const char *col = r->st->drv->column_name(r->st, r->col);

	log_warn("store.bad_column", "{s:s, s:s, s:s}", "driver", r->st->drv->name, "column",
		 col ? col : "", "problem", why);
	r->rc = OG_ERR_STORE;
}

void store_row_text_sized(struct store_row *r, char *dst, size_t size)
{
	assert(size > 0);
	if (r->rc != OG_OK)
		return;
	if (r->st->drv->column_text(r->st, r->col, dst, size) != OG_OK) {
		dst[0] = '\0';
		store_row_fail(r, "text longer than its field");
		return;
	}
	r->col++;
}

void store_row_blob(struct store_row *r, unsigned char *dst, size_t size, size_t *len)
{
	*len = 0;
	if (r->rc != OG_OK)
		return;
	if (r->st->drv->column_blob(r->st, r->col, dst, size, len) != OG_OK) {
		*len = 0;
		store_row_fail(r, "blob longer than its field");
		return;
	}
	r->col++;
}

void store_row_blob_exact(struct store_row *r, unsigned char *dst, size_t size)
{
	size_t len = 0;

	if (r->rc != OG_OK)
		return;
	if (r->st->drv->column_blob(r->st, r->col, dst, size, &len) != OG_OK || len != size) {
		store_row_fail(r, "blob of the wrong length");
		return;
	}
	r->col++;
}

int64_t store_row_int64(struct store_row *r)
{
	int64_t v = 0;

	if (r->rc != OG_OK)
		return 0;
	if (r->st->drv->column_int64(r->st, r->col, &v) != OG_OK) {
		store_row_fail(r, "not an integer");
		return 0;
	}
	r->col++;
	return v;
}

int store_row_int(struct store_row *r)
{
	int64_t v;

	if (r->rc != OG_OK)
		return 0;
	v = store_row_int64(r);
	if (r->rc == OG_OK && (v < INT_MIN || v > INT_MAX)) {
		r->col--; /* name the column just read */
		store_row_fail(r, "integer out of range");
		return 0;
	}
	return (int)v;
}

bool store_row_is_null(const struct store_row *r)
{
	return r->rc == OG_OK && r->st->drv->column_null(r->st, r->col);
}

void store_row_skip(struct store_row *r)
{
	if (r->rc == OG_OK)
		r->col++;
}

int store_row_enum(struct store_row *r, const struct store_enum *e)
{
	char name[STORE_ENUM_NAME_MAX];

	store_row_text(r, name);
	if (r->rc != OG_OK)
		return 0;
	for (int i = 0; i < e->count; i++) {
		if (e->names[i] && strcmp(e->names[i], name) == 0)
			return i;
	}
	r->col--; /* name the column just read */
	store_row_fail(r, "unknown enum name");
	return 0;
}
