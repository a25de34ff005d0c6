/*
 * Who sent a request: the socket's peer address, or, when that peer is a
 * trusted proxy, the client address X-Forwarded-For gives (ABUSE-04). The
 * per-IP limits and the audit log both read what this decides, so a header
 * a client writes itself is never believed.
 */
#include "http/httpd_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define HTTPD_XFF_HOPS_MAX 16 /* X-Forwarded-For entries read from the right */

static void httpd_client_peer(struct MHD_Connection *conn, char out[HTTPD_IP_MAX])
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	out[0] = '\0';
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return;
	sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  HTTPD_IP_MAX);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
			  HTTPD_IP_MAX);
}

/* Remembers the last X-Forwarded-For header: a proxy that appends to the
 * list writes it last, and anything before it came from the client. */
static enum MHD_Result httpd_client_xff_last(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	(void)kind;
	if (key && value && strcasecmp(key, "X-Forwarded-For") == 0)
		*(const char **)cls = value;
	return MHD_YES;
}

/* ABUSE-04: X-Forwarded-For is believed only from a trusted proxy, and
 * read from the right: each trusted hop vouches for the address to its
 * left, and the first address that is not a trusted proxy is the client.
 * Whatever is left of that was written by the client and is ignored. */
static void httpd_client_forwarded(const struct cidr_list *trusted,
				   struct MHD_Connection *conn, struct httpd_request *req)
{
	const char *xff = NULL, *end;
	char hop[HTTPD_IP_MAX];
	struct cidr addr;

	if (!trusted || !req->client_ip[0] || !cidr_list_contains(trusted, req->client_ip))
		return;
	MHD_get_connection_values(conn, MHD_HEADER_KIND, httpd_client_xff_last, &xff);
	if (!xff)
		return;
	end = xff + strlen(xff);
	for (int i = 0; i < HTTPD_XFF_HOPS_MAX && end > xff; i++) {
		const char *start = end, *a, *b;
		size_t len;
		while (start > xff && start[-1] != ',')
			start--;
		for (a = start; a < end && (*a == ' ' || *a == '\t'); a++)
			;
		for (b = end; b > a && (b[-1] == ' ' || b[-1] == '\t'); b--)
			;
		len = (size_t)(b - a);
		if (len == 0 || len >= sizeof hop)
			return;
		memcpy(hop, a, len);
		hop[len] = '\0';
		if (!cidr_parse_addr(hop, &addr))
			return; /* garbage: keep the last address a trusted hop gave */
		memcpy(req->client_ip, hop, len + 1);
		req->forwarded = true;
		if (!cidr_list_contains(trusted, hop))
			return;
		end = start > xff ? start - 1 : xff;
	}
}

void httpd_client_address(const struct cidr_list *trusted, struct MHD_Connection *conn,
			  struct httpd_request *req)
{
	httpd_client_peer(conn, req->client_ip);
	httpd_client_forwarded(trusted, conn, req);
}
