/*
 * Test numbers (docs/SECURITY.md ABUSE-09): phone numbers a tenant registers
 * with a fixed code, so its developers and app-store reviewers can log in
 * without a real SMS. A send to one reaches no upstream, costs nothing and
 * is marked test in the message log; verify accepts the fixed code. The
 * number and the code are sealed at rest, found by the phone's keyed hash.
 */
#ifndef OG_TESTNUM_H
#define OG_TESTNUM_H

#include "domain/audit.h"
#include "domain/domain.h"

#define TESTNUM_PER_TENANT_MAX 100

/** Registers a test number; 422 invalid_phone, 400 code, 409 if it exists, 404 tenant. */
enum og_err testnum_add(const struct domain *d, struct store_conn *c,
			const struct audit_actor *who, const char *tenant_id, const char *phone,
			const char *code, struct store_test_number *out, struct og_detail *det);

/** Lists the tenant's test numbers by id after after_id. */
enum og_err testnum_list(const struct domain *d, struct store_conn *c, const char *tenant_id,
			 const char *after_id, size_t limit, struct store_test_number *out,
			 size_t *n);

/** Removes a test number named by its id or its E.164 phone; 404 if none. */
enum og_err testnum_remove(const struct domain *d, struct store_conn *c,
			   const struct audit_actor *who, const char *tenant_id, const char *ref);

/** Looks phone up among the tenant's test numbers; *found with its code. */
enum og_err testnum_lookup(const struct domain *d, struct store_conn *c, const char *tenant_id,
			   const char *phone, bool *found, char code[RND_CODE_LEN_MAX + 1]);

#endif
