/*
 * A failing driver for the store's fault-injection tests, built into the
 * tests only: it wraps the real driver of an open store (store_sql.h), the
 * way SQLite's test VFS wraps the real one, counts every call that reaches
 * the database (begin, commit, lock, prepare, step, batch_end) while armed,
 * and fails the Nth with the error asked for. A commit can also be failed
 * after it has committed (the client's "connection lost" with the work
 * done), the outcome a real network gives when the reply to COMMIT is lost.
 * One store per process can be wrapped.
 */
#ifndef OG_STORE_FAULT_H
#define OG_STORE_FAULT_H

#include "store/store_sql.h"

#include <stdbool.h>

enum store_fault_kind {
	STORE_FAULT_BUSY,       /* the database stayed locked (OG_ERR_BUSY) */
	STORE_FAULT_IO,         /* a disk or server error (OG_ERR_STORE) */
	STORE_FAULT_LOST,       /* the connection dropped (OG_ERR_UNAVAILABLE) */
	STORE_FAULT_LOST_AFTER, /* as LOST, but a commit so failed has committed */
	STORE_FAULT__COUNT
};

/** Makes s's connections, opened from now on, go through the failing driver. */
void store_fault_install(struct store *s);

/** Counts calls from 0 and fails call n (from 1) with kind; n 0 only counts. */
void store_fault_arm(long n, enum store_fault_kind kind);

/** Stops counting and failing. */
void store_fault_disarm(void);

/** The calls counted since the last arm. */
long store_fault_calls(void);

/** True once the armed failure has been delivered. */
bool store_fault_fired(void);

/** The fault kind's name, for messages. */
const char *store_fault_name(enum store_fault_kind kind);

#endif
