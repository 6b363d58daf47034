/* conntrack.c — request deadlines enforced by one watchdog thread. */
#define _POSIX_C_SOURCE 200809L
#include "conntrack.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "../common/log.h"

/* How often the watchdog looks: a deadline is kept to within this. */
#define CONNTRACK_TICK_MS 100u
/* Under pressure a request gets at most this long to arrive whole. */
#define CONNTRACK_PRESSURE_DEADLINE_MS 1000u

struct conntrack_conn {
	struct conntrack_conn *prev, *next;
	int fd;
	bool receiving;            /* a request is on its way in */
	bool cut;                  /* its socket was shut down */
	bool kept_alive;           /* not the connection's first request */
	uint64_t since_ms;         /* when the current request started */
};

struct conntrack {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool stopping;
	unsigned deadline_ms;
	unsigned keepalive_ms;     /* extra for a request after another (idle time first) */
	unsigned pressure_at;      /* this many open connections or more: pressure */
	unsigned limit;            /* past this, a new connection evicts the slowest request */
	struct conntrack_conn *head;
	uint64_t open, cut, cut_under_pressure, evicted;
};

/* Shuts down the connections whose request is late; returns how many. Lock held. */
static unsigned cut_late_requests(struct conntrack *t, uint64_t now, bool pressure)
{
	unsigned deadline = t->deadline_ms, n = 0;
	if (pressure && deadline > CONNTRACK_PRESSURE_DEADLINE_MS)
		deadline = CONNTRACK_PRESSURE_DEADLINE_MS;
	for (struct conntrack_conn *c = t->head; c; c = c->next) {
		/* A kept-alive connection may first wait idle for its next request. */
		uint64_t allowed = deadline + (c->kept_alive && !pressure ? t->keepalive_ms : 0);
		if (!c->receiving || c->cut || now - c->since_ms < allowed)
			continue;
		/* The descriptor is still open: conntrack_close runs (under this
		 * lock) before libmicrohttpd closes it. */
		shutdown(c->fd, SHUT_RDWR);
		c->cut = true;
		n++;
	}
	return n;
}

static void log_cut(unsigned n, bool pressure, uint64_t open, unsigned deadline_ms)
{
	unsigned ms = pressure && deadline_ms > CONNTRACK_PRESSURE_DEADLINE_MS
			      ? CONNTRACK_PRESSURE_DEADLINE_MS : deadline_ms;
	rr_log_kv(RR_LOG_INFO, "http.request_deadline",
		  RR_KV_STR("message", "closed connections whose request did not arrive whole in time"),
		  RR_KV_UINT("closed", n), RR_KV_UINT("open_connections", open),
		  RR_KV_UINT("deadline_ms", ms), RR_KV_BOOL("under_pressure", pressure));
}

static void *watchdog(void *arg)
{
	struct conntrack *t = arg;

	pthread_mutex_lock(&t->lock);
	while (!t->stopping) {
		struct timespec until;
		bool pressure = t->open >= t->pressure_at;
		unsigned n = cut_late_requests(t, rr_now_ms(), pressure);

		t->cut += n;
		if (pressure)
			t->cut_under_pressure += n;
		if (n)
			log_cut(n, pressure, t->open, t->deadline_ms);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)CONNTRACK_TICK_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&t->wake, &t->lock, &until);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

int conntrack_start(struct conntrack **out, unsigned deadline_ms, unsigned keepalive_ms,
		    unsigned limit, struct rr_error *err)
{
	struct conntrack *t = calloc(1, sizeof(*t));
	int rc;

	*out = NULL;
	if (!t)
		return rr_error_set(err, RR_ENOMEM, "starting the request watchdog: out of memory");
	t->deadline_ms = deadline_ms ? deadline_ms : 1;
	t->keepalive_ms = keepalive_ms;
	t->pressure_at = limit ? limit - limit / 4 : 1;
	t->limit = limit ? limit : 1;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->wake, NULL);
	if ((rc = pthread_create(&t->thread, NULL, watchdog, t)) != 0) {
		pthread_cond_destroy(&t->wake);
		pthread_mutex_destroy(&t->lock);
		free(t);
		return rr_error_set(err, RR_ERR, "starting the request watchdog: %s", strerror(rc));
	}
	*out = t;
	return RR_OK;
}

void conntrack_stop(struct conntrack *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	t->stopping = true;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	while (t->head) {          /* only if the server did not close them all */
		struct conntrack_conn *c = t->head;
		t->head = c->next;
		free(c);
	}
	pthread_cond_destroy(&t->wake);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/*
 * Full: the request that has been arriving the longest makes room. A forge's
 * delivery arrives in milliseconds, so the one cut is a slow client's. Lock held.
 */
static void evict_oldest_request(struct conntrack *t, uint64_t now)
{
	struct conntrack_conn *oldest = NULL;
	for (struct conntrack_conn *c = t->head; c; c = c->next)
		if (c->receiving && !c->cut && (!oldest || c->since_ms < oldest->since_ms))
			oldest = c;
	if (!oldest)
		return;            /* every connection is being answered: nothing to cut */
	shutdown(oldest->fd, SHUT_RDWR);
	oldest->cut = true;
	t->evicted++;
	if (t->evicted == 1 || t->evicted % 100 == 0) {
		rr_log_kv(RR_LOG_WARN, "http.connections_full",
			  RR_KV_STR("message", "connection limit reached: closed the slowest "
				    "incoming request"),
			  RR_KV_UINT("evicted_total", t->evicted),
			  RR_KV_UINT("its_age_ms", now - oldest->since_ms));
	}
}

struct conntrack_conn *conntrack_open(struct conntrack *t, int fd)
{
	struct conntrack_conn *c;

	if (!t || fd < 0 || !(c = calloc(1, sizeof(*c))))
		return NULL;
	c->fd = fd;
	c->receiving = true;
	c->since_ms = rr_now_ms();
	pthread_mutex_lock(&t->lock);
	if (t->open >= t->limit)
		evict_oldest_request(t, c->since_ms);
	c->next = t->head;
	if (t->head)
		t->head->prev = c;
	t->head = c;
	t->open++;
	pthread_mutex_unlock(&t->lock);
	return c;
}

void conntrack_close(struct conntrack *t, struct conntrack_conn *c)
{
	if (!t || !c)
		return;
	pthread_mutex_lock(&t->lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		t->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	t->open--;
	pthread_mutex_unlock(&t->lock);
	free(c);
}

void conntrack_received(struct conntrack *t, struct conntrack_conn *c)
{
	if (!t || !c)
		return;
	pthread_mutex_lock(&t->lock);
	c->receiving = false;
	pthread_mutex_unlock(&t->lock);
}

void conntrack_next_request(struct conntrack *t, struct conntrack_conn *c)
{
	if (!t || !c)
		return;
	pthread_mutex_lock(&t->lock);
	c->receiving = true;
	c->kept_alive = true;
	c->since_ms = rr_now_ms();
	pthread_mutex_unlock(&t->lock);
}

void conntrack_stats(struct conntrack *t, struct conntrack_stats *out)
{
	pthread_mutex_lock(&t->lock);
	out->open = t->open;
	out->cut = t->cut;
	out->cut_under_pressure = t->cut_under_pressure;
	out->evicted = t->evicted;
	pthread_mutex_unlock(&t->lock);
}
