/*
 * The Idempotency-Key header on send, resend and wallet credits. The key is
 * claimed before the operation runs; the domain stores the success response
 * in the operation's own transaction through the ticket's renderer, and the
 * API answers with that same renderer, so a replay is byte for byte the
 * first answer. A refusal (4xx) is stored too, except a 429: it says "try
 * again later", so the claim is dropped and a retry with the key may run.
 * A server error drops the claim as well.
 */
#include "api/api_int.h"

#include "base/log.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define API_IDEM_HEADER "Idempotency-Key"

_Static_assert(crypto_generichash_BYTES == SECRET_HASH_LEN, "request hash is BLAKE2b-256");

/* BLAKE2b-256 over method, path and the body in canonical form (sorted keys,
 * no whitespace), so a client that re-serialises the same JSON differently
 * is still the same request. The NUL separators keep "POST"+"/a" and
 * "POS"+"T/a" apart. No key is needed: the hash only compares two requests
 * of the same tenant. */
static void api_idem_hash(const struct httpd_request *req, unsigned char out[SECRET_HASH_LEN])
{
	crypto_generichash_state st;
	json_t *body = json_loadb(req->body, req->body_len, 0, NULL);
	char *canonical = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	crypto_generichash_init(&st, NULL, 0, SECRET_HASH_LEN);
	crypto_generichash_update(&st, (const unsigned char *)req->method, strlen(req->method) + 1);
	crypto_generichash_update(&st, (const unsigned char *)req->path, strlen(req->path) + 1);
	if (canonical)
		crypto_generichash_update(&st, (const unsigned char *)canonical, strlen(canonical));
	else
		crypto_generichash_update(&st, (const unsigned char *)req->body, req->body_len);
	crypto_generichash_final(&st, out, SECRET_HASH_LEN);
	free(canonical);
	json_decref(body);
}

static bool api_idem_key_valid(const char *key)
{
	size_t len = strlen(key);

	if (len == 0 || len >= STORE_IDEM_KEY_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (key[i] < 0x20 || key[i] > 0x7e)
			return false;
	return true;
}

enum og_err api_idem_begin(struct api_call *call, const char *tenant_id, idem_render_fn render,
			   void *render_arg, struct api_idem *idem, bool *replayed)
{
	const char *key = httpd_request_header(call->req, API_IDEM_HEADER);
	enum idem_claim_result result;
	struct store_idem *stored = NULL;
	char *body = NULL;
	size_t len;
	enum og_err rc;

	memset(idem, 0, sizeof *idem);
	*replayed = false;
	if (!key)
		return OG_OK;
	if (!api_idem_key_valid(key))
		return api_fail(call, OG_ERR_INVALID_REQUEST, API_IDEM_HEADER,
				"Idempotency-Key must be 1 to %d printable ASCII characters",
				STORE_IDEM_KEY_MAX - 1);
	memcpy(idem->ticket.tenant_id, tenant_id, strlen(tenant_id) + 1);
	memcpy(idem->ticket.key, key, strlen(key) + 1);
	api_idem_hash(call->req, idem->ticket.request_hash);
	idem->ticket.render = render;
	idem->ticket.render_arg = render_arg;
	/* A stored record carries a 4 KiB body: too big for a worker's stack frame budget. */
	stored = malloc(sizeof *stored);
	if (!stored) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	rc = idem_claim(call->d, call->conn, &idem->ticket, &result, stored);
	if (rc != OG_OK)
		goto out;
	if (result == IDEM_CLAIMED) {
		idem->active = true;
		goto out;
	}
	len = strnlen(stored->response_body, sizeof stored->response_body);
	body = malloc(len + 1);
	if (!body) {
		rc = OG_ERR_NOMEM;
		goto out;
	}
	memcpy(body, stored->response_body, len + 1);
	api_reply_text(call, stored->response_status, "application/json", body, len);
	*replayed = true;
out:
	free(stored);
	return rc;
}

const struct idem_ticket *api_idem_ticket(const struct api_idem *idem)
{
	return idem->active ? &idem->ticket : NULL;
}

enum og_err api_idem_end(struct api_call *call, struct api_idem *idem, enum og_err err)
{
	int status = og_err_http_status(err);
	char *body = NULL;

	if (!idem->active || err == OG_OK)
		return err;
	idem->active = false;
	if (status >= 500 || status == 429) {
		idem_abandon(call->d, call->conn, &idem->ticket);
		return err;
	}
	body = api_error_body(call, err);
	if (!body || strlen(body) >= STORE_IDEM_BODY_MAX ||
	    idem_finish(call->d, call->conn, &idem->ticket, status, body) != OG_OK) {
		/* Without a stored answer the claim would read as in flight until it
		 * expires; dropping it lets the client's retry run instead. */
		log_warn("api.idem_finish_failed", "{s:s}", "route", call->resp->route);
		idem_abandon(call->d, call->conn, &idem->ticket);
	}
	free(body);
	return err;
}

enum og_err api_idem_reply(struct api_call *call, idem_render_fn render, void *render_arg,
			   const void *result)
{
	char *body = malloc(STORE_IDEM_BODY_MAX);
	int status;

	if (!body)
		return OG_ERR_NOMEM;
	status = render(render_arg, result, body, STORE_IDEM_BODY_MAX);
	return api_reply_text(call, status, "application/json", body, strlen(body));
}
