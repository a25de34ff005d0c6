/*
 * Address and block parsing with inet_pton, and prefix matching on the raw
 * bytes. Text is never compared as text: "::1" and "0:0::1" are one
 * address, and only the bytes say so.
 */
#include "base/cidr.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const unsigned char cidr_v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool cidr_parse_addr(const char *text, struct cidr *out)
{
	unsigned char buf[CIDR_ADDR_LEN];

	memset(out, 0, sizeof *out);
	if (!text || strnlen(text, CIDR_TEXT_MAX) >= CIDR_TEXT_MAX)
		return false;
	if (inet_pton(AF_INET, text, buf) == 1) {
		out->family = AF_INET;
		memcpy(out->addr, buf, 4);
		out->bits = 32;
		return true;
	}
	if (inet_pton(AF_INET6, text, buf) != 1)
		return false;
	if (memcmp(buf, cidr_v4_mapped, sizeof cidr_v4_mapped) == 0) {
		out->family = AF_INET;
		memcpy(out->addr, buf + 12, 4);
		out->bits = 32;
		return true;
	}
	out->family = AF_INET6;
	memcpy(out->addr, buf, CIDR_ADDR_LEN);
	out->bits = 128;
	return true;
}

/* Clears every bit past the prefix. */
static void cidr_mask(struct cidr *c)
{
	int len = c->family == AF_INET ? 4 : 16;

	for (int i = 0; i < len; i++) {
		int keep = c->bits - i * 8;
		if (keep >= 8)
			continue;
		c->addr[i] &= keep <= 0 ? 0 : (unsigned char)(0xff << (8 - keep));
	}
}

bool cidr_parse(const char *text, struct cidr *out)
{
	char addr[CIDR_TEXT_MAX];
	const char *slash;
	char *end = NULL;
	long bits;
	size_t len;

	if (!text)
		return false;
	slash = strchr(text, '/');
	if (!slash)
		return cidr_parse_addr(text, out);
	len = (size_t)(slash - text);
	if (len == 0 || len >= sizeof addr)
		return false;
	memcpy(addr, text, len);
	addr[len] = '\0';
	if (!cidr_parse_addr(addr, out))
		return false;
	if (slash[1] < '0' || slash[1] > '9')
		return false;
	errno = 0;
	bits = strtol(slash + 1, &end, 10);
	/* The length is read in the notation the block was written in. */
	if (errno != 0 || *end != '\0' || bits < 0 || bits > (strchr(addr, ':') ? 128 : 32))
		return false;
	/* A mapped address written with a v6 prefix length counts from bit 96. */
	if (out->family == AF_INET && strchr(addr, ':')) {
		if (bits < 96)
			return false;
		bits -= 96;
	}
	out->bits = (int)bits;
	cidr_mask(out);
	return true;
}

bool cidr_list_parse(const char *text, struct cidr_list *out)
{
	char item[CIDR_TEXT_MAX];
	const char *p = text;

	memset(out, 0, sizeof *out);
	if (!text || strnlen(text, CIDR_LIST_TEXT_MAX) >= CIDR_LIST_TEXT_MAX)
		return false;
	while (*p) {
		size_t len = strcspn(p, ",");
		const char *start = p;
		while (len > 0 && *start == ' ') {
			start++;
			len--;
		}
		while (len > 0 && start[len - 1] == ' ')
			len--;
		if (len == 0 || len >= sizeof item || out->count == CIDR_LIST_MAX)
			return false;
		memcpy(item, start, len);
		item[len] = '\0';
		if (!cidr_parse(item, &out->items[out->count]))
			return false;
		out->count++;
		p += strcspn(p, ",");
		if (*p == ',') {
			p++;
			if (!*p)
				return false; /* a trailing comma is a typo, not an empty block */
		}
	}
	return true;
}

bool cidr_contains(const struct cidr *c, const char *addr_text)
{
	struct cidr a;

	if (!cidr_parse_addr(addr_text, &a) || a.family != c->family)
		return false;
	a.bits = c->bits;
	cidr_mask(&a);
	return memcmp(a.addr, c->addr, CIDR_ADDR_LEN) == 0;
}

bool cidr_list_contains(const struct cidr_list *l, const char *addr_text)
{
	for (size_t i = 0; i < l->count && i < CIDR_LIST_MAX; i++)
		if (cidr_contains(&l->items[i], addr_text))
			return true;
	return false;
}

bool cidr_client_key(const char *addr_text, char out[CIDR_TEXT_MAX])
{
	struct cidr a;
	char text[INET6_ADDRSTRLEN];

	out[0] = '\0';
	if (!cidr_parse_addr(addr_text, &a))
		return false;
	if (a.family == AF_INET) {
		if (!inet_ntop(AF_INET, a.addr, text, sizeof text))
			return false;
		memcpy(out, text, strlen(text) + 1);
		return true;
	}
	/* Anyone with one IPv6 address can use the rest of its /64, so the
	 * /64 is the client; counting single addresses would count nothing. */
	a.bits = CIDR_IPV6_CLIENT_BITS;
	cidr_mask(&a);
	if (!inet_ntop(AF_INET6, a.addr, text, sizeof text))
		return false;
	assert(strlen(text) + sizeof "/64" <= CIDR_TEXT_MAX);
	snprintf(out, CIDR_TEXT_MAX, "%s/%d", text, CIDR_IPV6_CLIENT_BITS);
	return true;
}
