/*
 * Re-encryption under a new secret (docs/SECURITY.md SEC-03). Every sealed
 * column (store_sealed_kind) is walked in batches, one write transaction
 * each: a value that opens under the new secret is already done, one that
 * opens under the old is sealed again under the new, and the phone hash of
 * a row whose seal holds its number (OTP contexts, test numbers) is
 * recomputed under the new secret in the same transaction. So a run stopped
 * at any point (a crash, kill -9) leaves every row readable under one of the
 * two secrets, and running it again finishes the job.
 */
#ifndef OG_REKEY_H
#define OG_REKEY_H

#include "domain/domain.h"

#define REKEY_BATCH_ROWS 100 /* rows per transaction; at most STORE_PAGE_MAX */
#define REKEY_AD_MAX (STORE_TENANT_ID_MAX + STORE_ID_MAX + 1)

struct rekey_stats {
	int64_t resealed[STORE_SEALED__COUNT];   /* moved from the old secret to the new */
	int64_t current[STORE_SEALED__COUNT];    /* already under the new secret */
	int64_t unreadable[STORE_SEALED__COUNT]; /* open under neither: left as they are */
	int64_t phones_rehashed;
	int64_t batches;
};

/** Called after each committed batch (for progress and crash tests); may be NULL. */
typedef void (*rekey_batch_fn)(void *arg, int64_t batches);

/** Moves every sealed value from `from` to `to`, rehashing phones; see the file comment. */
enum og_err rekey_run(struct store_conn *c, const struct secret *from, const struct secret *to,
		      rekey_batch_fn after_batch, void *arg, struct rekey_stats *out);

/** The associated data a value of kind was sealed with. */
void rekey_ad(int kind, const char *tenant_id, const char *id, char out[REKEY_AD_MAX]);

/** A phone's lookup hash for tenant_id under s: the construction of otp.c, testnum.c, guard.c. */
void rekey_phone_hash(const struct secret *s, const char *tenant_id, const char *phone,
		      unsigned char out[SECRET_HASH_LEN]);

/** Names a kind for logs and the audit trail, e.g. "otp_context". */
const char *rekey_kind_name(int kind);

#endif
