/*
 * Message log reads, scoped by tenant.
 */
#include "domain/message.h"

#include <assert.h>
#include <string.h>

static const char *const message_status_names[] = {
	[STORE_MSG_QUEUED] = "queued",
	[STORE_MSG_SENDING] = "sending",
	[STORE_MSG_SENT] = "sent",
	[STORE_MSG_FAILED] = "failed",
};

const char *message_status_name(int status)
{
	assert(status >= STORE_MSG_QUEUED && status <= STORE_MSG_FAILED);
	return message_status_names[status];
}

int message_status_parse(const char *name)
{
	for (int i = STORE_MSG_QUEUED; i <= STORE_MSG_FAILED; i++)
		if (strcmp(message_status_names[i], name) == 0)
			return i;
	return -1;
}

enum og_err message_get(const struct domain *d, struct store_conn *c, const char *tenant_id,
			const char *id, struct store_message *out)
{
	(void)d;
	if (strlen(id) >= STORE_ID_MAX)
		return OG_ERR_NOT_FOUND;
	if (!tenant_id)
		return store_message_get_any(c, id, out);
	return store_message_get(c, tenant_id, id, out);
}

enum og_err message_list(const struct domain *d, struct store_conn *c,
			 const struct store_message_filter *f, struct store_message *out,
			 size_t *n)
{
	(void)d;
	assert(f->limit >= 1 && f->limit <= STORE_PAGE_MAX);
	return store_message_list(c, f, out, n);
}
