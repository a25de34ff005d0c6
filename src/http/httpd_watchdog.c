/*
 * The watchdog's registry is a doubly linked list of every open
 * connection, under one mutex. The registry entry is the connection's MHD
 * socket context: created when MHD reports the connection started, and
 * removed when MHD reports it closed, which MHD does before it closes the
 * descriptor. The watchdog shuts a descriptor down only while holding the
 * mutex, so it can never act on a descriptor that was closed and reused.
 */
#include "http/httpd_watchdog.h"

#include "base/log.h"
#include "base/metrics.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

struct httpd_sock {
	struct httpd_sock *prev, *next;
	int fd;
	int64_t deadline_ms; /* monotonic; 0 while a request is being handled */
};

struct httpd_watchdog {
	pthread_mutex_t lock;
	struct httpd_sock *head; /* under lock */
	int64_t timeout_ms;
	pthread_t thread;
	atomic_bool stopping;
	atomic_uint_fast64_t cut;
};

static int64_t httpd_watchdog_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct httpd_sock *httpd_watchdog_sock(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void httpd_watchdog_set(struct httpd_watchdog *w, struct MHD_Connection *conn,
			       bool deadline)
{
	struct httpd_sock *s = httpd_watchdog_sock(conn);

	if (!w || !s)
		return;
	pthread_mutex_lock(&w->lock);
	s->deadline_ms = deadline ? httpd_watchdog_now_ms() + w->timeout_ms : 0;
	pthread_mutex_unlock(&w->lock);
}

void httpd_watchdog_headers_done(struct httpd_watchdog *w, struct MHD_Connection *conn)
{
	httpd_watchdog_set(w, conn, true);
}

void httpd_watchdog_handling(struct httpd_watchdog *w, struct MHD_Connection *conn)
{
	httpd_watchdog_set(w, conn, false);
}

void httpd_watchdog_request_done(struct httpd_watchdog *w, struct MHD_Connection *conn)
{
	httpd_watchdog_set(w, conn, true);
}

void httpd_watchdog_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
			   enum MHD_ConnectionNotificationCode code)
{
	struct httpd_watchdog *w = cls;
	struct httpd_sock *s = *socket_context;
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		s = ci ? calloc(1, sizeof *s) : NULL;
		if (!s)
			return; /* unwatched: MHD's idle timeout still applies */
		s->fd = ci->connect_fd;
		pthread_mutex_lock(&w->lock);
		s->deadline_ms = httpd_watchdog_now_ms() + w->timeout_ms;
		s->next = w->head;
		if (w->head)
			w->head->prev = s;
		w->head = s;
		pthread_mutex_unlock(&w->lock);
		*socket_context = s;
		return;
	}
	if (!s)
		return;
	pthread_mutex_lock(&w->lock);
	if (s->prev)
		s->prev->next = s->next;
	else
		w->head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	pthread_mutex_unlock(&w->lock);
	*socket_context = NULL;
	free(s);
}

/* Shuts down every connection past its deadline; returns how many. */
static unsigned httpd_watchdog_sweep(struct httpd_watchdog *w)
{
	int64_t now = httpd_watchdog_now_ms();
	unsigned cut = 0;

	pthread_mutex_lock(&w->lock);
	for (struct httpd_sock *s = w->head; s; s = s->next) {
		if (s->deadline_ms == 0 || now < s->deadline_ms)
			continue;
		/* Reading and writing both end; MHD closes the connection on
		 * its next look at the socket. Once is enough. */
		shutdown(s->fd, SHUT_RDWR);
		s->deadline_ms = 0;
		cut++;
	}
	pthread_mutex_unlock(&w->lock);
	return cut;
}

static void *httpd_watchdog_main(void *arg)
{
	struct httpd_watchdog *w = arg;
	struct timespec tick = {0, HTTPD_WATCHDOG_TICK_MS * 1000000L};

	while (!atomic_load(&w->stopping)) {
		unsigned cut;
		nanosleep(&tick, NULL);
		cut = httpd_watchdog_sweep(w);
		if (cut == 0)
			continue;
		atomic_fetch_add(&w->cut, cut);
		metrics_count("otpgate_http_slow_clients_cut_total", "", cut);
		/* One line per sweep, not per connection: a slowloris flood must
		 * not become a log flood. */
		log_warn("http.slow_clients_cut", "{s:i, s:I}", "connections", (int)cut,
			 "timeout_ms", (json_int_t)w->timeout_ms);
	}
	return NULL;
}

struct httpd_watchdog *httpd_watchdog_start(int64_t timeout_ms)
{
	struct httpd_watchdog *w = calloc(1, sizeof *w);

	if (!w)
		return NULL;
	w->timeout_ms = timeout_ms;
	pthread_mutex_init(&w->lock, NULL);
	metrics_describe("otpgate_http_slow_clients_cut_total", "counter",
			 "Connections closed for not sending a request's headers or body in time.");
	if (pthread_create(&w->thread, NULL, httpd_watchdog_main, w) != 0) {
		pthread_mutex_destroy(&w->lock);
		free(w);
		return NULL;
	}
	return w;
}

void httpd_watchdog_stop(struct httpd_watchdog *w)
{
	if (!w)
		return;
	atomic_store(&w->stopping, true);
	pthread_join(w->thread, NULL);
}

void httpd_watchdog_free(struct httpd_watchdog *w)
{
	struct httpd_sock *s, *next;

	if (!w)
		return;
	/* MHD reported every connection closed as it stopped; anything left
	 * would be a connection it never reported, and is freed all the same. */
	for (s = w->head; s; s = next) {
		next = s->next;
		free(s);
	}
	pthread_mutex_destroy(&w->lock);
	free(w);
}

uint64_t httpd_watchdog_cut_count(const struct httpd_watchdog *w)
{
	return w ? atomic_load(&((struct httpd_watchdog *)w)->cut) : 0;
}
