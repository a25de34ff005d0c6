/*
 * Addresses and CIDR blocks: parsing, matching, lists, and the key a client
 * address is limited under (IPv6 by its /64, IPv4-mapped as IPv4).
 */
#include "base/cidr.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

static void parses_addresses_and_blocks(void **state)
{
	struct cidr c;

	(void)state;
	assert_true(cidr_parse("10.1.2.3", &c));
	assert_int_equal(c.bits, 32);
	assert_true(cidr_parse("10.0.0.0/8", &c));
	assert_int_equal(c.bits, 8);
	assert_true(cidr_parse("10.9.9.9/8", &c)); /* host bits are cleared */
	assert_true(cidr_contains(&c, "10.200.1.1"));
	assert_true(cidr_parse("2001:db8::/32", &c));
	assert_int_equal(c.bits, 32);
	assert_true(cidr_parse("::1", &c));
	assert_int_equal(c.bits, 128);

	const char *bad[] = {"", "10.0.0.0/33", "10.0.0.0/", "/8", "10.0.0/8", "2001:db8::/129",
			     "10.0.0.0/8x", "10.0.0.0/-1", "abc", "1.2.3.4 ", "::ffff:1.2.3.4/95"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(cidr_parse(bad[i], &c));
}

static void matches_by_bytes(void **state)
{
	struct cidr c;

	(void)state;
	assert_true(cidr_parse("192.168.0.0/16", &c));
	assert_true(cidr_contains(&c, "192.168.255.1"));
	assert_false(cidr_contains(&c, "192.169.0.1"));
	assert_false(cidr_contains(&c, "::1"));
	assert_false(cidr_contains(&c, "not an address"));
	/* An IPv4-mapped IPv6 address is the IPv4 address. */
	assert_true(cidr_contains(&c, "::ffff:192.168.1.1"));
	assert_true(cidr_parse("::1", &c));
	assert_true(cidr_contains(&c, "0:0::1"));
	assert_true(cidr_parse("0.0.0.0/0", &c));
	assert_true(cidr_contains(&c, "8.8.8.8"));
}

static void lists(void **state)
{
	struct cidr_list l;

	(void)state;
	assert_true(cidr_list_parse("", &l));
	assert_int_equal(l.count, 0);
	assert_false(cidr_list_contains(&l, "127.0.0.1"));
	assert_true(cidr_list_parse("127.0.0.1/32, 10.0.0.0/8,::1", &l));
	assert_int_equal(l.count, 3);
	assert_true(cidr_list_contains(&l, "127.0.0.1"));
	assert_true(cidr_list_contains(&l, "10.3.3.3"));
	assert_true(cidr_list_contains(&l, "::1"));
	assert_false(cidr_list_contains(&l, "127.0.0.2"));
	assert_false(cidr_list_parse("10.0.0.0/8,", &l));
	assert_false(cidr_list_parse(",10.0.0.0/8", &l));
	assert_false(cidr_list_parse("10.0.0.0/8,,::1", &l));
	assert_false(cidr_list_parse("10.0.0.0/8,bogus", &l));
}

static void list_has_a_maximum(void **state)
{
	char text[CIDR_LIST_TEXT_MAX] = "";
	size_t used = 0;
	struct cidr_list l;

	(void)state;
	for (int i = 0; i <= CIDR_LIST_MAX; i++) {
		int n = snprintf(text + used, sizeof text - used, "%s10.0.%d.0/24", i ? "," : "", i);
		assert_true(n > 0 && (size_t)n < sizeof text - used);
		used += (size_t)n;
		assert_int_equal(cidr_list_parse(text, &l), i < CIDR_LIST_MAX);
	}
}

static void client_keys(void **state)
{
	char key[CIDR_TEXT_MAX];

	(void)state;
	assert_true(cidr_client_key("203.0.113.7", key));
	assert_string_equal(key, "203.0.113.7");
	assert_true(cidr_client_key("::ffff:203.0.113.7", key));
	assert_string_equal(key, "203.0.113.7");
	/* Two addresses of one /64 are one client. */
	assert_true(cidr_client_key("2001:db8:1:2:aaaa::1", key));
	assert_string_equal(key, "2001:db8:1:2::/64");
	assert_true(cidr_client_key("2001:db8:1:2:ffff:ffff:ffff:ffff", key));
	assert_string_equal(key, "2001:db8:1:2::/64");
	assert_false(cidr_client_key("2001:db8::/64", key));
	assert_false(cidr_client_key("1.2.3", key));
	{
		struct cidr c;
		assert_true(cidr_parse("::ffff:10.0.0.0/104", &c));
		assert_int_equal(c.bits, 8);
		assert_true(cidr_contains(&c, "10.1.1.1"));
	}
	assert_string_equal(key, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_addresses_and_blocks),
		cmocka_unit_test(matches_by_bytes),
		cmocka_unit_test(lists),
		cmocka_unit_test(list_has_a_maximum),
		cmocka_unit_test(client_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
