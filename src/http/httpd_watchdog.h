/*
 * The slow-client watchdog (docs/SECURITY.md SEC-41). libmicrohttpd's own
 * timeout is an idle timeout: any byte resets it, so a client that trickles
 * one header byte every few seconds (slowloris) holds its connection, and
 * its slot under the connection limit, for ever. The watchdog gives each
 * request a deadline instead: its headers must be complete within the
 * timeout of the connection opening (or of the previous response on a
 * kept-alive connection), and its body within the timeout of its headers.
 * A connection past its deadline is shut down from a watchdog thread; MHD
 * then sees the end of the stream and closes it in its own thread. No
 * deadline runs while the handler works on a complete request.
 *
 * Internal to src/http: nothing above this layer sees libmicrohttpd.
 */
#ifndef OG_HTTPD_WATCHDOG_H
#define OG_HTTPD_WATCHDOG_H

#include <microhttpd.h>
#include <stdint.h>

#define HTTPD_WATCHDOG_TICK_MS 200 /* how often deadlines are checked */

struct httpd_watchdog;

/** Starts the watchdog thread; timeout_ms is the header, and the body, deadline. NULL without memory. */
struct httpd_watchdog *httpd_watchdog_start(int64_t timeout_ms);

/** Stops the thread; call before MHD_stop_daemon. Frees w once the daemon is stopped (see _free). */
void httpd_watchdog_stop(struct httpd_watchdog *w);

/** Frees w after MHD_stop_daemon has closed every connection; w may be NULL. */
void httpd_watchdog_free(struct httpd_watchdog *w);

/** MHD_OPTION_NOTIFY_CONNECTION callback; cls is the watchdog. */
void httpd_watchdog_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
			   enum MHD_ConnectionNotificationCode code);

/** The request's headers are in: its body deadline starts now. */
void httpd_watchdog_headers_done(struct httpd_watchdog *w, struct MHD_Connection *conn);

/** The request is complete and being handled: no deadline until it is answered. */
void httpd_watchdog_handling(struct httpd_watchdog *w, struct MHD_Connection *conn);

/** The request ended: the next request's header deadline starts now. */
void httpd_watchdog_request_done(struct httpd_watchdog *w, struct MHD_Connection *conn);

/** Connections cut off so far for missing a deadline. */
uint64_t httpd_watchdog_cut_count(const struct httpd_watchdog *w);

#endif
