/*
 * The SSRF guard's address check. Before otpgate connects to a URL a tenant
 * gave it (a webhook endpoint), every address the name resolved to must be
 * public unicast: not loopback, private, link-local (where cloud metadata
 * services answer), shared (CGNAT), documentation, benchmarking, multicast
 * or reserved space. IPv6 forms that carry an IPv4 address (IPv4-mapped,
 * NAT64, 6to4) are judged by the IPv4 address they carry, so an address can
 * never be smuggled past the check in another notation; Teredo, whose
 * embedded address is obfuscated and whose relays are not ours, is refused.
 * The check is on the connected address, not on the name, so it must run on
 * what the resolver returned, right before connect(), for every attempt.
 */
#ifndef OG_NETADDR_H
#define OG_NETADDR_H

#include <stdbool.h>
#include <sys/socket.h>

/** True if sa (AF_INET or AF_INET6, sa_len bytes) is a public unicast address; otherwise
 *  false with *refused_by (if not NULL) set to a static name such as "10.0.0.0/8 private-use",
 *  and set to NULL when the address is public. An IPv6 address carrying an IPv4 one is refused
 *  under the embedded address's range name. */
bool netaddr_is_public(const struct sockaddr *sa, socklen_t sa_len, const char **refused_by);

#endif
