/*
 * Process metrics in Prometheus text format: labelled counters and one
 * latency histogram per name. Series live in a fixed table; when it is full
 * a new series is dropped and counted, never allocated without bound.
 */
#ifndef OG_METRICS_H
#define OG_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_SERIES_MAX 512
#define METRICS_NAME_MAX 64
#define METRICS_LABELS_MAX 160 /* the text between braces, e.g. route="/v1/x",status="200" */
#define METRICS_BUCKETS 12

/** Adds by to the counter name{labels}; labels may be "" and must be pre-escaped. */
void metrics_count(const char *name, const char *labels, int64_t by);

/** Records an observation in ms in the histogram name{labels}. */
void metrics_observe_ms(const char *name, const char *labels, double ms);

/** Sets the gauge name{labels}. */
void metrics_gauge(const char *name, const char *labels, int64_t value);

/** Declares the HELP and TYPE of a metric family (once, before use). */
void metrics_describe(const char *name, const char *type, const char *help);

/** Renders every series; returns a malloc'd string the caller frees, or NULL. */
char *metrics_render(void);

#endif
