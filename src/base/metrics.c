/*
 * A fixed table of METRICS_SERIES_MAX series (counters, gauges and latency
 * histograms) under one mutex, found through a small open-addressing index
 * so the per-request update is a hash and a compare, and rendered in the
 * Prometheus text format. A series that does not fit is dropped and counted
 * in otpgate_metrics_dropped_total rather than allocated: label values come
 * from bounded sets (route patterns, statuses, providers), so a full table
 * means a bug, and the counter makes that bug visible.
 */
#include "base/metrics.h"

#include <assert.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_FAMILIES_MAX 64
#define METRICS_TYPE_MAX 12            /* "histogram" plus NUL */
#define METRICS_HELP_MAX 160
#define METRICS_INDEX_SIZE 1024        /* a power of two, at least twice the series */
#define METRICS_RENDER_MAX (4u << 20)  /* the rendered page may not grow past this */
#define METRICS_RENDER_CHUNK 16384

_Static_assert(METRICS_INDEX_SIZE >= 2 * METRICS_SERIES_MAX, "index must stay sparse");
_Static_assert((METRICS_INDEX_SIZE & (METRICS_INDEX_SIZE - 1)) == 0, "index size power of 2");

enum metrics_kind { METRICS_COUNTER, METRICS_GAUGE, METRICS_HISTOGRAM };

/* Upper bounds of the histogram buckets in ms; the last bucket is +Inf. */
static const double metrics_bounds_ms[METRICS_BUCKETS - 1] = {1,   2,   5,   10,   25,  50,
							       100, 250, 500, 1000, 2500};

struct metrics_series {
	char name[METRICS_NAME_MAX];
	char labels[METRICS_LABELS_MAX];
	int kind;                         /* enum metrics_kind */
	int64_t value;                    /* counters and gauges */
	uint64_t buckets[METRICS_BUCKETS]; /* histograms: count per bucket, not cumulative */
	double sum_ms;
	uint64_t count;
};

struct metrics_family {
	char name[METRICS_NAME_MAX];
	char type[METRICS_TYPE_MAX];
	char help[METRICS_HELP_MAX];
};

static pthread_mutex_t metrics_lock = PTHREAD_MUTEX_INITIALIZER;
static struct metrics_series metrics_series[METRICS_SERIES_MAX];
static size_t metrics_series_count;
static short metrics_index[METRICS_INDEX_SIZE]; /* series index + 1; 0 is empty */
static struct metrics_family metrics_families[METRICS_FAMILIES_MAX];
static size_t metrics_family_count;
static int64_t metrics_dropped;

static uint32_t metrics_hash(const char *name, const char *labels)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ 0xffu) * 16777619u; /* separates name from labels */
	for (const char *p = labels; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

/* With the lock held: finds or creates the series; NULL (counted) if it
 * cannot exist, because the table is full or a name or label set is too long. */
static struct metrics_series *metrics_find(const char *name, const char *labels, int kind)
{
	size_t slot = metrics_hash(name, labels) & (METRICS_INDEX_SIZE - 1);
	struct metrics_series *s;

	assert(name && labels);
	for (;;) {
		short at = metrics_index[slot];
		if (at == 0)
			break;
		s = &metrics_series[at - 1];
		if (strcmp(s->name, name) == 0 && strcmp(s->labels, labels) == 0) {
			assert(s->kind == kind); /* one name, one type */
			return s->kind == kind ? s : NULL;
		}
		slot = (slot + 1) & (METRICS_INDEX_SIZE - 1);
	}
	if (metrics_series_count == METRICS_SERIES_MAX || strlen(name) >= METRICS_NAME_MAX ||
	    strlen(labels) >= METRICS_LABELS_MAX) {
		metrics_dropped++;
		return NULL;
	}
	s = &metrics_series[metrics_series_count];
	memset(s, 0, sizeof *s);
	memcpy(s->name, name, strlen(name) + 1);
	memcpy(s->labels, labels, strlen(labels) + 1);
	s->kind = kind;
	metrics_index[slot] = (short)(++metrics_series_count);
	return s;
}

void metrics_count(const char *name, const char *labels, int64_t by)
{
	struct metrics_series *s;

	pthread_mutex_lock(&metrics_lock);
	s = metrics_find(name, labels, METRICS_COUNTER);
	if (s)
		s->value += by;
	pthread_mutex_unlock(&metrics_lock);
}

void metrics_gauge(const char *name, const char *labels, int64_t value)
{
	struct metrics_series *s;

	pthread_mutex_lock(&metrics_lock);
	s = metrics_find(name, labels, METRICS_GAUGE);
	if (s)
		s->value = value;
	pthread_mutex_unlock(&metrics_lock);
}

void metrics_observe_ms(const char *name, const char *labels, double ms)
{
	struct metrics_series *s;
	size_t b = 0;

	while (b < METRICS_BUCKETS - 1 && ms > metrics_bounds_ms[b])
		b++;
	pthread_mutex_lock(&metrics_lock);
	s = metrics_find(name, labels, METRICS_HISTOGRAM);
	if (s) {
		s->buckets[b]++;
		s->sum_ms += ms;
		s->count++;
	}
	pthread_mutex_unlock(&metrics_lock);
}

void metrics_describe(const char *name, const char *type, const char *help)
{
	struct metrics_family *f;

	assert(name && type && help);
	pthread_mutex_lock(&metrics_lock);
	for (size_t i = 0; i < metrics_family_count; i++)
		if (strcmp(metrics_families[i].name, name) == 0)
			goto out; /* described already: the first description stands */
	if (metrics_family_count == METRICS_FAMILIES_MAX || strlen(name) >= METRICS_NAME_MAX ||
	    strlen(type) >= METRICS_TYPE_MAX || strlen(help) >= METRICS_HELP_MAX) {
		metrics_dropped++;
		goto out;
	}
	f = &metrics_families[metrics_family_count++];
	memcpy(f->name, name, strlen(name) + 1);
	memcpy(f->type, type, strlen(type) + 1);
	memcpy(f->help, help, strlen(help) + 1);
out:
	pthread_mutex_unlock(&metrics_lock);
}

/* ---- Rendering ------------------------------------------------------- */

/* A growing text buffer with a hard cap; once anything fails it stays failed. */
struct metrics_text {
	char *p;
	size_t len;
	size_t cap;
	bool failed;
};

__attribute__((format(printf, 2, 3))) static void metrics_printf(struct metrics_text *t,
								 const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->failed)
		return;
	for (;;) {
		size_t room = t->cap - t->len;
		va_start(ap, fmt);
		n = vsnprintf(t->p + t->len, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = true;
			return;
		}
		if ((size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap * 2;
		char *grown;
		if (cap > METRICS_RENDER_MAX || (grown = realloc(t->p, cap)) == NULL) {
			t->failed = true;
			return;
		}
		t->p = grown;
		t->cap = cap;
	}
}

static const char *metrics_kind_type(int kind)
{
	static const char *const types[] = {"counter", "gauge", "histogram"};
	return types[kind];
}

static void metrics_render_header(struct metrics_text *t, const struct metrics_series *s)
{
	for (size_t i = 0; i < metrics_family_count; i++) {
		const struct metrics_family *f = &metrics_families[i];
		if (strcmp(f->name, s->name) == 0) {
			metrics_printf(t, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
				       f->type);
			return;
		}
	}
	metrics_printf(t, "# TYPE %s %s\n", s->name, metrics_kind_type(s->kind));
}

static void metrics_render_series(struct metrics_text *t, const struct metrics_series *s)
{
	const char *sep = s->labels[0] ? "," : "";
	uint64_t cumulative = 0;

	if (s->kind != METRICS_HISTOGRAM) {
		if (s->labels[0])
			metrics_printf(t, "%s{%s} %lld\n", s->name, s->labels, (long long)s->value);
		else
			metrics_printf(t, "%s %lld\n", s->name, (long long)s->value);
		return;
	}
	for (size_t b = 0; b < METRICS_BUCKETS; b++) {
		cumulative += s->buckets[b];
		if (b < METRICS_BUCKETS - 1)
			metrics_printf(t, "%s_bucket{%s%sle=\"%g\"} %llu\n", s->name, s->labels, sep,
				       metrics_bounds_ms[b], (unsigned long long)cumulative);
		else
			metrics_printf(t, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", s->name, s->labels,
				       sep, (unsigned long long)cumulative);
	}
	if (s->labels[0]) {
		metrics_printf(t, "%s_sum{%s} %.3f\n", s->name, s->labels, s->sum_ms);
		metrics_printf(t, "%s_count{%s} %llu\n", s->name, s->labels,
			       (unsigned long long)s->count);
	} else {
		metrics_printf(t, "%s_sum %.3f\n", s->name, s->sum_ms);
		metrics_printf(t, "%s_count %llu\n", s->name, (unsigned long long)s->count);
	}
}

char *metrics_render(void)
{
	struct metrics_text t = {.cap = METRICS_RENDER_CHUNK};
	bool done[METRICS_SERIES_MAX] = {false};

	t.p = malloc(t.cap);
	if (!t.p)
		return NULL;
	t.p[0] = '\0';
	pthread_mutex_lock(&metrics_lock);
	/* Prometheus wants a family's series together, under one header; the
	 * table is in creation order, so each family is gathered here. */
	for (size_t i = 0; i < metrics_series_count; i++) {
		if (done[i])
			continue;
		metrics_render_header(&t, &metrics_series[i]);
		for (size_t j = i; j < metrics_series_count; j++) {
			if (done[j] || strcmp(metrics_series[j].name, metrics_series[i].name) != 0)
				continue;
			metrics_render_series(&t, &metrics_series[j]);
			done[j] = true;
		}
	}
	metrics_printf(&t,
		       "# HELP otpgate_metrics_dropped_total Metric series dropped because the "
		       "table was full.\n# TYPE otpgate_metrics_dropped_total counter\n"
		       "otpgate_metrics_dropped_total %lld\n",
		       (long long)metrics_dropped);
	pthread_mutex_unlock(&metrics_lock);
	if (t.failed) {
		free(t.p);
		return NULL;
	}
	return t.p;
}
