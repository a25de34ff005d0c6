/*
 * JSON-lines logging to stderr. Each line is built whole and written with a
 * single write(2), so lines from concurrent threads never interleave.
 */
#include "base/log.h"

#include "base/clock.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_int log_min_level = LOG_INFO;

static const char *const log_level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level level) { atomic_store(&log_min_level, (int)level); }

void log_event(enum log_level level, const char *event, const char *fmt, ...)
{
	json_t *line = NULL;
	json_t *fields = NULL;
	char *text = NULL;
	char ts[CLOCK_ISO_MAX];

	if ((int)level < atomic_load(&log_min_level))
		return;
	clock_format_iso(clock_now_ms(), ts);
	line = json_pack("{s:s, s:s, s:s}", "ts", ts, "level", log_level_names[level], "event",
			 event);
	if (!line)
		goto out;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		fields = json_vpack_ex(NULL, 0, fmt, ap);
		va_end(ap);
		if (fields)
			json_object_update(line, fields);
	}
	text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text) {
		size_t len = strlen(text);
		text[len] = '\n'; /* replaces the NUL; the write below is length-bounded */
		/* A failed write to stderr has nowhere better to be reported. */
		ssize_t unused = write(STDERR_FILENO, text, len + 1);
		(void)unused;
	}
out:
	free(text);
	json_decref(fields);
	json_decref(line);
}
