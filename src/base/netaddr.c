/*
 * The address check behind netaddr_is_public: two ordered tables, one per
 * family, of the special-purpose blocks of the IANA registries (RFC 6890
 * and its updates), written as CIDR text and parsed once with cidr_parse so
 * that the table reads like the registries. The first block that contains
 * the address decides. An IPv4 address that no block names is public; an
 * IPv6 address must lie in 2000::/3, the only space IANA allocates as
 * global unicast, so reserved space never needs listing one block at a time.
 */
#include "base/netaddr.h"

#include "base/cidr.h"

#include <assert.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

enum netaddr_verdict {
	NETADDR_REFUSE, /* not public */
	NETADDR_PUBLIC, /* public unicast */
	NETADDR_EMBEDS, /* carries an IPv4 address at embed_at: judge that instead */
};

struct netaddr_range {
	const char *block;            /* CIDR text, as the registry writes it */
	const char *name;             /* static, for logs and errors: the block and what it is */
	enum netaddr_verdict verdict;
	int embed_at;                 /* NETADDR_EMBEDS: byte offset of the IPv4 address */
};

/* The name starts with the block itself, so a log line shows both. */
#define NETADDR_REFUSED(block, what) {block, block " " what, NETADDR_REFUSE, 0}
#define NETADDR_EMBEDDED(block, what, at) {block, block " " what, NETADDR_EMBEDS, at}

static const struct netaddr_range netaddr_v4[] = {
	NETADDR_REFUSED("0.0.0.0/8", "this network"),
	NETADDR_REFUSED("10.0.0.0/8", "private-use"),
	NETADDR_REFUSED("100.64.0.0/10", "shared address space (CGNAT)"),
	NETADDR_REFUSED("127.0.0.0/8", "loopback"),
	/* Cloud metadata services answer at 169.254.169.254: the classic SSRF prize. */
	NETADDR_REFUSED("169.254.0.0/16", "link-local (cloud metadata)"),
	NETADDR_REFUSED("172.16.0.0/12", "private-use"),
	NETADDR_REFUSED("192.0.0.0/24", "IETF protocol assignments"),
	NETADDR_REFUSED("192.0.2.0/24", "documentation (TEST-NET-1)"),
	NETADDR_REFUSED("192.88.99.0/24", "6to4 relay anycast (deprecated)"),
	NETADDR_REFUSED("192.168.0.0/16", "private-use"),
	NETADDR_REFUSED("198.18.0.0/15", "benchmarking"),
	NETADDR_REFUSED("198.51.100.0/24", "documentation (TEST-NET-2)"),
	NETADDR_REFUSED("203.0.113.0/24", "documentation (TEST-NET-3)"),
	NETADDR_REFUSED("224.0.0.0/4", "multicast"),
	/* Before 240/4, which holds it, so the log names the broadcast address. */
	NETADDR_REFUSED("255.255.255.255/32", "limited broadcast"),
	NETADDR_REFUSED("240.0.0.0/4", "reserved"),
	{"0.0.0.0/0", NULL, NETADDR_PUBLIC, 0},
};

/* IPv4-mapped addresses (::ffff:0:0/96) are not in this table: cidr_parse
 * reads them as the IPv4 address they carry, and so does netaddr_is_public,
 * before it looks here. */
static const struct netaddr_range netaddr_v6[] = {
	NETADDR_REFUSED("::/128", "unspecified"),
	NETADDR_REFUSED("::1/128", "loopback"),
	NETADDR_REFUSED("::/96", "IPv4-compatible (deprecated)"),
	/* A DNS64 network reaches IPv4 hosts through these: public if the host is. */
	NETADDR_EMBEDDED("64:ff9b::/96", "NAT64", 12),
	NETADDR_REFUSED("64:ff9b:1::/48", "local-use NAT64"),
	NETADDR_REFUSED("100::/64", "discard-only"),
	/* Teredo hides its IPv4 address (inverted, behind a relay we do not
	 * choose); nothing a tenant needs lives only there. */
	NETADDR_REFUSED("2001::/32", "Teredo"),
	NETADDR_REFUSED("2001:2::/48", "benchmarking"),
	NETADDR_REFUSED("2001:10::/28", "ORCHID (deprecated)"),
	NETADDR_REFUSED("2001:20::/28", "ORCHIDv2"),
	NETADDR_REFUSED("2001:db8::/32", "documentation"),
	/* 6to4 carries the IPv4 address in bits 16-47; a relay delivers to it. */
	NETADDR_EMBEDDED("2002::/16", "6to4", 2),
	NETADDR_REFUSED("3fff::/20", "documentation"),
	/* Holds fd00:ec2::254, a cloud metadata address. */
	NETADDR_REFUSED("fc00::/7", "unique-local"),
	NETADDR_REFUSED("fe80::/10", "link-local"),
	NETADDR_REFUSED("fec0::/10", "site-local (deprecated)"),
	NETADDR_REFUSED("ff00::/8", "multicast"),
	{"2000::/3", NULL, NETADDR_PUBLIC, 0},
	NETADDR_REFUSED("::/0", "outside global unicast 2000::/3"),
};

#define NETADDR_V4_COUNT (sizeof netaddr_v4 / sizeof netaddr_v4[0])
#define NETADDR_V6_COUNT (sizeof netaddr_v6 / sizeof netaddr_v6[0])

static const char netaddr_not_inet[] = "not an IPv4 or IPv6 address";
static const unsigned char netaddr_v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static struct cidr netaddr_v4_blocks[NETADDR_V4_COUNT];
static struct cidr netaddr_v6_blocks[NETADDR_V6_COUNT];
static pthread_once_t netaddr_once = PTHREAD_ONCE_INIT;

/* Parses both tables. The text is ours, so a block that does not parse, or
 * parses as the other family, is a programmer error. */
static void netaddr_init(void)
{
	for (size_t i = 0; i < NETADDR_V4_COUNT; i++) {
		bool ok = cidr_parse(netaddr_v4[i].block, &netaddr_v4_blocks[i]);
		assert(ok && netaddr_v4_blocks[i].family == AF_INET);
		(void)ok;
	}
	for (size_t i = 0; i < NETADDR_V6_COUNT; i++) {
		bool ok = cidr_parse(netaddr_v6[i].block, &netaddr_v6_blocks[i]);
		assert(ok && netaddr_v6_blocks[i].family == AF_INET6);
		(void)ok;
	}
}

/* True if the first c->bits bits of addr equal the block's. */
static bool netaddr_in(const struct cidr *c, const unsigned char *addr)
{
	int whole = c->bits / 8, rest = c->bits % 8;

	if (memcmp(addr, c->addr, (size_t)whole) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (addr[whole] & mask) == c->addr[whole];
}

static bool netaddr_judge_v4(const unsigned char addr[4], const char **refused_by)
{
	for (size_t i = 0; i < NETADDR_V4_COUNT; i++) {
		if (!netaddr_in(&netaddr_v4_blocks[i], addr))
			continue;
		assert(netaddr_v4[i].verdict != NETADDR_EMBEDS);
		*refused_by = netaddr_v4[i].name;
		return netaddr_v4[i].verdict == NETADDR_PUBLIC;
	}
	assert(0 && "0.0.0.0/0 ends the table");
	return false;
}

static bool netaddr_judge_v6(const unsigned char addr[16], const char **refused_by)
{
	if (memcmp(addr, netaddr_v4_mapped, sizeof netaddr_v4_mapped) == 0)
		return netaddr_judge_v4(addr + 12, refused_by);
	for (size_t i = 0; i < NETADDR_V6_COUNT; i++) {
		const struct netaddr_range *r = &netaddr_v6[i];
		if (!netaddr_in(&netaddr_v6_blocks[i], addr))
			continue;
		if (r->verdict == NETADDR_EMBEDS) {
			assert(r->embed_at >= 0 && r->embed_at <= 12);
			return netaddr_judge_v4(addr + r->embed_at, refused_by);
		}
		*refused_by = r->name;
		return r->verdict == NETADDR_PUBLIC;
	}
	assert(0 && "::/0 ends the table");
	return false;
}

bool netaddr_is_public(const struct sockaddr *sa, socklen_t sa_len, const char **refused_by)
{
	const char *name = netaddr_not_inet;
	bool ok = false;

	assert(sa);
	pthread_once(&netaddr_once, netaddr_init);
	/* The length is checked before the family is read, and the address is
	 * copied out rather than cast: sa may point into any buffer. */
	if (sa_len >= (socklen_t)sizeof(struct sockaddr_in) && sa->sa_family == AF_INET) {
		struct sockaddr_in in;
		memcpy(&in, sa, sizeof in);
		ok = netaddr_judge_v4((const unsigned char *)&in.sin_addr, &name);
	} else if (sa_len >= (socklen_t)sizeof(struct sockaddr_in6) && sa->sa_family == AF_INET6) {
		struct sockaddr_in6 in6;
		memcpy(&in6, sa, sizeof in6);
		ok = netaddr_judge_v6(in6.sin6_addr.s6_addr, &name);
	}
	if (refused_by)
		*refused_by = ok ? NULL : name;
	return ok;
}
