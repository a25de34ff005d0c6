/*
 * Audit entries. Text that does not fit its column is an error, never a
 * silent cut: an audit entry that says less than what happened is worse
 * than a refused change.
 */
#include "domain/audit.h"

#include <assert.h>
#include <string.h>

const struct audit_actor audit_cli = {STORE_ACTOR_CLI, "", ""};

static const char *const audit_actor_kind_names[] = {
	[STORE_ACTOR_ADMIN] = "admin",
	[STORE_ACTOR_SEND] = "send",
	[STORE_ACTOR_TENANT] = "tenant",
	[STORE_ACTOR_CLI] = "cli",
};

const char *audit_actor_kind_name(int kind)
{
	assert(kind >= STORE_ACTOR_ADMIN && kind <= STORE_ACTOR_CLI);
	return audit_actor_kind_names[kind];
}

static bool audit_copy(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);
	if (len >= size)
		return false;
	memcpy(dst, src, len + 1);
	return true;
}

enum og_err audit_write(const struct domain *d, struct store_conn *c,
			const struct audit_actor *who, const char *action, const char *tenant_id,
			const char *target_id, const char *detail)
{
	struct store_audit a;

	assert(who && action && tenant_id && target_id);
	memset(&a, 0, sizeof a);
	a.created_at_ms = domain_now_ms(d);
	rnd_id("aud", a.created_at_ms, a.id);
	a.actor_kind = who->kind;
	if (!audit_copy(a.tenant_id, sizeof a.tenant_id, tenant_id) ||
	    !audit_copy(a.actor_key_id, sizeof a.actor_key_id, who->key_id) ||
	    !audit_copy(a.actor_ip, sizeof a.actor_ip, who->ip) ||
	    !audit_copy(a.action, sizeof a.action, action) ||
	    !audit_copy(a.target_id, sizeof a.target_id, target_id) ||
	    !audit_copy(a.detail, sizeof a.detail, detail ? detail : "{}"))
		return OG_ERR_INTERNAL;
	return store_audit_insert(c, &a);
}

enum og_err audit_list(const struct domain *d, struct store_conn *c, const char *tenant_id,
		       const char *before_id, size_t limit, struct store_audit *out, size_t *n)
{
	(void)d;
	assert(limit >= 1 && limit <= STORE_PAGE_MAX);
	return store_audit_list(c, tenant_id, before_id, limit, out, n);
}
