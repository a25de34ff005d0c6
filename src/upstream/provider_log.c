/*
 * The log provider, the developer default: it "sends" an SMS by appending one
 * JSON line to the --sms-log file (or stdout), with the time, tenant,
 * message id, the full destination number, sender header, PE-ID, DLT
 * template id and rendered text. That file is the simulated handset, so
 * unlike a log line on stderr it carries the number unmasked and the code in
 * the text; it is created with mode 0600 for that reason. Every message is
 * accepted, unless the line cannot be written.
 */
#include "upstream/upstream.h"

#include "base/clock.h"
#include "base/log.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROVIDER_LOG_ID_PREFIX "log-"

_Static_assert(sizeof PROVIDER_LOG_ID_PREFIX - 1 + STORE_ID_MAX <= STORE_PROVIDER_MSG_ID_MAX,
	       "a log provider message id must fit the message record");

struct provider_log_instance {
	pthread_mutex_t lock; /* one line at a time, whoever calls */
	FILE *out;
	bool owns_out; /* false for stdout, which is not ours to close */
};

static enum og_err provider_log_new(const struct upstream_options *o, void **out)
{
	struct provider_log_instance *inst = NULL;
	enum og_err rc = OG_OK;
	int fd = -1;

	inst = calloc(1, sizeof *inst);
	if (!inst) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	if (o->sms_log_path && o->sms_log_path[0]) {
		fd = open(o->sms_log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd < 0) {
			log_error("sms.log_open_failed", "{s:s, s:s}", "path", o->sms_log_path,
				  "reason", strerror(errno));
			rc = OG_ERR_IO;
			goto out;
		}
		inst->out = fdopen(fd, "a");
		if (!inst->out) {
			rc = OG_ERR_IO;
			goto out;
		}
		fd = -1; /* the FILE owns it now */
		inst->owns_out = true;
	} else {
		inst->out = stdout;
	}
	pthread_mutex_init(&inst->lock, NULL);
	*out = inst;
	inst = NULL;
out:
	if (fd >= 0)
		close(fd);
	free(inst);
	return rc;
}

static void provider_log_free(void *p)
{
	struct provider_log_instance *inst = p;

	if (!inst)
		return;
	if (inst->owns_out)
		fclose(inst->out);
	else
		fflush(inst->out);
	pthread_mutex_destroy(&inst->lock);
	free(inst);
}

static void provider_log_deliver(void *p, const struct upstream_request *rq,
				 struct upstream_result *res)
{
	struct provider_log_instance *inst = p;
	char ts[CLOCK_ISO_MAX];
	json_t *line = NULL;
	char *text = NULL;
	int written;

	assert(inst && rq && res);
	assert(rq->tenant_id && rq->message_id && rq->to && rq->sender_header && rq->pe_id &&
	       rq->dlt_template_id && rq->text);
	memset(res, 0, sizeof *res);
	clock_format_iso(clock_now_ms(), ts);
	line = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ts", ts, "tenant_id",
			 rq->tenant_id, "message_id", rq->message_id, "to", rq->to,
			 "sender_header", rq->sender_header, "pe_id", rq->pe_id,
			 "dlt_template_id", rq->dlt_template_id, "text", rq->text);
	if (line)
		text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text) {
		/* Only invalid UTF-8 or memory exhaustion gets here; retrying
		 * may help with the latter and costs little with the former. */
		upstream_fail(res, UPSTREAM_TRANSIENT, "sms log line could not be built");
		goto out;
	}
	pthread_mutex_lock(&inst->lock);
	written = fprintf(inst->out, "%s\n", text);
	if (fflush(inst->out) != 0)
		written = -1;
	pthread_mutex_unlock(&inst->lock);
	if (written < 0) {
		upstream_fail(res, UPSTREAM_TRANSIENT, "sms log write failed");
		goto out;
	}
	res->verdict = UPSTREAM_ACCEPTED;
	written = snprintf(res->provider_message_id, sizeof res->provider_message_id, "%s%s",
			   PROVIDER_LOG_ID_PREFIX, rq->message_id);
	assert(written > 0 && (size_t)written < sizeof res->provider_message_id);
out:
	free(text);
	json_decref(line);
}

const struct upstream_provider provider_log = {
	.name = "log",
	.instance_new = provider_log_new,
	.instance_free = provider_log_free,
	.deliver = provider_log_deliver,
};
