/*
 * Structured logs: one JSON object per line on stderr. Fields are given as a
 * jansson pack format, so a log call can never produce malformed JSON. Phone
 * numbers must be masked with phone_mask() before they are passed here, and
 * codes, keys and credentials are never passed at all.
 */
#ifndef OG_LOG_H
#define OG_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/** Sets the lowest level that is written; the default is LOG_INFO. */
void log_set_level(enum log_level level);

/** Writes {"ts","level","event",...fields} where fields is a json_pack object format or NULL. */
void log_event(enum log_level level, const char *event, const char *fmt, ...);

#define log_info(event, ...) log_event(LOG_INFO, event, __VA_ARGS__)
#define log_warn(event, ...) log_event(LOG_WARN, event, __VA_ARGS__)
#define log_error(event, ...) log_event(LOG_ERROR, event, __VA_ARGS__)

#endif
