/*
 * Unit tests for src/base/netaddr: the SSRF guard's address check. One case
 * per refused range (an address inside it, usually at both of its edges),
 * the public addresses just outside the edges, the IPv6 forms that carry an
 * IPv4 address judged by that address, and malformed socket addresses. A
 * refusal is checked by the block its name starts with, not by its wording.
 */
#include "base/netaddr.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

struct netaddr_case {
	const char *addr;  /* as text: IPv4 dotted quad or IPv6 */
	const char *block; /* the block the refusal names; NULL if public */
};

/* Builds the socket address the resolver would return for text. IPv6 text
 * always gives an AF_INET6 address, mapped forms included: the check, not
 * the caller, has to see through them. */
static socklen_t make_addr(const char *text, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (strchr(text, ':')) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(443);
		assert_int_equal(inet_pton(AF_INET6, text, &in6->sin6_addr), 1);
		return sizeof *in6;
	}
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	in->sin_family = AF_INET;
	in->sin_port = htons(443);
	assert_int_equal(inet_pton(AF_INET, text, &in->sin_addr), 1);
	return sizeof *in;
}

static void check_cases(const struct netaddr_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct sockaddr_storage ss;
		socklen_t len = make_addr(cases[i].addr, &ss);
		const char *name = "unset";
		bool pub = netaddr_is_public((const struct sockaddr *)&ss, len, &name);

		if (!cases[i].block) {
			if (!pub)
				fail_msg("%s refused as %s, expected public", cases[i].addr, name);
			assert_null(name);
			continue;
		}
		if (pub)
			fail_msg("%s judged public, expected %s", cases[i].addr, cases[i].block);
		assert_non_null(name);
		size_t blen = strlen(cases[i].block);
		if (strncmp(name, cases[i].block, blen) != 0 || name[blen] != ' ')
			fail_msg("%s refused as \"%s\", expected %s", cases[i].addr, name,
				 cases[i].block);
	}
}

static void ipv4_special_ranges_are_refused(void **state)
{
	static const struct netaddr_case cases[] = {
		{"0.0.0.0", "0.0.0.0/8"},
		{"0.255.255.255", "0.0.0.0/8"},
		{"10.0.0.0", "10.0.0.0/8"},
		{"10.255.255.255", "10.0.0.0/8"},
		{"100.64.0.0", "100.64.0.0/10"},
		{"100.127.255.255", "100.64.0.0/10"},
		{"127.0.0.1", "127.0.0.0/8"},
		{"127.255.255.254", "127.0.0.0/8"},
		{"169.254.0.1", "169.254.0.0/16"},
		{"169.254.169.254", "169.254.0.0/16"}, /* cloud metadata */
		{"172.16.0.0", "172.16.0.0/12"},
		{"172.31.255.255", "172.16.0.0/12"},
		{"192.0.0.8", "192.0.0.0/24"},
		{"192.0.2.1", "192.0.2.0/24"},
		{"192.88.99.1", "192.88.99.0/24"},
		{"192.168.0.1", "192.168.0.0/16"},
		{"192.168.255.255", "192.168.0.0/16"},
		{"198.18.0.0", "198.18.0.0/15"},
		{"198.19.255.255", "198.18.0.0/15"},
		{"198.51.100.7", "198.51.100.0/24"},
		{"203.0.113.7", "203.0.113.0/24"},
		{"224.0.0.1", "224.0.0.0/4"},
		{"239.255.255.250", "224.0.0.0/4"},
		{"240.0.0.1", "240.0.0.0/4"},
		{"255.255.255.254", "240.0.0.0/4"},
		{"255.255.255.255", "255.255.255.255/32"},
	};
	(void)state;
	check_cases(cases, sizeof cases / sizeof cases[0]);
}

static void ipv4_public_addresses_pass(void **state)
{
	static const struct netaddr_case cases[] = {
		{"1.0.0.0", NULL},       /* just past 0/8 */
		{"8.8.8.8", NULL},
		{"9.255.255.255", NULL}, /* either side of 10/8 */
		{"11.0.0.0", NULL},
		{"100.63.255.255", NULL}, /* either side of 100.64/10 */
		{"100.128.0.0", NULL},
		{"126.255.255.255", NULL},
		{"128.0.0.0", NULL},
		{"169.253.255.255", NULL},
		{"169.255.0.0", NULL},
		{"172.15.255.255", NULL}, /* either side of 172.16/12 */
		{"172.32.0.0", NULL},
		{"192.0.1.255", NULL},
		{"192.0.3.0", NULL},
		{"192.88.98.255", NULL},
		{"192.167.255.255", NULL},
		{"192.169.0.0", NULL},
		{"198.17.255.255", NULL}, /* either side of 198.18/15 */
		{"198.20.0.0", NULL},
		{"198.51.99.255", NULL},
		{"203.0.112.255", NULL},
		{"203.0.114.0", NULL},
		{"223.255.255.255", NULL}, /* just below multicast */
		{"1.1.1.1", NULL},
	};
	(void)state;
	check_cases(cases, sizeof cases / sizeof cases[0]);
}

static void ipv6_special_ranges_are_refused(void **state)
{
	static const struct netaddr_case cases[] = {
		{"::", "::/128"},
		{"::1", "::1/128"},
		{"::8.8.8.8", "::/96"}, /* IPv4-compatible: deprecated, never routed */
		{"64:ff9b:1::1", "64:ff9b:1::/48"},
		{"100::", "100::/64"},
		{"100::ffff:ffff:ffff:ffff", "100::/64"},
		{"2001::1", "2001::/32"},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::/32"}, /* a Teredo address */
		{"2001:2::1", "2001:2::/48"},
		{"2001:10::1", "2001:10::/28"},
		{"2001:20::1", "2001:20::/28"},
		{"2001:db8::1", "2001:db8::/32"},
		{"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::/32"},
		{"3fff::1", "3fff::/20"},
		{"fc00::1", "fc00::/7"},
		{"fd12:3456:789a::1", "fc00::/7"},
		{"fd00:ec2::254", "fc00::/7"}, /* cloud metadata over IPv6 */
		{"fe80::1", "fe80::/10"},
		{"febf:ffff::1", "fe80::/10"},
		{"fec0::1", "fec0::/10"},
		{"ff02::1", "ff00::/8"},
		{"ff0e::101", "ff00::/8"},
		/* Outside 2000::/3: reserved space has no other name. */
		{"4000::1", "::/0"},
		{"5f00::1", "::/0"},
		{"1::1", "::/0"},
		{"::ffff:0:0:1", "::/0"}, /* SIIT's ::ffff:0:0:0/96 is not the mapped block */
	};
	(void)state;
	check_cases(cases, sizeof cases / sizeof cases[0]);
}

static void ipv6_public_addresses_pass(void **state)
{
	static const struct netaddr_case cases[] = {
		{"2606:4700:4700::1111", NULL},
		{"2001:4860:4860::8888", NULL},
		{"2000::1", NULL}, /* the first global unicast address */
		{"2001:1::1", NULL}, /* past Teredo's /32 */
		{"2001:db7:ffff::1", NULL},
		{"2001:db9::1", NULL},
		{"2003::1", NULL}, /* past 6to4's /16 */
		{"3ffe:ffff::1", NULL},
		{"3fff:1000::1", NULL}, /* past 3fff::/20 */
	};
	(void)state;
	check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* Each IPv6 form that carries an IPv4 address is judged by that address:
 * refused with its range's name when it is special, public when it is. */
static void ipv6_embedding_ipv4_is_judged_by_it(void **state)
{
	static const struct netaddr_case cases[] = {
		{"::ffff:127.0.0.1", "127.0.0.0/8"},
		{"::ffff:169.254.169.254", "169.254.0.0/16"},
		{"::ffff:10.1.2.3", "10.0.0.0/8"},
		{"::ffff:0.0.0.0", "0.0.0.0/8"},
		{"::ffff:8.8.8.8", NULL},
		{"64:ff9b::7f00:1", "127.0.0.0/8"},      /* NAT64 of 127.0.0.1 */
		{"64:ff9b::a9fe:a9fe", "169.254.0.0/16"}, /* NAT64 of 169.254.169.254 */
		{"64:ff9b::192.168.1.1", "192.168.0.0/16"},
		{"64:ff9b::808:808", NULL},              /* NAT64 of 8.8.8.8 */
		{"2002:7f00:1::1", "127.0.0.0/8"},       /* 6to4 of 127.0.0.1 */
		{"2002:a9fe:a9fe::", "169.254.0.0/16"},
		{"2002:c0a8:101:1::1", "192.168.0.0/16"},
		{"2002:0a00:0001::", "10.0.0.0/8"},
		{"2002:808:808::1", NULL},               /* 6to4 of 8.8.8.8 */
	};
	(void)state;
	check_cases(cases, sizeof cases / sizeof cases[0]);
}

static void malformed_addresses_are_refused(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_un un;
	const char *name = NULL;
	socklen_t len;

	(void)state;
	/* A public address with a short length is not read. */
	len = make_addr("8.8.8.8", &ss);
	assert_true(netaddr_is_public((const struct sockaddr *)&ss, len, &name));
	assert_false(netaddr_is_public((const struct sockaddr *)&ss, len - 1, &name));
	assert_non_null(name);
	assert_false(netaddr_is_public((const struct sockaddr *)&ss, 0, &name));
	len = make_addr("2606:4700:4700::1111", &ss);
	assert_true(netaddr_is_public((const struct sockaddr *)&ss, len, &name));
	assert_false(netaddr_is_public((const struct sockaddr *)&ss, len - 1, &name));
	assert_false(netaddr_is_public((const struct sockaddr *)&ss,
				       (socklen_t)sizeof(struct sockaddr_in), &name));
	/* Other families are never public. */
	memset(&un, 0, sizeof un);
	un.sun_family = AF_UNIX;
	assert_false(netaddr_is_public((const struct sockaddr *)&un, sizeof un, &name));
	assert_non_null(name);
	memset(&ss, 0, sizeof ss);
	assert_false(netaddr_is_public((const struct sockaddr *)&ss, sizeof ss, &name));
	/* The name is optional. */
	len = make_addr("10.0.0.1", &ss);
	assert_false(netaddr_is_public((const struct sockaddr *)&ss, len, NULL));
	len = make_addr("1.1.1.1", &ss);
	assert_true(netaddr_is_public((const struct sockaddr *)&ss, len, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_special_ranges_are_refused),
		cmocka_unit_test(ipv4_public_addresses_pass),
		cmocka_unit_test(ipv6_special_ranges_are_refused),
		cmocka_unit_test(ipv6_public_addresses_pass),
		cmocka_unit_test(ipv6_embedding_ipv4_is_judged_by_it),
		cmocka_unit_test(malformed_addresses_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
