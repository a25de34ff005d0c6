/*
 * IP addresses and CIDR blocks, IPv4 and IPv6. Used where otpgate has to
 * decide about an address: which peers are trusted proxies (whose
 * X-Forwarded-For is believed), and which key a client address is counted
 * under for the per-IP send limit. IPv4-mapped IPv6 addresses
 * (::ffff:a.b.c.d) are treated as the IPv4 address they carry, so one
 * client never has two identities.
 */
#ifndef OG_CIDR_H
#define OG_CIDR_H

#include <stdbool.h>
#include <stddef.h>

#define CIDR_ADDR_LEN 16    /* bytes of an address; IPv4 uses the first 4 */
#define CIDR_TEXT_MAX 50    /* the longest address or block as text, plus NUL */
#define CIDR_LIST_MAX 32    /* blocks in one list (e.g. --trusted-proxies) */
#define CIDR_LIST_TEXT_MAX 2048
#define CIDR_IPV6_CLIENT_BITS 64 /* one IPv6 subscriber holds a whole /64 */

struct cidr {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[CIDR_ADDR_LEN];
	int bits;   /* prefix length: 0..32 or 0..128 */
};

struct cidr_list {
	struct cidr items[CIDR_LIST_MAX];
	size_t count;
};

/** Parses an address ("10.1.2.3", "2001:db8::1") as a full-length block; false if invalid. */
bool cidr_parse_addr(const char *text, struct cidr *out);

/** Parses "ADDR/BITS" or a bare address; host bits are cleared; false if invalid. */
bool cidr_parse(const char *text, struct cidr *out);

/** Parses a comma-separated list of blocks ("" is the empty list); false if any is invalid or too many. */
bool cidr_list_parse(const char *text, struct cidr_list *out);

/** True if the address text lies in block c; false for an unparsable address. */
bool cidr_contains(const struct cidr *c, const char *addr_text);

/** True if the address text lies in any block of the list. */
bool cidr_list_contains(const struct cidr_list *l, const char *addr_text);

/** Writes the key a client address is limited under: an IPv4 address as
 *  itself, an IPv6 address as its /64 ("2001:db8:1:2::/64"); false if invalid. */
bool cidr_client_key(const char *addr_text, char out[CIDR_TEXT_MAX]);

#endif
