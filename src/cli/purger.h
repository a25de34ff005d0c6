/*
 * The background purge job of `otpgate serve` (docs/SECURITY.md SEC-26): a
 * thread of its own that runs retention_purge once at start and then every
 * interval, with a bounded number of write transactions per run so it never
 * competes with live traffic for long; a run cut short by that bound is
 * continued after a short pause rather than a whole interval later.
 */
#ifndef OG_PURGER_H
#define OG_PURGER_H

#include "domain/domain.h"

#define PURGER_BATCHES_PER_RUN 200 /* write transactions per run, RETENTION_BATCH_ROWS rows each */
#define PURGER_CONTINUE_MS 1000    /* pause before continuing a run that was cut short */

struct purger;

/** Starts the job; interval_sec 0 starts nothing and sets *out to NULL. */
enum og_err purger_start(struct store *s, const struct domain *d, int interval_sec,
			 struct purger **out);

/** Stops the job (waiting for a batch in progress) and frees it; p may be NULL. */
void purger_stop(struct purger *p);

#endif
