/*
 * The API layer: it turns an HTTP request into a typed call on the domain and
 * the result back into JSON. Routing is a static table (api.c); each route
 * decodes its body in one place with a strict field spec (api_json.h), so
 * the domain never sees raw JSON. Besides the store connection of the
 * worker thread, only /healthz and /metrics touch the store directly.
 */
#ifndef OG_API_H
#define OG_API_H

#include "domain/domain.h"
#include "http/httpd.h"

/* What every request needs; it must outlive the HTTP server. */
struct api_env {
	struct store *store;         /* each worker thread opens its own connection */
	const struct domain *domain;
};

/** The httpd handler for every request; arg is a struct api_env. */
void api_handle(void *arg, const struct httpd_request *req, struct httpd_response *resp);

#endif
