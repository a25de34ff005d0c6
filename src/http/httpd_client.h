/*
 * The client address of a request (httpd_client.c): the peer, or what a
 * trusted proxy vouches for in X-Forwarded-For.
 */
#ifndef OG_HTTPD_CLIENT_H
#define OG_HTTPD_CLIENT_H

#include "base/cidr.h"
#include "http/httpd.h"

#include <microhttpd.h>

/** Sets req->client_ip (and req->forwarded) from conn; trusted may be NULL (trust no proxy). */
void httpd_client_address(const struct cidr_list *trusted, struct MHD_Connection *conn,
			  struct httpd_request *req);

#endif
