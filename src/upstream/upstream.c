/*
 * The provider registry, and the small helpers every provider shares: bounded
 * UTF-8-safe error text, and the part of classifying a transfer that does not
 * depend on the provider's reply format. This is the only file that names
 * the providers; a new provider is one more line in upstream_providers.
 */
#include "upstream/upstream.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

extern const struct upstream_provider provider_log;
extern const struct upstream_provider provider_startmessaging;

static const struct upstream_provider *const upstream_providers[] = {
	&provider_log,
	&provider_startmessaging,
};

#define UPSTREAM_PROVIDER_COUNT (sizeof upstream_providers / sizeof upstream_providers[0])

_Static_assert(UPSTREAM_PROVIDER_COUNT <= UPSTREAM_PROVIDERS_MAX,
	       "raise UPSTREAM_PROVIDERS_MAX");

const struct upstream_provider *upstream_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < UPSTREAM_PROVIDER_COUNT; i++) {
		if (strcmp(upstream_providers[i]->name, name) == 0)
			return upstream_providers[i];
	}
	return NULL;
}

enum og_err upstream_set_open(const struct upstream_options *o, struct upstream_set *out)
{
	enum og_err rc = OG_OK;

	assert(o && out);
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < UPSTREAM_PROVIDER_COUNT; i++) {
		const struct upstream_provider *p = upstream_providers[i];
		void *inst = NULL;

		/* A provider is either synchronous or HTTP, never neither. */
		assert(p->deliver || (p->prepare && p->classify));
		if (p->instance_new) {
			rc = p->instance_new(o, &inst);
			if (rc != OG_OK)
				goto out;
		}
		out->provider[out->count] = p;
		out->instance[out->count] = inst;
		out->count++;
	}
out:
	if (rc != OG_OK)
		upstream_set_close(out);
	return rc;
}

void upstream_set_close(struct upstream_set *s)
{
	if (!s)
		return;
	/* Reverse order, so a provider is freed before any opened ahead of it. */
	while (s->count > 0) {
		s->count--;
		if (s->provider[s->count]->instance_free)
			s->provider[s->count]->instance_free(s->instance[s->count]);
		s->provider[s->count] = NULL;
		s->instance[s->count] = NULL;
	}
}

bool upstream_set_find(const struct upstream_set *s, const char *name,
		       const struct upstream_provider **p, void **inst)
{
	assert(s && p && inst);
	if (!name)
		return false;
	for (size_t i = 0; i < s->count; i++) {
		if (strcmp(s->provider[i]->name, name) == 0) {
			*p = s->provider[i];
			*inst = s->instance[i];
			return true;
		}
	}
	return false;
}

/* Returns the length of the valid UTF-8 sequence at s (at most avail bytes),
 * or 0 if the bytes there are not one. */
static size_t upstream_utf8_len(const unsigned char *s, size_t avail)
{
	size_t need;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (need > avail)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return need;
}

/* The text ends up in the message record and in JSON answers, which must be
 * valid UTF-8; so a cut never splits a character, invalid bytes become '?',
 * and control characters become spaces so a reply cannot forge log lines. */
void upstream_text_copy(char *dst, size_t max, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0;
	size_t o = 0;

	assert(dst && max > 0);
	while (src && i < len && s[i] != '\0') {
		size_t n = upstream_utf8_len(s + i, len - i);

		if (n == 0) {
			if (o + 1 >= max)
				break;
			dst[o++] = '?';
			i++;
			continue;
		}
		if (o + n >= max)
			break;
		if (n == 1 && (s[i] < 0x20 || s[i] == 0x7f))
			dst[o] = ' ';
		else
			memcpy(dst + o, s + i, n);
		o += n;
		i += n;
	}
	dst[o] = '\0';
}

void upstream_fail(struct upstream_result *res, int verdict, const char *fmt, ...)
{
	char text[STORE_ERROR_TEXT_MAX];
	va_list ap;
	int n;

	assert(res && verdict != UPSTREAM_ACCEPTED);
	res->verdict = verdict;
	res->provider_message_id[0] = '\0';
	va_start(ap, fmt);
	n = vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (n < 0)
		text[0] = '\0';
	upstream_text_copy(res->error, sizeof res->error, text, strlen(text));
}

bool upstream_classify_common(const struct upstream_response *rsp, struct upstream_result *res)
{
	assert(rsp && res);
	res->http_status = rsp->http_status;
	if (rsp->curl_code == CURLE_OK && rsp->http_status > 0)
		return false;
	/* No usable reply: a refused connection, a DNS failure, a timeout or a
	 * broken transfer. Each may clear up, so each is retried. */
	upstream_fail(res, UPSTREAM_TRANSIENT, "upstream unreachable: %s",
		      rsp->curl_error && rsp->curl_error[0] ? rsp->curl_error
							    : curl_easy_strerror(rsp->curl_code));
	return true;
}
