/*
 * conntrack.h — a deadline for each HTTP request, and room for real deliveries.
 *
 * libmicrohttpd's connection timeout is an idle timeout: a client that sends
 * one byte a second keeps its connection (a socket and a slot under the
 * connection limit) for ever, and a thousand such clients lock every forge out. Here
 * every connection is tracked from accept to close; from the moment a request
 * starts (the connection opened, or the previous response went out) until its
 * headers and body are all in, a watchdog thread gives it `deadline_ms` (plus
 * the idle time allowed between two requests of one connection). When
 * connections run short (three quarters of the limit in use), the requests
 * still arriving get a much shorter deadline, so slow clients make room for
 * forges, which send a whole delivery in milliseconds; and at the limit, each
 * new connection evicts the request that has been arriving the longest (the
 * server accepts a few connections past the limit for that: see server.c).
 *
 * A request whose deadline passes has its socket shut down (not closed:
 * libmicrohttpd still owns the descriptor and closes it), which ends the
 * connection at once. A request being handled (all of it received, its
 * connection suspended while its commit is in flight) is never cut.
 */
#ifndef RR_CONNTRACK_H
#define RR_CONNTRACK_H

#include <stdint.h>

#include "../common/rr.h"

struct conntrack;
struct conntrack_conn;

/*
 * deadline_ms: how long a request has to arrive whole. keepalive_ms: how much
 * longer a later request on a kept-alive connection has, since its clock starts
 * when the previous response went out and it may first wait idle (the server's
 * idle timeout closes it before then if nothing comes). limit: the server's
 * connection limit (pressure starts at 3/4 of it; then every request, kept
 * alive or not, gets the short deadline).
 */
int conntrack_start(struct conntrack **out, unsigned deadline_ms, unsigned keepalive_ms,
		    unsigned limit, struct rr_error *err);
/* Stops the watchdog and frees. Every connection must have been closed. NULL is fine. */
void conntrack_stop(struct conntrack *t);

/* A connection was accepted on fd: its first request's clock starts. NULL when
 * out of memory (the connection then simply has no deadline). */
struct conntrack_conn *conntrack_open(struct conntrack *t, int fd);
/* The connection is about to be closed (before its descriptor is). NULL is fine. */
void conntrack_close(struct conntrack *t, struct conntrack_conn *c);
/* The whole request is in: no deadline while it is handled. NULL is fine. */
void conntrack_received(struct conntrack *t, struct conntrack_conn *c);
/* The response went out: the next request on this connection starts now. NULL is fine. */
void conntrack_next_request(struct conntrack *t, struct conntrack_conn *c);

struct conntrack_stats {
	uint64_t open;             /* connections now */
	uint64_t cut;              /* requests cut at their deadline since start */
	uint64_t cut_under_pressure;   /* of those, cut early to make room */
	uint64_t evicted;          /* slowest requests closed so a new connection fits */
};
void conntrack_stats(struct conntrack *t, struct conntrack_stats *out);

#endif
